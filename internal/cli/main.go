package cli

import (
	"fmt"
	"os"
	"runtime/debug"
)

const mainUsage = `kafka-lab checks and grades the lab "Stream processing part 1 - Apache Kafka" against real
Kafka: the lab's spec (its features, built into this binary) runs on your work.

Usage: kafka-lab COMMAND [flags] [arguments]

For students:
  check [FOLDER]            check your lab folder (default: the current one), section by section
  cluster up [single|ha]    start Kafka for doing the lab by hand, on the lab's localhost:9092
  cluster down              remove it
  tutor [single|ha]         start Kafka as cluster up does, and tick the lab's steps as you do
                            them by hand, with the spec's hints; Ctrl-C removes it

For instructors:
  grade SUBMISSION          grade one submission folder and write every report
  grade batch CLASS         grade every submission folder under CLASS
  grade merge -out DIR REPORTS...
                            join report folders graded apart into one class table
  grade kafka-checks        run the checks of Kafka itself (once a class, no submission)
  handout                   the lab's spec as one Markdown document, on stdout
  image                     build the Kafka image, or say whether it is there and up to date

  version                   this binary's version

"kafka-lab COMMAND -help" tells more about each.

Exit status: 0 done (check: every mandatory check passed; grade: the reports are written,
whatever the score), 1 failed (check: a check did not pass; grade: no reports, or a batch left
a submission without a grade), 2 usage, 3 check: the grader itself failed, not the work
checked, 130 interrupted.
`

// commands are kafka-lab's subcommands: each takes its name and what follows it.
var commands = map[string]func(name string, args []string) int{
	"check": Check,
	"grade": func(name string, args []string) int {
		return Grade(name, []string{"grade"}, args)
	},
	"cluster": func(name string, args []string) int {
		return Cluster(name, "kafka-lab cluster down", args)
	},
	"tutor":   Tutor,
	"handout": Handout,
	"image":   Image,
	"version": func(string, []string) int {
		fmt.Println(version())
		return 0
	},
}

// Main runs kafka-lab with the arguments after the program's name and returns the exit status.
func Main(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, mainUsage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Print(mainUsage)
		return 0
	}
	run, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "kafka-lab: no command %q\n\n%s", args[0], mainUsage)
		return 2
	}
	return run("kafka-lab "+args[0], args[1:])
}

// version is the module's version as go install recorded it, with the commit of a build from
// a checkout.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "kafka-lab (unknown version)"
	}
	v := "kafka-lab " + info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " (" + s.Value[:12] + ")"
		}
	}
	return v
}
