// Package labtest gives the harness's package tests one shared single-broker cluster, started
// on first use and removed when the tests end, as the spec shares its clusters. It is for tests
// only.
//
// The harness's tests come in two layers: unit tests, which need nothing but Go and run with
// -short (`make unit`), and integration tests, which run Kafka in Docker or from a distribution
// (KAFKA_LAB_DIST) and skip under -short (see Integration). Cluster is an integration test's.
package labtest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
)

var (
	once    sync.Once
	shared  *cluster.Cluster
	rt      *container.Runtime
	initErr error
)

// SkipReason is what an integration test says when -short skips it.
const SkipReason = "integration: needs Docker and the Kafka image (or KAFKA_LAB_DIST); runs without -short"

// Integration skips t under -short: it runs Kafka in Docker, or as local processes from the
// distribution KAFKA_LAB_DIST names, which the unit layer (go test -short) does without.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip(SkipReason)
	}
}

// Cluster returns the tests' cluster (make image first); it is reset after the calling test.
// With KAFKA_LAB_DIST set, it runs as local processes from that distribution instead. Under
// -short it skips the calling test (see Integration).
func Cluster(t *testing.T) *cluster.Cluster {
	t.Helper()
	Integration(t)
	once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if rt, initErr = NewRuntime(ctx); initErr != nil {
			return
		}
		var img cluster.Image
		if img, initErr = cluster.InspectImage(ctx, rt, cluster.ImageFromEnv()); initErr != nil {
			return
		}
		shared, initErr = cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
	})
	if initErr != nil {
		t.Fatal(initErr)
	}
	t.Cleanup(func() {
		if err := shared.Reset(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return shared
}

// NewRuntime starts a run in Docker, or with KAFKA_LAB_DIST set, of local processes from that
// distribution (see container.NewLocal): the harness's tests run on either.
func NewRuntime(ctx context.Context) (*container.Runtime, error) {
	if dist := os.Getenv("KAFKA_LAB_DIST"); dist != "" {
		return container.NewLocal(ctx, dist, container.LocalOptionsFromEnv())
	}
	return container.New(ctx)
}

// Runtime is the tests' runtime, once Cluster has been called.
func Runtime() *container.Runtime { return rt }

// Main runs the tests, then removes the cluster: call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if rt != nil {
		_ = rt.Close(context.Background())
	}
	os.Exit(code)
}
