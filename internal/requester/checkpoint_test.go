package requester

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// TestCheckpointPlan: after a linked gang's attempt, each task restarts
// from its own checkpoint when its outputs came back holding one, from
// none when they came back without, and from task 0's when its own never
// came back (lost with its provider, or not fetched); the plan says which,
// task by task.
func TestCheckpointPlan(t *testing.T) {
	// ended is one task as its attempt ended; outputs are the files that
	// came back ("" for a directory), nil when none did.
	type ended struct {
		state   job.State
		outputs map[string]string
	}
	withCkpt := map[string]string{"checkpoint/step": "1"}
	noCkpt := map[string]string{"log": "x"}
	ckptFile := map[string]string{"checkpoint": "not a directory"}
	tests := []struct {
		name  string
		tasks []ended
		from  []int // by task: whose checkpoint it starts from, -1 for none
		said  string
	}{
		{"each its own", []ended{{job.StateCancelled, withCkpt}, {job.StateFailed, withCkpt}}, []int{0, 1},
			"task 0 from its checkpoint, task 1 from its checkpoint"},
		{"lost falls back to task 0", []ended{{job.StateCancelled, withCkpt}, {job.StateLost, nil}}, []int{0, 0},
			"task 0 from its checkpoint, task 1 from task 0's checkpoint (its outputs were lost with its provider)"},
		{"not fetched falls back to task 0", []ended{{job.StateCancelled, withCkpt}, {job.StateCancelled, nil}}, []int{0, 0},
			"task 0 from its checkpoint, task 1 from task 0's checkpoint (its outputs did not come back)"},
		{"wrote none: no fallback", []ended{{job.StateCancelled, withCkpt}, {job.StateFailed, noCkpt}}, []int{0, -1},
			"task 0 from its checkpoint, task 1 without a checkpoint (it wrote no /outputs/checkpoint)"},
		{"a file is no checkpoint", []ended{{job.StateCancelled, ckptFile}, {job.StateLost, nil}}, []int{-1, -1},
			"task 0 without a checkpoint (it wrote no /outputs/checkpoint), task 1 without a checkpoint (its outputs were lost with its provider, and task 0 left none)"},
		{"task 0 lost", []ended{{job.StateLost, nil}, {job.StateCancelled, withCkpt}, {job.StateCancelled, nil}}, []int{-1, 1, -1},
			"task 0 without a checkpoint (its outputs were lost with its provider), task 1 from its checkpoint, " +
				"task 2 without a checkpoint (its outputs did not come back, and task 0 left none)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Requester{cfg: Config{DataDir: t.TempDir()}}
			gang := job.NewID()
			rows := make([]store.Job, len(tc.tasks))
			for i, e := range tc.tasks {
				rows[i] = store.Job{ID: job.NewID(), Parent: gang, TaskIndex: i, State: e.state, Provider: "p" + string(rune('0'+i)),
					ExecutionID: job.NewID()}
				if e.outputs == nil {
					continue
				}
				rows[i].ResultDigest = "sha256:outputs-" + string(rune('0'+i))
				for name, body := range e.outputs {
					path := filepath.Join(r.outputsDir(&rows[i]), name)
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			carry, said := r.checkpointPlan(rows)
			if said != tc.said {
				t.Fatalf("said %q\nwant %q", said, tc.said)
			}
			for i, want := range tc.from {
				got := carry[i]
				if want < 0 {
					if got != nil {
						t.Fatalf("task %d starts from %+v, want none", i, *got)
					}
					continue
				}
				src := rows[want]
				if got == nil || *got != (checkpointSource{task: want, provider: src.Provider, execution: src.ExecutionID, digest: src.ResultDigest}) {
					t.Fatalf("task %d starts from %+v, want task %d's outputs", i, got, want)
				}
			}
		})
	}
}

// TestRestartCause: the event names lost providers first, then failed
// tasks, and only the lost providers are left out of the next placement
// (a task stopped by its gang is neither).
func TestRestartCause(t *testing.T) {
	why, excluded := restartCause([]store.Job{
		{TaskIndex: 0, State: job.StateFailed, Error: "exit code 1", Provider: "a"},
		{TaskIndex: 1, State: job.StateLost, Error: "provider lost", Provider: "b"},
		{TaskIndex: 2, State: job.StateCancelled, Provider: "c"},
	})
	if want := "task 1's provider b was lost, task 0 failed (exit code 1)"; why != want {
		t.Fatalf("why %q, want %q", why, want)
	}
	if !reflect.DeepEqual(excluded, map[string]bool{"b": true}) {
		t.Fatalf("excluded %v", excluded)
	}
}

// TestGangAttemptAndMayPlaceAgain: a gang's placement is the most
// attempts any of its tasks used (at least 1), its attempt that less the
// placements again after a refusal at send time (a failed attempt row
// without a deal), and only a job with links, neither cancelled nor past
// its deadline, is placed again.
func TestGangAttemptAndMayPlaceAgain(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := &Requester{cfg: Config{Store: st, DataDir: t.TempDir()}, now: time.Now}
	r.stop, r.stopNow = context.WithCancel(context.Background())
	defer r.stopNow()
	spec := job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Tasks: 2, Network: job.NetworkPolicy{Links: true}, Command: []string{"true"}}
	spec.ApplyDefaults()
	g := store.Job{ID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec), State: job.StateRunning, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	tasks := r.newTasks(g)
	if err := st.CreateJobs(ctx, append([]store.Job{g}, tasks...)); err != nil {
		t.Fatal(err)
	}
	check := func(what string, wantAttempt, wantPlacement int) {
		t.Helper()
		if a, p := r.gangAttempt(&g); a != wantAttempt || p != wantPlacement {
			t.Fatalf("%s: attempt %d, placement %d; want %d, %d", what, a, p, wantAttempt, wantPlacement)
		}
	}
	check("no task sent", 1, 1)
	attempt := func(task store.Job, state job.State, accepted bool) {
		a := store.Attempt{ExecutionID: job.NewID(), JobID: task.ID, Provider: "p", State: state, StartedAt: time.Now()}
		if accepted {
			a.Deal = []byte(`{"quote":{}}`)
		}
		if err := st.PutAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	attempt(tasks[0], job.StateCancelled, true)
	attempt(tasks[1], job.StateLost, true)
	attempt(tasks[0], job.StateRunning, true) // task 1 of the second attempt not sent yet
	check("second attempt", 2, 2)
	attempt(tasks[1], job.StateFailed, false) // refused when sent
	attempt(tasks[0], job.StateCancelled, false)
	check("second attempt, a refusal", 2, 3)

	done, cancel := context.WithCancel(ctx)
	cancel()
	array := g
	array.Spec.Network.Links = false
	tests := []struct {
		name      string
		g         store.Job
		ctx       context.Context
		cancelled bool
		want      bool
	}{
		{"linked", g, ctx, false, true},
		{"array job", array, ctx, false, false},
		{"cancelled", g, ctx, true, false},
		{"past its deadline", g, done, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.mayPlaceAgain(tc.ctx, &tc.g, &tracked{cancelled: tc.cancelled}); got != tc.want {
				t.Fatalf("mayPlaceAgain = %v, want %v", got, tc.want)
			}
		})
	}
}
