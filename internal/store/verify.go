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

// Validators returns the validator runs of verified job parent, oldest
// first: of every task of a multi-task job (each row's TaskIndex says
// which task it re-runs).
func (s *Store) Validators(ctx context.Context, parent string) ([]Job, error) {
	return s.jobs(ctx, "WHERE parent_id = ? AND role = ? ORDER BY created_at, id", parent, RoleValidator)
}

// TaskValidators returns the validator runs of task task of job parent
// (a single-task job's are its task 0's), oldest first.
func (s *Store) TaskValidators(ctx context.Context, parent string, task int) ([]Job, error) {
	return s.jobs(ctx, "WHERE parent_id = ? AND role = ? AND task_index = ? ORDER BY created_at, id", parent, RoleValidator, task)
}

// ValidatorsEnded reports whether every validator run of task task of
// job parent has reached a terminal state, reading their states only
// (not their specs, which may carry a whole inline module).
func (s *Store) ValidatorsEnded(ctx context.Context, parent string, task int) (bool, error) {
	rows, err := s.query(ctx, "SELECT state FROM jobs WHERE parent_id = ? AND role = ? AND task_index = ?", parent, RoleValidator, task)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return false, err
		}
		if !job.State(st).Terminal() {
			return false, nil
		}
	}
	return true, rows.Err()
}

// VerifiedRow is the ID of the row whose verification a validator run
// of task task of job parent belongs to: the task's row of a multi-task
// job, or parent itself for a single-task job (which has no task rows).
// It reads the ID only.
func (s *Store) VerifiedRow(ctx context.Context, parent string, task int) (string, error) {
	var id string
	err := s.queryRow(ctx, "SELECT id FROM jobs WHERE parent_id = ? AND role = '' AND task_index = ?", parent, task).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return parent, nil
	}
	return id, err
}

// CommitRecord is one execution's commit-reveal: the commitment, the
// opening and the receipt, each as its JSON (the store does not read
// them). Opening and Receipt are empty until known.
type CommitRecord struct {
	ExecutionID string
	JobID       string
	Commitment  json.RawMessage
	Opening     json.RawMessage
	Receipt     json.RawMessage
	CreatedAt   time.Time
}

// PutCommitment inserts or updates c; an empty Opening or Receipt keeps
// the one stored.
func (s *Store) PutCommitment(ctx context.Context, c CommitRecord) error {
	_, err := s.exec(ctx, `INSERT INTO commitments(execution_id, job_id, commitment, opening, receipt, created_at) VALUES(?,?,?,?,?,?)
		ON CONFLICT(execution_id) DO UPDATE SET commitment=excluded.commitment,
			opening=CASE WHEN excluded.opening = '' THEN opening ELSE excluded.opening END,
			receipt=CASE WHEN excluded.receipt = '' THEN receipt ELSE excluded.receipt END`,
		c.ExecutionID, c.JobID, string(c.Commitment), string(c.Opening), string(c.Receipt), c.CreatedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("put commitment of %s: %w", c.ExecutionID, err)
	}
	return nil
}

// GetCommitment reads execution's record (ErrNotFound when none).
func (s *Store) GetCommitment(ctx context.Context, execution string) (CommitRecord, error) {
	var c CommitRecord
	var commitment, opening, receipt string
	var created int64
	err := s.queryRow(ctx, "SELECT execution_id, job_id, commitment, opening, receipt, created_at FROM commitments WHERE execution_id = ?", execution).
		Scan(&c.ExecutionID, &c.JobID, &commitment, &opening, &receipt, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("commitment of %s: %w", execution, ErrNotFound)
	}
	if err != nil {
		return c, err
	}
	c.Commitment, c.CreatedAt = json.RawMessage(commitment), time.Unix(0, created).UTC()
	if opening != "" {
		c.Opening = json.RawMessage(opening)
	}
	if receipt != "" {
		c.Receipt = json.RawMessage(receipt)
	}
	return c, nil
}

// PutVerification stores the requester's record of job's verification
// (its JSON body), replacing any earlier one.
func (s *Store) PutVerification(ctx context.Context, jobID string, body []byte, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO verifications(job_id, body, updated_at) VALUES(?,?,?)
		ON CONFLICT(job_id) DO UPDATE SET body=excluded.body, updated_at=excluded.updated_at`, jobID, string(body), at.UnixNano())
	return err
}

// GetVerification reads job's verification record (ErrNotFound when none).
func (s *Store) GetVerification(ctx context.Context, jobID string) ([]byte, error) {
	var body string
	err := s.queryRow(ctx, "SELECT body FROM verifications WHERE job_id = ?", jobID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("verification of %s: %w", jobID, ErrNotFound)
	}
	return []byte(body), err
}
