// Command handout writes the spec's features as one Markdown document to print and hand out:
// go run ./cmd/handout > handout.md (make handout).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/kafka-lab/kafka-lab/harness/handout"
)

func main() {
	dir := flag.String("features", "features", "the features' folder")
	title := flag.String("title", "Stream processing part 1 - Apache Kafka: what the checks ask", "the document's title")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	if err := handout.Render(w, *dir, *title); err != nil {
		fmt.Fprintf(os.Stderr, "handout: %v\n", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "handout: %v\n", err)
		os.Exit(1)
	}
}
