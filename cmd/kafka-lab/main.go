// Command kafka-lab checks and grades the lab "Stream processing part 1 - Apache Kafka": one
// binary with the lab's spec built in, which works from any folder without a checkout.
//
//	kafka-lab check [FOLDER]             a student checks their work
//	kafka-lab grade SUBMISSION           an instructor grades, with every report
//	kafka-lab grade batch CLASS          a class
//	kafka-lab cluster up|down [single|ha]
//	kafka-lab tutor [single|ha]          the lab by hand, each step ticked as Kafka shows it
//	kafka-lab handout | image | version
//
// `kafka-lab help` lists the commands and the exit statuses; see internal/cli.
package main

import (
	"os"

	"github.com/kafka-lab/kafka-lab/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
