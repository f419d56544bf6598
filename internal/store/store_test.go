package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/job"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deco.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestJobsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	now := time.Unix(1700000000, 0).UTC()
	j := Job{ID: "01abc", Name: "n", Spec: job.Spec{APIVersion: job.APIVersion, Image: "busybox"}, SpecDigest: "sha256:x",
		State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateJob(ctx, j); err == nil {
		t.Fatal("duplicate job ID accepted")
	}
	j.State, j.Provider, j.UpdatedAt = job.StateRunning, "peerA", now.Add(time.Second)
	if err := s.UpdateJob(ctx, j, "started on peerA"); err != nil {
		t.Fatal(err)
	}
	code := 0
	j.State, j.ExitCode, j.UpdatedAt = job.StateCompleted, &code, now.Add(2*time.Second)
	if err := s.UpdateJob(ctx, j, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateJob(ctx, Job{ID: "nope"}, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update missing: %v", err)
	}
	s.Close()

	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if v, _ := s2.Version(ctx); v < 1 {
		t.Fatalf("schema version %d", v)
	}
	got, err := s2.FindJob(ctx, "01a")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != job.StateCompleted || got.Provider != "peerA" || got.ExitCode == nil || *got.ExitCode != 0 || got.Spec.Image != "busybox" {
		t.Fatalf("job after reopen: %+v", got)
	}
	evs, err := s2.Events(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var states []job.State
	for _, e := range evs {
		states = append(states, e.State)
	}
	if len(states) != 3 || states[0] != job.StatePending || states[1] != job.StateRunning || states[2] != job.StateCompleted {
		t.Fatalf("events %v", states)
	}
	if _, err := s2.FindJob(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing job: %v", err)
	}
}

func TestFindJobAmbiguousPrefix(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	for _, id := range []string{"01aa", "01ab"} {
		if err := s.CreateJob(ctx, Job{ID: id, State: job.StatePending, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.FindJob(ctx, "01a"); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("ambiguous prefix: %v, want ErrAmbiguous", err)
	}
	if j, err := s.FindJob(ctx, "01ab"); err != nil || j.ID != "01ab" {
		t.Fatalf("exact id: %v %v", j.ID, err)
	}
	active, _ := s.ActiveJobs(ctx)
	if len(active) != 2 {
		t.Fatalf("active %d", len(active))
	}
}

func TestSettingsExecutionsOffers(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	type policy struct{ Region string }
	var p policy
	if found, err := s.GetSetting(ctx, "policy", &p); err != nil || found {
		t.Fatalf("unset setting: %v %v", found, err)
	}
	if err := s.PutSetting(ctx, "policy", policy{"eu"}); err != nil {
		t.Fatal(err)
	}
	if found, _ := s.GetSetting(ctx, "policy", &p); !found || p.Region != "eu" {
		t.Fatalf("setting %v", p)
	}
	now := time.Now().UTC()
	e := Execution{ID: "e1", JobID: "j1", Requester: "r", State: job.StateRunning, CreatedAt: now, UpdatedAt: now}
	if err := s.PutExecution(ctx, e); err != nil {
		t.Fatal(err)
	}
	e.State = job.StateCompleted
	if err := s.PutExecution(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetExecution(ctx, "e1"); err != nil || got.State != job.StateCompleted {
		t.Fatalf("execution %v %v", got.State, err)
	}
	running := Execution{ID: "e2", JobID: "j2", Requester: "r", State: job.StateRunning, CreatedAt: now, UpdatedAt: now}
	if err := s.PutExecution(ctx, running); err != nil {
		t.Fatal(err)
	}
	if active, err := s.ActiveExecutions(ctx); err != nil || len(active) != 1 || active[0].ID != "e2" {
		t.Fatalf("active executions %+v %v, want e2 only", active, err)
	}
	// Only an ended, uncollected execution updated before the cutoff is collectable.
	if c, err := s.CollectableExecutions(ctx, now); err != nil || len(c) != 0 {
		t.Fatalf("collectable at its own update time: %+v %v", c, err)
	}
	c, err := s.CollectableExecutions(ctx, now.Add(time.Second))
	if err != nil || len(c) != 1 || c[0].ID != "e1" {
		t.Fatalf("collectable %+v %v, want e1", c, err)
	}
	if err := s.MarkCollected(ctx, "e1", now.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.CollectableExecutions(ctx, now.Add(time.Hour)); len(c) != 0 {
		t.Fatalf("collected execution still collectable: %+v", c)
	}
	if got, _ := s.GetExecution(ctx, "e1"); !got.CollectedAt.Equal(now.Add(2 * time.Second)) {
		t.Fatalf("collected at %v", got.CollectedAt)
	}
	s.PutOffer(ctx, StoredOffer{Node: "a", Body: []byte("{}"), Expires: now.Add(time.Minute)})
	s.PutOffer(ctx, StoredOffer{Node: "b", Body: []byte("{}"), Expires: now.Add(-time.Minute)})
	live, err := s.LiveOffers(ctx, now)
	if err != nil || len(live) != 1 || live[0].Node != "a" {
		t.Fatalf("live offers %v %v", live, err)
	}
}

func TestAttempts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Unix(1700000000, 0).UTC()
	if err := s.CreateJob(ctx, Job{ID: "j", State: job.StatePending, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"e1", "e2"} {
		if err := s.PutAttempt(ctx, Attempt{ExecutionID: id, JobID: "j", Provider: "p" + id, State: job.StateRunning, StartedAt: now.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	end := now.Add(5 * time.Second)
	if err := s.PutAttempt(ctx, Attempt{ExecutionID: "e1", JobID: "j", Seq: 1, Provider: "pe1", State: job.StateLost, Error: "provider vanished", EndedAt: &end}); err != nil {
		t.Fatal(err)
	}
	as, err := s.Attempts(ctx, "j")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Seq != 1 || as[1].Seq != 2 || as[0].State != job.StateLost || as[0].EndedAt == nil || as[1].EndedAt != nil {
		t.Fatalf("attempts %+v", as)
	}
}

// TestPreparingWaitsWithoutBlockingTransactions: a query being prepared
// waits for the one connection while a transaction holds it; the
// transaction must still reach its own prepared statements and finish.
func TestPreparingWaitsWithoutBlockingTransactions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, _ := openTemp(t)
	const q = "INSERT INTO settings(key, value) VALUES(?, ?)"
	tx, err := s.begin(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	prepared := make(chan error, 1)
	go func() {
		_, err := s.prepared(ctx, "SELECT COUNT(*) FROM settings")
		prepared <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the preparer wait for the connection
	if _, err := s.txExec(ctx, tx, q, "k", `"v"`); err != nil {
		t.Fatalf("transaction blocked or failed: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-prepared; err != nil {
		t.Fatalf("prepare after the transaction: %v", err)
	}
}

// TestJobTasks: a multi-task job's task rows are created with it in one
// transaction, listed in task order, and kept out of the job list and of
// ID lookups.
func TestJobTasks(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now().UTC()
	g := Job{ID: "01aaaaaaaaaaaaaaaaaaaaaaaa", State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	t1 := Job{ID: "01aaaaaaaaaaaaaaaaaaaaaaab", Parent: g.ID, TaskIndex: 1, State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	t0 := Job{ID: "01aaaaaaaaaaaaaaaaaaaaaaac", Parent: g.ID, TaskIndex: 0, State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateJobs(ctx, []Job{g, t1, t0}); err != nil {
		t.Fatal(err)
	}
	// A duplicate in the batch leaves nothing behind.
	dup := Job{ID: "01bbbbbbbbbbbbbbbbbbbbbbbb", State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateJobs(ctx, []Job{dup, t0}); err == nil {
		t.Fatal("a batch with a duplicate ID was created")
	}
	if _, err := s.GetJob(ctx, dup.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("half a batch was kept: %v", err)
	}
	tasks, err := s.Tasks(ctx, g.ID)
	if err != nil || len(tasks) != 2 || tasks[0].ID != t0.ID || tasks[1].ID != t1.ID || tasks[1].Parent != g.ID || tasks[1].TaskIndex != 1 {
		t.Fatalf("tasks %+v %v", tasks, err)
	}
	list, err := s.ListJobs(ctx, "", 10)
	if err != nil || len(list) != 1 || list[0].ID != g.ID {
		t.Fatalf("job list %+v %v: want the job alone", list, err)
	}
	if found, err := s.FindJob(ctx, "01aaaa"); err != nil || found.ID != g.ID {
		t.Fatalf("prefix lookup: %v %v; want the job, not ambiguous with its tasks", found.ID, err)
	}
	if active, _ := s.ActiveJobs(ctx); len(active) != 3 {
		t.Fatalf("%d active rows, want the job and both tasks (all resume)", len(active))
	}
}

// TestValidatorRowsAndCommitments: a verified job's validator rows are
// not its tasks, and a commitment's opening and receipt are added to it.
func TestValidatorRowsAndCommitments(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Unix(1700000000, 0).UTC()
	parent := Job{ID: "j", State: job.StateRunning, CreatedAt: now, UpdatedAt: now}
	v := Job{ID: "v1", Parent: "j", Role: RoleValidator, State: job.StatePending, CreatedAt: now, UpdatedAt: now}
	if err := s.CreateJobs(ctx, []Job{parent, v}); err != nil {
		t.Fatal(err)
	}
	if tasks, err := s.Tasks(ctx, "j"); err != nil || len(tasks) != 0 {
		t.Fatalf("tasks = %v, %v; want none (a validator run is no task)", tasks, err)
	}
	vs, err := s.Validators(ctx, "j")
	if err != nil || len(vs) != 1 || vs[0].Role != RoleValidator || vs[0].ID != "v1" {
		t.Fatalf("validators = %+v, %v", vs, err)
	}
	if err := s.PutCommitment(ctx, CommitRecord{ExecutionID: "e", JobID: "j", Commitment: []byte(`{"c":1}`), Opening: []byte(`{"o":1}`), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCommitment(ctx, CommitRecord{ExecutionID: "e", JobID: "j", Commitment: []byte(`{"c":1}`), Receipt: []byte(`{"r":1}`), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	c, err := s.GetCommitment(ctx, "e")
	if err != nil || string(c.Opening) != `{"o":1}` || string(c.Receipt) != `{"r":1}` {
		t.Fatalf("commitment = %+v, %v; want the opening kept and the receipt added", c, err)
	}
	if _, err := s.GetCommitment(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing commitment: %v", err)
	}
	if err := s.PutVerification(ctx, "j", []byte(`{"a":1}`), now); err != nil {
		t.Fatal(err)
	}
	if b, err := s.GetVerification(ctx, "j"); err != nil || string(b) != `{"a":1}` {
		t.Fatalf("verification = %s, %v", b, err)
	}
}

// TestMigrationMergedBelowTheLastRuns: a migration whose number is below
// the last one applied (merged later than a higher one) still runs, once.
func TestMigrationMergedBelowTheLastRuns(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	for _, q := range []string{"DROP TABLE operator_policies", "DELETE FROM schema_migrations WHERE number = 13", "PRAGMA user_version = 20"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	for range 2 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutOperatorPolicy(ctx, "op", 1, []byte("{}")); err != nil {
			t.Fatalf("0013 did not run again: %v", err)
		}
		if v, _ := s.Version(ctx); v != 20 {
			t.Fatalf("version %d, want 20 kept", v)
		}
		s.Close()
	}
}
