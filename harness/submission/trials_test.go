package submission

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrials(t *testing.T) {
	s := load(t, `acks_experiment:
  - producer: ./bin/kafka-console-producer.sh --topic r --bootstrap-server localhost:9092 --producer-property acks=0
    brokers_down: 1
    producer_saw: sent
    read_while_down: yes
    read_after_back: true
  - producer: kafka-console-producer.sh --topic r --bootstrap-server localhost:9092
    brokers_down: 2
    producer_saw: TimeoutException
    read_while_down: no
    read_after_back: no
  - producer: ./bin/kafka-topics.sh --list --bootstrap-server localhost:9092
    brokers_down: 1
    producer_saw: acknowledged
    read_while_down: yes
    read_after_back: yes
  - producer: ./bin/kafka-console-producer.sh --topic r --bootstrap-server localhost:9092
    brokers_down: 5
    producer_saw: acknowledged
    read_while_down: yes
    read_after_back: yes
  - producer: ./bin/kafka-console-producer.sh --topic r --bootstrap-server localhost:9092
    brokers_down: 1
    producer_saw: it worked
    read_while_down: yes
    read_after_back: yes
  - producer: ./bin/kafka-console-producer.sh --topic r --bootstrap-server localhost:9092
    brokers_down: 1
    producer_saw: error
  - just a line
  - producer: ./bin/kafka-console-producer.sh --topic r --bootstrap-server localhost:9092
    brokers_down: 1
    producer_saw: error
    read_while_down: maybe
    read_after_back: yes
    acks: all
`)
	trials, err := s.Trials()
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 8 {
		t.Fatalf("%d trials, want 8", len(trials))
	}
	first := trials[0]
	if first.Err != nil || first.N != 1 || first.Line != 2 || first.BrokersDown != 1 || first.Saw != SawAcknowledged || !first.ReadWhileDown || !first.ReadAfterBack ||
		first.Producer.Tool != "kafka-console-producer" || first.Producer.Line != 2 {
		t.Errorf("trial 1 = %+v", first)
	}
	if second := trials[1]; second.Err != nil || second.Saw != SawTimeout || second.ReadWhileDown || second.ReadAfterBack || second.BrokersDown != 2 {
		t.Errorf("trial 2 = %+v", second)
	}
	for i, want := range map[int]string{
		2: "line 12: `acks_experiment` runs kafka-topics.sh, but section 7",
		3: "line 18: `acks_experiment` trial 4: brokers_down is `5`, but the cluster has 3 brokers",
		4: "line 24: `acks_experiment` trial 5: producer_saw is `it worked`: write acknowledged",
		5: "line 27: `acks_experiment` trial 6 has no `read_while_down`",
		6: "line 30: `acks_experiment` trial 7 is text",
		7: "line 36: `acks_experiment` trial 8 has `acks`, which is not a trial's key",
	} {
		if e := trials[i].Err; e == nil || !strings.Contains(e.Error(), want) {
			t.Errorf("trial %d: error %v, want it to contain %q", i+1, e, want)
		}
	}
	if _, err := s.Commands(AcksExperiment); err == nil {
		t.Error("Commands(acks_experiment) gave commands")
	}
}

func TestTrialsKeyErrors(t *testing.T) {
	for answers, want := range map[string]string{
		"create_topic: x\n":     "answers.yaml has no `acks_experiment`: add the trials of section 7's experiment",
		"acks_experiment: 3\n":  "line 1: `acks_experiment` is a number: write section 7's experiment as a list with one item per trial",
		"acks_experiment: []\n": "`acks_experiment` is an empty list",
		"acks_experiment:\n" + strings.Repeat("  - x\n", MaxTrials+1): "has 13 trials, more than the 12",
	} {
		_, err := load(t, answers).Trials()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", answers, err, want)
		}
	}
}

func TestConfigFiles(t *testing.T) {
	dir := t.TempDir()
	if files, skipped, err := ConfigFiles(dir); err != nil || files != nil || skipped != nil {
		t.Fatalf("no config/: %v %v %v", files, skipped, err)
	}
	cfg := filepath.Join(dir, ConfigDir)
	if err := os.MkdirAll(filepath.Join(cfg, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"server-1.properties": "broker.id=1\n", "big.properties": strings.Repeat("x", ConfigLimit+1), ".hidden": "x"} {
		if err := os.WriteFile(filepath.Join(cfg, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(cfg, "passwd.properties")); err != nil {
		t.Fatal(err)
	}
	files, skipped, err := ConfigFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || string(files["server-1.properties"]) != "broker.id=1\n" {
		t.Errorf("files = %v", files)
	}
	got := strings.Join(skipped, "\n")
	for _, want := range []string{"config/.hidden: its name", "config/big.properties has 64 KiB, more than", "config/passwd.properties is a link", "config/sub is a folder"} {
		if !strings.Contains(got, want) {
			t.Errorf("skipped:\n%s\nwant %q", got, want)
		}
	}
}
