package kafkalab

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/kafka-lab/kafka-lab/harness/cluster"
	"github.com/kafka-lab/kafka-lab/harness/grading"
	"github.com/kafka-lab/kafka-lab/harness/session"
	"github.com/kafka-lab/kafka-lab/internal/integration"
	"github.com/kafka-lab/kafka-lab/spec"
	"github.com/kafka-lab/kafka-lab/steps"
)

// Scenario names of sections 2 to 5, as the features spell them.
const (
	createTopic    = "create_topic creates my_first_topic with 10 partitions"
	listTopics     = "list_topics lists the topics of the cluster"
	describeTopic  = "describe_topic describes my_first_topic and each of its partitions"
	producer       = "console_producer sends each line as a separate message"
	newOnly        = "console_consumer shows only the messages sent after it started"
	fromBeginning  = "console_consumer_from_beginning shows every message, in order"
	twoConsumers   = "two console consumers running side by side both receive every new message"
	groupSplit     = "two consumers in my_group split the partitions and each message is read once"
	noActive       = "describe_group shows the offsets of a group whose consumers have stopped"
	owners         = "describe_group shows which consumer owns each partition"
	lagAfterStop   = "the LAG counts the messages sent after the consumers stopped"
	sections2to5   = "@section-2,@section-3,@section-4,@section-5"
	submissionsDir = "testdata/submissions"

	pipelineTopics = "create_pipeline_topics creates transactions and balance with 10 partitions each"
	generatorRate  = "the generator sends an integer from -10 to 10 to every account once a second"
	calculatorSums = "the calculator sends each account's running balance to its partition of balance"
	together       = "generator and calculator together keep every balance right"
	exactlyOnce    = "a calculator that crashes keeps exactly one right balance per transaction"

	createReplicated = "create_replicated_topic creates a topic with replication factor 2"
	ownCluster       = "start_cluster starts the student's three brokers from their own configuration files"
	acksExperiment   = "the student's acks experiment, replayed on their own topic, matches what Kafka does"
)

// A submission and what grading it must say.
type submissionCase struct {
	dir string
	// tags and scenarios, when set, narrow the grading to the scenarios its mistake touches.
	tags      string
	scenarios int
	fail      []string
	// say is what the first failure's message must contain, to teach the fix.
	say []string
	// hide is what no failure's message may contain (an attack's loot).
	hide []string
	// path, when set, is the submission's folder instead of dir under testdata/submissions.
	path string
}

var section5 = []string{noActive, owners, lagAfterStop}

// caseGroup is a part of the spec and the bundled submissions graded on it: tags narrow the
// grading to its scenarios, scenarios is how many that is.
type caseGroup struct {
	name      string
	tags      string
	scenarios int
	cases     []submissionCase
}

// TestSubmissions grades the bundled submissions: the reference passes every scenario of
// sections 1-5, and each deliberately broken one fails exactly the scenarios of its mistake,
// with a message that names what to fix.
func TestSubmissions(t *testing.T) {
	integration.Require(t, integration.Engine)
	lanes := quietLanes(t, 2)
	groups := longestFirst(bundledGroups(kafkaImage(t, lanes[0])))
	onLanes(lanes, len(groups), func(s *steps.Suite, i int) {
		g := groups[i]
		t.Run(g.name, func(t *testing.T) { grade(t, s, g.tags, g.scenarios, g.cases) })
	})
}

// longestFirst splits section 6's group, the longest by far, in two (its cases taken in turn)
// and orders the groups longest first, as measured (one run of r29: section 6 289 s, sections
// 2-5 130 s, the acks experiment 118 s, section 1 59 s, own brokers 43 s, section 7 8 s), so that
// the lanes end together. Only the time depends on it: each case is graded alone, as before.
func longestFirst(groups []caseGroup) []caseGroup {
	rank := map[string]int{"section 6": 0, "sections 2-5": 1, "section 7 acks experiment": 2, "section 1": 3, "section 7 own brokers": 4}
	var out []caseGroup
	for _, g := range groups {
		if g.name != "section 6" {
			out = append(out, g)
			continue
		}
		halves := [2]caseGroup{g, g}
		halves[0].cases, halves[1].cases = nil, nil
		halves[1].name = g.name + " (2)"
		for i, c := range g.cases {
			halves[i%2].cases = append(halves[i%2].cases, c)
		}
		out = append(out, halves[:]...)
	}
	slices.SortStableFunc(out, func(a, b caseGroup) int {
		ra, ok := rank[strings.TrimSuffix(a.name, " (2)")]
		if !ok {
			ra = len(rank)
		}
		rb, ok := rank[strings.TrimSuffix(b.name, " (2)")]
		if !ok {
			rb = len(rank)
		}
		return ra - rb
	})
	return out
}

// bundledGroups are the bundled submissions and what grading each must say, on the Kafka of img:
// the table that TestSubmissions grades one by one and TestSoak grades as a class, round after
// round.
func bundledGroups(img cluster.Image) []caseGroup {
	// A submission broken in one section is graded on that section's scenarios: each scenario
	// sets up its own state, so a mistake reaches only the scenarios that read its keys (the
	// reference, as-typed and malformed are graded on all).
	s2, s3, s4, s5 := "@section-2", "@section-3", "@section-4", "@section-5"
	cases := []submissionCase{
		{dir: "reference"},
		// The reference typed as students type it: absolute paths, ~/, a shell in front.
		{dir: "as-typed"},
		{dir: "wrong-partitions", tags: s2, scenarios: 3, fail: []string{createTopic}, say: []string{"--partitions 10", "lab section 2", "create_topic"}},
		{dir: "wrong-topic-name", tags: s2, scenarios: 3, fail: []string{createTopic}, say: []string{"my-first-topic", "--topic my_first_topic"}},
		{dir: "wrong-port", tags: s2, scenarios: 3, fail: []string{listTopics}, say: []string{"localhost:9094", "localhost:9092"}},
		{dir: "missing-key", tags: s2, scenarios: 3, fail: []string{describeTopic}, say: []string{"answers.yaml has no `describe_topic`", "section 2"}},
		{dir: "shell-pipe", tags: s2, scenarios: 3, fail: []string{describeTopic}, say: []string{"line 6", "pipes"}},
		{dir: "always-from-beginning", tags: s3, scenarios: 4, fail: []string{newOnly}, say: []string{"This is my first message", "--from-beginning"}},
		{dir: "no-from-beginning", tags: s3, scenarios: 4, fail: []string{fromBeginning}, say: []string{"--from-beginning", "lab section 3"}},
		{dir: "no-group", tags: s4, scenarios: 1, fail: []string{groupSplit}, say: []string{"--group my_group", "console-consumer-"}},
		{dir: "other-group", tags: s4, scenarios: 1, fail: []string{groupSplit}, say: []string{"my-group", "--group my_group"}},
		{dir: "list-not-describe", tags: s5, scenarios: 3, fail: section5, say: []string{"CURRENT-OFFSET", "--describe"}},
		{dir: "typo-key", tags: s5, scenarios: 3, fail: section5, say: []string{"answers.yaml has no `describe_group`", "did you mean"}},
		{dir: "malformed", fail: []string{createTopic, listTopics, describeTopic, producer, newOnly, fromBeginning, twoConsumers, groupSplit, noActive, owners, lagAfterStop},
			say: []string{"answers.yaml line 4"}},
	}
	// Each broken program is graded on the scenarios that run it (the exactly-once one runs
	// only the calculator and fails for the lab's own, which they share).
	gen, calc := "@section-6 && @generator && ~@calculator", "@section-6 && @calculator"
	// A submission whose generator and topics command are another case's, byte for byte, is
	// graded on its calculator's scenarios only.
	calcOnly := "@section-6 && @calculator,@exactly-once"
	pipeline := []submissionCase{
		{dir: "reference", fail: []string{exactlyOnce}, say: []string{"no balance", "killed", "recover the position"}},
		{dir: "exactly-once", tags: calcOnly, scenarios: 3}, // the reference's generator
		// Only create_pipeline_topics differs from the reference: its one scenario.
		{dir: "as-typed", tags: "@section-6 && @points:1", scenarios: 1},
		// A consumer group with kafka-python's defaults: it never leaves its group when stopped.
		{dir: "group-calculator", tags: calcOnly, scenarios: 3, fail: []string{exactlyOnce}, say: []string{"killed", "recover the position"}}, // eos-textbook's generator
		// The textbook consume-transform-produce: a group, offsets sent in the transaction.
		{dir: "eos-textbook"},
		// The other common client, confluent-kafka: a generator, a group calculator (it fails
		// the optional scenario as group-calculator does) and the textbook exactly-once one.
		{dir: "confluent-kafka", fail: []string{exactlyOnce}, say: []string{"killed", "recover the position"}},
		{dir: "confluent-exactly-once", tags: calcOnly, scenarios: 3}, // confluent-kafka's generator
		// A group that reads from the earliest offset.
		{dir: "group-earliest", tags: calc, scenarios: 2},
		// Keyed transactions and randint; a calculator that assigns itself the partitions, with
		// no group, and flushes each round.
		{dir: "assign-calculator", fail: []string{exactlyOnce}, say: []string{"killed", "recover the position"}},
		{dir: "float-values", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"messages are not", "b'%d'"}},
		// The lab's calculator, int(msg.value), crashes on the generator's 3.5: the generator is named.
		{dir: "float-values", tags: "@section-6 && @generator && @calculator", scenarios: 1, fail: []string{together},
			say: []string{"ValueError", "hint (lab section 6, transaction_generator.py): transaction_generator.py sent", "b'%d'"}},
		{dir: "values-out-of-range", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"from -10 to 10", "randrange"}},
		{dir: "random-partitions", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"apart", "partition=account_number"}},
		{dir: "not-random", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"pattern", "at random"}},
		{dir: "constant-generator", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"different values", "random.randrange"}},
		{dir: "too-slow", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"one message a second", "sleep a second"}},
		{dir: "too-fast", tags: gen, scenarios: 1, fail: []string{generatorRate}, say: []string{"one message a second", "sleep a second"}},
		{dir: "syntax-error", tags: "@section-6 && @generator", scenarios: 2, fail: []string{generatorRate, together}, say: []string{"SyntaxError", "transaction_generator.py line 7"}},
		{dir: "balance-wrong-partition", tags: calc, scenarios: 2, fail: []string{calculatorSums, together}, say: []string{"partition=msg.partition"}},
		{dir: "balance-to-transactions", tags: calc, scenarios: 2, fail: []string{calculatorSums, together}, say: []string{"did not send", "transactions is the generator's"}},
		{dir: "no-accumulation", tags: calc, scenarios: 2, fail: []string{calculatorSums, together}, say: []string{"sum to", "lab section 6", "its transaction's own value"}},
		{dir: "never-connects", tags: calc, scenarios: 2, fail: []string{calculatorSums, together}, say: []string{"could not connect", "localhost:9092"}},
	}
	started := "start_zookeeper and start_kafka start Kafka, and it answers on localhost:9092"
	starting := []submissionCase{
		{dir: "reference"},
		{dir: "kraft-start"},
		{dir: "daemon-start"},
		// The Kafka folder's absolute path for the script and for its properties file.
		{dir: "as-typed"},
		{dir: "kafka-before-zookeeper", fail: []string{started}, say: []string{"could not reach ZooKeeper", "start_zookeeper"}},
		{dir: "wrong-start-file", fail: []string{started}, say: []string{"zookeeper.connect", "config/server.properties"}},
		{dir: "start-other-port", fail: []string{started}, say: []string{"nothing answers on localhost:9092", "--override listeners"}},
		{dir: "kraft-unformatted", fail: []string{started}, say: []string{"No readable meta.properties", "kafka-storage.sh format"}},
		{dir: "wrong-partitions", fail: []string{started}, say: []string{"answers.yaml has no `start_kafka`", "section 1"}},
	}
	// Section 7's student scenario; the rest of the feature checks Kafka itself, whatever the
	// submission, and TestFeatures fails if it does not pass.
	replicated := []submissionCase{
		{dir: "replication-factor-1", fail: []string{createReplicated}, say: []string{"replication factor 1", "--replication-factor 2", "lab section 7"}},
		{dir: "reference"},
		{dir: "as-typed"},
		{dir: "three-local-ports"},
		{dir: "wrong-partitions", fail: []string{createReplicated}, say: []string{"answers.yaml has no `create_replicated_topic`", "section 7"}},
	}
	// Section 7's acks experiment, replayed: each case is a replay of up to a dozen trials.
	ref := "reference"
	if !img.HasZooKeeper {
		ref = "reference-4" // the one Kafka 4's grading takes
	}
	experiment := []submissionCase{
		{dir: ref},
		{dir: "acks-min-isr-2"},
		{dir: "acks-wrong-observations", fail: []string{acksExperiment}, say: []string{
			"trial 4 (answers.yaml line", "acks=0, 1 of the partition's 2 replica brokers down): you recorded that the producer printed an error",
			"on Kafka " + img.KafkaVersion + " the producer sent it and saw no error", "one in-sync replica is enough for the partition to have a leader",
			"wrong observation: acks=0, 1 down: producer_saw error (Kafka: acknowledged)",
			"trial 9", "the partition has no leader, whatever acks says",
			"wrong observation: acks=all, 2 down: read_after_back yes (Kafka: no)"}},
		{dir: "acks-incomplete", fail: []string{acksExperiment}, say: []string{"no trial replayed with acks=0 with 1 broker(s) down, acks=1 with 1 broker(s) down, acks=0 with 2 broker(s) down, acks=1 with 2 broker(s) down"}},
		{dir: "acks-bad-input", fail: []string{acksExperiment}, say: []string{
			"trial 2", "producer_saw is `it worked`", "trial 4", "kafka-topics", "trial 6", "brokers_down is `5`",
			"trial 8", "failed for a reason of its own", "acks"}},
	}
	cases = append(cases, spellingCases(img)...)
	own := ownClusterCases(img)
	if !img.HasZooKeeper {
		starting = kraftOnlyStarting(img)
	}
	starting = append(starting, kraft4Start(img))
	return []caseGroup{
		{name: "section 1", tags: "@section-1 && @points:2", scenarios: 1, cases: starting},
		{name: "sections 2-5", tags: sections2to5, scenarios: 11, cases: cases},
		{name: "section 6", tags: "@section-6", scenarios: 5, cases: pipeline},
		{name: "section 7", tags: "@section-7 && @points:2 && ~@own-cluster && ~@acks-experiment", scenarios: 1, cases: replicated},
		{name: "section 7 own brokers", tags: "@section-7 && @own-cluster", scenarios: 1, cases: own},
		{name: "section 7 acks experiment", tags: "@section-7 && @acks-experiment", scenarios: 1, cases: experiment},
	}
}

// grade runs the scenarios of tags for each submission and checks which fail, and what the
// first failure says.
func grade(t *testing.T, s *steps.Suite, tags string, scenarios int, cases []submissionCase) {
	features := []string{"features"}
	seed := order(t)
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			tags, scenarios := tags, scenarios
			if tc.tags != "" {
				tags, scenarios = tc.tags, tc.scenarios
			}
			path := tc.path
			if path == "" {
				path = filepath.Join(submissionsDir, tc.dir)
			}
			results, status, ok := specRun.of(s.Session, path, tags, features)
			if ok {
				t.Logf("judged on TestFeatures' grading of %s, which ran these %d scenarios on the same Kafka", path, len(results))
			} else {
				s.Session.SetSubmission(path)
				s.ResetResults()
				status = godog.TestSuite{
					Name:                tc.dir,
					ScenarioInitializer: s.InitializeScenario,
					Options: &godog.Options{Paths: shuffled(t, features, seed), Tags: tags, Strict: true,
						Format: "progress", Output: io.Discard, Concurrency: 1, Randomize: seed},
				}.Run()
				results = s.Results()
			}
			// The first failure is the first in the features' order, whatever the seed.
			spec.InFeatureOrder(nil, features, results)
			if len(results) != scenarios {
				t.Fatalf("%d scenarios ran, want the %d of %s", len(results), scenarios, tags)
			}
			for _, r := range results {
				if r.Err != nil {
					t.Logf("%s failed:\n%v", r.Name, r.Err)
				}
			}
			problems := judge(tc, spec.Scenarios(results))
			if (status != 0) != (len(tc.fail) > 0) {
				problems = append(problems, fmt.Sprintf("godog status %d with %d failed scenario(s)", status, len(tc.fail)))
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// specRun is TestFeatures' grading of the whole spec, kept for TestSubmissions: a row of the
// same submission on the same Kafka and engine (the reference's six) is judged on it rather
// than graded again: 158 s of the lanes' time (86 s of the test's) went to scenarios
// TestFeatures had just run. Alone (-run TestSubmissions), or after a TestFeatures of other
// tags, features or submission, every row is graded as before.
var specRun gradedRun

// gradedRun is one grading of the spec: what it graded, where, and how each scenario ended.
type gradedRun struct {
	mu               sync.Mutex
	image, dist, dir string
	sameUser         bool
	results          []steps.Result
}

// record keeps the results of a grading on s (of its submission, on its image and engine).
func (g *gradedRun) record(s *session.Session, results []steps.Result) {
	dir, err := filepath.Abs(s.SubmissionDir)
	if err != nil {
		return // then nothing is judged on it
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.image, g.dist, g.sameUser, g.dir, g.results = s.Image, s.Dist, s.SameUser, dir, results
}

// of returns the recorded results of the scenarios of tags in features, and the status godog
// gave them (1 when one failed, as under Strict), if the grading was of the submission in dir
// on s's image and engine and ran every one of those scenarios; else ok is false.
func (g *gradedRun) of(s *session.Session, dir, tags string, features []string) (results []steps.Result, status int, ok bool) {
	abs, err := filepath.Abs(dir)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil || g.results == nil || abs != g.dir || s.Image != g.image || s.Dist != g.dist || s.SameUser != g.sameUser {
		return nil, 0, false
	}
	fs, err := godog.TestSuite{Options: &godog.Options{Paths: features, Tags: tags}}.RetrieveFeatures()
	if err != nil {
		return nil, 0, false
	}
	taken := make([]bool, len(g.results))
	for _, f := range fs {
		for _, p := range f.Pickles {
			i := -1
			for k, r := range g.results {
				// An outline's rows may share a name: each has a result of its own.
				if !taken[k] && r.Feature == p.Uri && r.Name == p.Name {
					i = k
					break
				}
			}
			if i < 0 {
				return nil, 0, false // not run there: grade it
			}
			taken[i] = true
			results = append(results, g.results[i])
			if g.results[i].Err != nil {
				status = 1
			}
		}
	}
	return results, status, len(results) > 0
}

// judge says what is wrong with how a submission's scenarios ended, against what tc says
// grading it must say: one line a problem, none when all is as it should be. scenarios are
// those of tc's scope, in the features' order. TestSubmissions and TestSoak judge with it.
func judge(tc submissionCase, scenarios []grading.Scenario) []string {
	var problems, failed []string
	first := ""
	for _, sc := range scenarios {
		if sc.Status == grading.Passed {
			continue
		}
		failed = append(failed, sc.Name)
		if sc.Status == grading.HarnessError {
			// No submission's mistake may end as "no grade": that is the harness's own failure,
			// graded again by every batch, and a door for a student to escape a verdict.
			problems = append(problems, fmt.Sprintf("%s: no grade (the harness's error), want the student's failure: %s", sc.Name, sc.Output))
		}
		if first == "" {
			first = sc.Output
		}
		for _, h := range tc.hide {
			if strings.Contains(sc.Output, h) {
				problems = append(problems, fmt.Sprintf("%s: the failure shows %q", sc.Name, h))
			}
		}
	}
	slices.Sort(failed)
	want := slices.Sorted(slices.Values(tc.fail))
	if !slices.Equal(failed, want) {
		// What the messages say is moot when the wrong scenarios failed.
		return append(problems, fmt.Sprintf("failed scenarios:\n  %s\nwant:\n  %s", strings.Join(failed, "\n  "), strings.Join(want, "\n  ")))
	}
	for _, w := range tc.say {
		if !strings.Contains(first, w) {
			problems = append(problems, fmt.Sprintf("the failure message does not say %q:\n%s", w, first))
		}
	}
	return problems
}

// kafkaImage is the image the suite's session grades with.
func kafkaImage(t *testing.T, s *steps.Suite) cluster.Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	img, err := s.Session.KafkaImage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// quietSuite is a suite that says nothing and whose clusters are removed when the test ends.
func quietSuite(t *testing.T) *steps.Suite {
	t.Helper()
	s := steps.NewSuite()
	s.Session.Out = io.Discard
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return s
}

// quietLanes are quiet suites that grade side by side, each on a Kafka of its own, as a grading
// runs section 6 beside the other sections (spec.Grader's lanes): n where the engine's clusters
// can run side by side (cluster.SideBySide) and there are two cores, else one. Each submission
// is graded on one lane, alone, as before; what runs beside it is other submissions on other
// Kafkas, which TestSoak shows does not change a verdict (the same table graded by two workers,
// each with two lanes, beside a busy loop on every core).
func quietLanes(t *testing.T, n int) []*steps.Suite {
	t.Helper()
	s := quietSuite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f, err := s.Session.Facts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cluster.SideBySide(f) || runtime.NumCPU() < 2 {
		return []*steps.Suite{s}
	}
	lanes := []*steps.Suite{s}
	for range n - 1 {
		lane := &steps.Suite{Session: s.Session.Lane()}
		// Registered after s's, so run before it: a lane is closed before its session.
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := lane.Close(ctx); err != nil {
				t.Error(err)
			}
		})
		lanes = append(lanes, lane)
	}
	return lanes
}

// onLanes calls job for 0 to n-1, in order, each on the first lane free, and returns when all
// have returned: a job runs its own t.Run, so a test's subtests keep their names and times.
func onLanes(lanes []*steps.Suite, n int, job func(s *steps.Suite, i int)) {
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for _, s := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				job(s, i)
			}
		}()
	}
	wg.Wait()
}

// spellingCases are the submissions whose verdict depends on the Kafka the image runs, each
// graded as that Kafka treats it: the console tools' options that Kafka 4.2 renamed (KIP-1147),
// and the consumer group protocol that Kafka 4.0's server runs (KIP-848).
func spellingCases(img cluster.Image) []submissionCase {
	cases := []submissionCase{
		// Kafka 4.2 and later print a deprecation notice on stdout for each: no message.
		{dir: "old-spellings"},
	}
	if img.AtLeast(4, 2) {
		cases = append(cases,
			submissionCase{dir: "new-spellings"},
			submissionCase{dir: "parse-key", tags: "@section-3", scenarios: 4, fail: []string{producer}, say: []string{"No key separator", "leave parse.key out"}})
	} else {
		cases = append(cases,
			submissionCase{dir: "new-spellings", fail: []string{producer, newOnly, fromBeginning, twoConsumers, groupSplit},
				say: []string{"--command-property is how Kafka 4.2 and later spell", "Kafka " + img.KafkaVersion + " is older and takes --producer-property"}},
			submissionCase{dir: "parse-key", tags: "@section-3", scenarios: 4, fail: []string{producer},
				say: []string{"--reader-property is how Kafka 4.2", "takes --property"}})
	}
	if img.AtLeast(4, 0) {
		cases = append(cases, submissionCase{dir: "group-protocol-consumer", tags: "@section-4", scenarios: 1})
	} else {
		cases = append(cases, submissionCase{dir: "group-protocol-consumer", tags: "@section-4", scenarios: 1, fail: []string{groupSplit},
			say: []string{"group.protocol=consumer", "Kafka 4.0"}})
	}
	return cases
}

// kraftOnlyStarting is section 1 on Kafka 4, which has no ZooKeeper mode (KIP-833) and no
// config/kraft folder: the lab's own start and the 3.x KRaft start fail, each saying why.
func kraftOnlyStarting(img cluster.Image) []submissionCase {
	started := "start_zookeeper and start_kafka start Kafka, and it answers on localhost:9092"
	noZooKeeper := []string{"Kafka 4 removed ZooKeeper (KIP-833)", "leave start_zookeeper out"}
	return []submissionCase{
		{dir: "reference-4"},
		{dir: "reference", fail: []string{started}, say: noZooKeeper},
		{dir: "as-typed", fail: []string{started}, say: noZooKeeper},
		{dir: "daemon-start", fail: []string{started}, say: noZooKeeper},
		{dir: "wrong-start-file", fail: []string{started}, say: noZooKeeper},
		{dir: "start-other-port", fail: []string{started}, say: noZooKeeper},
		{dir: "kraft-start", fail: []string{started}, say: []string{"config/kraft/server.properties", "Kafka 4 has no config/kraft folder"}},
		{dir: "kafka-before-zookeeper", fail: []string{started}, say: []string{"kafka-storage.sh format", "--standalone"}},
		{dir: "wrong-partitions", fail: []string{started}, say: []string{"answers.yaml has no `start_kafka`", "section 1"}},
	}
}

// kraft4Start is Kafka 4's quickstart (format --standalone, config/server.properties): right on
// Kafka 4, and on 3.x a format of ZooKeeper mode's file, which kafka-storage.sh refuses.
func kraft4Start(img cluster.Image) submissionCase {
	if img.HasZooKeeper {
		return submissionCase{dir: "kraft-start-4", fail: []string{"start_zookeeper and start_kafka start Kafka, and it answers on localhost:9092"},
			say: []string{"kafka-storage.sh"}}
	}
	return submissionCase{dir: "kraft-start-4"}
}

// ownClusterCases are section 7's own three brokers (start_cluster and the files of config/):
// each named mistake fails with its name, every correct design passes; on Kafka 4, which has
// no ZooKeeper mode (KIP-833), the 3.x designs fail saying so and the KRaft ones pass. The
// mistakes the files make certain fail before anything runs.
func ownClusterCases(img cluster.Image) []submissionCase {
	fail := []string{ownCluster}
	noZooKeeper := []string{"Kafka 4 removed ZooKeeper (KIP-833)", "leave the ZooKeeper start out"}
	// Found by the run: a node stops (whichever first), its last words say why.
	unformatted := []string{"No readable meta.properties", "format each KRaft node's storage first"}
	if !img.HasZooKeeper {
		return []submissionCase{
			{dir: "reference-4"},
			{dir: "reference", fail: fail, say: noZooKeeper},
			{dir: "own-override", fail: fail, say: noZooKeeper},
			{dir: "own-kraft-unformatted", fail: fail, say: unformatted},
		}
	}
	return []submissionCase{
		{dir: "reference"},
		// Three KRaft nodes (Kafka 4's way) run on 3.x too.
		{dir: "reference-4"},
		// Kafka's own file with --override and -daemon, on ports 9093-9095, nothing on 9092.
		{dir: "own-override"},
		{dir: "own-duplicate-id", fail: fail, say: []string{"both have broker.id=2", "its own broker.id"}},
		{dir: "own-same-port", fail: fail, say: []string{"both listen on port 9092", "Address already in use"}},
		{dir: "own-shared-logdir", fail: fail, say: []string{"Failed to acquire lock on file .lock in /tmp/kafka-logs-1", "its own log.dirs"}},
		{dir: "own-broker-before-zookeeper", fail: fail, say: []string{"before any ZooKeeper start", "zookeeper-server-start.sh config/zookeeper.properties` first"}},
		{dir: "own-missing-file", fail: fail, say: []string{"config/server-3.properties, which neither your config/", "hand the file in as config/server-3.properties"}},
		{dir: "own-two-brokers", fail: fail, say: []string{"2 broker(s) answered", "start 3 brokers"}},
		{dir: "own-kraft-unformatted", fail: fail, say: unformatted},
		{dir: "wrong-partitions", fail: fail, say: []string{"answers.yaml has no `start_cluster`", "section 7"}},
	}
}

// TestSpecRunJudgesItsOwnRows: a row is judged on TestFeatures' grading only when that grading
// was of the row's submission, on its image and engine, and ran every scenario of the row's
// tags; the row then gets those results, a failed one with the status godog gives it.
func TestSpecRunJudgesItsOwnRows(t *testing.T) {
	features := []string{"features"}
	fs, err := godog.TestSuite{Options: &godog.Options{Paths: features, Tags: "@section-2,@section-3"}}.RetrieveFeatures()
	if err != nil {
		t.Fatal(err)
	}
	var ran []steps.Result
	for _, f := range fs {
		for _, p := range f.Pickles {
			r := steps.Result{Feature: p.Uri, Name: p.Name}
			if p.Name == listTopics {
				r.Err = fmt.Errorf("wrong port")
			}
			ran = append(ran, r)
		}
	}
	reference := filepath.Join(submissionsDir, "reference")
	s := &session.Session{Image: "kafka-lab/kafka:3.9.1", SubmissionDir: reference}
	var g gradedRun
	if _, _, ok := g.of(s, reference, "@section-2", features); ok {
		t.Error("a row was judged on no grading")
	}
	g.record(s, ran)

	results, status, ok := g.of(s, reference, "@section-2", features)
	var names []string
	for _, r := range results {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	if !ok || status != 1 || !slices.Equal(names, []string{createTopic, describeTopic, listTopics}) {
		t.Errorf("section 2 of the reference: %v, status %d, ok %v; want its 3 scenarios, status 1 (list_topics failed)", names, status, ok)
	}
	if results, status, ok := g.of(s, reference, "@section-3", features); !ok || status != 0 || len(results) != 4 {
		t.Errorf("section 3 of the reference: %d results, status %d, ok %v; want its 4 scenarios, status 0", len(results), status, ok)
	}
	abs, err := filepath.Abs(reference)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := g.of(s, abs, "@section-2", features); !ok {
		t.Error("the reference by its absolute path was not judged on its grading")
	}
	other := &session.Session{Image: "kafka-lab/kafka:4.4.0", SubmissionDir: reference}
	local := &session.Session{Image: s.Image, Dist: "/dist", SubmissionDir: reference}
	for _, c := range []struct {
		what string
		s    *session.Session
		dir  string
		tags string
	}{
		{"another submission", s, filepath.Join(submissionsDir, "as-typed"), "@section-2"},
		{"another image", other, reference, "@section-2"},
		{"local processes", local, reference, "@section-2"},
		{"a scenario it did not run", s, reference, "@section-2,@section-4"},
	} {
		if _, _, ok := g.of(c.s, c.dir, c.tags, features); ok {
			t.Errorf("%s: judged on the grading, want graded again", c.what)
		}
	}
}
