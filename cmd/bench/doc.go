package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// The bench's figures live in docs/bench.md between these markers, written by make bench
// (-doc) and never by hand, so the page shows what the last run measured and nothing older.
const (
	beginFigures = "<!-- bench figures: written by make bench (cmd/bench -doc), do not edit by hand -->"
	endFigures   = "<!-- end of bench figures -->"
)

// doc is the page whose figures a run rewrites ("": none).
var doc string

// figures renders a run's rows as the Markdown that goes between the markers.
func figures(day time.Time, image, kafka string, reps int, rows []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Last run: %s, %d cores, image %s (Kafka %s), medians of %d.\n\n",
		day.UTC().Format("2006-01-02"), runtime.NumCPU(), image, kafka, reps)
	b.WriteString("| measure | value | budget |\n| --- | --- | --- |\n")
	for _, r := range rows {
		name := r.name
		if trimmed := strings.TrimLeft(name, " "); trimmed != name {
			name = "&emsp;" + trimmed // a ratio or detail of the row above
		}
		verdict := ""
		if r.budget != "" {
			verdict = "within " + r.budget
			if !r.ok {
				verdict = "**OVER** " + r.budget
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.ReplaceAll(name, "|", `\|`), r.value, verdict)
	}
	return b.String()
}

// replaceFigures returns page with what lies between the markers replaced by figures.
func replaceFigures(page []byte, figures string) ([]byte, error) {
	begin := bytes.Index(page, []byte(beginFigures))
	end := bytes.Index(page, []byte(endFigures))
	if begin < 0 || end < begin {
		return nil, fmt.Errorf("no %q ... %q in the page", beginFigures, endFigures)
	}
	var b bytes.Buffer
	b.Write(page[:begin+len(beginFigures)])
	b.WriteString("\n" + figures)
	b.Write(page[end:])
	return b.Bytes(), nil
}

// writeFigures rewrites the figures of the page at path.
func writeFigures(path, figures string) error {
	page, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("write the figures: %w", err)
	}
	out, err := replaceFigures(page, figures)
	if err != nil {
		return fmt.Errorf("write the figures to %s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
