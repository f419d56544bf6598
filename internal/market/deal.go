package market

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

const dealType = "Deal(string jobId,bytes32 specDigest,uint32 taskIndex,address provider,address requester,uint256 pricePerHour,uint256 fixedPrice,uint256 maxAmount,uint64 deadline,string verification,string escrow)"

// Errors from quote and deal checks.
var (
	ErrQuoteExpired  = errors.New("quote expired")
	ErrBadSignature  = errors.New("signature does not match the party")
	ErrTermsMismatch = errors.New("deal terms do not match the quote")
)

// Terms are the price terms of one task: a linear price per hour of run
// time plus a fixed part, bounded by MaxAmount (the most the task can cost:
// the hourly price over the whole execution timeout, plus the fixed part).
type Terms struct {
	PerHour   money.Amount `json:"perHour"`
	Fixed     money.Amount `json:"fixed,omitempty"`
	MaxAmount money.Amount `json:"maxAmount"`
}

// Quote is a provider's signed price for one task, valid until Deadline.
// The provider signs the deal struct with the requester's signature still
// missing; the requester's countersignature over the same hash makes the
// Deal.
type Quote struct {
	JobID      string `json:"jobId"`
	SpecDigest string `json:"specDigest"`
	TaskIndex  int    `json:"taskIndex"`
	// ExecutionID names the capacity reservation the quote holds.
	ExecutionID string `json:"executionId"`
	// Provider and Requester are libp2p peer IDs; the addresses are the
	// same keys' EVM addresses.
	Provider         string           `json:"provider"`
	ProviderAddress  identity.Address `json:"providerAddress"`
	Requester        string           `json:"requester"`
	RequesterAddress identity.Address `json:"requesterAddress"`
	Terms            Terms            `json:"terms"`
	Deadline         time.Time        `json:"deadline"`
	// Verification is the job's verification policy ("none" today).
	Verification string `json:"verification"`
	// ProviderSignature signs Hash().
	ProviderSignature []byte `json:"providerSignature,omitempty"`
	// Escrow names the settlement the provider requires payment on
	// ("<chainID>:<escrow address>"); empty when it runs the task free.
	// Both signatures cover it, so the deal says where it is paid.
	Escrow string `json:"escrow,omitempty"`
}

// Deal is a quote countersigned by the requester.
type Deal struct {
	Quote              Quote  `json:"quote"`
	RequesterSignature []byte `json:"requesterSignature"`
}

// Hash is the EIP-712 digest both parties sign.
func (q Quote) Hash() ([]byte, error) {
	digest := strings.TrimPrefix(q.SpecDigest, "sha256:")
	d, err := hex.DecodeString(digest)
	if err != nil || len(d) != 32 {
		return nil, fmt.Errorf("spec digest %q: want sha256:<64 hex>", q.SpecDigest)
	}
	if q.TaskIndex < 0 || q.Terms.PerHour < 0 || q.Terms.Fixed < 0 || q.Terms.MaxAmount < 0 {
		return nil, errors.New("negative figures in quote")
	}
	sh := identity.StructHash(dealType,
		identity.StringWord(q.JobID), d, identity.Uint64(uint64(q.TaskIndex)),
		identity.AddressWord(q.ProviderAddress), identity.AddressWord(q.RequesterAddress),
		identity.Uint256(big.NewInt(int64(q.Terms.PerHour))), identity.Uint256(big.NewInt(int64(q.Terms.Fixed))),
		identity.Uint256(big.NewInt(int64(q.Terms.MaxAmount))), identity.Uint64(uint64(q.Deadline.Unix())),
		identity.StringWord(q.Verification), identity.StringWord(q.Escrow))
	return identity.TypedHash(offer.Domain.Separator(), sh), nil
}

// SignAsProvider fills the provider fields from key and signs.
func (q *Quote) SignAsProvider(key *identity.Key) error {
	q.Provider, q.ProviderAddress = key.PeerID(), key.Address()
	h, err := q.Hash()
	if err != nil {
		return err
	}
	q.ProviderSignature, err = key.SignHash(h)
	return err
}

// VerifyProvider checks the provider's signature and the deadline.
func (q Quote) VerifyProvider(now time.Time) error {
	if !now.Before(q.Deadline) {
		return fmt.Errorf("%w at %s", ErrQuoteExpired, q.Deadline.Format(time.RFC3339))
	}
	return verifyParty(q, q.ProviderSignature, q.Provider, q.ProviderAddress)
}

func verifyParty(q Quote, sig []byte, peerID string, addr identity.Address) error {
	h, err := q.Hash()
	if err != nil {
		return err
	}
	pub, err := identity.Recover(h, sig)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if pub.PeerID() != peerID || pub.Address() != addr {
		return ErrBadSignature
	}
	return nil
}

// Accept countersigns q as the requester, making the deal.
func Accept(q Quote, key *identity.Key) (Deal, error) {
	if q.Requester != key.PeerID() || q.RequesterAddress != key.Address() {
		return Deal{}, errors.New("quote was made for another requester")
	}
	h, err := q.Hash()
	if err != nil {
		return Deal{}, err
	}
	sig, err := key.SignHash(h)
	return Deal{Quote: q, RequesterSignature: sig}, err
}

// Verify checks both signatures and the deadline.
func (d Deal) Verify(now time.Time) error {
	if err := d.Quote.VerifyProvider(now); err != nil {
		return fmt.Errorf("provider: %w", err)
	}
	if err := verifyParty(d.Quote, d.RequesterSignature, d.Quote.Requester, d.Quote.RequesterAddress); err != nil {
		return fmt.Errorf("requester: %w", err)
	}
	return nil
}

// MaxAmount is the most a task with these hourly and fixed prices can cost
// when it runs for the whole timeout.
func MaxAmount(perHour, fixed money.Amount, timeout time.Duration) money.Amount {
	return perHour.MulRatio(int64(timeout/time.Millisecond), int64(time.Hour/time.Millisecond)) + fixed
}
