package cli

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/kafka-lab/kafka-lab/features"
	"github.com/kafka-lab/kafka-lab/harness/handout"
)

// Handout writes the features as one Markdown document on stdout and returns the exit status.
func Handout(name string, args []string) int {
	flags := flag.NewFlagSet(name, flag.ContinueOnError)
	dir := flags.String("features", "", "render the features of this folder instead of those built in")
	title := flags.String("title", "Stream processing part 1 - Apache Kafka: what the checks ask", "the document's title")
	flags.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [flags] > handout.md\n\nWrites the lab's spec, every section's scenarios with their steps and tables, as one\nMarkdown document to print and hand out.\n\nFlags:\n", name)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return exitUsage(err)
	}
	if flags.NArg() != 0 {
		flags.Usage()
		return 2
	}
	var fsys fs.FS = features.FS
	folder := features.Dir
	if *dir != "" {
		fsys, folder = os.DirFS(*dir), "."
	}
	w := bufio.NewWriter(os.Stdout)
	if err := handout.Render(w, fsys, folder, *title); err != nil {
		return exit(name, err)
	}
	return exit(name, w.Flush())
}
