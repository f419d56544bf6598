package requester

import (
	"context"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// TestTimeLockWithholding: a time-locked task's reports come with
// attestations that are clean, show a foreign process, are missing, are
// signed by another key, or start out of sequence. Every failed interval
// is withheld, exactly what its report added to the amount due, from this
// voucher and every later one on the channel; the intervals after are
// paid; each failure is attested against the provider; both verdict and
// attestation are kept.
func TestTimeLockWithholding(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	spec := job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Kind: job.KindService,
		Command: []string{"sleep", "600"}, Timeout: job.Duration(time.Hour), Resources: job.Resources{GPUs: 1}}
	f := newPayFixture(t, ctx, spec)
	otherKey, _ := newKeyHost(t)
	const gpu = "GPU-a1000000-3b4c-5d6e-7f80-91a2b3c4d5e0"
	t0 := f.start.Truncate(time.Millisecond)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	task := telemetry.Process{PID: 7, GPU: gpu, Memory: 1 << 30, Container: "c0ffee"}
	attest := func(key *identity.Key, index uint64, from, to int, procs ...telemetry.Process) *telemetry.Attestation {
		a := &telemetry.Attestation{Execution: f.j.ExecutionID, Index: index, Start: at(from), End: at(to), Samples: 5,
			Devices: []telemetry.Device{{UUID: gpu, MaxUtilization: 90}}, Processes: procs}
		if err := a.Sign(key); err != nil {
			t.Fatal(err)
		}
		return a
	}
	due := func(seq uint64) money.Amount { return market.AmountDue(f.q.Terms, seq*5_000) } // report seq at 5 s each
	steps := []struct {
		name    string
		att     *telemetry.Attestation
		verdict telemetry.Verdict
	}{
		{"clean", attest(f.provKey, 1, 0, 5, task), telemetry.VerdictClean},
		{"foreign process", attest(f.provKey, 2, 5, 10, task, telemetry.Process{PID: 66, GPU: gpu, Memory: 2 << 30}), telemetry.VerdictForeign},
		{"clean again", attest(f.provKey, 3, 10, 15, task), telemetry.VerdictClean},
		{"missing", nil, telemetry.VerdictGap},
		{"clean after a missing one, from anywhere", attest(f.provKey, 5, 20, 25, task), telemetry.VerdictClean},
		{"signed by another key", attest(otherKey, 6, 25, 30, task), telemetry.VerdictGap},
		{"clean", attest(f.provKey, 7, 30, 35, task), telemetry.VerdictClean},
		{"out of sequence (skips an interval)", attest(f.provKey, 9, 35, 40, task), telemetry.VerdictGap},
		{"starts before the last ended", attest(f.provKey, 9, 39, 45, task), telemetry.VerdictGap},
		{"clean to the end", attest(f.provKey, 10, 45, 50, task), telemetry.VerdictClean},
	}
	var withheld money.Amount
	for i, st := range steps {
		seq := uint64(i + 1)
		u := f.report(f.provKey, seq, seq*5_000)
		f.deliver(market.TaskEvent{Type: market.EventUsage, At: time.Now(), Usage: &u, TimeLock: st.att})
		if st.verdict.Withholds() {
			withheld += due(seq) - due(seq-1)
		}
		pay := f.paid(5 * time.Second)
		if pay == nil || pay.Seq != seq || pay.Voucher.Cumulative != due(seq)-withheld {
			t.Fatalf("report %d (%s): paid %+v, want a voucher for %s (%s due less %s withheld)", seq, st.name, pay, due(seq)-withheld, due(seq), withheld)
		}
	}
	ts, err := f.st.TimeLocks(ctx, store.RoleRequester, f.j.ExecutionID)
	if err != nil || len(ts) != len(steps) {
		t.Fatalf("%d intervals kept (%v), want %d", len(ts), err, len(steps))
	}
	failed := 0
	for i, tl := range ts {
		st := steps[i]
		if tl.Verdict != st.verdict || tl.Index != uint64(i+1) {
			t.Fatalf("interval %d (%s): kept %s as %d (%s)", i+1, st.name, tl.Verdict, tl.Index, tl.Reason)
		}
		if st.verdict.Withholds() {
			failed++
			if tl.Withheld != due(uint64(i+1))-due(uint64(i)) || tl.Reason == "" {
				t.Fatalf("interval %d (%s): withheld %s (%s)", i+1, st.name, tl.Withheld, tl.Reason)
			}
		} else if tl.Withheld != 0 {
			t.Fatalf("interval %d (%s): clean yet %s withheld", i+1, st.name, tl.Withheld)
		}
		if keep := st.att != nil && st.name != "signed by another key"; keep != (tl.Attestation != nil) {
			t.Fatalf("interval %d (%s): attestation kept %v, want %v", i+1, st.name, tl.Attestation != nil, keep)
		}
	}
	if w, err := f.st.TimeLockWithheld(ctx, store.RoleRequester, f.reqKey.Address(), f.provKey.Address()); err != nil || w != withheld {
		t.Fatalf("the channel's withheld total: %s, %v; want %s", w, err, withheld)
	}
	claims := f.claims.all()
	if len(claims) != failed {
		t.Fatalf("%d claims attested, want one per failed interval (%d): %+v", len(claims), failed, claims)
	}
	for _, c := range claims {
		if c.Kind != reputation.KindTimeLockBroken || c.Subject != f.provKey.PeerID() || c.ExecutionID != f.j.ExecutionID || c.JobID != f.j.ID {
			t.Fatalf("claim %+v, want timelock-broken about the provider's execution", c)
		}
	}
}

// TestTimeLockNotAsked: a batch job's reports need no attestation: paid in
// full, nothing kept, nothing withheld.
func TestTimeLockNotAsked(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := newPayFixture(t, ctx, job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}, Timeout: job.Duration(time.Hour)})
	u := f.report(f.provKey, 1, 30_000)
	f.deliver(market.TaskEvent{Type: market.EventUsage, At: time.Now(), Usage: &u})
	if pay := f.paid(5 * time.Second); pay == nil || pay.Voucher.Cumulative != u.AmountDue {
		t.Fatalf("paid %+v, want %s", pay, u.AmountDue)
	}
	if ts, _ := f.st.TimeLocks(ctx, store.RoleRequester, f.j.ExecutionID); len(ts) != 0 {
		t.Fatalf("intervals kept for a job that did not ask: %+v", ts)
	}
}
