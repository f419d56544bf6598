package node

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/offer"
)

// latencySource answers the scheduler's latency questions from the
// peerstore's smoothed round-trip times (measured by pings), and lists
// the nearest peers' for the node's offer.
type latencySource struct {
	h host.Host

	mu  sync.RWMutex
	ids map[string]peer.ID // decoded peer IDs, so scoring does not re-parse
}

func newLatencySource(h host.Host) *latencySource {
	return &latencySource{h: h, ids: map[string]peer.ID{}}
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
	d := l.h.Peerstore().LatencyEWMA(id)
	return d, d > 0
}

// nearest lists the measured round-trip times to the connected peers,
// nearest first, at most offer.MaxPeers: what the node's offer states.
func (l *latencySource) nearest() []offer.PeerRTT {
	var out []offer.PeerRTT
	ps := l.h.Peerstore()
	for _, id := range l.h.Network().Peers() {
		if d := ps.LatencyEWMA(id); d > 0 {
			out = append(out, offer.PeerRTT{Node: id.String(), Micros: max(d.Microseconds(), 1)})
		}
	}
	slices.SortFunc(out, func(a, b offer.PeerRTT) int {
		return cmp.Or(cmp.Compare(a.Micros, b.Micros), cmp.Compare(a.Node, b.Node))
	})
	return out[:min(len(out), offer.MaxPeers)]
}
