package replication

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/wait"
)

// Producer is one producer of a durability run: Kafka's VerifiableProducer (the producer of
// Kafka's own replication system tests), sending the numbers 0, 1, 2, ... as values and printing
// one JSON line per acknowledged or failed message.
type Producer struct {
	Topic      string
	Acks       string // "all", "1" or "0"
	Idempotent bool
	// PerSecond is the target rate (default 100 messages a second).
	PerSecond int
}

func (p Producer) String() string {
	s := "acks=" + p.Acks
	if p.Idempotent {
		s += " with idempotence"
	}
	return s
}

// Tally is what became of one producer's messages.
type Tally struct {
	Producer
	// As the producer reported them: sent, acknowledged and failed.
	Sent, Acked, Failed int
	// Read counts the messages read back afterwards, copies included.
	Read int
	// Lost are acknowledged numbers never read back; Duplicated, numbers read more than once.
	Lost, Duplicated []int
	// UnackedRead counts numbers read back that were never acknowledged: allowed (the write
	// reached the log, the answer did not reach the producer).
	UnackedRead int
}

func (t Tally) String() string {
	return fmt.Sprintf("%s: sent %d, acknowledged %d, failed %d, read %d, lost %d, duplicated %d, read though not acknowledged %d",
		t.Producer, t.Sent, t.Acked, t.Failed, t.Read, len(t.Lost), len(t.Duplicated), t.UnackedRead)
}

// Kill is one broker killed during a run.
type Kill struct {
	Broker int
	// At is when the broker was killed, from the start of the run; Back, when it was in the
	// metadata again.
	At, Back time.Duration
}

// Run is a durability run's record.
type Run struct {
	Tallies []Tally
	Kills   []Kill
	Took    time.Duration
}

// Chaos says how brokers are killed during a run.
type Chaos struct {
	Kills int
	Rand  *rand.Rand
}

// Durability runs the producers while brokers are killed (SIGKILL) and started again, one at a
// time, at random: a random broker is killed after a random pause, the harness waits until the
// controller has fenced it, pauses again, starts it and waits until every replica is back in
// sync before the next kill, so that Kafka's promise (no acknowledged write is lost while one
// in-sync replica survives) applies. Then it stops the producers, reads every topic back and
// tallies each producer's messages. The topics must exist.
func Durability(ctx context.Context, c *cluster.Cluster, producers []Producer, chaos Chaos) (Run, error) {
	start := time.Now()
	dir, err := os.MkdirTemp("", "kafka-lab-producers-")
	if err != nil {
		return Run{}, fmt.Errorf("durability run: %w", err)
	}
	defer os.RemoveAll(dir)
	// Readable by the tool's user in the container whatever the umask.
	if err := os.Chmod(dir, 0o755); err != nil {
		return Run{}, err
	}
	procs := make([]*container.Process, len(producers))
	defer func() {
		for _, p := range procs {
			if p != nil {
				_ = p.Remove(context.WithoutCancel(ctx))
			}
		}
	}()
	for i, pr := range producers {
		if procs[i], err = startProducer(ctx, c, dir, pr); err != nil {
			return Run{}, err
		}
	}
	// Observable start: every producer has had messages acknowledged.
	if err := awaitAcks(ctx, producers, procs, 50, "the producers to have messages acknowledged before the first kill"); err != nil {
		return Run{}, err
	}
	run := Run{}
	for range chaos.Kills {
		pause(ctx, chaos.Rand, time.Second)
		id := c.Brokers()[chaos.Rand.IntN(len(c.Brokers()))].ID
		k := Kill{Broker: id, At: time.Since(start)}
		if err := c.KillBroker(ctx, id); err != nil {
			return run, err
		}
		pause(ctx, chaos.Rand, time.Second)
		if err := c.StartBroker(ctx, id); err != nil {
			return run, err
		}
		k.Back = time.Since(start)
		run.Kills = append(run.Kills, k)
		if err := c.AwaitInSync(ctx); err != nil {
			return run, err
		}
	}
	// The producers got going again after the last restart before they are stopped.
	if err := awaitAcks(ctx, producers, procs, 50, "the producers to have more messages acknowledged after the last restart"); err != nil {
		return run, err
	}
	for i, p := range procs {
		// SIGTERM: the producer's shutdown hook stops sending, flushes and prints its summary.
		if _, err := p.Stop(ctx, 30*time.Second); err != nil {
			return run, fmt.Errorf("stop the producer %s: %w", producers[i], err)
		}
	}
	for i, pr := range producers {
		t, err := tally(ctx, c, pr, procs[i])
		if err != nil {
			return run, err
		}
		run.Tallies = append(run.Tallies, t)
	}
	run.Took = time.Since(start)
	return run, nil
}

// pause waits a random time up to max, or until ctx ends.
func pause(ctx context.Context, r *rand.Rand, max time.Duration) {
	select {
	case <-time.After(time.Duration(r.Int64N(int64(max)))):
	case <-ctx.Done():
	}
}

func startProducer(ctx context.Context, c *cluster.Cluster, dir string, p Producer) (*container.Process, error) {
	// Retries until delivered (or two minutes pass): a broker coming back is worth waiting for.
	props := []string{"retries=2147483647", "delivery.timeout.ms=120000", "max.in.flight.requests.per.connection=5",
		"enable.idempotence=" + strconv.FormatBool(p.Idempotent)}
	file := p.Topic + ".properties"
	if err := os.WriteFile(filepath.Join(dir, file), []byte(strings.Join(props, "\n")+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("producer config: %w", err)
	}
	acks := p.Acks
	if acks == "all" {
		acks = "-1"
	}
	rate := p.PerSecond
	if rate == 0 {
		rate = 100
	}
	spec := c.ClientSpecIn(c.Brokers()[0], "bin/kafka-verifiable-producer.sh",
		"--bootstrap-server", c.LabBootstrap(), "--topic", p.Topic, "--max-messages", "-1",
		"--throughput", strconv.Itoa(rate), "--acks", acks, "--producer.config", "/kafka-lab/"+file)
	spec.Mounts = []container.Mount{{Source: dir, Target: "/kafka-lab", ReadOnly: true}}
	return c.StartClient(ctx, spec)
}

// event is a line of VerifiableProducer's output, as far as the tally reads it.
type event struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Sent  int    `json:"sent"`
}

func events(p *container.Process) []event {
	var out []event
	for _, line := range p.Stdout.Lines() {
		var e event
		if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// acked counts the acknowledgements the producer has printed so far. It is polled while the
// producer runs, so it looks for the event's name rather than decode thousands of lines a time.
func acked(p *container.Process) int {
	n := 0
	for _, line := range p.Stdout.Lines() {
		if strings.Contains(line, `"name":"producer_send_success"`) {
			n++
		}
	}
	return n
}

// awaitAcks waits until every producer has had n more messages acknowledged than now.
func awaitAcks(ctx context.Context, producers []Producer, procs []*container.Process, n int, what string) error {
	base := make([]int, len(procs))
	for i, p := range procs {
		base[i] = acked(p)
	}
	return wait.Until(ctx, what, 60*time.Second, 100*time.Millisecond, func(ctx context.Context) (bool, string, error) {
		var seen []string
		done := true
		for i, p := range procs {
			if !p.Running() {
				return false, "", fmt.Errorf("%w: the producer %s exited\n%s", wait.ErrStop, producers[i], p.Tails("the producer", 10))
			}
			got := acked(p) - base[i]
			seen = append(seen, fmt.Sprintf("%s: %d", producers[i], got))
			done = done && got >= n
		}
		return done, strings.Join(seen, ", "), nil
	})
}

func tally(ctx context.Context, c *cluster.Cluster, p Producer, proc *container.Process) (Tally, error) {
	t := Tally{Producer: p}
	ack := map[int]bool{}
	summary := false
	for _, e := range events(proc) {
		switch e.Name {
		case "producer_send_success":
			n, err := strconv.Atoi(e.Value)
			if err != nil {
				return t, fmt.Errorf("producer %s acknowledged a value %q that is not a number", p, e.Value)
			}
			ack[n] = true
		case "producer_send_error":
			t.Failed++
		case "tool_data":
			t.Sent, summary = e.Sent, true
		}
	}
	if !summary {
		return t, fmt.Errorf("the producer %s printed no summary when stopped\n%s", p, proc.Tails("the producer", 10))
	}
	t.Acked = len(ack)
	if err := c.AwaitInSync(ctx); err != nil {
		return t, err
	}
	msgs, err := c.Kafka().ReadAll(ctx, p.Topic)
	if err != nil {
		return t, err
	}
	read := map[int]int{}
	for _, m := range msgs {
		n, err := strconv.Atoi(m.Value)
		if err != nil {
			return t, fmt.Errorf("topic %s holds a message %q that the producer did not send", p.Topic, m.Value)
		}
		read[n]++
	}
	t.Read = len(msgs)
	for n := range ack {
		if read[n] == 0 {
			t.Lost = append(t.Lost, n)
		}
	}
	for n, k := range read {
		if k > 1 {
			t.Duplicated = append(t.Duplicated, n)
		}
		if !ack[n] {
			t.UnackedRead++
		}
	}
	slices.Sort(t.Lost)
	slices.Sort(t.Duplicated)
	return t, nil
}
