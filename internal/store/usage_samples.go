package store

import (
	"context"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
)

// UsageSample is one sample a provider took of an execution's use (the
// node's stats store).
type UsageSample struct {
	Execution string    `json:"execution"`
	JobID     string    `json:"jobId"`
	TaskIndex int       `json:"taskIndex"`
	At        time.Time `json:"at"`
	// CPUMillis is the execution's cumulative CPU time, in milliseconds.
	CPUMillis uint64 `json:"cpuMillis"`
	// Memory is the memory charged to it at the sample, in bytes;
	// MemoryPeak the most so far.
	Memory     uint64 `json:"memory"`
	MemoryPeak uint64 `json:"memoryPeak"`
	// GPUUtilization is the mean utilisation of its GPUs at the sample,
	// in percent (0 without GPUs).
	GPUUtilization float64 `json:"gpuUtilization"`
	// GPUMemory is the GPU memory it used at the sample, in bytes;
	// GPUMillis its cumulative GPU busy time, in milliseconds.
	GPUMemory uint64 `json:"gpuMemory"`
	GPUMillis uint64 `json:"gpuMillis"`
}

// Queries of PutUsageSample and DeleteUsageSamples.
const (
	sampleExists = `SELECT COUNT(*) FROM usage_samples WHERE execution_id = ? AND at = ?`
	sampleUpsert = `INSERT INTO usage_samples(execution_id, job_id, task_index, at, cpu_millis, memory, memory_peak,
		gpu_util, gpu_memory, gpu_millis) VALUES(?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(execution_id, at) DO UPDATE SET cpu_millis=excluded.cpu_millis, memory=excluded.memory,
			memory_peak=excluded.memory_peak, gpu_util=excluded.gpu_util, gpu_memory=excluded.gpu_memory, gpu_millis=excluded.gpu_millis`
	// rollupAdd adds a new sample (?2: at) to its step of length ?1.
	rollupAdd = `INSERT INTO usage_rollups(step, bucket, execution_id, first_at, last_at, cpu_min, cpu_max, memory_sum, gpu_util_sum, samples)
		VALUES(?1, ?2 / ?1, ?3, ?2, ?2, ?4, ?4, ?5, ?6, 1)
		ON CONFLICT(step, bucket, execution_id) DO UPDATE SET first_at = min(first_at, excluded.first_at),
			last_at = max(last_at, excluded.last_at), cpu_min = min(cpu_min, excluded.cpu_min), cpu_max = max(cpu_max, excluded.cpu_max),
			memory_sum = memory_sum + excluded.memory_sum, gpu_util_sum = gpu_util_sum + excluded.gpu_util_sum, samples = samples + 1`
	// rollupRedo sums the step of length ?1 holding ?2 again from the
	// raw samples: a replaced sample's old values cannot be taken out of
	// a least or a most.
	rollupRedo = `INSERT OR REPLACE INTO usage_rollups(step, bucket, execution_id, first_at, last_at, cpu_min, cpu_max, memory_sum, gpu_util_sum, samples)
		SELECT ?1, ?2 / ?1, execution_id, MIN(at), MAX(at), MIN(cpu_millis), MAX(cpu_millis), SUM(memory), TOTAL(gpu_util), COUNT(*)
		FROM usage_samples WHERE execution_id = ?3 AND at >= (?2 / ?1) * ?1 AND at < (?2 / ?1 + 1) * ?1 GROUP BY execution_id`
	samplesDelete = `DELETE FROM usage_samples WHERE execution_id = ?`
	rollupsDelete = `DELETE FROM usage_rollups WHERE execution_id = ?`
)

// PutUsageSample records a sample (a second one at the same instant
// replaces the first) and, in the same transaction, adds it to its steps
// in usage_rollups (see rollupSteps), which the utilisation chart reads.
func (s *Store) PutUsageSample(ctx context.Context, u UsageSample) error {
	tx, err := s.begin(ctx, sampleExists, sampleUpsert, rollupAdd, rollupRedo)
	if err != nil {
		return fmt.Errorf("put usage sample of %s: %w", u.Execution, err)
	}
	defer tx.Rollback()
	at := u.At.UnixNano()
	var existed int
	if err := s.txQueryRow(ctx, tx, sampleExists, u.Execution, at).Scan(&existed); err != nil {
		return fmt.Errorf("put usage sample of %s: %w", u.Execution, err)
	}
	if _, err := s.txExec(ctx, tx, sampleUpsert, u.Execution, u.JobID, u.TaskIndex, at, int64(u.CPUMillis), int64(u.Memory),
		int64(u.MemoryPeak), u.GPUUtilization, int64(u.GPUMemory), int64(u.GPUMillis)); err != nil {
		return fmt.Errorf("put usage sample of %s: %w", u.Execution, err)
	}
	if at >= 0 { // steps count from the epoch; the chart reads earlier ones raw
		for _, step := range rollupSteps {
			if existed == 0 {
				_, err = s.txExec(ctx, tx, rollupAdd, step.Nanoseconds(), at, u.Execution, int64(u.CPUMillis), int64(u.Memory), u.GPUUtilization)
			} else {
				_, err = s.txExec(ctx, tx, rollupRedo, step.Nanoseconds(), at, u.Execution)
			}
			if err != nil {
				return fmt.Errorf("roll up usage sample of %s by %s: %w", u.Execution, step, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("put usage sample of %s: %w", u.Execution, err)
	}
	return nil
}

// DeleteUsageSamples removes an execution's samples and their rollups.
func (s *Store) DeleteUsageSamples(ctx context.Context, execution string) error {
	tx, err := s.begin(ctx, samplesDelete, rollupsDelete)
	if err != nil {
		return fmt.Errorf("delete usage samples of %s: %w", execution, err)
	}
	defer tx.Rollback()
	for _, q := range []string{samplesDelete, rollupsDelete} {
		if _, err := s.txExec(ctx, tx, q, execution); err != nil {
			return fmt.Errorf("delete usage samples of %s: %w", execution, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete usage samples of %s: %w", execution, err)
	}
	return nil
}

// UsageSamples returns the samples of job jobID's executions (and of its
// tasks' when it has several), by execution and time.
func (s *Store) UsageSamples(ctx context.Context, jobID string) ([]UsageSample, error) {
	rows, err := s.query(ctx, `SELECT execution_id, job_id, task_index, at, cpu_millis, memory, memory_peak, gpu_util, gpu_memory, gpu_millis
		FROM usage_samples WHERE job_id = ? OR job_id IN (SELECT id FROM jobs WHERE parent_id = ?)
		ORDER BY task_index, execution_id, at`, jobID, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UsageSample
	for rows.Next() {
		var u UsageSample
		var at, cpu, mem, peak, gpuMem, gpu int64
		if err := rows.Scan(&u.Execution, &u.JobID, &u.TaskIndex, &at, &cpu, &mem, &peak, &u.GPUUtilization, &gpuMem, &gpu); err != nil {
			return nil, err
		}
		u.At, u.CPUMillis, u.Memory, u.MemoryPeak = time.Unix(0, at).UTC(), uint64(cpu), uint64(mem), uint64(peak)
		u.GPUMemory, u.GPUMillis = uint64(gpuMem), uint64(gpu)
		out = append(out, u)
	}
	return out, rows.Err()
}

// JobUsages returns the usage reports kept in role for job jobID's
// executions (and its tasks'), by execution and seq.
func (s *Store) JobUsages(ctx context.Context, role Role, jobID string) ([]Usage, error) {
	rows, err := s.query(ctx, `SELECT execution_id, job_id, requester, provider, seq, run_millis, amount, final, signature, at,
		cpu_millis, memory_peak, gpu_millis, gpu_memory_peak FROM usage_reports
		WHERE role = ? AND (job_id = ? OR job_id IN (SELECT id FROM jobs WHERE parent_id = ?)) ORDER BY execution_id, seq`,
		string(role), jobID, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		var u Usage
		var req, prov string
		var seq, ms, amount, at, cpu, mem, gpu, gpuMem int64
		var final int
		if err := rows.Scan(&u.Report.Execution, &u.JobID, &req, &prov, &seq, &ms, &amount, &final, &u.Report.Signature, &at,
			&cpu, &mem, &gpu, &gpuMem); err != nil {
			return nil, err
		}
		u.Requester, _ = identity.ParseAddress(req)
		u.Provider, _ = identity.ParseAddress(prov)
		u.Report.Seq, u.Report.RunMillis, u.Report.AmountDue = uint64(seq), uint64(ms), money.Amount(amount)
		u.Report.Final, u.At = final == 1, time.Unix(0, at).UTC()
		u.Report.Use = market.Use{CPUMillis: uint64(cpu), MemoryPeak: uint64(mem), GPUMillis: uint64(gpu), GPUMemoryPeak: uint64(gpuMem)}
		out = append(out, u)
	}
	return out, rows.Err()
}
