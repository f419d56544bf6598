package store

import (
	"context"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// TestTaskValidators: the validator rows of a multi-task job name the job
// as parent and the task they re-run by index; each task's are read, and
// waited for, apart from the others', and lead back to the task's row.
func TestTaskValidators(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Unix(1700000000, 0).UTC()
	row := func(id, parent string, task int, role string, st job.State) Job {
		return Job{ID: id, Parent: parent, TaskIndex: task, Role: role, State: st, CreatedAt: now, UpdatedAt: now}
	}
	rows := []Job{
		row("g", "", 0, "", job.StateRunning),
		row("t0", "g", 0, "", job.StateVerifying), row("t1", "g", 1, "", job.StateRunning),
		row("v0a", "g", 0, RoleValidator, job.StateCompleted), row("v0b", "g", 0, RoleValidator, job.StateFailed),
		row("v1a", "g", 1, RoleValidator, job.StateRunning),
		row("single", "", 0, "", job.StateVerifying), row("vs", "single", 0, RoleValidator, job.StateRunning),
	}
	if err := s.CreateJobs(ctx, rows); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		parent string
		task   int
		want   []string
		ended  bool
		row    string
	}{
		{"task 0 of the array job", "g", 0, []string{"v0a", "v0b"}, true, "t0"},
		{"task 1 of the array job", "g", 1, []string{"v1a"}, false, "t1"},
		{"a single-task job", "single", 0, []string{"vs"}, false, "single"},
	} {
		vs, err := s.TaskValidators(ctx, tc.parent, tc.task)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, v := range vs {
			ids = append(ids, v.ID)
		}
		if len(ids) != len(tc.want) || (len(ids) > 0 && ids[0] != tc.want[0]) || (len(ids) > 1 && ids[1] != tc.want[1]) {
			t.Errorf("%s: validators %v, want %v", tc.name, ids, tc.want)
		}
		if ended, err := s.ValidatorsEnded(ctx, tc.parent, tc.task); err != nil || ended != tc.ended {
			t.Errorf("%s: ended %v, %v; want %v", tc.name, ended, err, tc.ended)
		}
		if id, err := s.VerifiedRow(ctx, tc.parent, tc.task); err != nil || id != tc.row {
			t.Errorf("%s: verified row %q, %v; want %q", tc.name, id, err, tc.row)
		}
	}
	if tasks, err := s.Tasks(ctx, "g"); err != nil || len(tasks) != 2 {
		t.Fatalf("tasks = %d, %v; want the two task rows, no validator", len(tasks), err)
	}
	if all, err := s.Validators(ctx, "g"); err != nil || len(all) != 3 {
		t.Fatalf("validators of the job = %d, %v; want every task's (3)", len(all), err)
	}
}
