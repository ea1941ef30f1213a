// Command grade grades lab submissions and writes the reports instructors load.
//
//	grade [flags] SUBMISSION          one submission: the spec's output on the console, reports in -out
//	grade batch [flags] CLASS         every submission folder under CLASS, -workers at a time
//	grade merge [-class CLASS] -out DIR REPORTS...
//	                                  report folders graded apart, joined into one class table
//	grade kafka-checks [flags]        the scenarios that check Kafka itself (@kafka-only), no submission
//
// Each subcommand has flags of its own. The old spellings (-batch, -merge, -kafka-checks, a
// mode flag among the others) still work, for scripts written for them.
//
// A batch grades with -workers worker processes (grade worker, a subcommand in no help, fed by
// the batch on stdin, see grading.Serve), each grading one submission after another on
// clusters it keeps while they are as fresh (cluster.Reusable); a worker past a submission's
// -timeout is stopped and replaced.
//
// Reports of a submission: results.json (Gradescope), classroom.json and classroom.b64 (GitHub
// Classroom's runner result), cucumber.json, junit.xml, summary.txt and score.json. A batch
// adds grades.csv and a summary table; run again, it grades only what is not done yet.
//
// A submission's grading leaves out the scenarios that check Kafka itself (section 7's acks
// table and durability run): they are the same for everyone, so a batch runs them once, after
// the class, and says how they ended under the table (kafka-checks.json in .kafka-checks/).
//
// It is `kafka-lab grade` under its older name, kept for the Makefile and the Gradescope bundle.
//
// Kafka runs in Docker, or with -dist (KAFKA_LAB_DIST) as local processes from a distribution
// folder: how the Gradescope bundle (gradescope/) grades where there is no Docker engine.
package main

import (
	"os"

	"github.com/kafka-lab/kafka-lab/internal/cli"
)

// The flags and what they do are internal/cli's, shared with `kafka-lab grade`.
func main() {
	os.Exit(cli.Grade("grade", nil, os.Args[1:]))
}
