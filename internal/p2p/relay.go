package p2p

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/autorelay"
	relayv2 "github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	ma "github.com/multiformats/go-multiaddr"
)

// Relay service limits (see relayResources).
const (
	// RelayMaxCircuits is how many relayed connections one peer may have
	// open through this node at once, as source and as destination.
	RelayMaxCircuits = 32
	// RelayBufferSize is the size of each direction's copy buffer of a
	// relayed connection.
	RelayBufferSize = 16 << 10
	// relayBackoff is how long AutoRelay waits before trying a relay again
	// after a failed reservation (libp2p's default is an hour, which would
	// leave a node that started before its relay unreachable for as long).
	relayBackoff = 10 * time.Second
)

// relayResources are the limits of this node's relay service.
//
// A job network's stream between two providers lives as long as the job
// and carries all its traffic (a training run moves gigabytes for hours),
// so the relay v2 defaults, which reset a relayed connection after 2
// minutes or 128 KiB each way, would cut every job network that crosses a
// relay. The relay therefore sets no duration or data limit on a relayed
// connection; it bounds what it gives instead: at most RelayMaxCircuits
// relayed connections per peer, libp2p's caps on reservations (128 in
// all, 8 per IP address), and buffers of RelayBufferSize (8 times the
// default, for throughput), whose memory libp2p's resource manager
// charges to the relay service (16 MiB and more per GiB of memory in all,
// 1 MiB per peer). A relayed connection without limits is not a "limited"
// connection for libp2p: every deco protocol may use it.
func relayResources() relayv2.Resources {
	rc := relayv2.DefaultResources()
	rc.Limit = nil
	rc.MaxCircuits = RelayMaxCircuits
	rc.BufferSize = RelayBufferSize
	return rc
}

// parseRelays reads full multiaddrs of relays, merging several addresses
// of one relay.
func parseRelays(addrs []string) ([]peer.AddrInfo, error) {
	var out []peer.AddrInfo
	for _, a := range addrs {
		info, err := peer.AddrInfoFromString(a)
		if err != nil {
			return nil, fmt.Errorf("relay address %q: %w", a, err)
		}
		if i := slices.IndexFunc(out, func(o peer.AddrInfo) bool { return o.ID == info.ID }); i >= 0 {
			out[i].Addrs = append(out[i].Addrs, info.Addrs...)
			continue
		}
		out = append(out, *info)
	}
	return out, nil
}

// autoRelayOptions keep AutoRelay's reservations on static relays prompt.
func autoRelayOptions() []autorelay.Option {
	return []autorelay.Option{autorelay.WithBackoff(relayBackoff), autorelay.WithMinInterval(relayBackoff)}
}

// relayingHost is the libp2p host with a fallback through this node's
// relays: a peer it is not connected to is dialled at its known addresses
// and through each relay (<relay addr>/p2p/<relay>/p2p-circuit), so that a
// peer behind a NAT or firewall that holds a reservation on one of the
// relays is reached although it advertises no address that works (it may
// advertise none at all). libp2p's dial ranking tries the direct addresses
// first and the relayed ones only half a second later, so a peer that can
// be reached directly is.
type relayingHost struct {
	host.Host
	relays []peer.AddrInfo
}

// Connect connects to pi, through the relays if need be.
func (r *relayingHost) Connect(ctx context.Context, pi peer.AddrInfo) error {
	c := r.Network().Connectedness(pi.ID)
	limitedOK, _ := network.GetAllowLimitedConn(ctx)
	if c == network.Connected || (c == network.Limited && limitedOK) {
		return r.Host.Connect(ctx, pi)
	}
	pi.Addrs = append(slices.Clone(pi.Addrs), r.circuitAddrs(pi.ID)...)
	return r.Host.Connect(ctx, pi)
}

// NewStream opens a stream to p, connecting through the relays if need be.
func (r *relayingHost) NewStream(ctx context.Context, p peer.ID, pids ...protocol.ID) (network.Stream, error) {
	if noDial, _ := network.GetNoDial(ctx); !noDial {
		if err := r.Connect(ctx, peer.AddrInfo{ID: p}); err != nil {
			return nil, err
		}
	}
	return r.Host.NewStream(ctx, p, pids...)
}

// circuitAddrs are the addresses of p through each relay but p itself.
func (r *relayingHost) circuitAddrs(p peer.ID) []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, rl := range r.relays {
		if rl.ID == p || rl.ID == r.ID() {
			continue
		}
		circuit, err := ma.NewMultiaddr("/p2p/" + rl.ID.String() + "/p2p-circuit")
		if err != nil {
			continue
		}
		for _, a := range rl.Addrs {
			out = append(out, a.Encapsulate(circuit))
		}
	}
	return out
}

// isCircuit reports whether a is a relayed address.
func isCircuit(a ma.Multiaddr) bool {
	if a == nil {
		return false
	}
	_, err := a.ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

// firewall is the connection gater of a Firewalled host: it accepts only
// relayed inbound connections and dials directly only the peers it may
// reach (its bootstrap peers and relays); any peer may still be dialled
// through a relay.
type firewall struct {
	allow map[peer.ID]bool
}

// InterceptPeerDial lets every peer be dialled: the addresses decide.
func (f firewall) InterceptPeerDial(peer.ID) bool { return true }

// InterceptAddrDial allows the allowed peers' addresses and relayed ones.
func (f firewall) InterceptAddrDial(p peer.ID, a ma.Multiaddr) bool {
	return f.allow[p] || isCircuit(a)
}

// InterceptAccept accepts relayed connections only.
func (f firewall) InterceptAccept(cm network.ConnMultiaddrs) bool {
	return isCircuit(cm.RemoteMultiaddr())
}

// InterceptSecured lets every accepted or dialled connection through.
func (f firewall) InterceptSecured(network.Direction, peer.ID, network.ConnMultiaddrs) bool {
	return true
}

// InterceptUpgraded lets every accepted or dialled connection through.
func (f firewall) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) {
	return true, 0
}
