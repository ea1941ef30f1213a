// Package handout renders the spec's features as one Markdown document that an instructor can
// print and hand out: each lab section's scenarios, their steps and tables, and the notes
// written beside them, in the language of the lab.
package handout

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// Render writes the features of the folder dir of fsys (*.feature, in name order) as Markdown.
func Render(w io.Writer, fsys fs.FS, dir, title string) error {
	files, err := fs.Glob(fsys, path.Join(dir, "*.feature"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no .feature file in %s", dir)
	}
	slices.Sort(files)
	fmt.Fprintf(w, "# %s\n", title)
	for _, f := range files {
		if err := renderFile(w, fsys, f); err != nil {
			return err
		}
	}
	return nil
}

func renderFile(w io.Writer, fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	doc, err := gherkin.ParseGherkinDocument(f, (&messages.Incrementing{}).NewId)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	feat := doc.Feature
	if feat == nil {
		return nil
	}
	fmt.Fprintf(w, "\n## %s\n\n", feat.Name)
	if t := tagLine(feat.Tags); t != "" {
		fmt.Fprintf(w, "%s\n\n", t)
	}
	paragraphs(w, feat.Description)
	notes := newNotes(doc.Comments)
	for _, child := range feat.Children {
		switch {
		case child.Background != nil:
			b := child.Background
			notes.before(w, int(b.Location.Line))
			fmt.Fprintf(w, "\n**Background** (before every scenario of this section)\n\n")
			steps(w, b.Steps)
		case child.Scenario != nil:
			sc := child.Scenario
			start := int(sc.Location.Line)
			for _, t := range sc.Tags {
				start = min(start, int(t.Location.Line))
			}
			notes.before(w, start)
			fmt.Fprintf(w, "\n### %s: %s\n\n", sc.Keyword, escape(sc.Name))
			if t := tagLine(sc.Tags); t != "" {
				fmt.Fprintf(w, "%s\n\n", t)
			}
			paragraphs(w, sc.Description)
			steps(w, sc.Steps)
			for _, ex := range sc.Examples {
				fmt.Fprintf(w, "\n*%s: %s*\n\n", ex.Keyword, ex.Name)
				table(w, append([]*messages.TableRow{ex.TableHeader}, ex.TableBody...))
			}
		}
	}
	return nil
}

// notes hands out the comment lines that stand before a scenario, as a note.
type notes struct {
	comments []*messages.Comment
	next     int
}

func newNotes(cs []*messages.Comment) *notes {
	slices.SortFunc(cs, func(a, b *messages.Comment) int { return int(a.Location.Line - b.Location.Line) })
	return &notes{comments: cs}
}

func (n *notes) before(w io.Writer, line int) {
	var text []string
	for n.next < len(n.comments) && int(n.comments[n.next].Location.Line) < line {
		t := strings.TrimSpace(n.comments[n.next].Text)
		text = append(text, strings.TrimPrefix(t, "#"))
		n.next++
	}
	if len(text) > 0 {
		fmt.Fprintf(w, "\n> %s\n", strings.Join(blocks(text), "\n> "))
	}
}

// blocks removes the lines' common indentation, and fences the runs of lines indented further
// after a blank line (an example of answers.yaml, commands) as code, whose indentation is
// meaning.
func blocks(lines []string) []string {
	base := -1
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			if ind := len(l) - len(strings.TrimLeft(l, " \t")); base < 0 || ind < base {
				base = ind
			}
		}
	}
	var out []string
	code := false
	for i, l := range lines {
		ind := len(l) - len(strings.TrimLeft(l, " \t"))
		blank := strings.TrimSpace(l) == ""
		indented := !blank && ind >= base+2
		// As in Markdown, code starts after a blank line: an indented line right after text
		// goes on with it (a list item's next line).
		if indented && !code && (i == 0 || strings.TrimSpace(lines[i-1]) == "") {
			out, code = append(out, "```"), true
		}
		if code && !indented && !blank {
			out, code = append(out, "```"), false
		}
		if code && blank { // a blank line inside a block ends it unless the block goes on
			if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" && len(lines[i+1])-len(strings.TrimLeft(lines[i+1], " \t")) >= base+2 {
				out = append(out, "")
				continue
			}
			out, code = append(out, "```"), false
		}
		switch {
		case code:
			out = append(out, strings.TrimRight(l[min(base+2, len(l)):], " "))
		default:
			out = append(out, strings.TrimSpace(l))
		}
	}
	if code {
		out = append(out, "```")
	}
	return out
}

func tagLine(tags []*messages.Tag) string {
	var out []string
	for _, t := range tags {
		out = append(out, "`"+t.Name+"`")
	}
	return strings.Join(out, " ")
}

// paragraphs writes a Gherkin description with its indentation removed, its indented runs of
// lines as code (see blocks).
func paragraphs(w io.Writer, desc string) {
	if d := strings.TrimSpace(strings.Join(blocks(strings.Split(desc, "\n")), "\n")); d != "" {
		fmt.Fprintf(w, "%s\n\n", d)
	}
}

func steps(w io.Writer, ss []*messages.Step) {
	for _, s := range ss {
		fmt.Fprintf(w, "- **%s** %s\n", strings.TrimSpace(s.Keyword), escape(s.Text))
		if s.DataTable != nil {
			fmt.Fprintln(w)
			table(w, s.DataTable.Rows)
			fmt.Fprintln(w)
		}
		if s.DocString != nil {
			fmt.Fprintf(w, "\n  ```\n  %s\n  ```\n", strings.ReplaceAll(s.DocString.Content, "\n", "\n  "))
		}
	}
}

// table writes rows as a Markdown table; a data table without a header row gets an empty one.
func table(w io.Writer, rows []*messages.TableRow) {
	if len(rows) == 0 {
		return
	}
	cells := func(r *messages.TableRow) string {
		var c []string
		for _, cell := range r.Cells {
			c = append(c, strings.ReplaceAll(escape(cell.Value), "|", `\|`))
		}
		return "| " + strings.Join(c, " | ") + " |"
	}
	fmt.Fprintln(w, cells(rows[0]))
	fmt.Fprintln(w, "|"+strings.Repeat(" --- |", len(rows[0].Cells)))
	for _, r := range rows[1:] {
		fmt.Fprintln(w, cells(r))
	}
}

// escape keeps Markdown from reading <placeholders> as HTML tags.
func escape(s string) string {
	return strings.NewReplacer("<", `\<`, ">", `\>`).Replace(s)
}
