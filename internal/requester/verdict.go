package requester

// The end of a verified task: once its validators have run, every runner
// reveals its result, the outcome is decided (more validators while a
// dispute has no quorum), the runners a quorum found wrong are slashed on
// chain, reputation is attested, and the accepted result is fetched.

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// verifyResult takes a verifying job to its end: it waits for the
// validators' runs, has every runner reveal, decides, calls in more
// validators while a dispute has no quorum, slashes the runners a quorum
// found wrong, and fetches the accepted result.
func (r *Requester) verifyResult(ctx context.Context, j *store.Job, t *tracked) {
	// The provider's outputs come while the validators run and reveal:
	// they are used once the decision agrees with them.
	pre := r.prefetch(ctx, j)
	defer pre.discard(&r.wg)
	for {
		v, ok := r.waitValidators(ctx, j, t)
		if !ok {
			return
		}
		runs := r.revealAll(ctx, j, v)
		out := verify.Decide(toRuns(runs), v.Quorum, v.Wanted)
		if out.Disputed && v.MismatchAt.IsZero() {
			v.MismatchAt = r.now()
		}
		if out.More == 0 {
			r.conclude(ctx, j, v, runs, out, pre)
			return
		}
		r.verifyMu.Lock()
		extra := len(v.Asked) - v.Wanted
		added := 0
		if extra < maxExtraValidators {
			added = r.addValidators(ctx, j, v, min(out.More, maxExtraValidators-extra))
		}
		r.verifyMu.Unlock()
		if added == 0 {
			v.Outcome = "unresolved"
			r.saveVerification(j.ID, v)
			r.fail(j, fmt.Sprintf("verification unresolved: %s; no further validator could run the task", describeRuns(runs)))
			return
		}
		r.update(j, job.StateVerifying, fmt.Sprintf("%s; asked %d more validators", describeRuns(runs), added))
	}
}

// waitValidators waits until the validators were started and every run
// of theirs has ended; false when the job ended meanwhile (cancelled,
// total timeout) or the daemon is stopping.
func (r *Requester) waitValidators(ctx context.Context, j *store.Job, t *tracked) (*Verification, bool) {
	for {
		v, err := r.Verification(context.Background(), j.ID)
		if err != nil {
			r.fail(j, fmt.Sprintf("read the verification: %v", err))
			return nil, false
		}
		if v == nil {
			r.fail(j, "its validators were never started")
			return nil, false
		}
		if v.Started {
			// Woken at every validator's state change: the states only
			// are read, not the rows' specs.
			if ended, err := r.cfg.Store.ValidatorsEnded(context.Background(), wireJobID(j), j.TaskIndex); err == nil && ended {
				return v, true
			}
		}
		switch {
		case r.stop.Err() != nil:
			return nil, false
		case r.isCancelled(t):
			r.stopValidators(j)
			j.Error = "cancelled by the requester"
			r.update(j, job.StateCancelled, j.Error)
			return nil, false
		case ctx.Err() != nil:
			r.stopValidators(j)
			r.fail(j, fmt.Sprintf("total timeout (%s) reached while verifying", j.Spec.TotalTimeout))
			return nil, false
		}
		select {
		case <-ctx.Done():
		case <-r.stop.Done():
		case <-t.wake:
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// revealAll gathers every run that committed (the job's own and each
// validator's), has each reveal once, and records the runs.
func (r *Requester) revealAll(ctx context.Context, j *store.Job, v *Verification) []VerifiedRun {
	known := map[string]VerifiedRun{}
	for _, run := range v.Runs {
		known[run.ExecutionID] = run
	}
	rows := []store.Job{*j}
	if vals, err := r.validators(j); err == nil {
		rows = append(rows, vals...)
	}
	var runs []VerifiedRun
	var commitments []verify.Commitment
	for _, row := range rows {
		run, ok := known[row.ExecutionID]
		if !ok {
			role := roleProvider
			if row.Role == store.RoleValidator {
				role = roleValidator
			}
			run = VerifiedRun{Role: role, Node: row.Provider, ExecutionID: row.ExecutionID}
			run.Address, _ = identity.PeerAddress(row.Provider)
			if row.State != job.StateCompleted && row.State != job.StateVerifying {
				continue // it failed or was refused: no run to compare
			}
			if rec, err := r.cfg.Store.GetCommitment(context.Background(), row.ExecutionID); err == nil {
				var c verify.Commitment
				if json.Unmarshal(rec.Commitment, &c) == nil {
					run.Commitment = &c
				}
			}
			if run.Commitment == nil {
				continue
			}
		}
		run.Paid = r.paidFor(row.ExecutionID)
		runs = append(runs, run)
		commitments = append(commitments, *run.Commitment)
	}
	// Every runner is asked at once: each reveal is a round trip (up to
	// three, a second apart, to one that cannot be reached).
	var wg sync.WaitGroup
	for i := range runs {
		if runs[i].Digest == "" && (runs[i].Invalid == "" || mayRetry(runs[i].Invalid)) {
			runs[i].Invalid = ""
			wg.Go(func() { r.reveal(ctx, &runs[i], commitments) })
		}
	}
	wg.Wait()
	v.Runs = runs
	r.saveVerification(j.ID, v)
	return runs
}

// reveal asks run's runner to open its commitment, checking the opening
// and the receipt; a runner that cannot or will not counts for nothing.
func (r *Requester) reveal(ctx context.Context, run *VerifiedRun, commitments []verify.Commitment) {
	pid, err := peer.Decode(run.Node)
	if err != nil {
		run.Invalid = "bad peer ID"
		return
	}
	var reply market.RevealReply
	for try := 0; ; try++ {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = r.cfg.Host.Request(rctx, pid, p2p.ProtocolID(market.ProtoReveal, 1),
			market.RevealRequest{ExecutionID: run.ExecutionID, Commitments: commitments}, &reply, market.MaxVerifyMsg)
		cancel()
		if err == nil || try == 2 {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	c := run.Commitment
	switch {
	case err != nil:
		run.Invalid = fmt.Sprintf("did not reveal: %v", err)
	case reply.Error != "":
		run.Invalid = "refused to reveal: " + reply.Error
	case reply.Opening == nil || reply.Receipt == nil:
		run.Invalid = "revealed no opening and receipt"
	default:
		rc := reply.Receipt
		switch err := c.Opens(*reply.Opening); {
		case err != nil:
			run.Invalid = err.Error()
		case rc.Check() != nil:
			run.Invalid = rc.Check().Error()
		case rc.Provider != c.Runner || rc.ExecutionID != run.ExecutionID || rc.ResultDigest != reply.Opening.Digest || rc.Commitment != c.Hash:
			run.Invalid = "its receipt does not match its commitment"
		default:
			run.Opening, run.Receipt, run.Digest = reply.Opening, rc, reply.Opening.Digest
			ob, _ := json.Marshal(reply.Opening)
			rb, _ := json.Marshal(rc)
			cb, _ := json.Marshal(c)
			_ = r.cfg.Store.PutCommitment(context.Background(), store.CommitRecord{ExecutionID: run.ExecutionID, JobID: c.JobID,
				Commitment: cb, Opening: ob, Receipt: rb, CreatedAt: r.now()})
		}
	}
}

// mayRetry reports whether a run that did not reveal may be asked again
// in a later round (it could not be reached, or waited for commitments
// that had not all come) rather than having revealed something wrong.
func mayRetry(invalid string) bool {
	return strings.HasPrefix(invalid, "did not reveal") || strings.HasPrefix(invalid, "refused to reveal")
}

// paidFor is what this node owes execution by its latest report.
func (r *Requester) paidFor(execution string) money.Amount {
	us, err := r.cfg.Store.Usages(context.Background(), store.RoleRequester, execution)
	if err != nil || len(us) == 0 {
		return 0
	}
	return us[len(us)-1].Report.AmountDue
}

func toRuns(runs []VerifiedRun) []verify.Run {
	out := make([]verify.Run, len(runs))
	for i, run := range runs {
		out[i] = verify.Run{Node: run.Node, Address: run.Address, Validator: run.Role == roleValidator, Digest: run.Digest, Invalid: run.Invalid}
	}
	return out
}

// describeRuns says what each runner revealed, for the job's events.
func describeRuns(runs []VerifiedRun) string {
	parts := make([]string, len(runs))
	for i, run := range runs {
		what := run.Digest
		if len(what) > 19 {
			what = what[:19] + "…"
		}
		if run.Invalid != "" {
			what = "nothing valid (" + run.Invalid + ")"
		}
		parts[i] = fmt.Sprintf("%s %s revealed %s", run.Role, run.Node, what)
	}
	return strings.Join(parts, ", ")
}

// conclude ends a decided verification: verdicts and slashes against the
// runners who lost a dispute, attestations, the accepted result fetched
// from a runner that revealed it, and the job completed.
func (r *Requester) conclude(ctx context.Context, j *store.Job, v *Verification, runs []VerifiedRun, out verify.Outcome, pre *prefetched) {
	v.Digest, v.DecidedAt, v.Outcome = out.Digest, r.now(), "accepted"
	if out.Disputed {
		v.Outcome = "disputed"
		for _, i := range out.Losers {
			v.Verdicts = append(v.Verdicts, r.slash(ctx, j, v, runs, out.Quorum, i))
		}
	}
	// The final interval of every run that did not reveal the decided
	// result is withheld for good; the others are paid now.
	lost := map[string]bool{}
	for _, run := range runs {
		if run.Digest != out.Digest {
			lost[run.ExecutionID] = true
		}
	}
	withheld, notes := r.settleHolds(ctx, j.ID, lost)
	v.Notes = append(v.Notes, notes...)
	v.Cost = 0
	for i := range runs {
		runs[i].Withheld = withheld[runs[i].ExecutionID]
		runs[i].Paid -= runs[i].Withheld
		if runs[i].Role == roleValidator {
			v.Cost += runs[i].Paid
		}
	}
	v.Runs = runs
	for i, run := range runs {
		if run.Digest == out.Digest {
			r.attest(ctx, reputation.KindVerified, j, run)
		} else if run.Digest != "" && !slices.Contains(out.Losers, i) {
			r.attest(ctx, reputation.KindLost, j, run)
		}
	}
	r.saveVerification(j.ID, v)
	// The result comes from the job's provider when it agreed, else from
	// a validator of the quorum.
	var fetchErr error
	fetched := pre.take(j.ExecutionID, out.Digest, r.outputsDir(j)) // the provider's, fetched already
	for _, run := range runs {
		if fetched {
			break
		}
		if run.Digest != out.Digest {
			continue
		}
		pid, err := peer.Decode(run.Node)
		if err == nil {
			err = r.fetchRun(ctx, j, pid, run.ExecutionID, out.Digest)
		}
		if fetchErr = err; err == nil {
			break
		}
	}
	if fetchErr != nil {
		r.fail(j, fmt.Sprintf("verified, but fetch the outputs: %v", fetchErr))
		return
	}
	j.ResultDigest = out.Digest
	zero := 0
	j.ExitCode = &zero
	msg := fmt.Sprintf("verified: %d runners agree (%s)", len(runs)-len(out.Losers), v.Policy)
	if !v.Sampled {
		msg = fmt.Sprintf("not sampled for a spot check (%s): accepted", v.Policy)
	}
	if out.Disputed {
		var slashed []string
		for _, vd := range v.Verdicts {
			s := fmt.Sprintf("%s slashed %s", vd.Accused, vd.Amount)
			if vd.Error != "" {
				s = fmt.Sprintf("%s not slashed: %s", vd.Accused, vd.Error)
			}
			slashed = append(slashed, s)
		}
		msg = fmt.Sprintf("dispute decided by %d validators: %s", len(out.Quorum), strings.Join(slashed, "; "))
	}
	r.update(j, job.StateCompleted, msg)
}

// prefetched is a verified job's own run's outputs, downloaded into a
// staging directory while the verification goes on.
type prefetched struct {
	execution string
	dir       string
	done      chan struct{}
	digest    string
	err       error
}

// prefetch starts downloading the outputs of j's current execution from
// its provider (checked against the digest it announces).
func (r *Requester) prefetch(ctx context.Context, j *store.Job) *prefetched {
	p := &prefetched{execution: j.ExecutionID, dir: filepath.Join(r.jobDir(j.ID), "outputs.prefetched"), done: make(chan struct{})}
	pid, err := peer.Decode(j.Provider)
	if err != nil {
		p.err = err
		close(p.done)
		return p
	}
	jc := *j
	r.wg.Go(func() {
		defer close(p.done)
		p.digest, p.err = r.fetchInto(ctx, &jc, pid, p.execution, "", p.dir)
	})
	return p
}

// take moves the prefetched outputs to dir when they are execution's and
// have the decided digest (waiting for the download to end); false when
// they must be fetched again.
func (p *prefetched) take(execution, digest, dir string) bool {
	if p.execution != execution || digest == emptyTree {
		return false
	}
	<-p.done
	if p.err != nil || p.digest != digest {
		return false
	}
	_ = os.RemoveAll(dir)
	return os.Rename(p.dir, dir) == nil
}

// discard removes what was prefetched and not taken, once the download
// ended.
func (p *prefetched) discard(wg *sync.WaitGroup) {
	wg.Go(func() {
		<-p.done
		_ = os.RemoveAll(p.dir)
	})
}

// fetchRun downloads the outputs of one run of j into j's outputs.
func (r *Requester) fetchRun(ctx context.Context, j *store.Job, pid peer.ID, execution, digest string) error {
	if digest == emptyTree {
		return os.MkdirAll(r.outputsDir(j), 0o755)
	}
	return r.fetchExecution(ctx, j, pid, execution, digest)
}

// slash has the quorum's validators sign a verdict against runs[loser]
// and sends it to the escrow.
func (r *Requester) slash(ctx context.Context, j *store.Job, v *Verification, runs []VerifiedRun, quorum []int, loser int) VerdictRecord {
	acc := runs[loser]
	id := verify.DisputeID(verifyID(j), acc.Address)
	rec := VerdictRecord{Accused: acc.Node, Address: acc.Address, DisputeID: "0x" + hex.EncodeToString(id[:]), At: r.now()}
	s := r.cfg.Settlement
	if s == nil {
		rec.Error = "no settlement configured: nothing to slash"
		return rec
	}
	stake, err := s.StakeOf(ctx, acc.Address)
	if err != nil {
		rec.Error = fmt.Sprintf("read its stake: %v", err)
		return rec
	}
	p := 1.0
	if pol := j.Spec.Verify(); pol.Kind == job.VerifySpotcheck {
		p = pol.P
	}
	basis := acc.Paid
	if acc.Receipt != nil {
		basis = max(basis, acc.Receipt.Paid)
	}
	rec.Amount = verify.SlashAmount(basis, p, MinSlash, stake.Amount)
	if rec.Amount <= 0 {
		rec.Error = "it has no stake"
		return rec
	}
	verdict := settle.Verdict{Provider: acc.Address, Amount: rec.Amount, DisputeID: id, Beneficiary: r.cfg.Key.Address()}
	var sigs [][]byte
	for _, q := range quorum {
		sig, err := r.askVerdict(ctx, runs[q], verdict, acc)
		if err != nil {
			v.Notes = append(v.Notes, fmt.Sprintf("validator %s did not sign the verdict against %s: %v", runs[q].Node, acc.Node, err))
			continue
		}
		if signer, err := s.VerdictSigner(verdict, sig); err != nil || signer != runs[q].Address {
			v.Notes = append(v.Notes, fmt.Sprintf("validator %s's verdict signature is not its own", runs[q].Node))
			continue
		}
		sigs = append(sigs, sig)
		rec.Signers = append(rec.Signers, runs[q].Address)
	}
	if len(sigs) < v.Quorum {
		rec.Error = fmt.Sprintf("%d of the %d verdict signatures needed", len(sigs), v.Quorum)
		return rec
	}
	tx, err := s.Slash(ctx, verdict, sigs)
	rec.At = r.now()
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	rec.Tx, rec.GasUsed = tx.Tx, tx.GasUsed
	r.log.Info("slashed a runner", "job", j.ID, "runner", acc.Node, "amount", rec.Amount, "tx", tx.Tx)
	r.attest(ctx, reputation.KindDisputeLost, j, acc)
	return rec
}

// askVerdict asks validator run to sign verdict against acc.
func (r *Requester) askVerdict(ctx context.Context, run VerifiedRun, verdict settle.Verdict, acc VerifiedRun) ([]byte, error) {
	pid, err := peer.Decode(run.Node)
	if err != nil {
		return nil, err
	}
	if acc.Commitment == nil || acc.Opening == nil {
		return nil, errors.New("the accused revealed nothing")
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var reply market.VerdictReply
	req := market.VerdictRequest{ExecutionID: run.ExecutionID, Verdict: verdict, Accused: *acc.Commitment, AccusedOpening: *acc.Opening}
	if err := r.cfg.Host.Request(ctx, pid, p2p.ProtocolID(market.ProtoVerdict, 1), req, &reply, market.MaxVerifyMsg); err != nil {
		return nil, err
	}
	if reply.Error != "" {
		return nil, errors.New(reply.Error)
	}
	return reply.Signature, nil
}

// attest tells the reputation book what a run came to.
func (r *Requester) attest(ctx context.Context, kind reputation.Kind, j *store.Job, run VerifiedRun) {
	if r.cfg.Reputation == nil {
		return
	}
	c := reputation.Claim{Kind: kind, Subject: run.Node, JobID: wireJobID(j), ExecutionID: run.ExecutionID}
	if j.Spec.Verify().Verified() {
		c.JobID = verifyID(j) // one task's verification: its dispute is that task's
	}
	if kind == reputation.KindDisputeLost {
		c.DisputeID = verify.DisputeID(c.JobID, run.Address)
	}
	if err := r.cfg.Reputation.Attest(ctx, c); err != nil {
		r.log.Warn("attest", "job", j.ID, "subject", run.Node, "kind", kind, "err", err)
	}
}
