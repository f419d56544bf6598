package operator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/deco-network/deco/internal/identity"
)

// Domain is the EIP-712 domain of operator certificates and policies (off
// chain: no chain ID), the same as offers'.
var Domain = identity.Domain{Name: "deco", Version: "1"}

const certType = "OperatorCert(address operator,string node,uint64 issuedAt,uint64 expires)"

// MaxCertSize is the largest encoded certificate DecodeCert reads.
const MaxCertSize = 4 << 10

// Errors from Cert.Verify and Policy.Verify.
var (
	ErrForged    = errors.New("signature does not match the operator")
	ErrExpired   = errors.New("certificate expired")
	ErrMalformed = errors.New("malformed operator document")
)

// Cert is an operator's signed statement that a node is one of its nodes.
// A node puts it in its offers; every node checks it, so "the operator of
// this node" is what the operator signed, not what the node says.
type Cert struct {
	// Operator is the operator key's address.
	Operator identity.Address `json:"operator"`
	// Node is the node's peer ID.
	Node      string    `json:"node"`
	IssuedAt  time.Time `json:"issuedAt"`
	Expires   time.Time `json:"expires"`
	Signature []byte    `json:"signature"`
}

func (c Cert) hash() []byte {
	sh := identity.StructHash(certType, identity.AddressWord(c.Operator), identity.StringWord(c.Node),
		identity.Uint64(uint64(c.IssuedAt.Unix())), identity.Uint64(uint64(c.Expires.Unix())))
	return identity.TypedHash(Domain.Separator(), sh)
}

// Issue signs a certificate for node with the operator's key, valid for ttl
// from now. The times are kept to the second, as signed.
func Issue(key *identity.Key, node string, now time.Time, ttl time.Duration) (Cert, error) {
	if _, err := identity.ParsePeerID(node); err != nil {
		return Cert{}, fmt.Errorf("node: %w", err)
	}
	if ttl <= 0 {
		return Cert{}, errors.New("validity must be positive")
	}
	now = now.UTC().Truncate(time.Second)
	c := Cert{Operator: key.Address(), Node: node, IssuedAt: now, Expires: now.Add(ttl).Truncate(time.Second)}
	var err error
	c.Signature, err = key.SignHash(c.hash())
	return c, err
}

// Verify checks that the certificate is the operator's signature for node
// and valid at now.
func (c Cert) Verify(node string, now time.Time) error {
	if c.Node != node {
		return fmt.Errorf("%w: certificate is for node %s, not %s", ErrMalformed, c.Node, node)
	}
	if !now.Before(c.Expires) {
		return fmt.Errorf("%w at %s", ErrExpired, c.Expires.Format(time.RFC3339))
	}
	if c.IssuedAt.After(c.Expires) {
		return fmt.Errorf("%w: issued after it expires", ErrMalformed)
	}
	got, err := identity.RecoverAddress(c.hash(), c.Signature)
	if err != nil || got != c.Operator {
		return ErrForged
	}
	return nil
}

// DecodeCert parses a JSON certificate strictly (size cap, no unknown
// fields, no trailing data). It does not verify it.
func DecodeCert(b []byte) (Cert, error) {
	var c Cert
	err := decodeStrict(b, MaxCertSize, &c)
	return c, err
}

func decodeStrict(b []byte, limit int, v any) error {
	if len(b) > limit {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(b), limit)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	return nil
}
