package offer

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"
)

// Catalog holds the latest live, verified offer of each node. It is safe
// for concurrent use. The clock is passed in so tests control expiry.
type Catalog struct {
	mu  sync.RWMutex
	now func() time.Time
	// offers are the held offers in no particular order; index maps a
	// node to its position, so View can hand out the slice without a copy.
	offers []Offer
	index  map[string]int
	// nextExpiry is the earliest Expires among offers (zero when none):
	// no pruning pass is needed before it.
	nextExpiry time.Time
	// withdrawn remembers the Seq of each node's last withdrawal so an
	// older offer still in flight does not resurrect it.
	withdrawn map[string]uint64
}

// NewCatalog returns an empty catalog; now defaults to time.Now.
func NewCatalog(now func() time.Time) *Catalog {
	if now == nil {
		now = time.Now
	}
	return &Catalog{now: now, index: make(map[string]int), withdrawn: make(map[string]uint64)}
}

// Put verifies o and keeps it unless an offer from the same node with a
// higher Seq is already held. A withdrawal removes the node's offer. It
// reports whether o changed the catalog.
func (c *Catalog) Put(o Offer) (bool, error) {
	if c.holds(o) {
		// The same offer again (gossip and the direct announce both bring
		// each one): already verified, nothing changes.
		return false, nil
	}
	if err := o.Verify(c.now()); err != nil {
		return false, err
	}
	return c.insert(o), nil
}

// PutVerified keeps an offer already verified (one this node has just
// signed itself, or one Check passed) without verifying it again;
// otherwise as Put.
func (c *Catalog) PutVerified(o Offer) bool { return c.insert(o) }

// Check is Put's verification without keeping the offer: nil for the offer
// the catalog holds, Verify's verdict for any other.
func (c *Catalog) Check(o Offer) error {
	if c.holds(o) {
		return nil
	}
	return o.Verify(c.now())
}

// holds reports whether the catalog holds exactly o: the same node, Seq and
// signature over the same content.
func (c *Catalog) holds(o Offer) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	pos, ok := c.index[o.Node]
	if !ok {
		return false
	}
	h := c.offers[pos]
	if h.Seq != o.Seq || !bytes.Equal(h.Signature, o.Signature) {
		return false
	}
	a, errA := h.hash()
	b, errB := o.hash()
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// insert keeps a verified offer; see Put.
func (c *Catalog) insert(o Offer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	pos, held := c.index[o.Node]
	if held && c.offers[pos].Seq >= o.Seq {
		return false
	}
	if o.Withdrawn {
		c.remove(o.Node)
		c.withdrawn[o.Node] = o.Seq
		return held
	}
	if o.Seq <= c.withdrawn[o.Node] {
		return false
	}
	if held {
		c.offers[pos] = o
	} else {
		c.index[o.Node] = len(c.offers)
		c.offers = append(c.offers, o)
	}
	if c.nextExpiry.IsZero() || o.Expires.Before(c.nextExpiry) {
		c.nextExpiry = o.Expires
	}
	return true
}

// remove drops node's offer, moving the last one into its place. The
// caller holds the write lock.
func (c *Catalog) remove(node string) {
	pos, ok := c.index[node]
	if !ok {
		return
	}
	last := len(c.offers) - 1
	if pos != last {
		c.offers[pos] = c.offers[last]
		c.index[c.offers[pos].Node] = pos
	}
	c.offers[last] = Offer{}
	c.offers = c.offers[:last]
	delete(c.index, node)
}

// prune drops expired offers when one may have expired; the caller holds
// the write lock.
func (c *Catalog) prune(now time.Time) {
	if c.nextExpiry.IsZero() || now.Before(c.nextExpiry) {
		return
	}
	var next time.Time
	for i := 0; i < len(c.offers); {
		o := &c.offers[i]
		if !now.Before(o.Expires) {
			c.remove(o.Node) // moves another offer into i
			continue
		}
		if next.IsZero() || o.Expires.Before(next) {
			next = o.Expires
		}
		i++
	}
	c.nextExpiry = next
}

// Remove forgets node's offer (the provider withdrew it).
func (c *Catalog) Remove(node string) {
	c.mu.Lock()
	c.remove(node)
	c.mu.Unlock()
}

// Get returns node's live offer.
func (c *Catalog) Get(node string) (Offer, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	pos, ok := c.index[node]
	if !ok || !c.now().Before(c.offers[pos].Expires) {
		return Offer{}, false
	}
	return c.offers[pos], true
}

// List returns a copy of the live offers sorted by node, dropping expired
// ones. It sorts positions rather than the offers (large structs).
func (c *Catalog) List() []Offer {
	now := c.now()
	var out []Offer
	c.View(func(offers []Offer) {
		order := make([]int32, 0, len(offers))
		for i := range offers {
			if now.Before(offers[i].Expires) {
				order = append(order, int32(i))
			}
		}
		slices.SortFunc(order, func(a, b int32) int { return strings.Compare(offers[a].Node, offers[b].Node) })
		out = make([]Offer, len(order))
		for i, k := range order {
			out[i] = offers[k]
		}
	})
	return out
}

// View calls fn with the live offers, in no particular order, without
// copying them: the way to place a job against a large catalog. fn must
// neither modify nor keep the slice, and should be quick: offers cannot
// be added while it runs.
func (c *Catalog) View(fn func(offers []Offer)) {
	now := c.now()
	c.mu.Lock()
	c.prune(now)
	c.mu.Unlock()
	c.mu.RLock()
	defer c.mu.RUnlock()
	fn(c.offers)
}

// Len is the number of offers held (including any not yet pruned).
func (c *Catalog) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.offers)
}
