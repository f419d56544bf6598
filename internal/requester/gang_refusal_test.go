package requester

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// fakeProvider is a provider on a real libp2p host that speaks the quote,
// task and cancel protocols: it quotes every task, then either refuses
// each task it is sent (busy) or accepts it, reports it running and, unless
// cancelled first, ends it after a moment with exit code exit.
type fakeProvider struct {
	t      *testing.T
	key    *identity.Key
	host   *p2p.Host
	refuse bool
	exit   int
	price  money.Amount

	mu      sync.Mutex
	sent    []market.TaskRequest     // every task sent to it
	cancels map[string]chan struct{} // by execution
}

func newFakeProvider(t *testing.T, price money.Amount, refuse bool, exit int) *fakeProvider {
	key, h := newKeyHost(t)
	p := &fakeProvider{t: t, key: key, host: h, refuse: refuse, exit: exit, price: price, cancels: map[string]chan struct{}{}}
	h.Handle(p2p.ProtocolID(market.ProtoQuote, 1), 10*time.Second, func(ctx context.Context, s network.Stream) {
		var req market.QuoteRequest
		if err := p2p.ReadMsg(s, &req, market.MaxTaskRequest); err != nil || req.Decline {
			return
		}
		q := &market.Quote{JobID: req.JobID, SpecDigest: req.SpecDigest, TaskIndex: req.TaskIndex, ExecutionID: req.ExecutionID,
			Requester: s.Conn().RemotePeer().String(), RequesterAddress: req.RequesterAddress,
			Terms:    market.Terms{PerHour: price, MaxAmount: price},
			Deadline: time.Now().Add(time.Minute), Verification: "none"}
		if err := q.SignAsProvider(key); err != nil {
			t.Error(err)
			return
		}
		_ = p2p.WriteMsg(s, market.QuoteReply{Quote: q})
	})
	h.Handle(p2p.ProtocolID(market.ProtoTask, 1), 0, func(ctx context.Context, s network.Stream) {
		var req market.TaskRequest
		if err := p2p.ReadMsg(s, &req, market.MaxTaskRequest); err != nil {
			return
		}
		cancel := make(chan struct{})
		p.mu.Lock()
		p.sent = append(p.sent, req)
		p.cancels[req.ExecutionID] = cancel
		p.mu.Unlock()
		event := func(ev market.TaskEvent) bool {
			ev.At = time.Now()
			return p2p.WriteMsg(s, ev) == nil
		}
		if refuse {
			event(market.TaskEvent{Type: market.EventRejected, Message: "busy: every slot is taken"})
			return
		}
		if !event(market.TaskEvent{Type: market.EventAccepted}) || !event(market.TaskEvent{Type: market.EventState, State: job.StateRunning}) {
			return
		}
		select {
		case <-cancel:
			event(market.TaskEvent{Type: market.EventExited, State: job.StateCancelled, Message: "cancelled by the requester"})
		case <-time.After(300 * time.Millisecond):
			state := job.StateCompleted
			if exit != 0 {
				state = job.StateFailed
			}
			event(market.TaskEvent{Type: market.EventExited, State: state, Result: &exec.Result{ExitCode: exit}})
		case <-ctx.Done():
		}
	})
	h.Handle(p2p.ProtocolID(market.ProtoCancel, 1), 10*time.Second, func(ctx context.Context, s network.Stream) {
		var req market.CancelRequest
		if err := p2p.ReadMsg(s, &req, market.MaxSmallMsg); err != nil {
			return
		}
		p.mu.Lock()
		if c := p.cancels[req.ExecutionID]; c != nil {
			close(c)
			delete(p.cancels, req.ExecutionID)
		}
		p.mu.Unlock()
		_ = p2p.WriteMsg(s, market.CancelReply{})
	})
	return p
}

func (p *fakeProvider) id() string { return p.key.PeerID() }

// offer is its offer: room for one task of a job with links.
func (p *fakeProvider) offer() offer.Offer {
	one := job.Resources{CPU: 1000, Memory: 256 << 20, Disk: 256 << 20}
	return offer.Offer{Node: p.id(), Address: p.key.Address(), Seq: 1, Free: one, Total: one,
		Prices: offer.Prices{CPUHour: p.price}, Executors: []string{"docker"}, Links: true, Expires: time.Now().Add(time.Hour)}
}

func (p *fakeProvider) tasks() []market.TaskRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sent)
}

// gangFixture is a requester with the real store and scheduler whose
// catalog holds the offers of providers, each connected.
func gangFixture(t *testing.T, providers ...*fakeProvider) *Requester {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reqKey, reqHost := newKeyHost(t)
	cat := offer.NewCatalog(time.Now)
	for _, p := range providers {
		cat.PutVerified(p.offer())
		if err := reqHost.Connect(ctx, p.host.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
	}
	r, err := New(ctx, Config{Host: reqHost, Store: st, Key: reqKey, DataDir: t.TempDir(), Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// linkedSpec is a job of two linked tasks with maxAttempts 1.
func linkedSpec(queueTimeout time.Duration) job.Spec {
	return job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Tasks: 2, MaxAttempts: 1,
		Network: job.NetworkPolicy{Links: true}, Command: []string{"true"}, QueueTimeout: job.Duration(queueTimeout),
		Resources: job.Resources{CPU: 1000, Memory: 128 << 20, Disk: 64 << 20}}
}

// waitGang waits for gang id to end and returns it with its events.
func waitGang(t *testing.T, r *Requester, id string, within time.Duration) (store.Job, string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(within)
	for {
		g, err := r.cfg.Store.GetJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if g.State.Terminal() {
			evs, err := r.cfg.Store.Events(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, e := range evs {
				b.WriteString(e.Message + "\n")
			}
			return g, b.String()
		}
		if time.Now().After(deadline) {
			t.Fatalf("gang still %s after %s", g.State, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGangRefusalUsesNoAttempt: the cheapest provider refuses the task it
// is sent (busy). With maxAttempts 1 the gang is placed again, leaving that
// provider out, on a job network of its own, and completes; the refusal
// used up no attempt.
func TestGangRefusalUsesNoAttempt(t *testing.T) {
	busy := newFakeProvider(t, money.Unit/100, true, 0)
	p2, p3 := newFakeProvider(t, money.Unit/10, false, 0), newFakeProvider(t, money.Unit/5, false, 0)
	r := gangFixture(t, busy, p2, p3)
	g, err := r.Submit(context.Background(), linkedSpec(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got, events := waitGang(t, r, g.ID, 30*time.Second)
	if got.State != job.StateCompleted {
		t.Fatalf("gang %s: %s\nevents:\n%s", got.State, got.Error, events)
	}
	if n := len(busy.tasks()); n != 1 {
		t.Fatalf("the busy provider was sent %d tasks, want 1 (then left out)", n)
	}
	if !strings.Contains(events, "refused it when it was sent (busy: every slot is taken); placing every task again without it, which uses up no attempt") {
		t.Fatalf("events do not say the refusal used up no attempt:\n%s", events)
	}
	// The second placement: one task on each of p2 and p3, its own job
	// network (attempt 2 on the wire), neither naming the busy provider.
	var second []market.TaskRequest
	for _, p := range []*fakeProvider{p2, p3} {
		for _, req := range p.tasks() {
			if req.Attempt == 2 {
				second = append(second, req)
			}
		}
	}
	if len(second) != 2 {
		t.Fatalf("%d tasks of the second placement, want 2: p2 got %+v, p3 %+v", len(second), p2.tasks(), p3.tasks())
	}
	for _, req := range second {
		if slices.Contains(req.Members, busy.id()) || len(req.Members) != 2 {
			t.Fatalf("second placement's members %v include the busy provider", req.Members)
		}
	}
	tasks, err := r.Tasks(context.Background(), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tasks {
		if tk.State != job.StateCompleted || tk.Provider == busy.id() {
			t.Fatalf("task %d: %s on %s", tk.TaskIndex, tk.State, tk.Provider)
		}
	}
}

// TestGangStartedFailureUsesAttempt: a task that started and then failed
// (exit code 1) still uses up the attempt: with maxAttempts 1 the gang
// fails without being placed again.
func TestGangStartedFailureUsesAttempt(t *testing.T) {
	p1, p2 := newFakeProvider(t, money.Unit/100, false, 1), newFakeProvider(t, money.Unit/10, false, 1)
	r := gangFixture(t, p1, p2)
	g, err := r.Submit(context.Background(), linkedSpec(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got, events := waitGang(t, r, g.ID, 30*time.Second)
	if got.State != job.StateFailed || !strings.Contains(got.Error, "gang attempt 1 of 1: no attempts left") {
		t.Fatalf("gang %s: %q\nevents:\n%s", got.State, got.Error, events)
	}
	if n := len(p1.tasks()) + len(p2.tasks()); n != 2 {
		t.Fatalf("%d tasks sent, want 2 (one placement)", n)
	}
}

// TestGangRefusedEverywhereFailsInQueueTimeout: every provider refuses:
// the gang is placed again and again within its queue timeout, then fails
// saying so, having used up no attempt.
func TestGangRefusedEverywhereFailsInQueueTimeout(t *testing.T) {
	p1, p2 := newFakeProvider(t, money.Unit/100, true, 0), newFakeProvider(t, money.Unit/10, true, 0)
	r := gangFixture(t, p1, p2)
	start := time.Now()
	g, err := r.Submit(context.Background(), linkedSpec(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	got, events := waitGang(t, r, g.ID, 30*time.Second)
	if got.State != job.StateFailed || !strings.Contains(got.Error, "no set of providers took every task within the queue timeout, 3s") ||
		strings.Contains(got.Error, "no attempts left") {
		t.Fatalf("gang %s: %q\nevents:\n%s", got.State, got.Error, events)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("failed after %s, queue timeout 3s", d)
	}
	if n := len(p1.tasks()) + len(p2.tasks()); n < 4 {
		t.Fatalf("%d tasks sent, want the gang placed more than once", n)
	}
}
