package requester

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/store"
)

// TestHostileUsageReports: a provider sends usage reports on a paid task's
// stream that are forged, replayed, for another execution, claim more run
// time than has passed, or ask more than the terms give. The requester
// signs no voucher for any of them, and pays the genuine report after them.
func TestHostileUsageReports(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reqKey, reqHost := newKeyHost(t)
	provKey, provHost := newKeyHost(t)
	otherKey, _ := newKeyHost(t)
	chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{reqKey.Address(), provKey.Address()}})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	info := chain.Info()
	reqS, err := evm.Dial(ctx, info.Settlement(), reqKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reqS.Close()
	escrow := fmt.Sprintf("%d:%s", info.ChainID, info.Escrow)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	now := start.Add(time.Minute) // the task has been running for a minute
	r, err := New(ctx, Config{Host: reqHost, Store: st, Key: reqKey, DataDir: t.TempDir(), Clock: func() time.Time { return now },
		Settlement: reqS, Escrow: escrow})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	spec := job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}, Timeout: job.Duration(time.Hour)}
	spec.ApplyDefaults()
	j := &store.Job{ID: job.NewID(), ExecutionID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec), State: job.StateRunning,
		CreatedAt: start, UpdatedAt: start}
	if err := st.CreateJob(ctx, *j); err != nil {
		t.Fatal(err)
	}
	q := market.Quote{JobID: j.ID, SpecDigest: j.SpecDigest, ExecutionID: j.ExecutionID, Requester: reqKey.PeerID(), RequesterAddress: reqKey.Address(),
		Terms:    market.Terms{PerHour: money.Unit, MaxAmount: money.Unit},
		Deadline: now.Add(time.Minute), Verification: "none", Escrow: escrow}
	if err := q.SignAsProvider(provKey); err != nil {
		t.Fatal(err)
	}
	d, err := market.Accept(q, reqKey)
	if err != nil {
		t.Fatal(err)
	}
	r.startPaying(ctx, j.ExecutionID, &d, start)

	// The provider's side of the task stream: it sends the reports and
	// reads the payments back.
	reports := make(chan market.UsageReport)
	payments := make(chan market.Payment, 16)
	provHost.Handle(p2p.ProtocolID(market.ProtoTask, 1), 0, func(ctx context.Context, s network.Stream) {
		go func() {
			for {
				var pay market.Payment
				if err := p2p.ReadMsg(s, &pay, market.MaxPayment); err != nil {
					return
				}
				payments <- pay
			}
		}()
		for u := range reports {
			if err := p2p.WriteMsg(s, market.TaskEvent{Type: market.EventUsage, At: time.Now(), Usage: &u}); err != nil {
				return
			}
		}
	})
	if err := reqHost.Connect(ctx, provHost.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	s, err := reqHost.OpenStream(ctx, provHost.ID(), p2p.ProtocolID(market.ProtoTask, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// deliver sends u from the provider and lets the requester read and
	// answer it as it does on a task stream.
	deliver := func(u market.UsageReport) {
		t.Helper()
		go func() { reports <- u }()
		var ev market.TaskEvent
		_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
			t.Fatal(err)
		}
		r.pay(ctx, j, s, ev.Usage, ev.TimeLock)
	}
	report := func(key *identity.Key, edit func(*market.UsageReport)) market.UsageReport {
		u, err := market.NewUsageReport(key, &d, 1, 30*time.Second, false)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(&u)
			if err := u.Sign(key); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	first := report(provKey, nil)
	deliver(first)
	select {
	case pay := <-payments:
		if pay.Voucher.Cumulative != first.AmountDue {
			t.Fatalf("voucher for %s, report asked %s", pay.Voucher.Cumulative, first.AmountDue)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("genuine report not paid")
	}

	forgedAmount := report(provKey, func(u *market.UsageReport) { u.Seq = 2 })
	forgedAmount.AmountDue = money.Unit // changed after signing
	hostile := map[string]market.UsageReport{
		"signed by another key":   report(otherKey, func(u *market.UsageReport) { u.Seq = 2 }),
		"amount after signing":    forgedAmount,
		"replayed report":         first,
		"for another execution":   report(provKey, func(u *market.UsageReport) { u.Seq, u.Execution = 2, job.NewID() }),
		"more run time than real": report(provKey, func(u *market.UsageReport) { u.Seq, u.RunMillis = 2, uint64(time.Hour/time.Millisecond) }),
		"more than the terms":     report(provKey, func(u *market.UsageReport) { u.Seq, u.RunMillis, u.AmountDue = 2, 40_000, money.Unit/2 }),
	}
	for name, u := range hostile {
		deliver(u)
		select {
		case pay := <-payments:
			t.Fatalf("%s: paid with a voucher for %s", name, pay.Voucher.Cumulative)
		case <-time.After(100 * time.Millisecond):
		}
	}
	second := report(provKey, func(u *market.UsageReport) {
		u.Seq, u.RunMillis, u.AmountDue = 2, 45_000, market.AmountDue(q.Terms, 45_000)
	})
	deliver(second)
	select {
	case pay := <-payments:
		if pay.Voucher.Cumulative != second.AmountDue || pay.Seq != 2 {
			t.Fatalf("second voucher: %+v, want %s for seq 2", pay, second.AmountDue)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("genuine report after hostile ones not paid")
	}
	vs, err := st.Vouchers(ctx, store.RoleRequester, j.ExecutionID)
	if err != nil || len(vs) != 2 {
		t.Fatalf("requester signed %d vouchers (%v), want the 2 genuine ones", len(vs), err)
	}
	close(reports)
}
