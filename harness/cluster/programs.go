package cluster

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/kafka-lab/kafka-lab/harness/container"
)

// ProgramImageEnv names the image the student's Python programs run from, instead of the one
// the harness picks (see ChooseProgramImage). It must have python3 and kafka-python (and
// confluent-kafka, for programs that use it).
const ProgramImageEnv = "KAFKA_LAB_PROGRAM_IMAGE"

// The Python clients a student's programs may import, as harness/image's scripts (dist.sh,
// build.sh, programs.sh) pin them: in the Kafka image, the program image and the distribution
// of local processes alike.
const (
	KafkaPythonVersion    = "3.0.12" // import kafka
	ConfluentKafkaVersion = "2.16.2" // import confluent_kafka (librdkafka inside)
)

// DefaultProgramImage is the image harness/image/programs.sh builds (`make image` builds it when
// KAFKA_LAB_IMAGE is not kafka-lab's): the Kafka image's Debian base with python3 and the
// kafka-python and confluent-kafka dist.sh pins, and no Kafka.
const DefaultProgramImage = "kafka-lab/python:kafka-python-" + KafkaPythonVersion + "-confluent-kafka-" + ConfluentKafkaVersion

// OwnImageLabel is the label build.sh gives the Kafka images it builds, which ship python3
// and both Python clients: the programs run from the Kafka image itself, and no second image is
// needed.
const OwnImageLabel = "org.kafka-lab.inputs"

// ChooseProgramImage picks the image of the student's programs for the Kafka image kafkaRef,
// whose labels are kafkaLabels:
//   - with local processes (dist set) the programs run the machine's python3 with the
//     distribution's Python clients, whatever the image: kafkaRef, as for everything else;
//   - override (ProgramImageEnv), when set;
//   - the Kafka image itself when build.sh built it (OwnImageLabel): it has both;
//   - else DefaultProgramImage: the official apache/kafka image, for one, has no Python.
//
// why says which, for the run's notes.
func ChooseProgramImage(kafkaRef string, kafkaLabels map[string]string, dist, override string) (ref, why string) {
	switch {
	case dist != "":
		return kafkaRef, "local processes run python3 of this machine with the distribution's kafka-python and confluent-kafka"
	case strings.TrimSpace(override) != "":
		return strings.TrimSpace(override), ProgramImageEnv + " names it"
	case kafkaLabels[OwnImageLabel] != "":
		return kafkaRef, "the Kafka image is kafka-lab's own, with python3, kafka-python and confluent-kafka"
	}
	return DefaultProgramImage, fmt.Sprintf("the Kafka image %s is not kafka-lab's (no label %s): it may have no python3 or kafka-python", kafkaRef, OwnImageLabel)
}

// inspectPrograms picks the image of the student's programs for im (ChooseProgramImage with
// the environment's ProgramImageEnv) and makes sure it is there: built by `make image` when it
// is kafka-lab's, else pulled. A run that could not start a program fails at its start, with
// what to do, rather than in section 6.
func inspectPrograms(ctx context.Context, rt *container.Runtime, im *Image) error {
	labels, err := rt.ImageLabels(ctx, im.Ref)
	if err != nil {
		return err
	}
	ref, why := ChooseProgramImage(im.Ref, labels, rt.Facts().Dist, os.Getenv(ProgramImageEnv))
	im.Programs, im.ProgramsWhy = ref, why
	if ref == im.Ref {
		return nil
	}
	present, err := rt.ImagePresent(ctx, ref)
	if err != nil {
		return fmt.Errorf("inspect program image %s: %w", ref, err)
	}
	if present {
		return nil
	}
	if strings.HasPrefix(ref, "kafka-lab/") {
		return fmt.Errorf("the student's programs run from image %s (%s), which is not built here: run `make image` (or harness/image/programs.sh)", ref, why)
	}
	if err := rt.PullImage(ctx, ref); err != nil {
		return fmt.Errorf("the student's programs run from image %s (%s), which is not here and could not be pulled: %w", ref, why, err)
	}
	return nil
}

// ProgramImage is the image the student's Python programs run from: Programs, or Ref when
// nothing was chosen (an Image made by hand, in a test).
func (im Image) ProgramImage() string {
	if im.Programs != "" {
		return im.Programs
	}
	return im.Ref
}
