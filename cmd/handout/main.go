// Command handout writes the spec's features as one Markdown document to print and hand out:
// go run ./cmd/handout > handout.md (make handout). It is `kafka-lab handout` under its older
// name.
package main

import (
	"os"

	"github.com/kafka-lab/kafka-lab/internal/cli"
)

func main() {
	os.Exit(cli.Handout("handout", os.Args[1:]))
}
