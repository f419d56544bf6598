package devnet_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

// TestGangRefusalEndToEnd runs a linked job of two tasks with maxAttempts
// 1 on a devnet of three providers where the cheapest, node1, has a full
// disk: its data directory is a tmpfs whose inodes are used up after it
// onboarded. It still quotes (a quote writes no file), so the scheduler
// places the gang on node1 and node2; when the task is sent node1 cannot
// make the execution's directory and refuses it. The gang is placed
// again, as the same attempt, on node2 and node3, its tasks talk over the
// new placement's job network, and the job completes: the refusal, with
// node1's reason, is in the job's events, the refused task's attempt row
// has no deal, and no attempt was used up (with maxAttempts 1 a used-up
// attempt fails the job: "no attempts left").
func TestGangRefusalEndToEnd(t *testing.T) {
	init := needLinks(t)
	dir := t.TempDir()
	full := fullDisk(t, filepath.Join(dir, "node1"))
	net := startWith(t, devnet.Config{Nodes: 4, Dir: dir, TaskInit: init})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := net.WaitForOffers(ctx, 0, 3); err != nil {
		t.Fatal(err)
	}
	full()
	refuser, p2, p3 := net.Nodes[1].PeerID(), net.Nodes[2].PeerID(), net.Nodes[3].PeerID()

	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2, MaxAttempts: 1, QueueTimeout: job.Duration(time.Minute),
		Network: job.NetworkPolicy{Links: true}, Command: []string{"sh", "-c", "set -e\n" + sendToTask1}}
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, logs := waitDone(t, c, j.ID)
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	events := eventText(d.Events)
	if got.State != job.StateCompleted {
		b, _ := json.MarshalIndent(d, "", " ")
		t.Fatalf("job ended %s: %s\nevents:\n%s\nlogs:\n%s\n%s", got.State, got.Error, events, logs, b)
	}

	// The refusal is in the job's events, with node1's reason, and used
	// up no attempt: the next placement is attempt 1 again.
	var refused string
	for _, line := range strings.Split(events, "\n") {
		if strings.Contains(line, "'s provider "+refuser+" refused it when it was sent (") {
			refused = line
		}
	}
	if refused == "" || !strings.Contains(refused, "gang attempt 1 of 1: ") ||
		!strings.Contains(refused, "placing every task again without it, which uses up no attempt") {
		t.Fatalf("the job's events do not say node1 refused a task when it was sent, using up no attempt:\n%s", events)
	}
	if !strings.Contains(refused, "storage") {
		t.Errorf("node1's refusal does not name its storage: %s", refused)
	}
	placed := strings.Count(events, "gang attempt 1: placed 2 tasks on 2 providers")
	if placed != 1 || strings.Contains(events, "gang attempt 2") {
		t.Fatalf("want the second placement as gang attempt 1 (once) and no attempt 2:\n%s", events)
	}

	// Every task ran on node2 or node3; the refused one's attempt on node1
	// has no deal (it never started) and the refusal, the others are the
	// first placement's (stopped) and the second's (completed).
	var onRefuser int
	for i, tk := range d.Tasks {
		if tk.State != job.StateCompleted || (tk.Provider != p2 && tk.Provider != p3) {
			t.Fatalf("task %d: %s on %s, want completed on node2 or node3", i, tk.State, tk.Provider)
		}
		if len(tk.Attempts) != 2 || tk.Attempts[1].State != job.StateCompleted || tk.Attempts[1].ExecutionID != tk.ExecutionID {
			t.Fatalf("task %d's attempts: %+v, want the first placement's and the completed second", i, tk.Attempts)
		}
		first := tk.Attempts[0]
		if first.Provider != refuser {
			continue
		}
		onRefuser++
		if len(first.Deal) != 0 || first.State != job.StateFailed || !strings.Contains(first.Error, refuser) {
			t.Fatalf("task %d's attempt on node1: %+v, want failed without a deal (refused at send)", i, first)
		}
	}
	if onRefuser != 1 {
		t.Fatalf("%d tasks were first placed on node1, want 1", onRefuser)
	}
	if d.Tasks[0].Provider == d.Tasks[1].Provider {
		t.Fatalf("both tasks on %s in the second placement", d.Tasks[0].Provider)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := c.Outputs(ctx, j.ID, out); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(out, "task-1", "got")); got != "hello from task 0\n" {
		t.Fatalf("task 1 received %q over the second placement's job network", got)
	}
	// node1 never ran the task.
	if n := net.Nodes[1].Provider().Running(); n != 0 {
		t.Fatalf("node1 runs %d executions", n)
	}
}

// fullDisk mounts a tmpfs at dir, a node's data directory, before the
// node starts (4 GiB, more than a devnet share, but few inodes), and
// returns a func that uses up its inodes, so that no file or directory
// can be made there any more while the files the node has open keep
// working: a disk that filled up under a running node. The tmpfs is
// unmounted when the test ends.
func fullDisk(t *testing.T, dir string) func() {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=4g,nr_inodes=4096,mode=0700"); err != nil {
		t.Fatalf("mount a tmpfs for node1's data directory (as root): %v", err)
	}
	t.Cleanup(func() {
		// The devnet's Close may have unmounted it already (it unmounts
		// what is mounted under its directory): EINVAL then.
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return func() {
		t.Helper()
		filler := filepath.Join(dir, "filler")
		if err := os.Mkdir(filler, 0o700); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			f, err := os.Create(filepath.Join(filler, fmt.Sprint(i)))
			if errors.Is(err, unix.ENOSPC) {
				t.Logf("node1's disk is full after %d more files", i)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
}
