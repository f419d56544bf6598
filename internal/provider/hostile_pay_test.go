package provider

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/store"
)

// TestForgedAndReplayedVouchers runs a paid task and answers its usage
// reports with genuine vouchers, then sends, on the same task stream,
// vouchers that are forged, for another channel, from another requester,
// for another execution, or replayed: none is recorded, and the channel
// keeps the highest genuine total.
func TestForgedAndReplayedVouchers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e, reqS, otherS, provAddr := newPaidEnv(t, ctx, 10*money.Unit)
	e.ex.block = make(chan struct{})
	defer close(e.ex.block)

	qr, q := e.quote(t, e.req, e.reqKey)
	d, err := market.Accept(q, e.reqKey)
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
	// Pay the first two usage reports honestly.
	var paid []settle.SignedVoucher
	for len(paid) < 2 {
		var ev market.TaskEvent
		if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
			t.Fatal(err)
		}
		if ev.Type == market.EventRejected || ev.Type == market.EventExited {
			t.Fatalf("task ended: %+v", ev)
		}
		e.clock.add(time.Second) // run time, as the provider's clock measures it
		if ev.Type != market.EventUsage || ev.Usage.AmountDue == 0 {
			continue
		}
		if n := len(paid); n > 0 && ev.Usage.AmountDue <= paid[n-1].Cumulative {
			continue
		}
		v, err := reqS.SignVoucher(provAddr, ev.Usage.AmountDue)
		if err != nil {
			t.Fatal(err)
		}
		if err := p2p.WriteMsg(s, market.Payment{Execution: qr.ExecutionID, Seq: ev.Usage.Seq, Voucher: v}); err != nil {
			t.Fatal(err)
		}
		paid = append(paid, v)
	}
	top := paid[1]
	waitChannel(t, e.st, e.reqKey.Address(), provAddr, top.Cumulative)

	forged := top
	forged.Cumulative = top.Cumulative + money.Unit // more than the requester signed
	byOther, err := otherS.SignVoucher(provAddr, top.Cumulative+money.Unit)
	if err != nil {
		t.Fatal(err)
	}
	claimed := byOther
	claimed.Requester = e.reqKey.Address() // another key's signature, claiming the requester
	otherChannel, err := reqS.SignVoucher(e.otherKey.Address(), top.Cumulative+money.Unit)
	if err != nil {
		t.Fatal(err)
	}
	higher, err := reqS.SignVoucher(provAddr, top.Cumulative+2*money.Unit)
	if err != nil {
		t.Fatal(err)
	}
	hostile := []market.Payment{
		{Execution: qr.ExecutionID, Seq: 90, Voucher: paid[0]},      // replayed, below the latest
		{Execution: qr.ExecutionID, Seq: 91, Voucher: forged},       // amount changed after signing
		{Execution: qr.ExecutionID, Seq: 92, Voucher: claimed},      // signed by another key
		{Execution: qr.ExecutionID, Seq: 93, Voucher: byOther},      // another requester's channel
		{Execution: qr.ExecutionID, Seq: 94, Voucher: otherChannel}, // the requester's channel to another provider
		{Execution: "another-execution", Seq: 95, Voucher: higher},  // bound to another execution
	}
	for _, pay := range hostile {
		if err := p2p.WriteMsg(s, pay); err != nil {
			t.Fatal(err)
		}
	}
	// A genuine voucher after them is still taken: the stream and the
	// provider are fine, and everything before it has been handled.
	last, err := reqS.SignVoucher(provAddr, top.Cumulative+3*money.Unit)
	if err != nil {
		t.Fatal(err)
	}
	if err := p2p.WriteMsg(s, market.Payment{Execution: qr.ExecutionID, Seq: 99, Voucher: last}); err != nil {
		t.Fatal(err)
	}
	waitChannel(t, e.st, e.reqKey.Address(), provAddr, last.Cumulative)
	vs, err := e.st.Vouchers(ctx, store.RoleProvider, qr.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Seq >= 90 && v.Seq < 99 {
			t.Errorf("hostile voucher seq %d recorded: %+v", v.Seq, v.Voucher)
		}
	}
	if len(vs) != 3 {
		t.Errorf("%d vouchers recorded, want the 3 genuine ones", len(vs))
	}
	for _, who := range []identity.Address{e.otherKey.Address()} {
		if ch, err := e.st.PayChannel(ctx, store.RoleProvider, who, provAddr); err != nil || ch.Latest.Cumulative != 0 {
			t.Errorf("channel from %s holds %s (%v): another requester's voucher was taken", who, ch.Latest.Cumulative, err)
		}
	}
}

// newPaidEnv is a hostile env whose provider settles on a dev chain
// (usage every 100 ms), with the requester's and the stranger's
// settlement clients; the requester has deposited deposit for the
// provider.
func newPaidEnv(t *testing.T, ctx context.Context, deposit money.Amount) (e *hostileEnv, reqS, otherS *evm.Client, provAddr identity.Address) {
	t.Helper()
	e = newHostileEnvWith(t, func(e *hostileEnv, c *Config) {
		chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{e.provKey.Address(), e.reqKey.Address(), e.otherKey.Address()}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { chain.Close() })
		info := chain.Info()
		dial := func(k *identity.Key) *evm.Client {
			s, err := evm.Dial(ctx, info.Settlement(), k, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		provS := dial(e.provKey)
		reqS, otherS = dial(e.reqKey), dial(e.otherKey)
		provAddr = provS.Address()
		if _, err := reqS.Deposit(ctx, provAddr, deposit); err != nil {
			t.Fatal(err)
		}
		c.Settlement, c.Escrow = provS, fmt.Sprintf("%d:%s", info.ChainID, info.Escrow)
		c.UsageInterval = 100 * time.Millisecond
	})
	return e, reqS, otherS, provAddr
}

// waitChannel waits until the provider's record of the channel holds want.
func waitChannel(t *testing.T, st *store.Store, requester, provider identity.Address, want money.Amount) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ch, err := st.PayChannel(context.Background(), store.RoleProvider, requester, provider)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		if ch.Latest.Cumulative == want {
			return
		}
		if ch.Latest.Cumulative > want || time.Now().After(deadline) {
			t.Fatalf("channel holds %s, want %s", ch.Latest.Cumulative, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
