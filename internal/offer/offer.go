// Package offer defines a provider's signed advertisement of free capacity
// and prices, its signing and verification, pricing of a task against it,
// and the catalog of live offers every node keeps.
package offer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/operator"
)

// Limits checked by Verify (and MaxSize by Decode).
const (
	MaxLabels            = 64
	MaxAllowedRequesters = 4096
	// MaxPeers caps the round-trip times an offer lists.
	MaxPeers = 64
	// MaxSize is the largest encoded offer Decode reads, the cap of offers
	// on every protocol and on the gossip topic.
	MaxSize = 64 << 10
)

// Domain is the EIP-712 domain of offers (off chain: no chain ID).
var Domain = identity.Domain{Name: "deco", Version: "1"}

const offerType = "Offer(string node,bytes32 body,uint64 expires)"

// Errors from Verify.
var (
	ErrExpired   = errors.New("offer expired")
	ErrForged    = errors.New("offer signature does not match its node")
	ErrMalformed = errors.New("malformed offer")
)

// Prices are a provider's linear prices per resource-hour.
type Prices struct {
	// CPUHour is the price of one core for one hour.
	CPUHour money.Amount `json:"cpuHour"`
	// MemoryGiBHour is the price of one GiB of memory for one hour.
	MemoryGiBHour money.Amount `json:"memoryGiBHour"`
	// DiskGiBHour is the price of one GiB of disk for one hour.
	DiskGiBHour money.Amount `json:"diskGiBHour,omitempty"`
	// GPUHour is the price of one GPU for one hour.
	GPUHour money.Amount `json:"gpuHour,omitempty"`
	// Custom prices one unit of each custom resource for one hour.
	Custom map[string]money.Amount `json:"custom,omitempty"`
}

// PerHour is what a task holding r costs per hour at these prices.
func (p Prices) PerHour(r job.Resources) money.Amount {
	const gib = 1 << 30
	return p.CPUHour.MulRatio(int64(r.CPU), 1000) +
		p.MemoryGiBHour.MulRatio(int64(r.Memory), gib) +
		p.DiskGiBHour.MulRatio(int64(r.Disk), gib) +
		p.GPUHour.MulRatio(int64(r.GPUs), 1) + p.customPerHour(r.Custom)
}

func (p Prices) customPerHour(c map[string]int64) money.Amount {
	var sum money.Amount
	for name, n := range c {
		sum += p.Custom[name].MulRatio(n, 1)
	}
	return sum
}

// GPU is one free GPU as advertised.
type GPU struct {
	Vendor string       `json:"vendor"`
	Model  string       `json:"model"`
	VRAM   job.ByteSize `json:"vram"`
}

// Offer is a provider's signed advertisement.
type Offer struct {
	// Node is the provider's libp2p peer ID.
	Node string `json:"node"`
	// Address is the provider's EVM address (same key as Node).
	Address identity.Address `json:"address"`
	// Seq increases with every offer the node issues; older ones are ignored.
	Seq uint64 `json:"seq"`
	// Free is the capacity available now (the share minus running tasks).
	Free job.Resources `json:"free"`
	// Total is the whole share the owner sells.
	Total job.Resources `json:"total"`
	// GPUs lists the free GPUs.
	GPUs      []GPU    `json:"gpus,omitempty"`
	Prices    Prices   `json:"prices"`
	Executors []string `json:"executors"`
	// Region is a free-form location label chosen by the owner.
	Region string `json:"region,omitempty"`
	// Network reports whether the provider lets tasks reach the network.
	Network bool `json:"network,omitempty"`
	// Links reports whether the provider can put tasks on a job network
	// (links between a multi-task job's tasks).
	Links bool `json:"links,omitempty"`
	// Ports reports whether the provider can reach a service job's ports
	// for its requester (`deco forward`): it can enter a task's network
	// namespace.
	Ports bool `json:"ports,omitempty"`
	// Validator reports that the provider re-runs other providers' tasks
	// to verify them (it opted in with deco onboard --validator; it must
	// also be staked and one of the escrow's validators to be chosen).
	Validator bool `json:"validator,omitempty"`
	// Labels are free-form key: value pairs chosen by the owner (e.g.
	// "tier: gold"); jobs select on them.
	Labels map[string]string `json:"labels,omitempty"`
	// Pool names the operator pool the node belongs to, if any. It counts
	// only when Operator certifies the node and the operator's policy
	// puts it in that pool (see sched's pool filter).
	Pool string `json:"pool,omitempty"`
	// Operator is the certificate of the operator that runs the node, if
	// any; Verify checks it, so the operator of an offer in a catalog is
	// what the operator signed.
	Operator *operator.Cert `json:"operator,omitempty"`
	// PolicyVersion is the version of its operator's policy the node
	// applies: a node holding an older one fetches it from this node.
	PolicyVersion uint64 `json:"policyVersion,omitempty"`
	// AllowedRequesters, when set, restricts the node to these requester
	// node IDs (a pool reserved to a group of requesters).
	AllowedRequesters []string `json:"allowedRequesters,omitempty"`
	// Peers are the round-trip times the node measured to its nearest
	// peers (at most MaxPeers, nearest first): the scheduler keeps the
	// tasks of a job with constraints.group.maxRTT on providers within
	// that of each other, not only of the requester.
	Peers []PeerRTT `json:"peers,omitempty"`
	// Withdrawn marks the provider's signed withdrawal of its offer
	// (deco offboard); catalogs drop the node.
	Withdrawn bool      `json:"withdrawn,omitempty"`
	IssuedAt  time.Time `json:"issuedAt"`
	Expires   time.Time `json:"expires"`
	Signature []byte    `json:"signature,omitempty"`
}

// PeerRTT is a round-trip time a node measured to a peer.
type PeerRTT struct {
	// Node is the peer's libp2p peer ID.
	Node string `json:"node"`
	// Micros is the smoothed round-trip time in microseconds.
	Micros int64 `json:"micros"`
}

// RTT is the round-trip time o's node measured to node, if it lists one.
func (o *Offer) RTT(node string) (time.Duration, bool) {
	for _, p := range o.Peers {
		if p.Node == node {
			return time.Duration(p.Micros) * time.Microsecond, true
		}
	}
	return 0, false
}

// hash is the EIP-712 digest signed for o (Signature excluded).
func (o Offer) hash() ([]byte, error) {
	o.Signature = nil
	body, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	sh := identity.StructHash(offerType, identity.StringWord(o.Node), identity.Keccak256(body), identity.Uint64(uint64(o.Expires.Unix())))
	return identity.TypedHash(Domain.Separator(), sh), nil
}

// Sign fills Node, Address and Signature from key.
func (o *Offer) Sign(key *identity.Key) error {
	o.Node, o.Address = key.PeerID(), key.Address()
	h, err := o.hash()
	if err != nil {
		return err
	}
	o.Signature, err = key.SignHash(h)
	return err
}

// Verify checks the signature against Node and Address, the expiry against
// now, and that the figures are sane.
func (o Offer) Verify(now time.Time) error {
	if o.Node == "" || o.Free.CPU < 0 || o.Free.Memory < 0 || o.Free.Disk < 0 || o.Free.GPUs < 0 || len(o.GPUs) > 1024 ||
		len(o.Labels) > MaxLabels || len(o.AllowedRequesters) > MaxAllowedRequesters || len(o.Peers) > MaxPeers {
		return ErrMalformed
	}
	for _, p := range o.Peers {
		if p.Node == "" || p.Micros <= 0 {
			return ErrMalformed
		}
	}
	if !now.Before(o.Expires) {
		return fmt.Errorf("%w at %s", ErrExpired, o.Expires.Format(time.RFC3339))
	}
	if o.Operator != nil {
		if err := o.Operator.Verify(o.Node, now); err != nil {
			return fmt.Errorf("%w: operator certificate: %v", ErrMalformed, err)
		}
	}
	h, err := o.hash()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	pub, err := identity.Recover(h, o.Signature)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForged, err)
	}
	if pub.PeerID() != o.Node || pub.Address() != o.Address {
		return ErrForged
	}
	return nil
}

// Decode parses a JSON offer strictly.
// Unknown fields, trailing data and offers over MaxSize are refused, as on
// every deco protocol.
func Decode(b []byte) (Offer, error) {
	if len(b) > MaxSize {
		return Offer{}, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(b), MaxSize)
	}
	var o Offer
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return Offer{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Offer{}, fmt.Errorf("%w: trailing data after the offer", ErrMalformed)
	}
	return o, nil
}

// Admits reports whether the offer accepts jobs from requester (always,
// unless AllowedRequesters restricts it).
func (o *Offer) Admits(requester string) bool {
	if len(o.AllowedRequesters) == 0 {
		return true
	}
	for _, r := range o.AllowedRequesters {
		if r == requester {
			return true
		}
	}
	return false
}

// OperatorAddress is the address of the operator that certified the node,
// and false for a node without an operator.
func (o *Offer) OperatorAddress() (identity.Address, bool) {
	if o.Operator == nil {
		return identity.Address{}, false
	}
	return o.Operator.Operator, true
}

// HasExecutor reports whether the offer runs name.
func (o Offer) HasExecutor(name string) bool {
	for _, e := range o.Executors {
		if e == name {
			return true
		}
	}
	return false
}
