package cluster

import "testing"

// Every node the harness starts bounds what a client can make it allocate, and caps the
// connections of each of its listeners, whatever their names.
func TestBoundClients(t *testing.T) {
	props := map[string]string{"listeners": "PLAINTEXT://0.0.0.0:9092, CONTROLLER://0.0.0.0:9093,HOST://0.0.0.0:19092,LOCAL_9093://0.0.0.0:9093"}
	boundClients(props)
	for k, want := range map[string]string{
		"socket.request.max.bytes":                 "4194304",
		"queued.max.request.bytes":                 "16777216",
		"max.connections.per.ip":                   "200",
		"listener.name.plaintext.max.connections":  "500",
		"listener.name.controller.max.connections": "500",
		"listener.name.host.max.connections":       "500",
		"listener.name.local_9093.max.connections": "500",
	} {
		if got := props[k]; got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// What a lab client sends must fit: a producer's request of max.request.size (1 MiB).
	if RequestMax <= 1<<20 || RequestsQueued < RequestMax {
		t.Errorf("RequestMax %d, RequestsQueued %d: a 1 MiB request must fit both", RequestMax, RequestsQueued)
	}
}
