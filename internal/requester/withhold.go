package requester

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// Payment held for verification, the requester's side: the final usage
// report of a verified task's run (the job's own run and each
// validator's) is recorded like any other, but no voucher pays it until
// the job's verification decides. What the final report adds to the
// execution's amount due is held: every voucher on the channel is its
// usage total less the amounts held and withheld (as with a failed
// time-lock interval), so a held amount never leaks into a later voucher.
// When the verification decides, every runner that did not lose is
// released: this node signs a voucher for the channel's new total and
// delivers it on /deco/pay/1 (the task stream closed long before). A
// runner that lost (revealed another result than the one decided, or
// nothing valid) is withheld for good. A verification that ends without
// a decision (the job failed or was cancelled, a dispute found no
// quorum) releases everyone: nobody lost. The holds are kept in the
// store, so a restart keeps them.

// holdSettledPrefix marks, per verified job, that its holds were decided:
// a run's final report that comes later (a validator cancelled after its
// job failed) is paid at once.
const holdSettledPrefix = "verify-settled/"

// heldForVerification reports whether j's final interval waits for a
// verification: the run of a verified job, or a validator's run.
func heldForVerification(j *store.Job) bool {
	return verifiedJob(j) || j.Role == store.RoleValidator
}

// verificationOf is the verified job (or task of a multi-task job) whose
// verification decides j's payment.
func (r *Requester) verificationOf(j *store.Job) string {
	if j.Role == store.RoleValidator {
		return r.verifiedRow(j)
	}
	return j.ID
}

// holdFinal holds what u, a final report of j's run by node, adds to the
// execution's amount due (t is the execution's payment state before u;
// r.payMu held), and returns the channel's held total and whether u was
// held.
func (r *Requester) holdFinal(ctx context.Context, j *store.Job, t *payTrack, u *market.UsageReport, node string) (money.Amount, bool, error) {
	me, prov := r.cfg.Settlement.Address(), t.deal.Quote.ProviderAddress
	held := false
	if amount := u.AmountDue - t.amount; u.Final && amount > 0 && heldForVerification(j) {
		var settled bool
		of := r.verificationOf(j)
		ok, err := r.cfg.Store.GetSetting(ctx, holdSettledPrefix+of, &settled)
		if err != nil {
			return 0, false, err
		}
		if !ok || !settled {
			if err := r.cfg.Store.PutHold(ctx, store.RoleRequester, store.Hold{Execution: u.Execution, JobID: of, Node: node,
				Requester: me, Provider: prov, Amount: amount, At: r.now()}); err != nil {
				return 0, false, err
			}
			held = true
			r.log.Info("final interval held until the verification decides", "job", j.ID, "execution", u.Execution, "amount", amount)
		}
	}
	total, err := r.cfg.Store.HeldTotal(ctx, store.RoleRequester, me, prov)
	return total, held, err
}

// owed is the cumulative amount this node owes on its channel to prov:
// the usage total less what time-lock proofs and verifications withhold
// (r.payMu held).
func (r *Requester) owed(ctx context.Context, prov identity.Address) (money.Amount, error) {
	me := r.cfg.Settlement.Address()
	total, err := r.cfg.Store.UsageTotal(ctx, store.RoleRequester, me, prov)
	if err != nil {
		return 0, err
	}
	tl, err := r.cfg.Store.TimeLockWithheld(ctx, store.RoleRequester, me, prov)
	if err != nil {
		return 0, err
	}
	held, err := r.cfg.Store.HeldTotal(ctx, store.RoleRequester, me, prov)
	return total - tl - held, err
}

// latePayment is a released hold's voucher and where it goes.
type latePayment struct {
	node string
	pay  market.Payment
}

// settleHolds decides the holds of verified job id: the executions in
// lost are withheld for good, every other one is released and its
// provider paid. It returns what was withheld, by execution, and notes
// on payments that could not be delivered (they are signed and kept: the
// channel's next voucher carries them).
func (r *Requester) settleHolds(ctx context.Context, id string, lost map[string]bool) (map[string]money.Amount, []string) {
	if r.cfg.Settlement == nil {
		return nil, nil
	}
	withheld := map[string]money.Amount{}
	var sends []latePayment
	var notes []string
	r.payMu.Lock()
	if err := r.cfg.Store.PutSetting(ctx, holdSettledPrefix+id, true); err != nil {
		r.log.Warn("mark the verification's holds decided", "job", id, "err", err)
	}
	holds, err := r.cfg.Store.JobHolds(ctx, store.RoleRequester, id)
	if err != nil {
		r.log.Error("read the verification's holds", "job", id, "err", err)
	}
	for _, h := range holds {
		if h.State == store.HoldWithheld {
			withheld[h.Execution] = h.Amount
		}
		if h.State != store.HoldHeld {
			continue
		}
		state := store.HoldReleased
		if lost[h.Execution] {
			state = store.HoldWithheld
		}
		if ok, err := r.cfg.Store.DecideHold(ctx, store.RoleRequester, h.Execution, state, r.now()); err != nil || !ok {
			continue
		}
		if state == store.HoldWithheld {
			withheld[h.Execution] = h.Amount
			r.log.Warn("the runner lost: its final interval is withheld", "job", id, "execution", h.Execution, "amount", h.Amount)
			continue
		}
		// One voucher per released execution, in order: each raises the
		// channel by that execution's hold, which the provider takes back
		// as the execution's (its written-off final interval).
		pay, err := r.releaseVoucher(ctx, h)
		if err != nil {
			r.log.Error("sign the released voucher", "job", id, "execution", h.Execution, "err", err)
			notes = append(notes, fmt.Sprintf("the held payment of %s was released but not signed: %v", h.Execution, err))
			continue
		}
		sends = append(sends, latePayment{node: h.Node, pay: pay})
	}
	r.payMu.Unlock()
	return withheld, append(notes, r.deliver(ctx, sends)...)
}

// releaseVoucher signs and records the voucher for h's channel once h is
// released (r.payMu held).
func (r *Requester) releaseVoucher(ctx context.Context, h store.Hold) (market.Payment, error) {
	due, err := r.owed(ctx, h.Provider)
	if err != nil {
		return market.Payment{}, err
	}
	var seq uint64
	if us, err := r.cfg.Store.Usages(ctx, store.RoleRequester, h.Execution); err == nil && len(us) > 0 {
		seq = us[len(us)-1].Report.Seq
	}
	v, err := r.cfg.Settlement.SignVoucher(h.Provider, due)
	if err != nil {
		return market.Payment{}, err
	}
	if err := r.cfg.Store.PutVoucher(ctx, store.RoleRequester, store.Voucher{Execution: h.Execution, Seq: seq, Voucher: v, At: r.now()}); err != nil {
		return market.Payment{}, err
	}
	return market.Payment{Execution: h.Execution, Seq: seq, Voucher: v}, nil
}

// deliver sends the released vouchers, each node's in order, the nodes at
// once; it returns a note per voucher not delivered.
func (r *Requester) deliver(ctx context.Context, sends []latePayment) []string {
	byNode := map[string][]market.Payment{}
	var order []string
	for _, s := range sends {
		if _, ok := byNode[s.node]; !ok {
			order = append(order, s.node)
		}
		byNode[s.node] = append(byNode[s.node], s.pay)
	}
	var mu sync.Mutex
	var notes []string
	var wg sync.WaitGroup
	for _, node := range order {
		wg.Go(func() {
			for _, pay := range byNode[node] {
				if err := r.sendPayment(ctx, node, pay); err != nil {
					r.log.Warn("deliver a released payment", "node", node, "execution", pay.Execution, "err", err)
					mu.Lock()
					notes = append(notes, fmt.Sprintf("the released payment of %s (voucher for %s) was not delivered: %v; the channel's next voucher carries it",
						pay.Execution, pay.Voucher.Cumulative, err))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return notes
}

// sendPayment delivers one voucher to node on /deco/pay/1, trying three
// times a second apart while it cannot be reached.
func (r *Requester) sendPayment(ctx context.Context, node string, pay market.Payment) error {
	pid, err := peer.Decode(node)
	if err != nil {
		return fmt.Errorf("bad peer ID %q", node)
	}
	for try := 0; ; try++ {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		var reply market.PayReply
		err = r.cfg.Host.Request(rctx, pid, p2p.ProtocolID(market.ProtoPay, 1), pay, &reply, market.MaxSmallMsg)
		cancel()
		if err == nil {
			if reply.Error != "" {
				return errors.New("refused: " + reply.Error)
			}
			return nil
		}
		if try == 2 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}
