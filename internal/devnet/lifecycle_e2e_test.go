package devnet_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

func startWith(t testing.TB, cfg devnet.Config) *devnet.Net {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Nodes == 0 {
		cfg.Nodes = 3
	}
	cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	net, err := devnet.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func sleepSpec(script string) job.Spec {
	return job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", script}}
}

// waitState polls a job until it reaches state (or fails the test).
func waitState(t testing.TB, c *client.Client, id string, want job.State) store.Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.Job(context.Background(), id)
		if err == nil && d.State == want {
			return d.Job
		}
		if err == nil && d.State.Terminal() {
			t.Fatalf("job %s ended %s (%s) while waiting for %s", id, d.State, d.Error, want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never reached %s (last %v %v)", id, want, d.State, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLog polls a job's logs until they contain text.
func waitLog(t *testing.T, c *client.Client, id, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var b bytes.Buffer
		_ = c.Logs(context.Background(), id, false, &b)
		if strings.Contains(b.String(), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s never logged %q (logs %q)", id, text, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestQueueUntilAProviderFrees: with both providers busy, a third job is
// queued, then runs when one frees; a job whose queue timeout passes first
// fails saying so.
func TestQueueUntilAProviderFrees(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	ctx := context.Background()
	var busy []string
	for range 2 {
		j, err := c.Submit(ctx, sleepSpec("sleep 2; echo busy"))
		if err != nil {
			t.Fatal(err)
		}
		busy = append(busy, j.ID)
		waitState(t, c, j.ID, job.StateRunning)
	}
	short := sleepSpec("echo never")
	short.QueueTimeout = job.Duration(300 * time.Millisecond)
	js, err := c.Submit(ctx, short)
	if err != nil {
		t.Fatal(err)
	}
	// The total timeout bounds queueing too.
	bounded := sleepSpec("echo never either")
	bounded.Timeout, bounded.TotalTimeout = job.Duration(time.Second), job.Duration(1500*time.Millisecond)
	jb, err := c.Submit(ctx, bounded)
	if err != nil {
		t.Fatal(err)
	}
	queued, err := c.Submit(ctx, sleepSpec("echo finally ran"))
	if err != nil {
		t.Fatal(err)
	}
	if queued.State != job.StateQueued {
		t.Fatalf("third job is %s, want queued", queued.State)
	}
	gotShort, _ := waitDone(t, c, js.ID)
	if gotShort.State != job.StateFailed || !strings.Contains(gotShort.Error, "queue timeout") {
		t.Fatalf("short queue: %s %q", gotShort.State, gotShort.Error)
	}
	gotBounded, _ := waitDone(t, c, jb.ID)
	if gotBounded.State != job.StateFailed || !strings.Contains(gotBounded.Error, "total timeout (1.5s) reached") {
		t.Fatalf("total timeout: %s %q", gotBounded.State, gotBounded.Error)
	}
	got, logs := waitDone(t, c, queued.ID)
	if got.State != job.StateCompleted || logs != "finally ran\n" {
		t.Fatalf("queued job: %s %q logs %q", got.State, got.Error, logs)
	}
	for _, id := range busy {
		if j, _ := waitDone(t, c, id); j.State != job.StateCompleted {
			t.Fatalf("busy job %s: %s", id, j.State)
		}
	}
}

// TestRequesterRestartResumesJob: the requester restarts while its job
// runs; the restarted node reattaches, gets the rest of the logs and the
// result, and the task ran once.
func TestRequesterRestartResumesJob(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	ctx := context.Background()
	j, err := c.Submit(ctx, sleepSpec("echo one; sleep 1.5; echo two; echo out > /outputs/o"))
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j.ID, "one")
	if err := net.Restart(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c, _ = client.FromDataDir(net.DataDir(0))
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted || logs != "one\ntwo\n" || got.ResultDigest == "" {
		t.Fatalf("after requester restart: %s %q logs %q digest %q", got.State, got.Error, logs, got.ResultDigest)
	}
	d, _ := c.Job(ctx, j.ID)
	if len(d.Attempts) != 1 {
		t.Fatalf("attempts %+v, want exactly one (no rerun)", d.Attempts)
	}
	execs, _ := net.Nodes[1].Store().ListExecutions(ctx, 100)
	others, _ := net.Nodes[2].Store().ListExecutions(ctx, 100)
	if n := len(execs) + len(others); n != 1 {
		t.Fatalf("the task ran %d times", n)
	}
}

// TestResumedJobWhoseProviderIsGoneRunsAsANewExecution: the requester
// stops while its job runs, the provider goes away too; the restarted
// requester finds the provider lost and places the task on the other one
// as a new execution (its own ID: both providers share one Docker engine
// here, so a reused ID collides with the first container's name).
func TestResumedJobWhoseProviderIsGoneRunsAsANewExecution(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{HeartbeatTimeout: 2 * time.Second})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	ctx := context.Background()
	j, err := c.Submit(ctx, sleepSpec("echo start; sleep 4; echo out > /outputs/o"))
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j.ID, "start")
	first, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	prov := 1
	if first.Provider == net.Nodes[2].PeerID() {
		prov = 2
	}
	net.Nodes[0].Close()
	net.Nodes[prov].Close()
	if err := net.Restart(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c, _ = client.FromDataDir(net.DataDir(0))
	got, _ := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted || got.ResultDigest == "" {
		t.Fatalf("after losing the provider across a restart: %s %q", got.State, got.Error)
	}
	if got.Provider == first.Provider || got.ExecutionID == first.ExecutionID {
		t.Fatalf("ran on %s as %s, first on %s as %s: want the other provider and a new execution",
			got.Provider, got.ExecutionID, first.Provider, first.ExecutionID)
	}
	d, _ := c.Job(ctx, j.ID)
	if len(d.Attempts) != 2 || d.Attempts[0].ExecutionID != first.ExecutionID || d.Attempts[0].State != job.StateLost {
		t.Fatalf("attempts %+v, want the lost first execution then the new one", d.Attempts)
	}
}

// TestProviderRestartReattaches: the provider daemon restarts mid-run; the
// container keeps running, the new daemon reattaches to it, and the
// requester reattaches to the new daemon.
func TestProviderRestartReattaches(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	ctx := context.Background()
	j, err := c.Submit(ctx, sleepSpec("echo one; sleep 2; echo two; echo out > /outputs/o"))
	if err != nil {
		t.Fatal(err)
	}
	waitLog(t, c, j.ID, "one")
	prov := 1
	if j.Provider == net.Nodes[2].PeerID() {
		prov = 2
	}
	if err := net.Restart(ctx, prov); err != nil {
		t.Fatal(err)
	}
	// The restarted provider listens on new ports: tell the requester.
	for _, a := range net.Nodes[prov].Addrs() {
		if net.Nodes[0].Connect(ctx, a) == nil {
			break
		}
	}
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted || logs != "one\ntwo\n" || got.ResultDigest == "" {
		t.Fatalf("after provider restart: %s %q logs %q", got.State, got.Error, logs)
	}
	if got.Provider != j.Provider {
		t.Fatalf("ran on %s, then %s: want a reattach, not a retry", j.Provider, got.Provider)
	}
}

// TestConstraintsSteerPlacement: a region constraint sends the job to the
// dearer provider; an impossible one is refused with the reason.
func TestConstraintsSteerPlacement(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	spec := sleepSpec("echo hi")
	spec.Constraints.Regions = []string{"devnet-b"}
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if j.Provider != net.Nodes[2].PeerID() {
		t.Fatalf("placed on %s, want node2 (region devnet-b)", j.Provider)
	}
	waitDone(t, c, j.ID)
	spec.Constraints.Regions = []string{"mars"}
	if _, err := c.Submit(context.Background(), spec); err == nil || !strings.Contains(err.Error(), "region") {
		t.Fatalf("impossible region: %v", err)
	}
}
