package grading

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// A batch grades its submissions in worker processes, each of which grades one submission
// after another with the same Kafka clusters (spec.Grader): a cluster's start is paid once
// per worker, not once per submission. The protocol is a line of JSON per message: the batch
// writes a Job to the worker's stdin; the worker grades it, writes its reports (score.json
// last) and answers with a Done on stdout. What else the worker says (stderr) goes to the
// submission's grade.log. A worker past a submission's time limit is stopped as Ctrl-C stops
// a grading (it removes its containers) and the next submission gets a new one.

// Job is one submission for a worker to grade.
type Job struct {
	Submission string `json:"submission"`
	Out        string `json:"out"` // its report folder
}

// Done is a worker's answer once a job is done: its reports are written, unless Error says
// why not.
type Done struct {
	Out   string `json:"out"`
	Error string `json:"error,omitempty"`
}

// Serve is a worker's loop: it reads jobs from r, grades each with grade and answers on w,
// until r ends. Before each answer it ends what it said about the job on log (its stderr) with
// JobEnd, so that the batch files all of it, and nothing more, in that job's grade.log.
func Serve(r io.Reader, w, log io.Writer, grade func(Job) error) error {
	in := bufio.NewScanner(r)
	in.Buffer(make([]byte, 64<<10), 1<<20)
	enc := json.NewEncoder(w)
	for in.Scan() {
		var job Job
		if err := json.Unmarshal(in.Bytes(), &job); err != nil {
			return fmt.Errorf("worker: a job that is not JSON: %w", err)
		}
		done := Done{Out: job.Out}
		if err := grade(job); err != nil {
			done.Error = err.Error()
		}
		if _, err := io.WriteString(log, JobEnd); err != nil {
			return fmt.Errorf("worker: end of the job's log: %w", err)
		}
		if err := enc.Encode(done); err != nil {
			return fmt.Errorf("worker: answer: %w", err)
		}
	}
	return in.Err()
}

// JobEnd is the line a worker writes on its stderr when a job is done, before its answer. The
// answer and the stderr come through two pipes, so the answer can arrive first: the batch
// keeps the job's log open until it sees this line.
const JobEnd = "\x1ekafka-lab: end of the job's log\x1e\n"

// logDrain bounds the wait for JobEnd after an answer: a worker that answered has written it
// already, so only a pipe that stalls is cut short (what comes later goes nowhere).
const logDrain = 10 * time.Second

// stopGrace is how long a stopped worker has to remove its containers before it is killed.
const stopGrace = 30 * time.Second

// worker is a batch's running worker process.
type worker struct {
	cmd     *exec.Cmd
	jobs    io.WriteCloser
	answers chan Done // closed when the worker's stdout ends; one answer per job, so never full
	exited  chan struct{}
	waitErr error
	log     *switchWriter
}

// startWorker starts a worker process from b.Worker.
func (b Batch) startWorker() (*worker, error) {
	w := &worker{cmd: b.Worker(), answers: make(chan Done, 1), exited: make(chan struct{}), log: newSwitchWriter()}
	// Its own process group, so that a stop reaches whatever it started; stopped with the
	// batch if the batch itself dies.
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	w.cmd.Stderr = w.log
	w.cmd.WaitDelay = stopGrace
	jobs, err := w.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// A pipe of our own for the answers (not StdoutPipe): Wait must not close it under the
	// reader.
	ar, aw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	w.cmd.Stdout = aw
	if err := w.cmd.Start(); err != nil {
		ar.Close()
		aw.Close()
		return nil, fmt.Errorf("start a grading worker: %w", err)
	}
	aw.Close()
	w.jobs = jobs
	go func() {
		defer close(w.answers)
		defer ar.Close()
		sc := bufio.NewScanner(ar)
		for sc.Scan() {
			var d Done
			if json.Unmarshal(sc.Bytes(), &d) == nil {
				w.answers <- d
			}
		}
	}()
	go func() {
		w.waitErr = w.cmd.Wait()
		close(w.exited)
	}()
	return w, nil
}

// outcome is how a job given to a worker ended.
type outcome int

const (
	answered outcome = iota
	timedOut
	interrupted
	workerDied
)

// grade gives the worker a job and waits for its answer, the time limit, ctx or the worker's
// end. Past the limit or with ctx done, the worker is stopped and must not be given another.
func (w *worker) grade(ctx context.Context, job Job, limit time.Duration, log io.Writer) (Done, outcome, error) {
	w.log.set(log)
	defer w.log.set(nil)
	line, err := json.Marshal(job)
	if err != nil {
		return Done{}, workerDied, err
	}
	if _, err := w.jobs.Write(append(line, '\n')); err != nil {
		w.stop()
		return Done{}, workerDied, fmt.Errorf("the grading worker took no job: %w", err)
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case d, ok := <-w.answers:
		if ok {
			w.log.awaitEnd(logDrain, w.exited)
			return d, answered, nil
		}
		w.stop()
		return Done{}, workerDied, fmt.Errorf("the grading worker ended (%v)", w.waitErr)
	case <-timer.C:
		w.stop()
		return Done{}, timedOut, nil
	case <-ctx.Done():
		w.stop()
		return Done{}, interrupted, nil
	}
}

// stop stops the worker as Ctrl-C would (it removes its containers and exits), kills what is
// left of its group after stopGrace, and waits for it.
func (w *worker) stop() {
	pid := w.cmd.Process.Pid
	_ = w.jobs.Close()
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-w.exited:
	case <-time.After(stopGrace):
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	<-w.exited
}

// close ends an idle worker: its input ends, it removes its clusters and exits.
func (w *worker) close() error {
	_ = w.jobs.Close()
	select {
	case <-w.exited:
	case <-time.After(2 * stopGrace):
		w.stop()
	}
	_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL) // whatever of the group is left
	if w.waitErr != nil {
		return fmt.Errorf("a grading worker ended with %w", w.waitErr)
	}
	return nil
}

// switchWriter is a worker's stderr: the log of the submission it grades, or nowhere between
// submissions. It passes on whole lines, and takes JobEnd for the end of a job's log.
type switchWriter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte        // the start of a line not ended yet
	ended   chan struct{} // JobEnd was seen
}

func newSwitchWriter() *switchWriter { return &switchWriter{ended: make(chan struct{}, 1)} }

// maxPartial is how much of an unended line is held back before it is written as it is.
const maxPartial = 64 << 10

// set switches to the log of the next job (nil: none), after the last one's unended line.
func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushPartial()
	s.w = w
	select {
	case <-s.ended: // a job's end seen after its log was given up
	default:
	}
}

// awaitEnd waits until the job's log has ended (JobEnd), the worker exited, or limit passed.
func (s *switchWriter) awaitEnd(limit time.Duration, exited <-chan struct{}) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case <-s.ended:
	case <-exited:
	case <-timer.C:
	}
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			break
		}
		if line := s.partial[:i+1]; bytes.HasSuffix(line, []byte(JobEnd)) {
			s.write(line[:len(line)-len(JobEnd)]) // the job's last words, if they ended no line
			select {
			case s.ended <- struct{}{}:
			default:
			}
		} else {
			s.write(line)
		}
		s.partial = s.partial[i+1:]
	}
	if len(s.partial) > maxPartial {
		s.flushPartial()
	}
	s.partial = append([]byte(nil), s.partial...) // not to keep what was written alive
	return len(p), nil
}

func (s *switchWriter) flushPartial() {
	s.write(s.partial)
	s.partial = s.partial[:0]
}

func (s *switchWriter) write(p []byte) {
	if s.w != nil && len(p) > 0 {
		_, _ = s.w.Write(p) // a log that fails to write must not stop the worker
	}
}
