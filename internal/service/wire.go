package service

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// Proto is the protocol name of service requests (p2p.ProtocolID(Proto,
// Version)): one stream per Request (a batch of calls to one provider),
// then its Response.
const Proto = "service"

// Version is Proto's wire version: 2 carried a batch of calls paid by one
// voucher in each Request, in JSON; 3 carries the same messages in binary
// frames (frame.go), with the same signed digests.
const Version = 3

// Size caps of the messages on Proto.
const (
	// MaxRequest caps a Request (its calls' HTTP bodies included).
	MaxRequest = 8 << 20
	// MaxResponse caps a Response (its results' HTTP bodies included).
	MaxResponse = 16 << 20
	// MaxBody is the largest HTTP body a call or result may carry; the
	// rest of the caps is for the envelope.
	MaxBody = MaxRequest - 64<<10
	// MaxBatch caps the calls in one Request.
	MaxBatch = 64
	// maxHeaders caps the header lines carried either way.
	maxHeaders = 64
)

// Domain is the EIP-712 domain of service requests and responses (off
// chain: no chain ID).
var Domain = identity.Domain{Name: "deco-service", Version: "2"}

// Response codes: why a provider did not serve a call (empty: served).
const (
	// CodePaymentRequired: the vouchers do not cover the request, or the
	// channel's deposit does not back them.
	CodePaymentRequired = "payment_required"
	// CodeBadRequest: the request is malformed or its signature is not the
	// requester's.
	CodeBadRequest = "bad_request"
	// CodeUnknownService: the provider does not serve that service.
	CodeUnknownService = "unknown_service"
	// CodeUnavailable: the service's endpoint failed; nothing is charged.
	CodeUnavailable = "unavailable"
)

// Call is one HTTP request to a service, inside a Request.
type Call struct {
	// Nonce is unique per requester and provider.
	Nonce  uint64      `json:"nonce"`
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Max is the most the call may cost: the price per request plus the
	// most units it may use.
	Max money.Amount `json:"max"`
}

// Request is a batch of calls to one provider's service, paid by one
// voucher and signed once by the requester (a lone call is a batch of
// one).
type Request struct {
	// Service is the service's name.
	Service string `json:"service"`
	// Provider is the chain address of the provider asked.
	Provider identity.Address `json:"provider"`
	// Calls are the HTTP requests, 1 to MaxBatch of them.
	Calls []Call `json:"calls"`
	// Voucher is the requester's cumulative voucher on its channel to the
	// provider, covering everything owed including every call's price;
	// the units a call may use beyond its price (up to its Max) are
	// backed by the deposit and paid by the Payment after the Response.
	Voucher settle.SignedVoucher `json:"voucher"`
	// Session is the requester's session certificate; Signature is its
	// session key's ed25519 signature over Hash.
	Session   SessionCert `json:"session"`
	Signature []byte      `json:"signature"`
}

// Result is a provider's answer to one Call.
type Result struct {
	// Code is empty when the call was served, else why it was not.
	Code string `json:"code,omitempty"`
	// Error explains a Code in words.
	Error  string      `json:"error,omitempty"`
	Status int         `json:"status,omitempty"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Amount is what the call cost (zero when not served).
	Amount money.Amount `json:"amount"`
	// Units is how many units the endpoint reported (X-Deco-Units).
	Units uint64 `json:"units,omitempty"`
}

// Response is a provider's answer to a Request: one Result per Call, in
// order, signed once whether served or refused.
type Response struct {
	Results []Result `json:"results"`
	// Session is the provider's session certificate; Signature is its
	// session key's ed25519 signature over ResponseHash.
	Session   SessionCert `json:"session"`
	Signature []byte      `json:"signature"`
}

// Payment follows a Response on its stream when the calls used units: the
// requester's voucher for what the channel owes now, units included
// (a Request's voucher covers its calls' prices, the deposit their most).
type Payment struct {
	Voucher settle.SignedVoucher `json:"voucher"`
}

// maxPayment caps a Payment.
const maxPayment = 4 << 10

const (
	callType     = "ServiceCall(string service,address provider,uint256 nonce,bytes32 content,uint256 max)"
	requestType  = "ServiceRequest(string service,address provider,bytes32 calls,uint256 max,uint256 cumulative)"
	resultType   = "ServiceResult(bytes32 call,bytes32 content,uint256 amount)"
	responseType = "ServiceResponse(bytes32 request,bytes32 results)"
)

// The digests' constant parts, hashed once (each request and response
// hashed them again on both sides: four Keccak runs for the domain
// separator, one per type, per call and per result).
var (
	domainSeparator  = Domain.Separator()
	callTypeHash     = identity.Keccak256([]byte(callType))
	requestTypeHash  = identity.Keccak256([]byte(requestType))
	resultTypeHash   = identity.Keccak256([]byte(resultType))
	responseTypeHash = identity.Keccak256([]byte(responseType))
)

// structHash is identity.StructHash with the type's hash given: the
// Keccak of typeHash and the words.
func structHash(typeHash []byte, words ...[]byte) []byte {
	return identity.Keccak256(append([][]byte{typeHash}, words...)...)
}

// Total is the sum of the calls' Max: what the voucher must cover beyond
// what the channel owed.
func (r *Request) Total() money.Amount {
	var t money.Amount
	for _, c := range r.Calls {
		t += c.Max
	}
	return t
}

// CallHashes are the EIP-712 struct hashes of the calls, each binding the
// service, the provider, the nonce, the HTTP request's content and Max.
func (r *Request) CallHashes() [][]byte {
	svc, prov := identity.StringWord(r.Service), identity.AddressWord(r.Provider)
	out := make([][]byte, len(r.Calls))
	for i, c := range r.Calls {
		out[i] = structHash(callTypeHash, svc, prov, uintWord(c.Nonce),
			httpDigest(0, c.Method, c.Path, c.Header, c.Body), amountWord(c.Max))
	}
	return out
}

// Hash is the EIP-712 digest a request's Signature covers: the service,
// the provider, every call's hash in order, the calls' total Max and the
// voucher's cumulative amount.
func (r *Request) Hash() []byte { return r.hash(r.CallHashes()) }

func (r *Request) hash(calls [][]byte) []byte {
	return identity.TypedHash(domainSeparator, structHash(requestTypeHash,
		identity.StringWord(r.Service), identity.AddressWord(r.Provider), identity.Keccak256(calls...),
		amountWord(r.Total()), amountWord(r.Voucher.Cumulative)))
}

// Sign signs r as the requester with its session s.
func (r *Request) Sign(s *Session) {
	r.Session = s.Cert()
	r.Signature = s.sign(r.Hash())
}

// Signer is the address whose session signed r.
func (r *Request) Signer(v *Verifier) (identity.Address, error) {
	return v.Signer(r.Session, r.Hash(), r.Signature)
}

// ResponseHash is the EIP-712 digest a response's Signature covers: the
// request's hash and, for each call in order, the call's hash, its
// result's content (code, status, headers, body) and the amount charged.
// calls are the request's CallHashes; a response with another number of
// results than calls has no hash (nil).
func ResponseHash(request []byte, calls [][]byte, resp *Response) []byte {
	if len(calls) != len(resp.Results) {
		return nil
	}
	words := make([][]byte, len(calls))
	for i, c := range calls {
		r := &resp.Results[i]
		words[i] = structHash(resultTypeHash, c, httpDigest(r.Status, r.Code, r.Error, r.Header, r.Body), amountWord(r.Amount))
	}
	return identity.TypedHash(domainSeparator, structHash(responseTypeHash, request, identity.Keccak256(words...)))
}

// SignResponse signs resp, the answer to the request whose Hash is
// request and CallHashes calls, as the provider with its session s.
func SignResponse(s *Session, request []byte, calls [][]byte, resp *Response) {
	resp.Session = s.Cert()
	resp.Signature = s.sign(ResponseHash(request, calls, resp))
}

// ResponseSigner is the address whose session signed resp as the answer
// to the request whose Hash is request and CallHashes calls.
func ResponseSigner(v *Verifier, request []byte, calls [][]byte, resp *Response) (identity.Address, error) {
	h := ResponseHash(request, calls, resp)
	if h == nil {
		return identity.Address{}, fmt.Errorf("%d results for %d calls", len(resp.Results), len(calls))
	}
	return v.Signer(resp.Session, h, resp.Signature)
}

// Check validates a decoded request's fields (not its signature).
func (r *Request) Check() error {
	switch {
	case r.Service == "" || len(r.Service) > maxNameLen:
		return errors.New("service name empty or too long")
	case len(r.Calls) == 0 || len(r.Calls) > MaxBatch:
		return fmt.Errorf("%d calls, 1 to %d", len(r.Calls), MaxBatch)
	case r.Voucher.Cumulative < 0:
		return errors.New("negative amount")
	case len(r.Signature) != ed25519.SignatureSize:
		return errors.New("request signature must be 64 bytes (ed25519)")
	}
	var total money.Amount
	for i := range r.Calls {
		c := &r.Calls[i]
		if err := c.check(); err != nil {
			return fmt.Errorf("call %d: %w", i, err)
		}
		if total += c.Max; total < 0 {
			return errors.New("the calls' total overflows")
		}
	}
	return nil
}

func (c *Call) check() error {
	switch {
	case c.Method == "" || len(c.Method) > 16:
		return fmt.Errorf("bad method %q", c.Method)
	case len(c.Path) == 0 || c.Path[0] != '/' || len(c.Path) > 8<<10:
		return errors.New("path must start with / and be at most 8 KiB")
	case len(c.Header) > maxHeaders:
		return fmt.Errorf("%d headers, at most %d", len(c.Header), maxHeaders)
	case len(c.Body) > MaxBody:
		return fmt.Errorf("body of %d bytes, at most %d", len(c.Body), MaxBody)
	case c.Max < 0:
		return errors.New("negative amount")
	}
	return nil
}

// Check validates a decoded response's fields (not its signature) as the
// answer to calls calls.
func (r *Response) Check(calls int) error {
	if len(r.Results) != calls {
		return fmt.Errorf("%d results for %d calls", len(r.Results), calls)
	}
	if len(r.Signature) != ed25519.SignatureSize {
		return errors.New("response signature must be 64 bytes (ed25519)")
	}
	for i := range r.Results {
		if err := r.Results[i].check(); err != nil {
			return fmt.Errorf("result %d: %w", i, err)
		}
	}
	return nil
}

func (r *Result) check() error {
	switch {
	case len(r.Header) > maxHeaders:
		return fmt.Errorf("%d headers, at most %d", len(r.Header), maxHeaders)
	case r.Amount < 0:
		return errors.New("negative amount")
	case r.Code == "" && (r.Status < 100 || r.Status > 999):
		return fmt.Errorf("bad status %d", r.Status)
	}
	return nil
}

// httpDigest hashes an HTTP message's parts unambiguously (each part
// length-prefixed, headers in sorted order).
func httpDigest(status int, a, b string, h http.Header, body []byte) []byte {
	d := sha256.New()
	var n [8]byte
	put := func(p []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		d.Write(n[:])
		d.Write(p)
	}
	binary.BigEndian.PutUint64(n[:], uint64(status))
	d.Write(n[:])
	put([]byte(a))
	put([]byte(b))
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		put([]byte(k))
		for _, v := range h[k] {
			put([]byte(v))
		}
	}
	put(body)
	return d.Sum(nil)
}

func uintWord(v uint64) []byte {
	w := make([]byte, 32)
	binary.BigEndian.PutUint64(w[24:], v)
	return w
}

func amountWord(a money.Amount) []byte {
	if a < 0 {
		a = 0
	}
	return uintWord(uint64(a))
}
