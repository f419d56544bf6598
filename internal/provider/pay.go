package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Pay as you go, the provider's side: a provider with a settlement checks
// the requester's deposit when a deal comes in, reports usage every
// interval while the task runs and at exit, takes the requester's vouchers
// from every stream of the execution, stops the task when payment lags
// more than one interval, and redeems vouchers on chain.

// Defaults of the payment settings.
const (
	// DefaultRedeemThreshold is the unredeemed amount on a channel that
	// makes the provider redeem.
	DefaultRedeemThreshold = money.Unit
	// DefaultRedeemPoll is how often channels are looked at for redeeming.
	DefaultRedeemPoll = 30 * time.Second
)

// ErrNotPaid is the error of an execution stopped for lack of payment.
var ErrNotPaid = errors.New("stopped: the requester's payments are more than one interval behind")

const dealSettingPrefix = "deal/"

// ErrCannotMeter is the error of an execution stopped because its usage
// report could not be recorded (a full disk, say): a provider that cannot
// bill must not run on unpaid.
var ErrCannotMeter = errors.New("stopped: the provider could not record a usage report")

// errStaleVoucher refuses a voucher below the channel's latest.
var errStaleVoucher = errors.New("stale voucher")

// meter is the payment state of one execution.
type meter struct {
	deal      *market.Deal
	requester identity.Address
	// started is when the sandbox started (zero: not yet: nothing is due).
	started time.Time
	seq     uint64
	// required is the channel's usage total when the last report was sent:
	// the latest voucher must reach it before the next report is due.
	required money.Amount
	// amount is the execution's amount due in its last report.
	amount money.Amount
	// run is the run time its last report claimed: a report never claims
	// less, even when the node's clock steps back.
	run time.Duration
}

func (p *Provider) paying() bool { return p.cfg.Settlement != nil }

func (p *Provider) usageInterval() time.Duration {
	if p.cfg.UsageInterval > 0 {
		return p.cfg.UsageInterval
	}
	return market.DefaultUsageInterval
}

// admitPayment checks, for a paying provider, that the requester's channel
// holds enough for the deal beyond what it owes already, and starts the
// execution's meter.
func (p *Provider) admitPayment(ctx context.Context, d *market.Deal) error {
	if !p.paying() {
		return nil
	}
	q := d.Quote
	var latest settle.SignedVoucher
	if q.Terms.MaxAmount > 0 {
		var err error
		if latest, err = p.latestVoucher(ctx, q.RequesterAddress); err != nil {
			return err
		}
	}
	p.payMu.Lock()
	defer p.payMu.Unlock()
	// A deal that can cost nothing (a job in a booking, which pays for its
	// time) needs no deposit; it is metered all the same.
	if q.Terms.MaxAmount > 0 {
		if err := p.coveredLocked(ctx, q, latest); err != nil {
			return err
		}
	}
	if err := p.cfg.Store.PutSetting(ctx, dealSettingPrefix+q.ExecutionID, d); err != nil {
		return err
	}
	p.meters[q.ExecutionID] = &meter{deal: d, requester: q.RequesterAddress}
	return nil
}

// coveredLocked checks that the requester's channel holds enough for the
// quote beyond what it owes already (unredeemed vouchers, running tasks;
// p.payMu held).
func (p *Provider) coveredLocked(ctx context.Context, q market.Quote, latest settle.SignedVoucher) error {
	me := p.cfg.Settlement.Address()
	var committed money.Amount
	for _, m := range p.meters {
		if m.requester == q.RequesterAddress {
			committed += m.deal.Quote.Terms.MaxAmount - m.amount
		}
	}
	// A cached balance may predate a deposit made for this very task: when
	// it falls short, read the chain again before refusing.
	for fresh := false; ; fresh = true {
		ch, err := p.channels.Channel(ctx, q.RequesterAddress, me)
		if err != nil {
			return fmt.Errorf("read the payment channel: %w", err)
		}
		unredeemed := max(latest.Cumulative-ch.Claimed, 0)
		if avail := ch.Balance - unredeemed - committed; avail >= q.Terms.MaxAmount {
			return nil
		}
		if fresh {
			return fmt.Errorf("deposit too small: the channel from %s to %s holds %s DECO, of which %s is promised in unredeemed vouchers and %s to running tasks; this task may cost up to %s (deco wallet deposit %s AMOUNT)",
				q.RequesterAddress, me, ch.Balance, unredeemed, committed, q.Terms.MaxAmount, me)
		}
		p.channels.Invalidate(q.RequesterAddress, me)
	}
}

// resumeMeter restores the meter of an execution reattached after a
// restart: its deal, its start and its last report.
func (p *Provider) resumeMeter(ctx context.Context, id string, started time.Time) {
	if !p.paying() {
		return
	}
	var d market.Deal
	if ok, err := p.cfg.Store.GetSetting(ctx, dealSettingPrefix+id, &d); err != nil || !ok {
		return
	}
	m := &meter{deal: &d, requester: d.Quote.RequesterAddress, started: started}
	if us, err := p.cfg.Store.Usages(ctx, store.RoleProvider, id); err == nil && len(us) > 0 {
		last := us[len(us)-1].Report
		m.seq, m.amount = last.Seq, last.AmountDue
		p.seedUse(id, last.Use) // the next reports never state less use
		m.required, _ = p.channelDue(ctx, m.requester)
	}
	p.payMu.Lock()
	p.meters[id] = m
	p.payMu.Unlock()
}

// markStarted starts metering: run time counts from now.
func (p *Provider) markStarted(id string) {
	p.payMu.Lock()
	if m := p.meters[id]; m != nil && m.started.IsZero() {
		m.started = p.now()
	}
	p.payMu.Unlock()
}

// meterTick is due every interval: it stops the execution when the
// previous report is still unpaid, else it sends the next report.
func (p *Provider) meterTick(ctx context.Context, id string, out *sender) {
	p.payMu.Lock()
	m := p.meters[id]
	if m == nil || m.started.IsZero() {
		p.payMu.Unlock()
		return
	}
	required, seq := m.required, m.seq
	p.payMu.Unlock()
	if seq > 0 {
		latest, err := p.latestVoucher(ctx, m.requester)
		if err == nil && latest.Cumulative < required {
			p.log.Warn("requester stopped paying; stopping the execution", "execution", id,
				"paid", latest.Cumulative, "due", required)
			p.stopFor(ctx, id, ErrNotPaid)
			return
		}
	}
	p.report(ctx, id, out, false)
}

// channelDue is what requester must have paid in all on its channel: the
// usage reported to it, less what was written off.
func (p *Provider) channelDue(ctx context.Context, requester identity.Address) (money.Amount, error) {
	total, err := p.cfg.Store.UsageTotal(ctx, store.RoleProvider, requester, p.cfg.Settlement.Address())
	if err != nil {
		return 0, err
	}
	return p.lessWrittenOff(ctx, requester, total)
}

// lessWrittenOff is a channel's usage total less what was written off on it.
func (p *Provider) lessWrittenOff(ctx context.Context, requester identity.Address, total money.Amount) (money.Amount, error) {
	ch, err := p.cfg.Store.PayChannel(ctx, store.RoleProvider, requester, p.cfg.Settlement.Address())
	return total - ch.WrittenOff, err
}

// report signs, records and sends the execution's next usage report
// (with the time-lock attestation of the interval it closes).
func (p *Provider) report(ctx context.Context, id string, out *sender, final bool) {
	p.sampleTimeLockClosing(ctx, id)
	p.payMu.Lock()
	m := p.meters[id]
	if m == nil || m.started.IsZero() {
		p.payMu.Unlock()
		return
	}
	run := max(p.now().Sub(m.started), m.run)
	u, err := market.NewMeteredReport(p.cfg.Key, m.deal, m.seq+1, run, p.useOf(id), final)
	if err != nil {
		p.payMu.Unlock()
		p.log.Error("usage report", "execution", id, "err", err)
		return
	}
	tl := p.closeTimeLock(ctx, m, u) // before the total: it writes off a failed interval
	total, err := p.cfg.Store.PutUsage(context.WithoutCancel(ctx), store.RoleProvider, store.Usage{JobID: m.deal.Quote.JobID,
		Requester: m.requester, Provider: p.cfg.Settlement.Address(), Report: u, At: p.now()})
	if err == nil {
		// A verified task's final interval is paid when its verification
		// decides, not now (latepay.go).
		err = p.holdFinal(context.WithoutCancel(ctx), id, m, u)
	}
	var due money.Amount
	if err == nil {
		due, err = p.lessWrittenOff(context.WithoutCancel(ctx), m.requester, total)
	}
	if err != nil {
		p.payMu.Unlock()
		p.log.Error("record usage report", "execution", id, "err", err)
		if !final {
			p.stopFor(ctx, id, fmt.Errorf("%w: %v", ErrCannotMeter, err))
		}
		return
	}
	m.seq, m.amount, m.required, m.run = u.Seq, u.AmountDue, due, run
	p.payMu.Unlock()
	out.send(market.TaskEvent{Type: market.EventUsage, Usage: &u, TimeLock: tl})
}

// stopFor kills an execution the provider will not let run on (its
// requester stopped paying, it wrote past its disk request); why becomes
// the execution's error.
func (p *Provider) stopFor(ctx context.Context, id string, why error) {
	p.mu.Lock()
	r := p.running[id]
	if r == nil || r.stopErr != nil {
		p.mu.Unlock()
		return
	}
	r.stopErr = why
	cancel := r.cancel
	p.mu.Unlock()
	p.killSandbox(ctx, id)
	if cancel != nil {
		go func() { time.Sleep(2 * time.Second); cancel() }()
	}
}

// stopErr is why the provider itself stopped an execution (nil if it did not).
func (p *Provider) stopErr(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.running[id]; r != nil {
		return r.stopErr
	}
	return nil
}

// endMeter forgets an execution's meter and returns what its requester
// must have paid when the last report is covered (0 when nothing is due).
func (p *Provider) endMeter(id string) (identity.Address, money.Amount) {
	p.payMu.Lock()
	defer p.payMu.Unlock()
	m := p.meters[id]
	delete(p.meters, id)
	if m == nil || m.seq == 0 {
		return identity.Address{}, 0
	}
	return m.requester, m.required
}

// settleEnd waits (at most one interval, at least 2 s) until the channel
// from requester is paid up to due, the final report's voucher being still
// on its way when the execution ends; what stays unpaid is written off, so
// that the requester's later tasks are not held to it.
func (p *Provider) settleEnd(ctx context.Context, execution string, requester identity.Address, due money.Amount) {
	p.awaitPaid(ctx, requester, due)
	latest, err := p.latestVoucher(ctx, requester)
	if err != nil || latest.Cumulative >= due {
		return
	}
	p.log.Warn("execution ended with usage unpaid; written off", "execution", execution, "requester", requester, "unpaid", due-latest.Cumulative)
	if err := p.cfg.Store.WriteOff(context.WithoutCancel(ctx), requester, p.cfg.Settlement.Address(), due-latest.Cumulative, p.now()); err != nil {
		p.log.Error("write off", "err", err)
		return
	}
	p.payMu.Lock()
	if len(p.writtenOff) >= maxWriteOffsHeld {
		for id := range p.writtenOff { // a late voucher comes within seconds: drop any one
			delete(p.writtenOff, id)
			break
		}
	}
	p.writtenOff[execution] += due - latest.Cumulative
	p.payMu.Unlock()
}

// maxWriteOffsHeld bounds the ended executions whose write-off a late
// voucher may still take back.
const maxWriteOffsHeld = 256

// recoverWrittenOff takes a late voucher of an ended execution, which raised its
// channel by raised, as paying what was written off when it ended rather
// than the requester's running executions: their reports stay due on top
// of it. (Kept in memory: after a restart a late voucher is not told
// apart, and counts for the running executions, as before.)
func (p *Provider) recoverWrittenOff(ctx context.Context, execution string, requester identity.Address, raised money.Amount) {
	p.payMu.Lock()
	off := p.writtenOff[execution]
	p.payMu.Unlock()
	if off == 0 || raised <= 0 {
		return
	}
	took, err := p.cfg.Store.Recover(context.WithoutCancel(ctx), requester, p.cfg.Settlement.Address(), min(off, raised), p.now())
	if err != nil {
		p.log.Error("recover written off", "err", err)
		return
	}
	p.log.Info("a late voucher paid usage written off", "execution", execution, "recovered", took)
	p.payMu.Lock()
	defer p.payMu.Unlock()
	if p.writtenOff[execution] -= took; p.writtenOff[execution] <= 0 {
		delete(p.writtenOff, execution)
	}
	p.dueAgainLocked(requester, took)
}

// dueAgain counts took, recovered from what was written off on
// requester's channel, as due again: the running executions' reports
// stay due on top of it.
func (p *Provider) dueAgain(requester identity.Address, took money.Amount) {
	p.payMu.Lock()
	defer p.payMu.Unlock()
	p.dueAgainLocked(requester, took)
}

func (p *Provider) dueAgainLocked(requester identity.Address, took money.Amount) {
	for _, m := range p.meters {
		if m.requester == requester && m.seq > 0 {
			m.required += took
		}
	}
}

func (p *Provider) awaitPaid(ctx context.Context, requester identity.Address, due money.Amount) {
	deadline := time.Now().Add(max(p.usageInterval(), 2*time.Second))
	for {
		p.payMu.Lock()
		wake := p.paid
		p.payMu.Unlock()
		latest, err := p.latestVoucher(ctx, requester)
		if err != nil || latest.Cumulative >= due {
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		case <-time.After(time.Until(deadline)):
			p.log.Info("final usage report not paid in time", "requester", requester, "paid", latest.Cumulative, "due", due)
			return
		}
	}
}

// latestVoucher is the latest voucher received on requester's channel.
func (p *Provider) latestVoucher(ctx context.Context, requester identity.Address) (settle.SignedVoucher, error) {
	ch, err := p.cfg.Store.PayChannel(ctx, store.RoleProvider, requester, p.cfg.Settlement.Address())
	return ch.Latest, err
}

// readPayments takes the requester's payments from one stream of an
// execution until the stream ends.
func (p *Provider) readPayments(ctx context.Context, s network.Stream, execution string) {
	if !p.paying() {
		return
	}
	for {
		var pay market.Payment
		if err := p2p.ReadMsg(s, &pay, market.MaxPayment); err != nil {
			return
		}
		if err := p.takePayment(ctx, execution, pay); err != nil {
			p.log.Warn("payment refused", "execution", execution, "err", err)
		}
	}
}

// takePayment checks a voucher for an execution and keeps it when it
// raises its channel's total.
func (p *Provider) takePayment(ctx context.Context, execution string, pay market.Payment) error {
	v := pay.Voucher
	p.payMu.Lock()
	m := p.meters[execution]
	p.payMu.Unlock()
	var requester identity.Address
	if m != nil {
		requester = m.requester
	} else {
		var d market.Deal
		if ok, err := p.cfg.Store.GetSetting(ctx, dealSettingPrefix+execution, &d); err != nil || !ok {
			return fmt.Errorf("no deal for execution %s", execution)
		}
		requester = d.Quote.RequesterAddress
	}
	switch {
	case pay.Execution != execution:
		return fmt.Errorf("payment for execution %s on the stream of %s", pay.Execution, execution)
	case v.Provider != p.cfg.Settlement.Address() || v.Requester != requester:
		return fmt.Errorf("voucher for channel %s to %s, not the deal's", v.Requester, v.Provider)
	}
	if err := p.cfg.Settlement.VerifyVoucher(v); err != nil {
		return err
	}
	// A voucher that does not raise the channel's total pays nothing new:
	// an old one sent again (a replay) is refused and not recorded.
	latest, err := p.latestVoucher(ctx, requester)
	if err != nil {
		return err
	}
	switch {
	case v.Cumulative < latest.Cumulative:
		return fmt.Errorf("%w: voucher for %s, the channel already holds one for %s", errStaleVoucher, v.Cumulative, latest.Cumulative)
	case v.Cumulative == latest.Cumulative:
		return nil // nothing new (a report that added nothing due)
	}
	if err := p.cfg.Store.PutVoucher(context.WithoutCancel(ctx), store.RoleProvider,
		store.Voucher{Execution: execution, Seq: pay.Seq, Voucher: v, At: p.now()}); err != nil {
		return err
	}
	raised := v.Cumulative - latest.Cumulative
	raised -= p.recoverHeld(ctx, execution, requester, raised)
	p.recoverWrittenOff(ctx, execution, requester, raised)
	p.payMu.Lock()
	close(p.paid)
	p.paid = make(chan struct{})
	p.payMu.Unlock()
	return nil
}

func (p *Provider) redeemThreshold() money.Amount {
	if p.cfg.RedeemThreshold > 0 {
		return p.cfg.RedeemThreshold
	}
	return DefaultRedeemThreshold
}

func (p *Provider) redeemPoll() time.Duration {
	if p.cfg.RedeemPoll > 0 {
		return p.cfg.RedeemPoll
	}
	return DefaultRedeemPoll
}

// redeemLoop redeems a channel's latest voucher when its unredeemed amount
// passes the threshold, or when the requester's withdrawal unlocks within
// two polls.
func (p *Provider) redeemLoop(ctx context.Context) {
	t := time.NewTicker(p.redeemPoll())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		chs, err := p.cfg.Store.PayChannels(ctx, store.RoleProvider)
		if err != nil {
			continue
		}
		for _, c := range chs {
			unredeemed := c.Latest.Cumulative - c.Redeemed
			if unredeemed <= 0 {
				continue
			}
			why := ""
			if unredeemed >= p.redeemThreshold() {
				why = "threshold"
			} else if on, err := p.cfg.Settlement.Channel(ctx, c.Requester, c.Provider); err == nil &&
				!on.WithdrawAt.IsZero() && on.WithdrawAt.Sub(p.now()) <= 2*p.redeemPoll() {
				why = "withdrawal unlocks"
			}
			if why == "" {
				continue
			}
			if _, err := p.redeemChannel(ctx, c); err != nil && ctx.Err() == nil {
				p.log.Warn("redeem", "requester", c.Requester, "err", err)
			} else if err == nil {
				p.log.Info("redeemed", "requester", c.Requester, "cumulative", c.Latest.Cumulative, "why", why)
			}
		}
	}
}

// Redeem redeems, now, the latest voucher of every channel with something
// unredeemed (or only requester's when not nil).
func (p *Provider) Redeem(ctx context.Context, requester *identity.Address) ([]store.Redeem, error) {
	if !p.paying() {
		return nil, settle.ErrNoSettlement
	}
	chs, err := p.cfg.Store.PayChannels(ctx, store.RoleProvider)
	if err != nil {
		return nil, err
	}
	var out []store.Redeem
	var errs []error
	for _, c := range chs {
		if (requester != nil && c.Requester != *requester) || c.Latest.Cumulative <= c.Redeemed {
			continue
		}
		r, err := p.redeemChannel(ctx, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("channel from %s: %w", c.Requester, err))
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

func (p *Provider) redeemChannel(ctx context.Context, c store.PayChannel) (store.Redeem, error) {
	p.redeemMu.Lock()
	defer p.redeemMu.Unlock()
	res, err := p.cfg.Settlement.Redeem(ctx, c.Latest)
	p.channels.Invalidate(c.Requester, c.Provider)
	if errors.Is(err, settle.ErrVoucherReplayed) || errors.Is(err, settle.ErrVoucherTooLow) {
		// Already redeemed (by an earlier run): only the mark is behind.
		res, err = settle.TxResult{}, nil
	}
	if err != nil {
		return store.Redeem{}, err
	}
	r := store.Redeem{Requester: c.Requester, Provider: c.Provider, Cumulative: c.Latest.Cumulative, Result: res, At: p.now()}
	if res.Tx == "" {
		r.Result.Tx = fmt.Sprintf("already-redeemed-%s-%d", c.Requester, c.Latest.Cumulative)
	}
	return r, p.cfg.Store.PutRedeem(context.WithoutCancel(ctx), r)
}
