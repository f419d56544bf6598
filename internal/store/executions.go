package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// Execution is a task this node runs or ran as a provider.
type Execution struct {
	ID           string    `json:"id"`
	JobID        string    `json:"jobId"`
	TaskIndex    int       `json:"taskIndex"`
	Requester    string    `json:"requester"`
	Spec         job.Spec  `json:"spec"`
	State        job.State `json:"state"`
	ExitCode     *int      `json:"exitCode,omitempty"`
	Error        string    `json:"error,omitempty"`
	ResultDigest string    `json:"resultDigest,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// PutExecution inserts or replaces e.
func (s *Store) PutExecution(ctx context.Context, e Execution) error {
	spec, err := json.Marshal(e.Spec)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO executions(id, job_id, task_index, requester, spec, state, exit_code, error, result_digest, created_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET state=excluded.state, exit_code=excluded.exit_code, error=excluded.error,
			result_digest=excluded.result_digest, updated_at=excluded.updated_at`,
		e.ID, e.JobID, e.TaskIndex, e.Requester, string(spec), string(e.State), e.ExitCode, e.Error, e.ResultDigest, e.CreatedAt.UnixNano(), e.UpdatedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("put execution %s: %w", e.ID, err)
	}
	return nil
}

const execColumns = `id, job_id, task_index, requester, spec, state, exit_code, error, result_digest, created_at, updated_at`

func scanExecution(row interface{ Scan(...any) error }) (Execution, error) {
	var e Execution
	var spec, state string
	var exit sql.NullInt64
	var created, updated int64
	if err := row.Scan(&e.ID, &e.JobID, &e.TaskIndex, &e.Requester, &spec, &state, &exit, &e.Error, &e.ResultDigest, &created, &updated); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(spec), &e.Spec); err != nil {
		return e, fmt.Errorf("decode spec of execution %s: %w", e.ID, err)
	}
	e.State = job.State(state)
	if exit.Valid {
		c := int(exit.Int64)
		e.ExitCode = &c
	}
	e.CreatedAt, e.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return e, nil
}

// GetExecution returns one execution.
func (s *Store) GetExecution(ctx context.Context, id string) (Execution, error) {
	e, err := scanExecution(s.queryRow(ctx, "SELECT "+execColumns+" FROM executions WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("execution %s: %w", id, ErrNotFound)
	}
	return e, err
}

// ListExecutions returns executions, newest first.
func (s *Store) ListExecutions(ctx context.Context, limit int) ([]Execution, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.query(ctx, "SELECT "+execColumns+" FROM executions ORDER BY created_at DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Execution
	for rows.Next() {
		e, err := scanExecution(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
