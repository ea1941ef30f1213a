// Package labtest gives the harness's package tests one shared single-broker cluster, started
// on first use and removed when the tests end, as the spec shares its clusters. It is for tests
// only.
//
// The harness's tests come in two layers: unit tests, which need nothing but Go and run with
// -short (`make unit`), and integration tests, which run Kafka in Docker or from a distribution
// (KAFKA_LAB_DIST), gated by internal/integration (integration.Require). Cluster is an
// integration test's, and gates the calling test itself.
package labtest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

var (
	once    sync.Once
	shared  *cluster.Cluster
	rt      *container.Runtime
	initErr error
)

// Cluster returns the tests' cluster (make image first); it is reset after the calling test.
// With KAFKA_LAB_DIST set, it runs as local processes from that distribution instead. It
// gates the calling test: integration.Require(t, integration.Engine).
func Cluster(t *testing.T) *cluster.Cluster {
	t.Helper()
	integration.Require(t, integration.Engine)
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
