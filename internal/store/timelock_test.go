package store

import (
	"context"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/telemetry"
)

func TestTimeLocks(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	req, prov, other := identity.Address{1}, identity.Address{2}, identity.Address{3}
	t0 := time.Unix(1_796_000_000, 0).UTC()
	att := &telemetry.Attestation{Execution: "e1", Index: 2, Start: t0.Add(10 * time.Second), End: t0.Add(20 * time.Second), Samples: 5,
		Devices: []telemetry.Device{{UUID: "GPU-1"}}, Processes: []telemetry.Process{{PID: 66, GPU: "GPU-1"}}, Signature: []byte{9}}
	rows := []TimeLock{
		{JobID: "j", Execution: "e1", Index: 1, Requester: req, Provider: prov, Start: t0, End: t0.Add(10 * time.Second), Verdict: telemetry.VerdictClean, At: t0},
		{JobID: "j", Execution: "e1", Index: 2, Requester: req, Provider: prov, Start: att.Start, End: att.End, Verdict: telemetry.VerdictForeign,
			Reason: "pid 66 on GPU-1", Withheld: 30, Attestation: att, At: t0},
		{JobID: "j", Execution: "e1", Index: 3, Requester: req, Provider: prov, Verdict: telemetry.VerdictGap, Reason: "missing", Withheld: 12, At: t0},
		{JobID: "k", Execution: "e2", Index: 1, Requester: req, Provider: other, Verdict: telemetry.VerdictGap, Withheld: 100, At: t0},
	}
	for _, r := range rows {
		if err := s.PutTimeLock(ctx, RoleRequester, r); err != nil {
			t.Fatal(err)
		}
	}
	// An interval recorded again keeps its first verdict.
	again := rows[1]
	again.Verdict, again.Withheld = telemetry.VerdictClean, 0
	if err := s.PutTimeLock(ctx, RoleRequester, again); err != nil {
		t.Fatal(err)
	}
	got, err := s.JobTimeLocks(ctx, RoleRequester, "j")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[1].Verdict != telemetry.VerdictForeign || got[1].Withheld != 30 || got[1].Attestation == nil ||
		got[1].Attestation.Processes[0].PID != 66 || !got[1].Attestation.End.Equal(att.End) || got[2].Attestation != nil {
		t.Fatalf("job j's intervals = %+v", got)
	}
	if w, err := s.TimeLockWithheld(ctx, RoleRequester, req, prov); err != nil || w != 42 {
		t.Fatalf("withheld on the channel = %s, %v; want 42", w, err)
	}
	if w, _ := s.TimeLockWithheld(ctx, RoleProvider, req, prov); w != 0 {
		t.Fatalf("the provider's side holds %s withheld: roles are apart", w)
	}
	if ts, _ := s.TimeLocks(ctx, RoleRequester, "e2"); len(ts) != 1 || ts[0].Provider != other {
		t.Fatalf("execution e2's intervals = %+v", ts)
	}
	// Archived channels' withheld amounts no longer count; the records stay.
	if _, err := s.ArchiveChannels(ctx, "old", t0); err != nil {
		t.Fatal(err)
	}
	if w, _ := s.TimeLockWithheld(ctx, RoleRequester, req, prov); w != 0 {
		t.Fatalf("withheld after archiving = %s, want 0", w)
	}
	if got, _ := s.JobTimeLocks(ctx, RoleRequester, "j"); len(got) != 3 {
		t.Fatalf("archiving dropped intervals: %d left", len(got))
	}
}
