package p2p

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Reach makes sure this host can open streams to p: through a live
// connection, the addresses its peerstore holds for p, or else the
// addresses the DHT finds for p (a peer known only by its ID, say from a
// chain record).
func (h *Host) Reach(ctx context.Context, p peer.ID) error {
	if p == h.h.ID() || h.h.Network().Connectedness(p) == network.Connected {
		return nil
	}
	var known error
	if len(h.h.Peerstore().Addrs(p)) > 0 {
		if known = h.connect(ctx, peer.AddrInfo{ID: p}); known == nil {
			return nil
		}
	}
	if h.dht == nil {
		return withKnown(known, fmt.Errorf("reach %s: no address known and no DHT to ask", shortID(p)))
	}
	fctx, cancel := context.WithTimeout(ctx, h.cfg.ConnectTimeout*3)
	defer cancel()
	info, err := h.dht.FindPeer(fctx, p)
	if err != nil && fctx.Err() == nil {
		// A stale routing-table entry for p itself (a connection that
		// closed) fails the first lookup and is dropped from the table by
		// it: the second asks the peers that know p's addresses.
		info, err = h.dht.FindPeer(fctx, p)
	}
	if err != nil {
		return withKnown(known, fmt.Errorf("find %s in the DHT: %w", shortID(p), err))
	}
	return h.connect(ctx, info)
}

// withKnown joins the error of the known addresses (when there was one) to err.
func withKnown(known, err error) error {
	if known == nil {
		return err
	}
	return errors.Join(known, err)
}
