package operator

import (
	"slices"
	"strings"
	"sync"

	"github.com/deco-network/deco/internal/identity"
)

// Book keeps the latest verified policy of every operator a node has
// heard of. It is safe for concurrent use.
type Book struct {
	mu       sync.RWMutex
	policies map[identity.Address]*Policy
}

// NewBook returns an empty book.
func NewBook() *Book { return &Book{policies: map[identity.Address]*Policy{}} }

// Put keeps p (already verified) if it is newer than the operator's policy
// in the book, and reports whether it did.
func (b *Book) Put(p *Policy) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cur, ok := b.policies[p.Operator]; ok && cur.Version >= p.Version {
		return false
	}
	b.policies[p.Operator] = p
	return true
}

// Policy is the operator's latest policy, or nil.
func (b *Book) Policy(op identity.Address) *Policy {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.policies[op]
}

// Version is the version of the operator's policy in the book (0: none).
func (b *Book) Version(op identity.Address) uint64 {
	if p := b.Policy(op); p != nil {
		return p.Version
	}
	return 0
}

// All lists the policies, by operator address.
func (b *Book) All() []*Policy {
	b.mu.RLock()
	out := make([]*Policy, 0, len(b.policies))
	for _, p := range b.policies {
		out = append(out, p)
	}
	b.mu.RUnlock()
	slices.SortFunc(out, func(x, y *Policy) int { return strings.Compare(x.Operator.String(), y.Operator.String()) })
	return out
}
