package requester

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

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
