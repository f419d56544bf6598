package provider

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// fakeExec is an executor whose tasks exit 0 at once (or, when block is
// set, once it closes); it counts starts.
type fakeExec struct {
	started atomic.Int32
	block   chan struct{}
}

func (f *fakeExec) Name() string                             { return job.ExecutorDocker }
func (f *fakeExec) Prepare(context.Context, exec.Task) error { return nil }
func (f *fakeExec) Start(context.Context, exec.Task) error {
	f.started.Add(1)
	return nil
}
func (f *fakeExec) Wait(ctx context.Context, _ string) (exec.Result, error) {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return exec.Result{}, ctx.Err()
		}
	}
	return exec.Result{ExitCode: 0}, nil
}
func (f *fakeExec) Logs(context.Context, string, bool) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}
func (f *fakeExec) Kill(context.Context, string) error   { return nil }
func (f *fakeExec) Remove(context.Context, string) error { return nil }

// hostileEnv is a selling provider on loopback, a requester host connected
// to it, and a stranger host (another peer with its own key).
type hostileEnv struct {
	p         *Provider
	st        *store.Store
	ex        *fakeExec
	clock     *fakeClock
	provKey   *identity.Key
	prov      *p2p.Host
	reqKey    *identity.Key
	req       *p2p.Host
	otherKey  *identity.Key
	other     *p2p.Host
	requestTO time.Duration
}

func newHostileEnv(t *testing.T) *hostileEnv {
	t.Helper()
	return newHostileEnvWith(t, nil)
}

// newHostileEnvWith is newHostileEnv with configure changing the
// provider's config (the keys and hosts are made by then).
func newHostileEnvWith(t *testing.T, configure func(e *hostileEnv, c *Config)) *hostileEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "deco.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &hostileEnv{st: st, ex: &fakeExec{}, clock: &fakeClock{t: time.Now()}, requestTO: 300 * time.Millisecond}
	e.provKey, e.prov = newHost(t)
	e.reqKey, e.req = newHost(t)
	e.otherKey, e.other = newHost(t)
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := Config{Logger: logger, Clock: e.clock.now, Key: e.provKey, Host: e.prov, Store: st, DataDir: dir,
		Executors: map[string]exec.Executor{job.ExecutorDocker: e.ex}, DiskQuota: DiskQuotaCheck, RequestTimeout: e.requestTO}
	if configure != nil {
		configure(e, &cfg)
	}
	e.p, err = New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.p.Close() })
	const gib = 1 << 30
	if err := e.p.SetOnboarding(ctx, Onboarding{
		Machine: inventory.Machine{CPUCores: 4, Memory: 8 * gib, DiskTotal: 100 * gib, DiskFree: 100 * gib},
		Policy:  Policy{Share: inventory.Share{CPU: 2000, Memory: 2 * gib, Disk: 10 * gib}, Prices: offer.Prices{CPUHour: money.Unit / 10}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.issue(); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*p2p.Host{e.req, e.other} {
		if err := h.Connect(ctx, e.prov.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func testSpec() job.Spec {
	s := job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"},
		Resources: job.Resources{CPU: 500, Memory: 256 << 20, Disk: 64 << 20}, Timeout: job.Duration(time.Minute)}
	s.ApplyDefaults()
	return s
}

// quote asks the provider for a quote from h (whose key is k).
func (e *hostileEnv) quote(t *testing.T, h *p2p.Host, k *identity.Key) (market.QuoteRequest, market.Quote) {
	t.Helper()
	spec := testSpec()
	req := market.QuoteRequest{JobID: job.NewID(), ExecutionID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec), RequesterAddress: k.Address()}
	var reply market.QuoteReply
	if err := h.Request(t.Context(), e.prov.ID(), p2p.ProtocolID(market.ProtoQuote, 1), req, &reply, market.MaxTaskEvent); err != nil {
		t.Fatal(err)
	}
	if reply.Quote == nil {
		t.Fatalf("no quote: %s", reply.Error)
	}
	return req, *reply.Quote
}

// runTask sends a task request from h and reads its events to the end;
// it returns the first event and the last.
func (e *hostileEnv) runTask(t *testing.T, h *p2p.Host, req market.TaskRequest) (first, last market.TaskEvent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	s, err := h.OpenStream(ctx, e.prov.ID(), p2p.ProtocolID(market.ProtoTask, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(20 * time.Second))
	if err := p2p.WriteMsg(s, req); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		var ev market.TaskEvent
		if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
			t.Fatalf("task stream ended after %d events (last %+v): %v", i, last, err)
		}
		if i == 0 {
			first = ev
		}
		last = ev
		if ev.Type == market.EventRejected || ev.Type == market.EventExited {
			return first, last
		}
	}
}

func taskRequest(qr market.QuoteRequest, d *market.Deal) market.TaskRequest {
	return market.TaskRequest{JobID: qr.JobID, ExecutionID: qr.ExecutionID, Spec: qr.Spec, SpecDigest: qr.SpecDigest, Deal: d}
}

// frame is a length prefix of n followed by body.
func frame(n uint32, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, n)
	return append(b, body...)
}

// exchangeRaw writes payload on a new stream of proto from h (closing its
// write side when closeWrite), then reads what comes back until the
// provider closes or resets the stream. It fails the test when the
// provider neither answers nor closes within limit.
func (e *hostileEnv) exchangeRaw(t *testing.T, h *p2p.Host, proto protocol.ID, payload []byte, closeWrite bool, limit time.Duration) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s, err := h.OpenStream(ctx, e.prov.ID(), proto)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	start := time.Now()
	_ = s.SetDeadline(start.Add(limit))
	if len(payload) > 0 {
		if _, err := s.Write(payload); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if closeWrite {
		_ = s.CloseWrite()
	}
	var buf bytes.Buffer
	_, err = io.Copy(&buf, s)
	if err != nil && time.Since(start) >= limit {
		t.Fatalf("%s: stream neither answered nor closed within %s (read %d bytes)", proto, limit, buf.Len())
	}
	return buf.Bytes()
}

// protoCase is one provider protocol: how to tell a refusal in its reply
// and how a valid request with an unknown field looks.
type protoCase struct {
	name    string
	unknown string
	// refused reports whether reply (possibly empty: the stream closed)
	// is a refusal.
	refused func(reply []byte) bool
}

func decodeReply(reply []byte, v any) bool {
	if len(reply) < 4 {
		return false
	}
	return json.Unmarshal(reply[4:4+min(int(binary.BigEndian.Uint32(reply)), len(reply)-4)], v) == nil
}

func providerProtocols() []protoCase {
	rejectedEvent := func(reply []byte) bool {
		var ev market.TaskEvent
		return len(reply) == 0 || decodeReply(reply, &ev) && ev.Type == market.EventRejected && ev.Message != ""
	}
	return []protoCase{
		{name: market.ProtoOffer, unknown: `{"bogus":1}`, refused: func(reply []byte) bool { return len(reply) == 0 }},
		{name: market.ProtoQuote, unknown: `{"jobId":"j","executionId":"x","bogus":1}`, refused: func(reply []byte) bool {
			var r market.QuoteReply
			return len(reply) == 0 || decodeReply(reply, &r) && r.Quote == nil && r.Error != ""
		}},
		{name: market.ProtoTask, unknown: `{"jobId":"j","executionId":"x","bogus":1}`, refused: rejectedEvent},
		{name: market.ProtoAttach, unknown: `{"executionId":"x","logOffset":0,"bogus":1}`, refused: rejectedEvent},
		{name: market.ProtoResult, unknown: `{"executionId":"x","bogus":1}`, refused: func(reply []byte) bool {
			var r market.ResultHeader
			return len(reply) == 0 || decodeReply(reply, &r) && r.Error != "" && r.Digest == ""
		}},
		{name: market.ProtoCancel, unknown: `{"executionId":"x","bogus":1}`, refused: func(reply []byte) bool {
			var r market.CancelReply
			return len(reply) == 0 || decodeReply(reply, &r) && r.Error != ""
		}},
	}
}

// healthy checks that the provider still answers normal requests on every
// protocol and that nothing hostile left state behind.
func (e *hostileEnv) healthy(t *testing.T, wantStarted int32) {
	t.Helper()
	var or market.OfferReply
	if err := e.req.Request(t.Context(), e.prov.ID(), p2p.ProtocolID(market.ProtoOffer, 1), struct{}{}, &or, market.MaxOfferSize); err != nil || or.Offer == nil {
		t.Fatalf("offer after hostile input: %+v, %v", or, err)
	}
	var cr market.CancelReply
	if err := e.req.Request(t.Context(), e.prov.ID(), p2p.ProtocolID(market.ProtoCancel, 1), market.CancelRequest{ExecutionID: "nope"}, &cr, market.MaxSmallMsg); err != nil || !strings.Contains(cr.Error, "not running") {
		t.Fatalf("cancel after hostile input: %+v, %v", cr, err)
	}
	qr, q := e.quote(t, e.req, e.reqKey)
	d, err := market.Accept(q, e.reqKey)
	if err != nil {
		t.Fatal(err)
	}
	first, last := e.runTask(t, e.req, taskRequest(qr, &d))
	if first.Type != market.EventAccepted || last.Type != market.EventExited || last.State != job.StateCompleted {
		t.Fatalf("task after hostile input: first %+v, last %+v", first, last)
	}
	if got := e.ex.started.Load(); got != wantStarted+1 {
		t.Fatalf("%d executions started, want %d (hostile input must start none)", got, wantStarted+1)
	}
	waitIdle(t, e.p)
}

// waitIdle waits until the provider holds no execution or reservation.
func waitIdle(t *testing.T, p *Provider) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Running() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d executions or reservations still held", p.Running())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitReleased waits until the provider no longer holds execution id.
func waitReleased(t *testing.T, p *Provider, id string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p.mu.Lock()
		_, held := p.running[id]
		p.mu.Unlock()
		if !held {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still held", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHostileFrames sends every provider protocol garbage, truncated
// frames, oversized length prefixes, unknown fields and silence: each is
// refused or closed promptly, nothing is admitted, and the provider then
// serves normal requests on every protocol.
func TestHostileFrames(t *testing.T) {
	e := newHostileEnv(t)
	noise := make([]byte, 256)
	_, _ = rand.Read(noise)
	noise[0] = 0x7f // a length prefix far above every cap
	frames := []struct {
		name       string
		payload    func(pc protoCase) []byte
		closeWrite bool
	}{
		{name: "random bytes", payload: func(protoCase) []byte { return noise }, closeWrite: true},
		{name: "not json", payload: func(protoCase) []byte { return frame(11, []byte("not json!!!")) }, closeWrite: true},
		{name: "two json values", payload: func(protoCase) []byte { return frame(4, []byte("{}{}")) }, closeWrite: true},
		{name: "truncated frame", payload: func(protoCase) []byte { return frame(100, []byte(`{"jobId":`)) }, closeWrite: true},
		{name: "truncated prefix", payload: func(protoCase) []byte { return []byte{0, 0} }, closeWrite: true},
		// The stream stays open: the cap must refuse before waiting for 4 GiB.
		{name: "oversized length prefix", payload: func(protoCase) []byte { return frame(0xffffffff, []byte("{")) }},
		{name: "length one past the cap", payload: func(protoCase) []byte { return frame(market.MaxTaskRequest+1, nil) }},
		{name: "unknown field", payload: func(pc protoCase) []byte { return frame(uint32(len(pc.unknown)), []byte(pc.unknown)) }, closeWrite: true},
		{name: "empty body", payload: func(protoCase) []byte { return frame(0, nil) }, closeWrite: true},
		{name: "end before any frame", payload: func(protoCase) []byte { return nil }, closeWrite: true},
		// Nothing at all, stream left open: the request timeout closes it.
		{name: "silent stream", payload: func(protoCase) []byte { return nil }},
	}
	for _, pc := range providerProtocols() {
		for _, f := range frames {
			t.Run(pc.name+"/"+f.name, func(t *testing.T) {
				reply := e.exchangeRaw(t, e.req, p2p.ProtocolID(pc.name, 1), f.payload(pc), f.closeWrite, e.requestTO+3*time.Second)
				if !pc.refused(reply) {
					t.Fatalf("reply %q is not a refusal", reply)
				}
			})
		}
	}
	if e.p.Running() != 0 {
		t.Fatalf("%d reservations after hostile frames", e.p.Running())
	}
	if active, err := e.st.ActiveExecutions(t.Context()); err != nil || len(active) != 0 {
		t.Fatalf("executions recorded by hostile frames: %v, %v", active, err)
	}
	e.healthy(t, 0)
}

// TestHostileConcurrentStreams opens many concurrent hostile streams on
// every protocol at once; the node stays up and then serves normally.
func TestHostileConcurrentStreams(t *testing.T) {
	e := newHostileEnv(t)
	var wg sync.WaitGroup
	for _, pc := range providerProtocols() {
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				h := e.req
				if i%2 == 1 {
					h = e.other
				}
				s, err := h.OpenStream(ctx, e.prov.ID(), p2p.ProtocolID(pc.name, 1))
				if err != nil {
					return // refused by the resource manager: fine
				}
				defer s.Reset()
				_ = s.SetDeadline(time.Now().Add(5 * time.Second))
				if i%3 == 0 {
					_, _ = s.Write(frame(11, []byte("not json!!!")))
					_ = s.CloseWrite()
				} // else silent
				_, _ = io.Copy(io.Discard, s)
			}()
		}
	}
	wg.Wait()
	e.healthy(t, 0)
}

// TestForgedAndReplayedDeals sends task requests whose deals are forged,
// bound to another peer or execution, expired, or replayed after use: each
// is rejected without starting anything, and a genuine deal still runs.
func TestForgedAndReplayedDeals(t *testing.T) {
	e := newHostileEnv(t)
	qr, q := e.quote(t, e.req, e.reqKey)
	h, err := q.Hash()
	if err != nil {
		t.Fatal(err)
	}
	otherSig, err := e.otherKey.SignHash(h)
	if err != nil {
		t.Fatal(err)
	}
	cheaper := q
	cheaper.Terms.PerHour, cheaper.Terms.MaxAmount = 1, 1 // provider signature no longer covers the terms
	cheapDeal, err := market.Accept(cheaper, e.reqKey)
	if err != nil {
		t.Fatal(err)
	}
	genuine, err := market.Accept(q, e.reqKey)
	if err != nil {
		t.Fatal(err)
	}
	otherExec := taskRequest(qr, &genuine)
	otherExec.ExecutionID = job.NewID()
	otherSpec := taskRequest(qr, &genuine)
	otherSpec.Spec.Command = []string{"cat", "/etc/shadow"}
	otherSpec.SpecDigest = job.Digest(otherSpec.Spec)
	// The stranger's own quote, countersigned by the stranger, sent by the
	// requester: the deal names another requester.
	oqr, oq := e.quote(t, e.other, e.otherKey)
	strangerDeal, err := market.Accept(oq, e.otherKey)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		from *p2p.Host
		req  market.TaskRequest
		want string
	}{
		{name: "no deal", from: e.req, req: taskRequest(qr, nil), want: "no deal"},
		{name: "requester signature by another key", from: e.req, req: taskRequest(qr, &market.Deal{Quote: q, RequesterSignature: otherSig}), want: "signature"},
		{name: "no requester signature", from: e.req, req: taskRequest(qr, &market.Deal{Quote: q}), want: "signature"},
		{name: "terms changed after the provider signed", from: e.req, req: taskRequest(qr, &cheapDeal), want: "signature"},
		{name: "genuine deal sent by another peer", from: e.other, req: taskRequest(qr, &genuine), want: "another requester"},
		{name: "another requester's deal", from: e.req, req: taskRequest(oqr, &strangerDeal), want: "another requester"},
		{name: "deal for another execution", from: e.req, req: otherExec, want: "do not match"},
		{name: "deal for another spec", from: e.req, req: otherSpec, want: "another spec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, _ := e.runTask(t, tc.from, tc.req)
			if ev.Type != market.EventRejected || !strings.Contains(ev.Message, tc.want) {
				t.Fatalf("got %+v, want a rejection saying %q", ev, tc.want)
			}
		})
	}
	if n := e.ex.started.Load(); n != 0 {
		t.Fatalf("%d executions started by forged deals", n)
	}
	if _, err := e.st.GetExecution(t.Context(), qr.ExecutionID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("forged deals recorded the execution: %v", err)
	}

	// The genuine deal runs once; sent again, it is refused.
	first, last := e.runTask(t, e.req, taskRequest(qr, &genuine))
	if first.Type != market.EventAccepted || last.State != job.StateCompleted {
		t.Fatalf("genuine deal: first %+v, last %+v", first, last)
	}
	waitReleased(t, e.p, qr.ExecutionID)
	ev, _ := e.runTask(t, e.req, taskRequest(qr, &genuine))
	if ev.Type != market.EventRejected || !strings.Contains(ev.Message, "no reservation") {
		t.Fatalf("replayed deal: %+v, want a rejection", ev)
	}
	if n := e.ex.started.Load(); n != 1 {
		t.Fatalf("the execution started %d times, want once", n)
	}

	// A deal made on a quote that has expired is refused.
	eqr, eq := e.quote(t, e.req, e.reqKey)
	ed, err := market.Accept(eq, e.reqKey)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.add(DefaultQuoteTTL + time.Second)
	ev, _ = e.runTask(t, e.req, taskRequest(eqr, &ed))
	if ev.Type != market.EventRejected || !strings.Contains(ev.Message, "expired") {
		t.Fatalf("expired deal: %+v, want a rejection", ev)
	}
	e.p.expireQuotes()
	e.healthy(t, 1)
}
