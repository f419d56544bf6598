package requester

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// A job whose verification policy is replicate(K) or spotcheck(P) runs
// as any job on its provider, and beside it on validators: staked
// providers that opted in, ranked by a seed from the deal's two
// signatures, the chain's head block and the task's index, so that the
// provider can neither predict nor steer them (startValidators). A
// multi-task job without links (an array job) is verified task by task:
// each task row is what a single-task job is here, with validators,
// commitments, outcome, holds and verdicts of its own, under the name
// verify.TaskID gives it. Each validator run is a row of its own (role
// validator, the job as parent, the task it re-runs as TaskIndex) driven
// like any task: its own deal, execution, payment and logs. Every runner ends with a signed
// commitment to its result digest; when all have, each is asked to
// reveal (verifyResult). Agreement accepts the result. A disagreement is
// a dispute: more validators run until a quorum of them agrees, the
// quorum signs a verdict against each runner that disagreed, and the
// escrow slashes its stake to this node. The record of it all is the
// job's Verification.

// Verification is the requester's record of one job's verification: of
// one task's, for a multi-task job (kept with the task's row).
type Verification struct {
	Policy string `json:"policy"`
	// Task is the index of the task verified (0 for a single-task job).
	Task int `json:"task"`
	// Block and Seed are the head block and the seed that ranked the
	// validators.
	Block uint64 `json:"block,omitempty"`
	Seed  string `json:"seed,omitempty"`
	// Sampled is whether validators were called for (always under
	// replicate; with probability P under spotcheck).
	Sampled bool `json:"sampled"`
	// Wanted is how many validators must agree with the result.
	Wanted int `json:"wanted"`
	// Quorum is how many validators decide a dispute.
	Quorum int `json:"quorum"`
	// Started is set once the first validators were asked.
	Started bool `json:"started"`
	// Asked are the nodes asked to validate, in order.
	Asked []string `json:"asked,omitempty"`
	// Selection is how each round of validators was chosen (the first,
	// then any a dispute called in): the candidates ranked by Seed, those
	// asked, and every validator offer left out and why.
	Selection []sched.ValidatorReport `json:"selection,omitempty"`
	Runs      []VerifiedRun           `json:"runs,omitempty"`
	// Outcome is accepted, disputed (decided by a quorum) or unresolved.
	Outcome  string          `json:"outcome,omitempty"`
	Digest   string          `json:"digest,omitempty"`
	Verdicts []VerdictRecord `json:"verdicts,omitempty"`
	// Cost is what the validators' runs were paid.
	Cost       money.Amount `json:"cost"`
	Notes      []string     `json:"notes,omitempty"`
	MismatchAt time.Time    `json:"mismatchAt,omitzero"`
	DecidedAt  time.Time    `json:"decidedAt,omitzero"`
}

// VerifiedRun is one runner's part: its commitment, what it revealed and
// its receipt.
type VerifiedRun struct {
	Role        string             `json:"role"` // provider or validator
	Node        string             `json:"node"`
	Address     identity.Address   `json:"address"`
	ExecutionID string             `json:"executionId"`
	Commitment  *verify.Commitment `json:"commitment,omitempty"`
	Opening     *verify.Opening    `json:"opening,omitempty"`
	Receipt     *verify.Receipt    `json:"receipt,omitempty"`
	// Digest is the revealed result digest; Invalid says why the run
	// counts for nothing.
	Digest  string `json:"digest,omitempty"`
	Invalid string `json:"invalid,omitempty"`
	// Paid is what this node owes the run by its reports, less Withheld:
	// its final interval, never paid when it lost (withhold.go).
	Paid     money.Amount `json:"paid"`
	Withheld money.Amount `json:"withheld,omitempty"`
}

// VerdictRecord is a verdict against one runner and its execution.
type VerdictRecord struct {
	Accused   string             `json:"accused"`
	Address   identity.Address   `json:"address"`
	Amount    money.Amount       `json:"amount"`
	DisputeID string             `json:"disputeId"`
	Signers   []identity.Address `json:"signers,omitempty"`
	Tx        string             `json:"tx,omitempty"`
	GasUsed   uint64             `json:"gasUsed,omitempty"`
	Error     string             `json:"error,omitempty"`
	At        time.Time          `json:"at"`
}

// Roles of a VerifiedRun.
const (
	roleProvider  = "provider"
	roleValidator = store.RoleValidator
)

// MinSlash is the least a verdict takes from a runner that lied (its
// stake permitting), however cheap the job.
const MinSlash = money.Unit

// maxExtraValidators bounds how many validators beyond the wanted ones a
// dispute may call in before it is left unresolved.
const maxExtraValidators = 4

// verifiedJob reports whether j's result is verified by re-running it:
// a single-task job as submitted, or one task of a multi-task job (the
// job itself, the gang, has no run of its own).
func verifiedJob(j *store.Job) bool {
	return j.Role == "" && !isGang(*j) && j.Spec.Verify().Verified()
}

// verifyID is the name j's verification goes by, a validator run's the
// one of the task it re-runs: what commitments, receipts, dispute IDs and
// attestations name (verify.TaskID).
func verifyID(j *store.Job) string {
	return verify.TaskID(wireJobID(j), j.TaskIndex, j.Spec.TaskCount())
}

// validators are the validator runs of verified task j, oldest first.
func (r *Requester) validators(j *store.Job) ([]store.Job, error) {
	return r.cfg.Store.TaskValidators(context.Background(), wireJobID(j), j.TaskIndex)
}

// verifiedRow is the ID of the row whose verification validator run vr
// belongs to: its task's row, or its single-task job.
func (r *Requester) verifiedRow(vr *store.Job) string {
	id, err := r.cfg.Store.VerifiedRow(context.Background(), vr.Parent, vr.TaskIndex)
	if err != nil {
		r.log.Warn("find the verified task of a validator run", "validator", vr.ID, "err", err)
		return vr.Parent
	}
	return id
}

// Verification returns job id's verification record (nil, nil for a job
// without one).
func (r *Requester) Verification(ctx context.Context, id string) (*Verification, error) {
	b, err := r.cfg.Store.GetVerification(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var v Verification
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func (r *Requester) saveVerification(id string, v *Verification) {
	b, _ := json.Marshal(v)
	if err := r.cfg.Store.PutVerification(context.Background(), id, b, r.now()); err != nil {
		r.log.Warn("store verification", "job", id, "err", err)
	}
}

// startValidators, once per job, starts its validators' runs in the
// background as soon as the deal with its provider is signed (beside its
// sending), once released is closed (the declined quotes let go of their
// capacity) or a second has passed.
func (r *Requester) startValidators(j store.Job, d market.Deal, released <-chan struct{}) {
	r.verifyMu.Lock()
	defer r.verifyMu.Unlock()
	if v, err := r.Verification(context.Background(), j.ID); err != nil || v != nil {
		return // started already (the task moved to another provider)
	}
	pol := j.Spec.Verify()
	v := &Verification{Policy: pol.String(), Task: j.TaskIndex}
	r.saveVerification(j.ID, v)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		ctx := r.stop
		var block settle.Block
		v.Quorum = 1
		if s := r.cfg.Settlement; s != nil {
			// Two chain reads, at once: the validators wait on both.
			var headErr error
			var wg sync.WaitGroup
			wg.Go(func() { block, headErr = s.Head(ctx) })
			if set, err := s.ValidatorSet(ctx); err == nil {
				v.Quorum = max(set.Quorum, 1)
			}
			wg.Wait()
			if headErr != nil {
				v.Notes = append(v.Notes, fmt.Sprintf("head block: %v (the seed uses the deal's signatures only)", headErr))
			}
		}
		seed := verify.Seed(d.Quote.ProviderSignature, d.RequesterSignature, block.Hash, j.TaskIndex)
		v.Block, v.Seed = block.Number, hex.EncodeToString(seed[:])
		switch pol.Kind {
		case job.VerifyReplicate:
			v.Sampled, v.Wanted = true, pol.K
		case job.VerifySpotcheck:
			if v.Sampled = verify.Sampled(seed, pol.P); v.Sampled {
				v.Wanted = 1
			}
		}
		select {
		case <-released:
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
		r.addValidators(ctx, &j, v, v.Wanted)
		r.verifyMu.Lock()
		v.Started = true
		r.saveVerification(j.ID, v)
		r.verifyMu.Unlock()
	}()
}

// addValidators starts up to n more validators' runs of j, in the seed's
// order, on nodes not asked yet; it returns how many started.
func (r *Requester) addValidators(ctx context.Context, j *store.Job, v *Verification, n int) int {
	if n <= 0 {
		return 0
	}
	var seed [32]byte
	if b, err := hex.DecodeString(v.Seed); err == nil {
		copy(seed[:], b)
	}
	// The first n candidates are asked at once; each one that fails
	// hands its place to the next in the seed's order.
	candidates, round := r.validatorCandidates(ctx, j, v.Asked, seed)
	round.Wanted = n
	started := 0
	for len(candidates) > 0 && started < n {
		batch := candidates[:min(n-started, len(candidates))]
		candidates = candidates[len(batch):]
		v.Asked = append(v.Asked, batch...)
		round.Chosen = append(round.Chosen, batch...)
		r.saveVerification(j.ID, v) // the job's provider is never one of them (validatesJob)
		results := make([]string, len(batch))
		var wg sync.WaitGroup
		for i, node := range batch {
			wg.Go(func() { results[i] = r.startValidator(ctx, j, node) })
		}
		wg.Wait()
		for i, res := range results {
			if res == "" {
				started++
			} else {
				v.Notes = append(v.Notes, fmt.Sprintf("validator %s: %s", batch[i], res))
			}
		}
	}
	if started < n {
		v.Notes = append(v.Notes, fmt.Sprintf("%d of %d validators found", started, n))
	}
	v.Selection = append(v.Selection, round)
	r.saveVerification(j.ID, v)
	return started
}

// startValidator makes a deal with node for a validator run of j and
// starts it; it returns why not, "" when started. The run names j's job
// as its parent (the job ID its provider sees is the one j's sees) and
// j's task as its own.
func (r *Requester) startValidator(ctx context.Context, j *store.Job, node string) string {
	now := r.now()
	vr := store.Job{ID: job.NewID(), Name: j.Name, Spec: j.Spec, SpecDigest: j.SpecDigest, State: job.StatePending,
		CreatedAt: now, UpdatedAt: now, ExecutionID: job.NewID(), Parent: wireJobID(j), TaskIndex: j.TaskIndex, Role: store.RoleValidator}
	deals, err := r.negotiate(ctx, &vr, []string{node})
	var nq *NoQuoteError
	for try := 0; errors.As(err, &nq) && !nq.Permanent && try < 10 && ctx.Err() == nil; try++ {
		// Busy for now (its quote for the job's own run not released
		// yet): ask again shortly.
		time.Sleep(100 * time.Millisecond)
		deals, err = r.negotiate(ctx, &vr, []string{node})
	}
	if err != nil {
		return err.Error()
	}
	vr.Provider = node
	if err := os.MkdirAll(r.jobDir(vr.ID), 0o700); err == nil {
		r.jobLog(vr.ID)
		err = r.cfg.Store.CreateJob(context.Background(), vr)
	}
	if err != nil {
		r.declineDeals(&vr, deals)
		return err.Error()
	}
	r.startTask(vr, deals, false, nil)
	return ""
}

// validatesJob reports whether node was asked to validate job id: its
// provider is placed elsewhere when the first one did not take the task.
func (r *Requester) validatesJob(id, node string) bool {
	v, err := r.Verification(context.Background(), id)
	return err == nil && v != nil && slices.Contains(v.Asked, node)
}

// validatorCandidates are the nodes that may validate j, ranked by seed:
// providers that opted in, fit the task and (with settlement) are staked
// validators of the escrow; never j's provider, this node, or one asked
// already. The report says the same of every validator offer: ranked, or
// left out and why (Chosen is the caller's to fill).
func (r *Requester) validatorCandidates(ctx context.Context, j *store.Job, asked []string, seed [32]byte) ([]string, sched.ValidatorReport) {
	var vrep sched.ValidatorReport
	skip := map[string]string{j.Provider: sched.OutProvider, r.cfg.Key.PeerID(): sched.OutRequester}
	for _, n := range asked {
		skip[n] = sched.OutAsked
	}
	// Never two runners of one operator: the operator is the one that
	// certified the node in its offer (verified by the catalog).
	operatorOf := map[string]identity.Address{}
	var offers []offer.Offer
	r.cfg.Catalog.View(func(all []offer.Offer) {
		for _, o := range all {
			if op, ok := o.OperatorAddress(); ok {
				operatorOf[o.Node] = op
			}
			if !o.Validator {
				continue
			}
			vrep.Considered++
			if why, ok := skip[o.Node]; ok {
				vrep.LeaveOut(o.Node, why)
				continue
			}
			offers = append(offers, o)
		}
	})
	if s := r.cfg.Settlement; s != nil && len(offers) > 0 {
		set, err := s.ValidatorSet(ctx)
		if err != nil {
			for _, o := range offers {
				vrep.LeaveOut(o.Node, "the escrow's validator set unknown: "+err.Error())
			}
			return nil, vrep
		}
		kept := offers[:0]
		for _, o := range offers {
			st, err := s.StakeOf(ctx, o.Address)
			switch {
			case err != nil:
				vrep.LeaveOut(o.Node, sched.OutStakeUnknown+err.Error())
			case !set.Has(o.Address):
				vrep.LeaveOut(o.Node, sched.OutNotEscrow)
			case st.Amount <= 0:
				vrep.LeaveOut(o.Node, sched.OutNotStaked)
			default:
				kept = append(kept, o)
			}
		}
		offers = kept
	}
	if len(offers) == 0 {
		return nil, vrep
	}
	// A validator is judged by what it sells, not by what is free this
	// instant: the providers that quoted for the job's own run hold
	// capacity until their quotes are declined, and a validator's quote
	// is checked against its real free capacity anyway.
	for i := range offers {
		offers[i].Free = offers[i].Total
	}
	rep, err := r.cfg.Scheduler.PlaceRequest(sched.NewRequest(j.Spec, r.cfg.Key.PeerID()), offers)
	var nf *sched.NoFitError
	if errors.As(err, &nf) {
		rep = nf.Report
	}
	vrep.LeaveOutRejected(rep)
	if err != nil {
		if nf == nil {
			for _, o := range offers {
				vrep.LeaveOut(o.Node, "placement: "+err.Error())
			}
		}
		return nil, vrep
	}
	ranked := verify.Rank(seed, feasibleInOrder(rep))
	vrep.Ranked = oneper(slices.Clone(ranked), operatorOf, append([]string{j.Provider}, asked...))
	for _, n := range ranked {
		if !slices.Contains(vrep.Ranked, n) {
			vrep.LeaveOut(n, sched.OutSameOwner+operatorOf[n].String())
		}
	}
	return slices.Clone(vrep.Ranked), vrep
}

// oneper keeps, in order, the ranked nodes whose operator is not that of
// a runner already (the provider or a validator asked before) nor of an
// earlier node in the list; nodes without an operator are each their own.
func oneper(ranked []string, operatorOf map[string]identity.Address, runners []string) []string {
	taken := map[identity.Address]bool{}
	for _, n := range runners {
		if op, ok := operatorOf[n]; ok {
			taken[op] = true
		}
	}
	out := ranked[:0]
	for _, n := range ranked {
		op, ok := operatorOf[n]
		if ok && taken[op] {
			continue
		}
		if ok {
			taken[op] = true
		}
		out = append(out, n)
	}
	return out
}

// committed records a verified run's commitment when its execution ended
// (instead of fetching its outputs): a validator's run is then complete,
// the job's own run is verifying.
func (r *Requester) committed(j *store.Job, pid peer.ID, ev market.TaskEvent) {
	c := *ev.Commitment
	invalid := checkCommitment(c, j, pid)
	cb, _ := json.Marshal(c)
	if err := r.cfg.Store.PutCommitment(context.Background(), store.CommitRecord{ExecutionID: j.ExecutionID, JobID: wireJobID(j),
		Commitment: cb, CreatedAt: r.now()}); err != nil {
		invalid = fmt.Sprintf("store the commitment: %v", err)
	}
	switch {
	case invalid != "":
		r.fail(j, "the runner's commitment was refused: "+invalid)
	case j.Role == store.RoleValidator:
		r.update(j, job.StateCompleted, "committed to its result")
		r.wakeVerification(r.verifiedRow(j))
	default:
		r.update(j, job.StateVerifying, "committed to its result; checking it against the validators' runs")
	}
}

// checkCommitment says why c is not a valid commitment of j's execution
// by the provider pid ("" when it is).
func checkCommitment(c verify.Commitment, j *store.Job, pid peer.ID) string {
	addr, err := identity.PeerAddress(pid.String())
	switch {
	case err != nil:
		return err.Error()
	case c.Runner != addr:
		return fmt.Sprintf("bound to %s, not to the runner %s (a copied commitment?)", c.Runner, addr)
	case c.JobID != verifyID(j) || c.ExecutionID != j.ExecutionID:
		return "for another job, task or execution"
	}
	if err := c.Check(); err != nil {
		return err.Error()
	}
	return ""
}

// wakeVerification tells job id's verifier that a validator run changed.
func (r *Requester) wakeVerification(id string) { r.wakeGang(id) }

// afterRun follows a verified job once its own run has ended: its result
// is verified, or (the run failed, was cancelled) its validators stop.
func (r *Requester) afterRun(ctx context.Context, j *store.Job, t *tracked) {
	if !verifiedJob(j) {
		return
	}
	if j.State == job.StateVerifying {
		r.verifyResult(ctx, j, t)
	} else {
		r.stopValidators(j)
	}
	r.releaseUndecided(j)
}

// releaseUndecided pays the holds of a verified job whose verification
// ended without a decision (nobody lost); it does nothing for a decided
// one (conclude settled it) or while the daemon stops (the verification
// goes on after the restart).
func (r *Requester) releaseUndecided(j *store.Job) {
	if r.stop.Err() != nil {
		return
	}
	if _, notes := r.settleHolds(r.stop, j.ID, nil); len(notes) > 0 {
		r.log.Warn("release held payments", "job", j.ID, "notes", notes)
	}
}

// stopValidators cancels the validator runs of verified task j still
// running.
func (r *Requester) stopValidators(j *store.Job) {
	vals, err := r.validators(j)
	if err != nil {
		return
	}
	for _, vr := range vals {
		if !vr.State.Terminal() {
			if err := r.Cancel(context.Background(), vr.ID); err != nil && !errors.Is(err, ErrNotRunning) {
				r.log.Warn("stop validator", "job", j.ID, "validator", vr.ID, "err", err)
			}
		}
	}
}

// resumeVerifying goes on with the verification of j after a restart.
func (r *Requester) resumeVerifying(j store.Job) {
	runCtx, cancel := context.WithCancel(r.stop)
	t := &tracked{execution: j.ExecutionID, cancel: cancel, wake: make(chan struct{}, 1)}
	if pid, err := peer.Decode(j.Provider); err == nil {
		t.provider = pid
	}
	r.mu.Lock()
	r.active[j.ID] = t
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		defer func() {
			r.jobLog(j.ID).finish()
			r.mu.Lock()
			delete(r.active, j.ID)
			r.mu.Unlock()
		}()
		ctx, stop := withTotalTimeout(runCtx, j)
		defer stop()
		r.verifyResult(ctx, &j, t)
		r.releaseUndecided(&j)
	}()
}

// validatorsAvailable refuses, at submission, a replicate(K) job for
// which fewer than K validators are known besides its provider.
func (r *Requester) validatorsAvailable(ctx context.Context, j *store.Job) error {
	pol := j.Spec.Verify()
	if pol.Kind != job.VerifyReplicate {
		return nil
	}
	if cands, _ := r.validatorCandidates(ctx, j, nil, [32]byte{}); len(cands) < pol.K {
		n := len(cands)
		return fmt.Errorf("%w: verification: %s needs %d validators besides the provider; %d known (staked providers that ran deco onboard --validator and are validators of the escrow, and fit the task)",
			ErrInvalidSpec, pol, pol.K, n)
	}
	return nil
}

// tasksValidatorsAvailable is validatorsAvailable for every task of a
// multi-task job placed at submission (each task's Provider set): each
// task needs its own validators besides its own provider.
func (r *Requester) tasksValidatorsAvailable(ctx context.Context, tasks []store.Job) error {
	for i := range tasks {
		if err := r.validatorsAvailable(ctx, &tasks[i]); err != nil {
			return fmt.Errorf("task %d: %w", tasks[i].TaskIndex, err)
		}
	}
	return nil
}

// validatorOutputs is where a validator run's outputs would go: its own
// directory (they are compared by digest, not fetched).
func (r *Requester) validatorOutputs(j *store.Job) string {
	return filepath.Join(r.jobDir(j.ID), "outputs")
}
