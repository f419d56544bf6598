package node

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// gathered reads the value of one series (name and label values in
// order) from reg; -1 when absent.
func gathered(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for i, l := range m.GetLabel() {
				if i >= len(labels) || l.GetValue() != labels[i] {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}

func TestPlacementMetrics(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type step struct {
		id, provider string
		state        job.State
		t            int
	}
	tests := []struct {
		name                              string
		steps                             []step
		placed, queued, failed, cancelled float64
		latencies                         float64
	}{
		{name: "placed at the first try", steps: []step{{"a", "p1", job.StatePreparing, 2}, {"a", "p1", job.StateRunning, 3},
			{"a", "p1", job.StatePreparing, 4}, {"a", "p1", job.StateCompleted, 9}}, placed: 1, latencies: 1,
			queued: -1, failed: -1, cancelled: -1},
		{name: "queued, then placed", steps: []step{{"b", "", job.StateQueued, 1}, {"b", "", job.StateQueued, 2},
			{"b", "p1", job.StatePreparing, 5}, {"b", "p1", job.StateCompleted, 9}}, placed: 1, queued: 1, latencies: 1,
			failed: -1, cancelled: -1},
		{name: "no provider", steps: []step{{"c", "", job.StateQueued, 1}, {"c", "", job.StateFailed, 60}},
			placed: -1, queued: 1, failed: 1, cancelled: -1, latencies: 0},
		{name: "cancelled while waiting", steps: []step{{"d", "", job.StatePending, 1}, {"d", "", job.StateCancelled, 2}},
			placed: -1, queued: -1, failed: -1, cancelled: 1, latencies: 0},
		{name: "a multi-task job's own row is not a placement", steps: []step{{"g", "", job.StatePending, 1},
			{"g", "", job.StateRunning, 2}, {"g", "", job.StateFailed, 9}}, placed: -1, queued: -1, failed: -1, cancelled: -1, latencies: 0},
		{name: "lost, then placed again", steps: []step{{"e", "p1", job.StateRunning, 1}, {"e", "", job.StatePending, 5},
			{"e", "p2", job.StatePreparing, 7}}, placed: 2, latencies: 2, queued: -1, failed: -1, cancelled: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m := newMetrics(reg)
			for _, s := range tt.steps {
				m.jobChanged(store.Job{ID: s.id, Provider: s.provider, State: s.state, CreatedAt: t0, UpdatedAt: at(s.t)})
			}
			got := []float64{gathered(t, reg, "deco_placements_total", "placed"), gathered(t, reg, "deco_placements_total", "queued"),
				gathered(t, reg, "deco_placements_total", "failed"), gathered(t, reg, "deco_placements_total", "cancelled"),
				gathered(t, reg, "deco_placement_seconds")}
			want := []float64{tt.placed, tt.queued, tt.failed, tt.cancelled, tt.latencies}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("placed, queued, failed, cancelled, latencies = %v, want %v", got, want)
				}
			}
			if n := len(m.placing); n != 0 && tt.steps[len(tt.steps)-1].state.Terminal() {
				t.Fatalf("%d placements still followed after the job ended", n)
			}
		})
	}
}
