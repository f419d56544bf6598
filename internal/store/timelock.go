package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/telemetry"
)

// TimeLock is one interval's time-lock attestation as a node keeps it:
// the provider's signed statement, what the requester concluded of it,
// and the payment withheld for it.
type TimeLock struct {
	JobID     string           `json:"jobId"`
	Execution string           `json:"execution"`
	Index     uint64           `json:"index"`
	Requester identity.Address `json:"requester"`
	Provider  identity.Address `json:"provider"`
	Start     time.Time        `json:"start"`
	End       time.Time        `json:"end"`
	// Verdict is telemetry.VerdictClean, VerdictForeign or VerdictGap.
	Verdict telemetry.Verdict `json:"verdict"`
	// Reason says why an interval is a gap, or names the foreign
	// processes.
	Reason string `json:"reason,omitempty"`
	// Withheld is the interval's payment withheld (zero when clean).
	Withheld money.Amount `json:"withheld,omitempty"`
	// Attestation is the signed statement (nil for an interval none
	// covered).
	Attestation *telemetry.Attestation `json:"attestation,omitempty"`
	At          time.Time              `json:"at"`
}

const (
	sqlPutTimeLock = `INSERT INTO timelock_attestations(role, execution_id, idx, job_id, requester, provider, start_at, end_at,
		verdict, reason, withheld, attestation, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlTimeLocks = `SELECT execution_id, idx, job_id, requester, provider, start_at, end_at, verdict, reason, withheld, attestation, at
		FROM timelock_attestations WHERE role = ? AND `
	sqlTimeLockWithheld = `SELECT COALESCE(SUM(withheld), 0) FROM timelock_attestations
		WHERE role = ? AND requester = ? AND provider = ? AND archived_escrow = ''`
	sqlArchiveTimeLocks = `UPDATE timelock_attestations SET archived_escrow = ? WHERE archived_escrow = ''`
)

// PutTimeLock records one interval (an interval already recorded is kept
// as it was: its verdict and withheld amount never change).
func (s *Store) PutTimeLock(ctx context.Context, role Role, t TimeLock) error {
	var att []byte
	if t.Attestation != nil {
		var err error
		if att, err = json.Marshal(t.Attestation); err != nil {
			return fmt.Errorf("put time-lock attestation: %w", err)
		}
	}
	_, err := s.exec(ctx, sqlPutTimeLock, string(role), t.Execution, int64(t.Index), t.JobID, t.Requester.String(), t.Provider.String(),
		t.Start.UnixNano(), t.End.UnixNano(), string(t.Verdict), t.Reason, int64(t.Withheld), string(att), t.At.UnixNano())
	if err != nil {
		return fmt.Errorf("put time-lock attestation: %w", err)
	}
	return nil
}

// TimeLocks are an execution's intervals in order.
func (s *Store) TimeLocks(ctx context.Context, role Role, execution string) ([]TimeLock, error) {
	return s.timeLocks(ctx, sqlTimeLocks+`execution_id = ? ORDER BY idx`, string(role), execution)
}

// JobTimeLocks are the intervals of every execution of a job, by
// execution then interval.
func (s *Store) JobTimeLocks(ctx context.Context, role Role, jobID string) ([]TimeLock, error) {
	return s.timeLocks(ctx, sqlTimeLocks+`job_id = ? ORDER BY execution_id, idx`, string(role), jobID)
}

func (s *Store) timeLocks(ctx context.Context, q string, args ...any) ([]TimeLock, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("time-lock attestations: %w", err)
	}
	defer rows.Close()
	var out []TimeLock
	for rows.Next() {
		var t TimeLock
		var idx, start, end, withheld, at int64
		var req, prov, verdict, att string
		if err := rows.Scan(&t.Execution, &idx, &t.JobID, &req, &prov, &start, &end, &verdict, &t.Reason, &withheld, &att, &at); err != nil {
			return nil, fmt.Errorf("time-lock attestations: %w", err)
		}
		t.Index, t.Verdict, t.Withheld = uint64(idx), telemetry.Verdict(verdict), money.Amount(withheld)
		t.Requester, _ = identity.ParseAddress(req)
		t.Provider, _ = identity.ParseAddress(prov)
		t.Start, t.End, t.At = time.Unix(0, start).UTC(), time.Unix(0, end).UTC(), time.Unix(0, at).UTC()
		if att != "" {
			t.Attestation = new(telemetry.Attestation)
			if err := json.Unmarshal([]byte(att), t.Attestation); err != nil {
				return nil, fmt.Errorf("time-lock attestation %s/%d: %w", t.Execution, t.Index, err)
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TimeLockWithheld is the payment withheld on a channel for intervals
// that failed their time-lock: the requester's vouchers are the channel's
// usage total less it.
func (s *Store) TimeLockWithheld(ctx context.Context, role Role, requester, provider identity.Address) (money.Amount, error) {
	var n int64
	if err := s.queryRow(ctx, sqlTimeLockWithheld, string(role), requester.String(), provider.String()).Scan(&n); err != nil {
		return 0, fmt.Errorf("time-lock withheld: %w", err)
	}
	return money.Amount(n), nil
}
