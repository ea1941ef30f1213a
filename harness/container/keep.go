package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Keeping a failed scenario's containers for a look (spec.Options.Keep): a run that may keep
// some (KeepFailures) labels every container it makes so that no later run's Sweep takes them
// once this one has ended; Keep then takes the ones to leave out of Close, which leaves them,
// and the run's networks and folders they use, for KeepCommand to remove.

// ErrCannotKeep: local processes end with the run that started them; nothing outlives it.
var ErrCannotKeep = errors.New("local processes end with the run: -keep keeps containers in Docker only")

// keepOnFailure is LabelKeep's value on the containers of a run that may keep some: a later
// run's Sweep leaves them, RemoveKept (a cluster started by hand) does not take them.
const keepOnFailure = "on-failure"

// KeepFailures readies the run to keep containers (Keep): call it before the first container.
func (rt *Runtime) KeepFailures() error {
	if rt.eng.facts().Dist != "" {
		return ErrCannotKeep
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.labels[LabelKeep] = keepOnFailure
	return nil
}

// Keep leaves the run's containers named when the run ends: Close removes neither them nor the
// networks and folders of the run, which they may use. It returns the names kept (of those
// given, the run's).
func (rt *Runtime) Keep(names ...string) ([]string, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.labels[LabelKeep] != keepOnFailure {
		if rt.eng.facts().Dist != "" {
			return nil, ErrCannotKeep
		}
		return nil, errors.New("the run was not readied to keep containers (KeepFailures)")
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	if rt.kept == nil {
		rt.kept = map[string]string{}
	}
	var kept []string
	for id, name := range rt.owned {
		if want[name] {
			rt.kept[id] = name
			delete(rt.owned, id)
			kept = append(kept, name)
		}
	}
	return kept, nil
}

// KeptSome says whether Keep kept any container.
func (rt *Runtime) KeptSome() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return len(rt.kept) > 0
}

// KeepCommand is the shell command that removes what the run kept: its containers, its
// networks, its folders.
func (rt *Runtime) KeepCommand() string {
	filter := fmt.Sprintf("label=%s=%s", LabelRun, rt.RunID)
	return fmt.Sprintf("docker ps -aq --filter %s | xargs -r docker rm -f; docker network ls -q --filter %s | xargs -r docker network rm; rm -rf %s",
		filter, filter, filepath.Join(os.TempDir(), "kafka-lab-"+rt.RunID+"-*"))
}
