package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/image"
)

const imageUsage = `usage: %s [flags]

Builds kafka-lab's Kafka image (Kafka, the lab's scripts, python3 and kafka-python) unless it is
there and built from this binary's recipe; with -check, only says which. Two ways, which give
the same image: offline on Debian as root (mmdebstrap and Maven, no image registry), or a docker
build of the Dockerfile from a Debian base image on any Docker engine. -path auto picks the
first that works here and says why.

Behind a proxy that intercepts TLS, give its CA with -ca so that apt, Maven and pip trust it.

Exit status: 0 the image is there and up to date (built if needed), 1 it could not be built,
or with -check it is missing or out of date, 2 usage.

Flags:
`

// ensureTimeout bounds a build: a cold Dockerfile build downloads a JRE, Maven and Kafka's jars.
const ensureTimeout = 30 * time.Minute

// Image runs `image` and returns the exit status.
func Image(name string, args []string) int {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	var cas multiFlag
	ref := flags.String("image", cluster.ImageFromEnv(), "the image's name (KAFKA_LAB_IMAGE)")
	version := flags.String("kafka-version", "", "Kafka's version in the image (default: the name's tag, else KAFKA_VERSION, else "+image.DefaultKafkaVersion+")")
	path := flags.String("path", string(image.Auto), "how to build it: auto, offline or dockerfile")
	base := flags.String("base", "", "the Debian base image of the dockerfile path (default "+image.DefaultBase+", "+image.DefaultJava25Base+" for a -jdk25 image)")
	check := flags.Bool("check", false, "only say whether the image is there and up to date")
	flags.Var(&cas, "ca", "a PEM certificate (file) to trust while building: a TLS-intercepting proxy's CA (repeatable)")
	flags.Usage = func() {
		fmt.Fprintf(os.Stderr, imageUsage, name)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return exitUsage(err)
	}
	if flags.NArg() != 0 {
		flags.Usage()
		return 2
	}
	if !strings.HasPrefix(*ref, "kafka-lab/") {
		fmt.Printf("%s is not kafka-lab's image: nothing to build (Docker pulls it when a run needs it)\n", *ref)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, ensureTimeout)
	defer cancel()
	res, err := image.Ensure(ctx, image.Options{Ref: *ref, KafkaVersion: kafkaVersion(*ref, *version),
		Path: image.Path(*path), Base: *base, CAFiles: cas, Log: os.Stderr, CheckOnly: *check})
	if err != nil {
		return exit(name, err)
	}
	fmt.Println(res)
	if !res.UpToDate {
		return 1
	}
	return 0
}

// ensureImage builds the run's Kafka image if it is kafka-lab's and missing or out of date, as
// a student's first check needs; another image (apache/kafka) is pulled by the run itself.
// image.Ensure says on stderr when it builds, and returns at once when the image is up to date.
// With dist set, Kafka runs as local processes from it: no image is needed.
func ensureImage(name, dist string) error {
	ref := cluster.ImageFromEnv()
	if dist != "" || !strings.HasPrefix(ref, "kafka-lab/") {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), ensureTimeout)
	defer cancel()
	res, err := image.Ensure(ctx, image.Options{Ref: ref, KafkaVersion: kafkaVersion(ref, ""), Log: os.Stderr})
	if err != nil {
		return fmt.Errorf("%w (`kafka-lab image -help` says how to build it by hand)", err)
	}
	if res.Built {
		fmt.Fprintf(os.Stderr, "%s: %s\n\n", name, res)
	}
	return nil
}

// kafkaVersion is the Kafka version of the image ref: given, or its tag (without the -jdk25 of
// a Java 25 image), or KAFKA_VERSION.
func kafkaVersion(ref, given string) string {
	if given != "" {
		return given
	}
	if _, tag, ok := strings.Cut(strings.TrimPrefix(ref, "kafka-lab/"), ":"); ok && tag != "" && tag[0] >= '0' && tag[0] <= '9' {
		if java := image.JavaOf(ref); java != "17" {
			tag = strings.TrimSuffix(tag, "-jdk"+java)
		}
		return tag
	}
	return os.Getenv("KAFKA_VERSION")
}

// multiFlag is a flag that may be given more than once.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
