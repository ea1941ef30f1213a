package replication

import (
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

var (
	kafka391 = cluster.Image{KafkaVersion: "3.9.1", Major: 3, Minor: 9}
	kafka440 = cluster.Image{KafkaVersion: "4.4.0", Major: 4, Minor: 4}
	kafka36  = cluster.Image{KafkaVersion: "3.6.2", Major: 3, Minor: 6}
)

// The rules against the acks table of features/07 (run on 3.9.1 and 4.x), and 3.6's high
// watermark, which did not wait for min.insync.replicas.
func TestExpect(t *testing.T) {
	ack, err, to := submission.SawAcknowledged, submission.SawError, submission.SawTimeout
	for _, tc := range []struct {
		acks         string
		minISR, down int
		kafka        cluster.Image
		want         Observation
		says         string
	}{
		{"0", 1, 0, kafka391, Observation{ack, true, true}, "asks for no acknowledgement"},
		{"all", 1, 0, kafka391, Observation{ack, true, true}, "waits for every in-sync replica"},
		{"0", 1, 1, kafka391, Observation{ack, true, true}, "one in-sync replica is enough for the partition to have a leader"},
		{"1", 1, 1, kafka391, Observation{ack, true, true}, "waits for the leader alone"},
		{"all", 1, 1, kafka440, Observation{ack, true, true}, "at least min.insync.replicas=1"},
		{"0", 1, 2, kafka391, Observation{to, false, false}, "no leader, whatever acks says"},
		{"all", 2, 2, kafka440, Observation{to, false, false}, "no leader, whatever acks says"},
		{"0", 2, 1, kafka391, Observation{ack, false, true}, "since Kafka 3.7 (KIP-966) the high watermark does not advance"},
		{"1", 2, 1, kafka440, Observation{ack, false, true}, "stored but unreadable until the replica is back"},
		{"1", 2, 1, kafka36, Observation{ack, true, true}, "a consumer reads committed messages"},
		{"all", 2, 1, kafka391, Observation{err, false, false}, "NotEnoughReplicasException"},
		{"all", 2, 0, kafka391, Observation{ack, true, true}, "2 of them, at least min.insync.replicas=2"},
		// min.insync.replicas above the replication factor: acks=all is never taken, and the
		// high watermark never moves.
		{"all", 3, 0, kafka391, Observation{err, false, false}, "fewer than the topic's min.insync.replicas=3"},
		{"1", 3, 0, kafka391, Observation{ack, false, false}, "high watermark does not advance"},
	} {
		got, why := Expect(Setting{Acks: tc.acks, Replicas: 2, MinISR: tc.minISR, ReplicasDown: tc.down, Kafka: tc.kafka})
		if got != tc.want || !strings.Contains(why, tc.says) {
			t.Errorf("acks=%s, min.insync.replicas=%d, %d down, Kafka %s: got %+v (%s); want %+v, saying %q",
				tc.acks, tc.minISR, tc.down, tc.kafka.KafkaVersion, got, why, tc.want, tc.says)
		}
	}
}

func TestExplainNamesTheTrialTheRuleAndTheLabel(t *testing.T) {
	tr := submission.Trial{N: 2, Line: 41, BrokersDown: 1, Saw: submission.SawError, ReadWhileDown: true, ReadAfterBack: true}
	s := Setting{Acks: "0", Replicas: 2, MinISR: 1, BrokersDown: 1, ReplicasDown: 1, Kafka: kafka391}
	actual := Observation{submission.SawAcknowledged, true, true}
	wrong := Compare(Observation{tr.Saw, tr.ReadWhileDown, tr.ReadAfterBack}, actual)
	got := Explain(tr, s, actual, wrong)
	for _, want := range []string{
		"trial 2 (answers.yaml line 41: acks=0, 1 of the partition's 2 replica brokers down): you recorded that the producer printed an error; on Kafka 3.9.1 the producer sent it and saw no error",
		"one in-sync replica is enough for the partition to have a leader, and acks=0 asks for no acknowledgement",
		"\n  wrong observation: acks=0, 1 down: producer_saw error (Kafka: acknowledged)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Explain = %q\nwant it to contain %q", got, want)
		}
	}
	if Explain(tr, s, actual, nil) != "" {
		t.Error("a trial recorded right has no explanation")
	}
	// Two fields wrong: one label each, in the order of the trial's keys.
	tr.Saw, tr.ReadWhileDown, tr.ReadAfterBack = submission.SawAcknowledged, true, true
	s = Setting{Acks: "1", Replicas: 2, MinISR: 2, BrokersDown: 1, ReplicasDown: 1, Kafka: kafka391}
	actual = Observation{submission.SawAcknowledged, false, true}
	got = Explain(tr, s, actual, Compare(Observation{tr.Saw, tr.ReadWhileDown, tr.ReadAfterBack}, actual))
	if !strings.Contains(got, "wrong observation: acks=1, 1 down: read_while_down yes (Kafka: no)") || strings.Count(got, "wrong observation:") != 1 {
		t.Errorf("Explain = %q", got)
	}
	// Kafka did something its notes do not predict: both are said.
	got = Explain(tr, s, Observation{submission.SawTimeout, false, true}, []Mismatch{{FieldSaw, "acknowledged", "timeout"}})
	if !strings.Contains(got, "Kafka's design notes predict otherwise here") {
		t.Errorf("Explain = %q", got)
	}
}

func TestMissing(t *testing.T) {
	got := Missing([]Cell{{"0", 1}, {"1", 1}, {"all", 1}, {"all", 2}, {"0", 0}})
	if len(got) != 2 || got[0] != (Cell{"0", 2}) || got[1] != (Cell{"1", 2}) {
		t.Errorf("Missing = %v", got)
	}
	if got := Missing(CoverageCells); len(got) != 0 {
		t.Errorf("Missing(all) = %v", got)
	}
}

func producer(t *testing.T, text string) submission.Command {
	t.Helper()
	cmd, err := submission.ParseCommand(submission.AcksExperiment, 3, text)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

func TestAcksOf(t *testing.T) {
	const p = "./bin/kafka-console-producer.sh --topic t --bootstrap-server localhost:9092 "
	config := map[string][]byte{
		"producer.properties": []byte("# mine\nbootstrap.servers=localhost:9092\nacks = 1\n"),
		"quiet.properties":    []byte("acks: 0\n"),
		"none.properties":     []byte("linger.ms=5\n"),
	}
	for _, tc := range []struct{ args, acks, from string }{
		{"--producer-property acks=0", "0", "acks=0"},
		{"--producer-property=acks=1", "1", "acks=1"},
		{"--command-property acks=all", "all", "acks=all"},
		{"--producer-property acks=-1", "all", "acks=-1"},
		{"--request-required-acks 1", "1", "--request-required-acks 1"},
		{"--request-required-acks=0", "0", "--request-required-acks 0"},
		// --request-required-acks wins over acks in --producer-property, as in the console producer.
		{"--producer-property acks=0 --request-required-acks all", "all", "--request-required-acks all"},
		{"--producer.config config/producer.properties", "1", "acks=1 in config/producer.properties"},
		{"--command-config config/quiet.properties", "0", "acks=0 in config/quiet.properties"},
		{"--producer.config /home/ana/kafka_2.13-3.1.0/config/quiet.properties", "0", "acks=0 in config/quiet.properties"},
		// --producer-property wins over the file.
		{"--producer.config config/producer.properties --producer-property acks=0", "0", "acks=0"},
		{"--producer.config config/none.properties", "all", "the console producer's default"},
		{"--producer.config config/missing.properties", "all", "the console producer's default"},
		{"--producer-property linger.ms=0", "all", "the console producer's default, acks=-1 (all)"},
		{"", "all", "the console producer's default"},
	} {
		acks, from, err := AcksOf(producer(t, p+tc.args), config)
		if err != nil || acks != tc.acks || !strings.Contains(from, tc.from) {
			t.Errorf("AcksOf(%s) = %q, %q, %v; want %q, %q", tc.args, acks, from, err, tc.acks, tc.from)
		}
	}
	if _, _, err := AcksOf(producer(t, p+"--producer-property acks=2"), nil); err == nil || !strings.Contains(err.Error(), "0, 1, all or -1") {
		t.Errorf("acks=2: %v", err)
	}
}

func TestBounded(t *testing.T) {
	cmd := producer(t, "kafka-console-producer.sh --topic t --bootstrap-server localhost:9092,localhost:9093 --producer-property acks=0")
	got := strings.Join(Bounded(cmd, "localhost:9094", kafka391).Args, " ")
	want := "bin/kafka-console-producer.sh --topic t --bootstrap-server localhost:9094 --producer-property acks=0 " +
		"--producer-property linger.ms=0 --producer-property request.timeout.ms=1500 --producer-property delivery.timeout.ms=2000 --producer-property max.block.ms=2000 " +
		"--property parse.key=true --property key.separator=|"
	if got != want {
		t.Errorf("Bounded on 3.9.1 =\n%s\nwant\n%s", got, want)
	}
	// On 4.2 and later, the spelling the student used: the two cannot be mixed.
	cmd = producer(t, "kafka-console-producer.sh --topic t --bootstrap-server localhost:9092 --producer-property acks=1 --property parse.key=false")
	got = strings.Join(Bounded(cmd, "localhost:9092", kafka440).Args, " ")
	if strings.Contains(got, "--command-property") || strings.Contains(got, "--reader-property") || !strings.HasSuffix(got, "--property parse.key=true --property key.separator=|") {
		t.Errorf("Bounded on 4.4 with the old spellings = %s", got)
	}
	cmd = producer(t, "kafka-console-producer.sh --topic t --broker-list=localhost:9092")
	got = strings.Join(Bounded(cmd, "localhost:9092", cluster.Image{KafkaVersion: "4.2.0", Major: 4, Minor: 2}).Args, " ")
	if !strings.Contains(got, "--broker-list=localhost:9092 --command-property linger.ms=0") || !strings.HasSuffix(got, "--reader-property parse.key=true --reader-property key.separator=|") {
		t.Errorf("Bounded on 4.2 = %s", got)
	}
}
