package node

import (
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
)

// latencySource answers the scheduler's latency questions from the
// peerstore's smoothed round-trip times (measured by pings).
type latencySource struct {
	ps peerstore.Peerstore

	mu  sync.RWMutex
	ids map[string]peer.ID // decoded peer IDs, so scoring does not re-parse
}

func newLatencySource(ps peerstore.Peerstore) *latencySource {
	return &latencySource{ps: ps, ids: map[string]peer.ID{}}
}

// RTT implements sched.LatencySource.
func (l *latencySource) RTT(node string) (time.Duration, bool) {
	l.mu.RLock()
	id, ok := l.ids[node]
	l.mu.RUnlock()
	if !ok {
		var err error
		if id, err = peer.Decode(node); err != nil {
			return 0, false
		}
		l.mu.Lock()
		if len(l.ids) > 1<<20 {
			l.ids = map[string]peer.ID{} // bound the cache
		}
		l.ids[node] = id
		l.mu.Unlock()
	}
	d := l.ps.LatencyEWMA(id)
	return d, d > 0
}
