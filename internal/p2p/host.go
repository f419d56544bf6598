// Package p2p is deco's peer-to-peer transport: a libp2p host with TCP and
// QUIC, NAT traversal (AutoNAT, circuit relay v2 client and service, hole
// punching), peer discovery (bootstrap peers, mDNS, a Kademlia DHT),
// GossipSub topics, and the length-prefixed, size-capped JSON framing that
// every deco protocol uses on its streams (DESIGN.md §5).
//
// The package carries bytes and JSON messages between nodes; it knows
// nothing about offers, jobs, containers or chains.
package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pubsubpb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/discovery/mdns"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/swarm"
	relayv2 "github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/relay"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultConnectTimeout    = 10 * time.Second
	DefaultRequestTimeout    = 30 * time.Second
	DefaultDiscoveryInterval = time.Minute
	DefaultPingInterval      = 30 * time.Second
	DefaultMaxGossipSize     = 1 << 20
	// MDNSServiceName is the mDNS service name deco nodes announce and browse.
	MDNSServiceName = "deco"
	// DiscoveryNamespace is the rendezvous namespace deco nodes advertise
	// and look up in the DHT.
	DiscoveryNamespace = "deco/v1"
	// DHTProtocolPrefix keeps deco's DHT apart from the public IPFS DHT.
	DHTProtocolPrefix = "/deco"
)

// gossipOverhead is the room left in a GossipSub RPC for the envelope
// (signature, key, sequence number, topic) around the largest payload.
const gossipOverhead = 16 << 10

// defaultListenAddrs are the listen addresses used when Config.ListenAddrs
// is empty: any interface, a random port, TCP and QUIC.
var defaultListenAddrs = []string{"/ip4/0.0.0.0/tcp/0", "/ip4/0.0.0.0/udp/0/quic-v1"}

// DHTMode says whether this node answers DHT queries for others.
type DHTMode int

const (
	// DHTAuto serves DHT queries only once the node is found publicly
	// reachable (the libp2p default).
	DHTAuto DHTMode = iota
	// DHTServer always serves DHT queries: bootstrap nodes, and tests on
	// loopback where reachability is never established.
	DHTServer
	// DHTClient never serves DHT queries.
	DHTClient
)

// Config configures a Host. The zero value is usable: an ephemeral key,
// the default listen addresses, no bootstrap peers, no mDNS and no DHT.
type Config struct {
	// Key is the node's libp2p identity (a secp256k1 key in deco). When
	// nil, an ephemeral secp256k1 key is generated.
	Key crypto.PrivKey
	// ListenAddrs are multiaddrs to listen on; when empty, TCP and QUIC
	// on every interface at random ports.
	ListenAddrs []string
	// Bootstrap are full multiaddrs (ending in /p2p/<id>) of peers to
	// connect to at start, retried with backoff until connected.
	Bootstrap []string
	// MDNS enables local-network discovery under MDNSServiceName.
	MDNS bool
	// DHT enables the Kademlia DHT and rendezvous discovery under
	// DiscoveryNamespace.
	DHT bool
	// DHTMode selects auto, server or client DHT mode.
	DHTMode DHTMode
	// NATPortMap asks the router for a port mapping (UPnP / NAT-PMP).
	NATPortMap bool
	// Relays are full multiaddrs (ending in /p2p/<id>) of circuit relays,
	// nodes that run RelayService. A host that finds itself not publicly
	// reachable (AutoNAT) reserves a slot on them, so that peers that
	// cannot dial it reach it through them; and a peer that this host
	// cannot reach directly is dialled through them. Every host, with
	// relays or not, dials through a relay when a peer advertises a
	// relayed address, and tries to upgrade a relayed connection to a
	// direct one (hole punching).
	Relays []string
	// RelayService makes this host a circuit relay (v2) for other peers,
	// whether or not AutoNAT finds it publicly reachable: an operator who
	// asks for a relay means it. See relayResources for its limits.
	RelayService bool
	// Firewalled puts the host behind a firewall that lets no connection
	// in and lets connections out only to its bootstrap peers and relays:
	// it listens nowhere (ListenAddrs is ignored), knows itself privately
	// reachable from the start (so it reserves on Relays at once rather
	// than waiting for AutoNAT), and reaches every other peer, and is
	// reached by it, only through a relay. For a node behind such a
	// firewall and for tests of the relay path; without Relays nobody but
	// its bootstrap peers can reach it.
	Firewalled bool
	// Logger receives the host's logs; discarded when nil.
	Logger *slog.Logger
	// ConnectTimeout bounds one connection attempt; DefaultConnectTimeout
	// when zero.
	ConnectTimeout time.Duration
	// RequestTimeout bounds a Request whose context has no deadline;
	// DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// DiscoveryInterval is how often the DHT is searched for new peers;
	// DefaultDiscoveryInterval when zero.
	DiscoveryInterval time.Duration
	// PingInterval is how often connected peers are pinged to measure
	// latency; DefaultPingInterval when zero.
	PingInterval time.Duration
	// MaxGossipSize is the largest gossip payload any topic may carry;
	// DefaultMaxGossipSize when zero.
	MaxGossipSize int
	// Metrics, when set, receives libp2p's Prometheus metrics; libp2p
	// metrics are disabled when nil.
	Metrics prometheus.Registerer
	// Limits bounds the connections, streams and memory peers may hold on
	// this node (libp2p's resource manager); the zero value takes the
	// defaults documented on Limits.
	Limits Limits
}

// Host is a running deco peer-to-peer endpoint.
type Host struct {
	cfg    Config
	log    *slog.Logger
	h      host.Host
	dht    *dht.IpfsDHT
	ps     *pubsub.PubSub
	mdns   mdns.Service
	relay  *relayv2.Relay // nil unless Config.RelayService
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sub    event.Subscription
	kick   chan struct{} // wakes the discovery loop when a peer connects

	mu        sync.Mutex
	onConnect []func(peer.ID)
	closed    bool
}

// PeerInfo describes a peer this host knows.
type PeerInfo struct {
	// ID is the peer's identity.
	ID peer.ID
	// Addrs are the peer's known multiaddrs (without /p2p).
	Addrs []string
	// Connected reports a live connection.
	Connected bool
	// Latency is the smoothed round-trip time; zero when not measured.
	Latency time.Duration
}

// New starts a host. ctx bounds construction only; background work
// (bootstrap, discovery, pings) runs until Close.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg = withDefaults(cfg)
	if cfg.Key == nil {
		k, _, err := crypto.GenerateSecp256k1Key(nil)
		if err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		cfg.Key = k
	}
	rm, err := cfg.Limits.resourceManager(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	relays, err := parseRelays(cfg.Relays)
	if err != nil {
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.Identity(cfg.Key),
		libp2p.ResourceManager(rm),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.Ping(true),
		libp2p.WithDialTimeout(cfg.ConnectTimeout),
	}
	if cfg.NATPortMap {
		opts = append(opts, libp2p.NATPortMap())
	}
	// NAT traversal: the circuit relay v2 client (dial through relays, be
	// reached through a reservation), hole punching (DCUtR) to turn a
	// relayed connection into a direct one, AutoNAT (v1 and v2) to learn
	// whether this host is reachable, and the AutoNAT service to tell
	// other nodes whether they are.
	opts = append(opts, libp2p.EnableRelay(), libp2p.EnableHolePunching(), libp2p.EnableNATService(), libp2p.EnableAutoNATv2())
	if len(relays) > 0 {
		opts = append(opts, libp2p.EnableAutoRelayWithStaticRelays(relays, autoRelayOptions()...))
	}
	if cfg.Firewalled {
		allow := map[peer.ID]bool{}
		for _, r := range relays {
			allow[r.ID] = true
		}
		for _, a := range cfg.Bootstrap {
			if info, err := peer.AddrInfoFromString(a); err == nil {
				allow[info.ID] = true
			}
		}
		opts = append(opts, libp2p.NoListenAddrs, libp2p.ForceReachabilityPrivate(), libp2p.ConnectionGater(firewall{allow: allow}))
	} else {
		opts = append(opts, libp2p.ListenAddrStrings(cfg.ListenAddrs...))
	}
	if cfg.Metrics != nil {
		opts = append(opts, libp2p.PrometheusRegisterer(cfg.Metrics))
	} else {
		opts = append(opts, libp2p.DisableMetrics())
	}
	lh, err := libp2p.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("start libp2p: %w", err)
	}
	h := &Host{cfg: cfg, h: lh, kick: make(chan struct{}, 1)}
	if len(relays) > 0 {
		h.h = &relayingHost{Host: lh, relays: relays}
	}
	h.log = cfg.Logger.With("node", shortID(lh.ID()))
	h.ctx, h.cancel = context.WithCancel(context.Background())
	fail := func(err error) (*Host, error) {
		h.cancel()
		if h.relay != nil {
			_ = h.relay.Close()
		}
		if h.dht != nil {
			_ = h.dht.Close()
		}
		_ = lh.Close()
		return nil, err
	}
	if cfg.RelayService {
		// Not libp2p.EnableRelayService: that runs the relay only once
		// AutoNAT finds the host publicly reachable, which never happens
		// on a private network or loopback.
		ropts := []relayv2.Option{relayv2.WithResources(relayResources())}
		if cfg.Metrics != nil {
			ropts = append(ropts, relayv2.WithMetricsTracer(relayv2.NewMetricsTracer(relayv2.WithRegisterer(cfg.Metrics))))
		}
		h.relay, err = relayv2.New(lh, ropts...)
		if err != nil {
			return fail(fmt.Errorf("start relay service: %w", err))
		}
	}

	// Subscribe before any connection so that no connect event is missed.
	h.sub, err = lh.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged))
	if err != nil {
		return fail(fmt.Errorf("subscribe to connection events: %w", err))
	}
	// The DHT must exist before peers connect, or its routing table
	// stays empty until a reconnect.
	if cfg.DHT {
		mode := dht.ModeAuto
		switch cfg.DHTMode {
		case DHTServer:
			mode = dht.ModeServer
		case DHTClient:
			mode = dht.ModeClient
		}
		h.dht, err = dht.New(lh, dht.Mode(mode), dht.ProtocolPrefix(DHTProtocolPrefix))
		if err != nil {
			_ = h.sub.Close()
			return fail(fmt.Errorf("start dht: %w", err))
		}
	}
	// Gossip messages carry no author and no libp2p signature: deco's
	// payloads (signed offers) authenticate themselves, and signing and
	// checking each message again cost more CPU than anything else on a
	// job's path. A message's ID is the hash of its payload. A host's own
	// messages are flooded to every peer subscribed to the topic, not
	// only to its mesh: a peer that has just subscribed (Topic.OnPeerJoin)
	// gets what is published for it at once, not after the next heartbeat
	// grafts it, and an offer reaches every direct peer in one hop.
	h.ps, err = pubsub.NewGossipSub(h.ctx, lh, pubsub.WithMaxMessageSize(cfg.MaxGossipSize+gossipOverhead),
		pubsub.WithNoAuthor(), pubsub.WithFloodPublish(true), pubsub.WithMessageIdFn(func(m *pubsubpb.Message) string {
			sum := sha256.Sum256(m.Data)
			return string(sum[:])
		}))
	if err != nil {
		_ = h.sub.Close()
		return fail(fmt.Errorf("start gossipsub: %w", err))
	}

	h.wg.Add(2)
	go h.connectEvents()
	go h.pingLoop()
	for _, addr := range cfg.Bootstrap {
		h.wg.Add(1)
		go h.bootstrap(addr)
	}
	if cfg.DHT {
		h.wg.Add(1)
		go h.discoveryLoop()
	}
	if cfg.MDNS {
		h.mdns = mdns.NewMdnsService(lh, MDNSServiceName, mdnsNotifee{h})
		if err := h.mdns.Start(); err != nil {
			_ = h.Close()
			return nil, fmt.Errorf("start mdns: %w", err)
		}
	}
	h.log.Debug("p2p host started", "addrs", h.Addrs())
	return h, nil
}

func withDefaults(cfg Config) Config {
	if len(cfg.ListenAddrs) == 0 {
		cfg.ListenAddrs = slices.Clone(defaultListenAddrs)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.DiscoveryInterval <= 0 {
		cfg.DiscoveryInterval = DefaultDiscoveryInterval
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = DefaultPingInterval
	}
	if cfg.MaxGossipSize <= 0 {
		cfg.MaxGossipSize = DefaultMaxGossipSize
	}
	return cfg
}

// ID returns the host's peer ID.
func (h *Host) ID() peer.ID { return h.h.ID() }

// Libp2p returns the underlying libp2p host, for protocols this package
// does not wrap. With Config.Relays, its Connect and NewStream dial a peer
// that cannot be reached directly through the relays.
func (h *Host) Libp2p() host.Host { return h.h }

// ConnAddrs returns the remote multiaddrs of this host's live connections
// to p; a relayed connection's contains /p2p-circuit.
func (h *Host) ConnAddrs(p peer.ID) []string {
	var out []string
	for _, c := range h.h.Network().ConnsToPeer(p) {
		out = append(out, c.RemoteMultiaddr().String())
	}
	return out
}

// Addrs returns the host's full multiaddrs, each ending in /p2p/<id>,
// loopback addresses first.
func (h *Host) Addrs() []string {
	addrs := slices.Clone(h.h.Addrs())
	slices.SortStableFunc(addrs, func(a, b ma.Multiaddr) int {
		la, lb := manet.IsIPLoopback(a), manet.IsIPLoopback(b)
		switch {
		case la && !lb:
			return -1
		case lb && !la:
			return 1
		}
		return 0
	})
	suffix := "/p2p/" + h.h.ID().String()
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String()+suffix)
	}
	return out
}

// Connect dials the peer at addr, a multiaddr ending in /p2p/<id>.
func (h *Host) Connect(ctx context.Context, addr string) error {
	info, err := peer.AddrInfoFromString(addr)
	if err != nil {
		return fmt.Errorf("parse peer address %q: %w", addr, err)
	}
	return h.connect(ctx, *info)
}

func (h *Host) connect(ctx context.Context, info peer.AddrInfo) error {
	if info.ID == h.h.ID() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.ConnectTimeout)
	defer cancel()
	if err := h.h.Connect(ctx, info); err != nil {
		return fmt.Errorf("connect to %s: %w", shortID(info.ID), err)
	}
	return nil
}

// Peers lists the peers this host knows (with addresses or a live
// connection), sorted by ID.
func (h *Host) Peers() []PeerInfo {
	ps := h.h.Peerstore()
	seen := map[peer.ID]bool{h.h.ID(): true}
	var ids []peer.ID
	for _, id := range append(ps.PeersWithAddrs(), h.h.Network().Peers()...) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]PeerInfo, 0, len(ids))
	for _, id := range ids {
		pi := PeerInfo{
			ID:        id,
			Connected: h.h.Network().Connectedness(id) == network.Connected,
			Latency:   ps.LatencyEWMA(id),
		}
		for _, a := range ps.Addrs(id) {
			pi.Addrs = append(pi.Addrs, a.String())
		}
		out = append(out, pi)
	}
	return out
}

// OnPeerConnected registers fn to be called, on its own goroutine, each
// time a peer becomes connected (not again for extra connections to a
// peer already connected).
func (h *Host) OnPeerConnected(fn func(peer.ID)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onConnect = append(h.onConnect, fn)
}

// Close stops discovery and gossip and closes every connection.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	var errs []error
	if h.mdns != nil {
		errs = append(errs, h.mdns.Close())
	}
	errs = append(errs, h.sub.Close())
	if h.relay != nil {
		errs = append(errs, h.relay.Close())
	}
	if h.dht != nil {
		errs = append(errs, h.dht.Close())
	}
	errs = append(errs, h.h.Close())
	h.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close p2p host: %w", err)
	}
	return nil
}

func (h *Host) connectEvents() {
	defer h.wg.Done()
	for {
		select {
		case <-h.ctx.Done():
			return
		case e, ok := <-h.sub.Out():
			if !ok {
				return
			}
			ev := e.(event.EvtPeerConnectednessChanged)
			if ev.Connectedness != network.Connected {
				continue
			}
			h.log.Debug("peer connected", "peer", shortID(ev.Peer))
			h.mu.Lock()
			fns := slices.Clone(h.onConnect)
			h.mu.Unlock()
			for _, fn := range fns {
				go fn(ev.Peer)
			}
			select {
			case h.kick <- struct{}{}:
			default:
			}
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				h.ping(ev.Peer)
			}()
		}
	}
}

// ping measures the round trip to p once; the ping service records it in
// the peerstore's latency average.
func (h *Host) ping(p peer.ID) {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.ConnectTimeout)
	defer cancel()
	select {
	case res := <-ping.Ping(ctx, h.h, p):
		if res.Error != nil && h.ctx.Err() == nil {
			h.log.Debug("ping failed", "peer", shortID(p), "err", res.Error)
		}
	case <-ctx.Done():
	}
}

func (h *Host) pingLoop() {
	defer h.wg.Done()
	t := time.NewTicker(h.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
			for _, p := range h.h.Network().Peers() {
				h.ping(p)
			}
		}
	}
}

// bootstrapWatch is how often a connected bootstrap peer is checked for
// a lost connection.
const bootstrapWatch = time.Second

// bootstrap keeps this host connected to one bootstrap peer until the host
// closes: it connects, retrying with exponential backoff, and connects
// again whenever the connection is lost (the peer restarted: a node whose
// only link to the network was a bootstrap peer would otherwise stay cut
// off from it, and the restarted peer, which has no bootstrap list of its
// own, would never find it again).
func (h *Host) bootstrap(addr string) {
	defer h.wg.Done()
	info, err := peer.AddrInfoFromString(addr)
	if err != nil {
		h.log.Warn("bad bootstrap address", "addr", addr, "err", err)
		return
	}
	backoff := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		// Our own backoff paces the retries; the swarm's dial backoff
		// would otherwise refuse them without dialing for seconds.
		if sw, ok := h.h.Network().(*swarm.Swarm); ok {
			sw.Backoff().Clear(info.ID)
		}
		err := h.connect(h.ctx, *info)
		if err == nil {
			h.log.Debug("connected to bootstrap peer", "peer", shortID(info.ID))
			for h.h.Network().Connectedness(info.ID) == network.Connected {
				select {
				case <-h.ctx.Done():
					return
				case <-time.After(bootstrapWatch):
				}
			}
			h.log.Debug("lost the bootstrap peer; reconnecting", "peer", shortID(info.ID))
			attempt, backoff = 0, 250*time.Millisecond
			continue
		}
		if h.ctx.Err() != nil {
			return
		}
		lvl := slog.LevelDebug
		if attempt%5 == 0 {
			lvl = slog.LevelWarn
		}
		h.log.Log(h.ctx, lvl, "bootstrap connect failed", "addr", addr, "attempt", attempt, "retry_in", backoff, "err", err)
		select {
		case <-h.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

type mdnsNotifee struct{ h *Host }

// HandlePeerFound connects to a peer announced on the local network.
func (n mdnsNotifee) HandlePeerFound(info peer.AddrInfo) {
	h := n.h
	if info.ID == h.h.ID() || h.h.Network().Connectedness(info.ID) == network.Connected {
		return
	}
	if err := h.connect(h.ctx, info); err != nil {
		if h.ctx.Err() == nil {
			h.log.Debug("mdns connect failed", "peer", shortID(info.ID), "err", err)
		}
		return
	}
	h.log.Debug("connected to mdns peer", "peer", shortID(info.ID))
}

// shortID is a peer ID shortened for logs.
func shortID(id peer.ID) string {
	s := id.String()
	if len(s) > 12 {
		return s[len(s)-8:]
	}
	return s
}
