package service

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// Types of service (the request and response envelope is generic; HTTP
// is the first carried).
const TypeHTTP = "http"

// Verification types: how a requester checks a response.
const (
	// VerifyNone: the response is taken as it comes (still signed).
	VerifyNone = "none"
	// VerifySignature: the provider's signature over request, response and
	// amount must verify (the proxy checks it for every type).
	VerifySignature = "signature"
	// VerifyReplicate: the same request is asked of a second provider and
	// the response bodies must agree.
	VerifyReplicate = "replicate"
)

const maxNameLen = 64

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Offer is a provider's signed advertisement of one service it serves.
type Offer struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Price is the price of one request.
	Price money.Amount `json:"price"`
	// UnitPrice is the price of one unit the response reports (tokens,
	// say; zero: none); MaxUnits caps the units of one request.
	UnitPrice    money.Amount     `json:"unitPrice,omitempty"`
	MaxUnits     uint64           `json:"maxUnits,omitempty"`
	Verification string           `json:"verification"`
	Provider     string           `json:"provider"`
	Address      identity.Address `json:"address"`
	Expires      time.Time        `json:"expires"`
	Signature    []byte           `json:"signature"`
}

// Max is the most one request may cost.
func (o Offer) Max() money.Amount {
	return o.Price + o.UnitPrice*money.Amount(o.MaxUnits)
}

const offerType = "ServiceOffer(string name,string kind,uint256 price,uint256 unitPrice,uint256 maxUnits,string verification,string provider,uint256 expires)"

// Hash is the EIP-712 digest an offer's signature covers.
func (o Offer) Hash() []byte {
	return identity.TypedHash(Domain.Separator(), identity.StructHash(offerType,
		identity.StringWord(o.Name), identity.StringWord(o.Type), amountWord(o.Price), amountWord(o.UnitPrice),
		uintWord(o.MaxUnits), identity.StringWord(o.Verification), identity.StringWord(o.Provider),
		uintWord(uint64(max(o.Expires.Unix(), 0)))))
}

// Sign fills in the provider's identity and signs o with k.
func (o *Offer) Sign(k *identity.Key) error {
	o.Provider, o.Address = k.PeerID(), k.Address()
	sig, err := k.SignHash(o.Hash())
	o.Signature = sig
	return err
}

// Validate checks an offer's fields.
func (o Offer) Validate() error {
	switch {
	case !nameRE.MatchString(o.Name):
		return fmt.Errorf("service name %q: lower-case letters, digits, '.', '_' and '-', at most %d", o.Name, maxNameLen)
	case o.Type != TypeHTTP:
		return fmt.Errorf("service type %q: only %q", o.Type, TypeHTTP)
	case o.Verification != VerifyNone && o.Verification != VerifySignature && o.Verification != VerifyReplicate:
		return fmt.Errorf("verification %q: none, signature or replicate", o.Verification)
	case o.Price < 0 || o.UnitPrice < 0:
		return errors.New("negative price")
	case o.Price == 0 && o.UnitPrice == 0:
		return errors.New("a paid service needs a price per request or per unit")
	case o.UnitPrice > 0 && o.MaxUnits == 0:
		return errors.New("a price per unit needs maxUnits")
	case o.MaxUnits > 1<<32:
		return errors.New("maxUnits too large")
	}
	return nil
}

// Verify checks an offer's fields and that its provider signed it.
func (o Offer) Verify() error {
	if err := o.Validate(); err != nil {
		return err
	}
	pub, err := identity.Recover(o.Hash(), o.Signature)
	if err != nil {
		return fmt.Errorf("service offer signature: %w", err)
	}
	if pub.PeerID() != o.Provider || pub.Address() != o.Address {
		return errors.New("service offer not signed by its provider")
	}
	return nil
}
