package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Operator policies travel two ways: gossip on OperatorPolicyTopic when an
// operator publishes one (through any node), and ProtoOperatorPolicy, which
// a node uses to fetch the policy from a node whose offer shows a newer
// version than it holds (a node that was offline, or joined later).
const (
	OperatorPolicyTopic = "/deco/operator-policies/1"
	ProtoOperatorPolicy = "operator-policy"
	// operatorCertSetting is the store setting of the node's certificate.
	operatorCertSetting = "operatorCert"
)

// policyRequest asks a node for an operator's policy, or, with List, for
// the versions of every operator's policy it holds.
type policyRequest struct {
	Operator identity.Address `json:"operator"`
	List     bool             `json:"list,omitempty"`
}

// policyReply carries the policy (nil: the node has none) or the list.
type policyReply struct {
	Policy   *operator.Policy `json:"policy"`
	Versions []policyVersion  `json:"versions,omitempty"`
}

// policyVersion is one entry of a node's list of policies.
type policyVersion struct {
	Operator identity.Address `json:"operator"`
	Version  uint64           `json:"version"`
}

// maxListedPolicies bounds a list reply.
const maxListedPolicies = 1024

// operatorService keeps operators' policies for the scheduler, applies the
// node's own operator's to its provider, and spreads them.
type operatorService struct {
	n     *Node
	book  *operator.Book
	topic *p2p.Topic

	mu       sync.Mutex
	fetching map[identity.Address]bool
}

// startOperators loads stored policies and the node's certificate, joins
// the policy topic and serves policies to peers.
func (n *Node) startOperators(ctx context.Context) error {
	o := &operatorService{n: n, book: operator.NewBook(), fetching: map[identity.Address]bool{}}
	bodies, err := n.store.OperatorPolicies(ctx)
	if err != nil {
		return err
	}
	for _, b := range bodies {
		if p, err := operator.DecodePolicy(b); err == nil {
			o.book.Put(p)
		}
	}
	cert := n.cfg.OperatorCert
	if cert == nil {
		var c operator.Cert
		if found, err := n.store.GetSetting(ctx, operatorCertSetting, &c); err != nil {
			return err
		} else if found {
			cert = &c
		}
	}
	if cert != nil {
		if err := o.setCert(ctx, *cert); err != nil {
			return fmt.Errorf("operator certificate: %w", err)
		}
	}
	o.topic, err = n.host.Join(OperatorPolicyTopic, operator.MaxPolicySize, func(b []byte) error {
		_, err := operator.DecodePolicy(b)
		return err
	})
	if err != nil {
		return err
	}
	sub, err := o.topic.Subscribe(n.runCtx)
	if err != nil {
		return err
	}
	n.operators = o
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for m := range sub {
			if p, err := operator.DecodePolicy(m.Data); err == nil {
				o.take(p)
			}
		}
	}()
	n.host.Handle(p2p.ProtocolID(ProtoOperatorPolicy, 1), 10*time.Second, o.serve)
	n.host.Handle(p2p.ProtocolID(ProtoOperatorBilling, 1), 15*time.Second, o.serveBilling)
	return nil
}

// setCert installs and stores the node's certificate, and applies its
// operator's policy if the book has it.
func (o *operatorService) setCert(ctx context.Context, c operator.Cert) error {
	if err := o.n.provider.SetOperator(&c); err != nil {
		return err
	}
	if err := o.n.store.PutSetting(ctx, operatorCertSetting, c); err != nil {
		return err
	}
	if p := o.book.Policy(c.Operator); p != nil {
		o.n.provider.ApplyPolicy(p)
	}
	o.n.log.Info("this node is run by an operator", "operator", c.Operator, "expires", c.Expires)
	return nil
}

// take keeps a verified policy if it is newer than the one held, and
// applies it when it is this node's operator's; it reports whether it
// was new.
func (o *operatorService) take(p *operator.Policy) bool {
	if !o.book.Put(p) {
		return false
	}
	b, err := json.Marshal(p)
	if err == nil {
		err = o.n.store.PutOperatorPolicy(context.Background(), p.Operator.String(), p.Version, b)
	}
	if err != nil {
		o.n.log.Warn("persist operator policy", "operator", p.Operator, "err", err)
	}
	o.n.provider.ApplyPolicy(p)
	return true
}

// publish takes a policy and gossips it.
func (o *operatorService) publish(ctx context.Context, p *operator.Policy) (bool, error) {
	fresh := o.take(p)
	b, err := json.Marshal(p)
	if err != nil {
		return fresh, err
	}
	return fresh, o.topic.Publish(ctx, b)
}

// offerSeen fetches the policy of an offer's operator from the offering
// node when the offer shows a newer version than the book holds.
func (o *operatorService) offerSeen(of offer.Offer) {
	if o == nil || of.Operator == nil || of.PolicyVersion <= o.book.Version(of.Operator.Operator) {
		return
	}
	if pid, err := peer.Decode(of.Node); err == nil {
		o.fetch(pid, of.Operator.Operator)
	}
}

// syncFrom asks a newly connected peer which policies it holds and fetches
// those newer than the book's: a node that was offline catches up at once.
func (o *operatorService) syncFrom(ctx context.Context, pid peer.ID) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var reply policyReply
	if err := o.n.host.Request(ctx, pid, p2p.ProtocolID(ProtoOperatorPolicy, 1), policyRequest{List: true}, &reply, 1<<20); err != nil {
		o.n.log.Debug("list operator policies", "peer", pid, "err", err)
		return
	}
	for _, v := range reply.Versions {
		if v.Version > o.book.Version(v.Operator) {
			o.fetch(pid, v.Operator)
		}
	}
}

// fetch gets an operator's policy from a peer in the background (one fetch
// per operator at a time).
func (o *operatorService) fetch(pid peer.ID, op identity.Address) {
	o.mu.Lock()
	busy := o.fetching[op]
	o.fetching[op] = true
	o.mu.Unlock()
	if busy {
		return
	}
	o.n.wg.Add(1)
	go func() {
		defer o.n.wg.Done()
		defer func() { o.mu.Lock(); delete(o.fetching, op); o.mu.Unlock() }()
		ctx, cancel := context.WithTimeout(o.n.runCtx, 10*time.Second)
		defer cancel()
		var reply policyReply
		if err := o.n.host.Request(ctx, pid, p2p.ProtocolID(ProtoOperatorPolicy, 1), policyRequest{Operator: op}, &reply, operator.MaxPolicySize+1024); err != nil {
			o.n.log.Debug("fetch operator policy", "peer", pid, "err", err)
			return
		}
		if p := reply.Policy; p != nil && p.Operator == op {
			if err := p.Verify(); err != nil {
				o.n.log.Debug("fetched operator policy refused", "peer", pid, "err", err)
				return
			}
			o.take(p)
		}
	}()
}

// serve answers a peer's request for an operator's policy.
func (o *operatorService) serve(_ context.Context, s network.Stream) {
	var req policyRequest
	if err := p2p.ReadMsg(s, &req, 1024); err != nil {
		return
	}
	if req.List {
		var vs []policyVersion
		for _, p := range o.book.All() {
			if len(vs) == maxListedPolicies {
				break
			}
			vs = append(vs, policyVersion{Operator: p.Operator, Version: p.Version})
		}
		_ = p2p.WriteMsg(s, policyReply{Versions: vs})
		return
	}
	_ = p2p.WriteMsg(s, policyReply{Policy: o.book.Policy(req.Operator)})
}

// Operators is the node's book of operators' policies.
func (n *Node) Operators() *operator.Book { return n.operators.book }

// Operator answers GET /v1/operator.
func (b backend) Operator(context.Context) (api.OperatorView, error) {
	cert, version := b.n.provider.Operator()
	v := api.OperatorView{Cert: cert, PolicyVersion: version}
	if cert != nil {
		if p := b.n.operators.book.Policy(cert.Operator); p != nil && p.Version == version {
			if pl := p.PoolOf(b.n.key.PeerID()); pl != nil {
				v.Pool = pl.Name
			}
		}
	}
	return v, nil
}

// SetOperatorCert answers PUT /v1/operator/cert.
func (b backend) SetOperatorCert(ctx context.Context, c operator.Cert) (api.OperatorView, error) {
	if err := b.n.operators.setCert(ctx, c); err != nil {
		if errors.Is(err, operator.ErrForged) || errors.Is(err, operator.ErrExpired) || errors.Is(err, operator.ErrMalformed) {
			return api.OperatorView{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
		}
		return api.OperatorView{}, err
	}
	return b.Operator(ctx)
}

// OperatorPolicies answers GET /v1/operator/policies.
func (b backend) OperatorPolicies(context.Context) ([]*operator.Policy, error) {
	return b.n.operators.book.All(), nil
}

// PublishPolicy answers POST /v1/operator/policies.
func (b backend) PublishPolicy(ctx context.Context, p *operator.Policy) (api.PolicyPublished, error) {
	if err := p.Verify(); err != nil {
		return api.PolicyPublished{}, fmt.Errorf("%w: policy: %w", api.ErrBadRequest, err)
	}
	fresh, err := b.n.operators.publish(ctx, p)
	return api.PolicyPublished{Operator: p.Operator, Version: p.Version, New: fresh}, err
}

// Billing answers GET /v1/billing.
func (b backend) Billing(ctx context.Context, role string, from, to time.Time, by string) (api.Billing, error) {
	r := store.RoleRequester
	if role == "provider" {
		r = store.RoleProvider
	}
	recs, err := b.n.store.BillingRecords(ctx, r, from, to)
	if err != nil {
		return api.Billing{}, err
	}
	lines, total, err := operator.Statement(recs, by)
	if err != nil {
		return api.Billing{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	if lines == nil {
		lines = []operator.Line{}
	}
	out := api.Billing{Role: role, From: from, To: to, By: by, Lines: lines, Total: total, Records: recs}
	if s := b.n.Settlement(); s != nil && r == store.RoleRequester {
		deps, err := b.n.depositRecords(ctx, s)
		if err != nil {
			return api.Billing{}, fmt.Errorf("recharge records: %w", err)
		}
		for _, d := range deps {
			if !d.At.Before(from) && d.At.Before(to) {
				out.Deposits = append(out.Deposits, d)
				out.Deposited += d.Amount
			}
		}
	}
	return out, nil
}

// ProtoOperatorBilling carries an operator's signed billing request to one
// of its nodes and the node's statement as a provider back.
const ProtoOperatorBilling = "operator-billing"

// nodeStatement is a node's answer to an operator's billing request.
type nodeStatement struct {
	Lines []operator.Line `json:"lines"`
	Total operator.Line   `json:"total"`
	Error string          `json:"error,omitempty"`
}

// maxStatementLines bounds a node's answer (a line per job, day, spec,
// requester or provider of the window).
const maxStatementLines = 10000

// serveBilling answers an operator's billing request when this node is
// one of that operator's nodes.
func (o *operatorService) serveBilling(ctx context.Context, s network.Stream) {
	var req operator.BillingRequest
	if err := p2p.ReadMsg(s, &req, 4096); err != nil {
		return
	}
	_ = p2p.WriteMsg(s, o.statementFor(ctx, req))
}

func (o *operatorService) statementFor(ctx context.Context, req operator.BillingRequest) nodeStatement {
	if err := req.Verify(o.n.cfg.Clock()); err != nil {
		return nodeStatement{Error: err.Error()}
	}
	if cert, _ := o.n.provider.Operator(); cert == nil || cert.Operator != req.Operator {
		return nodeStatement{Error: "this node is not one of operator " + req.Operator.String() + "'s"}
	}
	recs, err := o.n.store.BillingRecords(ctx, store.RoleProvider, req.From, req.To)
	if err != nil {
		return nodeStatement{Error: err.Error()}
	}
	lines, total, err := operator.Statement(recs, req.By)
	if err != nil {
		return nodeStatement{Error: err.Error()}
	}
	if len(lines) > maxStatementLines {
		return nodeStatement{Error: fmt.Sprintf("%d lines, more than %d: ask for a shorter window or another grouping", len(lines), maxStatementLines)}
	}
	return nodeStatement{Lines: lines, Total: total}
}

// OperatorBilling answers POST /v1/operator/billing: the statement of
// every node certified by the request's operator that this node knows,
// each asked over libp2p (this node answers for itself directly).
func (b backend) OperatorBilling(ctx context.Context, req operator.BillingRequest) (api.OperatorBilling, error) {
	if err := req.Verify(b.n.cfg.Clock()); err != nil {
		return api.OperatorBilling{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	var nodes []string
	b.n.catalog.View(func(all []offer.Offer) {
		for _, o := range all {
			if op, ok := o.OperatorAddress(); ok && op == req.Operator {
				nodes = append(nodes, o.Node)
			}
		}
	})
	slices.Sort(nodes)
	out := api.OperatorBilling{Operator: req.Operator, From: req.From, To: req.To, By: req.By, Nodes: make([]api.NodeStatement, len(nodes))}
	var wg sync.WaitGroup
	for i, node := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := b.nodeStatement(ctx, node, req)
			out.Nodes[i] = api.NodeStatement{Node: node, Total: st.Total, Lines: st.Lines, Error: st.Error}
		}()
	}
	wg.Wait()
	var all [][]operator.Line
	for _, n := range out.Nodes {
		if n.Error == "" {
			all = append(all, n.Lines)
			out.Answered++
		}
	}
	out.Lines, out.Total = operator.Merge(all...)
	if out.Lines == nil {
		out.Lines = []operator.Line{}
	}
	return out, nil
}

func (b backend) nodeStatement(ctx context.Context, node string, req operator.BillingRequest) nodeStatement {
	if node == b.n.key.PeerID() {
		return b.n.operators.statementFor(ctx, req)
	}
	pid, err := peer.Decode(node)
	if err != nil {
		return nodeStatement{Error: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var st nodeStatement
	if err := b.n.host.Request(ctx, pid, p2p.ProtocolID(ProtoOperatorBilling, 1), req, &st, 8<<20); err != nil {
		return nodeStatement{Error: err.Error()}
	}
	if len(st.Lines) > maxStatementLines {
		return nodeStatement{Error: "answer too long"}
	}
	return st
}

// schedOperators is what the scheduler reads of operators: their policies,
// and this node's balances for groups of token holders (cached a minute).
type schedOperators struct {
	*operator.Book
	ctx      context.Context
	balances *settle.BalanceCache
}

// Balance implements sched.BalanceSource.
func (s schedOperators) Balance(addr identity.Address) (money.Amount, bool) {
	if s.balances == nil {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	a, err := s.balances.Balance(ctx, addr)
	return a, err == nil
}

func (o *operatorService) schedSource() schedOperators {
	src := schedOperators{Book: o.book, ctx: o.n.runCtx}
	if s := o.n.Settlement(); s != nil {
		src.balances = settle.NewBalanceCache(s, 0, o.n.cfg.Clock)
	}
	return src
}
