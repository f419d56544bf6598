package offer

import (
	"slices"
	"sync"
	"time"
)

// Catalog holds the latest live, verified offer of each node. It is safe
// for concurrent use. The clock is passed in so tests control expiry.
type Catalog struct {
	mu     sync.RWMutex
	now    func() time.Time
	offers map[string]Offer
	// withdrawn remembers the Seq of each node's last withdrawal so an
	// older offer still in flight does not resurrect it.
	withdrawn map[string]uint64
}

// NewCatalog returns an empty catalog; now defaults to time.Now.
func NewCatalog(now func() time.Time) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{now: now, offers: make(map[string]Offer), withdrawn: make(map[string]uint64)}
}

// Put verifies o and keeps it unless an offer from the same node with a
// higher Seq is already held. A withdrawal removes the node's offer. It
// reports whether o changed the catalog.
func (c *Catalog) Put(o Offer) (bool, error) {
	if err := o.Verify(c.now()); err != nil {
		return false, err
	}
	return c.insert(o), nil
}

// insert keeps a verified offer; see Put.
func (c *Catalog) insert(o Offer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.offers[o.Node]; ok && old.Seq >= o.Seq {
		return false
	}
	if o.Withdrawn {
		_, had := c.offers[o.Node]
		delete(c.offers, o.Node)
		c.withdrawn[o.Node] = o.Seq
		return had
	}
	if o.Seq <= c.withdrawn[o.Node] {
		return false
	}
	c.offers[o.Node] = o
	return true
}

// Remove forgets node's offer (the provider withdrew it).
func (c *Catalog) Remove(node string) {
	c.mu.Lock()
	delete(c.offers, node)
	c.mu.Unlock()
}

// Get returns node's live offer.
func (c *Catalog) Get(node string) (Offer, bool) {
	c.mu.RLock()
	o, ok := c.offers[node]
	c.mu.RUnlock()
	if !ok || !c.now().Before(o.Expires) {
		return Offer{}, false
	}
	return o, true
}

// List returns the live offers sorted by node, dropping expired ones.
// It sorts the node IDs rather than the offers (large structs) and holds
// the lock only to collect and to copy.
func (c *Catalog) List() []Offer {
	now := c.now()
	c.mu.Lock()
	keys := make([]string, 0, len(c.offers))
	for k, o := range c.offers {
		if !now.Before(o.Expires) {
			delete(c.offers, k)
			continue
		}
		keys = append(keys, k)
	}
	c.mu.Unlock()
	slices.Sort(keys)
	out := make([]Offer, 0, len(keys))
	c.mu.RLock()
	for _, k := range keys {
		// An offer replaced meanwhile is listed in its newer version; one
		// removed meanwhile is left out.
		if o, ok := c.offers[k]; ok && now.Before(o.Expires) {
			out = append(out, o)
		}
	}
	c.mu.RUnlock()
	return out
}

// Len is the number of offers held (including any not yet pruned).
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.offers)
}
