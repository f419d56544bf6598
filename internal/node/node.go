// Package node is the composition root: it builds and starts every service
// of a deco node (identity, store, peer-to-peer host, offer catalog,
// provider and requester, executors, REST API and metrics) and stops them
// in order.
package node

import (
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	p2pcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/docker"
	"github.com/deco-network/deco/internal/exec/wasm"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/jobnet"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/nsenter"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/reputation"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/store"
	"github.com/deco-network/deco/internal/telemetry"
	"github.com/deco-network/deco/internal/verify"
	"github.com/deco-network/deco/internal/web"
)

// DBFile is the SQLite database in the data directory.
const DBFile = "deco.db"

// DefaultAPIAddr is where `deco node run` serves the REST API.
const DefaultAPIAddr = "127.0.0.1:7350"

// Config configures a node. Zero values are sensible defaults.
type Config struct {
	// DataDir holds the key, database, token, executions and results.
	DataDir string
	// OperatorDir is the operator key's keystore directory the
	// dashboard's farm statement form offers (deco's --operator-dir
	// default: DECO_OPERATOR_DIR or ~/.deco-operator).
	OperatorDir string
	// Passphrase unlocks the node key, or seals it on first start (see
	// identity.OpenOrCreate). It is never stored. Empty is refused unless
	// ThrowawayKey is set or an older version left the passphrase beside
	// the key (that still starts, with a loud warning each time).
	Passphrase string
	// ThrowawayKey gives the node a dev network's throwaway key: a
	// generated passphrase kept beside the key in
	// keystore/THROWAWAY-passphrase, said so in the log and the API's
	// identity. Never for a node that holds real funds.
	ThrowawayKey bool
	// ListenAddrs are the libp2p listen multiaddrs.
	ListenAddrs []string
	// Bootstrap are multiaddrs of peers to join through.
	Bootstrap []string
	// Relays are full multiaddrs of circuit relays (p2p.Config.Relays):
	// the node reserves a slot on them when it is not publicly reachable,
	// and reaches through them peers it cannot dial directly.
	Relays []string
	// RelayService makes the node a circuit relay for others
	// (p2p.Config.RelayService).
	RelayService bool
	// Firewalled makes a node that accepts no connection and dials only
	// its bootstrap peers and relays directly (p2p.Config.Firewalled):
	// for tests of the relay path and nodes behind such a firewall.
	Firewalled bool
	// MDNS enables discovery on the local network.
	MDNS bool
	// NoDHT disables the Kademlia DHT.
	NoDHT bool
	// APIAddr is the host:port of the REST API (loopback); DefaultAPIAddr
	// when empty, "127.0.0.1:0" picks a free port.
	APIAddr string
	// DockerHost overrides DOCKER_HOST for the docker executor.
	DockerHost string
	// TaskInit is the host path of a static deco binary that linked tasks'
	// containers start under (see taskinit); with it, and root and
	// /dev/net/tun, the node runs tasks on job networks. The CLI gives
	// its own executable. Empty: the node refuses jobs with links.
	TaskInit string
	// NoDocker and NoWasm disable an executor.
	NoDocker, NoWasm bool
	// OfferTTL is how long published offers live (default 60 s).
	OfferTTL time.Duration
	// Scheduler configures placement (scorer weights, report sizes).
	Scheduler sched.Config
	// HeartbeatTimeout is how long a provider may stay silent during an
	// execution before the requester declares it lost and retries
	// elsewhere (default 10 s). Providers send heartbeats at a fifth of it.
	HeartbeatTimeout time.Duration
	// ResultRetention is how long this node as a provider keeps results
	// (default provider.DefaultResultRetention).
	ResultRetention time.Duration
	// InputStallTimeout fails an input download idle this long (default 30 s).
	InputStallTimeout time.Duration
	// InputAllowHosts are hosts this node as a provider fetches inputs
	// from although its input policy refuses them (loopback, its own
	// addresses, its local network): see provider.Config.InputAllowHosts.
	InputAllowHosts []string
	// DiskQuota is how this node as a provider holds tasks to their disk
	// requests (provider.DiskQuotaAuto when empty).
	DiskQuota string
	// UsageInterval is how often running tasks report usage and are paid
	// for (market.DefaultUsageInterval when zero); the same figure is the
	// slack this node as a requester allows a report's run time.
	UsageInterval time.Duration
	// AutoDeposit, when positive, is what this node as a requester deposits
	// on a provider's channel that cannot cover a deal (0: never deposit on
	// its own; the error says deco wallet deposit).
	AutoDeposit money.Amount
	// RedeemThreshold and RedeemPoll tune the provider's automatic redeem
	// (provider.DefaultRedeemThreshold, provider.DefaultRedeemPoll).
	RedeemThreshold money.Amount
	RedeemPoll      time.Duration
	// PayHook, when set, is asked before each usage report is paid; false
	// withholds the voucher (tests of a requester that stops paying).
	PayHook func(market.UsageReport) bool
	// ServiceSignHook, when set, sees every service response this node
	// signs (tests make a hostile provider with it).
	ServiceSignHook func(*service.Response)
	// ServiceRequestHook, when set, sees every service request this
	// node's proxies sign (tests make a hostile requester with it).
	ServiceRequestHook func(*service.Request)
	// ServicePaymentHook, when set, is asked before this node's proxies
	// send each Payment for the units a response used; false withholds
	// it (tests of a requester that does not pay the units).
	ServicePaymentHook func(service.Payment) bool
	// ServiceOfferHook, when set, sees every service offer this node
	// hears on gossip and keeps it only when it returns true (tests make
	// a requester that misses a provider's gossip with it).
	ServiceOfferHook func(service.Offer) bool
	// WrapExecutor, when set, is put in front of each of the node's
	// executors (tests: one that starts a task's container without the
	// GPU device request a machine with no GPU cannot grant, so that a
	// time-lock test runs a task on a GPU the provider was told it has).
	WrapExecutor func(exec.Executor) exec.Executor
	// TamperOutputs, when set, is run on each execution's outputs before
	// their digest is taken (tests: a provider that returns a wrong
	// result; see provider.Config.TamperOutputs).
	TamperOutputs func(dir string) error
	// TamperCommitment, when set, replaces the commitments this node sends
	// as a runner of verified tasks (see provider.Config.TamperCommitment).
	TamperCommitment func(jobID string, own verify.Commitment) verify.Commitment
	// OperatorCert, when set, is the certificate of the operator that runs
	// this node (deco node run --operator): it is installed at start, as
	// PUT /v1/operator/cert does.
	OperatorCert *operator.Cert
	// ScryptN is the keystore cost (identity.LightScryptN by default).
	ScryptN int
	Logger  *slog.Logger
	Clock   func() time.Time
	// Version is reported by the API.
	Version string
}

// Node is a running deco node.
type Node struct {
	cfg       Config
	log       *slog.Logger
	key       *identity.Key
	store     *store.Store
	host      *p2p.Host
	catalog   *offer.Catalog
	provider  *provider.Provider
	requester *requester.Requester
	jobnet    *jobnet.Service // nil: this node refuses jobs with links
	forward   bool            // this node can reach service jobs' ports
	latency   *latencySource  // round-trip times to peers (pings)
	// settlement is nil when the data directory has no chain.json.
	settlement *evm.Client
	escrow     string
	// reputation keeps attestations and scores nodes (see reputation.go).
	reputation *reputation.Book
	// operators keeps operators' policies (see operator.go).
	operators *operatorService
	executors map[string]exec.Executor
	metrics   *metrics
	// svc is the node's pay-per-request services (see services.go).
	svc *services
	// deposits is what the node read of its deposits (see deposits.go).
	deposits depositLog
	apiLn    net.Listener
	apiSrv   *http.Server
	apiURL   string
	token    string
	// dash is the web dashboard, served on the API's address.
	dash *web.Dashboard

	runCtx context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once

	pushMu     sync.Mutex
	lastPushed offer.Offer
}

// New builds and starts a node. Close stops it.
func New(ctx context.Context, cfg Config) (n *Node, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.ScryptN == 0 {
		cfg.ScryptN = identity.LightScryptN
	}
	if cfg.APIAddr == "" {
		cfg.APIAddr = DefaultAPIAddr
	}
	if cfg.DataDir == "" {
		return nil, errors.New("node: data directory not set")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	// Private to the node's user, also when an older version or the
	// operator made it otherwise.
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	n = &Node{cfg: cfg, runCtx: runCtx, cancel: cancel}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()

	n.key, _, err = identity.OpenOrCreate(filepath.Join(cfg.DataDir, api.KeystoreDir), identity.Options{
		Passphrase: cfg.Passphrase, Throwaway: cfg.ThrowawayKey, ScryptN: cfg.ScryptN, Logger: cfg.Logger})
	if err != nil {
		return n, err
	}
	// The passphrase has done its work: the node keeps no copy.
	n.cfg.Passphrase = ""
	n.log = cfg.Logger.With("node", shortPeer(n.key.PeerID()))
	switch c, err := openSettlement(ctx, cfg.DataDir, n.key, n.log.With("component", "settlement")); {
	case errors.Is(err, settle.ErrNoSettlement):
		n.log.Info("no settlement configured (chain.json): tasks run free")
	case err != nil:
		return n, err
	default:
		n.settlement = c
		d := c.Domain()
		n.escrow = fmt.Sprintf("%s:%s", d.ChainID, identity.Address(d.Contract))
	}
	n.store, err = store.Open(ctx, filepath.Join(cfg.DataDir, DBFile))
	if err != nil {
		return n, err
	}
	if err := n.settleOn(ctx, n.escrow); err != nil {
		return n, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	n.metrics = newMetrics(reg)

	p2pKey, err := p2pcrypto.UnmarshalSecp256k1PrivateKey(n.key.Bytes())
	if err != nil {
		return n, err
	}
	n.host, err = p2p.New(ctx, p2p.Config{Key: p2pKey, ListenAddrs: cfg.ListenAddrs, Bootstrap: cfg.Bootstrap,
		Relays: cfg.Relays, RelayService: cfg.RelayService, Firewalled: cfg.Firewalled,
		MDNS: cfg.MDNS, DHT: !cfg.NoDHT, DHTMode: p2p.DHTServer, Logger: n.log, Metrics: reg})
	if err != nil {
		return n, fmt.Errorf("start peer-to-peer host: %w", err)
	}
	n.latency = newLatencySource(n.host.Libp2p())

	n.executors = map[string]exec.Executor{}
	if !cfg.NoDocker {
		d, err := docker.New(ctx, docker.Config{Logger: n.log, Host: cfg.DockerHost, Clock: cfg.Clock, NodeID: n.key.PeerID(),
			Init: cfg.TaskInit})
		if err != nil {
			n.log.Warn("docker executor unavailable; this node will not run container tasks", "err", err)
		} else {
			n.executors[d.Name()] = d
			if why := nsenter.Unavailable(); why != "" {
				n.log.Info("this node will not run service jobs with ports (deco forward)", "why", why)
			} else {
				n.forward = true
			}
			if why := jobNetUnavailable(cfg.TaskInit); why != "" {
				n.log.Info("this node will not run tasks on job networks (jobs with links)", "why", why)
			} else {
				n.jobnet = jobnet.New(jobnet.Config{Host: n.host.Libp2p(), Logger: n.log})
			}
		}
	}
	if !cfg.NoWasm {
		w, err := wasm.New(wasm.Config{Logger: n.log, CacheDir: filepath.Join(cfg.DataDir, "wasm-cache"), Clock: cfg.Clock})
		if err != nil {
			return n, fmt.Errorf("wasm executor: %w", err)
		}
		n.executors[w.Name()] = w
	}

	if cfg.WrapExecutor != nil {
		for name, ex := range n.executors {
			n.executors[name] = cfg.WrapExecutor(ex)
		}
	}
	n.catalog = offer.NewCatalog(cfg.Clock)
	n.loadCatalog(ctx)
	n.provider, err = provider.New(ctx, provider.Config{Logger: n.log, Clock: cfg.Clock, Key: n.key, Host: n.host,
		Store: n.store, Executors: n.executors, DataDir: cfg.DataDir, OfferTTL: cfg.OfferTTL,
		ResultRetention: cfg.ResultRetention, InputStallTimeout: cfg.InputStallTimeout, InputAllowHosts: cfg.InputAllowHosts, DiskQuota: cfg.DiskQuota, Published: n.published, CheckOffer: n.checkGossipOffer,
		Heartbeat: cfg.HeartbeatTimeout / 5, Settlement: n.Settlement(), Escrow: n.escrow, UsageInterval: cfg.UsageInterval,
		RedeemThreshold: cfg.RedeemThreshold, RedeemPoll: cfg.RedeemPoll, JobNet: n.jobnet, Forward: n.forward, PeerRTTs: n.latency.nearest, TamperOutputs: cfg.TamperOutputs, TamperCommitment: cfg.TamperCommitment,
		Meters: n.metrics.meters, Metrics: n.metrics.events, GPUSampler: telemetry.NvidiaSampler{Runner: inventory.ExecRunner{}}})
	if err != nil {
		return n, err
	}
	if err := n.startReputation(ctx); err != nil {
		return n, err
	}
	if err := n.startOperators(ctx); err != nil {
		return n, err
	}
	scheduler, err := sched.NewFromConfig(cfg.Scheduler, n.reputation, n.latency, n.operators.schedSource())
	if err != nil {
		return n, err
	}
	n.requester, err = requester.New(ctx, requester.Config{Scheduler: scheduler, Logger: n.log, Clock: cfg.Clock, Host: n.host, Store: n.store, Key: n.key,
		Catalog: n.catalog, DataDir: cfg.DataDir, OnChange: n.metrics.jobChanged, HeartbeatTimeout: cfg.HeartbeatTimeout,
		Settlement: n.Settlement(), Escrow: n.escrow, UsageInterval: cfg.UsageInterval, AutoDeposit: cfg.AutoDeposit, PayHook: cfg.PayHook,
		Reputation: n.reputation, Operators: n.operators.book})
	if err != nil {
		return n, err
	}

	if err := n.startServices(runCtx); err != nil {
		return n, err
	}
	reg.MustRegister(newStateCollector(n))

	sub, err := n.provider.Topic().Subscribe(runCtx)
	if err != nil {
		return n, err
	}
	n.wg.Add(2)
	go func() { defer n.wg.Done(); n.gossipLoop(sub) }()
	go func() { defer n.wg.Done(); _ = n.provider.Run(runCtx) }()
	n.host.Handle(p2p.ProtocolID(market.ProtoAnnounce, 1), 10*time.Second, n.serveAnnounce)
	n.host.OnPeerConnected(func(p peer.ID) {
		n.wg.Add(2)
		go func() { defer n.wg.Done(); n.fetchOffer(runCtx, p) }()
		go func() { defer n.wg.Done(); n.operators.syncFrom(runCtx, p) }()
	})
	// Peers reached before the hook was set (the bootstrap peers): the
	// same.
	for _, p := range n.host.Peers() {
		if p.Connected {
			n.wg.Add(2)
			go func() { defer n.wg.Done(); n.fetchOffer(runCtx, p.ID) }()
			go func() { defer n.wg.Done(); n.operators.syncFrom(runCtx, p.ID) }()
		}
	}

	if err := n.serveAPI(reg); err != nil {
		return n, err
	}
	n.log.Info("node started", "peer", n.key.PeerID(), "address", n.key.Address().String(), "api", n.apiURL,
		"executors", strings.Join(n.ExecutorNames(), ","), "throwawayKey", cfg.ThrowawayKey)
	return n, nil
}

func shortPeer(id string) string {
	if len(id) > 8 {
		return id[len(id)-8:]
	}
	return id
}

// serveAPI creates the token (once) and starts the REST API.
func (n *Node) serveAPI(reg *prometheus.Registry) error {
	tokenPath := filepath.Join(n.cfg.DataDir, api.TokenFile)
	b, err := os.ReadFile(tokenPath)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		n.token = strings.TrimSpace(string(b))
	} else {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return err
		}
		n.token = hex.EncodeToString(raw)
		if err := os.WriteFile(tokenPath, []byte(n.token+"\n"), 0o600); err != nil {
			return fmt.Errorf("write API token: %w", err)
		}
	}
	if err := os.Chmod(tokenPath, 0o600); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(n.cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("api address %q: %w", n.cfg.APIAddr, err)
	}
	var apiOpts []api.Option
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		n.log.Warn("the REST API listens beyond loopback; anyone who can reach it and has the token controls this node", "addr", n.cfg.APIAddr)
		apiOpts = append(apiOpts, api.WithMetricsToken()) // /metrics too needs the token
	}
	n.apiLn, err = net.Listen("tcp", n.cfg.APIAddr)
	if err != nil {
		return fmt.Errorf("listen for the REST API on %s: %w (is another node running? use --api-addr)", n.cfg.APIAddr, err)
	}
	n.apiURL = "http://" + n.apiLn.Addr().String()
	handler := api.New(backend{n}, n.token, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), n.log, append(apiOpts, api.WithClock(n.cfg.Clock))...)
	// The dashboard answers "/", /login, /logout and /ui/...; every other
	// path (/v1/..., /metrics) is the REST API's, as before.
	n.dash = web.New(web.Config{Backend: backend{n}, Logger: n.log.With("part", "dashboard"), Clock: n.cfg.Clock,
		OperatorDir: n.cfg.OperatorDir})
	handler = web.Mount(handler, n.dash)
	n.apiSrv = api.NewServer(handler, n.log)
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.apiSrv.Serve(n.apiLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("REST API stopped", "err", err)
		}
	}()
	// Written whole or not at all: the CLI may read it the moment it exists.
	path := filepath.Join(n.cfg.DataDir, api.APIFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(n.apiURL+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadCatalog restores offers persisted by an earlier run (still live).
func (n *Node) loadCatalog(ctx context.Context) {
	stored, err := n.store.LiveOffers(ctx, n.cfg.Clock())
	if err != nil {
		n.log.Warn("load stored offers", "err", err)
		return
	}
	for _, so := range stored {
		if o, err := offer.Decode(so.Body); err == nil {
			_, _ = n.catalog.Put(o)
		}
	}
}

// acceptOffer puts an offer in the catalog and persists it.
func (n *Node) acceptOffer(o offer.Offer) {
	changed, err := n.catalog.Put(o)
	if err != nil {
		n.log.Debug("offer dropped", "from", o.Node, "err", err)
		n.metrics.offersDropped.Inc()
		return
	}
	n.keepOffer(o, changed)
}

// keepOffer counts and persists an offer the catalog took (changed).
func (n *Node) keepOffer(o offer.Offer, changed bool) {
	n.metrics.offers.Set(float64(n.catalog.Len()))
	if !changed {
		return
	}
	n.operators.offerSeen(o)
	ctx := context.Background()
	if o.Withdrawn {
		_ = n.store.DeleteOffer(ctx, o.Node)
		return
	}
	b, _ := json.Marshal(o)
	if err := n.store.PutOffer(ctx, store.StoredOffer{Node: o.Node, Body: b, Expires: o.Expires}); err != nil {
		n.log.Warn("persist offer", "err", err)
	}
}

// gossipLoop keeps the offers gossip delivers. The topic's validator
// (checkGossipOffer) has verified each one already.
func (n *Node) gossipLoop(sub <-chan p2p.Message) {
	for m := range sub {
		o, err := offer.Decode(m.Data)
		if err != nil {
			n.metrics.offersDropped.Inc()
			continue
		}
		n.metrics.offersReceived.Inc()
		n.keepOffer(o, n.catalog.PutVerified(o))
	}
}

// checkGossipOffer validates a message on the offer topic: only an offer
// whose signature verifies (or the one the catalog holds) is delivered and
// forwarded; GossipSub marks down the peer that sent anything else.
func (n *Node) checkGossipOffer(b []byte) error {
	o, err := offer.Decode(b)
	if err != nil {
		n.metrics.offersDropped.Inc()
		return err
	}
	if err := n.catalog.Check(o); err != nil {
		n.metrics.offersDropped.Inc()
		return err
	}
	return nil
}

// fetchOffer asks a newly connected peer for its offer directly, so the
// catalog fills without waiting for the next gossip round.
func (n *Node) fetchOffer(ctx context.Context, p peer.ID) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var reply market.OfferReply
	if err := n.host.Request(ctx, p, p2p.ProtocolID(market.ProtoOffer, 1), struct{}{}, &reply, market.MaxOfferSize); err != nil {
		n.log.Debug("fetch offer", "peer", p, "err", err)
		return
	}
	if reply.Offer != nil && reply.Offer.Node == p.String() {
		n.acceptOffer(*reply.Offer)
	}
}

// published takes this node's own new offer into its catalog and, when its
// terms changed, pushes it to connected peers so they need not wait for
// the gossip mesh to form.
func (n *Node) published(o offer.Offer) {
	n.keepOffer(o, n.catalog.PutVerified(o))
	n.pushMu.Lock()
	last := n.lastPushed
	n.lastPushed = o
	n.pushMu.Unlock()
	if sameTerms(last, o) {
		return
	}
	for _, p := range n.host.Peers() {
		if !p.Connected {
			continue
		}
		n.wg.Add(1)
		go func(p peer.ID) {
			defer n.wg.Done()
			ctx, cancel := context.WithTimeout(n.runCtx, 5*time.Second)
			defer cancel()
			var ack struct{}
			if err := n.host.Request(ctx, p, p2p.ProtocolID(market.ProtoAnnounce, 1), o, &ack, market.MaxSmallMsg); err != nil {
				n.log.Debug("announce offer", "peer", p, "err", err)
			}
		}(p.ID)
	}
}

// sameTerms reports whether two offers of this node say the same thing
// (only their validity window differs).
func sameTerms(a, b offer.Offer) bool {
	terms := func(o offer.Offer) string {
		o.Seq, o.IssuedAt, o.Expires, o.Signature = 0, time.Time{}, time.Time{}, nil
		j, _ := json.Marshal(o)
		return string(j)
	}
	return terms(a) == terms(b)
}

// serveAnnounce takes an offer a connected provider pushed.
func (n *Node) serveAnnounce(ctx context.Context, s network.Stream) {
	var o offer.Offer
	if err := p2p.ReadMsg(s, &o, market.MaxOfferSize); err != nil {
		n.metrics.offersDropped.Inc()
		return
	}
	if o.Node != s.Conn().RemotePeer().String() {
		n.metrics.offersDropped.Inc()
		return
	}
	n.acceptOffer(o)
	_ = p2p.WriteMsg(s, struct{}{})
}

// Close stops the node: API first, then services, then the host and store.
func (n *Node) Close() error {
	n.closed.Do(func() {
		if n.apiSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = n.apiSrv.Shutdown(ctx)
			cancel()
		}
		n.cancel()
		if n.svc != nil && n.svc.server != nil {
			// First: a service request in flight is cancelled, its
			// endpoint call with it, before the slower parts stop.
			_ = n.svc.server.Close()
		}
		if n.provider != nil {
			_ = n.provider.Close()
		}
		if n.jobnet != nil {
			_ = n.jobnet.Close()
		}
		for _, ex := range n.executors {
			if c, ok := ex.(io.Closer); ok {
				_ = c.Close()
			}
		}
		if n.host != nil {
			_ = n.host.Close()
		}
		n.wg.Wait()
		if n.requester != nil {
			_ = n.requester.Close()
		}
		if n.store != nil {
			_ = n.store.Close()
		}
		if n.settlement != nil {
			_ = n.settlement.Close()
		}
		if n.log != nil {
			n.log.Info("node stopped")
		}
	})
	return nil
}

// PeerID is the node's libp2p peer ID.
func (n *Node) PeerID() string { return n.key.PeerID() }

// Address is the node's EVM address.
func (n *Node) Address() identity.Address { return n.key.Address() }

// Addrs are the node's full libp2p multiaddrs.
func (n *Node) Addrs() []string { return n.host.Addrs() }

// APIURL is the REST API's base URL.
func (n *Node) APIURL() string { return n.apiURL }

// Token is the REST API bearer token.
func (n *Node) Token() string { return n.token }

// Catalog is the node's live offer catalog.
func (n *Node) Catalog() *offer.Catalog { return n.catalog }

// Provider is the selling side.
func (n *Node) Provider() *provider.Provider { return n.provider }

// Requester is the buying side.
func (n *Node) Requester() *requester.Requester { return n.requester }

// Settlement is the node's settlement account, nil when it has none
// (no chain.json in its data directory: it runs and buys tasks free).
func (n *Node) Settlement() settle.Settlement {
	if n.settlement == nil {
		return nil
	}
	return n.settlement
}

// escrowSetting records the escrow the node's payment channels belong to.
const escrowSetting = "settlement.escrow"

// settleOn records escrow ("chainID:address") as the one the node's payment
// channels are on. When it differs from the one recorded (a restarted dev
// chain, a new contract), the old channels are archived: carried over,
// their cumulative vouchers would have the new escrow pay for old work.
func (n *Node) settleOn(ctx context.Context, escrow string) error {
	if escrow == "" {
		return nil
	}
	var prev string
	if _, err := n.store.GetSetting(ctx, escrowSetting, &prev); err != nil {
		return err
	}
	if prev == escrow {
		return nil
	}
	if prev != "" {
		moved, err := n.store.ArchiveChannels(ctx, prev, n.cfg.Clock())
		if err != nil {
			return err
		}
		n.log.Warn("settlement escrow changed: payment channels of the old one archived",
			"old", prev, "new", escrow, "channels", moved)
	}
	return n.store.PutSetting(ctx, escrowSetting, escrow)
}

// Store is the node's database.
func (n *Node) Store() *store.Store { return n.store }

// ExecutorNames lists the executors this node can run.
func (n *Node) ExecutorNames() []string {
	var out []string
	for name := range n.executors {
		out = append(out, name)
	}
	return out
}

// Connect dials a peer by its full multiaddr (with /p2p/ID).
func (n *Node) Connect(ctx context.Context, addr string) error { return n.host.Connect(ctx, addr) }

// ConnAddrs returns the remote multiaddrs of the node's live connections to
// peer id (none when id does not parse); a relayed one contains
// /p2p-circuit.
func (n *Node) ConnAddrs(id string) []string {
	p, err := peer.Decode(id)
	if err != nil {
		return nil
	}
	return n.host.ConnAddrs(p)
}

// jobNetUnavailable says why this node cannot create job networks with
// task init binary init, or "" when it can.
func jobNetUnavailable(init string) string {
	switch {
	case init == "":
		return "no task init binary"
	case os.Geteuid() != 0:
		return "not root: creating a task's interface in its network namespace needs CAP_NET_ADMIN"
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "no /dev/net/tun"
	}
	f, err := elf.Open(init)
	if err != nil {
		return "task init binary: " + err.Error()
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "task init binary " + init + " is dynamically linked (build deco with CGO_ENABLED=0, as make build does)"
		}
	}
	return ""
}
