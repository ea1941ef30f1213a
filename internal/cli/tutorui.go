package cli

// The tutor's terminal UI: a checklist of the lab's steps that bubbletea redraws in place as
// the tutor's states arrive. It only draws: tutor.go starts the cluster, runs the watch and
// feeds it statesMsg.

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/kafka-lab/kafka-lab/harness/termsafe"
	"github.com/kafka-lab/kafka-lab/harness/tutor"
)

// statesMsg is what a look at Kafka gave: every step's state, and the look's failure.
type statesMsg struct {
	states []tutor.StepState
	err    error
}

// stopMsg ends the checklist from outside (a SIGTERM): the watch stopped.
type stopMsg struct{}

// checklist is the bubbletea model of the tutor's screen.
type checklist struct {
	header string // what runs where, one line
	// sections are the lab sections' names (sectionTitles), for their headings.
	sections map[int]string
	states   []tutor.StepState
	err      string // the last look's failure; "" while Kafka answers
	width    int    // the terminal's, 0 until known
	height   int
	styles   tutorStyles
	// stopping is set once a key or a signal stopped the tutor: the last frame, which stays
	// on the screen, says the cluster is being removed.
	stopping bool
}

func newChecklist(header string, sections map[int]string, states []tutor.StepState) checklist {
	return checklist{header: header, sections: sections, states: states, styles: newTutorStyles()}
}

func (m checklist) Init() tea.Cmd { return nil }

func (m checklist) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case statesMsg:
		m.states = msg.states
		m.err = ""
		if msg.err != nil {
			m.err = msg.err.Error()
		}
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		switch msg.String() {
		case "ctrl+c", "q", "esc":
			m.stopping = true
			return m, tea.Quit
		}
	case stopMsg:
		m.stopping = true
		return m, tea.Quit
	}
	return m, nil
}

func (m checklist) View() tea.View {
	return tea.NewView(m.render())
}

// render draws the checklist: the header, each section's steps with what Kafka showed and
// the hint of a step to redo, and a footer that counts the steps done. A checklist taller
// than the terminal folds the sections whose every step is done into one line each, so that
// the steps left stay on the screen.
func (m checklist) render() string {
	width := m.width
	if width <= 0 {
		width = 80
	}
	body := m.lines(width, false)
	if m.height > 0 && len(body)+4 > m.height {
		body = m.lines(width, true)
	}
	var b strings.Builder
	b.WriteString(m.styles.header.Render(termsafe.Line(m.header)))
	b.WriteString("\n\n")
	for _, l := range body {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if m.err != "" {
		b.WriteString(wrapIndent(m.styles.warn.Render("Kafka does not answer ("+termsafe.Line(m.err)+"): trying again"), width, ""))
		b.WriteByte('\n')
	}
	done := doneCount(m.states)
	foot := fmt.Sprintf("%d of %d steps done · q or Ctrl-C: stop and remove the cluster", done, len(m.states))
	if m.stopping {
		foot = fmt.Sprintf("%d of %d steps done · stopping: removing the cluster…", done, len(m.states))
	}
	b.WriteString(wrapIndent(m.styles.faint.Render(foot), width, ""))
	return b.String()
}

// lines are the checklist's lines, section by section; fold puts a section whose every step
// is done on one line.
func (m checklist) lines(width int, fold bool) []string {
	var lines []string
	for _, sec := range bySection(m.states) {
		heading := fmt.Sprintf("Section %d", sec[0].Section)
		if fold && doneCount(sec) == len(sec) {
			lines = append(lines, m.styles.section.Render(heading)+
				"  "+m.styles.status(tutor.Done).Render(fmt.Sprintf("%s all %d steps done", symbol(tutor.Done), len(sec))))
			continue
		}
		if name := m.sections[sec[0].Section]; name != "" {
			heading += ": " + name
		}
		lines = append(lines, wrapIndent(m.styles.section.Render(heading), width, "  "))
		for _, s := range sec {
			lines = append(lines, m.step(s, width)...)
		}
	}
	return lines
}

// step is one step's lines: its mark and title, then what Kafka showed and the hint when the
// step is not done; for a step Kafka keeps no trace of, what checks it instead.
func (m checklist) step(s tutor.StepState, width int) []string {
	st := m.styles.status(s.Status)
	lines := []string{wrapIndent("  "+st.Render(symbol(s.Status))+" "+termsafe.Line(s.Title), width, "    ")}
	switch s.Status {
	case tutor.Done:
		return lines
	case tutor.Unseen:
		return append(lines, wrapIndent("    "+m.styles.faint.Render(unseenNote(s)), width, "      "))
	}
	if s.Observed != "" {
		lines = append(lines, wrapIndent("    "+m.styles.faint.Render("seen: "+termsafe.Line(s.Observed)), width, "      "))
	}
	if s.Hint != "" {
		lines = append(lines, wrapIndent("    "+st.Render("hint: ")+termsafe.Line(s.Hint), width, "      "))
	}
	return lines
}

// unseenNote says what checks a step that Kafka keeps no trace of: the step's hint, which
// names the check.
func unseenNote(s tutor.StepState) string {
	if s.Hint != "" {
		return termsafe.Line(s.Hint)
	}
	return "Kafka keeps no trace of it: kafka-lab check checks it"
}

// wrapIndent wraps s to width, indenting the lines after the first; it returns them joined.
// A width of 0 leaves s to the terminal.
func wrapIndent(s string, width int, indent string) string {
	if width <= len(indent)+20 {
		return s // too narrow to wrap usefully: the terminal wraps it
	}
	first, rest, _ := strings.Cut(wrap(s, width), "\n")
	if rest == "" {
		return first
	}
	rest = wrap(strings.ReplaceAll(rest, "\n", " "), width-len(indent))
	return first + "\n" + indent + strings.ReplaceAll(rest, "\n", "\n"+indent)
}

// nbHyphen is a hyphen that does not break a line.
const nbHyphen = "\u2011"

// wrap wraps s at its spaces: lipgloss breaks after every hyphen too, which would cut a
// command's --partitions in two, so hyphens are kept from it as non-breaking ones.
func wrap(s string, width int) string {
	if strings.Contains(s, nbHyphen) {
		return lipgloss.Wrap(s, width, " ")
	}
	return strings.ReplaceAll(lipgloss.Wrap(strings.ReplaceAll(s, "-", nbHyphen), width, " "), nbHyphen, "-")
}

// sectionTitles are the lab sections' names as their features give them ("Feature: Creating,
// listing and describing a topic" under the tag @section-2): the features are the lab's
// wording. A feature that cannot be read leaves its section without a name.
func sectionTitles(fsys fs.FS, dir string) map[int]string {
	titles := map[int]string{}
	files, _ := fs.Glob(fsys, path.Join(dir, "*.feature"))
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			continue
		}
		section := 0
		for l := range strings.Lines(string(b)) {
			l = strings.TrimSpace(l)
			if m := sectionTag.FindStringSubmatch(l); m != nil && strings.HasPrefix(l, "@") {
				section, _ = strconv.Atoi(m[1])
			}
			if name, ok := strings.CutPrefix(l, "Feature:"); ok {
				if section > 0 {
					titles[section] = strings.TrimSpace(name)
				}
				break
			}
		}
	}
	return titles
}

var sectionTag = regexp.MustCompile(`@section-(\d+)\b`)

// bySection splits states, in the lab's order, into runs of one section each.
func bySection(states []tutor.StepState) [][]tutor.StepState {
	var out [][]tutor.StepState
	for i, s := range states {
		if i == 0 || s.Section != states[i-1].Section {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	return out
}

func doneCount(states []tutor.StepState) int {
	n := 0
	for _, s := range states {
		if s.Status == tutor.Done {
			n++
		}
	}
	return n
}

// symbol is a status's mark on the checklist.
func symbol(s tutor.Status) string {
	switch s {
	case tutor.Done:
		return "✓"
	case tutor.Wrong:
		return "✗"
	case tutor.Undone:
		return "↺"
	case tutor.Unseen:
		return "–"
	}
	return "○"
}

// tutorStyles are the checklist's colours. They are written as ANSI colours always; what
// reaches the terminal is cut down to its colour profile (none under NO_COLOR) by bubbletea's
// renderer, and by a colorprofile.Writer for the lines printed after it (tutorProfile).
type tutorStyles struct {
	header, section, faint, warn lipgloss.Style
	done, wrong, undone          lipgloss.Style
}

func newTutorStyles() tutorStyles {
	s := lipgloss.NewStyle()
	return tutorStyles{
		header:  s.Bold(true),
		section: s.Bold(true),
		faint:   s.Faint(true),
		warn:    s.Foreground(lipgloss.Yellow),
		done:    s.Foreground(lipgloss.Green),
		wrong:   s.Foreground(lipgloss.Red).Bold(true),
		undone:  s.Foreground(lipgloss.Yellow).Bold(true),
	}
}

func (st tutorStyles) status(s tutor.Status) lipgloss.Style {
	switch s {
	case tutor.Done:
		return st.done
	case tutor.Wrong:
		return st.wrong
	case tutor.Undone:
		return st.undone
	}
	return st.faint
}

// tutorProfile is the colour profile of the tutor's output, from the terminal and the
// environment: no colours on what is not a terminal, and none under NO_COLOR set to anything
// (no-color.org: any non-empty value), which colorprofile reads as a boolean only.
func tutorProfile(isTerminal bool, env []string) colorprofile.Profile {
	p := colorprofile.NoTTY
	if isTerminal {
		p = colorprofile.Env(env)
	}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" && p > colorprofile.ASCII {
			p = colorprofile.ASCII
		}
	}
	return p
}
