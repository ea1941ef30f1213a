// Package image builds kafka-lab's Kafka image, or checks that it is built and up to date, with
// no checkout of the repository: its recipe (the Dockerfile, the scripts, pom.xml, bin/,
// config/, docker/) is embedded in the program and written to a temporary folder for each build.
//
// The image is built one of two ways, which give the same image (the apache/kafka contract,
// kafka-python, the class-data-sharing archive, the same labels):
//
//   - offline (build.sh, `make image`): on Debian as root with mmdebstrap and Maven, the base is
//     a Debian root file system made from the machine's own mirror and imported into Docker, and
//     the distribution is assembled on the host; no image registry is needed.
//   - dockerfile: on any Docker engine (macOS, Windows, Ubuntu, ...), `docker build` of the
//     Dockerfile from a Debian base image (debian:bookworm-slim unless Options.Base says), which
//     installs the same packages with apt and assembles the distribution in a stage of its own.
//
// Either way the image carries the label org.kafka-lab.inputs, a hash of everything that shaped
// it; an image whose label is the recipe's hash is up to date and is not built again.
package image

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// Path is a way of building the image.
type Path string

// The ways of building the image.
const (
	Auto       Path = "auto"       // Offline where it works (see Choose), else Dockerfile
	Offline    Path = "offline"    // build.sh: mmdebstrap's base, Maven on the host; Debian, root
	Dockerfile Path = "dockerfile" // docker build of the Dockerfile from Options.Base
)

// Defaults of Options.
const (
	DefaultKafkaVersion = "3.9.1"
	DefaultBase         = "debian:bookworm-slim"
	// DefaultJava25Base is the Dockerfile path's base for an image of Java 25 (Debian ships it
	// from trixie on).
	DefaultJava25Base = "debian:trixie-slim"
	// InputsLabel is the image's label with the hash of its recipe.
	InputsLabel = "org.kafka-lab.inputs"
)

// Options say which image to ensure, and how.
type Options struct {
	// Ref is the image's name ("" for kafka-lab/kafka:<KafkaVersion>).
	Ref string
	// KafkaVersion is Kafka's version in the image ("" for DefaultKafkaVersion).
	KafkaVersion string
	// Path is how to build it ("" for Auto).
	Path Path
	// Base is the Dockerfile path's Debian base image ("" for DefaultBase). A base that is only
	// local (imported, never pulled) is built with Docker's classic builder, which uses it as it
	// is.
	Base string
	// CAFiles are PEM certificates that the build trusts before it downloads anything: the CA
	// of a proxy that intercepts TLS. They stay trusted in the image.
	CAFiles []string
	// Log receives the build's progress and output (nil for none).
	Log io.Writer
	// CheckOnly says whether the image is there and up to date, and builds nothing.
	CheckOnly bool
}

// Result is what Ensure found and did.
type Result struct {
	Ref  string
	Path Path   // the path taken (or, with CheckOnly, that a build would take)
	Why  string // why that path
	// Inputs is the hash of the recipe that the image must carry in its InputsLabel.
	Inputs string
	// Exists: an image of that name was there before; Found is its InputsLabel ("" for none).
	Exists bool
	Found  string
	// UpToDate: the image there now carries Inputs. Built: Ensure built it.
	UpToDate bool
	Built    bool
}

// String says the result in one line.
func (r Result) String() string {
	switch {
	case r.Built:
		return fmt.Sprintf("%s built (%s path: %s; inputs %s)", r.Ref, r.Path, r.Why, r.Inputs)
	case r.UpToDate:
		return fmt.Sprintf("%s is up to date (inputs %s)", r.Ref, r.Inputs)
	case r.Exists:
		return fmt.Sprintf("%s is out of date (inputs %s, the recipe's are %s): a build takes the %s path (%s)",
			r.Ref, orNone(r.Found), r.Inputs, r.Path, r.Why)
	default:
		return fmt.Sprintf("%s is not built: a build takes the %s path (%s)", r.Ref, r.Path, r.Why)
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Ensure makes sure the image o.Ref is there and built from this recipe: it builds it when it
// is missing or out of date (unless o.CheckOnly), on the path o.Path says. An error is returned
// when the image could not be checked or built; with CheckOnly, an image that is missing or out
// of date is no error: Result says so.
func Ensure(ctx context.Context, o Options) (Result, error) {
	o = o.withDefaults()
	res := Result{Ref: o.Ref}
	if err := checkVersion(o.KafkaVersion); err != nil {
		return res, err
	}
	res.Path, res.Why = o.Path, "asked for"
	if o.Path == Auto {
		res.Path, res.Why = Choose(ThisHost())
	} else if o.Path == Offline {
		if p, why := Choose(ThisHost()); p != Offline {
			return res, fmt.Errorf("image %s: the offline path does not work here: %s", o.Ref, why)
		}
	} else if o.Path != Dockerfile {
		return res, fmt.Errorf("image %s: unknown path %q (auto, offline or dockerfile)", o.Ref, o.Path)
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return res, fmt.Errorf("image %s: no docker command: install Docker: %w", o.Ref, err)
	}
	if out, err := run(ctx, nil, "", nil, "docker", "version", "--format", "{{.Server.Version}}"); err != nil {
		return res, fmt.Errorf("image %s: no Docker engine answers (start Docker): %w", o.Ref, withOutput(err, out))
	}

	dir, err := os.MkdirTemp("", "kafka-lab-image-")
	if err != nil {
		return res, fmt.Errorf("image %s: %w", o.Ref, err)
	}
	defer os.RemoveAll(dir)
	if err := WriteRecipe(dir); err != nil {
		return res, fmt.Errorf("image %s: %w", o.Ref, err)
	}
	if err := addCAs(dir, o.CAFiles); err != nil {
		return res, fmt.Errorf("image %s: %w", o.Ref, err)
	}

	if res.Inputs, err = inputs(ctx, dir, res.Path, o); err != nil {
		return res, fmt.Errorf("image %s: the recipe's hash: %w", o.Ref, err)
	}
	if res.Exists, res.Found, err = label(ctx, o.Ref); err != nil {
		return res, fmt.Errorf("image %s: %w", o.Ref, err)
	}
	res.UpToDate = res.Exists && res.Found == res.Inputs
	if res.UpToDate || o.CheckOnly {
		return res, nil
	}

	fmt.Fprintf(o.Log, "image: building %s on the %s path (%s)\n", o.Ref, res.Path, res.Why)
	if res.Path == Offline {
		err = buildOffline(ctx, dir, o)
	} else {
		err = buildDockerfile(ctx, dir, res.Inputs, o)
	}
	if err != nil {
		return res, fmt.Errorf("image %s (%s path): %w", o.Ref, res.Path, err)
	}
	var found string
	if _, found, err = label(ctx, o.Ref); err != nil {
		return res, fmt.Errorf("image %s: %w", o.Ref, err)
	}
	if found != res.Inputs {
		return res, fmt.Errorf("image %s: built, yet its %s is %q, not the recipe's %s", o.Ref, InputsLabel, found, res.Inputs)
	}
	res.Built, res.UpToDate, res.Found = true, true, found
	return res, nil
}

func (o Options) withDefaults() Options {
	if o.KafkaVersion == "" {
		o.KafkaVersion = DefaultKafkaVersion
	}
	if o.Ref == "" {
		o.Ref = "kafka-lab/kafka:" + o.KafkaVersion
	}
	if o.Path == "" {
		o.Path = Auto
	}
	if o.Base == "" {
		o.Base = DefaultBase
		if JavaOf(o.Ref) == "25" {
			o.Base = DefaultJava25Base
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// JavaOf is the Java an image of that name is built with: "25" for a name that ends in
// "-jdk25" (what `KAFKA_LAB_JAVA=25 make image` names it), else "17", the default. The name
// decides, so that a harness pointed at kafka-lab/kafka:3.9.1-jdk25 builds that image.
func JavaOf(ref string) string {
	if strings.HasSuffix(ref, "-jdk25") {
		return "25"
	}
	return "17"
}

// checkVersion fails for a Kafka version the recipe has no configuration for.
func checkVersion(v string) error {
	major, _, _ := strings.Cut(v, ".")
	if _, err := recipeFS.ReadDir(path.Join("config", major)); err != nil || major == "" {
		return fmt.Errorf("Kafka %q: the image's recipe has no configuration for major version %q", v, major)
	}
	return nil
}

// addCAs copies the certificates to the recipe's ca/ folder, where stage.sh finds them.
func addCAs(dir string, files []string) error {
	for i, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("extra CA: %w", err)
		}
		if !bytes.Contains(pem, []byte("-----BEGIN CERTIFICATE-----")) {
			return fmt.Errorf("extra CA %s: not a PEM certificate (-----BEGIN CERTIFICATE-----)", f)
		}
		name := fmt.Sprintf("extra-%d-%s.crt", i, strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)))
		if err := os.WriteFile(filepath.Join(dir, "ca", name), pem, 0o644); err != nil {
			return fmt.Errorf("extra CA: %w", err)
		}
	}
	return nil
}

// inputs is the hash of what shapes the image on that path: build.sh's own for the offline
// path; for the Dockerfile path, the recipe's files (ca/ included), Kafka's version and the base.
func inputs(ctx context.Context, dir string, p Path, o Options) (string, error) {
	if p == Offline {
		out, err := run(ctx, nil, dir, buildEnv(o), "bash", filepath.Join(dir, "build.sh"), "--hash")
		if err != nil {
			return "", withOutput(err, out)
		}
		return strings.TrimSpace(string(out)), nil
	}
	files, err := recipeSums(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s", Dockerfile, o.KafkaVersion, o.Base, files)
	if java := JavaOf(o.Ref); java != "17" {
		fmt.Fprintf(h, "\njava %s", java) // Java 17's images keep the hash they had
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:16], nil
}

// label returns whether the image is there and its InputsLabel.
func label(ctx context.Context, ref string) (exists bool, inputs string, err error) {
	out, err := run(ctx, nil, "", nil, "docker", "image", "inspect", "--format",
		`{{ index .Config.Labels "`+InputsLabel+`" }}`, ref)
	if err != nil {
		if bytes.Contains(bytes.ToLower(out), []byte("no such image")) {
			return false, "", nil
		}
		return false, "", fmt.Errorf("docker image inspect: %w", withOutput(err, out))
	}
	v := strings.TrimSpace(string(out))
	if v == "<no value>" {
		v = ""
	}
	return true, v, nil
}

// buildOffline runs build.sh, as `make image` does.
func buildOffline(ctx context.Context, dir string, o Options) error {
	if _, err := run(ctx, o.Log, dir, buildEnv(o), "bash", filepath.Join(dir, "build.sh")); err != nil {
		return fmt.Errorf("build.sh: %w", err)
	}
	return nil
}

// buildEnv is build.sh's environment for o: the Java comes from the image's name (JavaOf),
// never from this process's KAFKA_LAB_JAVA, so that the name and the image agree.
func buildEnv(o Options) []string {
	return []string{"KAFKA_VERSION=" + o.KafkaVersion, "IMAGE=" + o.Ref, "KAFKA_LAB_JAVA=" + JavaOf(o.Ref)}
}

// buildDockerfile runs docker build of the recipe's Dockerfile. A base that is only local (an
// imported root file system, never pulled) gets the classic builder, which uses it as it is;
// BuildKit would look for it in a registry.
func buildDockerfile(ctx context.Context, dir, hash string, o Options) error {
	var env []string
	if localOnly(ctx, o.Base) {
		env = append(env, "DOCKER_BUILDKIT=0")
	}
	_, err := run(ctx, o.Log, dir, env, "docker", "build",
		"--build-arg", "BASE="+o.Base,
		"--build-arg", "KAFKA_VERSION="+o.KafkaVersion,
		"--build-arg", "KAFKA_LAB_JAVA="+JavaOf(o.Ref),
		"--build-arg", "INPUTS_HASH="+hash,
		"-t", o.Ref, dir)
	if err != nil {
		return fmt.Errorf("docker build: %w", err)
	}
	return nil
}

// localOnly reports whether the image is here and came from no registry (no repository
// digest): imported or built here.
func localOnly(ctx context.Context, ref string) bool {
	out, err := run(ctx, nil, "", nil, "docker", "image", "inspect", "--format", "{{len .RepoDigests}}", ref)
	return err == nil && strings.TrimSpace(string(out)) == "0"
}

// run runs a command in dir with env added to this process's. Its output goes to log when log
// is set, else it is returned (stdout and stderr together).
func run(ctx context.Context, log io.Writer, dir string, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	if log != nil {
		cmd.Stdout, cmd.Stderr = log, log
	} else {
		cmd.Stdout, cmd.Stderr = &buf, &buf
	}
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return buf.Bytes(), fmt.Errorf("%s %s: %w", name, args[0], ctx.Err())
		}
		return buf.Bytes(), fmt.Errorf("%s %s: %w", name, args[0], err)
	}
	return buf.Bytes(), nil
}

// withOutput adds a command's last output line to its error.
func withOutput(err error, out []byte) error {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return fmt.Errorf("%w: %s", err, last)
	}
	return err
}
