package reputation

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// benchBook holds 10,000 attestations over 1,000 subjects from 200
// attesters (half of them staked), as a busy node might.
func benchBook(b *testing.B) (*Book, []string) {
	b.Helper()
	chain := newFakeChain()
	book, err := New(context.Background(), Config{Key: newKey(b), Chain: chain, Clock: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	subjects := make([]*identity.Key, 1000)
	ids := make([]string, len(subjects))
	for i := range subjects {
		subjects[i] = newKey(b)
		ids[i] = subjects[i].PeerID()
	}
	attesters := make([]*identity.Key, 200)
	for i := range attesters {
		attesters[i] = newKey(b)
		if i%2 == 0 {
			chain.stake(attesters[i], money.Amount(i)*money.Unit)
		}
	}
	kinds := []Kind{KindVerified, KindVerified, KindVerified, KindLost}
	for i := range 10_000 {
		a, err := Sign(claim(kinds[i%len(kinds)], subjects[i%len(subjects)], fmt.Sprint("e", i)), attesters[i%len(attesters)], t0)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := a.Encode()
		if err := book.Receive(body); err != nil {
			b.Fatal(err)
		}
	}
	if err := book.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	return book, ids
}

// BenchmarkReputation is the scheduler's call for one offer, scores cached.
func BenchmarkReputation(b *testing.B) {
	book, ids := benchBook(b)
	for _, id := range ids {
		book.Reputation(id)
	}
	b.ResetTimer()
	for i := range b.N {
		book.Reputation(ids[i%len(ids)])
	}
}

// BenchmarkReputationParallel: the cached call from every core at once.
func BenchmarkReputationParallel(b *testing.B) {
	book, ids := benchBook(b)
	for _, id := range ids {
		book.Reputation(id)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			book.Reputation(ids[i%len(ids)])
			i++
		}
	})
}

// BenchmarkReputationRecompute: each call after a stake changed, so the
// subject's score is computed again from its attestations.
func BenchmarkReputationRecompute(b *testing.B) {
	book, ids := benchBook(b)
	b.ResetTimer()
	for i := range b.N {
		book.mu.Lock()
		book.gen.Add(1)
		book.mu.Unlock()
		book.Reputation(ids[i%len(ids)])
	}
}
