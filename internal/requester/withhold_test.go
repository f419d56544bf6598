package requester

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// beside starts paying another execution on the fixture's channel: a job
// row of spec with parent and role, under its own deal.
func (f *payFixture) beside(spec job.Spec, parent, role string) (*store.Job, *market.Deal) {
	f.t.Helper()
	q := f.q
	q.JobID, q.ExecutionID = job.NewID(), job.NewID()
	if err := q.SignAsProvider(f.provKey); err != nil {
		f.t.Fatal(err)
	}
	d, err := market.Accept(q, f.reqKey)
	if err != nil {
		f.t.Fatal(err)
	}
	spec.ApplyDefaults()
	j := &store.Job{ID: q.JobID, ExecutionID: q.ExecutionID, Spec: spec, SpecDigest: job.Digest(spec), State: job.StateRunning,
		CreatedAt: f.start, UpdatedAt: f.start, Parent: parent, Role: role}
	if err := f.st.CreateJob(f.ctx, *j); err != nil {
		f.t.Fatal(err)
	}
	f.r.startPaying(f.ctx, j.ExecutionID, &d, f.start)
	return j, &d
}

// TestVerifiedFinalIntervalHeld: the final report of a verified job's run
// and of its validator's run are held (no voucher), and left out of the
// vouchers of another execution on the same channel; when the
// verification decides, the run that did not lose is paid on /deco/pay/1
// by a voucher that adds exactly its held amount, the one that lost is
// withheld for good, and a validator's final report that comes after the
// decision is paid at once.
func TestVerifiedFinalIntervalHeld(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	verified := job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}, Timeout: job.Duration(time.Hour),
		Verification: "replicate(1)", Deterministic: true}
	f := newPayFixture(t, ctx, verified)
	if !verifiedJob(f.j) {
		t.Fatal("the fixture's job is not verified")
	}
	late := make(chan market.Payment, 8)
	f.provHost.Handle(p2p.ProtocolID(market.ProtoPay, 1), 5*time.Second, func(_ context.Context, s network.Stream) {
		var pay market.Payment
		if err := p2p.ReadMsg(s, &pay, market.MaxPayment); err != nil {
			return
		}
		late <- pay
		_ = p2p.WriteMsg(s, market.PayReply{})
	})
	due := func(ms uint64) money.Amount { return market.AmountDue(f.q.Terms, ms) }
	report := func(d *market.Deal, seq, ms uint64, final bool) *market.UsageReport {
		t.Helper()
		u, err := market.NewUsageReport(f.provKey, d, seq, time.Duration(ms)*time.Millisecond, final)
		if err != nil {
			t.Fatal(err)
		}
		return &u
	}
	paidNow := func(want money.Amount) {
		t.Helper()
		p := f.paid(2 * time.Second)
		if p == nil || p.Voucher.Cumulative != want {
			t.Fatalf("voucher %+v, want one for %s", p, want)
		}
	}
	notPaid := func() {
		t.Helper()
		if p := f.paid(300 * time.Millisecond); p != nil {
			t.Fatalf("a held report was paid: %+v", p)
		}
	}
	held := func(want money.Amount) {
		t.Helper()
		if got, err := f.st.HeldTotal(ctx, store.RoleRequester, f.reqKey.Address(), f.provKey.Address()); err != nil || got != want {
			t.Fatalf("held on the channel %s (%v), want %s", got, err, want)
		}
	}

	r1 := f.report(f.provKey, 1, 30_000)
	f.deliver(market.TaskEvent{Type: market.EventUsage, Usage: &r1})
	paidNow(due(30_000))
	f.deliver(market.TaskEvent{Type: market.EventUsage, Usage: report(&f.d, 2, 50_000, true)})
	notPaid()
	ownHeld := due(50_000) - due(30_000)
	held(ownHeld)
	if h, err := f.st.GetHold(ctx, store.RoleRequester, f.j.ExecutionID); err != nil || h.Node != f.provHost.ID().String() || h.JobID != f.j.ID || h.Amount != ownHeld {
		t.Fatalf("hold = %+v, %v", h, err)
	}

	// Another job's execution on the same channel: paid, the hold left out.
	other, od := f.beside(job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}, Timeout: job.Duration(time.Hour)}, "", "")
	f.r.pay(ctx, other, f.s, report(od, 1, 10_000, false), nil)
	paidNow(due(30_000) + due(10_000))
	// The job's validator (here on the same channel): its final report
	// is held too, for the same verification.
	val, vd := f.beside(verified, f.j.ID, store.RoleValidator)
	f.r.pay(ctx, val, f.s, report(vd, 1, 20_000, true), nil)
	notPaid()
	held(ownHeld + due(20_000))

	// The decision: the validator lost, the job's run did not.
	withheld, notes := f.r.settleHolds(ctx, f.j.ID, map[string]bool{val.ExecutionID: true})
	if len(notes) != 0 || len(withheld) != 1 || withheld[val.ExecutionID] != due(20_000) {
		t.Fatalf("withheld %v, notes %v", withheld, notes)
	}
	select {
	case p := <-late:
		if want := due(30_000) + due(10_000) + ownHeld; p.Execution != f.j.ExecutionID || p.Seq != 2 || p.Voucher.Cumulative != want {
			t.Fatalf("late payment %+v, want execution %s seq 2 for %s", p, f.j.ExecutionID, want)
		}
		if err := f.r.cfg.Settlement.VerifyVoucher(p.Voucher); err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the released payment never came")
	}
	held(due(20_000)) // withheld for good
	if h, _ := f.st.GetHold(ctx, store.RoleRequester, val.ExecutionID); h.State != store.HoldWithheld {
		t.Fatalf("the loser's hold is %s", h.State)
	}
	// Decided once: nothing more is delivered.
	if _, notes := f.r.settleHolds(ctx, f.j.ID, nil); len(notes) != 0 {
		t.Fatal(notes)
	}
	select {
	case p := <-late:
		t.Fatalf("paid again: %+v", p)
	case <-time.After(300 * time.Millisecond):
	}

	// After the decision a late validator's final report is paid at once,
	// and the withheld amount stays out of every voucher.
	val2, vd2 := f.beside(verified, f.j.ID, store.RoleValidator)
	f.r.pay(ctx, val2, f.s, report(vd2, 1, 5_000, true), nil)
	paidNow(due(30_000) + due(10_000) + ownHeld + due(5_000))
	f.r.pay(ctx, other, f.s, report(od, 2, 15_000, false), nil)
	paidNow(due(30_000) + due(15_000) + ownHeld + due(5_000))
	if total, _ := f.r.ChannelTotal(ctx, f.provKey.Address()); total != due(30_000)+due(15_000)+ownHeld+due(5_000) {
		t.Fatalf("channel total %s", total)
	}
}

// TestHeldPaymentSurvivesRestart: a hold made before the requester
// restarts is still left out of the channel's vouchers after it, and the
// restarted requester releases it when the verification decides.
func TestHeldPaymentSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := newPayFixture(t, ctx, job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"},
		Timeout: job.Duration(time.Hour), Verification: "replicate(1)", Deterministic: true})
	late := make(chan market.Payment, 4)
	f.provHost.Handle(p2p.ProtocolID(market.ProtoPay, 1), 5*time.Second, func(_ context.Context, s network.Stream) {
		var pay market.Payment
		if err := p2p.ReadMsg(s, &pay, market.MaxPayment); err == nil {
			late <- pay
			_ = p2p.WriteMsg(s, market.PayReply{})
		}
	})
	due := func(ms uint64) money.Amount { return market.AmountDue(f.q.Terms, ms) }
	r1 := f.report(f.provKey, 1, 30_000)
	f.deliver(market.TaskEvent{Type: market.EventUsage, Usage: &r1})
	if p := f.paid(2 * time.Second); p == nil || p.Voucher.Cumulative != due(30_000) {
		t.Fatalf("first report paid %+v", p)
	}
	final, err := market.NewUsageReport(f.provKey, &f.d, 2, 50*time.Second, true)
	if err != nil {
		t.Fatal(err)
	}
	f.deliver(market.TaskEvent{Type: market.EventUsage, Usage: &final})
	if p := f.paid(300 * time.Millisecond); p != nil {
		t.Fatalf("the final report was paid: %+v", p)
	}
	// Restart: a new requester on the same store (the job ended meanwhile,
	// so that nothing resumes on its own).
	cfg := f.r.cfg
	f.r.Close()
	done := *f.j
	done.State = job.StateCompleted
	if err := f.st.UpdateJob(ctx, done, "done"); err != nil {
		t.Fatal(err)
	}
	r2, err := New(ctx, Config{Host: cfg.Host, Store: f.st, Key: f.reqKey, DataDir: t.TempDir(), Clock: cfg.Clock,
		Settlement: cfg.Settlement, Escrow: cfg.Escrow})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	r2.payMu.Lock()
	owed, err := r2.owed(ctx, f.provKey.Address())
	r2.payMu.Unlock()
	if err != nil || owed != due(30_000) {
		t.Fatalf("after the restart the channel owes %s (%v), want %s: the hold was lost", owed, err, due(30_000))
	}
	if _, notes := r2.settleHolds(ctx, f.j.ID, nil); len(notes) != 0 {
		t.Fatal(notes)
	}
	select {
	case p := <-late:
		if p.Execution != f.j.ExecutionID || p.Voucher.Cumulative != due(50_000) {
			t.Fatalf("late payment %+v, want %s", p, due(50_000))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the restarted requester never paid the held interval")
	}
}
