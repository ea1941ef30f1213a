@section-7 @optional
Feature: Ensuring high availability: three brokers, replication, brokers down and acks
  Lab section 7 (optional) builds a cluster of three brokers, adds a topic with replication
  factor 2, sends messages with one broker down and with two down, and tries different values
  of acks. Kafka's design documentation on replication is the reference: a partition has a
  leader and followers; the in-sync replicas (ISR) are those that keep up with the leader; a
  message is committed, and readable, once every in-sync replica has it (the high watermark).

  The cluster here is three brokers and one dedicated KRaft controller, so the controller quorum
  survives any brokers going down. Inside each broker's network namespace the broker answers on
  localhost:9092, as in the lab; `make cluster TOPOLOGY=ha` starts the same cluster by hand.
  Graded without Docker (Gradescope), the brokers share one machine's network instead and answer
  on localhost:9092, 9093 and 9094, as Kafka's quickstart runs three brokers on one machine.

  The acks table and the durability run (@kafka-only) check Kafka itself: the same for every
  submission, they are left out of a student's grading and run once per class (`grade batch`)
  or on request (`make spec TAGS=@kafka-only`).

  @points:2
  Scenario: create_replicated_topic creates a topic with replication factor 2
    Given a cluster of three brokers and one controller
    And the student's answers.yaml
    When the student's create_replicated_topic command runs
    Then the cluster has a new topic with replication factor 2
    And each of its partitions has its 2 replicas on different brokers, all in sync

  # The student's own three brokers, started as the lab starts them: on one machine laid out as
  # the lab's Kafka folder, each server in a terminal of its own (the terminals share localhost
  # and /tmp), with the configuration files the student wrote placed in the Kafka folder's
  # config/ (the submission's config/ folder). start_cluster is the list of commands, run in
  # order: a server start (ZooKeeper, Kafka) keeps running in its terminal, the next command
  # starts once ZooKeeper listens; a storage format runs to its end. On Kafka 3.x:
  #
  #   start_cluster:
  #     - ./bin/zookeeper-server-start.sh config/zookeeper.properties
  #     - ./bin/kafka-server-start.sh config/server-1.properties
  #     - ./bin/kafka-server-start.sh config/server-2.properties
  #     - ./bin/kafka-server-start.sh config/server-3.properties
  #
  # each server-N.properties a copy of config/server.properties with its own broker.id, its own
  # port in listeners and advertised.listeners, and its own log.dirs. On Kafka 4 (KRaft only,
  # KIP-833) each node's file also names the controller quorum, and each node's storage is
  # formatted first with one cluster id (kafka-storage.sh format -t <id> -c config/server-N.properties).
  # The brokers are asked with kafka-broker-api-versions.sh, at localhost:9092 and at the
  # listeners of the student's files. Two brokers with one broker.id, one port for two brokers,
  # a shared log.dirs, a broker started before ZooKeeper and a file the command names but the
  # submission lacks are each named, before anything runs when the files make it certain.
  @points:2 @own-cluster
  Scenario: start_cluster starts the student's three brokers from their own configuration files
    Given the student's answers.yaml
    When the student's start_cluster commands run, each server in a terminal of its own
    Then 3 brokers answer, each at an address of its own, and the cluster's metadata lists all 3

  # The student's own acks experiment, replayed trial by trial (acks_experiment in answers.yaml:
  # each trial's producer command as typed, how many brokers were down, what the producer
  # showed, and whether a consumer could read the message while they were down and once back):
  #
  #   acks_experiment:
  #     - producer: ./bin/kafka-console-producer.sh --topic my_replicated_topic --bootstrap-server localhost:9092 --producer-property acks=0
  #       brokers_down: 1            # how many of the 3 brokers were down: 0, 1 or 2
  #       producer_saw: acknowledged # acknowledged (no error), error (it printed one) or timeout (it gave up)
  #       read_while_down: yes       # could a consumer read the message while they were down?
  #       read_after_back: yes       # ... and once every broker was back?
  #
  # The harness runs the student's create_replicated_topic, then for each trial stops that many
  # of the brokers that hold the replicas of the topic's partition 0, the leader first (a clean
  # stop, as in the acks table below; past the replicas, a broker that holds none), and runs the
  # student's producer command as typed, acks included (--producer-property, --command-property,
  # --request-required-acks or --producer.config config/FILE from the submission's config/),
  # unprivileged, beside a broker that stays up: its bootstrap is that broker (localhost:9092 in
  # its own namespace; 9092, 9093 or 9094 with local processes). The harness adds a key to the
  # message that Kafka's default partitioner sends to partition 0 (parse.key), and bounds the
  # producer: no answer within 2 s counts as a timeout; the console producer's own default waits
  # 2 minutes. A consumer then looks for the message while the brokers are down and again once
  # every broker is back and in sync. Trials with the same number of brokers down share one
  # outage. Each trial is judged against the Kafka that runs (its version is in the message):
  # the rules are those of the comments on the acks table below, 3.7's high watermark included.
  # A trial written wrong, or whose command fails for its own reason, is named, and the others
  # are still replayed.
  @points:3 @acks-experiment
  Scenario: the student's acks experiment, replayed on their own topic, matches what Kafka does
    Given a cluster of three brokers and one controller
    And the student's answers.yaml
    When the student's create_replicated_topic command runs
    And each trial of the student's acks_experiment is replayed on the topic it created
    Then every observation the student recorded is what Kafka did
    And the trials cover acks 0, 1 and all, each with one and with two brokers down

  # The answer to the lab's question, found by running it (Kafka 3.9.1 and 4.1.1 agree on
  # every row). The console producer runs on the third broker, which holds no replica, with
  # acks set by --producer-property and a 2 s delivery timeout (the default is 2 minutes).
  # - acks=0 asks for no acknowledgement: the producer sees no error as long as there is a
  #   leader to write to, whether or not the write is kept.
  # - min.insync.replicas applies to acks=all only: with fewer replicas in sync the leader
  #   refuses the write (NOT_ENOUGH_REPLICAS), so an acknowledged write always sits on at
  #   least min.insync.replicas brokers.
  # - Since Kafka 3.7 (KIP-966, part 1) the high watermark does not move while the ISR is
  #   smaller than min.insync.replicas: an acks=0 or acks=1 write is stored by the leader but
  #   nobody can read it until the other replica is back in sync. The lab's Kafka 3.1 let it
  #   be read at once. Kafka 4.1 also keeps "eligible leader replicas" (ELR) for new clusters,
  #   which changes who may become leader after both replicas failed, not these outcomes.
  # - With both replicas down the partition has no leader: every producer times out, and the
  #   message is not there when the brokers come back.
  @kafka-only
  Scenario Outline: acks=<acks>, min.insync.replicas=<min isr>, <down> of the partition's 2 replica brokers down
    Given a cluster of three brokers and one controller
    And a topic with 1 partition, replication factor 2 and min.insync.replicas <min isr>
    And <down> of the brokers holding its replicas are down, the leader first
    When a console producer with acks=<acks> sends a message
    Then the producer sees <producer sees>
    And a consumer can read the message while they are down: <read while down>
    And a consumer can read it once they are back: <read when back>

    Examples: min.insync.replicas=1, the broker's default
      | acks | min isr | down | producer sees       | read while down | read when back |
      | 0    | 1       | 0    | sent                | yes             | yes            |
      | 1    | 1       | 0    | acknowledged        | yes             | yes            |
      | all  | 1       | 0    | acknowledged        | yes             | yes            |
      | 0    | 1       | 1    | sent                | yes             | yes            |
      | 1    | 1       | 1    | acknowledged        | yes             | yes            |
      | all  | 1       | 1    | acknowledged        | yes             | yes            |
      | 0    | 1       | 2    | timeout             | no              | no             |
      | 1    | 1       | 2    | timeout             | no              | no             |
      | all  | 1       | 2    | timeout             | no              | no             |

    Examples: min.insync.replicas=2, both replicas must have a write
      | acks | min isr | down | producer sees       | read while down | read when back |
      | 0    | 2       | 0    | sent                | yes             | yes            |
      | 1    | 2       | 0    | acknowledged        | yes             | yes            |
      | all  | 2       | 0    | acknowledged        | yes             | yes            |
      | 0    | 2       | 1    | sent                | no              | yes            |
      | 1    | 2       | 1    | acknowledged        | no              | yes            |
      | all  | 2       | 1    | NOT_ENOUGH_REPLICAS | no              | no             |
      | 0    | 2       | 2    | timeout             | no              | no             |
      | 1    | 2       | 2    | timeout             | no              | no             |
      | all  | 2       | 2    | timeout             | no              | no             |

  # Durability in the manner of Kafka's replication system test and of Jepsen: Kafka's own
  # VerifiableProducer sends the numbers 0, 1, 2, ... and prints each acknowledgement, while a
  # random broker is killed (SIGKILL) and started again, one at a time. Replication factor 3
  # with min.insync.replicas 2 is that test's set-up: writes go on with one broker down.
  # With acks=all every acknowledged message is on two brokers at least, and idempotence
  # (sequence numbers per partition) keeps a retried send from being written twice: every
  # acknowledged number is read back exactly once. With acks=1 the leader acknowledges alone;
  # a message it had not yet passed to a follower is lost if it is killed then, which depends
  # on the timing of the kills: those counts are reported, not asserted.
  @kafka-only
  Scenario: no message acknowledged with acks=all is lost while brokers crash
    Given a cluster of three brokers and one controller
    And topics durable and fast, each with 3 partitions, replication factor 3 and min.insync.replicas 2
    When producers send numbered messages, to durable with acks=all and idempotence and to fast with acks=1, while a random broker is killed and restarted 5 times
    Then each producer had at least 1000 messages acknowledged
    And every message acknowledged on durable is read back exactly once
    And the counts of every producer are reported: sent, acknowledged, lost and duplicated
