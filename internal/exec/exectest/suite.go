package exectest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
)

// Harness says how the suite drives one executor implementation.
type Harness struct {
	// New returns a fresh executor. Every instance made by one Harness
	// shares the same backing store (the same Docker engine, the same
	// compilation cache directory), so a second instance plays the daemon
	// after a restart. New registers the executor's cleanup on t.
	New func(t *testing.T) exec.Executor
	// Spec returns the job spec that makes this executor run p. The suite
	// sets Timeout and Resources.Memory itself when a test needs them.
	Spec func(p Program) job.Spec
	// Reattaches says that a new instance takes over executions started
	// by an earlier one (docker); otherwise it reports them as
	// exec.ErrLost (wasm).
	Reattaches bool
}

// waitLimit bounds every Wait the suite expects to return: an executor
// that takes longer than this to run a trivial program or to stop one is
// broken.
const waitLimit = 2 * time.Minute

// Run runs the conformance suite against the executor h describes.
func Run(t *testing.T, h Harness) {
	ex := h.New(t)

	t.Run("Name", func(t *testing.T) {
		if ex.Name() == "" {
			t.Fatal("Name() is empty")
		}
	})

	t.Run("ExitCodes", func(t *testing.T) {
		tests := []struct {
			name string
			p    Program
			want int
		}{
			{name: "zero", p: Exit(0), want: 0},
			{name: "three", p: Exit(3), want: 3},
			{name: "echo exits zero", p: Echo("ok"), want: 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, _ := runToEnd(t, ex, newTask(t, h, tt.p))
				if res.ExitCode != tt.want {
					t.Fatalf("%s: exit code %d, want %d (result %+v)", tt.p, res.ExitCode, tt.want, res)
				}
				if res.TimedOut || res.Killed || res.OOMKilled {
					t.Fatalf("%s: unexpected flags in %+v", tt.p, res)
				}
				if res.StartedAt.IsZero() || res.FinishedAt.Before(res.StartedAt) {
					t.Fatalf("%s: bad times started %v finished %v", tt.p, res.StartedAt, res.FinishedAt)
				}
			})
		}
	})

	t.Run("Logs", func(t *testing.T) {
		tests := []struct {
			name string
			p    Program
		}{
			{name: "stdout", p: Echo("hello from stdout " + randomHex(t))},
			{name: "stderr", p: Stderr("hello from stderr " + randomHex(t))},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, logs := runToEnd(t, ex, newTask(t, h, tt.p))
				if res.ExitCode != 0 {
					t.Fatalf("%s: exit code %d, logs %q", tt.p, res.ExitCode, logs)
				}
				if !strings.Contains(logs, tt.p.Text+"\n") {
					t.Fatalf("%s: logs %q do not contain the text", tt.p, logs)
				}
			})
		}
	})

	t.Run("Outputs", func(t *testing.T) {
		content := "result " + randomHex(t)
		task := newTask(t, h, WriteOutput("result.txt", content))
		res, logs := runToEnd(t, ex, task)
		if res.ExitCode != 0 {
			t.Fatalf("exit code %d, logs %q", res.ExitCode, logs)
		}
		got, err := os.ReadFile(filepath.Join(task.OutputsDir, "result.txt"))
		if err != nil {
			t.Fatalf("read output: %v", err)
		}
		if string(got) != content {
			t.Fatalf("output %q, want %q", got, content)
		}
	})

	t.Run("InputsReadOnly", func(t *testing.T) {
		content := "input " + randomHex(t) + "\n"
		task := newTask(t, h, ReadInput("in.txt"))
		task.InputsDir = tempDir(t)
		path := filepath.Join(task.InputsDir, "in.txt")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		res, logs := runToEnd(t, ex, task)
		if res.ExitCode == 5 {
			t.Fatalf("the task could write to /inputs; logs %q", logs)
		}
		if res.ExitCode != 0 {
			t.Fatalf("exit code %d, logs %q", res.ExitCode, logs)
		}
		if !strings.Contains(logs, content) {
			t.Fatalf("logs %q do not contain the input %q", logs, content)
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Fatalf("input file changed: %q, %v", got, err)
		}
	})

	t.Run("Timeout", func(t *testing.T) {
		task := newTask(t, h, Sleep(10*time.Minute))
		task.Spec.Timeout = job.Duration(time.Second)
		start := time.Now()
		res, _ := runToEnd(t, ex, task)
		if !res.TimedOut {
			t.Fatalf("TimedOut is false: %+v", res)
		}
		if res.ExitCode == 0 || res.Killed {
			t.Fatalf("a timed-out execution reports exit code %d, killed %v", res.ExitCode, res.Killed)
		}
		if took := time.Since(start); took > time.Minute {
			t.Fatalf("a 1s timeout took %v to end the execution", took)
		}
	})

	t.Run("Kill", func(t *testing.T) {
		task := newTask(t, h, Sleep(10*time.Minute))
		start(t, ex, task)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := ex.Kill(ctx, task.ExecutionID); err != nil {
			t.Fatalf("Kill: %v", err)
		}
		res, err := ex.Wait(ctx, task.ExecutionID)
		if err != nil {
			t.Fatalf("Wait after Kill: %v", err)
		}
		if !res.Killed || res.TimedOut || res.ExitCode == 0 {
			t.Fatalf("result after Kill: %+v", res)
		}
		// Kill of an execution that has ended is harmless.
		if err := ex.Kill(ctx, task.ExecutionID); err != nil {
			t.Fatalf("second Kill: %v", err)
		}
	})

	t.Run("WaitCancelledDoesNotKill", func(t *testing.T) {
		task := newTask(t, h, Sleep(10*time.Minute))
		start(t, ex, task)
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := ex.Wait(cancelled, task.ExecutionID); !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait with a cancelled ctx: %v, want context.Canceled", err)
		}
		short, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel2()
		if res, err := ex.Wait(short, task.ExecutionID); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the execution ended after a cancelled Wait: %+v, %v", res, err)
		}
		kill(t, ex, task.ExecutionID)
	})

	t.Run("MemoryLimit", func(t *testing.T) {
		const limit = 64 << 20
		t.Run("under", func(t *testing.T) {
			task := newTask(t, h, AllocateMiB(8))
			task.Spec.Resources.Memory = limit
			res, logs := runToEnd(t, ex, task)
			if res.ExitCode != 0 || res.OOMKilled {
				t.Fatalf("allocating 8 MiB under a 64 MiB limit: %+v, logs %q", res, logs)
			}
			if !strings.Contains(logs, "allocated 8 MiB") {
				t.Fatalf("logs %q", logs)
			}
		})
		t.Run("over", func(t *testing.T) {
			task := newTask(t, h, AllocateMiB(256))
			task.Spec.Resources.Memory = limit
			res, logs := runToEnd(t, ex, task)
			if res.ExitCode == 0 && !res.OOMKilled {
				t.Fatalf("allocating 256 MiB under a 64 MiB limit succeeded: %+v, logs %q", res, logs)
			}
			if strings.Contains(logs, "allocated 256 MiB") {
				t.Fatalf("the allocation completed: logs %q", logs)
			}
		})
	})

	t.Run("RemoveThenWait", func(t *testing.T) {
		task := newTask(t, h, Echo("bye"))
		runToEnd(t, ex, task)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := ex.Remove(ctx, task.ExecutionID); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		_, err := ex.Wait(ctx, task.ExecutionID)
		if !errors.Is(err, exec.ErrNotFound) && !errors.Is(err, exec.ErrLost) {
			t.Fatalf("Wait after Remove: %v, want ErrNotFound or ErrLost", err)
		}
	})

	t.Run("LogsFollow", func(t *testing.T) {
		task := newTask(t, h, Sleep(10*time.Minute))
		task.Spec.Timeout = job.Duration(3 * time.Second)
		begin := time.Now()
		start(t, ex, task)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()

		// Without follow, Logs returns what is there now, while it runs.
		rc, err := ex.Logs(ctx, task.ExecutionID, false)
		if err != nil {
			t.Fatalf("Logs: %v", err)
		}
		if _, err := readAll(ctx, rc); err != nil {
			t.Fatalf("read logs without follow of a running execution: %v", err)
		}

		rc, err = ex.Logs(ctx, task.ExecutionID, true)
		if err != nil {
			t.Fatalf("Logs follow: %v", err)
		}
		logs, err := readAll(ctx, rc)
		if err != nil {
			t.Fatalf("read followed logs: %v", err)
		}
		if took := time.Since(begin); took < 2*time.Second {
			t.Fatalf("followed logs ended after %v, before the 3s timeout ended the execution", took)
		}
		if !strings.Contains(logs, "sleeping\n") {
			t.Fatalf("followed logs %q lack the program's output", logs)
		}
		res, err := ex.Wait(ctx, task.ExecutionID)
		if err != nil || !res.TimedOut {
			t.Fatalf("Wait after followed logs ended: %+v, %v", res, err)
		}
	})

	t.Run("Restart", func(t *testing.T) {
		a := h.New(t)
		task := newTask(t, h, Sleep(10*time.Minute))
		task.Spec.Timeout = job.Duration(10 * time.Minute)
		start(t, a, task)
		t.Cleanup(func() {
			// Best effort: with a reattaching executor b has killed it.
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			if a.Kill(ctx, task.ExecutionID) == nil {
				a.Wait(ctx, task.ExecutionID)
			}
		})

		b := h.New(t)
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if !h.Reattaches {
			if _, err := b.Wait(ctx, task.ExecutionID); !errors.Is(err, exec.ErrLost) {
				t.Fatalf("Wait on a new instance: %v, want exec.ErrLost", err)
			}
			return
		}
		short, cancel2 := context.WithTimeout(ctx, 2*time.Second)
		defer cancel2()
		if res, err := b.Wait(short, task.ExecutionID); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait on a new instance of a running execution: %+v, %v; want it still running", res, err)
		}
		rc, err := b.Logs(ctx, task.ExecutionID, false)
		if err != nil {
			t.Fatalf("Logs on a new instance: %v", err)
		}
		if logs, err := readAll(ctx, rc); err != nil || !strings.Contains(logs, "sleeping\n") {
			t.Fatalf("logs on a new instance: %q, %v", logs, err)
		}
		if err := b.Kill(ctx, task.ExecutionID); err != nil {
			t.Fatalf("Kill on a new instance: %v", err)
		}
		res, err := b.Wait(ctx, task.ExecutionID)
		if err != nil {
			t.Fatalf("Wait after Kill on a new instance: %v", err)
		}
		if res.ExitCode == 0 {
			t.Fatalf("killed execution reports exit code 0: %+v", res)
		}
	})
}

// newTask returns a task running p with fresh IDs and an empty outputs
// directory; the execution is killed and removed when t ends.
func newTask(t *testing.T, h Harness, p Program) exec.Task {
	t.Helper()
	suffix := randomHex(t)
	task := exec.Task{
		JobID:       "exectest-job-" + suffix,
		ExecutionID: "exectest-" + suffix,
		Spec:        h.Spec(p),
		OutputsDir:  tempDir(t),
	}
	return task
}

// tempDir returns a directory any user may write to, since a sandbox may
// run as an unprivileged user.
func tempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// start prepares and starts task on ex, and removes it when t ends.
func start(t *testing.T, ex exec.Executor, task exec.Task) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := ex.Prepare(ctx, task); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if err := ex.Start(ctx, task); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := ex.Remove(ctx, task.ExecutionID); err != nil && !errors.Is(err, exec.ErrNotFound) && !errors.Is(err, exec.ErrLost) {
			t.Errorf("Remove %s: %v", task.ExecutionID, err)
		}
	})
}

// runToEnd runs task on ex and returns its Result and logs.
func runToEnd(t *testing.T, ex exec.Executor, task exec.Task) (exec.Result, string) {
	t.Helper()
	start(t, ex, task)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := ex.Wait(ctx, task.ExecutionID)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	rc, err := ex.Logs(ctx, task.ExecutionID, false)
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	logs, err := readAll(ctx, rc)
	if err != nil {
		t.Fatalf("read logs: %v", err)
	}
	return res, logs
}

// kill kills an execution and waits for its end.
func kill(t *testing.T, ex exec.Executor, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := ex.Kill(ctx, id); err != nil {
		t.Errorf("Kill %s: %v", id, err)
		return
	}
	if _, err := ex.Wait(ctx, id); err != nil {
		t.Errorf("Wait after Kill %s: %v", id, err)
	}
}

// readAll reads and closes rc, giving up when ctx is done.
func readAll(ctx context.Context, rc io.ReadCloser) (string, error) {
	type read struct {
		b   []byte
		err error
	}
	ch := make(chan read, 1)
	go func() {
		var buf bytes.Buffer
		_, err := io.Copy(&buf, rc)
		ch <- read{buf.Bytes(), err}
	}()
	select {
	case r := <-ch:
		rc.Close()
		return string(r.b), r.err
	case <-ctx.Done():
		rc.Close()
		return "", ctx.Err()
	}
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
