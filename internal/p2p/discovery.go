package p2p

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	drouting "github.com/libp2p/go-libp2p/p2p/discovery/routing"
)

// discoveryLoop advertises this node under DiscoveryNamespace in the DHT
// and looks up other nodes there, connecting to those it finds, so that
// nodes that share only a bootstrap node meet each other.
func (h *Host) discoveryLoop() {
	defer h.wg.Done()
	rd := drouting.NewRoutingDiscovery(h.dht)
	var nextAdvertise time.Time
	t := time.NewTicker(h.cfg.DiscoveryInterval)
	defer t.Stop()
	for {
		if h.dht.RoutingTable().Size() > 0 {
			if time.Now().After(nextAdvertise) {
				nextAdvertise = h.advertise(rd)
			}
			h.findPeers(rd)
		}
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		case <-h.kick:
		}
	}
}

// advertise announces this node once and returns when to announce again.
func (h *Host) advertise(rd *drouting.RoutingDiscovery) time.Time {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.ConnectTimeout*3)
	defer cancel()
	ttl, err := rd.Advertise(ctx, DiscoveryNamespace)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Debug("dht advertise failed", "err", err)
		}
		return time.Time{} // retry on the next tick
	}
	h.log.Debug("advertised in dht", "namespace", DiscoveryNamespace, "ttl", ttl)
	return time.Now().Add(ttl * 7 / 8)
}

// findPeers looks up DiscoveryNamespace once and connects to new peers.
func (h *Host) findPeers(rd *drouting.RoutingDiscovery) {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.ConnectTimeout*3)
	defer cancel()
	found, err := rd.FindPeers(ctx, DiscoveryNamespace)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Debug("dht find peers failed", "err", err)
		}
		return
	}
	for info := range found {
		if info.ID == h.h.ID() || len(info.Addrs) == 0 ||
			h.h.Network().Connectedness(info.ID) == network.Connected {
			continue
		}
		if err := h.connect(ctx, info); err != nil {
			h.log.Debug("connect to discovered peer failed", "peer", shortID(info.ID), "err", err)
			continue
		}
		h.log.Debug("connected to discovered peer", "peer", shortID(info.ID))
	}
}
