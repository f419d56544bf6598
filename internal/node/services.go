package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
)

// serviceOfferTTL is how long a gossiped service offer lives; it is
// published again at half of it.
const serviceOfferTTL = 10 * time.Minute

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
}

// startServices serves this node's services on service.Proto, joins the
// service offers' topic and keeps what it hears.
func (n *Node) startServices(ctx context.Context) error {
	sv := &services{catalog: service.NewCatalog(n.cfg.Clock)}
	n.svc = sv
	if s := n.Settlement(); s != nil {
		sv.channels = settle.NewChannelCache(s, 2*time.Second, n.cfg.Clock)
	}
	sv.server = service.NewServer(service.ServerConfig{Key: n.key, Settlement: n.Settlement(), Channels: sv.channels,
		Store: n.store, Logger: n.log, Now: n.cfg.Clock, SignHook: n.cfg.ServiceSignHook})
	n.host.Handle(p2p.ProtocolID(service.Proto, 1), 2*time.Minute, func(ctx context.Context, s network.Stream) {
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
			if o, err := service.DecodeOffer(m.Data); err == nil {
				sv.catalog.Put(o)
			}
		}
	}()
	go func() {
		defer n.wg.Done()
		tick := time.NewTicker(serviceOfferTTL / 2)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				n.republishServices(ctx)
			}
		}
	}()
	return nil
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
		Store: n.store, Offers: n.svc.catalog.Offers, Logger: n.log, Now: n.cfg.Clock, RequestHook: n.cfg.ServiceRequestHook,
		Open: func(ctx context.Context, provider string) (io.ReadWriteCloser, error) {
			pid, err := peer.Decode(provider)
			if err != nil {
				return nil, err
			}
			return n.host.OpenStream(ctx, pid, p2p.ProtocolID(service.Proto, 1))
		}})
}

// Host is the node's libp2p host (benchmarks compare the paid service
// path with a bare stream on it).
func (n *Node) Host() *p2p.Host { return n.host }
