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
	// CollectedAt is when the result was deleted after the retention
	// period (zero: it was not); see MarkCollected.
	CollectedAt time.Time `json:"collectedAt,omitzero"`
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

const execColumns = `id, job_id, task_index, requester, spec, state, exit_code, error, result_digest, created_at, updated_at, collected_at`

func scanExecution(row interface{ Scan(...any) error }) (Execution, error) {
	var e Execution
	var spec, state string
	var exit sql.NullInt64
	var created, updated, collected int64
	if err := row.Scan(&e.ID, &e.JobID, &e.TaskIndex, &e.Requester, &spec, &state, &exit, &e.Error, &e.ResultDigest, &created, &updated, &collected); err != nil {
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
	if collected != 0 {
		e.CollectedAt = time.Unix(0, collected).UTC()
	}
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
	return s.executions(ctx, "ORDER BY created_at DESC LIMIT ?", limit)
}

// ActiveExecutions returns the executions not in a terminal state.
func (s *Store) ActiveExecutions(ctx context.Context) ([]Execution, error) {
	return s.executions(ctx, "WHERE state NOT IN "+terminalStates+" ORDER BY created_at")
}

// CollectableExecutions returns the ended executions whose result is not
// collected yet and that were last updated before cutoff.
func (s *Store) CollectableExecutions(ctx context.Context, cutoff time.Time) ([]Execution, error) {
	return s.executions(ctx, "WHERE state IN "+terminalStates+" AND collected_at = 0 AND updated_at < ? ORDER BY updated_at", cutoff.UnixNano())
}

// MarkCollected records that execution id's result was deleted at at.
func (s *Store) MarkCollected(ctx context.Context, id string, at time.Time) error {
	if _, err := s.exec(ctx, "UPDATE executions SET collected_at = ? WHERE id = ?", at.UnixNano(), id); err != nil {
		return fmt.Errorf("mark execution %s collected: %w", id, err)
	}
	return nil
}

// terminalStates is the SQL list of job.State values that are terminal.
const terminalStates = "('" + string(job.StateCompleted) + "', '" + string(job.StateFailed) + "', '" +
	string(job.StateCancelled) + "', '" + string(job.StateLost) + "')"

// executions runs SELECT execColumns FROM executions with tail (WHERE,
// ORDER BY, LIMIT).
func (s *Store) executions(ctx context.Context, tail string, args ...any) ([]Execution, error) {
	rows, err := s.query(ctx, "SELECT "+execColumns+" FROM executions "+tail, args...)
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
