package devnet_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

// TestArrayJobEndToEnd runs a three-task array job on two providers with
// room for two tasks each: placed all at once, every task under its own
// deal and execution, each given its index and its share of two split
// inputs, the logs prefixed by task and the outputs gathered as task-N/.
func TestArrayJobEndToEnd(t *testing.T) {
	needDocker(t)
	share := job.Resources{CPU: 2000, Memory: 2 * job.GiB, Disk: 4 * job.GiB}
	net := startWith(t, devnet.Config{Share: &share})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	base := fileServer(t, map[string][]byte{"/lines.txt": []byte("l0\nl1\nl2\nl3\nl4\nl5\nl6\n")})
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 3,
		Inputs: []job.Input{
			{Name: "lines", URL: base + "/lines.txt", InsecureSkipHash: true, Split: job.SplitLines},
			{Name: "files", Inline: &job.InlineInput{Files: map[string]string{"a": "", "b": "", "c": "", "d/e": "", "f": ""}}, Split: job.SplitFiles},
		},
		Command: []string{"sh", "-c", `echo "task $DECO_TASK_INDEX of $DECO_TASK_COUNT rank $RANK/$WORLD_SIZE index $JOB_COMPLETION_INDEX"
cat /inputs/lines > /outputs/lines; (cd /inputs/files && find . -type f | sort) > /outputs/files`}}
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if j.Provider != "" || j.ExecutionID != "" {
		t.Fatalf("the job as submitted runs nowhere itself: provider %q execution %q", j.Provider, j.ExecutionID)
	}
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted {
		t.Fatalf("job ended %s: %s", got.State, got.Error)
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tasks) != 3 {
		t.Fatalf("%d tasks in the job's detail, want 3", len(d.Tasks))
	}
	perProvider := map[string]int{}
	executions := map[string]bool{}
	for i, tk := range d.Tasks {
		if tk.TaskIndex != i || tk.State != job.StateCompleted || tk.Parent != j.ID || len(tk.Attempts) != 1 {
			t.Fatalf("task %d: %+v", i, tk.Job)
		}
		perProvider[tk.Provider]++
		executions[tk.ExecutionID] = true
	}
	p1, p2 := net.Nodes[1].PeerID(), net.Nodes[2].PeerID()
	if len(executions) != 3 || perProvider[p1]+perProvider[p2] != 3 || perProvider[p1] == 0 || perProvider[p2] == 0 {
		t.Fatalf("tasks on %v, executions %v: want three executions over both providers", perProvider, executions)
	}
	for i := range 3 {
		want := "task-" + string(rune('0'+i)) + "| task " + string(rune('0'+i)) + " of 3 rank " + string(rune('0'+i)) + "/3 index " + string(rune('0'+i)) + "\n"
		if !strings.Contains(logs, want) {
			t.Fatalf("logs %q lack %q", logs, want)
		}
	}
	var one bytes.Buffer
	if err := c.TaskLogs(ctx, j.ID, 1, false, &one); err != nil || one.String() != "task 1 of 3 rank 1/3 index 1\n" {
		t.Fatalf("task 1's logs: %q %v", one.String(), err)
	}

	out := filepath.Join(t.TempDir(), "out")
	digest, err := c.Outputs(ctx, j.ID, out)
	if err != nil {
		t.Fatal(err)
	}
	if _, local, err := data.Digest(out); err != nil || local != digest || digest != got.ResultDigest {
		t.Fatalf("digests: downloaded %s, announced %s, recomputed %s (%v)", digest, got.ResultDigest, local, err)
	}
	for i, want := range []struct{ lines, files string }{
		{"l0\nl3\nl6\n", "./a\n./d/e\n"},
		{"l1\nl4\n", "./b\n./f\n"},
		{"l2\nl5\n", "./c\n"},
	} {
		dir := filepath.Join(out, "task-"+string(rune('0'+i)))
		if got := readFile(t, filepath.Join(dir, "lines")); got != want.lines {
			t.Errorf("task %d lines %q, want %q", i, got, want.lines)
		}
		if got := readFile(t, filepath.Join(dir, "files")); got != want.files {
			t.Errorf("task %d files %q, want %q", i, got, want.files)
		}
	}
}

// TestArrayJobFailureStopsTheOthers: when one task fails the others are
// stopped at once and the job fails with that task's exit code; a job no
// set of providers can hold is refused at submission with the reasons.
func TestArrayJobFailureStopsTheOthers(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	began := time.Now()
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2,
		Command: []string{"sh", "-c", `if [ "$DECO_TASK_INDEX" = 1 ]; then sleep 1; exit 5; fi; sleep 60`}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := waitDone(t, c, j.ID)
	if got.State != job.StateFailed || got.ExitCode == nil || *got.ExitCode != 5 || !strings.Contains(got.Error, "task 1 failed") {
		t.Fatalf("job ended %s exit %v: %s", got.State, got.ExitCode, got.Error)
	}
	if took := time.Since(began); took > 40*time.Second {
		t.Fatalf("took %s: task 0 was not stopped", took)
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tasks) != 2 || d.Tasks[0].State != job.StateCancelled || d.Tasks[1].State != job.StateFailed {
		t.Fatalf("tasks: %+v", d.Tasks)
	}

	// Three tasks of one core each, on two providers of one core each.
	_, err = c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 3, Command: []string{"true"}})
	var ce *client.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "no set of providers can hold its 3 tasks") ||
		!strings.Contains(err.Error(), "holds 2 of the 3 tasks now") {
		t.Fatalf("submit of a job too large for the network: %v", err)
	}
}

// TestArrayJobAcrossRestartThenCancel: a two-task job survives its
// requester's restart (each task reattached, none run twice), queues a
// second gang while the first holds both providers, and a cancel stops
// every task; each provider is paid for what its task ran.
func TestArrayJobAcrossRestartThenCancel(t *testing.T) {
	needDocker(t)
	// At the default usage interval (2 s) the requester's restart takes
	// about half of one: a report sent while it is down is answered after
	// it reattaches (the provider sends its latest report again to a
	// stream that attaches), so no task is stopped as unpaid.
	const interval = 2 * time.Second
	net := startWith(t, devnet.Config{Dir: t.TempDir(), UsageInterval: interval})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2,
		Command: []string{"sh", "-c", `echo up $DECO_TASK_INDEX; sleep 120`}})
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j.ID, "task-0| up 0")
	waitLog(t, c, j.ID, "task-1| up 1")
	// Both providers are taken: a second gang waits for them.
	queued, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2, Command: []string{"echo", "second"},
		QueueTimeout: job.Duration(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if queued.State != job.StateQueued {
		t.Fatalf("second gang is %s, want queued", queued.State)
	}
	if err := net.Restart(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c, _ = client.FromDataDir(net.DataDir(0))
	waitState(t, c, j.ID, job.StateRunning)
	time.Sleep(interval + time.Second) // a usage report or more per task
	if err := c.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCancelled || !strings.Contains(logs, "task-1| up 1\n") {
		t.Fatalf("job ended %s (%s), logs %q", got.State, got.Error, logs)
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, tk := range d.Tasks {
		if tk.State != job.StateCancelled || len(tk.Attempts) != 1 {
			t.Fatalf("task %d %s with %d attempts, want cancelled after one (reattached, not rerun)", i, tk.State, len(tk.Attempts))
		}
		if len(tk.Vouchers) == 0 || tk.Vouchers[len(tk.Vouchers)-1].Voucher.Cumulative <= 0 {
			t.Fatalf("task %d on %s: no voucher paid for its run", i, tk.Provider)
		}
	}
	// The queued gang runs once the first frees its providers.
	second, logs := waitDone(t, c, queued.ID)
	if second.State != job.StateCompleted || len(logs) != len("task-0| second\n")*2 ||
		!strings.Contains(logs, "task-0| second\n") || !strings.Contains(logs, "task-1| second\n") {
		t.Fatalf("second gang %s (%s) logs %q", second.State, second.Error, logs)
	}
}

// TestArrayJobTaskMovesOffALostProvider: when one task's provider is lost
// mid-run, that task alone runs again on another provider (a second
// attempt, a new execution) and the job completes; the other task runs
// once.
func TestArrayJobTaskMovesOffALostProvider(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{Nodes: 4, HeartbeatTimeout: 2 * time.Second})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := net.WaitForOffers(ctx, 0, 3); err != nil {
		t.Fatal(err)
	}
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2,
		Command: []string{"sh", "-c", `echo start $DECO_TASK_INDEX; sleep 4; echo $DECO_TASK_INDEX > /outputs/i`}})
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j.ID, "task-1| start 1")
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	lost := d.Tasks[1]
	for i, n := range net.Nodes {
		if i > 0 && n.PeerID() == lost.Provider {
			n.Close()
		}
	}
	got, _ := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted {
		t.Fatalf("job ended %s: %s", got.State, got.Error)
	}
	d, err = c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	moved := d.Tasks[1]
	if len(moved.Attempts) != 2 || moved.Attempts[0].State != job.StateLost || moved.Provider == lost.Provider || moved.ExecutionID == lost.ExecutionID {
		t.Fatalf("task 1 after losing %s: on %s as %s, attempts %+v", lost.Provider, moved.Provider, moved.ExecutionID, moved.Attempts)
	}
	if len(d.Tasks[0].Attempts) != 1 {
		t.Fatalf("task 0 attempts %+v, want one", d.Tasks[0].Attempts)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := c.Outputs(ctx, j.ID, out); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(out, "task-1", "i")); got != "1\n" {
		t.Fatalf("task-1/i = %q", got)
	}
}

// TestArrayJobQueueTimeout: a gang that could fit once a busy provider
// frees up is queued; when its queue timeout passes first it fails with
// the reason, no task row ever made and nothing paid.
func TestArrayJobQueueTimeout(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	busy, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "echo busy; sleep 60"}})
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, busy.ID, "busy")
	g, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2, Command: []string{"true"},
		QueueTimeout: job.Duration(2 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	if g.State != job.StateQueued {
		t.Fatalf("gang is %s, want queued while a provider is busy", g.State)
	}
	got, _ := waitDone(t, c, g.ID)
	if got.State != job.StateFailed || !strings.Contains(got.Error, "within the queue timeout (2s)") {
		t.Fatalf("gang ended %s: %s", got.State, got.Error)
	}
	d, err := c.Job(ctx, g.ID)
	if err != nil || len(d.Tasks) != 0 {
		t.Fatalf("tasks of a gang never placed: %+v %v", d.Tasks, err)
	}
	_ = c.Cancel(ctx, busy.ID)
}
