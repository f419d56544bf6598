package store

import (
	"context"
	"fmt"
	"time"
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

// sqlOverlap selects the executions that ran at some time in [?1, ?2): made
// before ?2 and ended (last updated) at ?1 or later, or not ended.
const sqlOverlap = `e.created_at < ?2 AND (e.updated_at >= ?1 OR e.state NOT IN ` + terminalStates + `)`

// ExecutionsBetween returns the executions this node ran as a provider at
// some time in [from, to), oldest first.
func (s *Store) ExecutionsBetween(ctx context.Context, from, to time.Time) ([]Execution, error) {
	out, err := s.executions(ctx, "e WHERE "+sqlOverlap+" ORDER BY e.created_at", from.UnixNano(), to.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("executions between %s and %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return out, nil
}

// UsageSummaries sums the usage samples taken in [from, to) by execution
// and step (from, from+step, ...), by execution and step.
func (s *Store) UsageSummaries(ctx context.Context, from, to time.Time, step time.Duration) ([]UsageSummary, error) {
	if step <= 0 {
		return nil, fmt.Errorf("usage summaries: step %s", step)
	}
	rows, err := s.query(ctx, `SELECT s.execution_id, (s.at - ?1) / ?3 AS step, MIN(s.at), MAX(s.at), MIN(s.cpu_millis), MAX(s.cpu_millis),
		AVG(s.memory), AVG(s.gpu_util), COUNT(*)
		FROM executions e JOIN usage_samples s ON s.execution_id = e.id AND s.at >= ?1 AND s.at < ?2
		WHERE `+sqlOverlap+` GROUP BY s.execution_id, step ORDER BY s.execution_id, step`,
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
