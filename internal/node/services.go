package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/store"
)

// serviceOfferTTL is how long a gossiped service offer lives; it is
// published again at half of it.
const serviceOfferTTL = 10 * time.Minute

// republishGap is the least time between two republishes of the offers.
const republishGap = time.Second

// services is a node's pay-per-request services: what it serves, the
// offers it heard, their gossip topic.
type services struct {
	server   *service.Server
	catalog  *service.Catalog
	topic    *p2p.Topic
	channels *settle.ChannelCache
	// local are the services added, for republishing.
	mu    sync.Mutex
	local map[string]service.Local
	// proxies are the paid proxies the API handed out, by service.
	proxies map[string]*service.Proxy
	// registry is what this node read of the chain's service registry.
	registry serviceRegistry
	// restored is closed once the services kept from before a restart
	// are served again and their on-chain registrations checked.
	restored chan struct{}
}

// serviceRegistry is what a node read of the chain's service registry:
// the registrations as of block next-1, so that the next reading reads
// only the blocks after it (a listing does not replay the chain from
// block 0).
type serviceRegistry struct {
	mu   sync.Mutex
	next uint64
	live map[evm.ServiceKey]evm.ServiceRecord
	read time.Time
}

// registryMaxAge is how old the registrations a proxy calls may be: a
// proxy reads new blocks at most this often (a listing reads them every
// time).
const registryMaxAge = 5 * time.Second

// startServices serves this node's services on service.Proto, joins the
// service offers' topic and keeps what it hears.
func (n *Node) startServices(ctx context.Context) error {
	sv := &services{catalog: service.NewCatalog(n.cfg.Clock), restored: make(chan struct{})}
	n.svc = sv
	if s := n.Settlement(); s != nil {
		sv.channels = settle.NewChannelCache(s, 2*time.Second, n.cfg.Clock)
	}
	sv.server = service.NewServer(service.ServerConfig{Key: n.key, Settlement: n.Settlement(), Channels: sv.channels,
		Store: n.store, Logger: n.log, Now: n.cfg.Clock, SignHook: n.cfg.ServiceSignHook})
	n.host.Handle(p2p.ProtocolID(service.Proto, service.Version), 2*time.Minute, func(ctx context.Context, s network.Stream) {
		sv.server.Handle(ctx, s, s.Conn().RemotePeer().String())
	})
	t, err := n.host.Join(service.Topic, service.MaxOfferSize, func(b []byte) error {
		_, err := service.DecodeOffer(b)
		return err
	})
	if err != nil {
		return err
	}
	sv.topic = t
	sub, err := t.Subscribe(ctx)
	if err != nil {
		return err
	}
	n.wg.Add(2)
	go func() {
		defer n.wg.Done()
		for m := range sub {
			if o, err := service.DecodeOffer(m.Data); err == nil && (n.cfg.ServiceOfferHook == nil || n.cfg.ServiceOfferHook(o)) {
				sv.catalog.Put(o)
			}
		}
	}()
	// Offers are signed afresh and gossiped at half their life, and at
	// once when a peer joins the topic (a node that connects or restarts,
	// this one restarting), so that it need not wait for the next round;
	// joins less than republishGap apart share one republish.
	joined := make(chan struct{}, 1)
	go func() {
		defer n.wg.Done()
		tick := time.NewTicker(serviceOfferTTL / 2)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-joined:
			}
			n.republishServices(ctx)
			select {
			case <-ctx.Done():
				return
			case <-time.After(republishGap):
			}
		}
	}()
	err = sv.topic.OnPeerJoin(ctx, func(peer.ID) {
		select {
		case joined <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	n.restoreServices(ctx)
	return nil
}

// restoreServices serves again the services this node's store keeps
// (those registered before a restart) and gossips their signed offers;
// their on-chain registrations are checked in the background, a
// registration whose terms are on chain already sending no transaction.
// A service that cannot be served (its job is gone) is logged and kept:
// deco service remove forgets it.
func (n *Node) restoreServices(ctx context.Context) {
	done := func() { close(n.svc.restored) }
	if n.Settlement() == nil {
		done()
		return
	}
	regs, err := n.store.ServiceRegistrations(ctx)
	if err != nil {
		n.log.Error("restore services", "err", err)
		done()
		return
	}
	var offers []service.Offer
	for _, sr := range regs {
		r := api.ServiceRegistration{Name: sr.Name, Type: sr.Type, Price: sr.Price, UnitPrice: sr.UnitPrice, MaxUnits: sr.MaxUnits,
			Verification: sr.Verification, Endpoint: sr.Endpoint, Job: sr.Job, Port: sr.Port}
		l, err := n.serviceLocal(ctx, r)
		if err != nil {
			n.log.Warn("restore service: not served", "service", sr.Name, "err", err)
			continue
		}
		o, err := n.AddService(ctx, l)
		if o.Name == "" {
			n.log.Warn("restore service: not served", "service", sr.Name, "err", err)
			continue
		}
		if err != nil {
			n.log.Warn("restore service: served, not gossiped yet", "service", sr.Name, "err", err)
		}
		offers = append(offers, o)
	}
	if len(offers) == 0 {
		done()
		return
	}
	n.log.Info("services restored", "services", len(offers))
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		defer done()
		for _, o := range offers {
			if _, err := n.registerOnChain(ctx, o); err != nil && ctx.Err() == nil {
				n.log.Warn("restore service: on-chain registration", "service", o.Name, "err", err)
			}
		}
	}()
}

// ServicesRestored is closed once the services this node kept from
// before a restart are served again and their on-chain registrations
// have been checked (and sent again where the chain lacks them); at once
// when there were none.
func (n *Node) ServicesRestored() <-chan struct{} {
	return n.svc.restored
}

// republishServices signs this node's service offers afresh and gossips them.
func (n *Node) republishServices(ctx context.Context) {
	n.svc.mu.Lock()
	ls := make([]service.Local, 0, len(n.svc.local))
	for _, l := range n.svc.local {
		ls = append(ls, l)
	}
	n.svc.mu.Unlock()
	for _, l := range ls {
		if _, err := n.AddService(ctx, l); err != nil {
			n.log.Warn("republish service offer", "service", l.Offer.Name, "err", err)
		}
	}
}

// AddService serves l from this node and gossips its signed offer.
func (n *Node) AddService(ctx context.Context, l service.Local) (service.Offer, error) {
	o, err := n.svc.server.Add(l, serviceOfferTTL)
	if err != nil {
		return o, err
	}
	n.svc.mu.Lock()
	if n.svc.local == nil {
		n.svc.local = map[string]service.Local{}
	}
	n.svc.local[o.Name] = l
	n.svc.mu.Unlock()
	n.svc.catalog.Put(o)
	b, _ := json.Marshal(o)
	if err := n.svc.topic.Publish(ctx, b); err != nil {
		return o, fmt.Errorf("gossip service offer: %w", err)
	}
	return o, nil
}

// ServiceOffers are the live service offers this node heard (of service
// name, or all when empty), its own included.
func (n *Node) ServiceOffers(name string) []service.Offer { return n.svc.catalog.Offers(name) }

// ServiceProxy returns an http.Handler that calls service name, paying
// from this node's channels.
func (n *Node) ServiceProxy(name string) (*service.Proxy, error) {
	if n.Settlement() == nil {
		return nil, errors.New("calling a paid service needs a settlement (chain.json)")
	}
	return service.NewProxy(service.ProxyConfig{Service: name, Key: n.key, Settlement: n.Settlement(), Channels: n.svc.channels,
		Store: n.store, Offers: n.callableServices, Logger: n.log, Now: n.cfg.Clock, RequestHook: n.cfg.ServiceRequestHook,
		PaymentHook: n.cfg.ServicePaymentHook,
		Open: func(ctx context.Context, provider string) (io.ReadWriteCloser, error) {
			pid, err := peer.Decode(provider)
			if err != nil {
				return nil, err
			}
			// A provider known only from the chain may be one this node
			// never met: its peerstore's addresses, or the DHT's.
			if err := n.host.Reach(ctx, pid); err != nil {
				return nil, err
			}
			return n.host.OpenStream(ctx, pid, p2p.ProtocolID(service.Proto, service.Version))
		}})
}

// callableServices are the providers a proxy of service name may call:
// the live gossiped offers and the on-chain registrations with none
// (read from the chain at most every registryMaxAge; on a chain error
// the registrations read last).
func (n *Node) callableServices(name string) []service.Offer {
	offers := n.svc.catalog.Offers(name)
	if n.settlement == nil || !n.settlement.HasServiceRegistry() {
		return offers
	}
	ctx, cancel := context.WithTimeout(n.runCtx, 3*time.Second)
	defer cancel()
	recs, err := n.readRegistry(ctx, registryMaxAge)
	if err != nil {
		n.log.Debug("read the service registry", "err", err)
	}
	var registered []service.Listing
	for _, l := range listingsOf(recs) {
		if l.Name == name {
			registered = append(registered, l)
		}
	}
	return service.Callable(offers, registered)
}

// Host is the node's libp2p host (benchmarks compare the paid service
// path with a bare stream on it).
func (n *Node) Host() *p2p.Host { return n.host }

var _ api.ServiceBackend = backend{}

func (b backend) Services(ctx context.Context, source string) ([]service.Listing, error) {
	var offers []service.Offer
	var registered []service.Listing
	if source != api.SourceChain {
		offers = b.n.ServiceOffers("")
	}
	if source != api.SourceGossip {
		var err error
		if registered, err = b.n.RegisteredServices(ctx); err != nil {
			return nil, err
		}
	}
	return service.Merge(offers, registered), nil
}

// RegisteredServices lists the services the chain's service registry
// holds, from its logs (nil when the chain has none). A registration whose
// peer ID is not its registrant's key is left out: nobody can list a
// service under another node's identity.
func (n *Node) RegisteredServices(ctx context.Context) ([]service.Listing, error) {
	if n.settlement == nil || !n.settlement.HasServiceRegistry() {
		return nil, nil
	}
	recs, err := n.readRegistry(ctx, 0)
	if err != nil {
		return nil, err
	}
	return listingsOf(recs), nil
}

// readRegistry returns the chain's service registrations: those read
// last when they are younger than maxAge, else after reading the blocks
// since (the registrations read last, and the error, when that fails).
func (n *Node) readRegistry(ctx context.Context, maxAge time.Duration) ([]evm.ServiceRecord, error) {
	reg := &n.svc.registry
	reg.mu.Lock()
	defer reg.mu.Unlock()
	if reg.live == nil {
		reg.live = map[evm.ServiceKey]evm.ServiceRecord{}
	}
	now := n.cfg.Clock()
	if maxAge > 0 && !reg.read.IsZero() && now.Sub(reg.read) < maxAge {
		return evm.SortedServices(reg.live), nil
	}
	head, err := n.settlement.Head(ctx)
	if err != nil {
		return evm.SortedServices(reg.live), fmt.Errorf("service registry: %w", err)
	}
	if head.Number >= reg.next {
		evs, err := n.settlement.ServiceEvents(ctx, reg.next, head.Number)
		if err != nil {
			return evm.SortedServices(reg.live), err
		}
		evm.ApplyServiceEvents(reg.live, evs)
		reg.next = head.Number + 1
	}
	reg.read = now
	return evm.SortedServices(reg.live), nil
}

// listingsOf lists registry records as services; one whose peer ID is
// not its registrant's key is left out.
func listingsOf(recs []evm.ServiceRecord) []service.Listing {
	var out []service.Listing
	for _, r := range recs {
		if a, err := identity.PeerAddress(r.PeerID); err != nil || a != r.Provider {
			continue
		}
		out = append(out, service.Listing{Name: r.Name, Type: r.Kind, Price: r.Price, UnitPrice: r.UnitPrice, MaxUnits: r.MaxUnits,
			Verification: r.Verification, Provider: r.PeerID, Address: r.Provider, OnChain: true})
	}
	return out
}

func (b backend) RegisterService(ctx context.Context, r api.ServiceRegistration) (api.ServiceRegistered, error) {
	return b.n.RegisterService(ctx, r)
}

// RegisterService serves r from this node, gossips its signed offer,
// keeps it in the store (a restarted node serves it again) and registers
// it on the chain's service registry.
func (n *Node) RegisterService(ctx context.Context, r api.ServiceRegistration) (api.ServiceRegistered, error) {
	if r.Type == "" {
		r.Type = service.TypeHTTP
	}
	if r.Verification == "" {
		r.Verification = service.VerifySignature
	}
	l, err := n.serviceLocal(ctx, r)
	if err != nil {
		return api.ServiceRegistered{}, err
	}
	if n.Settlement() == nil {
		return api.ServiceRegistered{}, fmt.Errorf("a paid service needs %w (no %s in the data directory)", settle.ErrNoSettlement, SettlementFile)
	}
	o, err := n.AddService(ctx, l)
	if err != nil {
		return api.ServiceRegistered{Offer: o}, err
	}
	if err := n.store.PutServiceRegistration(ctx, store.ServiceRegistration{Name: r.Name, Type: r.Type, Price: r.Price,
		UnitPrice: r.UnitPrice, MaxUnits: r.MaxUnits, Verification: r.Verification, Endpoint: r.Endpoint, Job: r.Job, Port: r.Port,
		AddedAt: n.cfg.Clock()}); err != nil {
		return api.ServiceRegistered{Offer: o}, err
	}
	res := api.ServiceRegistered{Offer: o}
	res.Registry, err = n.registerOnChain(ctx, o)
	return res, err
}

// serviceLocal checks r and makes what serves it: its local endpoint, or
// a dialer of its service job's port.
func (n *Node) serviceLocal(ctx context.Context, r api.ServiceRegistration) (service.Local, error) {
	l := service.Local{Endpoint: r.Endpoint, Offer: service.Offer{Name: r.Name, Type: r.Type, Price: r.Price, UnitPrice: r.UnitPrice,
		MaxUnits: r.MaxUnits, Verification: r.Verification}}
	if err := l.Offer.Validate(); err != nil {
		return l, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	switch {
	case r.Job != "":
		if r.Port == "" {
			return l, fmt.Errorf("%w: a service served by a job needs the job's port", api.ErrBadRequest)
		}
		j, err := n.store.FindJob(ctx, r.Job)
		if err != nil {
			return l, err
		}
		if !j.Spec.IsService() {
			return l, fmt.Errorf("%w: job %s is not a service job", api.ErrBadRequest, j.ID)
		}
		if _, err := j.Spec.ServicePort(r.Port); err != nil {
			return l, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
		}
		if r.Endpoint != "" && !strings.HasPrefix(r.Endpoint, "/") {
			return l, fmt.Errorf("%w: with a job, endpoint is a path prefix (/v1), not %q", api.ErrBadRequest, r.Endpoint)
		}
		id, port := j.ID, r.Port
		l.Dial = func(ctx context.Context) (net.Conn, error) {
			s, err := n.requester.Forward(ctx, id, 0, port)
			if err != nil {
				return nil, err
			}
			return streamConn{s}, nil
		}
	default:
		u, err := url.Parse(r.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return l, fmt.Errorf("%w: endpoint %q: want an http:// or https:// base URL, or a job and its port", api.ErrBadRequest, r.Endpoint)
		}
	}
	return l, nil
}

// registerOnChain registers o's terms in the chain's service registry
// (nil, nil when the chain has none or they are registered already).
func (n *Node) registerOnChain(ctx context.Context, o service.Offer) (*settle.TxResult, error) {
	if n.settlement == nil || !n.settlement.HasServiceRegistry() {
		return nil, nil
	}
	want := evm.ServiceRecord{Provider: n.Address(), Name: o.Name, Kind: o.Type, Price: o.Price, UnitPrice: o.UnitPrice,
		MaxUnits: o.MaxUnits, Verification: o.Verification, PeerID: n.PeerID()}
	have, ok, err := n.settlement.RegisteredService(ctx, n.Address(), o.Name)
	if err != nil {
		return nil, fmt.Errorf("read the service registry: %w", err)
	}
	if have.Block = 0; ok && have == want {
		return nil, nil
	}
	res, err := n.settlement.RegisterService(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("register %s on chain (it is gossiped): %w", o.Name, err)
	}
	return &res, nil
}

func (b backend) RemoveService(ctx context.Context, name string) error {
	return b.n.RemoveService(ctx, name)
}

// RemoveService stops serving service name from this node (its gossiped
// offer lapses; the registry entry is removed) and forgets it (a
// restarted node does not serve it again).
func (n *Node) RemoveService(ctx context.Context, name string) error {
	n.svc.mu.Lock()
	_, ok := n.svc.local[name]
	delete(n.svc.local, name)
	n.svc.mu.Unlock()
	kept, err := n.store.DeleteServiceRegistration(ctx, name)
	if err != nil {
		return err
	}
	if !ok && !kept {
		return fmt.Errorf("service %q: %w", name, store.ErrNotFound)
	}
	n.svc.server.Remove(name)
	return n.unregisterOnChain(ctx, name)
}

// unregisterOnChain removes this node's service name from the chain's
// registry, when it is there.
func (n *Node) unregisterOnChain(ctx context.Context, name string) error {
	if n.settlement == nil || !n.settlement.HasServiceRegistry() {
		return nil
	}
	if _, ok, err := n.settlement.RegisteredService(ctx, n.Address(), name); err != nil || !ok {
		return err
	}
	if _, err := n.settlement.RemoveService(ctx, name); err != nil {
		return fmt.Errorf("remove %s from the chain's registry: %w", name, err)
	}
	return nil
}

// ServiceProxy is the node's one proxy to service name (what it learnt
// of bad providers is kept across connections).
func (b backend) ServiceProxy(name string) (http.Handler, error) {
	b.n.svc.mu.Lock()
	defer b.n.svc.mu.Unlock()
	if p := b.n.svc.proxies[name]; p != nil {
		return p, nil
	}
	p, err := b.n.ServiceProxy(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", settle.ErrNoSettlement, err)
	}
	if b.n.svc.proxies == nil {
		b.n.svc.proxies = map[string]*service.Proxy{}
	}
	b.n.svc.proxies[name] = p
	return p, nil
}

// streamConn is a libp2p stream as the net.Conn an HTTP transport dials.
type streamConn struct{ network.Stream }

func (streamConn) LocalAddr() net.Addr  { return streamAddr{} }
func (streamConn) RemoteAddr() net.Addr { return streamAddr{} }

type streamAddr struct{}

func (streamAddr) Network() string { return "libp2p" }
func (streamAddr) String() string  { return "libp2p-stream" }
