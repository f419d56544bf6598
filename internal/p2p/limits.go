package p2p

import (
	"fmt"
	"maps"
	"strings"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Limits for the /deco/ protocols, applied to zero fields. The
// per-peer and system limits default to libp2p's own (rcmgr.DefaultLimits
// scaled to the machine's memory and file descriptors).
const (
	// DefaultDecoStreamsInbound is how many streams all peers together may
	// have open to this node on one /deco/ protocol.
	DefaultDecoStreamsInbound = 256
	// DefaultDecoPeerStreamsInbound is how many streams one peer may have
	// open to this node on one /deco/ protocol: more than any honest
	// requester needs at once (one per running task on /deco/task/1), far
	// fewer than libp2p's default for any protocol.
	DefaultDecoPeerStreamsInbound = 32
	// DefaultDecoMemory is the stream buffer memory all peers together may
	// hold on one /deco/ protocol.
	DefaultDecoMemory = 128 << 20
	// DefaultDecoPeerMemory is the stream buffer memory one peer may hold
	// on one /deco/ protocol.
	DefaultDecoPeerMemory = 32 << 20
)

// decoPrefix starts every deco protocol ID (see ProtocolID).
const decoPrefix = "/deco/"

// Limits bounds what peers may hold open on this node, enforced by
// libp2p's resource manager: a stream or connection past a limit is reset
// when it opens, before any handler runs. The zero value is usable: zero
// fields take libp2p's defaults scaled to the machine (the peer fields) or
// the Default* constants above (the /deco/ fields).
type Limits struct {
	// PeerConns is how many connections one peer may hold to this node.
	PeerConns int
	// PeerStreamsInbound is how many streams one peer may have open to
	// this node at once, over every protocol.
	PeerStreamsInbound int
	// PeerMemory is the buffer memory one peer's connections and streams
	// may hold, in bytes.
	PeerMemory int64
	// DecoStreamsInbound is how many streams all peers together may have
	// open on one /deco/ protocol (DefaultDecoStreamsInbound when zero).
	DecoStreamsInbound int
	// DecoPeerStreamsInbound is how many streams one peer may have open on
	// one /deco/ protocol (DefaultDecoPeerStreamsInbound when zero).
	DecoPeerStreamsInbound int
	// DecoMemory and DecoPeerMemory cap the stream buffer memory of one
	// /deco/ protocol, for all peers together and for one peer
	// (DefaultDecoMemory, DefaultDecoPeerMemory when zero).
	DecoMemory     int64
	DecoPeerMemory int64
	// Protocols overrides the /deco/ limits for single protocols; a zero
	// field of an override keeps the /deco/ limit.
	Protocols map[protocol.ID]ProtocolLimits
}

// ProtocolLimits are the limits of one protocol.
type ProtocolLimits struct {
	// StreamsInbound counts all peers' streams on the protocol.
	StreamsInbound int
	// PeerStreamsInbound counts one peer's streams on the protocol.
	PeerStreamsInbound int
	// Memory and PeerMemory cap the stream buffers on the protocol, for
	// all peers together and for one peer.
	Memory     int64
	PeerMemory int64
}

// deco is the limits of the /deco/ protocol id, defaults and overrides
// applied.
func (l Limits) deco(id protocol.ID) ProtocolLimits {
	pl := ProtocolLimits{
		StreamsInbound: orDefault(l.DecoStreamsInbound, DefaultDecoStreamsInbound), PeerStreamsInbound: orDefault(l.DecoPeerStreamsInbound, DefaultDecoPeerStreamsInbound),
		Memory: orDefault(l.DecoMemory, DefaultDecoMemory), PeerMemory: orDefault(l.DecoPeerMemory, DefaultDecoPeerMemory),
	}
	if o, ok := l.Protocols[id]; ok {
		pl.StreamsInbound = orDefault(o.StreamsInbound, pl.StreamsInbound)
		pl.PeerStreamsInbound = orDefault(o.PeerStreamsInbound, pl.PeerStreamsInbound)
		pl.Memory = orDefault(o.Memory, pl.Memory)
		pl.PeerMemory = orDefault(o.PeerMemory, pl.PeerMemory)
	}
	return pl
}

func (l Limits) validate() error {
	check := func(what string, v int64) error {
		if v < 0 {
			return fmt.Errorf("p2p limits: %s is negative (%d)", what, v)
		}
		return nil
	}
	for what, v := range map[string]int64{"peer connections": int64(l.PeerConns), "peer inbound streams": int64(l.PeerStreamsInbound),
		"peer memory": l.PeerMemory, "deco inbound streams": int64(l.DecoStreamsInbound),
		"deco peer inbound streams": int64(l.DecoPeerStreamsInbound), "deco memory": l.DecoMemory, "deco peer memory": l.DecoPeerMemory} {
		if err := check(what, v); err != nil {
			return err
		}
	}
	for id, o := range l.Protocols {
		if !strings.HasPrefix(string(id), decoPrefix) {
			return fmt.Errorf("p2p limits: %s is not a /deco/ protocol", id)
		}
		if o.StreamsInbound < 0 || o.PeerStreamsInbound < 0 || o.Memory < 0 || o.PeerMemory < 0 {
			return fmt.Errorf("p2p limits: %s has a negative limit", id)
		}
	}
	return nil
}

func orDefault[T int | int64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// resourceManager builds the libp2p resource manager for l: libp2p's
// default limits (with its limits for its own services) scaled to the
// machine, the per-peer fields of l over them, and l's /deco/ limits for
// every protocol whose ID starts with /deco/.
// With reg set, the manager reports to libp2p's resource-manager series
// registered on reg.
func (l Limits) resourceManager(reg prometheus.Registerer) (network.ResourceManager, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	scaling := rcmgr.DefaultLimits // a copy; its maps are cloned before any change
	scaling.ServiceLimits = maps.Clone(scaling.ServiceLimits)
	scaling.ServicePeerLimits = maps.Clone(scaling.ServicePeerLimits)
	scaling.ProtocolLimits = maps.Clone(scaling.ProtocolLimits)
	scaling.ProtocolPeerLimits = maps.Clone(scaling.ProtocolPeerLimits)
	scaling.PeerLimits = maps.Clone(scaling.PeerLimits)
	libp2p.SetDefaultServiceLimits(&scaling)
	concrete := scaling.AutoScale()
	var peerDefault rcmgr.ResourceLimits
	if l.PeerConns > 0 {
		peerDefault.Conns, peerDefault.ConnsInbound, peerDefault.ConnsOutbound = rcmgr.LimitVal(l.PeerConns), rcmgr.LimitVal(l.PeerConns), rcmgr.LimitVal(l.PeerConns)
	}
	if l.PeerStreamsInbound > 0 {
		peerDefault.StreamsInbound = rcmgr.LimitVal(l.PeerStreamsInbound)
	}
	if l.PeerMemory > 0 {
		peerDefault.Memory = rcmgr.LimitVal64(l.PeerMemory)
	}
	concrete = rcmgr.PartialLimitConfig{PeerDefault: peerDefault}.Build(concrete)
	var opts []rcmgr.Option
	if reg != nil {
		rcmgr.MustRegisterWith(reg)
		str, err := rcmgr.NewStatsTraceReporter()
		if err != nil {
			return nil, fmt.Errorf("resource manager metrics: %w", err)
		}
		opts = append(opts, rcmgr.WithTraceReporter(str))
	}
	mgr, err := rcmgr.NewResourceManager(&decoLimiter{Limiter: rcmgr.NewFixedLimiter(concrete), limits: l}, opts...)
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	return mgr, nil
}

// decoLimiter is libp2p's fixed limiter with the /deco/ limits for every
// /deco/ protocol, whatever protocols the node registers later.
type decoLimiter struct {
	rcmgr.Limiter
	limits Limits
}

// GetProtocolLimits limits all peers' streams on one protocol.
func (d *decoLimiter) GetProtocolLimits(id protocol.ID) rcmgr.Limit {
	base := d.Limiter.GetProtocolLimits(id)
	if !strings.HasPrefix(string(id), decoPrefix) {
		return base
	}
	pl := d.limits.deco(id)
	return tighter(base, pl.StreamsInbound, pl.Memory)
}

// GetProtocolPeerLimits limits one peer's streams on one protocol.
func (d *decoLimiter) GetProtocolPeerLimits(id protocol.ID) rcmgr.Limit {
	base := d.Limiter.GetProtocolPeerLimits(id)
	if !strings.HasPrefix(string(id), decoPrefix) {
		return base
	}
	pl := d.limits.deco(id)
	return tighter(base, pl.PeerStreamsInbound, pl.PeerMemory)
}

// tighter is base with its inbound streams and memory set to the given
// figures; outbound streams keep base's limits.
func tighter(base rcmgr.Limit, inbound int, memory int64) rcmgr.Limit {
	return rcmgr.BaseLimit{
		StreamsInbound:  inbound,
		StreamsOutbound: base.GetStreamLimit(network.DirOutbound),
		Streams:         max(base.GetStreamTotalLimit(), inbound),
		Conns:           base.GetConnTotalLimit(),
		ConnsInbound:    base.GetConnLimit(network.DirInbound),
		ConnsOutbound:   base.GetConnLimit(network.DirOutbound),
		FD:              base.GetFDLimit(),
		Memory:          memory,
	}
}
