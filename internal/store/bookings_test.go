package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestReservations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "deco.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Unix(1_800_000_000, 0).UTC()
	a := Reservation{Execution: "e1", Booking: "b1", Requester: "r", StartedAt: t0, EndsAt: t0.Add(time.Hour)}
	b := Reservation{Execution: "e2", Booking: "b2", Requester: "r", StartedAt: t0.Add(time.Second), EndsAt: t0.Add(2 * time.Hour)}
	for _, r := range []Reservation{a, b} {
		if err := s.PutReservation(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EndReservation(ctx, "e1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.EndReservation(ctx, "e1", t0.Add(time.Hour)); err != nil { // the first end stays
		t.Fatal(err)
	}
	s.Close()
	// Reopened (a restart): the held one is still held, the ended one ended.
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	held, err := s.HeldReservations(ctx)
	if err != nil || len(held) != 1 || held[0].Execution != "e2" || !held[0].EndsAt.Equal(b.EndsAt) || held[0].Booking != "b2" {
		t.Fatalf("held after reopening: %+v, %v", held, err)
	}
	got, err := s.Reservation(ctx, "e1")
	if err != nil || got.EndedAt == nil || !got.EndedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ended reservation: %+v, %v", got, err)
	}
	if _, err := s.Reservation(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown reservation: %v", err)
	}
}
