package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Topic is the gossip topic on which providers publish service offers.
const Topic = "/deco/services/1"

// MaxOfferSize caps one gossiped service offer.
const MaxOfferSize = 4 << 10

// maxCatalog caps the offers a catalog holds.
const maxCatalog = 10000

// DecodeOffer decodes and verifies one gossiped offer: size capped,
// unknown fields rejected, signature checked.
func DecodeOffer(b []byte) (Offer, error) {
	var o Offer
	if len(b) > MaxOfferSize {
		return o, fmt.Errorf("service offer of %d bytes, at most %d", len(b), MaxOfferSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		return o, fmt.Errorf("decode service offer: %w", err)
	}
	if dec.More() {
		return o, fmt.Errorf("decode service offer: trailing data")
	}
	return o, o.Verify()
}

// Catalog is the live service offers a node has heard, by provider and
// name.
type Catalog struct {
	now    func() time.Time
	mu     sync.RWMutex
	offers map[string]Offer
}

// NewCatalog returns an empty catalog.
func NewCatalog(now func() time.Time) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{now: now, offers: map[string]Offer{}}
}

// Put keeps a verified offer unless it is expired or older than the one
// held; it reports whether the catalog changed.
func (c *Catalog) Put(o Offer) bool {
	if !o.Expires.After(c.now()) {
		return false
	}
	k := o.Provider + "/" + o.Name
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.offers[k]; ok && !o.Expires.After(old.Expires) {
		return false
	}
	if _, ok := c.offers[k]; !ok && len(c.offers) >= maxCatalog {
		c.expireLocked()
		if len(c.offers) >= maxCatalog {
			return false
		}
	}
	c.offers[k] = o
	return true
}

func (c *Catalog) expireLocked() {
	now := c.now()
	for k, o := range c.offers {
		if !o.Expires.After(now) {
			delete(c.offers, k)
		}
	}
}

// Offers are the live offers of the service name (all when name is
// empty), in no order.
func (c *Catalog) Offers(name string) []Offer {
	now := c.now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []Offer
	for _, o := range c.offers {
		if (name == "" || o.Name == name) && o.Expires.After(now) {
			out = append(out, o)
		}
	}
	return out
}
