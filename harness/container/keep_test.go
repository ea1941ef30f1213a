package container

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// keepEngine is an engine that records what it makes and removes; only what Keep, Close and
// Sweep use is there.
type keepEngine struct {
	engine
	dist     string
	made     []listed
	removed  []string
	networks int // removeNetworks calls
}

func (e *keepEngine) facts() Facts { return Facts{Dist: e.dist, SharesHostNetwork: e.dist != ""} }

func (e *keepEngine) create(_ context.Context, name string, _ Spec, labels map[string]string) (string, error) {
	id := fmt.Sprintf("id-%d", len(e.made))
	e.made = append(e.made, listed{id: id, name: name, labels: labels})
	return id, nil
}

func (e *keepEngine) remove(_ context.Context, id string) error {
	e.removed = append(e.removed, id)
	return nil
}

func (e *keepEngine) list(context.Context) ([]listed, error) {
	var out []listed
	for _, c := range e.made {
		if !slices.Contains(e.removed, c.id) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (e *keepEngine) removeNetworks(context.Context, func(map[string]string) bool) error {
	e.networks++
	return nil
}

func TestKeepLeavesTheNamedContainers(t *testing.T) {
	ctx := context.Background()
	eng := &keepEngine{}
	rt := newRuntime(eng)
	if err := rt.KeepFailures(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, role := range []string{"broker-1", "client", "other"} {
		c, err := rt.create(ctx, Spec{Name: role, Network: "a-network"})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, c.Name)
	}
	for _, c := range eng.made {
		if c.labels[LabelKeep] != keepOnFailure {
			t.Errorf("%s labelled %v; want %s=%s, so that no later run's sweep takes it", c.name, c.labels, LabelKeep, keepOnFailure)
		}
	}
	kept, err := rt.Keep(names[0], names[1], "not-of-this-run")
	if err != nil || len(kept) != 2 || !rt.KeptSome() {
		t.Fatalf("Keep = %q, %v; want the run's two containers named", kept, err)
	}
	// The next cluster's broker takes another name: the kept one still holds its own.
	if c, err := rt.create(ctx, Spec{Name: "broker-1", Network: "a-network"}); err != nil || c.Name == names[0] {
		t.Fatalf("a new broker-1 beside the kept one: %v, %v; want a name of its own", c, err)
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(eng.removed, []string{"id-2", "id-3"}) && !slices.Equal(eng.removed, []string{"id-3", "id-2"}) || eng.networks != 0 {
		t.Errorf("Close removed %q and the networks %d time(s); want only the container not kept, and no network", eng.removed, eng.networks)
	}
	cmd := rt.KeepCommand()
	for _, want := range []string{"label=kafka-lab.run=" + rt.RunID, "xargs -r docker rm -f", "docker network rm", "kafka-lab-" + rt.RunID + "-*"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("KeepCommand() = %q; want it to say %q", cmd, want)
		}
	}

	// A later run, this one's process gone, sweeps nothing of it.
	for i := range eng.made {
		eng.made[i].labels[LabelPID] = "0"
	}
	n, err := newRuntime(eng).Sweep(ctx)
	if err != nil || n != 0 {
		t.Errorf("a later run swept %d container(s) (%v); want the kept ones left", n, err)
	}
}

func TestCloseWithoutKeepRemovesAll(t *testing.T) {
	ctx := context.Background()
	eng := &keepEngine{}
	rt := newRuntime(eng)
	if _, err := rt.create(ctx, Spec{Name: "broker-1", Network: "a-network"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Keep("anything"); err == nil {
		t.Error("Keep on a run not readied (KeepFailures): no error")
	}
	if err := rt.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if len(eng.removed) != 1 || eng.networks != 1 || eng.made[0].labels[LabelKeep] != "" {
		t.Errorf("removed %q, networks %d, labels %v; want everything removed, nothing labelled to keep", eng.removed, eng.networks, eng.made[0].labels)
	}
}

func TestKeepIsDockerOnly(t *testing.T) {
	rt := newRuntime(&keepEngine{dist: "/opt/kafka"})
	if err := rt.KeepFailures(); !errors.Is(err, ErrCannotKeep) {
		t.Errorf("KeepFailures with local processes: %v, want ErrCannotKeep", err)
	}
	if _, err := rt.Keep("x"); !errors.Is(err, ErrCannotKeep) {
		t.Errorf("Keep with local processes: %v, want ErrCannotKeep", err)
	}
}
