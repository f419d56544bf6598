package devchain

import (
	"context"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// nonceCacheWindow is how long after a sender's nonce was answered its next
// transaction's answer is held back. ethers v6 shares identical requests
// made within 250 ms (its cacheTimeout): on a chain that mines before it
// answers, a wallet sending twice within that time (deploy, then call the
// new contract) would sign its second transaction with the nonce of its
// first and get "nonce too low". Holding the first answer until the cached
// nonce has expired makes the second ask again. 50 ms covers the time the
// request took to reach the chain.
const nonceCacheWindow = 300 * time.Millisecond

// nonceAnswers remembers when each sender's pending nonce was last answered.
type nonceAnswers struct {
	now func() time.Time

	mu sync.Mutex
	at map[common.Address]time.Time
}

func newNonceAnswers(now func() time.Time) *nonceAnswers {
	return &nonceAnswers{now: now, at: map[common.Address]time.Time{}}
}

// answered records that addr's nonce was answered now, and forgets the
// answers older than the window.
func (n *nonceAnswers) answered(addr common.Address) {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := n.now()
	for a, t := range n.at {
		if now.Sub(t) >= nonceCacheWindow {
			delete(n.at, a)
		}
	}
	n.at[addr] = now
}

// hold waits until nonceCacheWindow has passed since from's nonce was last
// answered (at once if it has, or never was), or until ctx is done.
func (n *nonceAnswers) hold(ctx context.Context, from common.Address) {
	n.mu.Lock()
	t, ok := n.at[from]
	n.mu.Unlock()
	if !ok {
		return
	}
	wait := nonceCacheWindow - n.now().Sub(t)
	if wait <= 0 {
		return
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}
