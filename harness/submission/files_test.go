package submission

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The files of a submission an attacker hands in: each is refused with a message, and nothing
// blocks or reads outside the folder.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("grader's secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink(outside, filepath.Join(dir, "outside.py")))
	must(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.py")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo.py"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "big.py"), make([]byte, ProgramLimit+1), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "ok.py"), []byte("print(1)\n"), 0o644))
	for name, want := range map[string]string{
		"outside.py": "is a link to " + outside,
		"zero.py":    "is a link to /dev/zero",
		"fifo.py":    "is a FIFO",
		"big.py":     "more than the 1 MiB it may have",
	} {
		data, err := ReadFile(dir, name, ProgramLimit)
		var ferr *FileError
		if !errors.As(err, &ferr) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %q, %v; want a FileError saying %q", name, data, err, want)
		}
	}
	if data, err := ReadFile(dir, "ok.py", ProgramLimit); err != nil || string(data) != "print(1)\n" {
		t.Errorf("ok.py: %q, %v", data, err)
	}
	if _, err := ReadFile(dir, "none.py", ProgramLimit); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("none.py: %v, want not exist", err)
	}
}

func TestLoadRefusesLinkedOrHugeAnswers(t *testing.T) {
	linked := t.TempDir()
	must(t, os.Symlink("/etc/passwd", filepath.Join(linked, "answers.yaml")))
	if err := Load(linked).Err(); err == nil || !strings.Contains(err.Error(), "answers.yaml is a link to /etc/passwd") {
		t.Errorf("linked answers.yaml: %v", err)
	}
	huge := t.TempDir()
	f, err := os.Create(filepath.Join(huge, "answers.yaml"))
	must(t, err)
	must(t, f.Truncate(50<<20)) // 50 MB, sparse
	f.Close()
	if err := Load(huge).Err(); err == nil || !strings.Contains(err.Error(), "answers.yaml has 50 MiB, more than the 64 KiB") {
		t.Errorf("huge answers.yaml: %v", err)
	}
}

// A syntax error far down a long file is found, with a bounded number of parses.
func TestSyntaxErrorLineInLongFile(t *testing.T) {
	var b strings.Builder
	for range 1500 {
		b.WriteString("# a comment, long file\n")
	}
	b.WriteString("create_topic: ./bin/kafka-topics.sh --create\n")
	b.WriteString("  list_topics: x\n") // line 1502: indented under a scalar
	err := load(t, b.String()).Err()
	if err == nil || !strings.Contains(err.Error(), "answers.yaml line 150") {
		t.Errorf("err = %v, want a line near 1502", err)
	}
}

func TestStageCopiesOnlyRegularFiles(t *testing.T) {
	dir, dst := t.TempDir(), filepath.Join(t.TempDir(), "staged")
	must(t, os.WriteFile(filepath.Join(dir, "balance_calculator.py"), []byte("import helper\n"), 0o600))
	must(t, os.MkdirAll(filepath.Join(dir, "lib"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "lib", "helper.py"), []byte("x = 1\n"), 0o600))
	must(t, os.Symlink("/etc", filepath.Join(dir, "etc")))
	must(t, os.Symlink("/etc/passwd", filepath.Join(dir, "passwd.py")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	skipped, err := Stage(dir, dst)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"balance_calculator.py", "lib/helper.py"} {
		st, err := os.Stat(filepath.Join(dst, f))
		if err != nil || st.Mode().Perm() != 0o644 {
			t.Errorf("%s not staged readable by everyone: %v %v", f, st, err)
		}
	}
	for _, f := range []string{"etc", "passwd.py", "fifo"} {
		if _, err := os.Lstat(filepath.Join(dst, f)); err == nil {
			t.Errorf("%s was staged", f)
		}
	}
	if len(skipped) != 3 {
		t.Errorf("skipped %q, want etc, passwd.py and fifo", skipped)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
