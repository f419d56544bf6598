package api

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
)

// ServiceProxyProtocol is the Upgrade token of GET
// /v1/services/{name}/proxy: after the 101 answer the connection carries
// plain HTTP requests to the service, which the node serves with its paid
// proxy (so a local listener such as `deco service proxy` hands clients'
// connections over without giving them the API's token).
const ServiceProxyProtocol = "deco-service-proxy"

// Sources of GET /v1/services?source=.
const (
	SourceAll    = "all"
	SourceGossip = "gossip"
	SourceChain  = "chain"
)

// ServiceBackend is what the /v1/services routes need from the node; a
// Backend that does not implement it answers 501.
type ServiceBackend interface {
	// Services lists the services the node knows from source (SourceAll,
	// SourceGossip or SourceChain).
	Services(ctx context.Context, source string) ([]service.Listing, error)
	// RegisterService serves a service from this node: gossiped, and
	// registered on chain when the chain has a service registry.
	RegisterService(ctx context.Context, r ServiceRegistration) (ServiceRegistered, error)
	// RemoveService stops serving a service (and removes it from the
	// chain's registry when it is there).
	RemoveService(ctx context.Context, name string) error
	// ServiceProxy is the node's paid proxy to service name.
	ServiceProxy(name string) (http.Handler, error)
}

// ServiceRegistration is the body of POST /v1/services.
type ServiceRegistration struct {
	Name string `json:"name"`
	// Type is "http" (the default).
	Type      string       `json:"type,omitempty"`
	Price     money.Amount `json:"price"`
	UnitPrice money.Amount `json:"unitPrice,omitempty"`
	MaxUnits  uint64       `json:"maxUnits,omitempty"`
	// Verification is none, signature (the default) or replicate.
	Verification string `json:"verification,omitempty"`
	// Endpoint is the base URL of the server on the provider's machine
	// (loopback), or with Job the path prefix on the job's port.
	Endpoint string `json:"endpoint,omitempty"`
	// Job and Port name a running service job of this node and its port
	// that serves the service.
	Job  string `json:"job,omitempty"`
	Port string `json:"port,omitempty"`
}

// ServiceRegistered answers POST /v1/services.
type ServiceRegistered struct {
	Offer service.Offer `json:"offer"`
	// Registry is the chain transaction that registered it (nil: the
	// chain has no service registry, or the terms were registered
	// already).
	Registry *settle.TxResult `json:"registry,omitempty"`
}

func (s *server) serviceBackend(w http.ResponseWriter) (ServiceBackend, bool) {
	sb, ok := s.b.(ServiceBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node serves no pay-per-request services"})
	}
	return sb, ok
}

func (s *server) services(w http.ResponseWriter, r *http.Request) {
	sb, ok := s.serviceBackend(w)
	if !ok {
		return
	}
	src := SourceAll
	if q := r.URL.Query(); q.Has("source") {
		src = q.Get("source")
	}
	if src != SourceAll && src != SourceGossip && src != SourceChain {
		s.fail(w, fmt.Errorf("%w: source %s: want all, gossip or chain", ErrBadRequest, quoteShort(src)))
		return
	}
	ls, err := sb.Services(r.Context(), src)
	if ls == nil {
		ls = []service.Listing{}
	}
	s.reply(w, ls, err)
}

func (s *server) registerService(w http.ResponseWriter, r *http.Request) {
	sb, ok := s.serviceBackend(w)
	if !ok {
		return
	}
	var reg ServiceRegistration
	if !s.decode(w, r, &reg) {
		return
	}
	res, err := sb.RegisterService(r.Context(), reg)
	s.reply(w, res, err)
}

func (s *server) removeService(w http.ResponseWriter, r *http.Request) {
	sb, ok := s.serviceBackend(w)
	if !ok {
		return
	}
	if err := sb.RemoveService(r.Context(), r.PathValue("name")); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// serviceProxy hands the connection to the node's paid proxy of a
// service: after 101 it is served as plain HTTP until either side closes.
func (s *server) serviceProxy(w http.ResponseWriter, r *http.Request) {
	sb, ok := s.serviceBackend(w)
	if !ok {
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), ServiceProxyProtocol) || !headerHas(r.Header, "Connection", "upgrade") {
		s.fail(w, fmt.Errorf("%w: the service proxy needs the headers Connection: Upgrade and Upgrade: %s", ErrBadRequest, ServiceProxyProtocol))
		return
	}
	h, err := sb.ServiceProxy(r.PathValue("name"))
	if err != nil {
		s.fail(w, err)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.fail(w, fmt.Errorf("service proxy: %w", err))
		return
	}
	_ = conn.SetDeadline(time.Time{})
	if _, err := rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + ServiceProxyProtocol + "\r\n\r\n"); err == nil {
		err = rw.Flush()
	}
	if err != nil {
		conn.Close()
		return
	}
	l := newConnListener(bufferedConn{conn, rw.Reader})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 5 * time.Minute}
	_ = srv.Serve(l)
}

// connListener is a listener of one connection: Accept returns it once,
// then waits until it is closed.
type connListener struct {
	conn net.Conn
	once sync.Once
	done chan struct{}
}

func newConnListener(c net.Conn) *connListener {
	l := &connListener{done: make(chan struct{})}
	l.conn = &closeNotifier{Conn: c, l: l}
	return l
}

func (l *connListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *connListener) Close() error   { return nil }
func (l *connListener) Addr() net.Addr { return l.conn.LocalAddr() }

type closeNotifier struct {
	net.Conn
	l    *connListener
	once sync.Once
}

func (c *closeNotifier) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { close(c.l.done) })
	return err
}
