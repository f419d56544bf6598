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

// Proto is the protocol name of service requests (p2p.ProtocolID(Proto, 1)):
// one stream per request, a Request, then a Response.
const Proto = "service"

// Size caps of the messages on Proto.
const (
	// MaxRequest caps a Request (its HTTP body included).
	MaxRequest = 8 << 20
	// MaxResponse caps a Response (its HTTP body included).
	MaxResponse = 16 << 20
	// MaxBody is the largest HTTP body a request or response may carry;
	// the rest of the caps is for the envelope.
	MaxBody = MaxRequest - 64<<10
	// maxHeaders caps the header lines carried either way.
	maxHeaders = 64
)

// Domain is the EIP-712 domain of service requests and responses (off
// chain: no chain ID).
var Domain = identity.Domain{Name: "deco-service", Version: "1"}

// Response codes: why a provider did not serve a request (empty: served).
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

// Request is one HTTP request to a service, as the requester signed it.
type Request struct {
	// Service is the service's name.
	Service string `json:"service"`
	// Provider is the chain address of the provider asked.
	Provider identity.Address `json:"provider"`
	// Nonce is unique per requester and provider; a provider refuses a
	// nonce it has served.
	Nonce  uint64      `json:"nonce"`
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Max is the most the request may cost: the price per request plus
	// the most units it may use.
	Max money.Amount `json:"max"`
	// Voucher is the requester's cumulative voucher on its channel to the
	// provider, covering everything owed including Max for this request.
	Voucher settle.SignedVoucher `json:"voucher"`
	// Session is the requester's session certificate; Signature is its
	// session key's ed25519 signature over Hash.
	Session   SessionCert `json:"session"`
	Signature []byte      `json:"signature"`
}

// Response is a provider's answer to a Request, signed whether served or
// refused.
type Response struct {
	// Code is empty when the request was served, else why it was not.
	Code string `json:"code,omitempty"`
	// Error explains a Code in words.
	Error  string      `json:"error,omitempty"`
	Status int         `json:"status,omitempty"`
	Header http.Header `json:"header,omitempty"`
	Body   []byte      `json:"body,omitempty"`
	// Amount is what the request cost (zero when not served).
	Amount money.Amount `json:"amount"`
	// Units is how many units the endpoint reported (X-Deco-Units).
	Units uint64 `json:"units,omitempty"`
	// Session is the provider's session certificate; Signature is its
	// session key's ed25519 signature over ResponseHash.
	Session   SessionCert `json:"session"`
	Signature []byte      `json:"signature"`
}

const (
	requestType  = "ServiceRequest(string service,address provider,uint256 nonce,bytes32 content,uint256 max,uint256 cumulative)"
	responseType = "ServiceResponse(bytes32 request,bytes32 content,uint256 amount)"
)

// Hash is the EIP-712 digest a request's Signature covers: the service,
// the provider, the nonce, the HTTP request's content, Max and the
// voucher's cumulative amount.
func (r *Request) Hash() []byte {
	return identity.TypedHash(Domain.Separator(), identity.StructHash(requestType,
		identity.StringWord(r.Service), identity.AddressWord(r.Provider), uintWord(r.Nonce),
		httpDigest(0, r.Method, r.Path, r.Header, r.Body), amountWord(r.Max), amountWord(r.Voucher.Cumulative)))
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
// request's hash, the response's content (code, status, headers, body)
// and the amount charged.
func ResponseHash(request []byte, resp *Response) []byte {
	content := httpDigest(resp.Status, resp.Code, resp.Error, resp.Header, resp.Body)
	return identity.TypedHash(Domain.Separator(), identity.StructHash(responseType,
		request, content, amountWord(resp.Amount)))
}

// SignResponse signs resp, the answer to the request whose Hash is
// request, as the provider with its session s.
func SignResponse(s *Session, request []byte, resp *Response) {
	resp.Session = s.Cert()
	resp.Signature = s.sign(ResponseHash(request, resp))
}

// ResponseSigner is the address whose session signed resp as the answer
// to request.
func ResponseSigner(v *Verifier, request []byte, resp *Response) (identity.Address, error) {
	return v.Signer(resp.Session, ResponseHash(request, resp), resp.Signature)
}

// Check validates a decoded request's fields (not its signature).
func (r *Request) Check() error {
	switch {
	case r.Service == "" || len(r.Service) > maxNameLen:
		return errors.New("service name empty or too long")
	case r.Method == "" || len(r.Method) > 16:
		return fmt.Errorf("bad method %q", r.Method)
	case len(r.Path) == 0 || r.Path[0] != '/' || len(r.Path) > 8<<10:
		return errors.New("path must start with / and be at most 8 KiB")
	case len(r.Header) > maxHeaders:
		return fmt.Errorf("%d headers, at most %d", len(r.Header), maxHeaders)
	case len(r.Body) > MaxBody:
		return fmt.Errorf("body of %d bytes, at most %d", len(r.Body), MaxBody)
	case r.Max < 0 || r.Voucher.Cumulative < 0:
		return errors.New("negative amount")
	case len(r.Signature) != ed25519.SignatureSize:
		return errors.New("request signature must be 64 bytes (ed25519)")
	}
	return nil
}

// Check validates a decoded response's fields (not its signature).
func (r *Response) Check() error {
	switch {
	case len(r.Header) > maxHeaders:
		return fmt.Errorf("%d headers, at most %d", len(r.Header), maxHeaders)
	case r.Amount < 0:
		return errors.New("negative amount")
	case r.Code == "" && (r.Status < 100 || r.Status > 999):
		return fmt.Errorf("bad status %d", r.Status)
	case len(r.Signature) != ed25519.SignatureSize:
		return errors.New("response signature must be 64 bytes (ed25519)")
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
