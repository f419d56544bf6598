package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// Payment held for verification, the provider's side: a verified task's
// requester pays the final interval of each run only once the
// verification decided, and not at all to a runner that lost. The
// provider knows it (the spec's policy is signed into the deal), so at
// the final report it writes that interval off at once and keeps the
// hold: the requester's later tasks are not held to it, and the
// execution ends without waiting for its voucher. The voucher comes later
// on /deco/pay/1 (serveLatePay), is checked as any voucher (the
// requester's signature, the channel, cumulative and not below the
// latest, backed by the deposit) and takes the hold back from what was
// written off. A restart keeps the hold (the store).

// holdFinal writes off what u, the final report of execution id, adds to
// its amount due when the execution is a verified task's run (m is its
// meter before u; p.payMu held).
func (p *Provider) holdFinal(ctx context.Context, id string, m *meter, u market.UsageReport) error {
	amount := u.AmountDue - m.amount
	if !u.Final || amount <= 0 {
		return nil
	}
	// The deal names the policy (this node quoted it from the spec the
	// deal's digest binds): the execution's record, whose spec may carry
	// a whole inline module, is not read on the way to the final event.
	q := m.deal.Quote
	if pol, err := job.ParseVerification(q.Verification); err != nil || !pol.Verified() {
		return nil
	}
	me := p.cfg.Settlement.Address()
	if _, err := p.cfg.Store.GetHold(ctx, store.RoleProvider, id); err == nil {
		return nil // held already (the report sent again)
	}
	if err := p.cfg.Store.PutHold(ctx, store.RoleProvider, store.Hold{Execution: id, JobID: q.JobID, Node: q.Requester,
		Requester: m.requester, Provider: me, Amount: amount, At: p.now()}); err != nil {
		return err
	}
	p.log.Info("final interval held by the requester until its verification decides", "execution", id, "amount", amount)
	return p.cfg.Store.WriteOff(ctx, m.requester, me, amount, p.now())
}

// recoverHeld takes a voucher of execution that raised its channel by
// raised as paying the execution's held final interval first, and returns
// what of raised it took.
func (p *Provider) recoverHeld(ctx context.Context, execution string, requester identity.Address, raised money.Amount) money.Amount {
	h, err := p.cfg.Store.GetHold(ctx, store.RoleProvider, execution)
	if err != nil || h.State != store.HoldHeld || raised <= 0 {
		return 0
	}
	ctx = context.WithoutCancel(ctx)
	took, err := p.cfg.Store.Recover(ctx, requester, p.cfg.Settlement.Address(), min(h.Amount, raised), p.now())
	if err != nil {
		p.log.Error("recover a held final interval", "execution", execution, "err", err)
		return 0
	}
	if _, err := p.cfg.Store.DecideHold(ctx, store.RoleProvider, execution, store.HoldReleased, p.now()); err != nil {
		p.log.Error("mark a held final interval paid", "execution", execution, "err", err)
	}
	p.log.Info("the requester paid a held final interval", "execution", execution, "paid", took)
	p.dueAgain(requester, took)
	return took
}

func (p *Provider) serveLatePay(ctx context.Context, s p2pStream) {
	var pay market.Payment
	if err := p.readRequest(s, &pay, market.MaxPayment); err != nil {
		_ = p2p.WriteMsg(s, market.PayReply{Error: fmt.Sprintf("bad payment: %v", err)})
		return
	}
	var reply market.PayReply
	if err := p.takeLatePayment(ctx, s.Conn().RemotePeer(), pay); err != nil {
		p.log.Info("late payment refused", "execution", pay.Execution, "from", s.Conn().RemotePeer(), "err", err)
		reply.Error = err.Error()
	}
	_ = p2p.WriteMsg(s, reply)
}

// errNotBacked refuses a voucher its channel's deposit does not cover.
var errNotBacked = errors.New("voucher not backed by the deposit")

// takeLatePayment checks a voucher sent by from after its execution's
// task stream closed, and keeps it as takePayment does.
func (p *Provider) takeLatePayment(ctx context.Context, from peer.ID, pay market.Payment) error {
	if !p.paying() {
		return errors.New("this node takes no payments")
	}
	var d market.Deal
	if ok, err := p.cfg.Store.GetSetting(ctx, dealSettingPrefix+pay.Execution, &d); err != nil || !ok {
		return fmt.Errorf("no deal for execution %q", pay.Execution)
	}
	requester, me, v := d.Quote.RequesterAddress, p.cfg.Settlement.Address(), pay.Voucher
	if addr, err := identity.PeerAddress(from.String()); err != nil || addr != requester {
		return fmt.Errorf("the execution's requester is %s, not the sender", requester)
	}
	if v.Requester != requester || v.Provider != me {
		return fmt.Errorf("voucher for channel %s to %s, not the deal's", v.Requester, v.Provider)
	}
	if err := p.cfg.Settlement.VerifyVoucher(v); err != nil {
		return err
	}
	// The channel must cover what the voucher promises beyond what was
	// redeemed: a voucher the deposit cannot pay is worth nothing.
	for fresh := false; ; fresh = true {
		ch, err := p.channels.Channel(ctx, requester, me)
		if err != nil {
			return fmt.Errorf("read the payment channel: %w", err)
		}
		if v.Cumulative-ch.Claimed <= ch.Balance {
			break
		}
		if fresh {
			return fmt.Errorf("%w: it promises %s, the channel holds %s beyond the %s redeemed", errNotBacked, v.Cumulative, ch.Balance, ch.Claimed)
		}
		p.channels.Invalidate(requester, me)
	}
	return p.takePayment(ctx, pay.Execution, pay)
}
