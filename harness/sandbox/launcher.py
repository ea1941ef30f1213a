# kafka-lab's launcher: runs a student's program as `python3 script` would, after setting up
# what the harness needs to grade it fairly. argv: the script, then its arguments.
import importlib.util, logging, os, runpy, signal, sys

# SIGTERM ends the program as it ends any process: in its container the program is PID 1, for
# which the kernel ignores a signal left to its default action, so a stop would wait out its
# grace and kill. A program that sets its own handler (to flush, say) still gets it.
signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))

# kafka-python's own warnings go to stderr (Python shows none without a logging set-up): they
# are how a program that cannot reach Kafka is recognised, and they help the student too.
h = logging.StreamHandler()
h.setFormatter(logging.Formatter('%(levelname)s %(name)s: %(message)s'))
kafka = logging.getLogger('kafka')
kafka.addHandler(h)
kafka.setLevel(logging.WARNING)


# Each consumer's subscription and partition assignment, as one line each on stderr: how the
# harness tells the student that a program's consumer never got a partition from its client,
# or subscribed to a topic that does not exist. (The program can print these lines too: they
# explain a failure, never excuse one.)
class Assignments(logging.Filter):
    def filter(self, record):
        if record.levelno >= logging.WARNING:
            return True
        msg = str(record.msg)
        if msg.startswith('Updating subscribed topics') and record.args:
            topics = sorted(record.args[0])
            sys.stderr.write('kafka-lab: subscribed to %s\n' % ', '.join(topics))
        elif msg.startswith('Updated partition assignment') and record.args:
            by_topic = {}
            for tp in record.args[0]:
                by_topic.setdefault(tp.topic, []).append(tp.partition)
            got = '; '.join('%s %s' % (t, sorted(ps)) for t, ps in sorted(by_topic.items()))
            sys.stderr.write('kafka-lab: partitions assigned: %s\n' % (got or 'none'))
        return False


subscriptions = logging.getLogger('kafka.consumer.subscription_state')
subscriptions.setLevel(logging.INFO)
subscriptions.propagate = False
subscriptions.addHandler(h)
h.addFilter(Assignments())


# kafka-python 3.0.12 answers a topic that a consumer subscribes to while a metadata request
# for other topics is on its way (its bootstrap's) with that request's answer, and asks again
# only when its metadata is 5 minutes old (metadata_max_age_ms): the lab's own calculator then
# has no partition for 5 minutes, on a loaded machine (its own TODO: "handle future when old
# metadata request is currently in-flight"). An answer that misses topics added since its
# request was made is followed by another request, as the Java client does.
def close_metadata_race(ClusterMetadata):
    ask = getattr(ClusterMetadata, 'metadata_request', None)
    update = getattr(ClusterMetadata, 'update_metadata', None)
    if ask is None or update is None or not hasattr(ClusterMetadata, 'request_update'):
        return  # not the kafka-python this mends

    def metadata_request(self, *args, **kwargs):
        self._kafka_lab_asked = None if self.need_all_topic_metadata else set(self._topics)
        return ask(self, *args, **kwargs)

    def update_metadata(self, metadata, *args, **kwargs):
        out = update(self, metadata, *args, **kwargs)
        asked = getattr(self, '_kafka_lab_asked', None)
        if asked is not None and set(self._topics) - asked:
            self.request_update()
        return out

    ClusterMetadata.metadata_request = metadata_request
    ClusterMetadata.update_metadata = update_metadata


# The mend is made when the program imports kafka-python, not before: a program of another
# client does not load it.
class MendOnImport:
    def find_spec(self, name, path=None, target=None):
        if name != 'kafka.cluster':
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_mend(module):
            exec_module(module)
            if hasattr(module, 'ClusterMetadata'):
                close_metadata_race(module.ClusterMetadata)

        spec.loader.exec_module = exec_and_mend
        return spec


sys.meta_path.insert(0, MendOnImport())
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(sys.argv[0])
runpy.run_path(sys.argv[0], run_name='__main__')
