package container

import dc "github.com/ory/dockertest/v3/docker"

// DockerClient is the Docker client of a run in Docker, nil for local processes: the package's
// tests look at what the engine made (containers, networks) directly.
func DockerClient(rt *Runtime) *dc.Client {
	if d, ok := rt.eng.(*dockerEngine); ok {
		return d.pool.Client
	}
	return nil
}

// localOf is the engine of a run of local processes.
func localOf(rt *Runtime) *localEngine { return rt.eng.(*localEngine) }
