package settle

import (
	"context"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// ChannelCache remembers channel states read from the chain for a short
// time, so placing a task does not pay a JSON-RPC round trip for a balance
// read a moment ago. It is safe where a slightly old balance is: deposits
// only add, withdrawals wait out a delay during which the provider can
// redeem, and the holder invalidates what its own transactions change.
type ChannelCache struct {
	s   Settlement
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[[2]identity.Address]cachedChannel
}

type cachedChannel struct {
	ch Channel
	at time.Time
}

// NewChannelCache wraps s; ttl defaults to one second.
func NewChannelCache(s Settlement, ttl time.Duration, now func() time.Time) *ChannelCache {
	if ttl <= 0 {
		ttl = time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &ChannelCache{s: s, ttl: ttl, now: now, m: map[[2]identity.Address]cachedChannel{}}
}

// Channel returns the channel's state, from the chain when the cached one
// is older than the TTL.
func (c *ChannelCache) Channel(ctx context.Context, requester, provider identity.Address) (Channel, error) {
	k := [2]identity.Address{requester, provider}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.ch, nil
	}
	ch, err := c.s.Channel(ctx, requester, provider)
	if err != nil {
		return ch, err
	}
	c.mu.Lock()
	c.m[k] = cachedChannel{ch: ch, at: c.now()}
	c.mu.Unlock()
	return ch, nil
}

// Invalidate forgets a channel after a transaction that changed it.
func (c *ChannelCache) Invalidate(requester, provider identity.Address) {
	c.mu.Lock()
	delete(c.m, [2]identity.Address{requester, provider})
	c.mu.Unlock()
}

// BalanceCache remembers token balances read from the chain for a while:
// operators' groups of token holders are checked on every quote and
// placement, and a balance a minute old is good enough for that.
type BalanceCache struct {
	s   Settlement
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[identity.Address]cachedBalance
}

type cachedBalance struct {
	amount money.Amount
	at     time.Time
}

// NewBalanceCache wraps s; ttl defaults to a minute.
func NewBalanceCache(s Settlement, ttl time.Duration, now func() time.Time) *BalanceCache {
	if ttl <= 0 {
		ttl = time.Minute
	}
	if now == nil {
		now = time.Now
	}
	return &BalanceCache{s: s, ttl: ttl, now: now, m: map[identity.Address]cachedBalance{}}
}

// Balance returns addr's token balance, from the chain when the cached one
// is older than the TTL.
func (c *BalanceCache) Balance(ctx context.Context, addr identity.Address) (money.Amount, error) {
	c.mu.Lock()
	e, ok := c.m[addr]
	c.mu.Unlock()
	if ok && c.now().Sub(e.at) < c.ttl {
		return e.amount, nil
	}
	a, err := c.s.Balance(ctx, addr)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.m[addr] = cachedBalance{amount: a, at: c.now()}
	c.mu.Unlock()
	return a, nil
}
