package wasm_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/exec/wasm"
	"github.com/deco-network/deco/internal/job"
)

// tinyModule returns a hand-assembled module whose _start runs body (the
// code of one function without locals, ending with 0x0b). With memPages > 0
// it also declares and exports a memory of that many initial pages.
func tinyModule(body []byte, memPages int) []byte {
	section := func(id byte, content ...byte) []byte {
		return append([]byte{id, byte(len(content))}, content...)
	}
	m := []byte{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}
	m = append(m, section(1, 0x01, 0x60, 0x00, 0x00)...) // type: () -> ()
	m = append(m, section(3, 0x01, 0x00)...)             // function 0 has type 0
	exports := []byte{0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00}
	if memPages > 0 {
		var leb []byte
		for v := uint32(memPages); ; {
			b := byte(v & 0x7f)
			v >>= 7
			if v == 0 {
				leb = append(leb, b)
				break
			}
			leb = append(leb, b|0x80)
		}
		m = append(m, section(5, append([]byte{0x01, 0x00}, leb...)...)...)
		exports = []byte{0x02, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00}
	}
	m = append(m, section(7, exports...)...)
	fn := append([]byte{0x00}, body...) // no locals
	m = append(m, section(10, append([]byte{0x01, byte(len(fn))}, fn...)...)...)
	return m
}

var (
	emptyBody = []byte{0x0b}       // end
	trapBody  = []byte{0x00, 0x0b} // unreachable; end
)

func guestTask(t testing.TB, module []byte, args ...string) exec.Task {
	t.Helper()
	return exec.Task{
		JobID:       "job-1",
		ExecutionID: "exec-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Spec: job.Spec{
			APIVersion: job.APIVersion,
			Executor:   job.ExecutorWasm,
			Wasm:       &job.WasmModule{Inline: module},
			Command:    args,
		},
		OutputsDir: t.TempDir(),
	}
}

// runTask runs task to its end and returns its Result and logs.
func runTask(t testing.TB, ex *wasm.Executor, task exec.Task) (exec.Result, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ex.Start(ctx, task); err != nil {
		t.Fatalf("Start: %v", err)
	}
	res, err := ex.Wait(ctx, task.ExecutionID)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	rc, err := ex.Logs(ctx, task.ExecutionID, false)
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	defer rc.Close()
	b := new(strings.Builder)
	if _, err := io.Copy(b, rc); err != nil {
		t.Fatalf("read logs: %v", err)
	}
	if err := ex.Remove(ctx, task.ExecutionID); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	return res, b.String()
}

func TestArgsAndEnv(t *testing.T) {
	ex := newExecutor(t, wasm.Config{})
	module := exectest.GuestModule(t)

	task := guestTask(t, module, "echo", "a b", "c")
	res, logs := runTask(t, ex, task)
	if res.ExitCode != 0 || logs != "a b c\n" {
		t.Fatalf("echo: %+v, logs %q", res, logs)
	}

	task = guestTask(t, module, "env", "ALPHA", "BETA", "HOME")
	task.Spec.Env = map[string]string{"ALPHA": "1", "BETA": "two words"}
	res, logs = runTask(t, ex, task)
	if want := "ALPHA=1\nBETA=two words\nHOME=\n"; res.ExitCode != 0 || logs != want {
		t.Fatalf("env: %+v, logs %q, want %q (host variables must not leak)", res, logs, want)
	}
}

func TestDeterminism(t *testing.T) {
	ex := newExecutor(t, wasm.Config{})
	module := exectest.GuestModule(t)

	run := func(jobID string, index int) (string, string) {
		task := guestTask(t, module, "determinism")
		task.JobID, task.TaskIndex = jobID, index
		res, logs := runTask(t, ex, task)
		if res.ExitCode != 0 {
			t.Fatalf("determinism guest: %+v, logs %q", res, logs)
		}
		out, err := os.ReadFile(filepath.Join(task.OutputsDir, "determinism.txt"))
		if err != nil {
			t.Fatal(err)
		}
		return logs, string(out)
	}
	logs1, out1 := run("job-a", 0)
	logs2, out2 := run("job-a", 0)
	if logs1 != logs2 || out1 != out2 {
		t.Fatalf("two runs of one task differ:\n%s\n---\n%s", logs1, logs2)
	}
	if out1 != logs1 {
		t.Fatalf("output %q differs from logs %q", out1, logs1)
	}
	if !strings.HasPrefix(logs1, "walltime "+wasm.Epoch.Format("2006-01-02T15:04:05.")) {
		t.Fatalf("the task's clock does not start at the epoch: %q", logs1)
	}
	if !strings.Contains(logs1, "after sleeping 1h 2022-01-01T01:00:00") {
		t.Fatalf("sleep does not advance the virtual clock: %q", logs1)
	}
	randoms := func(s string) string { return s[strings.Index(s, "crypto/rand"):] }
	for _, other := range []struct {
		job   string
		index int
	}{{"job-a", 1}, {"job-b", 0}} {
		logs, _ := run(other.job, other.index)
		if randoms(logs) == randoms(logs1) {
			t.Fatalf("task (%s, %d) reads the same random numbers as (job-a, 0): %q", other.job, other.index, logs)
		}
	}
}

func TestLimitsAndFailures(t *testing.T) {
	ex := newExecutor(t, wasm.Config{MaxMemory: 1 << 30})
	module := exectest.GuestModule(t)

	t.Run("oom", func(t *testing.T) {
		task := guestTask(t, module, "alloc", "256")
		task.Spec.Resources.Memory = 64 << 20
		res, logs := runTask(t, ex, task)
		if !res.OOMKilled || res.ExitCode == 0 {
			t.Fatalf("over the memory limit: %+v, logs %q", res, logs)
		}
	})
	t.Run("trap", func(t *testing.T) {
		res, _ := runTask(t, ex, guestTask(t, tinyModule(trapBody, 0)))
		if res.ExitCode != 1 || !strings.Contains(res.Error, "unreachable") {
			t.Fatalf("trap: %+v", res)
		}
	})
	t.Run("return from _start", func(t *testing.T) {
		res, _ := runTask(t, ex, guestTask(t, tinyModule(emptyBody, 1)))
		if res.ExitCode != 0 || res.Error != "" {
			t.Fatalf("empty module: %+v", res)
		}
	})
	t.Run("initial memory over the limit", func(t *testing.T) {
		task := guestTask(t, tinyModule(emptyBody, 2048)) // 128 MiB
		task.Spec.Resources.Memory = 64 << 20
		if err := ex.Start(context.Background(), task); !errors.Is(err, wasm.ErrMemoryLimit) {
			t.Fatalf("Start: %v, want ErrMemoryLimit", err)
		}
	})
}

func TestPrepareRefuses(t *testing.T) {
	ex := newExecutor(t, wasm.Config{MaxMemory: 1 << 30})
	module := tinyModule(emptyBody, 0)
	sum := sha256.Sum256(module)
	tests := []struct {
		name   string
		modify func(*exec.Task)
		want   error
	}{
		{name: "no module", modify: func(t *exec.Task) { t.Spec.Wasm = nil }, want: wasm.ErrNoModule},
		{name: "url only", modify: func(t *exec.Task) {
			t.Spec.Wasm = &job.WasmModule{URL: "https://example.com/m.wasm", SHA256: hex.EncodeToString(sum[:])}
		}, want: wasm.ErrNoModule},
		{name: "digest mismatch", modify: func(t *exec.Task) { t.Spec.Wasm.SHA256 = strings.Repeat("00", 32) }, want: wasm.ErrDigestMismatch},
		{name: "memory over the maximum", modify: func(t *exec.Task) { t.Spec.Resources.Memory = 2 << 30 }, want: wasm.ErrMemoryLimit},
		{name: "sha256 not hex", modify: func(t *exec.Task) { t.Spec.Wasm.SHA256 = "xyz" }, want: wasm.ErrDigestMismatch},
		{name: "not wasm", modify: func(t *exec.Task) { t.Spec.Wasm.Inline = []byte("#!/bin/sh\n") }},
		{name: "matching digest", modify: func(t *exec.Task) { t.Spec.Wasm.SHA256 = hex.EncodeToString(sum[:]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := guestTask(t, module)
			tt.modify(&task)
			err := ex.Prepare(context.Background(), task)
			switch {
			case tt.name == "matching digest":
				if err != nil {
					t.Fatalf("Prepare: %v", err)
				}
			case tt.want == nil:
				if err == nil {
					t.Fatal("Prepare accepted an invalid module")
				}
			case !errors.Is(err, tt.want):
				t.Fatalf("Prepare: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestExecutionIDs(t *testing.T) {
	ex := newExecutor(t, wasm.Config{})
	ctx := context.Background()
	task := guestTask(t, tinyModule(emptyBody, 0))
	if err := ex.Start(ctx, task); err != nil {
		t.Fatal(err)
	}
	if err := ex.Start(ctx, task); !errors.Is(err, wasm.ErrExists) {
		t.Fatalf("second Start with one ID: %v, want ErrExists", err)
	}
	if _, err := ex.Wait(ctx, task.ExecutionID); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Logs(ctx, "unknown", false); !errors.Is(err, exec.ErrLost) {
		t.Fatalf("Logs of an unknown ID: %v", err)
	}
	if err := ex.Kill(ctx, "unknown"); !errors.Is(err, exec.ErrLost) {
		t.Fatalf("Kill of an unknown ID: %v", err)
	}
	if err := ex.Remove(ctx, "unknown"); err != nil {
		t.Fatalf("Remove of an unknown ID: %v", err)
	}
}

func TestLogsTruncated(t *testing.T) {
	ex := newExecutor(t, wasm.Config{MaxLogBytes: 10})
	_, logs := runTask(t, ex, guestTask(t, exectest.GuestModule(t), "echo", "0123456789abcdef"))
	if want := "0123456789\n[deco: logs truncated at 10 bytes]\n"; logs != want {
		t.Fatalf("logs %q, want %q", logs, want)
	}
}

func TestCloseKillsRunning(t *testing.T) {
	ex, err := wasm.New(wasm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	task := guestTask(t, exectest.GuestModule(t), "spin")
	if err := ex.Start(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ex.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Close did not stop a spinning execution")
	}
	if err := ex.Start(context.Background(), guestTask(t, tinyModule(emptyBody, 0))); err == nil {
		t.Fatal("Start after Close succeeded")
	}
}

// A task naming the digest of a module compiled earlier runs that module,
// whatever its own bytes; a task naming a digest not compiled yet has its
// bytes checked.
func TestNamedDigestRunsNamedModule(t *testing.T) {
	ex := newExecutor(t, wasm.Config{})
	good := tinyModule(emptyBody, 1)
	sum := sha256.Sum256(good)
	task := guestTask(t, good)
	task.Spec.Wasm.SHA256 = hex.EncodeToString(sum[:])
	if err := ex.Prepare(context.Background(), task); err != nil {
		t.Fatal(err)
	}
	task = guestTask(t, tinyModule(trapBody, 1))
	task.Spec.Wasm.SHA256 = hex.EncodeToString(sum[:])
	if res, _ := runTask(t, ex, task); res.ExitCode != 0 || res.Error != "" {
		t.Fatalf("the named module did not run: %+v", res)
	}
	other := tinyModule(trapBody, 2)
	otherSum := sha256.Sum256(tinyModule(emptyBody, 2))
	task = guestTask(t, other)
	task.Spec.Wasm.SHA256 = hex.EncodeToString(otherSum[:])
	if err := ex.Prepare(context.Background(), task); !errors.Is(err, wasm.ErrDigestMismatch) {
		t.Fatalf("Prepare of bytes not matching a new digest: %v", err)
	}
}

// TestCompiledModulesAreEvicted: beyond MaxModules the least recently used
// compiled module is dropped. A module still held runs when a task names
// its digest with other bytes; a dropped one is hashed again and refused.
func TestCompiledModulesAreEvicted(t *testing.T) {
	ex := newExecutor(t, wasm.Config{MaxModules: 2})
	named := func(pages int) exec.Task {
		m := tinyModule(emptyBody, pages)
		sum := sha256.Sum256(m)
		task := guestTask(t, m)
		task.Spec.Wasm.SHA256 = hex.EncodeToString(sum[:])
		return task
	}
	prepare := func(task exec.Task) {
		t.Helper()
		if err := ex.Prepare(context.Background(), task); err != nil {
			t.Fatal(err)
		}
	}
	// held reports whether the module of task is still compiled here.
	held := func(task exec.Task) bool {
		t.Helper()
		impostor := guestTask(t, tinyModule(trapBody, 9))
		impostor.Spec.Wasm.SHA256 = task.Spec.Wasm.SHA256
		err := ex.Prepare(context.Background(), impostor)
		if err != nil && !errors.Is(err, wasm.ErrDigestMismatch) {
			t.Fatal(err)
		}
		return err == nil
	}
	a, b, c := named(1), named(2), named(3)
	prepare(a)
	prepare(b)
	prepare(a) // a is now more recently used than b
	prepare(c)
	if !held(a) || !held(c) {
		t.Fatal("a recently used module was dropped")
	}
	if held(b) {
		t.Fatal("the least recently used module is still held beyond MaxModules")
	}
	if res, _ := runTask(t, ex, b); res.ExitCode != 0 || res.Error != "" {
		t.Fatalf("a dropped module does not compile again: %+v", res)
	}
}
