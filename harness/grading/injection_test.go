package grading

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileNames are student folder names (a batch's Student) made to act where they are shown: as a
// spreadsheet formula in grades.csv (OWASP's CSV injection), as escape sequences on the
// instructor's terminal (window title, OSC 52 clipboard, OSC 8 link, erase line, 8-bit CSI),
// or as markup in the class report.
var hostileNames = []string{
	"=2+5+cmd|x!A0",
	"+1+cmd|x!A0",
	"-2+3",
	"@SUM(1+1)*cmd|x!A0",
	"\t=1+1",
	"\r=1+1",
	"title\x1b]0;pwned\x07",
	"clip\x1b]52;c;cm0gLXJmIH4K\x07",
	"link\x1b]8;;https://evil.example/\x1b\\x\x1b]8;;\x1b\\",
	"erase\x1b[2K\r",
	"csi\u009b2K",
	"<script>alert(1)</script>",
}

// terminalControls says where s holds a byte a terminal acts on (ESC, BEL, CR, a C1 control).
func terminalControls(s string) int {
	return strings.IndexFunc(s, func(r rune) bool {
		return r == 0x1b || r == 0x07 || r == '\r' || (r >= 0x80 && r <= 0x9f)
	})
}

func TestStudentNamesAreInert(t *testing.T) {
	var recs []Record
	for _, name := range hostileNames {
		recs = append(recs, Record{Student: name, Status: Error, Error: "see " + name + "\nnext line"})
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, recs); err != nil {
		t.Fatal(err)
	}
	if i := terminalControls(b.String()); i >= 0 {
		t.Errorf("grades.csv has a terminal control at %d: %q", i, b.String())
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("grades.csv does not parse: %v", err)
	}
	for i, row := range rows[1:] {
		for _, cell := range []string{row[0], row[len(row)-1]} {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("%q: grades.csv cell %q is a formula to a spreadsheet", hostileNames[i], cell)
			}
		}
	}
	if rows[1][0] != "'=2+5+cmd|x!A0" {
		t.Errorf("grades.csv: %q, want '=2+5+cmd|x!A0", rows[1][0])
	}

	var table bytes.Buffer
	if err := WriteTable(&table, recs); err != nil {
		t.Fatal(err)
	}
	if i := terminalControls(table.String()); i >= 0 {
		t.Errorf("the table has a terminal control at %d: %q", i, table.String())
	}
	if n := strings.Count(table.String(), "\n"); n != len(recs)+1 {
		t.Errorf("the table has %d lines, want one per student and its head:\n%s", n, table.String())
	}

	// HTML and JSON escape on their own: checked, not done again.
	out := t.TempDir()
	if err := WriteClassReport(out, recs, nil); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, IndexFile))
	if err != nil || strings.Contains(string(page), "<script>alert") || !strings.Contains(string(page), "&lt;script&gt;alert(1)") {
		t.Errorf("index.html does not escape a student's name (%v)", err)
	}
	rec := filepath.Join(out, "r")
	if err := os.Mkdir(rec, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteRecord(rec, recs[6]); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(rec, RecordFile))
	if err != nil || terminalControls(string(data)) >= 0 {
		t.Errorf("score.json: %q (%v)", data, err)
	}
	var back Record
	if err := json.Unmarshal(data, &back); err != nil || back.Student != recs[6].Student {
		t.Errorf("score.json does not give the name back: %q (%v)", back.Student, err)
	}
}
