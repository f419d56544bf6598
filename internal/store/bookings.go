package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Reservation is the provider's record of one task of a booking: the
// capacity its execution holds for its requester until EndsAt.
type Reservation struct {
	// Execution is the reservation's execution ID.
	Execution string `json:"execution"`
	// Booking is the booking's ID (the job ID of its tasks).
	Booking   string    `json:"booking"`
	Requester string    `json:"requester"`
	StartedAt time.Time `json:"startedAt"`
	EndsAt    time.Time `json:"endsAt"`
	// EndedAt is when it ended (nil: it is held).
	EndedAt *time.Time `json:"endedAt,omitempty"`
}

// PutReservation records a reservation that started.
func (s *Store) PutReservation(ctx context.Context, r Reservation) error {
	_, err := s.exec(ctx, `INSERT INTO reservations(execution_id, booking, requester, started_at, ends_at) VALUES(?,?,?,?,?)
		ON CONFLICT(execution_id) DO UPDATE SET ends_at=excluded.ends_at`,
		r.Execution, r.Booking, r.Requester, r.StartedAt.UnixNano(), r.EndsAt.UnixNano())
	if err != nil {
		return fmt.Errorf("put reservation %s: %w", r.Execution, err)
	}
	return nil
}

// EndReservation marks a reservation ended at t (once: a later call keeps
// the first end).
func (s *Store) EndReservation(ctx context.Context, execution string, t time.Time) error {
	_, err := s.exec(ctx, `UPDATE reservations SET ended_at = ? WHERE execution_id = ? AND ended_at IS NULL`, t.UnixNano(), execution)
	if err != nil {
		return fmt.Errorf("end reservation %s: %w", execution, err)
	}
	return nil
}

// Reservation returns the reservation of execution (ErrNotFound if none).
func (s *Store) Reservation(ctx context.Context, execution string) (Reservation, error) {
	rs, err := s.reservations(ctx, `WHERE execution_id = ?`, execution)
	if err != nil {
		return Reservation{}, err
	}
	if len(rs) == 0 {
		return Reservation{}, fmt.Errorf("reservation %s: %w", execution, ErrNotFound)
	}
	return rs[0], nil
}

// HeldReservations returns the reservations not ended, oldest first.
func (s *Store) HeldReservations(ctx context.Context) ([]Reservation, error) {
	return s.reservations(ctx, `WHERE ended_at IS NULL`)
}

func (s *Store) reservations(ctx context.Context, where string, args ...any) ([]Reservation, error) {
	rows, err := s.query(ctx, `SELECT execution_id, booking, requester, started_at, ends_at, ended_at FROM reservations `+where+` ORDER BY started_at`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reservation
	for rows.Next() {
		var r Reservation
		var started, ends int64
		var ended sql.NullInt64
		if err := rows.Scan(&r.Execution, &r.Booking, &r.Requester, &started, &ends, &ended); err != nil {
			return nil, err
		}
		r.StartedAt, r.EndsAt = time.Unix(0, started).UTC(), time.Unix(0, ends).UTC()
		if ended.Valid {
			t := time.Unix(0, ended.Int64).UTC()
			r.EndedAt = &t
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}
