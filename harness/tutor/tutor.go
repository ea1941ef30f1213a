// Package tutor watches a cluster that a student works on by hand and ticks the lab's steps as
// Kafka's state shows them done, with the spec's own checks and hints (harness/labcheck): a
// topic's partitions, a group's members and their partitions, committed offsets and LAG, the
// balances' running sums. It only observes: it lists and describes through the harness's Kafka
// view, never creates, deletes or changes anything, and never joins a group.
//
// The tutor knows nothing of terminals: Watch calls back with the steps' states and what
// changed, and internal/cli draws them (a checklist, plain lines, or JSON lines).
package tutor

import (
	"time"
)

// Step is one of the lab's steps as the tutor shows it.
type Step struct {
	Section int `json:"section"`
	// ID is stable across versions, for tools reading the JSON lines: "2.topic",
	// "2.partitions", "4.split", ...
	ID string `json:"step"`
	// Title is the step in the lab's words.
	Title string `json:"title"`
}

// Status is what the tutor makes of a step now.
type Status string

// A step's statuses.
const (
	// Todo is a step not seen done yet.
	Todo Status = "todo"
	// Done is a step Kafka's state shows done.
	Done Status = "done"
	// Wrong is a step Kafka's state shows done in a way the lab does not ask: Hint says how
	// to do it (the spec's hint).
	Wrong Status = "wrong"
	// Undone is a step that was done and that Kafka's state no longer shows (the topic
	// deleted, say).
	Undone Status = "undone"
	// Unseen is a step whose result Kafka keeps no trace of (what a console consumer printed):
	// the tutor cannot tick it; `kafka-lab check` checks it by running the student's command.
	Unseen Status = "unseen"
)

// StepState is a step and what the tutor makes of it now.
type StepState struct {
	Step
	Status Status `json:"status"`
	// Observed is what Kafka showed, in the lab's words, when it helps ("my_first_topic has 1
	// partition").
	Observed string `json:"observed,omitempty"`
	// Hint says how to do the step right; set for Wrong and Undone, and for a Todo step the
	// state says something about.
	Hint string `json:"hint,omitempty"`
	// Since is when the step got this status.
	Since time.Time `json:"since"`
}

// Change is a step's new state: one line of `kafka-lab tutor -json` each.
type Change struct {
	Time time.Time `json:"time"`
	StepState
}

// Report is what a tutor run saw, as `kafka-lab tutor -out` writes it.
type Report struct {
	Topology string      `json:"topology"`
	Kafka    string      `json:"kafka"` // Kafka's version
	Start    time.Time   `json:"start"`
	End      time.Time   `json:"end"`
	Steps    []StepState `json:"steps"`
	Changes  []Change    `json:"changes"`
}
