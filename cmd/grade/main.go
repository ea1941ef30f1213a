// Command grade grades lab submissions and writes the reports instructors load.
//
//	grade [flags] SUBMISSION     one submission: the spec's output on the console, reports in -out
//	grade -batch [flags] CLASS   every submission folder under CLASS, -workers at a time
//	grade -kafka-checks [flags]  the scenarios that check Kafka itself (@kafka-only), no submission
//
// A batch grades with -workers worker processes (grade -worker, fed by the batch on stdin, see
// grading.Serve), each grading one submission after another on clusters it keeps while they
// are as fresh (cluster.Reusable); a worker past a submission's -timeout is stopped and
// replaced.
//
// Reports of a submission: results.json (Gradescope), classroom.json and classroom.b64 (GitHub
// Classroom's runner result), cucumber.json, junit.xml, summary.txt and score.json. A batch
// adds grades.csv and a summary table; run again, it grades only what is not done yet.
//
// A submission's grading leaves out the scenarios that check Kafka itself (section 7's acks
// table and durability run): they are the same for everyone, so a batch runs them once, after
// the class, and says how they ended under the table (kafka-checks.json in .kafka-checks/).
//
// Kafka runs in Docker, or with -dist (KAFKA_LAB_DIST) as local processes from a distribution
// folder: how the Gradescope bundle (gradescope/) grades where there is no Docker engine.
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/spec"
)

func main() {
	var (
		batch    = flag.Bool("batch", false, "grade every submission folder under the given folder")
		out      = flag.String("out", "grades", "the reports' folder (a batch: one subfolder per submission)")
		tags     = flag.String("tags", "", "grade only these scenarios (godog tag expression, e.g. @section-2)")
		workers  = flag.Int("workers", grading.DefaultWorkers(cluster.MachineMemory()), "batch: submissions graded at a time")
		timeout  = flag.Duration("timeout", 15*time.Minute, "time limit of one submission's grading: past it, it is stopped and is no grade")
		sameUser = flag.Bool("local-same-user", false, "-dist when not root: run the submission's programs and commands as this user (they can read and change its files)")
		quiet    = flag.Bool("quiet", false, "no spec output on the console, only the score")
		noChecks = flag.Bool("no-kafka-checks", false, "batch: do not run the Kafka checks after the class")
		checks   = flag.Bool("kafka-checks", false, "run the scenarios that check Kafka itself (@kafka-only) instead of grading a submission")
		dist     = flag.String("dist", os.Getenv("KAFKA_LAB_DIST"), "run Kafka and the submission as local processes from this distribution folder (harness/image/dist.sh), without Docker")
		worker   = flag.Bool("worker", false, "a batch's worker: grade the submissions the batch writes on stdin, one after another with the same clusters (see grading.Serve)")
	)
	flag.StringVar(&featuresDir, "features", "features", "the spec's features folder")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: grade [flags] SUBMISSION\n       grade -batch [flags] CLASS_FOLDER\n       grade -kafka-checks [flags]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 && !*checks && !*worker {
		flag.Usage()
		os.Exit(2)
	}
	if *sameUser {
		os.Setenv(container.SameUserEnv, "1") // read by container.NewLocal, here and in a batch's children
	}
	if *dist != "" {
		// The suite (and a batch's children) read it from the environment.
		os.Setenv("KAFKA_LAB_DIST", *dist)
		if *batch && *workers > 1 {
			// Local processes share the machine's lab ports: one grading at a time.
			fmt.Fprintf(os.Stderr, "grade: -dist: one submission at a time (local Kafka processes share the lab's ports)\n")
			*workers = 1
		}
	}
	if *checks {
		if *batch || flag.NArg() != 0 {
			fmt.Fprintf(os.Stderr, "grade: -kafka-checks grades no submission: give it no folder and no -batch\n")
			os.Exit(2)
		}
		if err := runKafkaChecks(*out, *tags, *quiet, *timeout); err != nil {
			fmt.Fprintf(os.Stderr, "grade: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *worker {
		if err := runWorker(*tags); err != nil {
			fmt.Fprintf(os.Stderr, "grade: %v\n", err)
			os.Exit(1)
		}
		return
	}
	var err error
	if *batch {
		err = runBatch(flag.Arg(0), *out, *tags, *workers, *timeout, *noChecks)
	} else {
		err = gradeOne(flag.Arg(0), *out, *tags, *quiet, *timeout)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "grade: %v\n", err)
		os.Exit(1)
	}
}

var featuresDir string

func gradeOne(submission, out, tags string, quiet bool, timeout time.Duration) error {
	if _, err := os.Stat(submission); err != nil {
		return fmt.Errorf("submission: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	name := filepath.Base(filepath.Clean(submission))
	// A grading that outlives its deadline is stopped as Ctrl-C stops it (the suite removes its
	// containers and exits), after its reports say that it is no grade.
	start := time.Now()
	graded, err := gradeWithin(spec.Options{Submission: submission, Tags: tags}, out, quiet, timeout, func() {
		rec := grading.Record{Student: name, Status: grading.Timeout, Seconds: timeout.Seconds(),
			Error: fmt.Sprintf("not done within %v: stopped", timeout)}
		if err := grading.WriteUnfinished(out, rec); err != nil {
			fmt.Fprintf(os.Stderr, "grade: %v\n", err)
		}
		fmt.Fprintf(os.Stderr, "grade: %s: %s\n", name, rec.Error)
	}, submission+" not graded")
	if err != nil {
		return err
	}
	scenarios := graded.Scenarios
	rec := grading.RecordOf(name, scenarios, time.Since(start))
	if err := grading.WriteReports(out, scenarios, rec); err != nil {
		return err
	}
	fmt.Printf("\n%s: %s\nreports in %s\n", name, grading.Summary(grading.Tally(scenarios)), out)
	return nil
}

func runBatch(dir, out, tags string, workers int, timeout time.Duration, skipChecks bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := grading.Batch{Dir: dir, Out: out, Workers: workers, Timeout: timeout, Log: os.Stderr,
		Worker: func() *exec.Cmd {
			args := []string{"-worker", "-features", featuresDir}
			if tags != "" {
				args = append(args, "-tags", tags)
			}
			return exec.Command(self, args...)
		}}
	if st, err := os.Stat(dir); err == nil && os.Getenv("KAFKA_LAB_DIST") != "" && st.Mode().Perm()&0o005 != 0 {
		// Local processes share the machine's files: a student's program could read the
		// others' submissions through a folder open to everyone.
		fmt.Fprintf(os.Stderr, "grade: warning: %s is open to every user (mode %v): with local processes a student's program could read the other submissions; chmod 700 it\n", dir, st.Mode().Perm())
	}
	fmt.Fprintf(os.Stderr, "grading %s with %d worker(s), %v each at most; reports in %s\n", dir, workers, timeout, out)
	start := time.Now()
	records, err := b.Run(ctx)
	fmt.Println()
	if terr := grading.WriteTable(os.Stdout, records); terr != nil {
		return terr
	}
	fmt.Printf("\n%d submission(s) in %v; %s\n", len(records), time.Since(start).Round(time.Second), filepath.Join(out, grading.CSVFile))
	if err != nil || skipChecks {
		return err
	}
	// After the class: the students' grades do not wait for them, and they need the machine's
	// cores to themselves no more than a grading does.
	k, err := classKafkaChecks(ctx, self, out, tags, timeout)
	if err != nil {
		fmt.Printf("Kafka itself: %v\n", err)
		return nil
	}
	fmt.Println(k)
	return nil
}

// runKafkaChecks runs the scenarios that check Kafka itself, which need no submission, and
// writes how they ended into out. It fails when one of them did not pass.
func runKafkaChecks(out, tags string, quiet bool, timeout time.Duration) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	graded, err := gradeWithin(spec.Options{KafkaChecks: true, Tags: tags}, out, quiet, timeout, func() {
		fmt.Fprintf(os.Stderr, "grade: the Kafka checks were not done within %v: stopped\n", timeout)
	}, "the Kafka checks did not finish")
	if err != nil {
		return err
	}
	k := grading.KafkaChecksOf(checksKey(tags), graded.Scenarios, time.Since(start))
	if err := grading.WriteKafkaChecks(out, k); err != nil {
		return err
	}
	fmt.Printf("\n%s\n", k)
	if !k.OK() {
		return errors.New("the Kafka checks did not all pass")
	}
	return nil
}

// runWorker grades the jobs a batch gives on stdin (grading.Serve), one after another with the
// same clusters, and answers on stdout. The batch stops it past a submission's time limit.
func runWorker(tags string) error {
	answers := os.Stdout
	os.Stdout = os.Stderr // nothing else may write between the answers
	g := spec.NewGrader(spec.Options{Tags: tags, Paths: []string{featuresDir}, Notes: os.Stderr})
	err := grading.Serve(os.Stdin, answers, func(job grading.Job) error {
		start := time.Now()
		graded, err := g.Grade(job.Submission, fmt.Sprintf("progress,cucumber:%s", filepath.Join(job.Out, "cucumber.json")))
		if container.Interrupted() {
			select {} // the suite removes its containers and exits (container.CloseOnSignal)
		}
		if err != nil {
			return err
		}
		name := filepath.Base(filepath.Clean(job.Submission))
		rec := grading.RecordOf(name, graded.Scenarios, time.Since(start))
		if err := grading.WriteReports(job.Out, graded.Scenarios, rec); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, grading.Summary(grading.Tally(graded.Scenarios))) // its grade.log
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return errors.Join(err, g.Close(ctx))
}

// gradeWithin runs a grading of the features with cucumber.json written into out, and the
// console and progress shown unless quiet. Past timeout, timedOut says so and the process is
// stopped as Ctrl-C stops it; an interrupted run (the suite removes its containers) says that
// interrupted was not done, and exits. It returns only when the grading is whole.
func gradeWithin(o spec.Options, out string, quiet bool, timeout time.Duration, timedOut func(), interrupted string) (spec.Graded, error) {
	deadline := time.AfterFunc(timeout, func() {
		timedOut()
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	})
	defer deadline.Stop()
	o.Output, o.Progress, o.Notes = io.Writer(os.Stdout), io.Writer(os.Stderr), os.Stderr
	if quiet {
		o.Output, o.Progress = io.Discard, nil
	}
	o.Paths = []string{featuresDir}
	o.Format = fmt.Sprintf("pretty,cucumber:%s", filepath.Join(out, "cucumber.json"))
	graded, err := spec.Grade(o)
	if container.Interrupted() {
		// The suite is removing its containers and exits when done (container.CloseOnSignal);
		// scenarios that ran meanwhile failed for want of Kafka: nothing here is a result.
		fmt.Fprintf(os.Stderr, "grade: interrupted: %s\n", interrupted)
		awaitCleanup()
		os.Exit(130)
	}
	if err != nil {
		return spec.Graded{}, err
	}
	if !deadline.Stop() {
		select {} // the deadline's SIGTERM ends the process
	}
	return graded, nil
}

// cleanupWait bounds how long an interrupted grading waits for the suite to remove its
// containers and exit the process: longer than container.CloseOnSignal gives the removal
// (30 s), so that only a removal that hangs is cut short.
const cleanupWait = time.Minute

// awaitCleanup waits while the suite removes its containers and then exits the process
// (container.CloseOnSignal), which ends the wait. It returns, for the caller to exit, when that
// takes longer than cleanupWait, or at once when a person presses Ctrl-C again: what is left is
// removed by the next run's sweep. A repeated SIGTERM does not cut it short: it comes from a
// program (a batch, the deadline), which kills the process itself when it stops waiting.
func awaitCleanup() {
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt)
	defer signal.Stop(again)
	timer := time.NewTimer(cleanupWait)
	defer timer.Stop()
	select {
	case <-again:
		fmt.Fprintf(os.Stderr, "grade: interrupted again: not waiting for the containers' removal; the next run removes what is left\n")
	case <-timer.C:
		fmt.Fprintf(os.Stderr, "grade: the containers were not removed within %v; the next run removes what is left\n", cleanupWait)
	}
}

// checksKey names what the Kafka checks' outcome depends on: the Kafka the harness runs (the
// image, or the local distribution), the features' text and the tag filter. A batch that finds
// a passing result with the same key does not run them again.
func checksKey(tags string) string {
	kafka := cluster.ImageFromEnv()
	if d := os.Getenv("KAFKA_LAB_DIST"); d != "" {
		kafka = "local:" + d
	}
	h := sha256.New()
	files, _ := filepath.Glob(filepath.Join(featuresDir, "*.feature"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	key := fmt.Sprintf("%s, features %x", kafka, h.Sum(nil)[:6])
	if tags != "" {
		key += ", tags " + tags
	}
	return key
}

// classKafkaChecks runs the Kafka checks once for a batch, in a child process as a submission
// is graded, unless an earlier run of the batch passed them on the same Kafka and features.
func classKafkaChecks(ctx context.Context, self, out, tags string, timeout time.Duration) (grading.KafkaChecks, error) {
	dir := filepath.Join(out, grading.KafkaChecksDir)
	if k, ok := grading.ReadKafkaChecks(dir); ok && k.OK() && k.Ran() && k.Image == checksKey(tags) {
		fmt.Fprintf(os.Stderr, "Kafka checks: passed before (%s), not run again\n", k.Finished)
		return k, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return grading.KafkaChecks{}, err
	}
	_ = os.Remove(filepath.Join(dir, grading.KafkaChecksFile))
	logf, err := os.Create(filepath.Join(dir, grading.LogFile))
	if err != nil {
		return grading.KafkaChecks{}, err
	}
	defer logf.Close()
	fmt.Fprintf(os.Stderr, "Kafka checks: running the @kafka-only scenarios once for the class\n")
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := []string{"-kafka-checks", "-quiet", "-out", dir, "-features", featuresDir, "-timeout", (timeout - timeout/10).String()}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.CommandContext(cctx, self, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	runErr := cmd.Run()
	if k, ok := grading.ReadKafkaChecks(dir); ok {
		return k, nil
	}
	return grading.KafkaChecks{}, fmt.Errorf("the Kafka checks did not finish (%v); see %s", runErr, filepath.Join(dir, grading.LogFile))
}
