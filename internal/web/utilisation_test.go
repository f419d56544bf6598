package web

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// TestUtilisationBuckets draws the share used from a real store's
// executions and samples: a sampled execution from its CPU time, memory
// and GPU utilisation, one without samples from what it reserved, a step
// after now with no figure.
func TestUtilisationBuckets(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	put := func(id string, created, updated int, state job.State, r job.Resources) {
		t.Helper()
		if err := st.PutExecution(ctx, store.Execution{ID: id, JobID: "job-" + id, State: state, CreatedAt: at(created), UpdatedAt: at(updated),
			Spec: job.Spec{APIVersion: job.APIVersion, Image: "x", Resources: r}}); err != nil {
			t.Fatal(err)
		}
	}
	sample := func(id string, s int, cpuMillis, memory uint64, gpu float64) {
		t.Helper()
		if err := st.PutUsageSample(ctx, store.UsageSample{Execution: id, JobID: "job-" + id, At: at(s), CPUMillis: cpuMillis, Memory: memory, GPUUtilization: gpu}); err != nil {
			t.Fatal(err)
		}
	}
	const mib = 1 << 20
	// sampled: started at 10 s; 40 s of CPU time by 50 s (1 core over 40
	// s, 2 samples of 512 MiB), then 60 s more by 110 s (1 core over 60
	// s, 256 MiB), its GPU 50% busy.
	put("sampled", 10, 110, job.StateCompleted, job.Resources{CPU: 2000, Memory: 1024 * mib, GPUs: 1})
	sample("sampled", 20, 10_000, 512*mib, 50)
	sample("sampled", 50, 40_000, 512*mib, 50)
	sample("sampled", 80, 70_000, 256*mib, 50)
	sample("sampled", 110, 100_000, 256*mib, 50)
	// reserved: 1 core, 512 MiB from 30 s to 90 s, no samples.
	put("reserved", 30, 90, job.StateCompleted, job.Resources{CPU: 1000, Memory: 512 * mib})
	// running: 2 cores from 120 s on, not ended, no samples.
	put("running", 120, 120, job.StateRunning, job.Resources{CPU: 2000})
	// Outside the window on both sides: neither counts.
	put("before", -600, -60, job.StateCompleted, job.Resources{CPU: 2000})
	sample("before", -120, 5_000, 1024*mib, 0)
	put("after", 400, 410, job.StateCompleted, job.Resources{CPU: 2000})

	from, step, n, now := t0, time.Minute, 4, at(150)
	execs, err := st.ExecutionsBetween(ctx, from, from.Add(time.Duration(n)*step))
	if err != nil {
		t.Fatal(err)
	}
	sums, err := st.UsageSummaries(ctx, from, from.Add(time.Duration(n)*step), step)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || sums[0].Samples != 2 || sums[1].Samples != 2 || sums[0].CPUMax != 40_000 || sums[1].CPUMin != 70_000 {
		t.Fatalf("summaries %+v", sums)
	}
	share := inventory.Share{CPU: 2000, Memory: 1024 * mib, GPUs: []string{"0", "1"}}
	c, measured, reserved := utilisation(share, execs, sums, from, step, n, now)
	if measured != 1 || reserved != 2 {
		t.Fatalf("measured %d, reserved %d executions (want 1, 2)", measured, reserved)
	}
	// Step 0: sampled 40 s at 1 core, 512 MiB, half a GPU; reserved 30 s
	// at 1 core, 512 MiB. Step 1: sampled 60 s at 1 core, 256 MiB, half
	// a GPU; reserved 30 s. Step 2 (30 s up to now): running holds both
	// cores. Step 3 is after now.
	want := map[string][]float64{
		"CPU (%)":    {100 * (40.0 + 30) / 120, 100 * (60.0 + 30) / 120, 100, math.NaN()},
		"memory (%)": {100 * (40.0*512 + 30*512) / (60 * 1024), 100 * (60.0*256 + 30*512) / (60 * 1024), 0, math.NaN()},
		"GPU (%)":    {100 * 40.0 * 0.5 / (2 * 60), 100 * 60.0 * 0.5 / (2 * 60), 0, math.NaN()},
	}
	if len(c.X) != n || c.X[1]-c.X[0] != 60 || len(c.Series) != 3 {
		t.Fatalf("chart x %v, %d series", c.X, len(c.Series))
	}
	for _, s := range c.Series {
		w := want[s.Label]
		if w == nil {
			t.Fatalf("series %q", s.Label)
		}
		for i, v := range s.Values {
			switch {
			case math.IsNaN(w[i]) && v != nil:
				t.Errorf("%s step %d (after now) = %v, want none", s.Label, i, *v)
			case !math.IsNaN(w[i]) && (v == nil || math.Abs(*v-w[i]) > 1e-9):
				t.Errorf("%s step %d = %s, want %.4f", s.Label, i, show(v), w[i])
			}
		}
	}
	// Without GPUs in the share there is no GPU series.
	if c, _, _ := utilisation(inventory.Share{CPU: 1000, Memory: mib}, execs, sums, from, step, n, now); len(c.Series) != 2 {
		t.Fatalf("series without GPUs: %d", len(c.Series))
	}
}

func show(v *float64) string {
	if v == nil {
		return "none"
	}
	return fmt.Sprintf("%.4f", *v)
}

// TestUtilisationSpansAreRolledUp: every window the chart offers has a
// step the store rolls up as samples are taken and starts on a multiple
// of it, so no window groups the raw samples.
func TestUtilisationSpansAreRolledUp(t *testing.T) {
	for _, s := range utilSpans {
		if !store.RolledUp(s.Step) {
			t.Errorf("window %s: step %s is not rolled up by the store", s.Name, s.Step)
		}
		if (24*time.Hour)%s.Step != 0 {
			t.Errorf("window %s: step %s does not divide a day: Truncate would not align it on the epoch", s.Name, s.Step)
		}
	}
}
