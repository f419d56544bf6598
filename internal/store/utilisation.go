package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// UsageSummary sums one execution's usage samples over one step of a
// window (see UsageSummaries): the dashboard draws the share used over
// time from these, so a page reads one row per execution and step, not
// every sample.
type UsageSummary struct {
	Execution string `json:"execution"`
	// Step is the step's index: the samples at from + Step×step onwards.
	Step int `json:"step"`
	// First and Last are the times of the step's first and last sample.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// CPUMin and CPUMax are the least and most cumulative CPU time of the
	// step's samples, in milliseconds.
	CPUMin uint64 `json:"cpuMin"`
	CPUMax uint64 `json:"cpuMax"`
	// Memory is the mean memory charged at the samples, in bytes;
	// GPUUtilization the mean GPU utilisation, in percent.
	Memory         float64 `json:"memory"`
	GPUUtilization float64 `json:"gpuUtilization"`
	Samples        int     `json:"samples"`
}

// ExecutionSpan is when an execution ran and what it reserved: what the
// utilisation chart needs of one, without its whole spec.
type ExecutionSpan struct {
	ID        string        `json:"id"`
	State     job.State     `json:"state"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
	Resources job.Resources `json:"resources"`
}

// ExecutionsBetween returns the executions this node ran as a provider at
// some time in [from, to): made before to and ended (last updated) at
// from or later, or not ended.
func (s *Store) ExecutionsBetween(ctx context.Context, from, to time.Time) ([]ExecutionSpan, error) {
	rows, err := s.query(ctx, `SELECT id, state, created_at, updated_at, COALESCE(json_extract(spec, '$.resources.cpu'), ''),
		COALESCE(json_extract(spec, '$.resources.memory'), ''), COALESCE(json_extract(spec, '$.resources.gpus'), 0) FROM executions
		WHERE created_at < ?2 AND (updated_at >= ?1 OR state NOT IN `+terminalStates+`) ORDER BY created_at`, from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("executions between %s and %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	defer rows.Close()
	// Most executions ask for one of a few sizes: each is parsed once.
	cpus, mems := map[string]job.MilliCPU{}, map[string]job.ByteSize{}
	out := make([]ExecutionSpan, 0, 256)
	for rows.Next() {
		var e ExecutionSpan
		var state, cpu, mem string
		var created, updated int64
		if err := rows.Scan(&e.ID, &state, &created, &updated, &cpu, &mem, &e.Resources.GPUs); err != nil {
			return nil, err
		}
		var err error
		if e.Resources.CPU, err = parseOnce(cpus, cpu, job.ParseMilliCPU); err != nil {
			return nil, fmt.Errorf("cpu of execution %s: %w", e.ID, err)
		}
		if e.Resources.Memory, err = parseOnce(mems, mem, job.ParseByteSize); err != nil {
			return nil, fmt.Errorf("memory of execution %s: %w", e.ID, err)
		}
		e.State, e.CreatedAt, e.UpdatedAt = job.State(state), time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// parseOnce parses s with parse, remembering each distinct string's value
// in seen; an empty s is the zero value.
func parseOnce[T any](seen map[string]T, s string, parse func(string) (T, error)) (T, error) {
	if s == "" {
		var zero T
		return zero, nil
	}
	if v, ok := seen[s]; ok {
		return v, nil
	}
	v, err := parse(s)
	if err == nil {
		seen[s] = v
	}
	return v, err
}

// rollupSteps are the step lengths usage_rollups holds (migration 0021
// rolls up the samples taken before it by the same ones): the provider
// page's utilisation windows (1 hour by minute, 24 hours by 15 minutes,
// 7 days by 2 hours).
var rollupSteps = [...]time.Duration{time.Minute, 15 * time.Minute, 2 * time.Hour}

// RolledUp reports whether UsageSummaries answers windows of steps of
// length step, aligned on it, from usage_rollups rather than from every
// raw sample.
func RolledUp(step time.Duration) bool {
	for _, s := range rollupSteps {
		if s == step {
			return true
		}
	}
	return false
}

// UsageSummaries sums the usage samples taken in [from, to) by execution
// and step (from, from+step, ...), by execution and step. A window whose
// step is rolled up (see RolledUp) and whose ends are multiples of it
// from the epoch is read from usage_rollups: one row per execution and
// step, whatever the number of samples; any other from the raw samples.
func (s *Store) UsageSummaries(ctx context.Context, from, to time.Time, step time.Duration) ([]UsageSummary, error) {
	if step <= 0 {
		return nil, fmt.Errorf("usage summaries: step %s", step)
	}
	f, t, n := from.UnixNano(), to.UnixNano(), step.Nanoseconds()
	if !RolledUp(step) || f < 0 || f%n != 0 || t%n != 0 {
		return s.rawUsageSummaries(ctx, from, to, step)
	}
	// The rows come by step and execution, the index's order; sorting
	// them here is cheaper than SQLite's sorter.
	rows, err := s.query(ctx, `SELECT execution_id, bucket - ?2, first_at, last_at, cpu_min, cpu_max, memory_sum, gpu_util_sum, samples
		FROM usage_rollups WHERE step = ?1 AND bucket >= ?2 AND bucket < ?3`, n, f/n, t/n)
	if err != nil {
		return nil, fmt.Errorf("usage summaries: %w", err)
	}
	defer rows.Close()
	var out []UsageSummary
	for rows.Next() {
		var u UsageSummary
		var first, last, cpuMin, cpuMax, memory int64
		var gpu float64
		if err := rows.Scan(&u.Execution, &u.Step, &first, &last, &cpuMin, &cpuMax, &memory, &gpu, &u.Samples); err != nil {
			return nil, err
		}
		u.First, u.Last = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		u.CPUMin, u.CPUMax = uint64(cpuMin), uint64(cpuMax)
		// AVG of the raw samples is their sum over their count too.
		u.Memory, u.GPUUtilization = float64(memory)/float64(u.Samples), gpu/float64(u.Samples)
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b UsageSummary) int {
		if c := strings.Compare(a.Execution, b.Execution); c != 0 {
			return c
		}
		return a.Step - b.Step
	})
	return out, nil
}

// rawUsageSummaries is UsageSummaries from every raw sample of the window.
func (s *Store) rawUsageSummaries(ctx context.Context, from, to time.Time, step time.Duration) ([]UsageSummary, error) {
	rows, err := s.query(ctx, `SELECT s.execution_id, (s.at - ?1) / ?3 AS step, MIN(s.at), MAX(s.at), MIN(s.cpu_millis), MAX(s.cpu_millis),
		AVG(s.memory), AVG(s.gpu_util), COUNT(*)
		FROM usage_samples s WHERE s.at >= ?1 AND s.at < ?2 GROUP BY s.execution_id, step ORDER BY s.execution_id, step`,
		from.UnixNano(), to.UnixNano(), step.Nanoseconds())
	if err != nil {
		return nil, fmt.Errorf("usage summaries: %w", err)
	}
	defer rows.Close()
	var out []UsageSummary
	for rows.Next() {
		var u UsageSummary
		var first, last, cpuMin, cpuMax int64
		if err := rows.Scan(&u.Execution, &u.Step, &first, &last, &cpuMin, &cpuMax, &u.Memory, &u.GPUUtilization, &u.Samples); err != nil {
			return nil, err
		}
		u.First, u.Last = time.Unix(0, first).UTC(), time.Unix(0, last).UTC()
		u.CPUMin, u.CPUMax = uint64(cpuMin), uint64(cpuMax)
		out = append(out, u)
	}
	return out, rows.Err()
}
