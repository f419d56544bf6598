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

// Job is a job as the requester keeps it.
type Job struct {
	ID           string          `json:"id"`
	Name         string          `json:"name,omitempty"`
	Spec         job.Spec        `json:"spec"`
	SpecDigest   string          `json:"specDigest"`
	State        job.State       `json:"state"`
	Provider     string          `json:"provider,omitempty"`
	ExecutionID  string          `json:"executionId,omitempty"`
	Placement    json.RawMessage `json:"placement,omitempty"`
	ExitCode     *int            `json:"exitCode,omitempty"`
	Error        string          `json:"error,omitempty"`
	ResultDigest string          `json:"resultDigest,omitempty"`
	// Parent is set on the task rows of a multi-task job: the job's ID,
	// with TaskIndex the task's index.
	Parent    string `json:"parent,omitempty"`
	TaskIndex int    `json:"taskIndex,omitempty"`
	// Role is RoleValidator on a verified job's validator runs (rows
	// naming the job as Parent); empty otherwise.
	Role      string    `json:"role,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// RoleValidator is the Role of a validator's run of a verified job.
const RoleValidator = "validator"

// Event is one state change of a job.
type Event struct {
	Seq     int       `json:"seq"`
	At      time.Time `json:"at"`
	State   job.State `json:"state"`
	Message string    `json:"message,omitempty"`
}

// CreateJob inserts j and its first event.
func (s *Store) CreateJob(ctx context.Context, j Job) error {
	return s.CreateJobs(ctx, []Job{j})
}

// CreateJobs inserts every job and its first event in one transaction: a
// multi-task job's task rows exist all or none.
func (s *Store) CreateJobs(ctx context.Context, jobs []Job) error {
	tx, err := s.begin(ctx, sqlInsertJob, sqlAddEvent)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, j := range jobs {
		spec, err := json.Marshal(j.Spec)
		if err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, sqlInsertJob,
			j.ID, j.Name, string(spec), j.SpecDigest, string(j.State), j.Provider, j.ExecutionID, string(j.Placement), j.ExitCode, j.Error, j.ResultDigest,
			j.Parent, j.TaskIndex, j.Role, j.CreatedAt.UnixNano(), j.UpdatedAt.UnixNano())
		if err != nil {
			return fmt.Errorf("create job %s: %w", j.ID, err)
		}
		if err := s.addEvent(ctx, tx, j.ID, Event{At: j.CreatedAt, State: j.State, Message: "submitted"}); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// UpdateJob writes j's mutable fields; when msg is not empty or the state
// changed, an event is appended in the same transaction.
func (s *Store) UpdateJob(ctx context.Context, j Job, msg string) error {
	tx, err := s.begin(ctx, sqlJobState, sqlUpdateJob, sqlAddEvent)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var prev string
	if err := s.txQueryRow(ctx, tx, sqlJobState, j.ID).Scan(&prev); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("job %s: %w", j.ID, ErrNotFound)
		}
		return err
	}
	_, err = s.txExec(ctx, tx, sqlUpdateJob,
		string(j.State), j.Provider, j.ExecutionID, string(j.Placement), j.ExitCode, j.Error, j.ResultDigest, j.UpdatedAt.UnixNano(), j.ID)
	if err != nil {
		return fmt.Errorf("update job %s: %w", j.ID, err)
	}
	if msg != "" || prev != string(j.State) {
		if err := s.addEvent(ctx, tx, j.ID, Event{At: j.UpdatedAt, State: j.State, Message: msg}); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *Store) addEvent(ctx context.Context, tx *sql.Tx, jobID string, e Event) error {
	_, err := s.txExec(ctx, tx, sqlAddEvent,
		jobID, jobID, e.At.UnixNano(), string(e.State), e.Message)
	if err != nil {
		return fmt.Errorf("add event for job %s: %w", jobID, err)
	}
	return nil
}

const jobColumns = `id, name, spec, spec_digest, state, provider, execution_id, placement, exit_code, error, result_digest, parent_id, task_index, role, created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var spec, state, placement string
	var exit sql.NullInt64
	var created, updated int64
	if err := row.Scan(&j.ID, &j.Name, &spec, &j.SpecDigest, &state, &j.Provider, &j.ExecutionID, &placement, &exit, &j.Error, &j.ResultDigest, &j.Parent, &j.TaskIndex, &j.Role, &created, &updated); err != nil {
		return j, err
	}
	if err := json.Unmarshal([]byte(spec), &j.Spec); err != nil {
		return j, fmt.Errorf("decode spec of job %s: %w", j.ID, err)
	}
	j.State = job.State(state)
	if placement != "" {
		j.Placement = json.RawMessage(placement)
	}
	if exit.Valid {
		c := int(exit.Int64)
		j.ExitCode = &c
	}
	j.CreatedAt, j.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return j, nil
}

// GetJob returns one job.
func (s *Store) GetJob(ctx context.Context, id string) (Job, error) {
	j, err := scanJob(s.queryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("job %s: %w", id, ErrNotFound)
	}
	return j, err
}

// FindJob resolves an ID or a unique ID prefix (as printed in short form)
// of a job as submitted (task rows are reached through their job).
func (s *Store) FindJob(ctx context.Context, prefix string) (Job, error) {
	found, err := s.jobs(ctx, "WHERE parent_id = '' AND id >= ? AND id < ? ORDER BY id LIMIT 2", prefix, prefix+"\xff")
	if err != nil {
		return Job{}, err
	}
	switch {
	case len(found) == 0:
		return Job{}, fmt.Errorf("job %s: %w", prefix, ErrNotFound)
	case len(found) > 1 && found[0].ID != prefix:
		return Job{}, fmt.Errorf("job ID prefix %q is %w: give more of the ID", prefix, ErrAmbiguous)
	}
	return found[0], nil
}

// ListJobs returns jobs, newest first; an empty state matches all.
func (s *Store) ListJobs(ctx context.Context, state job.State, limit int) ([]Job, error) {
	if limit <= 0 {
		limit = 100
	}
	return s.jobs(ctx, "WHERE parent_id = '' AND (? = '' OR state = ?) ORDER BY created_at DESC, id DESC LIMIT ?", string(state), string(state), limit)
}

// Tasks returns the task rows of multi-task job parent, in task order
// (none for a single-task job).
func (s *Store) Tasks(ctx context.Context, parent string) ([]Job, error) {
	return s.jobs(ctx, "WHERE parent_id = ? AND role = '' ORDER BY task_index", parent)
}

// ActiveJobs returns every job not yet in a terminal state.
func (s *Store) ActiveJobs(ctx context.Context) ([]Job, error) {
	return s.jobs(ctx, "WHERE state NOT IN "+terminalStates+" ORDER BY created_at DESC, id DESC")
}

// jobs runs SELECT jobColumns FROM jobs with tail (WHERE, ORDER BY, LIMIT).
func (s *Store) jobs(ctx context.Context, tail string, args ...any) ([]Job, error) {
	rows, err := s.query(ctx, "SELECT "+jobColumns+" FROM jobs "+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// Events returns a job's state changes in order.
func (s *Store) Events(ctx context.Context, jobID string) ([]Event, error) {
	rows, err := s.query(ctx, "SELECT seq, at, state, message FROM job_events WHERE job_id = ? ORDER BY seq", jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var st string
		if err := rows.Scan(&e.Seq, &at, &st, &e.Message); err != nil {
			return nil, err
		}
		e.At, e.State = time.Unix(0, at).UTC(), job.State(st)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Queries run inside transactions; begin prepares them first.
const (
	sqlInsertJob = `INSERT INTO jobs(id, name, spec, spec_digest, state, provider, execution_id, placement, exit_code, error, result_digest, parent_id, task_index, role, created_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	sqlJobState  = "SELECT state FROM jobs WHERE id = ?"
	sqlUpdateJob = `UPDATE jobs SET state=?, provider=?, execution_id=?, placement=?, exit_code=?, error=?, result_digest=?, updated_at=? WHERE id=?`
	sqlAddEvent  = `INSERT INTO job_events(job_id, seq, at, state, message)
		VALUES(?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = ?), ?, ?, ?)`
)
