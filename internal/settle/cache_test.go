package settle

import (
	"context"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// countingSettlement answers Channel with a balance that grows per call.
type countingSettlement struct {
	Settlement
	calls int
}

func (c *countingSettlement) Channel(ctx context.Context, r, p identity.Address) (Channel, error) {
	c.calls++
	return Channel{Requester: r, Provider: p, Balance: money.Amount(c.calls)}, nil
}

func TestChannelCache(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := &countingSettlement{}
	c := NewChannelCache(s, time.Second, func() time.Time { return now })
	a, b := identity.Address{1}, identity.Address{2}
	ctx := context.Background()
	ch, _ := c.Channel(ctx, a, b)
	ch2, _ := c.Channel(ctx, a, b)
	if s.calls != 1 || ch.Balance != ch2.Balance {
		t.Fatalf("second read within the TTL went to the chain (%d calls)", s.calls)
	}
	if _, _ = c.Channel(ctx, b, a); s.calls != 2 {
		t.Fatal("another channel was served from the cache")
	}
	now = now.Add(time.Second)
	if ch, _ = c.Channel(ctx, a, b); s.calls != 3 || ch.Balance != 3 {
		t.Fatalf("expired entry served: calls %d", s.calls)
	}
	c.Invalidate(a, b)
	if _, _ = c.Channel(ctx, a, b); s.calls != 4 {
		t.Fatal("invalidated entry served")
	}
}
