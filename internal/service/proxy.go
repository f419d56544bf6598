package service

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// ProxyConfig configures a Proxy.
type ProxyConfig struct {
	// Service is the name of the service the proxy calls.
	Service    string
	Key        *identity.Key
	Settlement settle.Settlement
	Channels   *settle.ChannelCache
	Store      *store.Store
	// Offers lists the live offers of the service (from every provider).
	Offers func(name string) []Offer
	// Open opens a Proto stream to the provider with the peer ID.
	Open   func(ctx context.Context, provider string) (io.ReadWriteCloser, error)
	Logger *slog.Logger
	Now    func() time.Time
	// Timeout bounds one request to a provider (default 60 s).
	Timeout time.Duration
	// RequestHook, when set, sees every request before it is signed;
	// tests make a hostile requester with it.
	RequestHook func(*Request)
	// PaymentHook, when set, is asked before each Payment is sent; false
	// withholds it (tests make a requester that does not pay its units).
	PaymentHook func(Payment) bool
}

// Proxy is the requester's side: an http.Handler that carries each
// request to a provider of the service, paid with a voucher, and answers
// with the provider's verified response.
type Proxy struct {
	cfg      ProxyConfig
	log      *slog.Logger
	sessions *sessions
	verifier *Verifier
	nonce    atomic.Uint64
	mu       sync.Mutex
	// dropped are providers (peer IDs) this proxy stopped using, and why.
	dropped map[string]string
	// lanes queue the calls to each provider (by offer terms).
	lanes map[laneKey]*lane
}

// NewProxy returns a proxy for cfg.Service.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	if cfg.Settlement == nil {
		return nil, settle.ErrNoSettlement
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	p := &Proxy{cfg: cfg, log: cfg.Logger.With("component", "service-proxy", "service", cfg.Service), dropped: map[string]string{},
		sessions: &sessions{key: cfg.Key, now: cfg.Now}, verifier: NewVerifier(cfg.Now)}
	p.nonce.Store(uint64(cfg.Now().UnixNano()))
	return p, nil
}

// Dropped returns the providers the proxy stopped using and why.
func (p *Proxy) Dropped() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.dropped))
	for k, v := range p.dropped {
		out[k] = v
	}
	return out
}

func (p *Proxy) drop(o Offer, why string) {
	p.log.Warn("provider dropped", "provider", o.Provider, "why", why)
	p.mu.Lock()
	p.dropped[o.Provider] = why
	p.mu.Unlock()
}

func (p *Proxy) isDropped(id string) bool {
	_, ok := p.droppedWhy(id)
	return ok
}

// droppedWhy says why the provider id was dropped, when it was.
func (p *Proxy) droppedWhy(id string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	why, ok := p.dropped[id]
	return why, ok
}

// Response headers the proxy adds.
const (
	ProviderHeader = "X-Deco-Provider"
	AmountHeader   = "X-Deco-Amount"
	// ReplicasHeader says, for a replicate service, how many providers
	// answered the response (1: no second provider could be asked).
	ReplicasHeader = "X-Deco-Replicas"
)

// outcome of one try on one provider.
type outcome int

const (
	served outcome = iota
	refused
	failed // the provider was dropped
	unpaid // the channel's deposit cannot cover the request
)

// ServeHTTP carries r to a provider of the service, trying the next one
// when a provider fails; 402 when no channel's deposit covers a request,
// 502 when every provider failed.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		http.Error(w, "read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > MaxBody {
		http.Error(w, fmt.Sprintf("request body over %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
		return
	}
	header := http.Header{}
	for k, vs := range r.Header {
		if len(header) < maxHeaders && !hopHeader(k) {
			header[k] = vs
		}
	}
	path := r.URL.RequestURI()
	offers := p.candidates()
	if len(offers) == 0 {
		http.Error(w, fmt.Sprintf("deco: no provider of service %q is known (or every one was dropped)", p.cfg.Service), http.StatusBadGateway)
		return
	}
	call := &call{method: r.Method, path: path, header: header, body: body}
	a, next, ok := p.serveOne(r.Context(), offers, 0, call)
	if ok && a.offer.Verification == VerifyReplicate {
		var err error
		if a, err = p.replicate(r.Context(), a, offers, next, call); err != nil {
			http.Error(w, "deco: "+err.Error(), http.StatusBadGateway)
			return
		}
	}
	if !ok {
		if len(call.short) > 0 {
			http.Error(w, "deco: payment required: "+strings.Join(call.short, "; "), http.StatusPaymentRequired)
			return
		}
		http.Error(w, "deco: every provider of "+p.cfg.Service+" failed: "+strings.Join(call.reasons, "; "), http.StatusBadGateway)
		return
	}
	for k, vs := range a.resp.Header {
		if !hopHeader(k) {
			w.Header()[k] = vs
		}
	}
	w.Header().Set(ProviderHeader, a.offer.Provider)
	w.Header().Set(AmountHeader, a.resp.Amount.String())
	if a.replicas > 0 {
		w.Header().Set(ReplicasHeader, strconv.Itoa(a.replicas))
	}
	w.WriteHeader(a.resp.Status)
	_, _ = w.Write(a.resp.Body)
}

// call is one HTTP request the proxy carries, and why providers did not
// serve it.
type call struct {
	method, path string
	header       http.Header
	body         []byte
	reasons      []string // failures and refusals, by provider
	short        []string // deposits that cannot pay
}

// size is about what c takes as a Call in a Request's JSON (bodies are base64).
func (c *call) size() int {
	n := 256 + len(c.method) + len(c.path) + (len(c.body)+2)/3*4
	for k, vs := range c.header {
		n += len(k) + 8
		for _, v := range vs {
			n += len(v) + 4
		}
	}
	return n
}

// answer is one provider's served, verified response.
type answer struct {
	offer Offer
	resp  *Result
	// replicas is how many providers answered the same (replicate only).
	replicas int
}

// serveOne asks offers[from:] in order until one serves the call; it
// returns that answer and the index after its offer.
func (p *Proxy) serveOne(ctx context.Context, offers []Offer, from int, c *call) (answer, int, bool) {
	for i := from; i < len(offers); i++ {
		o := offers[i]
		resp, out, why := p.try(ctx, o, c)
		switch out {
		case served:
			return answer{offer: o, resp: resp}, i + 1, true
		case unpaid:
			c.short = append(c.short, why)
		default:
			c.reasons = append(c.reasons, fmt.Sprintf("%s: %s", o.Provider, why))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return answer{}, len(offers), false
}

// ResponseDigest is what replicate compares: the SHA-256 of a response's
// status and body (headers such as Date differ between honest servers).
func ResponseDigest(r *Result) []byte { return httpDigest(r.Status, "", "", nil, r.Body) }

// replicate checks a against a second provider of the service: the same
// request, paid again, must get a response of the same digest. When the
// two differ a third provider decides: the one of the three that differs
// from the other two is dropped and the majority's answer returned; with
// no third answer, or three different ones, nobody can be told wrong, the
// call fails and nobody is dropped. With no second provider able to
// answer, a is returned as it is (replicas 1).
func (p *Proxy) replicate(ctx context.Context, a answer, offers []Offer, next int, c *call) (answer, error) {
	a.replicas = 1
	b, next, ok := p.serveOne(ctx, offers, next, c)
	if !ok {
		return a, nil
	}
	da, db := ResponseDigest(a.resp), ResponseDigest(b.resp)
	if bytes.Equal(da, db) {
		a.replicas = 2
		return a, nil
	}
	d, _, ok := p.serveOne(ctx, offers, next, c)
	if !ok {
		return a, fmt.Errorf("replicate: %s and %s answered differently (digests %x and %x) and no third provider answered to decide",
			a.offer.Provider, b.offer.Provider, da[:8], db[:8])
	}
	dd := ResponseDigest(d.resp)
	switch {
	case bytes.Equal(dd, da):
		p.drop(b.offer, fmt.Sprintf("replica mismatch: its response (digest %x) differed from %s's and %s's (%x)", db[:8], a.offer.Provider, d.offer.Provider, da[:8]))
		a.replicas = 2
		return a, nil
	case bytes.Equal(dd, db):
		p.drop(a.offer, fmt.Sprintf("replica mismatch: its response (digest %x) differed from %s's and %s's (%x)", da[:8], b.offer.Provider, d.offer.Provider, db[:8]))
		b.replicas = 2
		return b, nil
	}
	return a, fmt.Errorf("replicate: %s, %s and %s answered three different responses", a.offer.Provider, b.offer.Provider, d.offer.Provider)
}

// candidates are the live offers of the service not dropped, cheapest first.
func (p *Proxy) candidates() []Offer {
	var out []Offer
	for _, o := range p.cfg.Offers(p.cfg.Service) {
		if !p.isDropped(o.Provider) && o.Name == p.cfg.Service {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b Offer) int {
		return cmp.Or(cmp.Compare(a.Max(), b.Max()), strings.Compare(a.Provider, b.Provider))
	})
	return out
}

// try carries the call to one provider: it joins the provider's lane
// and is sent with whatever else is waiting there (see lane).
func (p *Proxy) try(ctx context.Context, o Offer, c *call) (*Result, outcome, string) {
	pd := &pending{ctx: ctx, c: c, done: make(chan struct{})}
	p.enqueue(o, pd)
	<-pd.done
	return pd.res, pd.out, pd.why
}

// lanesInFlight is how many batches the proxy has in flight to one
// provider at a time; calls that arrive meanwhile wait and go together in
// the next batch (a group commit: a lone call goes at once, nothing waits
// for a batch to fill). One gave larger batches and more requests per
// second than two in the benchmark.
const lanesInFlight = 1

// maxBatchSize caps the bytes of the calls batched together (a lone call
// of any size is sent alone).
const maxBatchSize = MaxRequest - 64<<10

// pending is a call waiting in a lane, and then its outcome.
type pending struct {
	ctx  context.Context
	c    *call
	done chan struct{}
	res  *Result
	out  outcome
	why  string
}

func (pd *pending) finish(res *Result, out outcome, why string) {
	pd.res, pd.out, pd.why = res, out, why
	close(pd.done)
}

// laneKey names a lane: one provider's offer terms.
type laneKey struct {
	provider         string
	price, unitPrice money.Amount
	maxUnits         uint64
}

// lane is the queue of calls to one provider.
type lane struct {
	offer    Offer
	mu       sync.Mutex
	queue    []*pending
	inflight int
}

// enqueue puts pd in o's lane and starts a sender when the lane has fewer
// than lanesInFlight batches in flight.
func (p *Proxy) enqueue(o Offer, pd *pending) {
	k := laneKey{o.Provider, o.Price, o.UnitPrice, o.MaxUnits}
	p.mu.Lock()
	if p.lanes == nil {
		p.lanes = map[laneKey]*lane{}
	}
	l := p.lanes[k]
	if l == nil {
		l = &lane{offer: o}
		p.lanes[k] = l
	}
	p.mu.Unlock()
	l.mu.Lock()
	l.queue = append(l.queue, pd)
	start := l.inflight < lanesInFlight
	if start {
		l.inflight++
	}
	l.mu.Unlock()
	if start {
		go p.drain(l)
	}
}

// drain sends the lane's waiting calls, a batch at a time, until none
// waits.
func (p *Proxy) drain(l *lane) {
	for {
		l.mu.Lock()
		n, size := 0, 0
		for n < len(l.queue) && n < MaxBatch {
			if size += l.queue[n].c.size(); n > 0 && size > maxBatchSize {
				break
			}
			n++
		}
		if n == 0 {
			l.inflight--
			l.mu.Unlock()
			return
		}
		batch := slices.Clone(l.queue[:n])
		l.queue = slices.Delete(l.queue, 0, n)
		l.mu.Unlock()
		// Calls that waited while the batch before them had the provider
		// dropped go elsewhere, unsent.
		why, dropped := p.droppedWhy(l.offer.Provider)
		live := batch[:0]
		for _, pd := range batch {
			if dropped {
				pd.finish(nil, failed, why)
				continue
			}
			if err := pd.ctx.Err(); err != nil {
				pd.finish(nil, refused, "cancelled: "+err.Error())
				continue
			}
			live = append(live, pd)
		}
		if len(live) > 0 {
			p.send(l.offer, live)
		}
	}
}

// send carries a batch of calls to o's provider on one stream: one
// voucher for all, one signature each way, and finishes every call.
func (p *Proxy) send(o Offer, batch []*pending) {
	ctx := context.Background()
	prov, most, n := o.Address, o.Max(), len(batch)
	total := most * money.Amount(n)
	// The voucher covers the calls' prices (signed: what a provider that
	// fails may redeem); their units, up to the most, are paid once the
	// response says how many (the Payment below).
	signed := o.Price * money.Amount(n)
	v, why, err := p.reserve(ctx, o, n, total, total-signed)
	if why != "" && n > 1 {
		// The deposit does not cover them all: one at a time, so that it
		// pays for as many as it can.
		for _, pd := range batch {
			p.send(o, []*pending{pd})
		}
		return
	}
	finishAll := func(out outcome, why string) {
		for _, pd := range batch {
			pd.finish(nil, out, why)
		}
	}
	if why != "" {
		finishAll(unpaid, why)
		return
	}
	if err != nil {
		finishAll(refused, "sign voucher: "+err.Error())
		return
	}
	req := &Request{Service: o.Name, Provider: prov, Calls: make([]Call, n), Voucher: v}
	for i, pd := range batch {
		c := pd.c
		req.Calls[i] = Call{Nonce: p.nonce.Add(1), Method: c.method, Path: c.path, Header: c.header, Body: c.body, Max: most}
	}
	if p.cfg.RequestHook != nil {
		p.cfg.RequestHook(req)
	}
	sess, err := p.sessions.get()
	if err != nil {
		p.settle(ctx, o, total, signed, n)
		finishAll(refused, "session key: "+err.Error())
		return
	}
	calls := req.CallHashes()
	hash := req.hash(calls)
	req.Session, req.Signature = sess.Cert(), sess.sign(hash)
	resp, finish, err := p.exchange(ctx, o.Provider, req)
	if err != nil {
		// The provider holds the voucher and may redeem it: these calls
		// are lost (at most their most), and the provider is not asked
		// again.
		p.settle(ctx, o, total, signed, n)
		why := "stopped answering: " + err.Error()
		p.drop(o, why)
		finishAll(failed, why)
		return
	}
	if signer, err := ResponseSigner(p.verifier, hash, calls, resp); err != nil || signer != prov {
		finish(nil)
		p.settle(ctx, o, total, signed, n)
		p.drop(o, "bad response signature")
		finishAll(failed, "bad response signature")
		return
	}
	var charged money.Amount
	unserved := 0
	var overcharge string
	for i, pd := range batch {
		r := &resp.Results[i]
		if r.Code != "" {
			// Signed refusal: nothing charged.
			unserved++
			if r.Code == CodePaymentRequired {
				pd.finish(nil, unpaid, fmt.Sprintf("provider %s: %s", o.Provider, r.Error))
			} else {
				pd.finish(nil, refused, r.Code+": "+r.Error)
			}
			continue
		}
		if want := o.Price + o.UnitPrice*money.Amount(min(r.Units, o.MaxUnits)); r.Amount > most || r.Amount != want {
			// The provider may redeem the call's price.
			charged += o.Price
			unserved++
			overcharge = fmt.Sprintf("overcharge: charged %s for %d units, the offer says %s", r.Amount, r.Units, want)
			pd.finish(nil, failed, overcharge)
			continue
		}
		charged += r.Amount
		pd.finish(r, served, "")
	}
	if overcharge != "" {
		p.drop(o, overcharge)
	}
	p.settle(ctx, o, total, charged, unserved)
	if charged <= o.Price*money.Amount(n-unserved) || overcharge != "" {
		finish(nil)
		return
	}
	// The units used: a voucher for what the channel owes now, exactly.
	pay, ok, err := p.cfg.Store.SignServiceOwed(ctx, p.cfg.Key.Address(), prov, func(owed money.Amount) (settle.SignedVoucher, error) {
		return p.cfg.Settlement.SignVoucher(prov, owed)
	}, p.cfg.Now())
	if err != nil {
		p.log.Error("sign the units used", "provider", o.Provider, "err", err)
	}
	if !ok || (p.cfg.PaymentHook != nil && !p.cfg.PaymentHook(Payment{Voucher: pay})) {
		finish(nil)
		return
	}
	finish(&Payment{Voucher: pay})
}

// errShort is a channel's deposit that cannot cover a request.
type errShort struct{ free money.Amount }

func (e *errShort) Error() string { return "short" }

// reserve adds most (what a batch of n calls may cost) to what the channel
// to o's provider owes and signs a voucher for the new total less hold
// (the part of most the calls' units may use, paid after), in one
// transaction, when the channel has deposit left for most beyond what
// this node promised and was not redeemed (the deposit read from the
// cache, then afresh once before saying no: why).
func (p *Proxy) reserve(ctx context.Context, o Offer, n int, most, hold money.Amount) (settle.SignedVoucher, string, error) {
	me, prov := p.cfg.Key.Address(), o.Address
	for fresh := false; ; fresh = true {
		ch, err := p.cfg.Channels.Channel(ctx, me, prov)
		if err != nil {
			return settle.SignedVoucher{}, "read the payment channel: " + err.Error(), nil
		}
		var owed, signed money.Amount
		v, err := p.cfg.Store.ReserveServiceBatch(ctx, o.Name, me, prov, n, most, func(ow, sg money.Amount) error {
			owed, signed = ow, sg
			if free := ch.Balance - (max(signed, owed) - ch.Claimed); free < most {
				return &errShort{free: free}
			}
			return nil
		}, func(money.Amount) (settle.SignedVoucher, error) {
			return p.cfg.Settlement.SignVoucher(prov, max(owed+most-hold, signed))
		}, p.cfg.Now())
		var short *errShort
		if !errors.As(err, &short) {
			return v, "", err
		}
		if fresh {
			return v, fmt.Sprintf("the deposit on the channel to %s is used up (%s DECO left free, a request costs up to %s): deco wallet deposit %s AMOUNT",
				prov, max(short.free, 0), most, prov), nil
		}
		p.cfg.Channels.Invalidate(me, prov)
	}
}

// settle records what a batch cost: reserved was its reservation,
// charged what it cost, unserved how many of its calls were not served.
func (p *Proxy) settle(ctx context.Context, o Offer, reserved, charged money.Amount, unserved int) {
	if err := p.cfg.Store.SettleServiceBatch(context.WithoutCancel(ctx), store.RoleRequester, o.Name, p.cfg.Key.Address(),
		o.Address, reserved, charged, unserved, p.cfg.Now()); err != nil {
		p.log.Error("record service request", "err", err)
	}
}

// exchange sends req on a new stream and reads the response; finish
// writes a Payment when not nil and closes the stream (on an error the
// stream is closed already).
func (p *Proxy) exchange(ctx context.Context, provider string, req *Request) (*Response, func(*Payment), error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	s, err := p.cfg.Open(ctx, provider)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	finish := func(pay *Payment) {
		if pay != nil {
			if err := writePayment(s, pay); err != nil {
				p.log.Debug("send payment", "provider", provider, "err", err)
			}
		}
		stop()
		_ = s.Close()
		cancel()
	}
	if err := WriteRequest(s, req); err != nil {
		finish(nil)
		return nil, nil, err
	}
	resp, err := ReadResponse(s, MaxResponse)
	if err != nil {
		finish(nil)
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, err
	}
	if err := resp.Check(len(req.Calls)); err != nil {
		finish(nil)
		return nil, nil, errors.New("malformed response: " + err.Error())
	}
	return resp, finish, nil
}

// hopHeader reports whether a header belongs to one HTTP connection only.
func hopHeader(k string) bool {
	switch http.CanonicalHeaderKey(k) {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length":
		return true
	}
	return false
}
