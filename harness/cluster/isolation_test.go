package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// dialProbe is a program that says whether it can open a TCP connection to an address.
const dialProbe = `import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
    print("connected")
except OSError as e:
    print("refused:", e)
`

// TestClustersAreApart: two clusters of one run (a batch's main lane and section 6's lane) are
// on networks of their own. A student's command or program, in its broker's network namespace,
// reaches its own broker and not the other cluster's, at either of its listeners; the harness
// still reaches both at their ports on 127.0.0.1. Each cluster's network goes with it: a renewed
// cluster leaves no network behind.
func TestClustersAreApart(t *testing.T) {
	rt := runtime(t)
	if rt.Facts().SharesHostNetwork {
		integration.Lacks(t, integration.DockerRun, "local processes share the host's network: there is no network to split (Reusable is the defence)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	img := image(t, rt)
	var cs [2]*cluster.Cluster
	for i := range cs {
		c, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(context.WithoutCancel(ctx))
		cs[i] = c
	}
	dial := func(from *cluster.Cluster, host string, port string) string {
		t.Helper()
		spec := from.StudentSpec("python3", "-c", dialProbe, host, port)
		res, err := rt.RunOnce(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(res.Stdout + res.Stderr)
	}
	for i, c := range cs {
		other := cs[1-i]
		if got := dial(c, "localhost", "9092"); got != "connected" {
			t.Errorf("cluster %d: a student's command does not reach its own broker at localhost:9092: %s", i, got)
		}
		ip := brokerIP(t, ctx, other)
		for _, port := range []string{"9092", "19092"} {
			if got := dial(c, ip, port); got == "connected" {
				t.Errorf("cluster %d: a student's command reached the other cluster's broker at %s:%s\n%s", i, ip, port, isolationFacts(ctx, cs[:]))
			}
		}
		if _, err := cluster.ClientOf(c.Kafka()).RefreshController(); err != nil {
			t.Errorf("cluster %d: the harness does not reach it on 127.0.0.1: %v", i, err)
		}
	}
	before := runNetworks(t, ctx, rt)
	if err := cs[0].Renew(ctx); err != nil {
		t.Fatal(err)
	}
	if after := runNetworks(t, ctx, rt); after != before {
		t.Errorf("the run had %d network(s) before a renewal and %d after: the old cluster's network was left", before, after)
	}
}

// isolationFacts says what decides whether two clusters reach each other, for a failure's
// message: each first broker's networks with their addresses and prefixes (two networks given
// overlapping subnets would make the other's address one's own), and Docker's isolation chains
// (where this process may read them).
func isolationFacts(ctx context.Context, cs []*cluster.Cluster) string {
	var b strings.Builder
	for i, c := range cs {
		out, err := exec.CommandContext(ctx, "docker", "inspect", "-f",
			"{{range $n, $v := .NetworkSettings.Networks}}{{$n}} {{$v.IPAddress}}/{{$v.IPPrefixLen}} {{end}}", c.Brokers()[0].Container.ID).CombinedOutput()
		fmt.Fprintf(&b, "cluster %d's broker: %s %v\n", i, strings.TrimSpace(string(out)), err)
	}
	for _, chain := range []string{"DOCKER-ISOLATION-STAGE-1", "DOCKER-ISOLATION-STAGE-2"} {
		out, err := exec.CommandContext(ctx, "iptables", "-S", chain).CombinedOutput()
		fmt.Fprintf(&b, "iptables -S %s: %v\n%s", chain, err, out)
	}
	return b.String()
}

// brokerIP is the address of c's first broker on its network.
func brokerIP(t *testing.T, ctx context.Context, c *cluster.Cluster) string {
	t.Helper()
	out, err := exec.CommandContext(ctx, "docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", c.Brokers()[0].Container.ID).Output()
	ips := strings.Fields(string(out))
	if err != nil || len(ips) != 1 {
		t.Fatalf("the broker's addresses: %q, %v; want one network", out, err)
	}
	return ips[0]
}

// runNetworks counts the run's networks.
func runNetworks(t *testing.T, ctx context.Context, rt *container.Runtime) int {
	t.Helper()
	out, err := exec.CommandContext(ctx, "docker", "network", "ls", "-q", "--filter", "label="+container.LabelRun+"="+rt.RunID).Output()
	if err != nil {
		t.Fatal(err)
	}
	return len(strings.Fields(string(out)))
}

// TestReusableSeesClusterState: a student's lab command can change, through Kafka's admin API,
// what no Reset clears. Each kind, changed on a fresh cluster, makes Reusable say so, and a
// renewed cluster is fresh again: a dynamic default config of the brokers (the attack of issue
// 28) and one of a broker, a log level, client quotas (a client id's and
// an ip's), a SCRAM credential, a client-metrics subscription, and a transaction left open. ACLs
// cannot be made at all (no authorizer), which Reusable proves each time.
func TestReusableSeesClusterState(t *testing.T) {
	ctx, _, c := startSingle(t, 5*time.Minute)
	set := func(v string) sarama.IncrementalAlterConfigsEntry {
		return sarama.IncrementalAlterConfigsEntry{Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &v}
	}
	if why, err := c.Reusable(ctx); err != nil || why != "" {
		t.Fatalf("a fresh cluster: Reusable says %q, %v; want it reusable", why, err)
	}
	admin := func() sarama.ClusterAdmin {
		a, err := cluster.AdminOf(c.Kafka())
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	cases := []struct {
		name   string
		change func() (undo func(), err error)
		want   string
	}{
		{"a dynamic default config of the brokers", func() (func(), error) {
			return nil, admin().IncrementalAlterConfig(sarama.BrokerResource, "", map[string]sarama.IncrementalAlterConfigsEntry{
				"max.connections.per.ip.overrides": set("10.99.99.99:0")}, false)
		}, "config of the brokers' default: max.connections.per.ip.overrides is 10.99.99.99:0"},
		{"a dynamic config of broker 1", func() (func(), error) {
			return nil, admin().IncrementalAlterConfig(sarama.BrokerResource, "1", map[string]sarama.IncrementalAlterConfigsEntry{
				"log.cleaner.threads": set("2")}, false)
		}, "config of broker 1: log.cleaner.threads is 2"},
		{"a log level", func() (func(), error) {
			return nil, admin().IncrementalAlterConfig(sarama.BrokerLoggerResource, "1", map[string]sarama.IncrementalAlterConfigsEntry{
				"kafka.server.ReplicaManager": set("TRACE")}, false)
		}, "log level of broker 1: kafka.server.ReplicaManager is TRACE"},
		{"a client id's quota", func() (func(), error) {
			return nil, admin().AlterClientQuotas([]sarama.QuotaEntityComponent{{EntityType: sarama.QuotaEntityClientID, MatchType: sarama.QuotaMatchExact, Name: "balance-calculator"}},
				sarama.ClientQuotasOp{Key: "producer_byte_rate", Value: 1024}, false)
		}, "quota producer_byte_rate of client-id=balance-calculator is 1024"},
		{"an ip's default quota", func() (func(), error) {
			return nil, admin().AlterClientQuotas([]sarama.QuotaEntityComponent{{EntityType: sarama.QuotaEntityIP, MatchType: sarama.QuotaMatchDefault}},
				sarama.ClientQuotasOp{Key: "connection_creation_rate", Value: 1}, false)
		}, "quota connection_creation_rate of ip=<default> is 1"},
		{"a SCRAM credential", func() (func(), error) {
			res, err := admin().UpsertUserScramCredentials([]sarama.AlterUserScramCredentialsUpsert{{
				Name: "mallory", Mechanism: sarama.SCRAM_MECHANISM_SHA_256, Iterations: 4096, Salt: []byte("salt-of-mallory"), Password: []byte("secret")}})
			for _, r := range res {
				if err == nil && !errors.Is(r.ErrorCode, sarama.ErrNoError) {
					err = r.ErrorCode
				}
			}
			return nil, err
		}, "SCRAM credential of user mallory is"},
		{"a client-metrics subscription", func() (func(), error) {
			return nil, admin().IncrementalAlterConfig(sarama.ConfigResourceType(16), "every-100ms", map[string]sarama.IncrementalAlterConfigsEntry{
				"metrics": set("org.apache.kafka."), "interval.ms": set("100")}, false)
		}, "client metrics every-100ms is subscribed"},
		{"a transaction left open", func() (func(), error) {
			if err := c.Kafka().CreateTopic(ctx, "ledger", 1, 1); err != nil {
				return nil, err
			}
			cfg := cluster.SaramaConfig()
			cfg.Producer.Idempotent, cfg.Producer.RequiredAcks, cfg.Net.MaxOpenRequests = true, sarama.WaitForAll, 1
			cfg.Producer.Return.Successes = true
			cfg.Producer.Transaction.ID = "calculator-1"
			p, err := sarama.NewSyncProducer(c.Bootstrap(), cfg)
			if err != nil {
				return nil, err
			}
			if err := p.BeginTxn(); err != nil {
				return func() { p.Close() }, err
			}
			_, _, err = p.SendMessage(&sarama.ProducerMessage{Topic: "ledger", Value: sarama.StringEncoder("open")})
			return func() { p.Close() }, err
		}, "transactional id calculator-1 is Ongoing"},
	}
	for _, tc := range cases {
		undo, err := tc.change()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
		} else if err := c.Reset(ctx); err != nil {
			t.Errorf("%s: Reset: %v", tc.name, err)
		} else if why, err := c.Reusable(ctx); err != nil || !strings.Contains(why, tc.want) {
			t.Errorf("%s: Reusable says %q, %v; want it to say %q", tc.name, why, err, tc.want)
		} else {
			t.Logf("%s: %s", tc.name, why)
		}
		if undo != nil {
			undo()
		}
		if err := c.Renew(ctx); err != nil {
			t.Fatal(err)
		}
		if why, err := c.Reusable(ctx); err != nil || why != "" {
			t.Fatalf("after %s, a renewed cluster: Reusable says %q, %v; want it reusable", tc.name, why, err)
		}
	}
	// No authorizer: an ACL cannot be made, and Reusable proves there is none each time
	// (DescribeAcls answers SECURITY_DISABLED).
	err := admin().CreateACL(sarama.Resource{ResourceType: sarama.AclResourceTopic, ResourceName: "*", ResourcePatternType: sarama.AclPatternLiteral},
		sarama.Acl{Principal: "User:*", Host: "*", Operation: sarama.AclOperationAll, PermissionType: sarama.AclPermissionDeny})
	if !errors.Is(err, sarama.ErrSecurityDisabled) {
		t.Errorf("CreateACL: %v; want %v", err, sarama.ErrSecurityDisabled)
	}
}
