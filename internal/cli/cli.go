// Package cli is kafka-lab's command line: the subcommands of the kafka-lab binary (check,
// grade, cluster, tutor, handout, image) and the older single-purpose commands under cmd/,
// which call the same functions. It parses flags, says what it does, and maps outcomes to exit
// statuses; the work is done by spec (grading) and the harness.
package cli

import (
	"errors"
	"flag"
	"fmt"
)

// exit prints err, if any, as name's and returns the exit status for it.
func exit(name string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

// exitUsage is the status of a flag parse error: 0 for -help, which printed the usage, 2 else.
func exitUsage(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}
