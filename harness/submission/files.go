package submission

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// Caps on what is read of a submission: far above what the lab needs, far below what could
// tie up a grader.
const (
	AnswersLimit = 64 << 10 // answers.yaml
	ProgramLimit = 1 << 20  // each file a program may use, its .py first
	stageLimit   = 16 << 20 // all the files staged for the programs
	stageFiles   = 500
	stageDepth   = 4
)

// FileError is a file of the submission that is not read: not a regular file of the folder, or
// too big. Its message is the student's.
type FileError struct {
	Name string // as in the folder, e.g. "answers.yaml"
	What string // e.g. "is a link to /etc/passwd"
	Fix  string
}

func (e *FileError) Error() string { return fmt.Sprintf("%s %s: %s", e.Name, e.What, e.Fix) }

const (
	fixIrregular = "only regular files of the submission folder are read; hand in the file itself"
	fixSize      = "hand in the file the lab asks for, not data"
)

// ReadFile reads the file name of the folder dir, which must be a regular file of at most
// limit bytes. A link is not followed and a FIFO or device is not opened for reading, so
// nothing outside the folder is read and nothing blocks; a missing file is fs.ErrNotExist.
func ReadFile(dir, name string, limit int64) ([]byte, error) {
	path := filepath.Join(dir, name)
	// O_NOFOLLOW refuses a link; O_NONBLOCK keeps a FIFO from blocking the open.
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) {
			return nil, &FileError{Name: name, What: "is a link" + linkTarget(path), Fix: fixIrregular}
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if what := irregular(st.Mode()); what != "" {
		return nil, &FileError{Name: name, What: what, Fix: fixIrregular}
	}
	if st.Size() > limit {
		return nil, &FileError{Name: name, What: fmt.Sprintf("has %s, more than the %s it may have", size(st.Size()), size(limit)), Fix: fixSize}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > limit { // it grew while read
		return nil, &FileError{Name: name, What: fmt.Sprintf("has more than the %s it may have", size(limit)), Fix: fixSize}
	}
	return data, nil
}

// Stage copies what a program of the submission may use into dst (made readable by everyone,
// so that an unprivileged program reads it): the regular files of dir and of its folders a few
// levels down, within caps. Links, FIFOs and devices are left out, as is whatever passes a cap:
// the program runs from this copy, never from the folder handed in. It returns what it left
// out, for the student.
func Stage(dir, dst string) (skipped []string, err error) {
	// The folder handed in is named by whoever grades: a link to it is followed, nothing in it.
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(dst, 0o755); err != nil {
		return nil, err
	}
	var total int64
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir {
				return err
			}
			skipped = append(skipped, fmt.Sprintf("%s (%v)", path, err))
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			// WalkDir does not follow links to folders; it lists them as links.
			if rel != "." && depth(rel) > stageDepth {
				skipped = append(skipped, rel+"/ (too deep)")
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if what := irregular(d.Type()); what != "" {
			skipped = append(skipped, rel+" ("+what+")")
			return nil
		}
		if files >= stageFiles {
			skipped = append(skipped, rel+" (more files than the "+fmt.Sprint(stageFiles)+" read)")
			return nil
		}
		data, rerr := ReadFile(filepath.Dir(path), d.Name(), ProgramLimit)
		if rerr != nil || total+int64(len(data)) > stageLimit {
			if rerr == nil {
				rerr = fmt.Errorf("the files read add up to more than %s", size(stageLimit))
			}
			skipped = append(skipped, fmt.Sprintf("%s (%v)", rel, rerr))
			return nil
		}
		total += int64(len(data))
		files++
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	return skipped, err
}

// depth counts the names in a relative path: "lib/helper.py" is 2.
func depth(rel string) int { return strings.Count(rel, string(filepath.Separator)) + 1 }

// irregular says what a file of this mode is when it is not a regular file or a folder.
func irregular(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "is a link"
	case m&fs.ModeNamedPipe != 0:
		return "is a FIFO"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		return "is a device"
	case m&fs.ModeSocket != 0:
		return "is a socket"
	case m&fs.ModeIrregular != 0:
		return "is not a regular file"
	}
	return ""
}

// linkTarget is " to TARGET" for a link, for the message.
func linkTarget(path string) string {
	if t, err := os.Readlink(path); err == nil {
		return " to " + t
	}
	return ""
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ConfigDir is the submission's folder of configuration files (section 7's brokers, a
// producer's --producer.config): each is placed in the Kafka folder's config/, where the
// student's commands name it, in place of Kafka's own file of that name.
const ConfigDir = "config"

// Caps on the configuration files: Kafka's own config/ has about 20 of a few KiB each.
const (
	ConfigLimit    = 64 << 10
	MaxConfigFiles = 20
)

// configName is a name a configuration file may have: one plain file name, no folder.
var configName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ConfigFiles reads the submission's configuration files (dir/config/*), by name. A file that
// is not read (a link, a folder, too big, an odd name, past the cap) is left out and named in
// skipped, for the student; err is for a config/ that cannot be read at all. No config/ is no
// files.
func ConfigFiles(dir string) (files map[string][]byte, skipped []string, err error) {
	entries, err := os.ReadDir(filepath.Join(dir, ConfigDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read the submission's %s/: %w", ConfigDir, err)
	}
	files = map[string][]byte{}
	for _, e := range entries {
		name := ConfigDir + "/" + e.Name()
		switch {
		case !configName.MatchString(e.Name()):
			skipped = append(skipped, fmt.Sprintf("%s: its name is not a plain file name (letters, digits, '.', '_', '-')", name))
			continue
		case e.IsDir():
			skipped = append(skipped, name+" is a folder: put the configuration files themselves in "+ConfigDir+"/")
			continue
		case len(files) == MaxConfigFiles:
			skipped = append(skipped, fmt.Sprintf("%s: %s/ may hold %d files", name, ConfigDir, MaxConfigFiles))
			continue
		}
		data, err := ReadFile(filepath.Join(dir, ConfigDir), e.Name(), ConfigLimit)
		var ferr *FileError
		switch {
		case errors.As(err, &ferr):
			ferr.Name = name
			skipped = append(skipped, ferr.Error())
			continue
		case err != nil:
			return nil, nil, err
		}
		files[e.Name()] = data
	}
	return files, skipped, nil
}
