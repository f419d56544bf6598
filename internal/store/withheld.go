package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// HoldState is where a payment held for verification stands.
type HoldState string

// States of a Hold.
const (
	// HoldHeld: recorded, not paid; the verification has not decided.
	HoldHeld HoldState = "held"
	// HoldReleased: the runner did not lose; a voucher paid it since.
	HoldReleased HoldState = "released"
	// HoldWithheld: the runner lost; it is never paid.
	HoldWithheld HoldState = "withheld"
)

// Hold is the final interval of a verified task's run, reported but held
// until the verification decides: Amount is what the final report added
// to the execution's amount due.
type Hold struct {
	Execution string `json:"execution"`
	// JobID is the verified job whose verification decides the hold.
	JobID string `json:"jobId"`
	// Node is the runner's peer ID (where a released voucher goes).
	Node      string           `json:"node,omitempty"`
	Requester identity.Address `json:"requester"`
	Provider  identity.Address `json:"provider"`
	Amount    money.Amount     `json:"amount"`
	State     HoldState        `json:"state"`
	At        time.Time        `json:"at"`
	DecidedAt time.Time        `json:"decidedAt,omitzero"`
}

const (
	sqlPutHold = `INSERT INTO verify_holds(role, execution_id, job_id, node, requester, provider, amount, state, at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlHolds = `SELECT execution_id, job_id, node, requester, provider, amount, state, at, decided_at
		FROM verify_holds WHERE role = ? AND archived_escrow = '' AND `
	sqlHeldTotal = `SELECT COALESCE(SUM(amount), 0) FROM verify_holds
		WHERE role = ? AND requester = ? AND provider = ? AND state != 'released' AND archived_escrow = ''`
	sqlDecideHold = `UPDATE verify_holds SET state = ?, decided_at = ?
		WHERE role = ? AND execution_id = ? AND state = 'held' AND archived_escrow = ''`
	sqlArchiveHolds = `UPDATE verify_holds SET archived_escrow = ? WHERE archived_escrow = ''`
)

// PutHold records a held payment (an execution held already keeps its
// first record).
func (s *Store) PutHold(ctx context.Context, role Role, h Hold) error {
	state := h.State
	if state == "" {
		state = HoldHeld
	}
	_, err := s.exec(ctx, sqlPutHold, string(role), h.Execution, h.JobID, h.Node, h.Requester.String(), h.Provider.String(),
		int64(h.Amount), string(state), h.At.UnixNano())
	if err != nil {
		return fmt.Errorf("put verification hold of %s: %w", h.Execution, err)
	}
	return nil
}

// GetHold reads an execution's hold (ErrNotFound when none).
func (s *Store) GetHold(ctx context.Context, role Role, execution string) (Hold, error) {
	hs, err := s.holds(ctx, sqlHolds+`execution_id = ?`, string(role), execution)
	if err != nil {
		return Hold{}, err
	}
	if len(hs) == 0 {
		return Hold{}, fmt.Errorf("verification hold of %s: %w", execution, ErrNotFound)
	}
	return hs[0], nil
}

// JobHolds are the holds a verified job's verification decides, oldest
// first.
func (s *Store) JobHolds(ctx context.Context, role Role, jobID string) ([]Hold, error) {
	return s.holds(ctx, sqlHolds+`job_id = ? ORDER BY at, execution_id`, string(role), jobID)
}

func (s *Store) holds(ctx context.Context, q string, args ...any) ([]Hold, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("verification holds: %w", err)
	}
	defer rows.Close()
	var out []Hold
	for rows.Next() {
		var h Hold
		var req, prov, state string
		var amount, at, decided int64
		if err := rows.Scan(&h.Execution, &h.JobID, &h.Node, &req, &prov, &amount, &state, &at, &decided); err != nil {
			return nil, fmt.Errorf("verification holds: %w", err)
		}
		h.Requester, _ = identity.ParseAddress(req)
		h.Provider, _ = identity.ParseAddress(prov)
		h.Amount, h.State, h.At = money.Amount(amount), HoldState(state), time.Unix(0, at).UTC()
		if decided != 0 {
			h.DecidedAt = time.Unix(0, decided).UTC()
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HeldTotal is what a channel's vouchers leave out for verification: the
// amounts still held and those withheld for good.
func (s *Store) HeldTotal(ctx context.Context, role Role, requester, provider identity.Address) (money.Amount, error) {
	var n int64
	if err := s.queryRow(ctx, sqlHeldTotal, string(role), requester.String(), provider.String()).Scan(&n); err != nil {
		return 0, fmt.Errorf("held total: %w", err)
	}
	return money.Amount(n), nil
}

// DecideHold moves an execution's hold from held to state (released or
// withheld) and reports whether it did: a hold is decided once.
func (s *Store) DecideHold(ctx context.Context, role Role, execution string, state HoldState, at time.Time) (bool, error) {
	if state != HoldReleased && state != HoldWithheld {
		return false, fmt.Errorf("decide verification hold of %s: bad state %q", execution, state)
	}
	res, err := s.exec(ctx, sqlDecideHold, string(state), at.UnixNano(), string(role), execution)
	if err != nil {
		return false, fmt.Errorf("decide verification hold of %s: %w", execution, err)
	}
	n, err := res.RowsAffected()
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	return n == 1, nil
}
