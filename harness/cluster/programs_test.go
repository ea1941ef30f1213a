package cluster_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
)

// TestChooseProgramImage: the student's programs run from the Kafka image when it is
// kafka-lab's, from the program image when it is another (the official apache/kafka has no
// Python), from the image the environment names when it names one, and from the local
// distribution (whatever the image) with local processes.
func TestChooseProgramImage(t *testing.T) {
	own := map[string]string{cluster.OwnImageLabel: "d457133791ef42cb", "org.kafka-lab.kafka-version": "3.9.1"}
	official := map[string]string{"org.label-schema.name": "kafka", "maintainer": "Apache Kafka"}
	for _, tc := range []struct {
		name, kafka   string
		labels        map[string]string
		dist, env     string
		want, whySays string
	}{
		{name: "own image", kafka: "kafka-lab/kafka:3.9.1", labels: own, want: "kafka-lab/kafka:3.9.1", whySays: "kafka-lab's own"},
		{name: "own image, 4.x", kafka: "kafka-lab/kafka:4.1.1", labels: own, want: "kafka-lab/kafka:4.1.1", whySays: "kafka-lab's own"},
		{name: "official image", kafka: "apache/kafka:3.9.1", labels: official, want: cluster.DefaultProgramImage, whySays: "not kafka-lab's"},
		{name: "no labels at all", kafka: "apache/kafka:4.1.1", want: cluster.DefaultProgramImage, whySays: cluster.OwnImageLabel},
		// A stand-in built FROM our image with the label emptied is not ours.
		{name: "label emptied", kafka: "stand-in:1", labels: map[string]string{cluster.OwnImageLabel: ""}, want: cluster.DefaultProgramImage},
		{name: "a name like ours is not enough", kafka: "kafka-lab/kafka:3.9.1", labels: official, want: cluster.DefaultProgramImage},
		{name: "override, official image", kafka: "apache/kafka:3.9.1", labels: official, env: " my/python:1 ", want: "my/python:1", whySays: cluster.ProgramImageEnv},
		{name: "override, own image", kafka: "kafka-lab/kafka:3.9.1", labels: own, env: "my/python:1", want: "my/python:1"},
		{name: "blank override", kafka: "apache/kafka:3.9.1", env: "  ", want: cluster.DefaultProgramImage},
		{name: "local processes", kafka: "dist:/d", dist: "/d", env: "my/python:1", want: "dist:/d", whySays: "local processes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := cluster.ChooseProgramImage(tc.kafka, tc.labels, tc.dist, tc.env)
			if got != tc.want {
				t.Errorf("ChooseProgramImage(%q, %v, %q, %q) = %q, want %q", tc.kafka, tc.labels, tc.dist, tc.env, got, tc.want)
			}
			if why == "" || !strings.Contains(why, tc.whySays) {
				t.Errorf("why = %q, want it to say %q", why, tc.whySays)
			}
		})
	}
}

func TestProgramImageOfAnImageMadeByHand(t *testing.T) {
	if got := (cluster.Image{Ref: "k:1"}).ProgramImage(); got != "k:1" {
		t.Errorf("ProgramImage with nothing chosen = %q, want the Kafka image", got)
	}
	if got := (cluster.Image{Ref: "k:1", Programs: "p:1"}).ProgramImage(); got != "p:1" {
		t.Errorf("ProgramImage = %q, want p:1", got)
	}
}

// TestProgramImageInStep: the scripts that install the Python clients (dist.sh for the
// distribution and the Kafka image, build.sh, programs.sh for the program image) pin the
// versions the harness names (KafkaPythonVersion, ConfluentKafkaVersion), and the program
// image's name carries them, so every image gives a program the same clients.
func TestProgramImageInStep(t *testing.T) {
	pins := []struct{ variable, want string }{
		{"KAFKA_PYTHON_VERSION", cluster.KafkaPythonVersion},
		{"CONFLUENT_KAFKA_VERSION", cluster.ConfluentKafkaVersion},
	}
	for _, script := range []string{"dist.sh", "build.sh", "programs.sh"} {
		b, err := os.ReadFile("../image/" + script)
		if err != nil {
			t.Fatal(err)
		}
		for _, pin := range pins {
			re := regexp.MustCompile(`(?m)^` + pin.variable + `=\$\{` + pin.variable + `:-([0-9.]+)\}$`)
			m := re.FindSubmatch(b)
			if m == nil {
				t.Errorf("%s: no default %s", script, pin.variable)
			} else if string(m[1]) != pin.want {
				t.Errorf("%s pins %s=%s, the harness says %s", script, pin.variable, m[1], pin.want)
			}
		}
		if script == "programs.sh" {
			image := regexp.MustCompile(`(?m)^IMAGE=\$\{IMAGE:-kafka-lab/python:kafka-python-\$KAFKA_PYTHON_VERSION-confluent-kafka-\$CONFLUENT_KAFKA_VERSION\}$`)
			if !image.Match(b) || cluster.DefaultProgramImage != "kafka-lab/python:kafka-python-"+cluster.KafkaPythonVersion+"-confluent-kafka-"+cluster.ConfluentKafkaVersion {
				t.Errorf("programs.sh does not build %s by default", cluster.DefaultProgramImage)
			}
		}
	}
}

// TestClientVersionsDocumented: what a student and a grader read names the pinned clients.
func TestClientVersionsDocumented(t *testing.T) {
	for _, doc := range []string{"../../docs/students.md", "../../classroom/README.md", "../../features/06_pipeline.feature"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		// Documents wrap lines anywhere: compare with single spaces.
		text := strings.Join(strings.Fields(strings.ReplaceAll(string(b), "*", "")), " ")
		for _, want := range []string{"kafka-python " + cluster.KafkaPythonVersion, "confluent-kafka " + cluster.ConfluentKafkaVersion} {
			if !strings.Contains(text, want) {
				t.Errorf("%s does not name %s", doc, want)
			}
		}
	}
}
