package cluster

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
)

// DefaultImage is the image `make image` builds. KAFKA_LAB_IMAGE points the harness at any
// other image with the apache/kafka contract, such as apache/kafka:3.9.1.
const DefaultImage = "kafka-lab/kafka:3.9.1"

// ImageFromEnv returns KAFKA_LAB_IMAGE, or DefaultImage.
func ImageFromEnv() string {
	if img := strings.TrimSpace(os.Getenv("KAFKA_LAB_IMAGE")); img != "" {
		return img
	}
	return DefaultImage
}

// Image is what the harness learned of a Kafka image by looking inside it.
type Image struct {
	Ref          string
	KafkaVersion string // e.g. "3.9.1"
	Major, Minor int
	// HasZooKeeper: the image ships bin/zookeeper-server-start.sh (Kafka 3.x; removed in 4.0).
	HasZooKeeper bool
	// Programs is the image the student's Python programs run from (see ChooseProgramImage),
	// and ProgramsWhy says why that one.
	Programs, ProgramsWhy string
}

// AtLeast reports whether the image's Kafka is major.minor or newer.
func (im Image) AtLeast(major, minor int) bool {
	return im.Major > major || (im.Major == major && im.Minor >= minor)
}

var clientsJar = regexp.MustCompile(`(?m)^kafka-clients-(\d+)\.(\d+)\.(\d+)[^/]*\.jar$`)

// InspectImage makes sure the image is present (pulling it when it is not one of ours) and
// reads its Kafka version and tools from its file system; it picks the image of the student's
// programs and makes sure that one is present too (see ChooseProgramImage). For local
// processes the image is their Kafka distribution, whatever ref says.
func InspectImage(ctx context.Context, rt *container.Runtime, ref string) (Image, error) {
	present, err := rt.ImagePresent(ctx, ref)
	if err != nil {
		return Image{}, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	if !present {
		if strings.HasPrefix(ref, "kafka-lab/") {
			return Image{}, fmt.Errorf("image %s is not built here: run `make image` (KAFKA_VERSION=%s)", ref, strings.TrimPrefix(ref, "kafka-lab/kafka:"))
		}
		if err := rt.PullImage(ctx, ref); err != nil {
			return Image{}, fmt.Errorf("image %s is not here and could not be pulled: %w", ref, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	look, err := rt.ListImage(ctx, ref, "/opt/kafka/libs", "/opt/kafka/bin")
	if err != nil {
		return Image{}, fmt.Errorf("look inside image %s: %w", ref, err)
	}
	im, err := readImage(look.Source, look.Names, strings.TrimSpace(look.Stderr))
	if err != nil {
		return Image{}, err
	}
	if err := inspectPrograms(ctx, rt, &im); err != nil {
		return Image{}, err
	}
	return im, nil
}

// readImage reads the Kafka version and tools of an image from the listing of its
// /opt/kafka/libs and /opt/kafka/bin.
func readImage(ref, listing, stderr string) (Image, error) {
	m := clientsJar.FindStringSubmatch(listing)
	if m == nil {
		return Image{}, fmt.Errorf("image %s has no /opt/kafka/libs/kafka-clients-*.jar: not a Kafka image with the apache/kafka layout (%s)", ref, stderr)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return Image{
		Ref:          ref,
		KafkaVersion: m[1] + "." + m[2] + "." + m[3],
		Major:        major,
		Minor:        minor,
		HasZooKeeper: regexp.MustCompile(`(?m)^zookeeper-server-start\.sh$`).MatchString(listing),
	}, nil
}
