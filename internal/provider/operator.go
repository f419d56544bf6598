package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

// operatorState is what the node's operator decided for it: its
// certificate, carried in every offer, and the operator's latest policy,
// which puts the node in a pool, binds the pool to groups of requesters
// and prices resource specs. It is guarded by Provider.mu.
type operatorState struct {
	cert   *operator.Cert
	policy *operator.Policy
}

// readBalance reads, before the provider's lock is taken, the balance of
// a requester the operator's policy may admit by it (nil: not needed, or
// no chain).
func (p *Provider) readBalance(requester string) operator.BalanceOf {
	p.mu.Lock()
	pol := p.operator.policy
	p.mu.Unlock()
	if pol == nil || p.balances == nil || !pol.NeedsBalance(pol.PoolOf(p.cfg.Key.PeerID())) {
		return nil
	}
	addr, err := identity.PeerAddress(requester)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a, err := p.balances.Balance(ctx, addr)
	if err != nil {
		p.log.Warn("read a requester's balance for the operator's groups", "requester", addr, "err", err)
		return nil
	}
	return func(who identity.Address) (money.Amount, bool) { return a, who == addr }
}

// SetOperator installs the node's operator certificate (nil: none) and
// republishes the offer. A policy of another operator is dropped.
func (p *Provider) SetOperator(c *operator.Cert) error {
	if c != nil {
		if err := c.Verify(p.cfg.Key.PeerID(), p.now()); err != nil {
			return err
		}
	}
	p.mu.Lock()
	p.operator.cert = c
	if c == nil || p.operator.policy != nil && p.operator.policy.Operator != c.Operator {
		p.operator.policy = nil
	}
	p.mu.Unlock()
	p.kick()
	return nil
}

// ApplyPolicy applies a verified operator policy when it is the node's
// operator's and newer than the one applied, republishing the offer; it
// reports whether it did.
func (p *Provider) ApplyPolicy(pol *operator.Policy) bool {
	p.mu.Lock()
	st := &p.operator
	ok := st.cert != nil && st.cert.Operator == pol.Operator && (st.policy == nil || pol.Version > st.policy.Version)
	if ok {
		st.policy = pol
	}
	p.mu.Unlock()
	if ok {
		p.log.Info("applied the operator's policy", "operator", pol.Operator, "version", pol.Version)
		p.kick()
	}
	return ok
}

// Operator is the node's certificate and the version of the policy it
// applies (nil, 0 without an operator).
func (p *Provider) Operator() (*operator.Cert, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.operator.policy == nil {
		return p.operator.cert, 0
	}
	return p.operator.cert, p.operator.policy.Version
}

// stamp puts the certificate, the policy's pool and its version on an
// offer being issued.
func (st *operatorState) stamp(o *offer.Offer, self string) {
	if st.cert == nil {
		return
	}
	o.Operator = st.cert
	if st.policy == nil {
		o.Pool = "" // nothing certified to claim yet
		return
	}
	o.PolicyVersion = st.policy.Version
	o.Pool = ""
	if pl := st.policy.PoolOf(self); pl != nil {
		o.Pool = pl.Name
	}
}

// admit checks the operator's rules for a task: a pool bound to groups
// serves only their members, and a task that names a resource spec must
// be one the node's pool sells, with the spec's resources. balance is the
// requester's balance read beforehand (readBalance), for groups of token
// holders.
func (st *operatorState) admit(self, requester string, spec *job.Spec, balance operator.BalanceOf) error {
	pol := st.policy
	if pol == nil {
		if spec.ResourceSpec != "" {
			return fmt.Errorf("this node sells no resource specs (spec %q)", spec.ResourceSpec)
		}
		return nil
	}
	pool := pol.PoolOf(self)
	addr, err := identity.PeerAddress(requester)
	if err != nil {
		return fmt.Errorf("requester: %w", err)
	}
	if err := pol.Admit(pool, addr, balance); err != nil {
		return err
	}
	if name := spec.ResourceSpec; name != "" {
		s := pol.Spec(name)
		if s == nil || !pol.Sells(self, name) {
			return fmt.Errorf("this node does not sell resource spec %q", name)
		}
		if !sameResources(s.Resources, spec.Resources, s.Resources.Disk == 0) {
			return fmt.Errorf("resource spec %q here is %s, the task asks for %s", name, describe(s.Resources), describe(spec.Resources))
		}
	}
	return nil
}

// sameResources compares a spec's resources with a task's; a spec that
// sets no disk leaves the task its own (the job's default).
func sameResources(spec, task job.Resources, anyDisk bool) bool {
	if anyDisk {
		spec.Disk = task.Disk
	}
	return spec.Equal(task)
}

func describe(r job.Resources) string {
	s := fmt.Sprintf("%s cores, %s memory", r.CPU, r.Memory)
	if r.Disk > 0 {
		s += ", " + r.Disk.String() + " disk"
	}
	if r.GPUs > 0 {
		s += fmt.Sprintf(", %d GPUs", r.GPUs)
	}
	return s
}

// pricer is the pricing of a task: by the named spec's price per machine
// hour, or the owner's own pricing.
func (st *operatorState) pricer(spec string, own market.Pricer) market.Pricer {
	if spec == "" || st.policy == nil {
		return own
	}
	if s := st.policy.Spec(spec); s != nil {
		return specPricer{s.PricePerHour}
	}
	return own
}

// specPricer prices every task at one spec's price per hour.
type specPricer struct{ perHour money.Amount }

func (s specPricer) Price(context.Context, market.PriceRequest) (market.Price, error) {
	if s.perHour < 0 {
		return market.Price{}, errors.New("negative spec price")
	}
	return market.Price{PerHour: s.perHour}, nil
}
