package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kafka-lab/kafka-lab/harness/container"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/spec"
)

// Exit statuses of check (and of kafka-lab as a whole, see the binary's usage).
const (
	exitPassed    = 0 // every mandatory scenario run passed
	exitFailed    = 1 // a mandatory scenario failed, or the command could not run
	exitNotGraded = 3 // the harness failed (engine, cluster, reset): nothing said is the student's
)

const checkUsage = `usage: %s [flags] [FOLDER]

Checks your lab work against the lab's spec, as your instructor's grading does: FOLDER (default:
the current folder) holds answers.yaml with the commands you typed, and section 6's
transaction_generator.py and balance_calculator.py. Kafka runs in Docker (the image is built
first if it is missing), or with -dist as local processes.

It shows each scenario as it runs, what was expected and observed where one fails, with a hint
naming the lab's section, and the score per section at the end.

Exit status: 0 every mandatory check passed, 1 one did not (or the check could not start),
2 usage, 3 the grader itself failed (not your work: run it again), 130 interrupted.

Flags:
`

// Check runs the spec on a student's folder with the console output a student reads, and
// returns the exit status.
func Check(name string, args []string) int {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	var (
		section = flags.Int("section", 0, "check only this lab section (1-7)")
		tags    = flags.String("tags", "", "check only these scenarios (godog tag expression, e.g. '@section-2 && ~@optional')")
		out     = flags.String("out", "", "also write the reports a grading writes (results.json, junit.xml, ...) into this folder")
		dist    = flags.String("dist", os.Getenv("KAFKA_LAB_DIST"), "run Kafka and your work as local processes from this distribution folder, without Docker")
		timeout = flags.Duration("timeout", 15*time.Minute, "stop the check past this time")
	)
	// The environment's KAFKA_LAB_LOCAL_SAME_USER, as grade's -local-same-user defaults to.
	c := &gradeCmd{sameUser: container.LocalOptionsFromEnv().SameUser}
	flags.StringVar(&c.features, "features", "", "check against the features of this folder instead of those built in")
	flags.Usage = func() {
		fmt.Fprintf(stderr, checkUsage, name)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return exitUsage(err)
	}
	if flags.NArg() > 1 || *section < 0 || *section > 7 || (*section != 0 && *tags != "") {
		flags.Usage()
		return 2
	}
	if *section != 0 {
		*tags = fmt.Sprintf("@section-%d", *section)
	}
	folder := "."
	if flags.NArg() == 1 {
		folder = flags.Arg(0)
	}
	c.dist = *dist
	abs, err := lookAtFolder(folder)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitFailed
	}
	reports := *out
	if reports == "" {
		tmp, err := os.MkdirTemp("", "kafka-lab-check-")
		if err != nil {
			return exit(name, err)
		}
		defer os.RemoveAll(tmp)
		reports = tmp
	} else if err := grading.ReportDir(reports); err != nil {
		return exit(name, err)
	}
	if err := ensureImage(name, c.dist); err != nil {
		fmt.Fprintf(stderr, "%s: the Kafka image: %v\n", name, err)
		return exitNotGraded
	}
	fmt.Fprintf(stderr, "checking %s\n\n", abs)
	start := time.Now()
	graded, err := c.gradeWithin(spec.Options{Submission: abs, Tags: *tags}, reports, false, *timeout, func() {
		fmt.Fprintf(stderr, "%s: not done within %v: stopped (-timeout sets the limit)\n", name, *timeout)
	}, "the check did not finish")
	if err != nil {
		return exit(name, err)
	}
	score := grading.Tally(graded.Scenarios)
	if *out != "" {
		rec := grading.RecordOf(filepath.Base(abs), graded.Scenarios, time.Since(start))
		if err := grading.WriteReports(reports, graded.Scenarios, rec); err != nil {
			return exit(name, err)
		}
	}
	fmt.Fprintf(stdout, "\n%s\n%s", "Score per lab section", grading.Summary(score))
	switch {
	case !score.Graded():
		return exitNotGraded
	case score.FailedSections() != "":
		fmt.Fprintf(stdout, "\nNot passed yet: section %s. Each failed step above says what was expected, what was observed, and where to look in the lab.\n", score.FailedSections())
		return exitFailed
	}
	if *out != "" {
		fmt.Fprintf(stdout, "reports in %s\n", reports)
	}
	return exitPassed
}

// lookAtFolder returns the submission folder's absolute path, or why it cannot be checked. A
// folder with none of the lab's files is most likely not the one the student meant: say so,
// and check it anyway (it scores nothing, which the output then explains).
func lookAtFolder(folder string) (string, error) {
	abs, err := filepath.Abs(folder)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("the folder to check: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s is a file: give the folder that holds answers.yaml", folder)
	}
	var found []string
	for _, f := range []string{"answers.yaml", "transaction_generator.py", "balance_calculator.py"} {
		if _, err := os.Stat(filepath.Join(abs, f)); err == nil {
			found = append(found, f)
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("the folder to check: %w", err)
		}
	}
	if len(found) == 0 {
		fmt.Fprintf(stderr, "note: %s has no answers.yaml, transaction_generator.py or balance_calculator.py: is it your lab folder? (kafka-lab check FOLDER)\n", abs)
	} else if len(found) < 3 {
		fmt.Fprintf(stderr, "note: %s has %s only\n", abs, strings.Join(found, " and "))
	}
	return abs, nil
}
