package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// DefaultQuoteTTL is how long a quote (and the capacity it holds) lives.
const DefaultQuoteTTL = 30 * time.Second

// serveQuote answers a quote request: it re-checks real free capacity and
// policy, reserves the capacity until the quote's deadline, prices the task
// and signs the quote. A request with Decline releases an earlier quote.
func (p *Provider) serveQuote(ctx context.Context, s network.Stream) {
	var req market.QuoteRequest
	if err := p.readRequest(s, &req, market.MaxTaskRequest); err != nil {
		_ = p2p.WriteMsg(s, market.QuoteReply{Error: fmt.Sprintf("bad quote request: %v", err)})
		return
	}
	requester := s.Conn().RemotePeer().String()
	if req.Decline {
		p.releaseQuote(req.ExecutionID, requester)
		_ = p2p.WriteMsg(s, market.QuoteReply{})
		return
	}
	q, err := p.quote(ctx, &req, requester)
	p.cfg.Metrics.Quoted(err == nil)
	if err != nil {
		_ = p2p.WriteMsg(s, market.QuoteReply{Error: err.Error()})
		return
	}
	_ = p2p.WriteMsg(s, market.QuoteReply{Quote: q})
}

// quote reserves capacity and returns a signed quote.
func (p *Provider) quote(ctx context.Context, req *market.QuoteRequest, requester string) (*market.Quote, error) {
	tr := market.TaskRequest{JobID: req.JobID, ExecutionID: req.ExecutionID, TaskIndex: req.TaskIndex, Spec: req.Spec, SpecDigest: req.SpecDigest}
	alloc, _, err := p.admit(&tr, requester)
	if err != nil {
		return nil, err
	}
	release := func() { p.release(req.ExecutionID) }
	p.mu.Lock()
	pol := p.onboarding.Policy
	pricer := p.operator.pricer(req.Spec.ResourceSpec, pol.Pricer())
	gpus := map[string]inventory.GPU{}
	_, all := p.ledger.Total()
	for _, g := range all {
		gpus[g.UUID] = g
	}
	p.mu.Unlock()
	var models []string
	for _, id := range alloc.GPUs {
		models = append(models, gpus[id].Model)
	}
	var price market.Price // a job in a booking is free: the booking pays for the time
	if !req.Spec.InBooking() {
		price, err = pricer.Price(ctx, market.PriceRequest{JobID: req.JobID, Executor: req.Spec.Executor,
			Resources: req.Spec.Resources, GPUModels: models, Timeout: req.Spec.Timeout, Requester: requester})
	}
	if err != nil {
		release()
		return nil, fmt.Errorf("price the task: %w", err)
	}
	now := p.now()
	ttl := p.cfg.QuoteTTL
	if ttl <= 0 {
		ttl = DefaultQuoteTTL
	}
	q := &market.Quote{JobID: req.JobID, SpecDigest: req.SpecDigest, TaskIndex: req.TaskIndex, ExecutionID: req.ExecutionID,
		Requester: requester, RequesterAddress: req.RequesterAddress,
		Terms: market.Terms{PerHour: price.PerHour, Fixed: price.Fixed,
			MaxAmount: market.MaxAmount(price.PerHour, price.Fixed, req.Spec.Timeout.Std())},
		Deadline: now.Add(ttl), Verification: req.Spec.Verify().String()}
	if p.paying() {
		q.Escrow = p.cfg.Escrow
	}
	if err := q.SignAsProvider(p.cfg.Key); err != nil {
		release()
		return nil, err
	}
	p.mu.Lock()
	if r := p.running[req.ExecutionID]; r != nil {
		r.quoteExpires = q.Deadline
	}
	p.mu.Unlock()
	p.kick()
	return q, nil
}

// releaseQuote frees a quoted reservation the requester declined.
func (p *Provider) releaseQuote(id, requester string) {
	p.mu.Lock()
	r := p.running[id]
	ok := r != nil && r.requester == requester && !r.quoteExpires.IsZero()
	p.mu.Unlock()
	if ok {
		p.release(id)
	}
}

// expireQuotes releases reservations whose quote passed its deadline
// without becoming a deal.
func (p *Provider) expireQuotes() {
	now := p.now()
	var expired []string
	p.mu.Lock()
	for id, r := range p.running {
		if !r.quoteExpires.IsZero() && now.After(r.quoteExpires) {
			expired = append(expired, id)
		}
	}
	p.mu.Unlock()
	for _, id := range expired {
		p.log.Debug("quote expired, capacity released", "execution", id)
		p.release(id)
	}
}

// commitDeal turns a quoted reservation into a running execution: the deal
// must carry this provider's quote for exactly this task, countersigned by
// the requester on the stream.
func (p *Provider) commitDeal(req *market.TaskRequest, requester string) (inventory.Allocation, exec.Executor, error) {
	d := req.Deal
	if d == nil {
		return inventory.Allocation{}, nil, errors.New("no deal: ask for a quote first (/deco/quote/1)")
	}
	q := d.Quote
	switch {
	case q.Provider != p.cfg.Key.PeerID():
		return inventory.Allocation{}, nil, errors.New("deal names another provider")
	case q.Requester != requester:
		return inventory.Allocation{}, nil, errors.New("deal names another requester")
	case q.ExecutionID != req.ExecutionID || q.JobID != req.JobID || q.TaskIndex != req.TaskIndex:
		return inventory.Allocation{}, nil, market.ErrTermsMismatch
	case q.SpecDigest != req.SpecDigest || job.Digest(req.Spec) != req.SpecDigest:
		return inventory.Allocation{}, nil, errors.New("deal is for another spec")
	}
	if err := d.Verify(p.now()); err != nil {
		return inventory.Allocation{}, nil, err
	}
	if req.Spec.Network.Links {
		if _, err := p.members(req); err != nil {
			return inventory.Allocation{}, nil, err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.running[req.ExecutionID]
	if r == nil || r.requester != requester || r.quoteExpires.IsZero() {
		return inventory.Allocation{}, nil, errors.New("no reservation for this deal (the quote expired or was used)")
	}
	r.quoteExpires = time.Time{} // committed: no longer expires
	alloc, _ := p.allocationLocked(req.ExecutionID)
	return alloc, p.cfg.Executors[req.Spec.Executor], nil
}
