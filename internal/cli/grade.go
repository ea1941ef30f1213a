package cli

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kafka-lab/kafka-lab/features"
	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/spec"
)

// grade's forms. The default grades one submission; the others are subcommands, each with its
// own flags. The batch's worker is a subcommand too, hidden: it speaks grading.Serve's protocol
// with the batch that starts it, and no one else.
const (
	gradeSubBatch       = "batch"
	gradeSubMerge       = "merge"
	gradeSubKafkaChecks = "kafka-checks"
	gradeSubWorker      = "worker"
)

const gradeUsage = `usage: %[1]s [flags] SUBMISSION
       %[1]s batch [flags] CLASS
       %[1]s merge [-class CLASS] -out DIR REPORTS...
       %[1]s kafka-checks [flags]

Grades one submission folder: the spec's output on the console, reports in -out. Or, with a
subcommand ("%[1]s SUBCOMMAND -help" lists its flags):
  batch          grade every submission folder under CLASS, -workers at a time
  merge          join report folders written by separate gradings into one class table
  kafka-checks   run the scenarios that check Kafka itself (@kafka-only), no submission
A submission folder named like a subcommand is graded as ./batch, ./merge, ...

Reports of a submission: results.json (Gradescope, rewritten as each scenario ends while it
runs), classroom.json and classroom.b64 (GitHub Classroom), prairielearn.json (PrairieLearn),
cucumber.json, junit.xml, summary.txt and score.json; a batch or a merge adds grades.csv,
index.html (the class report, for a browser) and a table. A batch run again grades only what is
not done yet. With $CG_JUNIT_XML_LOCATION set (CodeGrade), a submission's grading also writes
its JUnit XML there, unless it is no grade.

Exit status: 0 the reports are written, whatever the score (a grading that met a harness
error is written as no grade, with its reason: score.json's status says so); 1 they could not
be written, or a batch or merge left a submission without a grade; 2 usage; 130 interrupted.

Flags of grading one submission:
`

const gradeBatchUsage = `usage: %s [flags] CLASS

Grades every submission folder under CLASS, -workers at a time, each into its own folder of
-out, and writes the class's grades.csv and index.html (the class report, for a browser) there,
and a table on the console. Run again, it grades only what is not done yet. After the class it
runs the scenarios that check Kafka itself once (unless -no-kafka-checks or an earlier run
passed them on the same Kafka and features) and says how they ended under the table.

Exit status: 0 every submission has a grade, whatever the scores; 1 a submission was left
without one (the table says why), the batch was interrupted (run it again to go on), or the
reports could not be written; 2 usage.

Flags:
`

const gradeMergeUsage = `usage: %s [-class CLASS] -out DIR REPORTS...

Joins report folders, each written by a grading of one submission (a pod's, a CI job's), into
one class table: grades.csv and index.html in -out, the table on the console. With -class,
every entry of CLASS that is no submission folder (a link, a file) is listed as not graded,
with why.

Exit status: 0 every submission has a grade; 1 one has none (the table says why), or the
reports could not be written; 2 usage.

Flags:
`

const gradeKafkaChecksUsage = `usage: %s [flags]

Runs the scenarios that check Kafka itself (@kafka-only: section 7's acks table and durability
run), which are the same for every submission and need none, and writes how they ended into
-out (kafka-checks.json). A batch runs them once after its class.

Exit status: 0 every one passed; 1 one did not, or the report could not be written; 2 usage;
130 interrupted.

Flags:
`

// gradeCmd is `kafka-lab grade` (and cmd/grade): its flags and how the process calls itself
// again for a batch's workers and Kafka checks.
type gradeCmd struct {
	// name is the command as the user called it ("kafka-lab grade"): its errors say it.
	name string
	// self is the command that runs this grade again: the executable and the arguments before
	// grade's ("grade" for kafka-lab).
	self     []string
	features string // the features' folder on disk; "" for those built in
	// dist runs Kafka and the submission as local processes from this distribution ("": in
	// Docker), and sameUser lets them run as this user when it is not root: both given to the
	// suite as spec.Options and to a batch's children as flags, never through the environment.
	dist     string
	sameUser bool
}

// Grade runs the grade command with args (what follows "grade"), prefix being the arguments
// that select it in this executable, and returns the exit status.
func Grade(name string, prefix, args []string) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return (&gradeCmd{name: name, self: append([]string{self}, prefix...)}).run(args)
}

// run parses args, the old spellings of the forms included (see legacyGradeArgs), and runs the
// form they name.
func (c *gradeCmd) run(args []string) int {
	args, legacy, err := legacyGradeArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", c.name, err)
		return 2
	}
	form := (*gradeCmd).oneFlags
	if len(args) > 0 && gradeSubcommands[args[0]] != nil {
		form, args = gradeSubcommands[args[0]], args[1:]
	}
	flags, do := form(c, c.name)
	if legacy {
		// What the old flag soup accepted and ignored, it still accepts, and says it ignores.
		var unused []string
		args, unused = dropUnusedGradeFlags(flags, args)
		for _, f := range unused {
			fmt.Fprintf(stderr, "%s: -%s is not used here: ignored\n", c.name, f)
		}
	}
	if err := flags.Parse(args); err != nil {
		return exitUsage(err)
	}
	return do()
}

// gradeForm makes a form's flag set, and what runs the form once they are parsed.
type gradeForm func(c *gradeCmd, name string) (*flag.FlagSet, func() int)

// gradeSubcommands are the forms other than the default one (oneFlags, one submission).
var gradeSubcommands = map[string]gradeForm{
	gradeSubBatch:       (*gradeCmd).batchFlags,
	gradeSubMerge:       (*gradeCmd).mergeFlags,
	gradeSubKafkaChecks: (*gradeCmd).kafkaChecksFlags,
	gradeSubWorker:      (*gradeCmd).workerFlags,
}

// newGradeFlags is a form's flag set, whose -help prints usage (with the form's name) and
// the form's flags.
func newGradeFlags(name, usage string) *flag.FlagSet {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintf(stderr, usage, name)
		flags.PrintDefaults()
	}
	return flags
}

// specFlags are the flags of every form that runs the spec: which features, and where Kafka
// runs. A batch passes them on to its children (args). (Flags of the spec's runs, such as one
// that keeps a failed scenario's containers, belong here.)
func (c *gradeCmd) specFlags(flags *flag.FlagSet) {
	flags.StringVar(&c.features, "features", "", "grade with the features of this folder instead of those built in")
	flags.StringVar(&c.dist, "dist", os.Getenv("KAFKA_LAB_DIST"), "run Kafka and the submission as local processes from this distribution folder (harness/image/dist.sh), without Docker")
	flags.BoolVar(&c.sameUser, "local-same-user", container.LocalOptionsFromEnv().SameUser, "-dist when not root: run the submission's programs and commands as this user (they can read and change its files)")
}

// The flags that more than one form has, each worded once.
func outFlag(flags *flag.FlagSet, usage string) *string { return flags.String("out", "grades", usage) }
func tagsFlag(flags *flag.FlagSet) *string {
	return flags.String("tags", "", "grade only these scenarios (godog tag expression, e.g. @section-2)")
}
func timeoutFlag(flags *flag.FlagSet, usage string) *time.Duration {
	return flags.Duration("timeout", 15*time.Minute, usage)
}
func quietFlag(flags *flag.FlagSet) *bool {
	return flags.Bool("quiet", false, "no spec output on the console, only the score")
}

// oneFlags is the default form: `grade [flags] SUBMISSION`.
func (c *gradeCmd) oneFlags(name string) (*flag.FlagSet, func() int) {
	flags := newGradeFlags(name, gradeUsage)
	out := outFlag(flags, "the reports' folder")
	tags := tagsFlag(flags)
	timeout := timeoutFlag(flags, "time limit of the grading: past it, it is stopped and is no grade")
	quiet := quietFlag(flags)
	pl := flags.String("prairielearn", "", "also write PrairieLearn's results.json to this file (its external grader reads /grade/results/results.json)")
	c.specFlags(flags)
	return flags, func() int {
		if flags.NArg() != 1 {
			flags.Usage()
			return 2
		}
		// CodeGrade's runner says where it wants the JUnit XML in the environment.
		return exit(c.name, c.gradeOne(flags.Arg(0), *out, *tags, *pl, os.Getenv(grading.CodeGradeEnv), *quiet, *timeout))
	}
}

// batchFlags is `grade batch [flags] CLASS`.
func (c *gradeCmd) batchFlags(name string) (*flag.FlagSet, func() int) {
	flags := newGradeFlags(name+" "+gradeSubBatch, gradeBatchUsage)
	out := outFlag(flags, "the reports' folder: one subfolder per submission, and the class's reports")
	tags := tagsFlag(flags)
	timeout := timeoutFlag(flags, "time limit of one submission's grading: past it, it is stopped and is no grade")
	workers := flags.Int("workers", grading.DefaultWorkers(cluster.MachineMemory()), "submissions graded at a time")
	noChecks := flags.Bool("no-kafka-checks", false, "do not run the Kafka checks after the class")
	c.specFlags(flags)
	return flags, func() int {
		if flags.NArg() != 1 {
			flags.Usage()
			return 2
		}
		if c.dist != "" && *workers > 1 {
			// Local processes share the machine's lab ports: one grading at a time.
			fmt.Fprintf(stderr, "%s: -dist: one submission at a time (local Kafka processes share the lab's ports)\n", c.name)
			*workers = 1
		}
		return exit(c.name, c.runBatch(flags.Arg(0), *out, *tags, *workers, *timeout, *noChecks))
	}
}

// mergeFlags is `grade merge [-class CLASS] -out DIR REPORTS...`.
func (c *gradeCmd) mergeFlags(name string) (*flag.FlagSet, func() int) {
	flags := newGradeFlags(name+" "+gradeSubMerge, gradeMergeUsage)
	out := outFlag(flags, "the class's reports' folder")
	class := flags.String("class", "", "the class folder graded; each of its entries that is not a submission folder (a link, a file) is listed as not graded, with why")
	return flags, func() int {
		if flags.NArg() == 0 {
			fmt.Fprintf(stderr, "%s: merge joins report folders: give it one or more\n", c.name)
			return 2
		}
		return exit(c.name, c.runMerge(*out, *class, flags.Args()))
	}
}

// kafkaChecksFlags is `grade kafka-checks [flags]`.
func (c *gradeCmd) kafkaChecksFlags(name string) (*flag.FlagSet, func() int) {
	flags := newGradeFlags(name+" "+gradeSubKafkaChecks, gradeKafkaChecksUsage)
	out := outFlag(flags, "the folder of their report")
	tags := flags.String("tags", "", "run only these of them (godog tag expression, e.g. @section-7)")
	timeout := timeoutFlag(flags, "time limit: past it, they are stopped")
	quiet := quietFlag(flags)
	c.specFlags(flags)
	return flags, func() int {
		if flags.NArg() != 0 {
			fmt.Fprintf(stderr, "%s: kafka-checks grades no submission: give it no folder\n", c.name)
			return 2
		}
		return exit(c.name, c.runKafkaChecks(*out, *tags, *quiet, *timeout))
	}
}

// workerFlags is the batch's worker, `grade worker [flags]`, in no help: it grades what the
// batch writes on its stdin (grading.Serve) and answers on its stdout.
func (c *gradeCmd) workerFlags(name string) (*flag.FlagSet, func() int) {
	flags := newGradeFlags(name+" "+gradeSubWorker, "usage: %s [flags]\n\nA batch's worker: only a batch runs it.\n\nFlags:\n")
	tags := tagsFlag(flags)
	c.specFlags(flags)
	return flags, func() int {
		if st, err := os.Stdin.Stat(); flags.NArg() != 0 || (err == nil && st.Mode()&os.ModeCharDevice != 0) {
			// A terminal (or /dev/null), not a batch's pipe: most likely a person grading a
			// folder named worker.
			fmt.Fprintf(stderr, "%s: %s is a batch's own worker, which reads its jobs on stdin; to grade a folder named %[2]s, give it as ./%[2]s\n", c.name, gradeSubWorker)
			return 2
		}
		return exit(c.name, c.runWorker(*tags))
	}
}

// args are the arguments that run the grade subcommand sub again, with the same features and
// Kafka, then more.
func (c *gradeCmd) args(sub string, more ...string) []string {
	args := append(append([]string{}, c.self[1:]...), sub)
	if c.features != "" {
		args = append(args, "-features", c.features)
	}
	if c.dist != "" {
		args = append(args, "-dist", c.dist)
	}
	if c.sameUser {
		args = append(args, "-local-same-user")
	}
	return append(args, more...)
}

// options are o with what the command was told of the features and where Kafka runs.
func (c *gradeCmd) options(o spec.Options) spec.Options {
	o.Paths, o.Dist, o.SameUser = c.paths(), c.dist, c.sameUser
	return o
}

// paths are spec.Options.Paths: nil for the features built in.
func (c *gradeCmd) paths() []string {
	if c.features == "" {
		return nil
	}
	return []string{c.features}
}

// featuresFS returns the file system and folder of the features graded.
func (c *gradeCmd) featuresFS() (fs.FS, string) {
	if c.features == "" {
		return features.FS, features.Dir
	}
	return os.DirFS(c.features), "."
}

// runMerge joins report folders, each written by one grading (a pod's, a matrix job's), into
// one class table and grades.csv in out. With class set, the entries of the class folder that
// are no submission folder are listed too, as a batch lists them (grading.Submissions). It
// fails when a submission has no grade: the table says why.
func (c *gradeCmd) runMerge(out, class string, dirs []string) error {
	records, err := grading.Merge(dirs)
	if err != nil {
		return err
	}
	if class != "" {
		_, others, err := grading.Submissions(class)
		if err != nil {
			return err
		}
		for _, o := range others {
			records = append(records, o.Record())
		}
		slices.SortFunc(records, func(a, b grading.Record) int { return strings.Compare(a.Student, b.Student) })
	}
	if err := grading.ReportDir(out); err != nil {
		return err
	}
	if err := grading.WriteClassCSV(out, records); err != nil {
		return err
	}
	if err := grading.WriteClassReport(out, records, grading.ReportFolders(dirs)); err != nil {
		return err
	}
	if err := grading.WriteTable(stdout, records); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d submission(s); %s, %s\n", len(records), filepath.Join(out, grading.CSVFile), filepath.Join(out, grading.IndexFile))
	missing := 0
	for _, r := range records {
		if !r.Done() {
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("%d of %d submission(s) not graded: the table says why", missing, len(records))
	}
	return nil
}

// gradeOne grades one submission into out, PrairieLearn's results into pl and CodeGrade's
// JUnit XML into codeGrade, each unless it is "". While it runs, results.json in out says what
// has been graded so far (grading.Progress).
func (c *gradeCmd) gradeOne(submission, out, tags, pl, codeGrade string, quiet bool, timeout time.Duration) error {
	if _, err := os.Stat(submission); err != nil {
		return fmt.Errorf("submission: %w", err)
	}
	if err := grading.ReportDir(out); err != nil {
		return err
	}
	name := filepath.Base(filepath.Clean(submission))
	progress := grading.NewProgress(out)
	o := spec.Options{Submission: submission, Tags: tags, OnScenario: func(sc grading.Scenario) {
		if container.Interrupted() {
			// The suite is removing its containers: what ends now failed for want of Kafka.
			progress.Stop()
			return
		}
		progress.Ended(sc)
	}}
	// A grading that outlives its deadline is stopped as Ctrl-C stops it (the suite removes its
	// containers and exits), after its reports say that it is no grade.
	start := time.Now()
	graded, err := c.gradeWithin(o, out, quiet, timeout, func() {
		rec := grading.Record{Student: name, Status: grading.Timeout, Seconds: timeout.Seconds(),
			Error: fmt.Sprintf("not done within %v: stopped", timeout)}
		err := progress.Unfinished(rec)
		if pl != "" {
			err = errors.Join(err, grading.WritePrairieLearn(pl, grading.PrairieLearnNotGradable(grading.Unfinished(rec))))
		}
		if err != nil {
			fmt.Fprintf(stderr, "grade: %v\n", err)
		}
		fmt.Fprintf(stderr, "grade: %s: %s\n", name, rec.Error)
	}, submission+" not graded")
	progress.Stop()
	if err != nil {
		return err
	}
	if err := progress.Err(); err != nil {
		fmt.Fprintf(stderr, "grade: while grading: %v\n", err) // the final reports replace it
	}
	scenarios := graded.Scenarios
	rec := grading.RecordOf(name, scenarios, time.Since(start))
	if err := grading.WriteReports(out, scenarios, rec); err != nil {
		return err
	}
	if pl != "" {
		if err := grading.WritePrairieLearn(pl, grading.ToPrairieLearn(scenarios)); err != nil {
			return err
		}
	}
	if codeGrade != "" {
		switch err := grading.WriteCodeGrade(codeGrade, scenarios); {
		case errors.Is(err, grading.ErrNotGraded):
			fmt.Fprintf(stdout, "CodeGrade: %v\n", err) // the step's output, which students and instructors see
		case err != nil:
			return err
		}
	}
	fmt.Fprintf(stdout, "\n%s: %s\nreports in %s\n", name, grading.Summary(grading.Tally(scenarios)), out)
	return nil
}

func (c *gradeCmd) runBatch(dir, out, tags string, workers int, timeout time.Duration, skipChecks bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := grading.Batch{Dir: dir, Out: out, Workers: workers, Timeout: timeout, Log: stderr,
		Worker: func() *exec.Cmd {
			args := c.args(gradeSubWorker)
			if tags != "" {
				args = append(args, "-tags", tags)
			}
			return exec.Command(c.self[0], args...)
		}}
	if st, err := os.Stat(dir); err == nil && c.dist != "" && st.Mode().Perm()&0o005 != 0 {
		// Local processes share the machine's files: a student's program could read the
		// others' submissions through a folder open to everyone.
		fmt.Fprintf(stderr, "grade: warning: %s is open to every user (mode %v): with local processes a student's program could read the other submissions; chmod 700 it\n", dir, st.Mode().Perm())
	}
	fmt.Fprintf(stderr, "grading %s with %d worker(s), %v each at most; reports in %s\n", dir, workers, timeout, out)
	start := time.Now()
	records, err := b.Run(ctx)
	// Also for an interrupted batch: the page shows what is done.
	err = errors.Join(err, grading.WriteClassReport(out, records, nil))
	fmt.Fprintln(stdout)
	if terr := grading.WriteTable(stdout, records); terr != nil {
		return terr
	}
	fmt.Fprintf(stdout, "\n%d submission(s) in %v; %s, %s\n", len(records), time.Since(start).Round(time.Second),
		filepath.Join(out, grading.CSVFile), filepath.Join(out, grading.IndexFile))
	if err != nil || skipChecks {
		return err
	}
	// After the class: the students' grades do not wait for them, and they need the machine's
	// cores to themselves no more than a grading does.
	k, err := c.classKafkaChecks(ctx, out, tags, timeout)
	if err != nil {
		fmt.Fprintf(stdout, "Kafka itself: %v\n", err)
	} else {
		fmt.Fprintln(stdout, k)
	}
	// Again, with the Kafka checks' result as they left it.
	return grading.WriteClassReport(out, records, nil)
}

// runKafkaChecks runs the scenarios that check Kafka itself, which need no submission, and
// writes how they ended into out. It fails when one of them did not pass.
func (c *gradeCmd) runKafkaChecks(out, tags string, quiet bool, timeout time.Duration) error {
	if err := grading.ReportDir(out); err != nil {
		return err
	}
	start := time.Now()
	graded, err := c.gradeWithin(spec.Options{KafkaChecks: true, Tags: tags}, out, quiet, timeout, func() {
		fmt.Fprintf(stderr, "grade: the Kafka checks were not done within %v: stopped\n", timeout)
	}, "the Kafka checks did not finish")
	if err != nil {
		return err
	}
	k := grading.KafkaChecksOf(c.checksKey(tags), graded.Scenarios, time.Since(start))
	if err := grading.WriteKafkaChecks(out, k); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%s\n", k)
	if !k.OK() {
		return errors.New("the Kafka checks did not all pass")
	}
	return nil
}

// runWorker grades the jobs a batch gives on stdin (grading.Serve), one after another with the
// same clusters, and answers on stdout. The batch stops it past a submission's time limit.
func (c *gradeCmd) runWorker(tags string) error {
	answers := os.Stdout
	os.Stdout = os.Stderr // nothing else may write between the answers
	stdout = stderr
	g := spec.NewGrader(c.options(spec.Options{Tags: tags, Notes: stderr}))
	// Serve's log is the raw stderr: its JobEnd marker is a control character, which stderr
	// would show as text (and so would any forged one in what a submission made the notes say).
	err := grading.Serve(os.Stdin, answers, os.Stderr, func(job grading.Job) error {
		start := time.Now()
		cucumber, err := cucumberReport(job.Out)
		if err != nil {
			return err
		}
		graded, err := g.Grade(job.Submission, "progress,cucumber:"+cucumber)
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
		fmt.Fprintf(stderr, "%s: %s\n", name, grading.Summary(grading.Tally(graded.Scenarios))) // its grade.log
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
func (c *gradeCmd) gradeWithin(o spec.Options, out string, quiet bool, timeout time.Duration, timedOut func(), interrupted string) (spec.Graded, error) {
	deadline := time.AfterFunc(timeout, func() {
		timedOut()
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	})
	defer deadline.Stop()
	o.Output, o.Progress, o.Notes = stdout, stderr, stderr
	if quiet {
		o.Output, o.Progress = io.Discard, nil
	}
	o = c.options(o)
	cucumber, err := cucumberReport(out)
	if err != nil {
		return spec.Graded{}, err
	}
	o.Format = "pretty,cucumber:" + cucumber
	graded, err := spec.Grade(o)
	if container.Interrupted() {
		// The suite is removing its containers and exits when done (container.CloseOnSignal);
		// scenarios that ran meanwhile failed for want of Kafka: nothing here is a result.
		fmt.Fprintf(stderr, "grade: interrupted: %s\n", interrupted)
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

// cucumberReport makes out/cucumber.json, which godog writes (os.Create keeps a file's mode),
// readable only by the grader as every report is (grading.OpenReport), and returns its path.
func cucumberReport(out string) (string, error) {
	path := filepath.Join(out, "cucumber.json")
	f, err := grading.OpenReport(path)
	if err != nil {
		return "", err
	}
	return path, f.Close()
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
		fmt.Fprintf(stderr, "grade: interrupted again: not waiting for the containers' removal; the next run removes what is left\n")
	case <-timer.C:
		fmt.Fprintf(stderr, "grade: the containers were not removed within %v; the next run removes what is left\n", cleanupWait)
	}
}

// checksKey names what the Kafka checks' outcome depends on: the Kafka the harness runs (the
// image, or the local distribution), the features' text and the tag filter. A batch that finds
// a passing result with the same key does not run them again.
func (c *gradeCmd) checksKey(tags string) string {
	kafka := cluster.ImageFromEnv()
	if c.dist != "" {
		kafka = "local:" + c.dist
	}
	h := sha256.New()
	fsys, dir := c.featuresFS()
	files, _ := fs.Glob(fsys, path.Join(dir, "*.feature"))
	for _, f := range files {
		data, _ := fs.ReadFile(fsys, f)
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
func (c *gradeCmd) classKafkaChecks(ctx context.Context, out, tags string, timeout time.Duration) (grading.KafkaChecks, error) {
	dir := filepath.Join(out, grading.KafkaChecksDir)
	if k, ok := grading.ReadKafkaChecks(dir); ok && k.OK() && k.Ran() && k.Image == c.checksKey(tags) {
		fmt.Fprintf(stderr, "Kafka checks: passed before (%s), not run again\n", k.Finished)
		return k, nil
	}
	if err := grading.OwnReportDir(dir); err != nil {
		return grading.KafkaChecks{}, err
	}
	_ = os.Remove(filepath.Join(dir, grading.KafkaChecksFile))
	logf, err := grading.OpenReport(filepath.Join(dir, grading.LogFile))
	if err != nil {
		return grading.KafkaChecks{}, err
	}
	defer logf.Close()
	fmt.Fprintf(stderr, "Kafka checks: running the @kafka-only scenarios once for the class\n")
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := c.args(gradeSubKafkaChecks, "-quiet", "-out", dir, "-timeout", (timeout - timeout/10).String())
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.CommandContext(cctx, c.self[0], args...)
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
