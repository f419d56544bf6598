package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/verify"
)

// DefaultRevealWait is how long after its execution ended a runner of a
// verified task waits for the other runners' commitments before it
// reveals its result to the requester anyway.
const DefaultRevealWait = 10 * time.Minute

// A verified task (its spec's verification policy is not none, which the
// deal signs through the spec digest) ends with a commitment to its
// result digest instead of the digest: commit makes it and keeps the
// opening. serveReveal opens it once the requester shows that every
// runner has committed; serveVerdict signs, as a validator, a verdict
// against a runner whose revealed digest differs from this node's own.

// verifiedTask is the name execution rec's verification goes by: its
// job's ID, with its task for a task of a multi-task job (verify.TaskID).
// A runner of one task reveals only among that task's commitments and
// signs verdicts only against that task's runners.
func verifiedTask(rec store.Execution) string {
	return verify.TaskID(rec.JobID, rec.TaskIndex, rec.Spec.TaskCount())
}

// commit makes and stores the commitment to digest of a verified
// execution; nil for an execution that is not verified or has no result.
func (p *Provider) commit(ctx context.Context, rec store.Execution, digest string) (*verify.Commitment, error) {
	if digest == "" || rec.State != job.StateCompleted || !rec.Spec.Verify().Verified() {
		return nil, nil
	}
	c, o, err := verify.Commit(p.cfg.Key, verifiedTask(rec), rec.ID, digest)
	if err != nil {
		return nil, err
	}
	cb, _ := json.Marshal(c)
	ob, _ := json.Marshal(o)
	if err := p.cfg.Store.PutCommitment(context.WithoutCancel(ctx), store.CommitRecord{ExecutionID: rec.ID, JobID: rec.JobID,
		Commitment: cb, Opening: ob, CreatedAt: p.now()}); err != nil {
		return nil, err
	}
	if tamper := p.cfg.TamperCommitment; tamper != nil {
		c = tamper(rec.JobID, c)
	}
	return &c, nil
}

// commitment is the stored commitment of execution id, nil when none.
func (p *Provider) commitment(ctx context.Context, id string) (*verify.Commitment, *verify.Opening) {
	rec, err := p.cfg.Store.GetCommitment(ctx, id)
	if err != nil {
		return nil, nil
	}
	var c verify.Commitment
	var o verify.Opening
	if json.Unmarshal(rec.Commitment, &c) != nil || json.Unmarshal(rec.Opening, &o) != nil {
		return nil, nil
	}
	return &c, &o
}

func (p *Provider) serveReveal(ctx context.Context, s p2pStream) {
	var req market.RevealRequest
	if err := p.readRequest(s, &req, market.MaxVerifyMsg); err != nil {
		_ = p2p.WriteMsg(s, market.RevealReply{Error: fmt.Sprintf("bad reveal request: %v", err)})
		return
	}
	reply, err := p.reveal(ctx, req, s.Conn().RemotePeer().String())
	if err != nil {
		p.log.Info("reveal refused", "execution", req.ExecutionID, "err", err)
		reply = market.RevealReply{Error: err.Error()}
	}
	_ = p2p.WriteMsg(s, reply)
}

// reveal opens execution's commitment for its requester once every runner
// the policy calls for has committed (or the reveal wait has passed),
// with the signed receipt of the execution.
func (p *Provider) reveal(ctx context.Context, req market.RevealRequest, requester string) (market.RevealReply, error) {
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if err != nil || rec.Requester != requester {
		return market.RevealReply{}, fmt.Errorf("no execution %s of yours here", req.ExecutionID)
	}
	mine, opening := p.commitment(ctx, rec.ID)
	if mine == nil {
		return market.RevealReply{}, fmt.Errorf("execution %s made no commitment", rec.ID)
	}
	runners := map[string]bool{}
	found := false
	task := verifiedTask(rec)
	for _, c := range req.Commitments {
		if c.JobID != task {
			return market.RevealReply{}, fmt.Errorf("a commitment for %s among %s's", c.JobID, task)
		}
		if err := c.Check(); err != nil {
			return market.RevealReply{}, err
		}
		runners[c.Runner.String()] = true
		found = found || (c.ExecutionID == mine.ExecutionID && c.Hash == mine.Hash && c.Runner == mine.Runner)
	}
	if !found {
		return market.RevealReply{}, errors.New("this runner's own commitment is not among them")
	}
	want := 1
	if pol := rec.Spec.Verify(); pol.Kind == job.VerifyReplicate {
		want += pol.K
	}
	wait := p.cfg.RevealWait
	if wait <= 0 {
		wait = DefaultRevealWait
	}
	if len(runners) < want && p.now().Before(rec.UpdatedAt.Add(wait)) {
		return market.RevealReply{}, fmt.Errorf("%d of %d runners have committed; this one reveals once all have, or after %s",
			len(runners), want, rec.UpdatedAt.Add(wait).Format(time.RFC3339))
	}
	receipt, err := p.receipt(ctx, rec, *mine)
	if err != nil {
		return market.RevealReply{}, err
	}
	return market.RevealReply{Opening: opening, Receipt: &receipt}, nil
}

// receipt signs (once, then keeps) the receipt of an ended execution.
func (p *Provider) receipt(ctx context.Context, rec store.Execution, c verify.Commitment) (verify.Receipt, error) {
	var r verify.Receipt
	if stored, err := p.cfg.Store.GetCommitment(ctx, rec.ID); err == nil && len(stored.Receipt) > 0 && json.Unmarshal(stored.Receipt, &r) == nil {
		return r, nil
	}
	r = verify.Receipt{JobID: verifiedTask(rec), ExecutionID: rec.ID, ResultDigest: rec.ResultDigest, Commitment: c.Hash, IssuedAt: p.now()}
	if rec.ExitCode != nil {
		r.ExitCode = *rec.ExitCode
	}
	if us, err := p.cfg.Store.Usages(ctx, store.RoleProvider, rec.ID); err == nil && len(us) > 0 {
		last := us[len(us)-1].Report
		r.RunTime, r.Paid = time.Duration(last.RunMillis)*time.Millisecond, last.AmountDue
	}
	if err := r.Sign(p.cfg.Key); err != nil {
		return r, err
	}
	b, _ := json.Marshal(r)
	cb, _ := json.Marshal(c)
	if err := p.cfg.Store.PutCommitment(ctx, store.CommitRecord{ExecutionID: rec.ID, JobID: rec.JobID, Commitment: cb, Receipt: b, CreatedAt: p.now()}); err != nil {
		return r, err
	}
	return r, nil
}

func (p *Provider) serveVerdict(ctx context.Context, s p2pStream) {
	var req market.VerdictRequest
	if err := p.readRequest(s, &req, market.MaxVerifyMsg); err != nil {
		_ = p2p.WriteMsg(s, market.VerdictReply{Error: fmt.Sprintf("bad verdict request: %v", err)})
		return
	}
	sig, err := p.signVerdict(ctx, req, s.Conn().RemotePeer().String())
	if err != nil {
		p.log.Info("verdict refused", "execution", req.ExecutionID, "err", err)
		_ = p2p.WriteMsg(s, market.VerdictReply{Error: err.Error()})
		return
	}
	p.log.Info("signed a verdict", "execution", req.ExecutionID, "accused", req.Verdict.Provider, "amount", req.Verdict.Amount)
	_ = p2p.WriteMsg(s, market.VerdictReply{Signature: sig})
}

// signVerdict signs a verdict as a validator that ran the accused's job
// for the same requester: only when the accused's own signed commitment
// opens to a digest other than the one this node's run revealed, the
// dispute is the one of that job and runner, and the stake goes to the
// requester.
func (p *Provider) signVerdict(ctx context.Context, req market.VerdictRequest, requester string) ([]byte, error) {
	if p.cfg.Settlement == nil {
		return nil, errors.New("this node has no settlement: it signs no verdicts")
	}
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if err != nil || rec.Requester != requester {
		return nil, fmt.Errorf("no execution %s of yours here", req.ExecutionID)
	}
	mine, opening := p.commitment(ctx, rec.ID)
	if mine == nil || rec.State != job.StateCompleted {
		return nil, fmt.Errorf("execution %s has no verified result here", rec.ID)
	}
	acc := req.Accused
	task := verifiedTask(rec)
	switch {
	case acc.JobID != task:
		// Another job, or another task of this one: its result differs
		// from this run's by right.
		return nil, fmt.Errorf("the accused ran %s, not %s", acc.JobID, task)
	case acc.Runner == p.cfg.Key.Address():
		return nil, errors.New("a validator does not sign a verdict against itself")
	case req.Verdict.Provider != acc.Runner:
		return nil, errors.New("the verdict is not against the accused runner")
	case req.Verdict.DisputeID != verify.DisputeID(task, acc.Runner):
		return nil, errors.New("the dispute ID is not the one of this task and runner")
	case req.Verdict.Amount <= 0:
		return nil, errors.New("a verdict moves a positive amount")
	}
	if err := acc.Check(); err != nil {
		return nil, err
	}
	if err := acc.Opens(req.AccusedOpening); err != nil {
		return nil, err
	}
	if req.AccusedOpening.Digest == opening.Digest {
		return nil, errors.New("the accused revealed the result this validator got: no dispute")
	}
	// The beneficiary is the requester who paid for the runs.
	if err := p.checkBeneficiary(ctx, req.ExecutionID, req.Verdict.Beneficiary); err != nil {
		return nil, err
	}
	return p.cfg.Settlement.SignVerdict(req.Verdict)
}

// checkBeneficiary checks that addr is the requester that pays for
// execution: the account of its deal, or of its vouchers. (A short run's
// only report is its final one, whose voucher comes after the decision:
// latepay.go.)
func (p *Provider) checkBeneficiary(ctx context.Context, execution string, addr identity.Address) error {
	var d market.Deal
	if ok, err := p.cfg.Store.GetSetting(ctx, dealSettingPrefix+execution, &d); err == nil && ok && d.Quote.RequesterAddress == addr {
		return nil
	}
	vs, err := p.cfg.Store.Vouchers(ctx, store.RoleProvider, execution)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Voucher.Requester == addr {
			return nil
		}
	}
	return errors.New("the beneficiary is not the requester who paid for this run")
}
