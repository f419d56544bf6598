package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/store"
)

// TestHeldFinalIntervalPaidLate runs a verified task whose requester pays
// every usage report but the final one (held for the verification): the
// provider writes that interval off at once and keeps the hold; then, on
// /deco/pay/1, hostile payments (garbage, too big, from a stranger, for an
// unknown execution, forged, lower, for another channel, beyond the
// deposit) are refused and change nothing, the genuine one takes the
// hold back, and its replay pays nothing twice.
func TestHeldFinalIntervalPaidLate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const deposit = 10 * money.Unit
	e, reqS, otherS, provAddr := newPaidEnv(t, ctx, deposit)
	e.ex.block = make(chan struct{})
	spec := testSpec()
	spec.Verification, spec.Deterministic = "replicate(1)", true
	qr := market.QuoteRequest{JobID: job.NewID(), ExecutionID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec), RequesterAddress: e.reqKey.Address()}
	var qreply market.QuoteReply
	if err := e.req.Request(ctx, e.prov.ID(), p2p.ProtocolID(market.ProtoQuote, 1), qr, &qreply, market.MaxTaskEvent); err != nil || qreply.Quote == nil {
		t.Fatalf("quote: %v %s", err, qreply.Error)
	}
	d, err := market.Accept(*qreply.Quote, e.reqKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.req.OpenStream(ctx, e.prov.ID(), p2p.ProtocolID(market.ProtoTask, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(30 * time.Second))
	if err := p2p.WriteMsg(s, taskRequest(qr, &d)); err != nil {
		t.Fatal(err)
	}
	// Pay two reports, then let the task end; its final report is not paid.
	var paid []settle.SignedVoucher
	var final *market.UsageReport
	var ended *market.TaskEvent
	for ended == nil {
		var ev market.TaskEvent
		if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
			t.Fatal(err)
		}
		switch {
		case ev.Type == market.EventRejected:
			t.Fatalf("rejected: %s", ev.Message)
		case ev.Type == market.EventExited:
			ended = &ev
			continue
		case ev.Type != market.EventUsage:
			e.clock.add(time.Second)
			continue
		case ev.Usage.Final:
			final = ev.Usage
			continue
		}
		e.clock.add(time.Second)
		if n := len(paid); ev.Usage.AmountDue == 0 || (n > 0 && ev.Usage.AmountDue <= paid[n-1].Cumulative) {
			continue
		}
		v, err := reqS.SignVoucher(provAddr, ev.Usage.AmountDue)
		if err != nil {
			t.Fatal(err)
		}
		if err := p2p.WriteMsg(s, market.Payment{Execution: qr.ExecutionID, Seq: ev.Usage.Seq, Voucher: v}); err != nil {
			t.Fatal(err)
		}
		if paid = append(paid, v); len(paid) == 2 {
			waitChannel(t, e.st, e.reqKey.Address(), provAddr, v.Cumulative)
			e.clock.add(time.Second)
			close(e.ex.block)
		}
	}
	if final == nil || ended.State != job.StateCompleted || ended.Commitment == nil {
		t.Fatalf("final report %+v, end %+v", final, ended)
	}
	top := paid[1].Cumulative
	held := final.AmountDue - top
	if held <= 0 {
		t.Fatalf("the final report adds %s to the %s paid: nothing to hold", held, top)
	}
	h, err := e.st.GetHold(ctx, store.RoleProvider, qr.ExecutionID)
	if err != nil || h.Amount != held || h.State != store.HoldHeld || h.Requester != e.reqKey.Address() {
		t.Fatalf("hold = %+v, %v; want %s held", h, err, held)
	}
	ch, err := e.st.PayChannel(ctx, store.RoleProvider, e.reqKey.Address(), provAddr)
	if err != nil || ch.WrittenOff != held {
		t.Fatalf("written off %s (%v), want the held %s", ch.WrittenOff, err, held)
	}

	payTo := func(from *p2p.Host, pay any) market.PayReply {
		t.Helper()
		var reply market.PayReply
		if err := from.Request(ctx, e.prov.ID(), p2p.ProtocolID(market.ProtoPay, 1), pay, &reply, market.MaxSmallMsg); err != nil {
			t.Fatal(err)
		}
		return reply
	}
	sign := func(c *evm.Client, to identity.Address, amount money.Amount) settle.SignedVoucher {
		t.Helper()
		v, err := c.SignVoucher(to, amount)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	genuine := market.Payment{Execution: qr.ExecutionID, Seq: final.Seq, Voucher: sign(reqS, provAddr, final.AmountDue)}
	forged := genuine
	forged.Voucher.Cumulative += money.Unit
	for _, c := range []struct {
		name string
		from *p2p.Host
		pay  any
		want string
	}{
		{"garbage", e.req, map[string]any{"voucher": "not a voucher"}, "bad payment"},
		{"unknown field", e.req, map[string]any{"execution": qr.ExecutionID, "extra": 1}, "bad payment"},
		{"too big", e.req, map[string]any{"execution": strings.Repeat("x", market.MaxPayment)}, "bad payment"},
		{"unknown execution", e.req, market.Payment{Execution: "nope", Voucher: genuine.Voucher}, "no deal"},
		{"from a stranger", e.other, genuine, "not the sender"},
		{"forged", e.req, forged, "signature"},
		{"lower", e.req, market.Payment{Execution: qr.ExecutionID, Seq: final.Seq, Voucher: paid[0]}, "stale"},
		{"another channel", e.req, market.Payment{Execution: qr.ExecutionID, Voucher: sign(reqS, e.otherKey.Address(), final.AmountDue)}, "not the deal's"},
		{"another requester", e.req, market.Payment{Execution: qr.ExecutionID, Voucher: sign(otherS, provAddr, final.AmountDue)}, "not the deal's"},
		{"beyond the deposit", e.req, market.Payment{Execution: qr.ExecutionID, Voucher: sign(reqS, provAddr, deposit+money.Unit)}, "not backed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := payTo(c.from, c.pay); !strings.Contains(got.Error, c.want) {
				t.Fatalf("reply %q, want an error with %q", got.Error, c.want)
			}
		})
	}
	if ch, _ := e.st.PayChannel(ctx, store.RoleProvider, e.reqKey.Address(), provAddr); ch.Latest.Cumulative != top || ch.WrittenOff != held {
		t.Fatalf("after the hostile payments the channel holds %s with %s written off, want %s and %s", ch.Latest.Cumulative, ch.WrittenOff, top, held)
	}
	// The genuine voucher pays the held interval; sent again it pays
	// nothing more.
	for range 2 {
		if got := payTo(e.req, genuine); got.Error != "" {
			t.Fatalf("genuine late payment refused: %s", got.Error)
		}
	}
	ch, err = e.st.PayChannel(ctx, store.RoleProvider, e.reqKey.Address(), provAddr)
	if err != nil || ch.Latest.Cumulative != final.AmountDue || ch.WrittenOff != 0 {
		t.Fatalf("channel holds %s with %s written off (%v), want %s and nothing", ch.Latest.Cumulative, ch.WrittenOff, err, final.AmountDue)
	}
	if h, err := e.st.GetHold(ctx, store.RoleProvider, qr.ExecutionID); err != nil || h.State != store.HoldReleased {
		t.Fatalf("hold after the payment = %+v, %v", h, err)
	}
	vs, err := e.st.Vouchers(ctx, store.RoleProvider, qr.ExecutionID)
	if err != nil || len(vs) != 3 || vs[2].Seq != final.Seq || vs[2].Voucher.Cumulative != final.AmountDue {
		t.Fatalf("vouchers = %+v, %v; want the two paid and the late one", vs, err)
	}
}
