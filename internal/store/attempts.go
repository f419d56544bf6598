package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// Attempt is one execution of a job on one provider, as the requester
// records it.
type Attempt struct {
	ExecutionID string          `json:"executionId"`
	JobID       string          `json:"jobId"`
	Seq         int             `json:"seq"`
	Provider    string          `json:"provider"`
	State       job.State       `json:"state"`
	Error       string          `json:"error,omitempty"`
	Deal        json.RawMessage `json:"deal,omitempty"`
	StartedAt   time.Time       `json:"startedAt"`
	// LogOffset is where this attempt's logs start in the job's log.
	LogOffset int64      `json:"logOffset,omitempty"`
	EndedAt   *time.Time `json:"endedAt,omitempty"`
}

// PutAttempt inserts or updates an attempt; Seq is assigned on insert when
// zero.
func (s *Store) PutAttempt(ctx context.Context, a Attempt) error {
	var ended any
	if a.EndedAt != nil {
		ended = a.EndedAt.UnixNano()
	}
	_, err := s.exec(ctx, `INSERT INTO attempts(execution_id, job_id, seq, provider, state, error, deal, started_at, ended_at, log_offset)
		VALUES(?, ?, CASE WHEN ? > 0 THEN ? ELSE (SELECT COALESCE(MAX(seq), 0) + 1 FROM attempts WHERE job_id = ?) END, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(execution_id) DO UPDATE SET state=excluded.state, error=excluded.error, ended_at=excluded.ended_at, provider=excluded.provider`,
		a.ExecutionID, a.JobID, a.Seq, a.Seq, a.JobID, a.Provider, string(a.State), a.Error, string(a.Deal), a.StartedAt.UnixNano(), ended, a.LogOffset)
	if err != nil {
		return fmt.Errorf("put attempt %s: %w", a.ExecutionID, err)
	}
	return nil
}

// Attempts returns a job's attempts in order.
func (s *Store) Attempts(ctx context.Context, jobID string) ([]Attempt, error) {
	rows, err := s.query(ctx, `SELECT execution_id, job_id, seq, provider, state, error, deal, started_at, ended_at, log_offset
		FROM attempts WHERE job_id = ? ORDER BY seq`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var state, deal string
		var started int64
		var ended sql.NullInt64
		if err := rows.Scan(&a.ExecutionID, &a.JobID, &a.Seq, &a.Provider, &state, &a.Error, &deal, &started, &ended, &a.LogOffset); err != nil {
			return nil, err
		}
		a.State, a.StartedAt = job.State(state), time.Unix(0, started).UTC()
		if deal != "" {
			a.Deal = json.RawMessage(deal)
		}
		if ended.Valid {
			t := time.Unix(0, ended.Int64).UTC()
			a.EndedAt = &t
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
