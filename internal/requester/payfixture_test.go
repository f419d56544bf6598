package requester

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/store"
)

// payFixture is a requester paying a running task of spec on the dev
// chain, and the provider's side of the task stream, driven by the test:
// it sends events and reads the payments back.
type payFixture struct {
	t               *testing.T
	ctx             context.Context
	r               *Requester
	st              *store.Store
	j               *store.Job
	d               market.Deal
	q               market.Quote
	provKey, reqKey *identity.Key
	events          chan market.TaskEvent
	payments        chan market.Payment
	s               network.Stream
	provHost        *p2p.Host
	start           time.Time
	// claims are what the requester attested (its reputation book).
	claims *claimLog
}

// claimLog is a reputation book that keeps the claims attested.
type claimLog struct {
	mu     sync.Mutex
	claims []reputation.Claim
}

func (l *claimLog) Attest(_ context.Context, c reputation.Claim) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.claims = append(l.claims, c)
	return nil
}

func (l *claimLog) all() []reputation.Claim {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.claims)
}

// newPayFixture starts it: the task has been running for a minute under
// terms of one DECO an hour, at most one DECO.
func newPayFixture(t *testing.T, ctx context.Context, spec job.Spec) *payFixture {
	t.Helper()
	reqKey, reqHost := newKeyHost(t)
	provKey, provHost := newKeyHost(t)
	chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{reqKey.Address(), provKey.Address()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chain.Close() })
	info := chain.Info()
	reqS, err := evm.Dial(ctx, info.Settlement(), reqKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reqS.Close() })
	escrow := fmt.Sprintf("%d:%s", info.ChainID, info.Escrow)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Now()
	now := start.Add(time.Minute) // the task has been running for a minute
	claims := &claimLog{}
	r, err := New(ctx, Config{Host: reqHost, Store: st, Key: reqKey, DataDir: t.TempDir(), Clock: func() time.Time { return now },
		Settlement: reqS, Escrow: escrow, Reputation: claims})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
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
	f := &payFixture{t: t, ctx: ctx, r: r, st: st, j: j, d: d, q: q, provKey: provKey, reqKey: reqKey,
		events: make(chan market.TaskEvent), payments: make(chan market.Payment, 16), start: start, claims: claims, provHost: provHost}
	provHost.Handle(p2p.ProtocolID(market.ProtoTask, 1), 0, func(ctx context.Context, s network.Stream) {
		go func() {
			for {
				var pay market.Payment
				if err := p2p.ReadMsg(s, &pay, market.MaxPayment); err != nil {
					return
				}
				f.payments <- pay
			}
		}()
		for ev := range f.events {
			if err := p2p.WriteMsg(s, ev); err != nil {
				return
			}
		}
	})
	t.Cleanup(func() { close(f.events) })
	if err := reqHost.Connect(ctx, provHost.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if f.s, err = reqHost.OpenStream(ctx, provHost.ID(), p2p.ProtocolID(market.ProtoTask, 1)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.s.Close() })
	return f
}

// deliver sends ev from the provider and lets the requester read and
// answer it as it does on a task stream.
func (f *payFixture) deliver(ev market.TaskEvent) {
	f.t.Helper()
	go func() { f.events <- ev }()
	var got market.TaskEvent
	_ = f.s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := p2p.ReadMsg(f.s, &got, market.MaxTaskEvent); err != nil {
		f.t.Fatal(err)
	}
	f.r.pay(f.ctx, f.j, f.s, got.Usage, got.TimeLock)
}

// report is the provider's report seq for run time ms, signed by key.
func (f *payFixture) report(key *identity.Key, seq, ms uint64) market.UsageReport {
	f.t.Helper()
	u, err := market.NewUsageReport(key, &f.d, seq, time.Duration(ms)*time.Millisecond, false)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// paid waits for the voucher answering a report (nil when none comes in
// wait).
func (f *payFixture) paid(wait time.Duration) *market.Payment {
	select {
	case pay := <-f.payments:
		return &pay
	case <-time.After(wait):
		return nil
	}
}
