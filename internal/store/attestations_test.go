package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestAttestationsPutAndList(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	t0 := time.Unix(1_800_000_000, 0).UTC()
	att := func(i int, subject, attester, kind, exec string) Attestation {
		return Attestation{ID: fmt.Sprintf("id%d", i), Subject: subject, Attester: attester, Kind: kind, ExecutionID: exec,
			IssuedAt: t0.Add(time.Duration(i) * time.Second), ReceivedAt: t0.Add(time.Duration(i) * time.Second),
			Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
	}
	puts := []struct {
		name string
		a    Attestation
		want bool
	}{
		{"first", att(1, "p1", "r1", "verified", "e1"), true},
		{"other execution", att(2, "p1", "r1", "verified", "e2"), true},
		{"other kind, same execution", att(3, "p1", "r1", "lost", "e2"), true},
		{"other attester", att(4, "p1", "r2", "verified", "e1"), true},
		{"other subject", att(5, "p2", "r1", "lost", "e9"), true},
		{"same ID again", att(1, "p1", "r1", "verified", "e1"), false},
		{"re-issued: same attester, kind, execution", att(6, "p1", "r1", "verified", "e1"), false},
	}
	for _, tc := range puts {
		added, err := s.PutAttestation(ctx, tc.a)
		if err != nil || added != tc.want {
			t.Fatalf("%s: added %v, %v; want %v", tc.name, added, err, tc.want)
		}
	}
	s.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ids := func(as []Attestation) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	about, err := s.AttestationsAbout(ctx, "p1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ids(about)); got != "[id4 id3 id2 id1]" {
		t.Fatalf("about p1: %s, want newest first [id4 id3 id2 id1]", got)
	}
	a := about[1]
	if a.Subject != "p1" || a.Attester != "r1" || a.Kind != "lost" || a.ExecutionID != "e2" || string(a.Body) != `{"n":3}` ||
		!a.IssuedAt.Equal(t0.Add(3*time.Second)) || !a.ReceivedAt.Equal(t0.Add(3*time.Second)) {
		t.Fatalf("read back %+v", a)
	}
	if about, _ := s.AttestationsAbout(ctx, "p1", 2); fmt.Sprint(ids(about)) != "[id4 id3]" {
		t.Fatalf("about p1, limit 2: %v", ids(about))
	}
	if about, _ := s.AttestationsAbout(ctx, "nobody", 10); len(about) != 0 {
		t.Fatalf("about an unknown subject: %v", ids(about))
	}
	all, err := s.Attestations(ctx, 0)
	if err != nil || fmt.Sprint(ids(all)) != "[id5 id4 id3 id2 id1]" {
		t.Fatalf("all: %v, %v", ids(all), err)
	}
	if all, _ := s.Attestations(ctx, 1); fmt.Sprint(ids(all)) != "[id5]" {
		t.Fatalf("all, limit 1: %v", ids(all))
	}
}
