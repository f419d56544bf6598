package store

import (
	"context"
	"fmt"
	"time"
)

// Attestation is a signed reputation attestation as this node keeps it:
// the fields it is found by, and its JSON body as signed (see package
// reputation; the store does not read the body).
type Attestation struct {
	// ID names the attestation (the hex of its signed digest).
	ID string
	// Subject and Attester are peer IDs.
	Subject     string
	Attester    string
	Kind        string
	ExecutionID string
	IssuedAt    time.Time
	// ReceivedAt is when this node took it.
	ReceivedAt time.Time
	Body       []byte
}

// PutAttestation stores a. An attestation with the same ID, or by the same
// attester of the same kind about the same execution of the same subject,
// is kept once: added is false when one was already stored.
func (s *Store) PutAttestation(ctx context.Context, a Attestation) (added bool, err error) {
	res, err := s.exec(ctx, `INSERT INTO attestations(id, subject, attester, kind, execution_id, issued_at, received_at, body)
		VALUES(?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		a.ID, a.Subject, a.Attester, a.Kind, a.ExecutionID, a.IssuedAt.UnixNano(), a.ReceivedAt.UnixNano(), string(a.Body))
	if err != nil {
		return false, fmt.Errorf("put attestation %s: %w", a.ID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AttestationsAbout returns the attestations about subject, most recently
// received first; at most limit (all when limit <= 0).
func (s *Store) AttestationsAbout(ctx context.Context, subject string, limit int) ([]Attestation, error) {
	return s.attestations(ctx, `SELECT id, subject, attester, kind, execution_id, issued_at, received_at, body FROM attestations
		WHERE subject = ? ORDER BY received_at DESC, rowid DESC LIMIT ?`, subject, attestationLimit(limit))
}

// Attestations returns every attestation, most recently received first; at
// most limit (all when limit <= 0).
func (s *Store) Attestations(ctx context.Context, limit int) ([]Attestation, error) {
	return s.attestations(ctx, `SELECT id, subject, attester, kind, execution_id, issued_at, received_at, body FROM attestations
		ORDER BY received_at DESC, rowid DESC LIMIT ?`, attestationLimit(limit))
}

// attestationLimit is SQLite's LIMIT for limit: -1 (none) when limit <= 0.
func attestationLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

func (s *Store) attestations(ctx context.Context, query string, args ...any) ([]Attestation, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list attestations: %w", err)
	}
	defer rows.Close()
	var out []Attestation
	for rows.Next() {
		var a Attestation
		var issued, received int64
		var body string
		if err := rows.Scan(&a.ID, &a.Subject, &a.Attester, &a.Kind, &a.ExecutionID, &issued, &received, &body); err != nil {
			return nil, fmt.Errorf("list attestations: %w", err)
		}
		a.IssuedAt, a.ReceivedAt, a.Body = time.Unix(0, issued).UTC(), time.Unix(0, received).UTC(), []byte(body)
		out = append(out, a)
	}
	return out, rows.Err()
}
