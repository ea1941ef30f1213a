package runner_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/internal/labtest"
	"github.com/kafka-lab/kafka-lab/harness/runner"
	"github.com/kafka-lab/kafka-lab/harness/submission"
)

// These tests run the lab's tools against real Kafka in real Docker (make image first). They
// share one cluster, reset between tests, as the spec does. They are integration tests,
// skipped under -short (labtest.Cluster skips them); explain_test.go and probes_test.go hold
// the unit tests.

func TestMain(m *testing.M) { labtest.Main(m) }

func command(t *testing.T, key submission.Key, text string) submission.Command {
	t.Helper()
	c, err := submission.ParseCommand(key, 1, text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRunOneShot(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r := runner.Runner{Cluster: c}
	if _, err := r.Run(ctx, command(t, submission.CreateTopic, "./bin/kafka-topics.sh --create --topic t1 --partitions 3 --bootstrap-server localhost:9092")); err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(ctx, command(t, submission.ListTopics, "kafka-topics.sh --list --bootstrap-server localhost:9092"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Stdout, "t1\n") {
		t.Errorf("--list printed %q, want t1", res.Stdout)
	}
	topics, err := c.Kafka().Topics(ctx)
	if err != nil || topics["t1"] != 3 {
		t.Errorf("topics %v (%v), want t1 with 3 partitions", topics, err)
	}
}

func TestRunReportsFailures(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, tc := range []struct {
		key        submission.Key
		name, text string
		limit      time.Duration
		want       []string
		maxTime    time.Duration
	}{
		{submission.DescribeTopic, "non-zero exit", "bin/kafka-topics.sh --describe --topic nowhere --bootstrap-server localhost:9092", 0,
			[]string{"exited with code 1", "nowhere"}, 20 * time.Second},
		{submission.ListTopics, "nothing listens", "bin/kafka-topics.sh --list --bootstrap-server localhost:9094", 0,
			[]string{"could not connect to Kafka at localhost:9094", "answers on localhost:9092"}, 20 * time.Second},
		{submission.ConsoleConsumer, "too long", "bin/kafka-console-consumer.sh --topic t --bootstrap-server localhost:9092", 2 * time.Second,
			[]string{"still running after 2s"}, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := runner.Runner{Cluster: c, Limit: tc.limit}.Run(ctx, command(t, tc.key, tc.text))
			var f *runner.Failure
			if !errors.As(err, &f) {
				t.Fatalf("want a *runner.Failure, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message does not say %q:\n%v", w, err)
				}
			}
			if d := time.Since(start); d > tc.maxTime {
				t.Errorf("took %s to report", d)
			}
		})
	}
}

// A producer fed through stdin sends each line as a message; a consumer started afterwards is
// ready once it shows the readiness messages, and then shows what is sent next.
func TestProducerAndConsumer(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := c.Kafka().CreateTopic(ctx, "lab", 4, 1); err != nil {
		t.Fatal(err)
	}
	r := runner.Runner{Cluster: c}
	prod, err := r.Start(ctx, command(t, submission.ConsoleProducer, "bin/kafka-console-producer.sh --topic lab --bootstrap-server localhost:9092"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Stop(context.Background())
	for _, l := range []string{"one", "two"} {
		if err := prod.WriteLine(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := prod.Finish(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Kafka().ReadAll(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, m := range msgs {
		values = append(values, m.Value)
	}
	if !slices.Equal(values, []string{"one", "two"}) {
		t.Fatalf("topic holds %q, want one, two", values)
	}

	cons, err := r.Start(ctx, command(t, submission.ConsoleConsumer, "bin/kafka-console-consumer.sh --topic lab --bootstrap-server localhost:9092 --property print.partition=true"))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Stop(context.Background())
	if err := runner.AwaitReady(ctx, c.Kafka(), "lab", 4, []*runner.Process{cons}, false); err != nil {
		t.Fatal(err)
	}
	if got := runner.Probes(cons.Stdout.Lines()); len(got) < 4 {
		t.Errorf("readiness messages from partitions %v, want all 4", got)
	}
	if err := c.Kafka().Send(ctx, "lab", cluster.Message{Partition: 2, Value: "three"}); err != nil {
		t.Fatal(err)
	}
	err = cons.Await(ctx, "three", 20*time.Second, func(lines []string) (bool, string) {
		return slices.Equal(runner.Shown(lines), []string{"three"}), strings.Join(lines, "|")
	})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := c.Kafka().Groups(ctx)
	if err != nil || len(groups) != 1 || len(groups[0].Members) != 1 || len(groups[0].Members[0].Assigned["lab"]) != 4 {
		t.Errorf("groups %+v (%v), want one console-consumer group with one member on 4 partitions", groups, err)
	}
}

// A consumer that exits is reported at once, not after a timeout.
func TestAwaitStopsWhenTheProcessExits(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := runner.Runner{Cluster: c}.Start(ctx, command(t, submission.ConsoleConsumer, "bin/kafka-console-consumer.sh --bootstrap-server localhost:9092"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(context.Background())
	start := time.Now()
	err = p.Await(ctx, "anything", 40*time.Second, func([]string) (bool, string) { return false, "" })
	if err == nil || !strings.Contains(err.Error(), "should keep running") {
		t.Fatalf("want an exited-early failure, got %v", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %s to notice the exit", d)
	}
}

// TestStudentCommandsAreUntrusted: a student's command runs as an unprivileged user, and its
// options cannot load a config provider to read a file into its error (CVE-2024-31141).
func TestStudentCommandsAreUntrusted(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := c.StartClient(ctx, c.StudentSpec("id", "-u"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Remove(context.WithoutCancel(ctx))
	if _, err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if uid := strings.TrimSpace(p.Stdout.String()); uid == "0" || uid == "" || uid == fmt.Sprint(os.Geteuid()) {
		t.Errorf("a student's command runs as uid %q", uid)
	}
	// The file the provider would read, in the image and in a local process's root alike.
	secret := "log4j.appender.stderr.Target"
	_, err = runner.Runner{Cluster: c}.Run(ctx, command(t, submission.ConsoleProducer,
		"bin/kafka-console-producer.sh --topic t --bootstrap-server localhost:9092"+
			" --producer-property config.providers=dir"+
			" --producer-property config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider"+
			" --producer-property 'acks=${dir:/opt/kafka/config:tools-log4j.properties}'"))
	if err == nil || strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "is not allowed") {
		t.Errorf("a config provider in a student's options: %v\nwant it refused, without the file's content", err)
	}
}

// TestStudentCommandsFetchNoURL: a student's options cannot make a Kafka tool fetch a URL
// (CVE-2025-27817): a console producer told to take its OAUTHBEARER token from a server the
// command can reach (the host's loopback with local processes; in Docker the host's own address,
// which a container reaches through its network's gateway) is refused before it sends anything.
func TestStudentCommandsFetchNoURL(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var hits atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "loot", http.StatusInternalServerError)
	}))
	ln, err := net.Listen("tcp", ":0") // every interface: a container comes from its gateway
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	host := "127.0.0.1"
	if !labtest.Runtime().Facts().SharesHostNetwork {
		host = hostAddress(t)
	}
	url := fmt.Sprintf("http://%s:%d/token", host, ln.Addr().(*net.TCPAddr).Port)
	_, err = runner.Runner{Cluster: c}.Run(ctx, command(t, submission.ConsoleProducer,
		"bin/kafka-console-producer.sh --topic t --bootstrap-server localhost:9092"+
			" --producer-property security.protocol=SASL_PLAINTEXT --producer-property sasl.mechanism=OAUTHBEARER"+
			" --producer-property sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler"+
			" --producer-property sasl.oauthbearer.token.endpoint.url="+url+
			` --producer-property 'sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="a" clientSecret="b";'`))
	if n := hits.Load(); n > 0 {
		t.Errorf("a student's command sent %d request(s) to %s", n, url)
	}
	if err == nil || !strings.Contains(err.Error(), "is not allowed") {
		t.Errorf("an OAuth token URL in a student's options: %v\nwant it refused", err)
	}
}

// hostAddress is an IPv4 address of this machine other than loopback: a container reaches it.
func hostAddress(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	t.Skip("this machine has no IPv4 address but loopback")
	return ""
}

// TestRunAllKeyLimit: once the commands of a key have taken KeyLimit together, no further one
// starts, and the failure says why.
func TestRunAllKeyLimit(t *testing.T) {
	c := labtest.Cluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sleep := submission.Command{Key: submission.CreateTopic, Line: 1, Text: "sleep 2", Args: []string{"sleep", "2"}}
	res, err := runner.Runner{Cluster: c, KeyLimit: 3 * time.Second}.RunAll(ctx, []submission.Command{sleep, sleep, sleep})
	// The first may take longer than 3 s by itself, with the start of its container.
	if len(res) > 2 || err == nil || !strings.Contains(err.Error(), "command(s) before it took more than 3s, as long as the commands of one key") {
		t.Errorf("three commands of 2 s with a key limit of 3 s: %d ran, %v", len(res), err)
	}
}
