package kafkalab

import (
	"flag"
	"os"
	"testing"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"

	"kafka-lab/steps"
)

// suite is shared by the scenarios of one run: it holds the run's clusters, one per topology.
var suite = steps.NewSuite()

// InitializeTestSuite and InitializeScenario are what the godog CLI looks for (`go tool godog`).
func InitializeTestSuite(tsc *godog.TestSuiteContext) { suite.InitializeTestSuite(tsc) }

func InitializeScenario(sc *godog.ScenarioContext) { suite.InitializeScenario(sc) }

var opts = godog.Options{
	Output: colors.Colored(os.Stdout),
	Format: "pretty",
	Paths:  []string{"features"},
	Strict: true, // an undefined or pending step fails the run
}

func init() {
	// The standard flag set, which go test parses (BindCommandLineFlags binds pflag's instead).
	godog.BindFlags("godog.", flag.CommandLine, &opts) //nolint:staticcheck
	flag.StringVar(&suite.SubmissionDir, "submission", suite.SubmissionDir,
		"the student's submission folder, with answers.yaml (env KAFKA_LAB_SUBMISSION)")
}

// TestFeatures runs the spec; each scenario is a subtest (-run 'TestFeatures/<scenario name>').
// Flags: -godog.tags=@section-1, -godog.format=cucumber, ...
func TestFeatures(t *testing.T) {
	o := opts
	o.TestingT = t
	o.Strict = true
	if o.Concurrency > 1 {
		// Scenarios share one cluster per topology and reset it after each: they run one at a time.
		t.Fatalf("-godog.concurrency=%d: the spec runs one scenario at a time", o.Concurrency)
	}
	status := godog.TestSuite{
		Name:                 "kafka-lab",
		TestSuiteInitializer: InitializeTestSuite,
		ScenarioInitializer:  InitializeScenario,
		Options:              &o,
	}.Run()
	if status != 0 {
		t.Fatalf("the spec failed (godog status %d)", status)
	}
	if suite.ScenariosRun() == 0 {
		t.Fatalf("no scenario ran: do the tags %q match any scenario in %v?", o.Tags, o.Paths)
	}
}
