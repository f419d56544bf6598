package reputation

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/verify"
)

// Limits of an attestation, checked by Decode and Verify.
const (
	// MaxSize is the largest encoded attestation Decode reads, the cap of
	// the gossip topic's messages.
	MaxSize = 4 << 10
	// MaxIDLen caps JobID, ExecutionID and the peer IDs.
	MaxIDLen = 128
	// MaxSkew is how far in the future (by the receiver's clock) an
	// attestation's IssuedAt may lie.
	MaxSkew = time.Minute
)

// Domain is the EIP-712 domain of attestations (off chain, the one of
// offers, quotes and receipts: the type name keeps them apart).
var Domain = identity.Domain{Name: "deco", Version: "1"}

const attestationType = "Attestation(string kind,string subject,string jobId,string executionId,bytes32 disputeId,address attester,uint64 issuedAt)"

// Errors of checking an attestation.
var (
	ErrMalformed = errors.New("malformed attestation")
	ErrForged    = errors.New("attestation signature does not match its attester")
	ErrFuture    = errors.New("attestation issued in the future")
	ErrSelf      = errors.New("attestation about its own attester")
)

// Attestation is a Claim signed by the node that makes it (the attester),
// as stored and gossiped. One key is both the attester's peer ID and its
// chain address; the signature is over EIP-712 typed data.
type Attestation struct {
	Claim
	// Attester is the signing node's peer ID, AttesterAddress its chain
	// address (the same key).
	Attester        string           `json:"attester"`
	AttesterAddress identity.Address `json:"attesterAddress"`
	// IssuedAt is when it was signed, to the second.
	IssuedAt  time.Time `json:"issuedAt"`
	Signature []byte    `json:"signature"`
}

// Digest is the EIP-712 hash the attester signs (Signature excluded).
func (a Attestation) Digest() []byte {
	sh := identity.StructHash(attestationType, identity.StringWord(string(a.Kind)), identity.StringWord(a.Subject),
		identity.StringWord(a.JobID), identity.StringWord(a.ExecutionID), a.DisputeID[:],
		identity.AddressWord(a.AttesterAddress), identity.Uint64(uint64(a.IssuedAt.Unix())))
	return identity.TypedHash(Domain.Separator(), sh)
}

// ID names the attestation: the hex of its digest.
func (a Attestation) ID() string { return hex.EncodeToString(a.Digest()) }

// Sign makes c an attestation by key issued at (truncated to the second).
func Sign(c Claim, key *identity.Key, at time.Time) (Attestation, error) {
	a := Attestation{Claim: c, Attester: key.PeerID(), AttesterAddress: key.Address(), IssuedAt: at.Truncate(time.Second).UTC()}
	if err := a.checkFields(); err != nil {
		return Attestation{}, err
	}
	sig, err := key.SignHash(a.Digest())
	if err != nil {
		return Attestation{}, err
	}
	a.Signature = sig
	return a, nil
}

// Verify checks a as a node takes it at now: the claim is well formed (a
// known kind, IDs within MaxIDLen, a subject that is a node's peer ID, a
// dispute ID only on a dispute-lost claim and then the one of its job and
// subject), the attester is not its subject, IssuedAt is no more than
// MaxSkew ahead of now, and the attester's key signed it.
func (a Attestation) Verify(now time.Time) error {
	if err := a.checkFields(); err != nil {
		return err
	}
	if a.IssuedAt.After(now.Add(MaxSkew)) {
		return fmt.Errorf("%w: %s, %s ahead of this node's clock", ErrFuture,
			a.IssuedAt.Format(time.RFC3339), a.IssuedAt.Sub(now).Round(time.Second))
	}
	pub, err := identity.Recover(a.Digest(), a.Signature)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForged, err)
	}
	if pub.PeerID() != a.Attester || pub.Address() != a.AttesterAddress {
		return ErrForged
	}
	return nil
}

// checkFields checks what Verify checks but the clock and the signature.
func (a Attestation) checkFields() error {
	switch a.Kind {
	case KindVerified, KindLost, KindDisputeLost, KindTimeLockBroken:
	default:
		return fmt.Errorf("%w: unknown kind %q (want %s, %s, %s or %s)", ErrMalformed, a.Kind, KindVerified, KindDisputeLost, KindLost, KindTimeLockBroken)
	}
	for _, f := range []struct{ name, v string }{{"subject", a.Subject}, {"attester", a.Attester}, {"jobId", a.JobID}, {"executionId", a.ExecutionID}} {
		if f.v == "" || len(f.v) > MaxIDLen {
			return fmt.Errorf("%w: %s: want 1 to %d characters, got %d", ErrMalformed, f.name, MaxIDLen, len(f.v))
		}
	}
	subject, err := identity.PeerAddress(a.Subject)
	if err != nil {
		return fmt.Errorf("%w: subject: %v", ErrMalformed, err)
	}
	if a.Subject == a.Attester {
		return ErrSelf
	}
	if a.IssuedAt.Unix() <= 0 || a.IssuedAt.Nanosecond() != 0 {
		return fmt.Errorf("%w: issuedAt %s: want a whole second after 1970", ErrMalformed, a.IssuedAt.Format(time.RFC3339Nano))
	}
	switch {
	case a.Kind != KindDisputeLost && a.DisputeID != [32]byte{}:
		return fmt.Errorf("%w: a %s attestation names no dispute", ErrMalformed, a.Kind)
	case a.Kind == KindDisputeLost && a.DisputeID != verify.DisputeID(a.JobID, subject):
		return fmt.Errorf("%w: the dispute ID is not the one of job %s and subject %s", ErrMalformed, a.JobID, subject)
	}
	return nil
}

// Encode is a's JSON, as Decode reads it.
func (a Attestation) Encode() ([]byte, error) { return json.Marshal(a) }

// wire is an attestation's JSON: the dispute ID as 0x-prefixed hex,
// absent when zero.
type wire struct {
	Kind            Kind             `json:"kind"`
	Subject         string           `json:"subject"`
	JobID           string           `json:"jobId"`
	ExecutionID     string           `json:"executionId"`
	DisputeID       string           `json:"disputeId,omitempty"`
	Attester        string           `json:"attester"`
	AttesterAddress identity.Address `json:"attesterAddress"`
	IssuedAt        time.Time        `json:"issuedAt"`
	Signature       []byte           `json:"signature"`
}

// MarshalJSON writes a with its dispute ID in hex.
func (a Attestation) MarshalJSON() ([]byte, error) {
	w := wire{Kind: a.Kind, Subject: a.Subject, JobID: a.JobID, ExecutionID: a.ExecutionID, Attester: a.Attester,
		AttesterAddress: a.AttesterAddress, IssuedAt: a.IssuedAt, Signature: a.Signature}
	if a.DisputeID != [32]byte{} {
		w.DisputeID = "0x" + hex.EncodeToString(a.DisputeID[:])
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads what MarshalJSON writes, strictly (unknown fields
// are refused).
func (a *Attestation) UnmarshalJSON(b []byte) error {
	var w wire
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	var id [32]byte
	if w.DisputeID != "" {
		h, ok := strings.CutPrefix(w.DisputeID, "0x")
		if !ok || len(h) != 64 {
			return fmt.Errorf("disputeId %q: want 0x and 64 hex digits", w.DisputeID)
		}
		if _, err := hex.Decode(id[:], []byte(h)); err != nil {
			return fmt.Errorf("disputeId %q: want 0x and 64 hex digits", w.DisputeID)
		}
	}
	*a = Attestation{Claim: Claim{Kind: w.Kind, Subject: w.Subject, JobID: w.JobID, ExecutionID: w.ExecutionID, DisputeID: id},
		Attester: w.Attester, AttesterAddress: w.AttesterAddress, IssuedAt: w.IssuedAt, Signature: w.Signature}
	return nil
}

// Decode parses a JSON attestation strictly: unknown fields, trailing
// data and anything over MaxSize are refused. It does not verify (see
// Verify).
func Decode(b []byte) (Attestation, error) {
	if len(b) > MaxSize {
		return Attestation{}, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformed, len(b), MaxSize)
	}
	var a Attestation
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return Attestation{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Attestation{}, fmt.Errorf("%w: trailing data after the attestation", ErrMalformed)
	}
	return a, nil
}
