package requester

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
)

// Pay as you go, the requester's side: before a task goes to a provider
// that requires payment the channel must hold the deal's maximum beyond
// what is owed already (deposited automatically when configured); while it
// runs each usage report is checked against the deal and answered with a
// voucher for the channel's cumulative total. A requester never signs more
// than the reports it accepted, each at most the deal's maximum.

// ErrDepositNeeded means the channel to a provider is too small for a task.
var ErrDepositNeeded = errors.New("deposit needed")

const paySettingPrefix = "pay-deal/"

// payTrack is the payment state of one execution.
type payTrack struct {
	deal     *market.Deal
	accepted time.Time
	lastSeq  uint64
	// lastSig is the signature of the last report paid: the same report
	// sent again (on a reattached stream) is answered, not paid twice.
	lastSig []byte
	amount  money.Amount
	// use is the measured use of the last report accepted.
	use market.Use
	// withheld: this node chose not to pay a valid report of the
	// execution (its pay hook). A report refused as invalid is the
	// provider's fault, and does not count.
	withheld bool
	// timeLockEnd is where the last time-lock attestation accepted ended
	// (zero before the first; see timelock.go).
	timeLockEnd time.Time
}

func (r *Requester) usageSlack() time.Duration {
	iv := r.cfg.UsageInterval
	if iv <= 0 {
		iv = market.DefaultUsageInterval
	}
	return iv + time.Second
}

// checkPayable refuses a deal whose provider requires payment this node
// cannot make, and makes sure the channel covers it (depositing the
// configured amount when short).
func (r *Requester) checkPayable(ctx context.Context, d *market.Deal) error {
	q := d.Quote
	if q.Escrow == "" {
		return nil // the provider runs it free
	}
	if r.cfg.Settlement == nil {
		return fmt.Errorf("provider requires payment on %s and this node has no settlement (chain.json)", q.Escrow)
	}
	if q.Escrow != r.cfg.Escrow {
		return fmt.Errorf("provider settles on %s, this node on %s", q.Escrow, r.cfg.Escrow)
	}
	if q.Terms.MaxAmount == 0 {
		return nil // a deal that can cost nothing (a job in a booking) needs no deposit
	}
	me, prov := r.cfg.Settlement.Address(), q.ProviderAddress
	r.depositMu.Lock()
	defer r.depositMu.Unlock()
	ch, err := r.channels.Channel(ctx, me, prov)
	if err != nil {
		return fmt.Errorf("read the payment channel: %w", err)
	}
	signed, err := r.cfg.Store.PayChannel(ctx, store.RoleRequester, me, prov)
	if err != nil {
		return err
	}
	unredeemed := max(signed.Latest.Cumulative-ch.Claimed, 0)
	var committed money.Amount
	r.payMu.Lock()
	for _, t := range r.pays {
		if t.deal.Quote.ProviderAddress == prov {
			committed += t.deal.Quote.Terms.MaxAmount - t.amount
		}
	}
	r.payMu.Unlock()
	avail := ch.Balance - unredeemed - committed
	if avail >= q.Terms.MaxAmount {
		return nil
	}
	// The cached state may predate the provider's latest redeem: read the
	// chain again before depositing or refusing.
	r.channels.Invalidate(me, prov)
	if ch, err = r.channels.Channel(ctx, me, prov); err != nil {
		return fmt.Errorf("read the payment channel: %w", err)
	}
	unredeemed = max(signed.Latest.Cumulative-ch.Claimed, 0)
	avail = ch.Balance - unredeemed - committed
	if avail >= q.Terms.MaxAmount {
		return nil
	}
	short := q.Terms.MaxAmount - avail
	if r.cfg.AutoDeposit <= 0 {
		return fmt.Errorf("%w: the channel to %s has %s DECO free and this task may cost up to %s: deco wallet deposit %s %s",
			ErrDepositNeeded, prov, max(avail, 0), q.Terms.MaxAmount, prov, short)
	}
	amount := max(r.cfg.AutoDeposit, short)
	res, err := r.cfg.Settlement.Deposit(ctx, prov, amount)
	r.channels.Invalidate(me, prov)
	if err != nil {
		return fmt.Errorf("deposit %s DECO for %s: %w", amount, prov, err)
	}
	r.log.Info("deposited", "provider", prov, "amount", amount, "tx", res.Tx)
	return r.cfg.Store.NoteChannel(ctx, store.RoleRequester, me, prov, r.now())
}

// startPaying begins tracking an execution accepted under d.
func (r *Requester) startPaying(ctx context.Context, execution string, d *market.Deal, accepted time.Time) {
	if d == nil || d.Quote.Escrow == "" || r.cfg.Settlement == nil {
		return
	}
	if err := r.cfg.Store.PutSetting(ctx, paySettingPrefix+execution, d); err != nil {
		r.log.Warn("store deal", "execution", execution, "err", err)
	}
	r.payMu.Lock()
	r.pays[execution] = &payTrack{deal: d, accepted: accepted}
	r.payMu.Unlock()
}

// resumePaying restores an execution's tracking after a restart.
func (r *Requester) resumePaying(ctx context.Context, j *store.Job) {
	if r.cfg.Settlement == nil {
		return
	}
	var d market.Deal
	if ok, err := r.cfg.Store.GetSetting(ctx, paySettingPrefix+j.ExecutionID, &d); err != nil || !ok {
		return
	}
	t := &payTrack{deal: &d, accepted: j.UpdatedAt}
	if as, err := r.cfg.Store.Attempts(ctx, j.ID); err == nil {
		for _, a := range as {
			if a.ExecutionID == j.ExecutionID {
				t.accepted = a.StartedAt
			}
		}
	}
	if us, err := r.cfg.Store.Usages(ctx, store.RoleRequester, j.ExecutionID); err == nil && len(us) > 0 {
		last := us[len(us)-1].Report
		t.lastSeq, t.lastSig, t.amount, t.use = last.Seq, last.Signature, last.AmountDue, last.Use
	}
	r.resumeTimeLock(ctx, t, j.ExecutionID)
	r.payMu.Lock()
	r.pays[j.ExecutionID] = t
	r.payMu.Unlock()
}

// withheld reports whether this node chose not to pay a valid report of
// execution.
func (r *Requester) withheld(execution string) bool {
	r.payMu.Lock()
	defer r.payMu.Unlock()
	t := r.pays[execution]
	return t != nil && t.withheld
}

// stopPaying forgets an execution that ended.
func (r *Requester) stopPaying(execution string) {
	r.payMu.Lock()
	delete(r.pays, execution)
	r.payMu.Unlock()
}

// pay checks a usage report and answers it on s with a voucher for the
// channel's new total. A report that fails the checks is not paid (the
// provider will stop the task).
func (r *Requester) pay(ctx context.Context, j *store.Job, s network.Stream, u *market.UsageReport, tl *telemetry.Attestation) {
	if u == nil || r.cfg.Settlement == nil {
		return
	}
	r.payMu.Lock()
	defer r.payMu.Unlock()
	t := r.pays[u.Execution]
	if t == nil || u.Execution != j.ExecutionID {
		r.log.Warn("usage report for an execution not paid for", "job", j.ID, "execution", u.Execution)
		return
	}
	if u.Seq > 0 && u.Seq == t.lastSeq && bytes.Equal(u.Signature, t.lastSig) {
		// The provider sends its latest report again to a stream that
		// reattaches: this node's answer may have been lost with the old
		// stream. The channel's latest voucher answers it (it covers the
		// report, and raises nothing).
		r.resendVoucher(ctx, j, s, u, t)
		return
	}
	err := market.CheckUsage(*u, market.UsageCheck{Deal: t.deal, LastSeq: t.lastSeq, Elapsed: r.now().Sub(t.accepted), Slack: r.usageSlack(), Last: t.use,
		Resources: j.Spec.Resources})
	if err != nil {
		r.log.Warn("usage report refused", "job", j.ID, "err", err)
		r.update(j, j.State, fmt.Sprintf("usage report %d refused: %v", u.Seq, err))
		return
	}
	if r.cfg.PayHook != nil && !r.cfg.PayHook(*u) {
		r.log.Info("payment withheld (pay hook)", "job", j.ID, "seq", u.Seq)
		t.withheld = true
		return
	}
	me, prov := r.cfg.Settlement.Address(), t.deal.Quote.ProviderAddress
	total, err := r.cfg.Store.PutUsage(ctx, store.RoleRequester, store.Usage{JobID: j.ID, Requester: me, Provider: prov, Report: *u, At: r.now()})
	if err != nil {
		r.log.Error("record usage report", "job", j.ID, "err", err)
		return
	}
	// A time-locked task's interval that fails its proof is not paid: the
	// voucher is the channel's total less every interval withheld on it.
	withheld, err := r.checkTimeLock(ctx, j, t, u, tl)
	if err != nil {
		r.log.Error("record time-lock attestation", "job", j.ID, "err", err)
		return
	}
	// A verified task's final interval is held until its verification
	// decides (withhold.go), and left out of every voucher meanwhile.
	held, wasHeld, err := r.holdFinal(ctx, j, t, u, s.Conn().RemotePeer().String())
	if err != nil {
		r.log.Error("hold the final interval", "job", j.ID, "err", err)
		return
	}
	t.lastSeq, t.lastSig, t.amount, t.use = u.Seq, u.Signature, u.AmountDue, u.Use
	if wasHeld {
		return
	}
	v, err := r.cfg.Settlement.SignVoucher(prov, total-withheld-held)
	if err != nil {
		r.log.Error("sign voucher", "job", j.ID, "err", err)
		return
	}
	if err := r.cfg.Store.PutVoucher(ctx, store.RoleRequester, store.Voucher{Execution: u.Execution, Seq: u.Seq, Voucher: v, At: r.now()}); err != nil {
		r.log.Error("record voucher", "job", j.ID, "err", err)
		return
	}
	_ = s.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := p2p.WriteMsg(s, market.Payment{Execution: u.Execution, Seq: u.Seq, Voucher: v}); err != nil {
		r.log.Info("send voucher", "job", j.ID, "err", err)
	}
}

// resendVoucher answers a report already paid with the channel's latest
// voucher (r.payMu held).
func (r *Requester) resendVoucher(ctx context.Context, j *store.Job, s network.Stream, u *market.UsageReport, t *payTrack) {
	c, err := r.cfg.Store.PayChannel(ctx, store.RoleRequester, r.cfg.Settlement.Address(), t.deal.Quote.ProviderAddress)
	if err != nil || c.Latest.Cumulative == 0 {
		return
	}
	_ = s.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := p2p.WriteMsg(s, market.Payment{Execution: u.Execution, Seq: u.Seq, Voucher: c.Latest}); err != nil {
		r.log.Info("send voucher", "job", j.ID, "err", err)
	}
}

// ChannelTotal is the cumulative amount this node signed on its channel to
// provider (the latest voucher's).
func (r *Requester) ChannelTotal(ctx context.Context, provider identity.Address) (money.Amount, error) {
	if r.cfg.Settlement == nil {
		return 0, nil
	}
	c, err := r.cfg.Store.PayChannel(ctx, store.RoleRequester, r.cfg.Settlement.Address(), provider)
	return c.Latest.Cumulative, err
}
