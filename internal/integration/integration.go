// Package integration is the one gate of kafka-lab's tests: what a test needs of the machine
// (a Docker engine, the local Kafka distribution, root, a command such as Chromium), checked in
// one place, with one rule. It is for tests only.
//
// The rule:
//   - An integration test (Require) skips under -short: `go test -short ./...` (`make unit`)
//     needs nothing but Go, and never fails for something missing.
//   - Otherwise a test whose need is missing skips, saying what is missing and how to get it.
//   - Under CI=true a missing need that CI provides (.ci/run: harness/setup.sh --tests, then
//     `make test`) fails the test instead: a CI run never passes on a skip. What CI does not
//     provide (jq, a second network address) still skips there.
//
// As IBM/sarama's functional tests check their cluster once before any test, the engine is
// asked once per test binary.
package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dc "github.com/ory/dockertest/v3/docker"
)

// A Need is something of the machine a test needs.
type Need struct {
	// What names it: "a Docker engine", "Chromium".
	What string
	// Get says how to get it: "make docker starts one".
	Get string
	// CI is true when .ci/run provides it: missing under CI=true, it fails the test.
	CI bool
	// Missing says why it is missing here, or "" when it is there.
	Missing func() string
}

// Require is the gate of an integration test: it skips t under -short, then checks needs (see
// the package comment for the rule).
func Require(t testing.TB, needs ...Need) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped under -short (make unit); `go test` without -short runs it")
		return // t.Skip does not return; a recorder in this package's tests does
	}
	Have(t, needs...)
}

// Have checks a test's needs without the -short gate: for a unit test that needs something
// of the machine (root, a command).
func Have(t testing.TB, needs ...Need) {
	t.Helper()
	for _, n := range needs {
		if why := n.Missing(); why != "" {
			Lacks(t, n, why)
		}
	}
}

// Lacks ends t for a need found missing (why), as Require does: a skip that says what is
// missing and how to get it, or under CI=true, when CI provides it, a failure. For what a test
// finds missing only as it goes (a port taken, a file system without chattr +i).
func Lacks(t testing.TB, n Need, why string) {
	t.Helper()
	msg := "needs " + n.What + ": " + why
	if n.Get != "" {
		msg += " (" + n.Get + ")"
	}
	if n.CI && InCI() && !testing.Short() {
		t.Fatal("CI=true: " + msg + "; CI provides it (.ci/run), so a missing one is a failure, not a skip")
	}
	t.Skip(msg)
}

// InCI says whether this is a CI run (CI=true, as GitHub Actions, GitLab and most CI set it).
func InCI() bool { return os.Getenv("CI") == "true" }

// DistEnv names the local Kafka distribution: with it set, the harness runs Kafka and every
// container as local processes (container.NewLocal) instead of in Docker.
const DistEnv = "KAFKA_LAB_DIST"

var (
	dockerOnce sync.Once
	dockerWhy  string
)

// Docker is a Docker engine that answers (DOCKER_HOST, or the default socket).
var Docker = Need{
	What: "a Docker engine",
	Get:  "make docker starts one",
	CI:   true,
	Missing: func() string {
		dockerOnce.Do(func() { dockerWhy = pingDocker() })
		return dockerWhy
	},
}

func pingDocker() string {
	c, err := dc.NewClientFromEnv()
	if err != nil {
		return err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.PingWithContext(ctx); err != nil {
		host := os.Getenv("DOCKER_HOST")
		if host == "" {
			host = "the default socket"
		}
		return fmt.Sprintf("none answers at %s: %v", host, err)
	}
	return ""
}

// Dist is the local Kafka distribution that KAFKA_LAB_DIST names.
var Dist = Need{
	What:    "the local Kafka distribution",
	Get:     "make dist, then set " + DistEnv + " to the folder it prints",
	CI:      true,
	Missing: func() string { return distMissing(os.Getenv(DistEnv)) },
}

func distMissing(dist string) string {
	if dist == "" {
		return DistEnv + " is not set"
	}
	if st, err := os.Stat(filepath.Join(dist, "bin")); err != nil || !st.IsDir() {
		return fmt.Sprintf("%s=%s holds no Kafka distribution (no bin/)", DistEnv, dist)
	}
	return ""
}

// Engine is what the harness runs Kafka on: the local distribution when KAFKA_LAB_DIST is set
// (and then it must be one), a Docker engine otherwise.
var Engine = Need{
	What: "a container engine for Kafka",
	Get:  "make docker starts Docker (make image builds the Kafka image); or make dist and set " + DistEnv,
	CI:   true,
	Missing: func() string {
		if os.Getenv(DistEnv) != "" {
			return distMissing(os.Getenv(DistEnv))
		}
		return Docker.Missing()
	},
}

// DockerRun is a run in Docker, not of local processes: a test of what only Docker has skips
// in a run with KAFKA_LAB_DIST set (`make test` runs the local-process packages apart).
var DockerRun = Need{
	What: "a run in Docker",
	Get:  "unset " + DistEnv,
	Missing: func() string {
		if os.Getenv(DistEnv) != "" {
			return DistEnv + " is set: this run is of local processes"
		}
		return ""
	},
}

// Root is the superuser: student user ids, mmdebstrap. CI runs as root.
var Root = Need{
	What: "root",
	Get:  "run the tests as root, as CI does",
	CI:   true,
	Missing: func() string {
		if uid := os.Geteuid(); uid != 0 {
			return fmt.Sprintf("running as uid %d", uid)
		}
		return ""
	},
}

// Command is a program on the PATH, under one of names; get says how to install it, and ci
// whether .ci/run does (harness/setup.sh --tests).
func Command(what, get string, ci bool, names ...string) Need {
	return Need{What: what, Get: get, CI: ci, Missing: func() string {
		for _, name := range names {
			if _, err := exec.LookPath(name); err == nil {
				return ""
			}
		}
		return "no " + strings.Join(names, " or ") + " on the PATH"
	}}
}

// Path returns the first of names on the PATH ("" when none): the program a Command need found.
func Path(names ...string) string {
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
