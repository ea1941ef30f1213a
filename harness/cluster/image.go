package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	dc "github.com/ory/dockertest/v3/docker"

	"kafka-lab/harness/container"
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
}

// AtLeast reports whether the image's Kafka is major.minor or newer.
func (im Image) AtLeast(major, minor int) bool {
	return im.Major > major || (im.Major == major && im.Minor >= minor)
}

var clientsJar = regexp.MustCompile(`(?m)^kafka-clients-(\d+)\.(\d+)\.(\d+)[^/]*\.jar$`)

// InspectImage makes sure the image is present (pulling it when it is not one of ours) and
// reads its Kafka version and tools from its file system.
func InspectImage(ctx context.Context, rt *container.Runtime, ref string) (Image, error) {
	if rt.Local() {
		return inspectDist(rt.Dist())
	}
	if _, err := rt.Pool.Client.InspectImage(ref); err != nil {
		if !errors.Is(err, dc.ErrNoSuchImage) {
			return Image{}, fmt.Errorf("inspect image %s: %w", ref, err)
		}
		if strings.HasPrefix(ref, "kafka-lab/") {
			return Image{}, fmt.Errorf("image %s is not built here: run `make image` (KAFKA_VERSION=%s)", ref, strings.TrimPrefix(ref, "kafka-lab/kafka:"))
		}
		repo, tag, _ := strings.Cut(ref, ":")
		if tag == "" {
			tag = "latest"
		}
		if err := rt.Pool.Client.PullImage(dc.PullImageOptions{Repository: repo, Tag: tag, Context: ctx}, dc.AuthConfiguration{}); err != nil {
			return Image{}, fmt.Errorf("image %s is not here and could not be pulled: %w", ref, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := rt.RunOnce(ctx, container.Spec{
		Name:       "inspect-" + strconv.FormatInt(time.Now().UnixNano()%1e6, 10),
		Image:      ref,
		Entrypoint: []string{"/bin/sh", "-c"},
		Cmd:        []string{"ls /opt/kafka/libs; ls /opt/kafka/bin"},
	})
	if err != nil {
		return Image{}, fmt.Errorf("look inside image %s: %w", ref, err)
	}
	return readImage(ref, res.Stdout, strings.TrimSpace(res.Stderr))
}

// inspectDist is InspectImage for a distribution folder (see container.NewLocal): its libs/ and
// bin/ are the image's /opt/kafka/libs and /opt/kafka/bin.
func inspectDist(dist string) (Image, error) {
	var listing strings.Builder
	for _, d := range []string{"libs", "bin"} {
		entries, err := os.ReadDir(filepath.Join(dist, d))
		if err != nil {
			return Image{}, fmt.Errorf("look inside distribution %s: %w", dist, err)
		}
		for _, e := range entries {
			listing.WriteString(e.Name() + "\n")
		}
	}
	return readImage("dist:"+dist, listing.String(), "")
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
