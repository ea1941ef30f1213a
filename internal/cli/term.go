package cli

import (
	"io"
	"os"

	"github.com/kafka-lab/kafka-lab/harness/termsafe"
)

// stdout and stderr are what grade and check write to, their spec output, progress, notes and
// tables included: what a submission controls (an unknown answers.yaml key, a topic name, a
// program's output, a student's folder name) reaches the terminal of whoever runs them with
// its escape sequences shown as text (termsafe), never acted on. godog's colours pass on stdout.
var (
	stdout io.Writer = &termsafe.Writer{W: os.Stdout, Colours: true}
	stderr io.Writer = termsafe.NewWriter(os.Stderr)
)
