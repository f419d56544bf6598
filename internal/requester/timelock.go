package requester

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// Proof of time-lock, the requester's side: every usage report of a
// time-locked task (job.Spec.TimeLocked) must come with the provider's
// signed attestation of the interval it closes. Each is checked
// (telemetry.Check: signature, continuity, no foreign process on a rented
// GPU) and kept with its verdict; an interval that fails is not paid (its
// amount is withheld from every later voucher on the channel: vouchers
// are cumulative) and is attested against the provider's reputation.

// checkTimeLock judges the interval report u closes by its attestation a
// (nil when none came), keeps it, and returns the channel's withheld
// total, this interval's included (t is the execution's payment state,
// before u; r.payMu held). A task that is not time-locked withholds
// nothing of its own, but its channel may hold others'.
func (r *Requester) checkTimeLock(ctx context.Context, j *store.Job, t *payTrack, u *market.UsageReport, a *telemetry.Attestation) (money.Amount, error) {
	me, prov := r.cfg.Settlement.Address(), t.deal.Quote.ProviderAddress
	if j.Spec.TimeLocked() {
		verdict, why := telemetry.Check(a, telemetry.Expect{Execution: u.Execution, Provider: prov, Index: u.Seq,
			Start: t.timeLockEnd, GPUs: j.Spec.Resources.GPUs})
		row := store.TimeLock{JobID: wireJobID(j), Execution: u.Execution, Index: u.Seq, Requester: me, Provider: prov,
			Verdict: verdict, Reason: telemetry.Reason(a, why), Withheld: telemetry.Withheld(verdict, t.amount, u.AmountDue), At: r.now()}
		if a != nil && !errors.Is(why, telemetry.ErrTimeLockSignature) {
			// The provider's own statement, even of a gap: kept, and the
			// next interval starts at its end.
			row.Attestation, row.Start, row.End = a, a.Start, a.End
			t.timeLockEnd = a.End
		} else {
			// No statement of the provider's: the interval is withheld,
			// and the next may start anywhere (one missing interval is
			// not every later one).
			t.timeLockEnd = time.Time{}
		}
		if err := r.cfg.Store.PutTimeLock(ctx, store.RoleRequester, row); err != nil {
			return 0, err
		}
		if verdict.Withholds() {
			r.log.Warn("time-lock interval failed: its payment is withheld", "job", j.ID, "execution", u.Execution,
				"interval", u.Seq, "verdict", verdict, "reason", row.Reason, "withheld", row.Withheld)
			r.update(j, j.State, fmt.Sprintf("time-lock interval %d %s: %s; %s DECO withheld", u.Seq, verdict, row.Reason, row.Withheld))
			r.attest(ctx, reputation.KindTimeLockBroken, j, VerifiedRun{Node: t.deal.Quote.Provider, ExecutionID: u.Execution})
		}
	}
	return r.cfg.Store.TimeLockWithheld(ctx, store.RoleRequester, me, prov)
}

// resumeTimeLock restores where an execution's last attestation ended,
// after a restart.
func (r *Requester) resumeTimeLock(ctx context.Context, t *payTrack, execution string) {
	ts, err := r.cfg.Store.TimeLocks(ctx, store.RoleRequester, execution)
	for i := len(ts) - 1; err == nil && i >= 0; i-- {
		if ts[i].Attestation != nil {
			t.timeLockEnd = ts[i].End
			return
		}
	}
}
