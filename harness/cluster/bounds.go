package cluster

import (
	"strconv"
	"strings"
)

// What a client can make a Kafka node of the harness allocate. A node reads a request's 4-byte
// size and allocates a buffer of that size before the body comes; by default it takes sizes up
// to 100 MiB (socket.request.max.bytes) with no bound on the buffers of all connections together
// (queued.max.request.bytes), so eight connections that each announce 100 MiB and send the body
// slowly took a 512 MiB heap and the broker exited (OutOfMemoryError). These bounds hold for
// every node the harness starts, in Docker and as local processes (the same server properties
// reach both: KAFKA_* variables, or --override for ZooKeeper's broker).
//
// The Own topology's Kafka is not bounded: the student starts it with their own commands and
// the lab's config/server.properties (section 1), which the harness does not write (bounds put
// in the image's file would be the student's to change anyway). Nothing else depends on that
// broker: it runs as the student's command (StudentMemory, its own container or user), only
// its own scenario's checks talk to it, the next Reset renews it, and if it dies that
// scenario fails as the student's (Deaths is empty for Own), never as no grade.
const (
	// RequestMax is the largest request a node reads (socket.request.max.bytes); a larger one
	// closes the connection. The lab's clients send at most about 1 MiB: kafka-python's
	// max_request_size and the Java producer's max.request.size (the console producer's, the
	// VerifiableProducer's) are 1 MiB, librdkafka's message.max.bytes 1 MB, which it may pass by
	// one message, itself at most the broker's message.max.bytes (1 MiB). 4 MiB is twice the
	// worst of those; fetch, metadata and group requests are a few KiB.
	RequestMax = 4 << 20
	// RequestsQueued is the memory for requests read and not yet handled, across a node's
	// connections (queued.max.request.bytes): past it, a node reads no new request until one is
	// handled, so a client that holds buffers with bodies it never finishes stalls its own
	// requests, not the heap. Kafka lets one allocation pass the pool (at most RequestMax) and
	// a combined broker and controller has a pool of each, so a single node can hold at most
	// 2 x (16 + 4) = 40 MiB of requests: a fifth of the smallest broker heap (192 MiB, see
	// SizingFor). The lab's clients have a few KiB in flight.
	RequestsQueued = 16 << 20
	// ConnectionsPerIP caps the connections from one address (max.connections.per.ip); more are
	// closed as they come. In Docker the student's programs and commands and the harness's lab
	// tools all come from 127.0.0.1 (they share the broker's namespace), the harness's own
	// clients through Docker's port proxy from one address; with local processes everything,
	// the ha brokers' replication included, is 127.0.0.1. The lab's busiest moment (two group
	// consumers, a generator, a calculator with its consumer and producer, the harness's clients
	// and readers, two brokers fetching) holds under 50.
	ConnectionsPerIP = 200
	// ConnectionsPerListener caps each listener's connections
	// (listener.name.<listener>.max.connections), whatever their addresses: a program may bind
	// any address of 127.0.0.0/8 as its source and so pass ConnectionsPerIP. At the cap a
	// listener accepts no more until one closes. Not the broker-wide max.connections: at its cap
	// the broker keeps taking connections on the inter-broker listener, PLAINTEXT, which is also
	// the lab's localhost:9092, and closes others, the harness's own, to make room. Four
	// listeners at most on a node: 2000 sockets, well under a node's open files (20000 here;
	// a node that runs out of them fails its log folder and exits).
	ConnectionsPerListener = 500
)

// boundClients adds the bounds above to a node's server properties, a connection cap for each
// listener of props["listeners"] (set it first).
func boundClients(props map[string]string) {
	props["socket.request.max.bytes"] = strconv.Itoa(RequestMax)
	props["queued.max.request.bytes"] = strconv.Itoa(RequestsQueued)
	props["max.connections.per.ip"] = strconv.Itoa(ConnectionsPerIP)
	for _, l := range strings.Split(props["listeners"], ",") {
		name, _, ok := strings.Cut(strings.TrimSpace(l), "://")
		if !ok || name == "" {
			continue
		}
		props["listener.name."+strings.ToLower(name)+".max.connections"] = strconv.Itoa(ConnectionsPerListener)
	}
}
