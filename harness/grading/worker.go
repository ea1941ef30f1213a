package grading

import (
	"bufio"
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
// until r ends.
func Serve(r io.Reader, w io.Writer, grade func(Job) error) error {
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
		if err := enc.Encode(done); err != nil {
			return fmt.Errorf("worker: answer: %w", err)
		}
	}
	return in.Err()
}

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
	w := &worker{cmd: b.Worker(), answers: make(chan Done, 1), exited: make(chan struct{}), log: &switchWriter{}}
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
// submissions.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return len(p), nil
	}
	_, _ = s.w.Write(p) // a log that fails to write must not stop the worker
	return len(p), nil
}
