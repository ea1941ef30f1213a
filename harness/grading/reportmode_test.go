package grading

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/kafka-lab/kafka-lab/internal/integration"
)

// attackerUID is a user id of kafka-lab's student programs with local processes (see
// harness/container): the one a later student's program runs under.
const attackerUID = 61000

// With local processes (Gradescope, -dist) a student's program runs on the grader's machine
// and finds the reports folder in the batch's command line (/proc/PID/cmdline). The attack: a
// later student's program, as a student user id, reads every report of an earlier one, of the
// class and of the Kafka checks; in a class folder the grader was given open to everyone, and
// with a student's folder left open by an earlier version. Each read must fail.
func TestReportsAreTheGradersAlone(t *testing.T) {
	integration.Have(t, integration.Root) // for a student user id
	base := t.TempDir()
	out := filepath.Join(base, "class")
	old := filepath.Join(out, "bob")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Dir(base), base, out} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	scenarios := []Scenario{{Feature: "Section 2", Name: "create a topic", Tags: []string{"@section-2"}, Status: Passed}}
	rec := RecordOf("alice", scenarios, time.Second)
	alice := filepath.Join(out, "alice")
	if err := WriteReports(alice, scenarios, rec); err != nil {
		t.Fatal(err)
	}
	if err := WriteRecord(alice, rec); err != nil {
		t.Fatal(err)
	}
	logf, err := OpenReport(filepath.Join(alice, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	logf.Close()
	if err := OwnReportDir(old); err != nil {
		t.Fatal(err)
	}
	if err := WriteUnfinished(old, Record{Student: "bob", Status: Timeout}); err != nil {
		t.Fatal(err)
	}
	if err := WriteClassCSV(out, []Record{rec}); err != nil {
		t.Fatal(err)
	}
	if err := WriteClassReport(out, []Record{rec}, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteKafkaChecks(filepath.Join(out, "kafka-checks"), KafkaChecks{Passed: 1}); err != nil {
		t.Fatal(err)
	}
	// A single grading's folder that did not exist (grade -out).
	single := filepath.Join(base, "single", "results")
	if err := ReportDir(single); err != nil {
		t.Fatal(err)
	}
	if err := WriteReports(single, scenarios, rec); err != nil {
		t.Fatal(err)
	}

	var files, dirs []string
	err = filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == base || path == out {
			return nil // the grader's choice
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			dirs = append(dirs, path)
			if info.Mode().Perm() != reportDirMode {
				t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), fs.FileMode(reportDirMode))
			}
		case d.Name() == PrairieLearnFile:
			// PrairieLearn reads its file as a user of its own (see WritePrairieLearn): it is
			// closed by its folder.
			files = append(files, path)
		default:
			files = append(files, path)
			if info.Mode().Perm() != reportFileMode {
				t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), fs.FileMode(reportFileMode))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("only %d reports written: %v", len(files), files)
	}
	for _, f := range files {
		if data, err := asStudent("cat", f); err == nil {
			t.Errorf("a student program read %s: %.80q", f, data)
		}
	}
	for _, d := range dirs {
		if data, err := asStudent("ls", d); err == nil {
			t.Errorf("a student program listed %s: %.80q", d, data)
		}
	}
}

// asStudent runs a command as a student user id, as local processes run a program.
func asStudent(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: attackerUID, Gid: attackerUID, Groups: []uint32{}}}
	return cmd.Output()
}
