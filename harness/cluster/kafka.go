package cluster

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// Kafka is the harness's own view of a cluster's Kafka, in the lab's words: topics, partitions
// with their leaders and in-sync replicas, messages sent and read, offsets, consumer groups.
// It is what the student's commands are checked against, and it reaches the brokers through
// their host listeners with a Kafka client of its own, never through the lab's tools. It hands
// out no client of its own: a check asks it a question and gets the answer as the lab's values.
//
// A cluster has one view for its whole life (Cluster.Kafka): when Renew replaces the nodes, the
// view's connections are to the new ones.
type Kafka struct {
	c    *Cluster // whose brokers it asks (Bootstrap), and the read cap of its options
	conn conns
	// fresh is what the cluster was when its nodes were fresh (see Reusable).
	fresh freshness
}

// Kafka's errors that a check tells apart, as the view's errors wrap them (errors.Is).
var (
	// ErrNotEnoughReplicas is a write with acks=all refused: fewer replicas in sync than the
	// topic's min.insync.replicas.
	ErrNotEnoughReplicas error = sarama.ErrNotEnoughReplicas
	// ErrOffsetNotAvailable and ErrLeaderNotAvailable are a leader that gives no offsets to read
	// up to yet.
	ErrOffsetNotAvailable error = sarama.ErrOffsetNotAvailable
	ErrLeaderNotAvailable error = sarama.ErrLeaderNotAvailable
)

// Kafka returns the harness's view of the cluster's Kafka.
func (c *Cluster) Kafka() *Kafka { return c.kafka }

// conns are the harness's connections to one start of a cluster's nodes.
type conns struct {
	client     sarama.Client
	admin      sarama.ClusterAdmin
	producer   sarama.SyncProducer
	producerMu sync.Mutex // Send may be called from several goroutines
	meta       pool       // for fresh metadata (see metadata)
	groups     pool       // speaking KIP-848's requests (see groups.go)
}

// pool keeps a connection to each broker address; its users hold mu.
type pool struct {
	mu sync.Mutex
	m  map[string]*sarama.Broker
}

// drop closes and forgets the connection to addr; p.mu is held.
func (p *pool) drop(addr string) {
	if b := p.m[addr]; b != nil {
		_ = b.Close()
		delete(p.m, addr)
	}
}

// close closes every connection.
func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.m {
		_ = b.Close()
	}
	p.m = nil
}

// put keeps b as the connection to addr; p.mu is held.
func (p *pool) put(addr string, b *sarama.Broker) {
	if p.m == nil {
		p.m = map[string]*sarama.Broker{}
	}
	p.m[addr] = b
}

// saramaConfig is the harness's client configuration: versions every supported broker speaks
// (4.0 dropped protocol versions older than 2.1), short timeouts so waits stay responsive.
func saramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "kafka-lab-harness"
	cfg.Version = sarama.V3_6_0_0
	cfg.Net.DialTimeout = 2 * time.Second
	cfg.Net.ReadTimeout = 10 * time.Second
	cfg.Net.WriteTimeout = 10 * time.Second
	cfg.Metadata.Retry.Max = 0
	// A question about a topic that does not exist (or no longer does) must not create it: the
	// live tutor only observes the student's cluster, and a check must see what the student made.
	cfg.Metadata.AllowAutoTopicCreation = false
	cfg.Admin.Timeout = 15 * time.Second
	return cfg
}

// adminClient returns the cluster admin over the client, made on first use.
func (n *conns) adminClient(t Topology) (sarama.ClusterAdmin, error) {
	if n.client == nil {
		return nil, fmt.Errorf("cluster admin: the %s cluster has no Kafka client (its nodes are the student's, or it is closed)", t)
	}
	if n.admin == nil {
		a, err := sarama.NewClusterAdminFromClient(n.client)
		if err != nil {
			return nil, fmt.Errorf("cluster admin: %w", err)
		}
		n.admin = a
	}
	return n.admin, nil
}

// close closes every connection.
func (n *conns) close() {
	n.producerMu.Lock()
	if n.producer != nil {
		_ = n.producer.Close()
		n.producer = nil
	}
	n.producerMu.Unlock()
	n.meta.close()
	n.groups.close()
	if n.admin != nil {
		_ = n.admin.Close() // also closes the client
	} else if n.client != nil {
		_ = n.client.Close()
	}
	n.admin, n.client = nil, nil
}

// swap takes fresh's client, admin, producer and metadata connections, and gives it these.
func (n *conns) swap(fresh *conns) {
	n.producerMu.Lock()
	defer n.producerMu.Unlock()
	n.meta.mu.Lock()
	defer n.meta.mu.Unlock()
	n.client, fresh.client = fresh.client, n.client
	n.admin, fresh.admin = fresh.admin, n.admin
	n.producer, fresh.producer = fresh.producer, n.producer
	n.meta.m, fresh.meta.m = fresh.meta.m, n.meta.m
}

// forget closes the client's connection to a broker that went down or came back: the old
// connection is dead, and sarama reopens a closed one on its next use rather than fail with
// EOF.
func (n *conns) forget(id int) {
	for _, b := range n.client.Brokers() {
		if b.ID() == int32(id) {
			_ = b.Close()
		}
	}
}

// eachAnswers says whether every broker of the metadata answers on its own host address: a
// broker is in the metadata once registered, a moment before its listeners accept, and Docker's
// port proxy resets a connection to a port nothing listens on yet.
func (n *conns) eachAnswers() (bool, string, error) {
	for _, b := range n.client.Brokers() {
		if ok, _ := b.Connected(); !ok {
			if err := b.Open(n.client.Config()); err != nil && !errors.Is(err, sarama.ErrAlreadyConnected) {
				return false, fmt.Sprintf("broker %d at %s: %v", b.ID(), b.Addr(), err), nil
			}
		}
		if _, err := b.ApiVersions(&sarama.ApiVersionsRequest{}); err != nil {
			_ = b.Close() // sarama opens it again on its next use
			return false, fmt.Sprintf("broker %d does not answer at %s yet: %v", b.ID(), b.Addr(), err), nil
		}
	}
	return true, "", nil
}

// metadata asks the brokers at addrs, in turn, for a fresh metadata response: unlike the
// client's cache it never answers from what a broker said before it went down.
func (n *conns) metadata(addrs, topics []string) (*sarama.MetadataResponse, error) {
	n.meta.mu.Lock()
	defer n.meta.mu.Unlock()
	var errs []error
	for _, addr := range addrs {
		resp, err := n.metadataOf(addr, topics)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return resp, nil
	}
	return nil, fmt.Errorf("no broker answered a metadata request: %w", errors.Join(errs...))
}

// metadataOfEach asks every broker at addrs for its metadata: what each knows.
func (n *conns) metadataOfEach(addrs, topics []string) ([]*sarama.MetadataResponse, error) {
	n.meta.mu.Lock()
	defer n.meta.mu.Unlock()
	var out []*sarama.MetadataResponse
	for _, addr := range addrs {
		resp, err := n.metadataOf(addr, topics)
		if err != nil {
			return nil, err
		}
		out = append(out, resp)
	}
	return out, nil
}

// metadataOf asks the broker at addr, on a connection kept for it; n.meta.mu is held.
func (n *conns) metadataOf(addr string, topics []string) (*sarama.MetadataResponse, error) {
	b := n.meta.m[addr]
	if b == nil {
		b = sarama.NewBroker(addr)
		if err := b.Open(n.client.Config()); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		n.meta.put(addr, b)
	}
	req := sarama.NewMetadataRequest(n.client.Config().Version, topics)
	req.AllowAutoTopicCreation = false
	resp, err := b.GetMetadata(req)
	if err != nil {
		n.meta.drop(addr)
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	return resp, nil
}

// get returns the connection to addr, connected, or a new one made with cfg, kept for the next
// call; p.mu is held.
func (p *pool) get(addr string, cfg *sarama.Config) (*sarama.Broker, error) {
	if b := p.m[addr]; b != nil {
		if ok, _ := b.Connected(); ok {
			return b, nil
		}
		p.drop(addr)
	}
	b := sarama.NewBroker(addr)
	if err := b.Open(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	if _, err := b.Connected(); err != nil { // Open connects in the background
		_ = b.Close()
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	p.put(addr, b)
	return b, nil
}
