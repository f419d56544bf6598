package operator

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
)

const policyType = "OperatorPolicy(address operator,uint64 version,bytes32 body)"

// Limits checked by Verify. MaxPolicySize is the cap on every protocol and
// on the gossip topic: room for 10,000 nodes and members.
const (
	MaxPolicySize = 1 << 20
	MaxPools      = 256
	MaxGroups     = 256
	MaxSpecs      = 256
	MaxNodes      = 10000
	MaxMembers    = 10000
)

// Pool is a named set of the operator's nodes. Bound to groups, it admits
// only their members; it sells the named specs (none: only the nodes'
// own linear prices).
type Pool struct {
	Name   string   `json:"name" yaml:"name"`
	Nodes  []string `json:"nodes" yaml:"nodes"`
	Groups []string `json:"groups,omitempty" yaml:"groups,omitempty"`
	Specs  []string `json:"specs,omitempty" yaml:"specs,omitempty"`
}

// Group is a named set of requesters: the listed addresses, and, when
// MinBalance is set, every address holding at least that many tokens on
// the chain the nodes settle on (a rule instead of a list).
type Group struct {
	Name    string             `json:"name" yaml:"name"`
	Members []identity.Address `json:"members" yaml:"members"`
	// MinBalance, when set, also admits holders of this balance.
	MinBalance money.Amount `json:"minBalance,omitempty" yaml:"minBalance,omitempty"`
}

// BalanceOf reads a requester's token balance (for groups with a
// MinBalance rule); ok is false when it cannot be read.
type BalanceOf func(identity.Address) (amount money.Amount, ok bool)

// Spec is a resource specification: a named bundle of resources the
// operator sells at one price per hour. A task run on a spec for a time d
// is d machine hours of that spec.
type Spec struct {
	Name      string        `json:"name" yaml:"name"`
	Resources job.Resources `json:"resources" yaml:"resources"`
	// PricePerHour is the price of one machine hour of the spec.
	PricePerHour money.Amount `json:"pricePerHour" yaml:"pricePerHour"`
}

// Body is what an operator writes (the policy file): everything of a
// Policy but who signed it and when.
type Body struct {
	Pools  []Pool  `json:"pools,omitempty" yaml:"pools,omitempty"`
	Groups []Group `json:"groups,omitempty" yaml:"groups,omitempty"`
	Specs  []Spec  `json:"specs,omitempty" yaml:"specs,omitempty"`
}

// Policy is an operator's signed policy over all its nodes. A later
// version replaces an earlier one everywhere.
type Policy struct {
	Operator identity.Address `json:"operator"`
	// Version orders an operator's policies; Sign sets it from the clock
	// (milliseconds), so a later policy always wins.
	Version   uint64    `json:"version"`
	IssuedAt  time.Time `json:"issuedAt"`
	Pools     []Pool    `json:"pools,omitempty"`
	Groups    []Group   `json:"groups,omitempty"`
	Specs     []Spec    `json:"specs,omitempty"`
	Signature []byte    `json:"signature"`

	// Filled by Verify (or Check): node -> index in Pools, group name ->
	// members.
	nodes      map[string]int
	members    map[string]map[identity.Address]struct{}
	minBalance map[string]money.Amount
}

// Sign makes a policy of body signed by key, at version now (ms), after
// checking body.
func Sign(key *identity.Key, body Body, now time.Time) (*Policy, error) {
	p := &Policy{Operator: key.Address(), Version: uint64(now.UnixMilli()), IssuedAt: now.UTC().Truncate(time.Millisecond),
		Pools: body.Pools, Groups: body.Groups, Specs: body.Specs}
	if err := p.check(); err != nil {
		return nil, err
	}
	// Nodes check a policy's node IDs by their form only (on every hop);
	// the operator signing it checks each is a real key.
	for i, pl := range p.Pools {
		for _, n := range pl.Nodes {
			if _, err := identity.ParsePeerID(n); err != nil {
				return nil, fmt.Errorf("%w: pools[%d].nodes: %v", ErrMalformed, i, err)
			}
		}
	}
	h, err := p.hash()
	if err != nil {
		return nil, err
	}
	p.Signature, err = key.SignHash(h)
	return p, err
}

func (p *Policy) hash() ([]byte, error) {
	body, err := json.Marshal(Body{Pools: p.Pools, Groups: p.Groups, Specs: p.Specs})
	if err != nil {
		return nil, err
	}
	issued, err := p.IssuedAt.MarshalText()
	if err != nil {
		return nil, err
	}
	sh := identity.StructHash(policyType, identity.AddressWord(p.Operator), identity.Uint64(p.Version),
		identity.Keccak256(body, issued))
	return identity.TypedHash(Domain.Separator(), sh), nil
}

// Verify checks the signature and the contents, and indexes the policy
// for PoolOf and Admits.
func (p *Policy) Verify() error {
	if err := p.check(); err != nil {
		return err
	}
	h, err := p.hash()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	got, err := identity.RecoverAddress(h, p.Signature)
	if err != nil || got != p.Operator {
		return ErrForged
	}
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// check validates the contents (names, references, limits) and indexes.
func (p *Policy) check() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(p.Pools) > MaxPools || len(p.Groups) > MaxGroups || len(p.Specs) > MaxSpecs {
		return fmt.Errorf("%w: at most %d pools, %d groups and %d specs", ErrMalformed, MaxPools, MaxGroups, MaxSpecs)
	}
	groups := map[string]map[identity.Address]struct{}{}
	minBalance := map[string]money.Amount{}
	members := 0
	for i, g := range p.Groups {
		if !nameRE.MatchString(g.Name) {
			bad("groups[%d].name: %q is not a name (letters, digits, . _ -; up to 63)", i, g.Name)
		}
		if _, dup := groups[g.Name]; dup {
			bad("groups[%d].name: group %q is defined twice", i, g.Name)
		}
		set := make(map[identity.Address]struct{}, len(g.Members))
		for _, m := range g.Members {
			set[m] = struct{}{}
		}
		members += len(g.Members)
		groups[g.Name] = set
		if g.MinBalance < 0 {
			bad("groups[%d].minBalance: must not be negative", i)
		}
		if g.MinBalance > 0 {
			minBalance[g.Name] = g.MinBalance
		}
	}
	if members > MaxMembers {
		bad("groups: %d members in all, limit %d", members, MaxMembers)
	}
	specs := map[string]bool{}
	for i, s := range p.Specs {
		if !nameRE.MatchString(s.Name) {
			bad("specs[%d].name: %q is not a name (letters, digits, . _ -; up to 63)", i, s.Name)
		}
		if specs[s.Name] {
			bad("specs[%d].name: spec %q is defined twice", i, s.Name)
		}
		specs[s.Name] = true
		r := s.Resources
		if r.CPU <= 0 || r.Memory <= 0 {
			bad("specs[%d].resources: a spec needs cpu and memory", i)
		}
		if r.Disk < 0 || r.GPUs < 0 {
			bad("specs[%d].resources: must not be negative", i)
		}
		if s.PricePerHour < 0 {
			bad("specs[%d].pricePerHour: must not be negative", i)
		}
		if len(r.Custom) > job.MaxCustomKinds {
			bad("specs[%d].resources.custom: at most %d kinds", i, job.MaxCustomKinds)
		}
		for name, n := range r.Custom {
			if !job.ValidCustomName(name) || n < 1 || n > job.MaxCustomCount {
				bad("specs[%d].resources.custom: %q: %d is not a custom resource count", i, name, n)
			}
		}
	}
	nodes := map[string]int{}
	pools := map[string]bool{}
	for i, pl := range p.Pools {
		if !nameRE.MatchString(pl.Name) {
			bad("pools[%d].name: %q is not a name (letters, digits, . _ -; up to 63)", i, pl.Name)
		}
		if pools[pl.Name] {
			bad("pools[%d].name: pool %q is defined twice", i, pl.Name)
		}
		pools[pl.Name] = true
		for _, n := range pl.Nodes {
			if err := identity.CheckPeerID(n); err != nil {
				bad("pools[%d].nodes: %q: %v", i, n, err)
				continue
			}
			if j, dup := nodes[n]; dup {
				bad("pools[%d].nodes: node %s is already in pool %q", i, n, p.Pools[j].Name)
			}
			nodes[n] = i
		}
		for _, g := range pl.Groups {
			if _, ok := groups[g]; !ok {
				bad("pools[%d].groups: no group %q in the policy", i, g)
			}
		}
		for _, s := range pl.Specs {
			if !specs[s] {
				bad("pools[%d].specs: no spec %q in the policy", i, s)
			}
		}
	}
	if len(nodes) > MaxNodes {
		bad("pools: %d nodes in all, limit %d", len(nodes), MaxNodes)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	p.nodes, p.members, p.minBalance = nodes, groups, minBalance
	return nil
}

// DecodePolicy parses a JSON policy strictly and verifies it.
func DecodePolicy(b []byte) (*Policy, error) {
	p := new(Policy)
	if err := decodeStrict(b, MaxPolicySize, p); err != nil {
		return nil, err
	}
	if err := p.Verify(); err != nil {
		return nil, err
	}
	return p, nil
}

// PoolOf is the pool node is in, or nil.
func (p *Policy) PoolOf(node string) *Pool {
	if i, ok := p.nodes[node]; ok {
		return &p.Pools[i]
	}
	return nil
}

// Spec is the named spec, or nil.
func (p *Policy) Spec(name string) *Spec {
	for i := range p.Specs {
		if p.Specs[i].Name == name {
			return &p.Specs[i]
		}
	}
	return nil
}

// Admit says whether pool admits the requester with that address: every
// requester when the pool is bound to no group, else members of one of its
// groups (listed, or holding a group's MinBalance as balance reads it; nil
// reads none). The error says why not, in words for the placement report.
func (p *Policy) Admit(pool *Pool, requester identity.Address, balance BalanceOf) error {
	if pool == nil || len(pool.Groups) == 0 {
		return nil
	}
	for _, g := range pool.Groups {
		if _, ok := p.members[g][requester]; ok {
			return nil
		}
	}
	var rules []string
	for _, g := range pool.Groups {
		min, ok := p.minBalance[g]
		if !ok {
			continue
		}
		rules = append(rules, fmt.Sprintf("holders of %s DECO are members of %s", min, g))
		if balance == nil {
			continue
		}
		if have, ok := balance(requester); ok && have >= min {
			return nil
		}
	}
	what := "group " + pool.Groups[0]
	if len(pool.Groups) > 1 {
		what = "groups " + strings.Join(pool.Groups, ", ")
	}
	msg := fmt.Sprintf("pool %s is for %s; you (%s) are not a member", pool.Name, what, requester)
	if len(rules) > 0 {
		msg += " (" + strings.Join(rules, "; ") + ")"
	}
	return errors.New(msg)
}

// NeedsBalance reports whether admitting to pool may take a requester's
// balance (one of its groups has a MinBalance rule).
func (p *Policy) NeedsBalance(pool *Pool) bool {
	if pool == nil {
		return false
	}
	for _, g := range pool.Groups {
		if _, ok := p.minBalance[g]; ok {
			return true
		}
	}
	return false
}

// Sells reports whether the node is in a pool that sells the spec.
func (p *Policy) Sells(node, spec string) bool {
	pl := p.PoolOf(node)
	return pl != nil && slices.Contains(pl.Specs, spec)
}
