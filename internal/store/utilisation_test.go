package store

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestUsageRollupsMatchRawSamples checks that the utilisation windows read
// from usage_rollups give what the raw samples give, on real SQLite: for
// each rolled-up step and several windows, with samples replaced at the
// same instant, an execution's samples deleted, and samples written
// before migration 0021 (rolled up by the migration, run twice).
func TestUsageRollupsMatchRawSamples(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	end := t0.Add(8 * 24 * time.Hour)
	var mid time.Time // a sample's time, for narrow windows
	// 24 executions, each sampled every 5 to 65 s over a run of up to 5
	// hours somewhere in the 8 days; a few samples taken again at the
	// same instant with other values.
	for e := range 24 {
		id := fmt.Sprintf("x%02d", e)
		at := t0.Add(time.Duration(rng.Int64N(int64(end.Sub(t0)))))
		if e == 5 {
			mid = at
		}
		stop := at.Add(time.Duration(rng.Int64N(int64(5 * time.Hour))))
		var cpu uint64
		for ; at.Before(stop) && at.Before(end); at = at.Add(time.Duration(5+rng.IntN(60)) * time.Second) {
			cpu += uint64(rng.IntN(60_000))
			u := UsageSample{Execution: id, JobID: "job-" + id, At: at, CPUMillis: cpu, Memory: uint64(rng.IntN(8 << 30)),
				GPUUtilization: float64(rng.IntN(1000)) / 7}
			if err := s.PutUsageSample(ctx, u); err != nil {
				t.Fatal(err)
			}
			if rng.IntN(20) == 0 {
				u.CPUMillis, u.Memory, u.GPUUtilization = cpu+1, uint64(rng.IntN(8<<30)), float64(rng.IntN(100))
				cpu++
				if err := s.PutUsageSample(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	check := func(when string) {
		t.Helper()
		for _, step := range rollupSteps {
			for _, w := range []struct{ from, to time.Time }{
				{t0, end},
				{t0.Add(24 * time.Hour), t0.Add(48 * time.Hour)},
				{end.Add(-7 * 24 * time.Hour), end},
				{mid.Truncate(step).Add(-step), mid.Truncate(step).Add(2 * step)},
			} {
				got, err := s.UsageSummaries(ctx, w.from, w.to, step)
				if err != nil {
					t.Fatal(err)
				}
				want, err := s.rawUsageSummaries(ctx, w.from, w.to, step)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 {
					t.Fatalf("%s: no samples in [%s, %s): the test checks nothing", when, w.from, w.to)
				}
				if len(got) != len(want) {
					t.Fatalf("%s, step %s, [%s, %s): %d summaries from the rollups, %d from the samples", when, step, w.from, w.to, len(got), len(want))
				}
				for i := range want {
					g, r := got[i], want[i]
					// Memory sums integers as AVG does: exact. GPU
					// utilisation is a sum of reals, which SQLite adds
					// compensated: the same to rounding.
					gpuOK := math.Abs(g.GPUUtilization-r.GPUUtilization) <= 1e-9*math.Max(1, math.Abs(r.GPUUtilization))
					g.GPUUtilization = r.GPUUtilization
					if g != r || !gpuOK {
						t.Fatalf("%s, step %s, [%s, %s), summary %d:\nrollups %+v\nsamples %+v", when, step, w.from, w.to, i, got[i], r)
					}
				}
			}
		}
	}
	check("as written")

	if err := s.DeleteUsageSamples(ctx, "x03"); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM usage_rollups WHERE execution_id = 'x03'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("rollups of a deleted execution's samples: %d, %v", left, err)
	}
	check("after deleting x03's samples")

	// Samples from before migration 0021: no rollups, the migration not
	// applied. Reopening applies it.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM usage_rollups; DELETE FROM schema_migrations WHERE number = 21`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rolled int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM usage_rollups`).Scan(&rolled); err != nil || rolled == 0 {
		t.Fatalf("rollups after migrating: %d, %v", rolled, err)
	}
	check("rolled up by the migration")

	// Run again, the migration recomputes the same rows.
	body, err := migrationFS.ReadFile("migrations/0021_usage_rollups.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, string(body)); err != nil {
		t.Fatalf("migration 0021 again: %v", err)
	}
	var again int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM usage_rollups`).Scan(&again); err != nil || again != rolled {
		t.Fatalf("rollups after migrating again: %d, %v; want %d", again, err, rolled)
	}
	check("migrated twice")

	// New samples after the migration add to its rows.
	if err := s.PutUsageSample(ctx, UsageSample{Execution: "x07", JobID: "job-x07", At: end.Add(-time.Minute), CPUMillis: 1 << 40, Memory: 1}); err != nil {
		t.Fatal(err)
	}
	check("a sample after the migration")
}

// TestUsageSummariesOfOtherWindowsReadSamples: a window whose step is not
// rolled up, or whose start is not a multiple of its step, is summed from
// the raw samples (the steps count from its start).
func TestUsageSummariesOfOtherWindowsReadSamples(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 {
		if err := s.PutUsageSample(ctx, UsageSample{Execution: "x", JobID: "j", At: t0.Add(time.Duration(i) * 10 * time.Minute), CPUMillis: uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		from time.Time
		step time.Duration
		want []int // samples by step
	}{
		{t0, 30 * time.Minute, []int{3, 3, 3, 1}},                   // not rolled up
		{t0.Add(5 * time.Minute), 15 * time.Minute, []int{1, 2, 1}}, // rolled up, not aligned: 10; 20 and 30; 40 min
		{t0, 15 * time.Minute, []int{2, 1, 2}},                      // aligned: 0 and 10; 20; 30 and 40 min
	} {
		got, err := s.UsageSummaries(ctx, c.from, c.from.Add(time.Duration(len(c.want))*c.step), c.step)
		if err != nil {
			t.Fatal(err)
		}
		var n []int
		for _, u := range got {
			n = append(n, u.Samples)
		}
		if fmt.Sprint(n) != fmt.Sprint(c.want) {
			t.Errorf("from %s by %s: samples by step %v, want %v", c.from.Format(time.TimeOnly), c.step, n, c.want)
		}
	}
}
