package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// UnitsHeader is the response header in which an endpoint reports the
// units a request used (for a service with a price per unit).
const UnitsHeader = "X-Deco-Units"

// Local is a service this node serves: its offer (unsigned fields) and
// where requests go.
type Local struct {
	Offer Offer
	// Endpoint is the base URL of the server on this machine
	// (http://127.0.0.1:8080), or, with Dial, the URL's path prefix only.
	Endpoint string
	// Dial, when set, connects to the server instead of the network (a
	// service job's port over its libp2p forward).
	Dial func(ctx context.Context) (net.Conn, error)
}

// ServerConfig configures a Server.
type ServerConfig struct {
	Key        *identity.Key
	Settlement settle.Settlement
	// Channels reads channel deposits (cached).
	Channels *settle.ChannelCache
	Store    *store.Store
	Logger   *slog.Logger
	Now      func() time.Time
	// Timeout bounds one request to an endpoint (default 60 s).
	Timeout time.Duration
	// SignHook, when set, sees every response after it is signed; tests
	// make a hostile provider with it.
	SignHook func(*Response)
}

// Server is the provider's side: it serves requests to its services on
// Proto streams, each only when the requester's vouchers cover it.
type Server struct {
	cfg      ServerConfig
	log      *slog.Logger
	mu       sync.RWMutex
	svc      map[string]*local
	sessions *sessions
	verifier *Verifier
	// ctx ends with Close: every request in flight is cancelled, its
	// endpoint call with it; inflight counts the requests being handled.
	ctx      context.Context
	cancel   context.CancelFunc
	closed   bool
	inflight sync.WaitGroup
	// peers caches the chain address of each peer ID that sent a request
	// (parsing the ID decompresses its key: once a peer, not once a
	// request); it starts over when full.
	peersMu sync.Mutex
	peers   map[string]identity.Address
}

// maxPeerAddresses bounds Server.peers.
const maxPeerAddresses = 4096

// peerAddress is identity.PeerAddress(id), cached.
func (s *Server) peerAddress(id string) (identity.Address, error) {
	s.peersMu.Lock()
	a, ok := s.peers[id]
	s.peersMu.Unlock()
	if ok {
		return a, nil
	}
	a, err := identity.PeerAddress(id)
	if err != nil {
		return a, err
	}
	s.peersMu.Lock()
	if s.peers == nil || len(s.peers) >= maxPeerAddresses {
		s.peers = map[string]identity.Address{}
	}
	s.peers[id] = a
	s.peersMu.Unlock()
	return a, nil
}

type local struct {
	Local
	client *http.Client
}

// NewServer returns a Server serving no service yet.
func NewServer(cfg ServerConfig) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{cfg: cfg, log: cfg.Logger.With("component", "service"), svc: map[string]*local{}, ctx: ctx, cancel: cancel,
		sessions: &sessions{key: cfg.Key, now: cfg.Now}, verifier: NewVerifier(cfg.Now)}
}

// Close stops serving: requests in flight are cancelled (their calls to
// the endpoints too, which answer them as unavailable, charging nothing),
// new ones are not read, and Close returns when every handler returned.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.inflight.Wait()
	s.mu.Lock()
	for _, l := range s.svc {
		l.client.CloseIdleConnections()
	}
	s.mu.Unlock()
	return nil
}

// Add serves l (replacing a service of the same name) and returns its
// signed offer, valid for ttl.
func (s *Server) Add(l Local, ttl time.Duration) (Offer, error) {
	if s.cfg.Settlement == nil {
		return Offer{}, settle.ErrNoSettlement
	}
	o := l.Offer
	o.Expires = s.cfg.Now().Add(ttl).Truncate(time.Second)
	if err := o.Sign(s.cfg.Key); err != nil {
		return Offer{}, err
	}
	if err := o.Validate(); err != nil {
		return Offer{}, err
	}
	l.Offer = o
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}
	if l.Dial != nil {
		dial := l.Dial
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) { return dial(ctx) }
	}
	s.mu.Lock()
	s.svc[o.Name] = &local{Local: l, client: &http.Client{Transport: tr, Timeout: s.cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	s.mu.Unlock()
	return o, nil
}

// Remove stops serving a service.
func (s *Server) Remove(name string) {
	s.mu.Lock()
	delete(s.svc, name)
	s.mu.Unlock()
}

// Offers are the signed offers of the services served.
func (s *Server) Offers() []Offer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Offer, 0, len(s.svc))
	for _, l := range s.svc {
		out = append(out, l.Offer)
	}
	return out
}

// errRefused carries a response code.
type errRefused struct {
	code string
	err  error
}

func (e *errRefused) Error() string { return e.err.Error() }

func refuse(code string, format string, args ...any) error {
	return &errRefused{code: code, err: fmt.Errorf(format, args...)}
}

// Handle serves one request (a batch of calls) read from rw, sent by the
// peer remote.
func (s *Server) Handle(ctx context.Context, rw io.ReadWriter, remote string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()
	req, err := ReadRequest(rw, MaxRequest)
	if err != nil {
		s.log.Debug("bad service request", "peer", remote, "err", err)
		return
	}
	calls := req.CallHashes()
	hash := req.hash(calls)
	resp := &Response{Results: s.serve(ctx, req, hash, remote)}
	sess, err := s.sessions.get()
	if err != nil {
		s.log.Error("service session key", "err", err)
		return
	}
	SignResponse(sess, hash, calls, resp)
	if s.cfg.SignHook != nil {
		s.cfg.SignHook(resp)
	}
	if err := WriteResponse(rw, resp); err != nil {
		s.log.Debug("send service response", "peer", remote, "err", err)
		return
	}
	if s.unitsUsed(req, resp) {
		s.payment(ctx, rw, req, remote)
	}
}

// paymentWait bounds the wait for the Payment after a Response.
const paymentWait = 10 * time.Second

// unitsUsed reports whether resp charged req's requester more than the
// prices its voucher covered (units), so that a Payment follows.
func (s *Server) unitsUsed(req *Request, resp *Response) bool {
	s.mu.RLock()
	l := s.svc[req.Service]
	s.mu.RUnlock()
	if l == nil || l.Offer.UnitPrice == 0 {
		return false
	}
	for _, r := range resp.Results {
		if r.Code == "" && r.Amount > l.Offer.Price {
			return true
		}
	}
	return false
}

// payment reads the requester's Payment for the units its calls used and
// keeps its voucher. None (a requester that stops paying) is this
// provider's loss of those units: its next request is refused until a
// voucher covers them.
func (s *Server) payment(ctx context.Context, rw io.ReadWriter, req *Request, remote string) {
	ctx, cancel := context.WithTimeout(ctx, paymentWait)
	defer cancel()
	if c, ok := rw.(io.Closer); ok {
		defer context.AfterFunc(ctx, func() { _ = c.Close() })()
	}
	pay, err := readPayment(rw)
	if err != nil {
		s.log.Debug("no payment for the units", "peer", remote, "err", err)
		return
	}
	v := pay.Voucher
	if v.Requester != req.Voucher.Requester || v.Provider != s.cfg.Key.Address() {
		s.log.Info("payment on another channel", "peer", remote)
		return
	}
	if err := s.cfg.Settlement.VerifyVoucher(v); err != nil {
		s.log.Info("bad payment voucher", "peer", remote, "err", err)
		return
	}
	if err := s.cfg.Store.KeepServiceVoucher(context.WithoutCancel(ctx), v, s.cfg.Now()); err != nil {
		s.log.Error("keep payment voucher", "err", err)
	}
}

// serve admits req once (one voucher for all its calls), serves its calls
// concurrently and records them in one transaction.
func (s *Server) serve(ctx context.Context, req *Request, hash []byte, remote string) []Result {
	out := make([]Result, len(req.Calls))
	l, err := s.admit(ctx, req, hash, remote)
	if err != nil {
		var r *errRefused
		if !errors.As(err, &r) {
			r = &errRefused{code: CodeBadRequest, err: err}
		}
		s.log.Info("service request refused", "service", req.Service, "peer", remote, "calls", len(req.Calls), "code", r.code, "err", err)
		for i := range out {
			out[i] = Result{Code: r.code, Error: r.err.Error()}
		}
		return out
	}
	o := l.Offer
	one := func(i int) {
		res, err := s.call(ctx, l, &req.Calls[i])
		if err != nil {
			s.log.Warn("service endpoint failed", "service", o.Name, "err", err)
			res = &Result{Code: CodeUnavailable, Error: err.Error()}
		}
		out[i] = *res
	}
	if len(out) == 1 {
		one(0)
	} else {
		var wg sync.WaitGroup
		for i := range out {
			wg.Go(func() { one(i) })
		}
		wg.Wait()
	}
	var charged money.Amount
	unserved := 0
	for i := range out {
		charged += out[i].Amount
		if out[i].Code != "" {
			unserved++
		}
	}
	if err := s.cfg.Store.SettleServiceBatch(context.WithoutCancel(ctx), store.RoleProvider, o.Name,
		req.Voucher.Requester, req.Voucher.Provider, o.Price*money.Amount(len(out)), charged, unserved, s.cfg.Now()); err != nil {
		s.log.Error("record service requests", "service", o.Name, "err", err)
	}
	return out
}

// admit checks a request and takes its voucher: the service exists, the
// requester signed the request (whose Hash is hash) and the voucher, the
// voucher covers the channel's dues with every call's price, and the
// deposit backs it with every call's most (the units a call may use
// beyond its price are paid by the Payment after the response).
func (s *Server) admit(ctx context.Context, req *Request, hash []byte, remote string) (*local, error) {
	if err := req.Check(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	l := s.svc[req.Service]
	s.mu.RUnlock()
	if l == nil {
		return nil, refuse(CodeUnknownService, "no service %q here", req.Service)
	}
	me := s.cfg.Key.Address()
	signer, err := s.verifier.Signer(req.Session, hash, req.Signature)
	if err != nil {
		return nil, fmt.Errorf("request signature: %w", err)
	}
	if peerAddr, err := s.peerAddress(remote); err != nil || peerAddr != signer {
		return nil, errors.New("request not signed by the peer that sent it")
	}
	v, most, n := req.Voucher, l.Offer.Max(), money.Amount(len(req.Calls))
	units := (most - l.Offer.Price) * n
	switch {
	case req.Provider != me || v.Provider != me:
		return nil, fmt.Errorf("request for provider %s, this is %s", req.Provider, me)
	case v.Requester != signer:
		return nil, errors.New("voucher not on the requester's channel")
	}
	for _, c := range req.Calls {
		if c.Max < most {
			return nil, refuse(CodePaymentRequired, "a request to %s may cost %s, the request allows %s", l.Offer.Name, most, c.Max)
		}
	}
	if err := s.cfg.Settlement.VerifyVoucher(v); err != nil {
		return nil, fmt.Errorf("voucher: %w", err)
	}
	// The deposit must back everything promised and not yet redeemed.
	for fresh := false; ; fresh = true {
		ch, err := s.cfg.Channels.Channel(ctx, v.Requester, me)
		if err != nil {
			return nil, refuse(CodeUnavailable, "read the payment channel: %v", err)
		}
		if ch.Balance >= v.Cumulative+units-ch.Claimed {
			break
		}
		if fresh {
			return nil, refuse(CodePaymentRequired, "the channel from %s holds %s DECO and the voucher promises %s unredeemed (with the units these requests may use): deposit more (deco wallet deposit %s AMOUNT)",
				v.Requester, ch.Balance, v.Cumulative+units-ch.Claimed, me)
		}
		s.cfg.Channels.Invalidate(v.Requester, me)
	}
	if err := s.cfg.Store.AcceptServiceBatch(context.WithoutCancel(ctx), l.Offer.Name, v, len(req.Calls), l.Offer.Price*n, s.cfg.Now()); err != nil {
		if errors.Is(err, store.ErrNotCovered) {
			return nil, refuse(CodePaymentRequired, "%v", err)
		}
		return nil, refuse(CodeUnavailable, "record voucher: %v", err)
	}
	return l, nil
}

// call sends one call to the service's endpoint and prices the answer.
func (s *Server) call(ctx context.Context, l *local, req *Call) (*Result, error) {
	base := l.Endpoint
	if l.Dial != nil {
		base = "http://service" + base
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, base+req.Path, bytes.NewReader(req.Body))
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	res, err := l.client.Do(hr)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("response over %d bytes", MaxBody)
	}
	o := l.Offer
	var units uint64
	if u := res.Header.Get(UnitsHeader); u != "" && o.UnitPrice > 0 {
		units, _ = strconv.ParseUint(u, 10, 64)
		units = min(units, o.MaxUnits)
	}
	h := http.Header{}
	for k, vs := range res.Header {
		if len(h) < maxHeaders {
			h[k] = vs
		}
	}
	return &Result{Status: res.StatusCode, Header: h, Body: body, Units: units,
		Amount: o.Price + o.UnitPrice*money.Amount(units)}, nil
}
