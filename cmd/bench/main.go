// Command bench measures the harness against its budgets, as ratios taken in one run on this
// machine (make bench). It is not a test: it prints numbers and never fails on them. With -doc
// it also writes them into that page (docs/bench.md), the only way its figures get there.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/sandbox"
	"github.com/kafka-lab/kafka-lab/harness/wait"
	"github.com/kafka-lab/kafka-lab/spec"
)

func main() {
	reps := flag.Int("reps", 3, "repetitions of each timing; the median is reported")
	flag.StringVar(&dist, "dist", "", "a Kafka distribution folder (make dist): also measure local processes against Docker")
	flag.StringVar(&doc, "doc", "", "a page (docs/bench.md) whose figures, between its markers, are rewritten with this run's")
	compareWith := flag.String("compare", "", "measure only the lab's image (KAFKA_LAB_IMAGE) and this one side by side (make bench-java)")
	flag.Parse()
	err := withRuntime(func(ctx context.Context, rt *container.Runtime) error {
		if *compareWith != "" {
			return compareImages(ctx, rt, []string{cluster.ImageFromEnv(), *compareWith}, *reps)
		}
		return run(ctx, rt, *reps)
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// dist is the distribution of the local-process rows ("": none measured).
var dist string

// withRuntime runs measure with a container runtime, which it closes after, on a signal too,
// within the bench's 40 minutes.
func withRuntime(measure func(context.Context, *container.Runtime) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	rt, err := container.New(ctx)
	if err != nil {
		return err
	}
	defer rt.Close(context.Background())
	stop := rt.CloseOnSignal()
	defer stop()
	return measure(ctx, rt)
}

type row struct {
	name, value, budget string
	ok                  bool
}

// run measures everything but the side-by-side of two images (compareImages).
func run(ctx context.Context, rt *container.Runtime, reps int) error {
	img, err := cluster.InspectImage(ctx, rt, cluster.ImageFromEnv())
	if err != nil {
		return err
	}
	fmt.Printf("image %s (Kafka %s), %d repetitions, medians\n\n", img.Ref, img.KafkaVersion, reps)

	var bare, ready, reset, renew []time.Duration
	var peak uint64
	for i := 0; i < reps; i++ {
		d, err := bareDockerRun(ctx, rt, img.Ref)
		if err != nil {
			return fmt.Errorf("bare docker run: %w", err)
		}
		bare = append(bare, d)

		start := time.Now()
		c, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
		if err != nil {
			return err
		}
		ready = append(ready, time.Since(start))
		if err := workload(ctx, c); err != nil {
			return err
		}
		start = time.Now()
		if err := c.Reset(ctx); err != nil {
			return err
		}
		reset = append(reset, time.Since(start))
		// After a student's program: Renew, with the spare started when the program connected
		// (a scenario lasts longer than the spare's start).
		c.MarkUntrusted()
		if ok, err := c.AwaitSpare(ctx); err != nil || !ok {
			return fmt.Errorf("the spare did not start: %v", err)
		}
		start = time.Now()
		if err := c.Reset(ctx); err != nil {
			return err
		}
		renew = append(renew, time.Since(start))
		if p, err := peakMemory(ctx, c.Brokers()[0].Container); err == nil && p > peak {
			peak = p
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "bench: memory:", err)
		}
		if err := c.Close(ctx); err != nil {
			return err
		}
	}

	// The ha cluster: four JVMs (a controller, three brokers) against four bare starts.
	var haReady []time.Duration
	for range reps {
		start := time.Now()
		c, err := cluster.Start(ctx, rt, cluster.HA, img, cluster.Options{})
		if err != nil {
			return err
		}
		haReady = append(haReady, time.Since(start))
		if err := c.Close(ctx); err != nil {
			return err
		}
	}

	// The first build brings the image up to date; the second is the cached rebuild measured.
	var cached time.Duration
	for i := 0; i < 2; i++ {
		start := time.Now()
		build := exec.CommandContext(ctx, "harness/image/build.sh")
		build.Env = append(os.Environ(), "KAFKA_VERSION="+img.KafkaVersion)
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("image build: %w\n%s", err, out)
		}
		cached = time.Since(start)
	}

	grading, clients, jvm, javaVersion, err := gradeReference(ctx, rt, img, reps)
	if err != nil {
		return err
	}
	// A student's whole grading: every section, what depends on the submission, with a
	// submission that passes it all (the reference does not do exactly-once).
	// The median of reps, as the other timings: a grading's minute swings by some seconds.
	whole, wholeCPU, _, err := gradeSampled(img, "testdata/submissions/exactly-once", reps)
	if err != nil {
		return err
	}
	// The same, with section 6 after the others rather than beside them (spec.Grader's lanes).
	oneLane, err := gradeOneLane(img, "testdata/submissions/exactly-once")
	if err != nil {
		return err
	}
	checks, err := kafkaChecks(img)
	if err != nil {
		return err
	}
	pipeline, _, err := grade(img, spec.DefaultSubmission, "@section-6 && ~@optional")
	if err != nil {
		return err
	}
	exactlyOnce, _, err := grade(img, "testdata/submissions/exactly-once", "@exactly-once")
	if err != nil {
		return err
	}
	section7, _, err := grade(img, spec.DefaultSubmission, "@section-7") // the student's part
	if err != nil {
		return err
	}
	ownCluster, _, err := grade(img, spec.DefaultSubmission, "@section-7 && @own-cluster")
	if err != nil {
		return err
	}
	experiment, _, err := grade(img, spec.DefaultSubmission, "@section-7 && @acks-experiment")
	if err != nil {
		return err
	}
	batch, err := batchThroughput(ctx, img)
	if err != nil {
		return err
	}
	boxed, plain, err := sandboxStart(ctx, rt, img, reps)
	if err != nil {
		return err
	}
	tut, err := tutorBench(ctx, rt, img, reps)
	if err != nil {
		return fmt.Errorf("the tutor: %w", err)
	}

	mb, mr, ms, mn := median(bare), median(ready), median(reset), median(renew)
	local, err := localRows(ctx, img, reps, mr, grading, pipeline, section7)
	if err != nil {
		return err
	}
	rows := []row{
		{"bare docker run until Kafka answers", mb.Round(time.Millisecond).String(), "", true},
		{"single cluster ready", mr.Round(time.Millisecond).String(), "", true},
		{"  ready / bare docker run", ratio(mr, mb), "<= 1.3", float64(mr) <= 1.3*float64(mb)},
		{"ha cluster ready (controller + 3 brokers)", median(haReady).Round(time.Millisecond).String(), "", true},
		{"  ha ready / (4 x bare docker run)", ratio(median(haReady), 4*mb), "", true},
		{"reset (3 topics, 1 group)", ms.Round(time.Millisecond).String(), "", true},
		{"  reset / fresh cluster start", ratio(ms, mr), "<= 0.1", float64(ms) <= 0.1*float64(mr)},
		{"reset after a program (renew: the spare)", mn.Round(time.Microsecond).String(), "", true},
		{"  renew / fresh cluster start", ratio(mn, mr), "<= 0.1", float64(mn) <= 0.1*float64(mr)},
		{"cached make image", cached.Round(time.Millisecond).String(), "< 10s", cached < 10*time.Second},
		{"broker container peak memory", mib(peak), "< 1 GiB", peak > 0 && peak < 1<<30},
		{"one tool run (kafka-topics.sh --list)", jvm.Round(time.Millisecond).String(), "", true},
		{"  / java -version in the same container", ratio(jvm, javaVersion), "<= 1.5", float64(jvm) <= 1.5*float64(javaVersion)},
		{"a student's grading, all sections (exactly-once)", whole.Round(100 * time.Millisecond).String(), "<= 45s", whole <= 45*time.Second},
		{"  the machine's CPU time it took (every process)", wholeCPU.Round(time.Second).String(), "", true},
		{fmt.Sprintf("  gradings a minute that %d cores could give at most", runtime.NumCPU()), fmt.Sprintf("%.2f", float64(runtime.NumCPU())*float64(time.Minute)/float64(wholeCPU)), "", true},
		{"  the same in one lane (section 6 after the others)", oneLane.Round(100 * time.Millisecond).String(), "", true},
		{"the Kafka checks (@kafka-only), once per class", checks.Round(time.Second).String(), "", true},
		{"grading sections 1-5 (reference)", grading.Round(100 * time.Millisecond).String(), "< 60s", grading < time.Minute},
		{fmt.Sprintf("  / (%d tool runs x one tool run)", clients), ratio(grading, time.Duration(clients)*jvm), "", true},
		{"section 6, mandatory (reference)", pipeline.Round(100 * time.Millisecond).String(), "< 45s", pipeline < 45*time.Second},
		{"section 6, exactly-once (its calculator)", exactlyOnce.Round(100 * time.Millisecond).String(), "< 60s", exactlyOnce < time.Minute},
		{"section 7, the student's part (ha start included)", section7.Round(100 * time.Millisecond).String(), "<= 60s", section7 <= time.Minute},
		{"  their own three brokers (start_cluster)", ownCluster.Round(100 * time.Millisecond).String(), "", true},
		{"  their acks experiment replayed (ha start included)", experiment.Round(100 * time.Millisecond).String(), "", true},
		{fmt.Sprintf("batch of %d, whole gradings, %d workers (the default)", batch.n, batch.workers), batch.many.Round(time.Second).String(), "", true},
		{"  submissions per minute", fmt.Sprintf("%.2f", float64(batch.n)/batch.many.Minutes()), ">= 2.5", float64(batch.n)/batch.many.Minutes() >= 2.5},
		{"  the cores' time it kept busy", batch.busy(), "", true},
		{"sandbox start to first message", boxed.Round(time.Millisecond).String(), "", true},
		{"  / plain python3 start on the host", ratio(boxed, plain), "", true},
	}
	rows = append(rows, tut.rows()...)
	rows = append(rows, local...)
	for _, r := range rows {
		verdict := ""
		if r.budget != "" {
			verdict = "within budget " + r.budget
			if !r.ok {
				verdict = "OVER budget " + r.budget
			}
		}
		fmt.Printf("%-42s %10s   %s\n", r.name, r.value, verdict)
	}
	if doc != "" {
		if err := writeFigures(doc, figures(time.Now(), img.Ref, img.KafkaVersion, reps, rows)); err != nil {
			return err
		}
		fmt.Printf("\nthe figures are written to %s\n", doc)
	}
	return nil
}

// localRows measures local processes (the Gradescope bundle's way) against Docker's numbers:
// the single cluster's start and the reference's grading, when -dist names a distribution.
func localRows(ctx context.Context, img cluster.Image, reps int, dockerReady, docker15, docker6, docker7 time.Duration) ([]row, error) {
	if dist == "" {
		return nil, nil
	}
	rt, err := container.NewLocal(ctx, dist, container.LocalOptionsFromEnv())
	if err != nil {
		return nil, err
	}
	ready, err := localReady(ctx, rt, reps)
	// Closed before the gradings, which start local runs of their own (one holds the ports).
	if cerr := rt.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	s15, _, err := gradeOn(img, dist, spec.DefaultSubmission, "@section-1,@section-2,@section-3,@section-4,@section-5")
	if err != nil {
		return nil, err
	}
	s6, _, err := gradeOn(img, dist, spec.DefaultSubmission, "@section-6 && ~@optional")
	if err != nil {
		return nil, err
	}
	s7, _, err := gradeOn(img, dist, spec.DefaultSubmission, "@section-7")
	if err != nil {
		return nil, err
	}
	return []row{
		{"local processes: single cluster ready", ready.Round(time.Millisecond).String(), "", true},
		{"  / ready in Docker", ratio(ready, dockerReady), "", true},
		{"local processes: grading sections 1-5", s15.Round(100 * time.Millisecond).String(), "", true},
		{"  / in Docker", ratio(s15, docker15), "", true},
		{"local processes: section 6, mandatory", s6.Round(100 * time.Millisecond).String(), "", true},
		{"  / in Docker", ratio(s6, docker6), "", true},
		{"local processes: section 7, whole", s7.Round(100 * time.Millisecond).String(), "", true},
		{"  / in Docker", ratio(s7, docker7), "", true},
	}, nil
}

// localReady is the median time a single cluster of local processes takes to be ready.
func localReady(ctx context.Context, rt *container.Runtime, reps int) (time.Duration, error) {
	img, err := cluster.InspectImage(ctx, rt, "")
	if err != nil {
		return 0, err
	}
	var ready []time.Duration
	for range reps {
		start := time.Now()
		c, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
		if err != nil {
			return 0, err
		}
		ready = append(ready, time.Since(start))
		if err := c.Close(ctx); err != nil {
			return 0, err
		}
	}
	return median(ready), nil
}

// gradeReference grades the bundled reference submission on sections 1-5 as `make spec` does,
// clusters' start included, and counts the lab tool containers it ran. It also times one tool
// run on its own (container start plus JVM start, `kafka-topics.sh --version`), the unit that
// grading cannot avoid paying per command.
func gradeReference(ctx context.Context, rt *container.Runtime, img cluster.Image, reps int) (time.Duration, int64, time.Duration, time.Duration, error) {
	grading, clients, err := grade(img, spec.DefaultSubmission, "@section-1,@section-2,@section-3,@section-4,@section-5")
	if err != nil {
		return 0, 0, 0, 0, err
	}
	c, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
	if err != nil {
		return 0, 0, 0, 0, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	var tool, java []time.Duration
	for range reps {
		t, _, _, err := toolRun(ctx, c, "bin/kafka-topics.sh", "--bootstrap-server", "localhost:9092", "--list")
		if err != nil {
			return 0, 0, 0, 0, err
		}
		tool = append(tool, t)
		if t, _, _, err = toolRun(ctx, c, "java", "-version"); err != nil {
			return 0, 0, 0, 0, err
		}
		java = append(java, t)
	}
	return grading, clients, median(tool), median(java), nil
}

// kafkaChecks times the scenarios that check Kafka itself, which a class runs once.
func kafkaChecks(img cluster.Image) (time.Duration, error) {
	start := time.Now()
	g, err := spec.Grade(spec.Options{KafkaChecks: true, Image: img.Ref, Format: "progress"})
	if err != nil {
		return 0, err
	}
	if k := grading.KafkaChecksOf(img.Ref, g.Scenarios, time.Since(start)); !k.OK() {
		return 0, fmt.Errorf("%s", k)
	}
	return time.Since(start), nil
}

// grade runs the scenarios of tags for a submission, with a suite of its own (clusters started
// and removed within), and returns the wall time and the lab tool containers it ran. Every
// scenario must pass (or be skipped for the Kafka version).
func grade(img cluster.Image, submission, tags string) (time.Duration, int64, error) {
	return gradeOn(img, "", submission, tags)
}

// gradeOneLane is grade of every section with section 6 run after the others, not beside them.
func gradeOneLane(img cluster.Image, submission string) (time.Duration, error) {
	took, _, err := timed(spec.Options{Submission: submission, Image: img.Ref, OneLane: true})
	return took, err
}

// gradeOn is grade in Docker (dist "") or on local processes from dist.
func gradeOn(img cluster.Image, dist, submission, tags string) (time.Duration, int64, error) {
	return timed(spec.Options{Submission: submission, Image: img.Ref, Dist: dist, Tags: tags})
}

// timed grades as o says, with the progress formatter, and returns the wall time and the lab
// tool containers it ran; a scenario that neither passed nor was skipped is an error.
func timed(o spec.Options) (time.Duration, int64, error) {
	o.Format = "progress"
	start := time.Now()
	g, err := spec.Grade(o)
	elapsed := time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	failed := 0
	for _, sc := range g.Scenarios {
		if sc.Status != grading.Passed && sc.Status != grading.Skipped {
			fmt.Fprintf(os.Stderr, "%s: %s\n", sc.Name, sc.Output)
			failed++
		}
	}
	if failed > 0 {
		tags := o.Tags
		if tags == "" {
			tags = "every section"
		}
		if o.OneLane {
			tags += ", in one lane"
		}
		return 0, 0, fmt.Errorf("%s failed %d scenario(s) of %s", o.Submission, failed, tags)
	}
	return elapsed, g.ToolRuns, nil
}

type batchResult struct {
	n, workers int
	many       time.Duration
	cpu        time.Duration // the machine's CPU meanwhile
}

// busy is the share of the cores' time the batch used: under 100%, a batch waits on the lab's
// clock (a program's seconds, a broker's start), which more workers could fill.
func (b batchResult) busy() string {
	return fmt.Sprintf("%.0f%%", 100*float64(b.cpu)/(float64(b.many)*float64(runtime.NumCPU())))
}

// batchThroughput grades a class of six submissions, whole, with cmd/grade and the default
// workers: three each for two workers, so that a worker's clusters serve more than one.
func batchThroughput(ctx context.Context, img cluster.Image) (batchResult, error) {
	r := batchResult{n: 6, workers: grading.DefaultWorkers(cluster.MachineMemory())}
	tmp, err := os.MkdirTemp("", "kafka-lab-bench-batch-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(tmp)
	class := filepath.Join(tmp, "class")
	for i, name := range []string{"reference", "exactly-once", "wrong-partitions", "too-slow", "syntax-error", "reference"} {
		if err := os.CopyFS(filepath.Join(class, fmt.Sprintf("%d-%s", i, name)), os.DirFS(filepath.Join("testdata/submissions", name))); err != nil {
			return r, err
		}
	}
	bin := filepath.Join(tmp, "grade")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/grade").CombinedOutput(); err != nil {
		return r, fmt.Errorf("build cmd/grade: %w\n%s", err, out)
	}
	// The class's Kafka checks are timed on their own (kafkaChecks): a class pays them once.
	cpu0, err := hostCPU()
	if err != nil {
		return r, err
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, "batch", "-workers", fmt.Sprint(r.workers), "-no-kafka-checks",
		"-out", filepath.Join(tmp, "out"), class)
	cmd.Env = append(os.Environ(), "KAFKA_LAB_IMAGE="+img.Ref)
	if out, err := cmd.CombinedOutput(); err != nil {
		return r, fmt.Errorf("batch with %d worker(s): %w\n%s", r.workers, err, out)
	}
	r.many = time.Since(start)
	cpu1, err := hostCPU()
	r.cpu = cpu1 - cpu0
	return r, err
}

// sandboxStart times a student program from the sandbox's start to its first message in Kafka
// (python3, import kafka, a connection, a send), against a plain `python3 -c pass` on the host.
func sandboxStart(ctx context.Context, rt *container.Runtime, img cluster.Image, reps int) (time.Duration, time.Duration, error) {
	c, err := cluster.Start(ctx, rt, cluster.Single, img, cluster.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	if err := c.Kafka().CreateTopic(ctx, "bench", 1, 1); err != nil {
		return 0, 0, err
	}
	dir, err := os.MkdirTemp("", "kafka-lab-bench-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(dir)
	prog := "from kafka import KafkaProducer\nimport time\np = KafkaProducer(bootstrap_servers='localhost:9092')\np.send('bench', b'1', partition=0)\np.flush()\nwhile True:\n    time.sleep(1)\n"
	if err := os.WriteFile(dir+"/first.py", []byte(prog), 0o644); err != nil {
		return 0, 0, err
	}
	var boxed, plain []time.Duration
	for i := range reps {
		start := time.Now()
		p, err := sandbox.Start(ctx, c, dir, "first.py")
		if err != nil {
			return 0, 0, err
		}
		err = wait.Until(ctx, "the program's first message", time.Minute, 20*time.Millisecond, func(ctx context.Context) (bool, string, error) {
			if perr := p.Problem(ctx); perr != nil {
				return false, "", fmt.Errorf("%w: %w", wait.ErrStop, perr)
			}
			ends, err := c.Kafka().EndOffsets(ctx, "bench")
			return ends[0] > int64(i), "", err
		})
		boxed = append(boxed, time.Since(start))
		_ = p.Stop(ctx)
		if err != nil {
			return 0, 0, err
		}
		start = time.Now()
		if out, err := exec.CommandContext(ctx, "python3", "-c", "pass").CombinedOutput(); err != nil {
			return 0, 0, fmt.Errorf("python3: %w: %s", err, out)
		}
		plain = append(plain, time.Since(start))
	}
	return median(boxed), median(plain), nil
}

// bareDockerRun times `docker run` of the image, as a user would type it, until the broker
// answers a Kafka request on the published port (docker's proxy accepts connections at once, so
// a TCP connect proves nothing).
func bareDockerRun(ctx context.Context, rt *container.Runtime, image string) (time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return 0, err
	}
	name := fmt.Sprintf("kafka-lab-%s-bare", rt.RunID)
	// The run's labels, so that a Ctrl-C or the next run's sweep removes it like the others.
	args := []string{"run", "-d", "--name", name, "-p", fmt.Sprintf("127.0.0.1:%d:9092", port)}
	for k, v := range rt.Labels() {
		args = append(args, "--label", k+"="+v)
	}
	start := time.Now()
	out, err := exec.CommandContext(ctx, "docker", append(args, image)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%w: %s", err, out)
	}
	defer exec.Command("docker", "rm", "-f", name).Run()
	err = wait.Until(ctx, "an ApiVersions answer on the published port", time.Minute, 20*time.Millisecond,
		func(context.Context) (bool, string, error) {
			b := sarama.NewBroker(fmt.Sprintf("127.0.0.1:%d", port))
			cfg := sarama.NewConfig() // the harness's timeouts: a refused connection is tried again soon
			cfg.Net.DialTimeout, cfg.Net.ReadTimeout, cfg.Net.WriteTimeout = 2*time.Second, 10*time.Second, 10*time.Second
			if err := b.Open(cfg); err != nil {
				return false, "", err
			}
			defer b.Close()
			_, err := b.ApiVersions(&sarama.ApiVersionsRequest{Version: 0})
			return err == nil, "", err
		})
	return time.Since(start), err
}

// workload gives Reset something to delete: three topics and a committed consumer group.
func workload(ctx context.Context, c *cluster.Cluster) error {
	for _, t := range []string{"my_first_topic", "transactions", "balance"} {
		if err := c.Kafka().CreateTopic(ctx, t, 10, 1); err != nil {
			return err
		}
	}
	return c.Kafka().CommitOffset(ctx, "my_group", "my_first_topic", 0, 0)
}

// peakMemory is the container's peak memory use, where its engine reports one (Docker on cgroup
// v1); the current use stands in where it does not (cgroup v2).
func peakMemory(ctx context.Context, ctr *container.Container) (uint64, error) {
	st, err := ctr.Stats(ctx)
	if err != nil {
		return 0, err
	}
	if st.PeakMemory > 0 {
		return st.PeakMemory, nil
	}
	return st.Memory, nil
}

// hostCPU is the CPU time the machine has spent so far, all processes and the kernel's work for
// them (/proc/stat: user, nice, system, irq, softirq), in USER_HZ ticks of 10 ms.
func hostCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, fmt.Errorf("the machine's CPU time: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0, fmt.Errorf("the machine's CPU time: /proc/stat begins %q", line)
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7} {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("the machine's CPU time: /proc/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ratio(a, b time.Duration) string {
	return strconv.FormatFloat(float64(a)/float64(b), 'f', 2, 64) + "x"
}

func mib(b uint64) string { return fmt.Sprintf("%d MiB", b>>20) }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
