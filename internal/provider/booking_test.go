package provider

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// askQuote asks the provider for a quote of spec from h (key k).
func (e *hostileEnv) askQuote(t *testing.T, h *p2p.Host, k *identity.Key, jobID string, spec job.Spec) (market.QuoteRequest, *market.Quote, string) {
	t.Helper()
	req := market.QuoteRequest{JobID: jobID, ExecutionID: job.NewID(), Spec: spec, SpecDigest: job.Digest(spec), RequesterAddress: k.Address()}
	var reply market.QuoteReply
	if err := h.Request(t.Context(), e.prov.ID(), p2p.ProtocolID(market.ProtoQuote, 1), req, &reply, market.MaxTaskEvent); err != nil {
		t.Fatal(err)
	}
	return req, reply.Quote, reply.Error
}

// startTask sends a dealt task from the requester and returns its events.
func (e *hostileEnv) startTask(t *testing.T, qr market.QuoteRequest, q *market.Quote) <-chan market.TaskEvent {
	t.Helper()
	d, err := market.Accept(*q, e.reqKey)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.req.OpenStream(t.Context(), e.prov.ID(), p2p.ProtocolID(market.ProtoTask, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := p2p.WriteMsg(s, taskRequest(qr, &d)); err != nil {
		t.Fatal(err)
	}
	events := make(chan market.TaskEvent, 64)
	go func() {
		defer close(events)
		defer s.Close()
		for {
			var ev market.TaskEvent
			if err := p2p.ReadMsg(s, &ev, market.MaxTaskEvent); err != nil {
				return
			}
			events <- ev
			if ev.Type == market.EventRejected || ev.Type == market.EventExited {
				return
			}
		}
	}()
	return events
}

// until reads events until one in state (or the end); it returns it.
func until(t *testing.T, events <-chan market.TaskEvent, done func(market.TaskEvent) bool) market.TaskEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the task stream ended first")
			}
			if done(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("timed out waiting for a task event")
		}
	}
}

func isRunning(ev market.TaskEvent) bool { return ev.State == job.StateRunning }
func hasExited(ev market.TaskEvent) bool {
	return ev.Type == market.EventExited || ev.Type == market.EventRejected
}

// TestBookingAdmission holds a booking reservation on a provider and
// checks what it admits into it: its requester's jobs within its capacity,
// priced at zero and not taken from the node's free capacity; not a job
// asking more than it holds, a stranger's, or one into an unknown
// booking. Cancelling the booking stops the job running in it and a job
// arriving after is refused.
func TestBookingAdmission(t *testing.T) {
	e := newHostileEnv(t)
	e.ex.block = make(chan struct{}) // booked jobs run until stopped
	booking := job.Spec{APIVersion: job.APIVersion, Kind: job.KindBooking, Timeout: job.Duration(time.Hour),
		Resources: job.Resources{CPU: 1000, Memory: 1 << 30, Disk: 1 << 30}}
	booking.ApplyDefaults()
	bookingID := job.NewID()
	qr, q, msg := e.askQuote(t, e.req, e.reqKey, bookingID, booking)
	if q == nil {
		t.Fatalf("booking not quoted: %s", msg)
	}
	if q.Terms.PerHour == 0 || q.Terms.MaxAmount != q.Terms.PerHour {
		t.Fatalf("booking terms %+v: want its per-hour price for the one-hour window", q.Terms)
	}
	reservation := e.startTask(t, qr, q)
	until(t, reservation, isRunning)
	freeCPU := func() job.MilliCPU {
		o, err := e.p.issue()
		if err != nil {
			t.Fatal(err)
		}
		return o.Free.CPU
	}
	free := freeCPU()
	if free != 1000 {
		t.Fatalf("free CPU with the booking held: %s, want 1 core of 2", free)
	}

	into := func(cpu job.MilliCPU, booking string) job.Spec {
		s := testSpec()
		s.Resources.CPU, s.Booking = cpu, booking
		s.ApplyDefaults()
		return s
	}
	jr, jq, msg := e.askQuote(t, e.req, e.reqKey, job.NewID(), into(500, bookingID))
	if jq == nil {
		t.Fatalf("job into the booking not quoted: %s", msg)
	}
	if jq.Terms.PerHour != 0 || jq.Terms.Fixed != 0 || jq.Terms.MaxAmount != 0 {
		t.Fatalf("job into the booking priced %+v: the booking pays for its time", jq.Terms)
	}
	if got := freeCPU(); got != free {
		t.Fatalf("free CPU after quoting a job into the booking: %s, want %s (it runs in the booking's)", got, free)
	}
	for _, tc := range []struct {
		name string
		host *p2p.Host
		key  *identity.Key
		spec job.Spec
		want string
	}{
		{"more than the booking holds", e.req, e.reqKey, into(1000, bookingID), "booking " + bookingID + " holds 1 CPU"},
		{"a stranger", e.other, e.otherKey, into(100, bookingID), "no reservation of yours"},
		{"an unknown booking", e.req, e.reqKey, into(100, job.NewID()), "no reservation of yours"},
	} {
		if _, q, msg := e.askQuote(t, tc.host, tc.key, job.NewID(), tc.spec); q != nil || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: quoted %v (%q), want refused with %q", tc.name, q != nil, msg, tc.want)
		}
	}
	booked := e.startTask(t, jr, jq)
	until(t, booked, isRunning)

	if err := e.p.cancel(context.Background(), qr.ExecutionID, e.reqKey.PeerID()); err != nil {
		t.Fatal(err)
	}
	if ev := until(t, reservation, hasExited); ev.State != job.StateCancelled {
		t.Fatalf("cancelled booking ended %s (%s)", ev.State, ev.Message)
	}
	if ev := until(t, booked, hasExited); ev.State != job.StateFailed || !strings.Contains(ev.Message, "the booking it ran in ended") {
		t.Fatalf("job in the cancelled booking ended %s (%q)", ev.State, ev.Message)
	}
	if _, q, msg := e.askQuote(t, e.req, e.reqKey, job.NewID(), into(100, bookingID)); q != nil || !strings.Contains(msg, "no reservation of yours") {
		t.Fatalf("a job into the ended booking: quoted %v (%q)", q != nil, msg)
	}
	r, err := e.st.Reservation(t.Context(), qr.ExecutionID)
	if err != nil || r.EndedAt == nil || r.Booking != bookingID {
		t.Fatalf("the reservation's record: %+v, %v", r, err)
	}
	waitIdle(t, e.p)
	if got := freeCPU(); got != 2000 {
		t.Fatalf("free CPU once the booking ended: %s, want all of it", got)
	}
}

// TestBookingReachesItsDeadline: a reservation ends by itself at the end
// of its window, completed.
func TestBookingReachesItsDeadline(t *testing.T) {
	e := newHostileEnv(t)
	booking := job.Spec{APIVersion: job.APIVersion, Kind: job.KindBooking, Timeout: job.Duration(time.Second),
		Resources: job.Resources{CPU: 500, Memory: 256 << 20, Disk: 64 << 20}}
	booking.ApplyDefaults()
	qr, q, msg := e.askQuote(t, e.req, e.reqKey, job.NewID(), booking)
	if q == nil {
		t.Fatalf("booking not quoted: %s", msg)
	}
	events := e.startTask(t, qr, q)
	until(t, events, isRunning)
	if ev := until(t, events, hasExited); ev.State != job.StateCompleted {
		t.Fatalf("booking at its deadline ended %s (%s)", ev.State, ev.Message)
	}
}

// TestBookingHandsOutItsGPUs: a reservation holds the GPUs it was given,
// and the jobs in its booking get theirs from those, one job's not
// another's, until none is left.
func TestBookingHandsOutItsGPUs(t *testing.T) {
	gpus := []inventory.GPU{
		{Index: 0, UUID: "GPU-t4-0", Vendor: inventory.VendorNVIDIA, Model: "Tesla T4"},
		{Index: 1, UUID: "GPU-a100-1", Vendor: inventory.VendorNVIDIA, Model: "NVIDIA A100-SXM4-80GB"},
		{Index: 2, UUID: "GPU-t4-2", Vendor: inventory.VendorNVIDIA, Model: "Tesla T4"},
		{Index: 3, UUID: "GPU-a100-3", Vendor: inventory.VendorNVIDIA, Model: "NVIDIA A100-SXM4-80GB"},
	}
	p := &Provider{ledger: inventory.NewLedger(job.Resources{CPU: 8000, Memory: 32 << 30, Disk: 100 << 30, GPUs: 4}, gpus),
		held: map[string]*held{}, now: time.Now}
	booking := job.Spec{APIVersion: job.APIVersion, Kind: job.KindBooking, Timeout: job.Duration(time.Hour),
		Resources: job.Resources{CPU: 4000, Memory: 8 << 30, Disk: 10 << 30, GPUs: 2, GPU: job.GPUSelector{Model: "A100"}}}
	alloc, err := p.ledger.Reserve("reservation", booking.Resources)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range alloc.GPUs {
		if !strings.HasPrefix(id, "GPU-a100") {
			t.Fatalf("the reservation of 2 A100s holds %v", alloc.GPUs)
		}
	}
	now := time.Now()
	p.mu.Lock()
	p.openHeldLocked(store.Execution{ID: "reservation", Spec: booking},
		store.Reservation{Execution: "reservation", Booking: "b", Requester: "r", StartedAt: now, EndsAt: now.Add(time.Hour)})
	p.mu.Unlock()
	into := func(gpus int) *job.Spec {
		return &job.Spec{Booking: "b", Resources: job.Resources{CPU: 1000, Memory: 1 << 30, Disk: 1 << 30, GPUs: gpus}}
	}
	admit := func(id string, gpus int) (inventory.Allocation, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.admitBookedLocked(id, into(gpus), "r")
	}
	a1, err := admit("job1", 1)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := admit("job2", 1)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{a1.GPUs[0], a2.GPUs[0]}
	if got[0] == got[1] || !slices.Contains(alloc.GPUs, got[0]) || !slices.Contains(alloc.GPUs, got[1]) {
		t.Fatalf("the jobs got GPUs %v; the reservation holds %v", got, alloc.GPUs)
	}
	if _, err := admit("job3", 1); err == nil || !strings.Contains(err.Error(), "2 GPUs") {
		t.Fatalf("a third GPU job in a booking of 2: %v", err)
	}
	p.mu.Lock()
	released := p.releaseBookedLocked("job1")
	p.mu.Unlock()
	if !released {
		t.Fatal("job1 was not in the booking")
	}
	if a3, err := admit("job3", 1); err != nil || a3.GPUs[0] != got[0] {
		t.Fatalf("after job1 ended: %+v, %v (want its GPU %s)", a3, err, got[0])
	}
	// The node's own ledger still holds the reservation, and nothing more.
	if free, _ := p.ledger.Free(); free.GPUs != 2 || free.CPU != 4000 {
		t.Fatalf("the node's free capacity %+v, want what the reservation left", free)
	}
	if _, ok := p.allocationLocked("job2"); !ok {
		t.Fatal("job2's allocation is not found")
	}
}
