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

// replaceFigures returns page with what lies between make bench's markers replaced by figures.
func replaceFigures(page []byte, figures string) ([]byte, error) {
	return replaceBetween(page, beginFigures, endFigures, figures)
}

// replaceBetween returns page with what lies between the markers begin and end replaced by
// figures.
func replaceBetween(page []byte, begin, end, figures string) ([]byte, error) {
	b0 := bytes.Index(page, []byte(begin))
	e0 := bytes.Index(page, []byte(end))
	if b0 < 0 || e0 < b0 {
		return nil, fmt.Errorf("no %q ... %q in the page", begin, end)
	}
	var b bytes.Buffer
	b.Write(page[:b0+len(begin)])
	b.WriteString("\n" + figures)
	b.Write(page[e0:])
	return b.Bytes(), nil
}

// writeFigures rewrites make bench's figures of the page at path.
func writeFigures(path, figures string) error {
	return writeBetween(path, beginFigures, endFigures, figures)
}

// writeBetween rewrites what lies between the markers begin and end of the page at path.
func writeBetween(path, begin, end, figures string) error {
	page, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("write the figures: %w", err)
	}
	out, err := replaceBetween(page, begin, end, figures)
	if err != nil {
		return fmt.Errorf("write the figures to %s: %w", path, err)
	}
	return os.WriteFile(path, out, 0o644)
}
