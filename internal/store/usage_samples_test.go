package store

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
)

func TestUsageSamplesOfAJobAndItsTasks(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	at := time.Unix(1700000000, 0).UTC()
	now := at
	if err := s.CreateJob(ctx, Job{ID: "j", State: job.StateRunning, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateJob(ctx, Job{ID: "j-t1", Parent: "j", TaskIndex: 1, State: job.StateRunning, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	samples := []UsageSample{
		{Execution: "x0", JobID: "j", At: at, CPUMillis: 10, Memory: 1 << 20, MemoryPeak: 2 << 20},
		{Execution: "x0", JobID: "j", At: at.Add(time.Second), CPUMillis: 900, Memory: 3 << 20, MemoryPeak: 3 << 20, GPUUtilization: 87.5, GPUMemory: 1 << 30, GPUMillis: 875},
		{Execution: "x1", JobID: "j-t1", TaskIndex: 1, At: at, CPUMillis: 5},
		{Execution: "other", JobID: "k", At: at, CPUMillis: 1},
	}
	for _, u := range samples {
		if err := s.PutUsageSample(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.UsageSamples(ctx, "j")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d samples, want 3 (the job's and its task's): %+v", len(got), got)
	}
	for i, want := range samples[:3] {
		if got[i] != want {
			t.Fatalf("sample %d = %+v, want %+v", i, got[i], want)
		}
	}
	if err := s.DeleteUsageSamples(ctx, "x0"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.UsageSamples(ctx, "j"); err != nil || len(got) != 1 || got[0].Execution != "x1" {
		t.Fatalf("after deleting x0's samples: %+v, %v; want x1's only", got, err)
	}
}

func TestStoredUsageReportStillVerifies(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	key, _ := identity.Generate(rand.Reader)
	u := market.UsageReport{Execution: "x1", Seq: 1, RunMillis: 2000, AmountDue: 7,
		Use: market.Use{CPUMillis: 1800, MemoryPeak: 40 << 20, GPUMillis: 3, GPUMemoryPeak: 4}}
	if err := u.Sign(key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutUsage(ctx, RoleRequester, Usage{JobID: "j", Requester: identity.Address{1}, Provider: key.Address(), Report: u, At: time.Unix(1, 0)}); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() ([]Usage, error){
		"Usages":    func() ([]Usage, error) { return s.Usages(ctx, RoleRequester, "x1") },
		"JobUsages": func() ([]Usage, error) { return s.JobUsages(ctx, RoleRequester, "j") },
	} {
		us, err := read()
		if err != nil || len(us) != 1 {
			t.Fatalf("%s: %d reports, err %v", name, len(us), err)
		}
		back := us[0].Report
		if back.Use != u.Use {
			t.Fatalf("%s: use %+v, want %+v", name, back.Use, u.Use)
		}
		addr, err := identity.RecoverAddress(back.Hash(), back.Signature)
		if err != nil || addr != key.Address() {
			t.Fatalf("%s: stored report no longer verifies (%v, %v)", name, addr, err)
		}
	}
}

func TestCounts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Unix(1700000000, 0).UTC()
	for i, st := range []job.State{job.StateCompleted, job.StateCompleted, job.StateFailed, job.StateRunning} {
		id := string(rune('a' + i))
		if err := s.CreateJob(ctx, Job{ID: id, State: st, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	// A task row is not a job of its own.
	if err := s.CreateJob(ctx, Job{ID: "a-t0", Parent: "a", State: job.StateCompleted, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutExecution(ctx, Execution{ID: "x", JobID: "j", State: job.StateRunning, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutUsage(ctx, RoleProvider, Usage{JobID: "j", Report: market.UsageReport{Execution: "x", Seq: 1, AmountDue: money.Amount(1), Signature: []byte{1}}, At: now}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Jobs["completed"] != 2 || c.Jobs["failed"] != 1 || c.Jobs["running"] != 1 || len(c.Jobs) != 3 {
		t.Fatalf("jobs = %v", c.Jobs)
	}
	if c.Executions["running"] != 1 || c.UsageReports["provider"] != 1 || c.UsageReports["requester"] != 0 {
		t.Fatalf("executions = %v, usage reports = %v", c.Executions, c.UsageReports)
	}
}
