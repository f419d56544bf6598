package service

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

func testKey(t testing.TB) *identity.Key {
	k, err := identity.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRequestResponseSignatures: one signature each way covers every
// call of a batch and every result: changing any call, the voucher, any
// result's amount or body, or the results' order breaks it.
func TestRequestResponseSignatures(t *testing.T) {
	user, prov := testKey(t), testKey(t)
	req := &Request{Service: "echo", Provider: prov.Address(), Calls: []Call{
		{Nonce: 7, Method: "POST", Path: "/v1/x", Header: http.Header{"A": {"1"}}, Body: []byte("hi"), Max: 5},
		{Nonce: 8, Method: "GET", Path: "/v1/y", Max: 5},
	}, Voucher: settle.SignedVoucher{Requester: user.Address(), Provider: prov.Address(), Cumulative: 15, Signature: make([]byte, 65)}}
	us, ps := testSession(t, user), testSession(t, prov)
	v := NewVerifier(nil)
	req.Sign(us)
	if got, err := req.Signer(v); err != nil || got != user.Address() {
		t.Fatalf("signer %s, %v", got, err)
	}
	if req.Total() != 10 {
		t.Fatalf("total %s, want 10", req.Total())
	}
	for name, tamper := range map[string]func(r *Request){
		"body":        func(r *Request) { r.Calls[0].Body = []byte("ho") },
		"cumulative":  func(r *Request) { r.Voucher.Cumulative = 14 },
		"max":         func(r *Request) { r.Calls[1].Max = 4 },
		"header":      func(r *Request) { r.Calls[0].Header = http.Header{"A": {"2"}} },
		"nonce":       func(r *Request) { r.Calls[1].Nonce = 9 },
		"provider":    func(r *Request) { r.Provider = user.Address() },
		"call order":  func(r *Request) { r.Calls[0], r.Calls[1] = r.Calls[1], r.Calls[0] },
		"call gone":   func(r *Request) { r.Calls = r.Calls[:1] },
		"call cloned": func(r *Request) { r.Calls = append(r.Calls, r.Calls[1]) },
	} {
		c := *req
		c.Calls = slices.Clone(req.Calls)
		tamper(&c)
		if got, _ := c.Signer(v); got == user.Address() {
			t.Errorf("%s changed and the signature still recovers the requester", name)
		}
	}
	hash, calls := req.Hash(), req.CallHashes()
	resp := &Response{Results: []Result{{Status: 200, Body: []byte("ok"), Amount: 5}, {Code: CodeUnavailable, Error: "down"}}}
	SignResponse(ps, hash, calls, resp)
	if got, err := ResponseSigner(v, hash, calls, resp); err != nil || got != prov.Address() {
		t.Fatalf("response signer %s, %v", got, err)
	}
	if err := resp.Check(2); err != nil {
		t.Fatal(err)
	}
	if resp.Check(1) == nil {
		t.Error("two results checked as the answer to one call")
	}
	for name, tamper := range map[string]func(r *Response){
		"amount":       func(r *Response) { r.Results[0].Amount = 6 },
		"body":         func(r *Response) { r.Results[0].Body = []byte("ko") },
		"code":         func(r *Response) { r.Results[1].Code = "" },
		"result order": func(r *Response) { r.Results[0], r.Results[1] = r.Results[1], r.Results[0] },
		"result gone":  func(r *Response) { r.Results = r.Results[:1] },
	} {
		c := *resp
		c.Results = slices.Clone(resp.Results)
		tamper(&c)
		if got, _ := ResponseSigner(v, hash, calls, &c); got == prov.Address() {
			t.Errorf("%s changed and the response signature still recovers the provider", name)
		}
	}
	other := *req
	other.Voucher.Cumulative = 16
	if got, _ := ResponseSigner(v, other.Hash(), calls, resp); got == prov.Address() {
		t.Error("the response signature recovers the provider for another request")
	}
}

// TestDigestsAreEIP712: the request's and the response's digests, with
// the domain separator and type hashes computed once, are the EIP-712
// digests spelled out from the type strings (what a verifier elsewhere,
// or the chain, recomputes).
func TestDigestsAreEIP712(t *testing.T) {
	prov := identity.Address{9}
	req := &Request{Service: "echo", Provider: prov, Calls: []Call{
		{Nonce: 7, Method: "POST", Path: "/v1/x", Header: http.Header{"A": {"1"}}, Body: []byte("hi"), Max: 5},
		{Nonce: 8, Method: "GET", Path: "/v1/y", Max: 6},
	}, Voucher: settle.SignedVoucher{Cumulative: 15}}
	sep := identity.Domain{Name: "deco-service", Version: "2"}.Separator()
	var calls [][]byte
	for _, c := range req.Calls {
		calls = append(calls, identity.StructHash(
			"ServiceCall(string service,address provider,uint256 nonce,bytes32 content,uint256 max)",
			identity.StringWord("echo"), identity.AddressWord(prov), identity.Uint64(c.Nonce),
			httpDigest(0, c.Method, c.Path, c.Header, c.Body), identity.Uint64(uint64(c.Max))))
	}
	if got := req.CallHashes(); !slices.EqualFunc(got, calls, bytes.Equal) {
		t.Fatalf("call hashes %x, want %x", got, calls)
	}
	want := identity.TypedHash(sep, identity.StructHash(
		"ServiceRequest(string service,address provider,bytes32 calls,uint256 max,uint256 cumulative)",
		identity.StringWord("echo"), identity.AddressWord(prov), identity.Keccak256(calls...), identity.Uint64(11), identity.Uint64(15)))
	if got := req.Hash(); !bytes.Equal(got, want) {
		t.Fatalf("request hash %x, want %x", got, want)
	}
	resp := &Response{Results: []Result{{Status: 200, Body: []byte("ok"), Amount: 5}, {Code: CodeUnavailable, Error: "down"}}}
	var words [][]byte
	for i, r := range resp.Results {
		words = append(words, identity.StructHash("ServiceResult(bytes32 call,bytes32 content,uint256 amount)",
			calls[i], httpDigest(r.Status, r.Code, r.Error, r.Header, r.Body), identity.Uint64(uint64(r.Amount))))
	}
	wantResp := identity.TypedHash(sep, identity.StructHash("ServiceResponse(bytes32 request,bytes32 results)", want, identity.Keccak256(words...)))
	if got := ResponseHash(want, calls, resp); !bytes.Equal(got, wantResp) {
		t.Fatalf("response hash %x, want %x", got, wantResp)
	}
}

func TestOfferVerify(t *testing.T) {
	k := testKey(t)
	o := Offer{Name: "llm", Type: TypeHTTP, Price: money.Unit / 100, UnitPrice: 1000, MaxUnits: 512, Verification: VerifySignature,
		Expires: time.Unix(2000000000, 0)}
	if err := o.Sign(k); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(o)
	got, err := DecodeOffer(b)
	if err != nil || got.Max() != money.Unit/100+512*1000 {
		t.Fatalf("decode: %+v %v", got, err)
	}
	got.Price++
	if got.Verify() == nil {
		t.Fatal("a changed price verifies")
	}
	for name, bad := range map[string]string{
		"unknown field": `{"name":"x","bogus":1}`,
		"trailing":      string(b) + "{}",
	} {
		if _, err := DecodeOffer([]byte(bad)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	if _, err := DecodeOffer(make([]byte, MaxOfferSize+1)); err == nil {
		t.Error("oversized offer decoded")
	}
}

func TestRequestCheck(t *testing.T) {
	ok := Request{Service: "echo", Calls: []Call{{Method: "GET", Path: "/"}}, Signature: make([]byte, 64)}
	if err := ok.Check(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*Request){
		"no service": func(r *Request) { r.Service = "" },
		"no calls":   func(r *Request) { r.Calls = nil },
		"too many":   func(r *Request) { r.Calls = make([]Call, MaxBatch+1) },
		"no method":  func(r *Request) { r.Calls[0].Method = "" },
		"bad path":   func(r *Request) { r.Calls[0].Path = "x" },
		"negative":   func(r *Request) { r.Calls[0].Max = -1 },
		"overflow": func(r *Request) {
			r.Calls = []Call{{Method: "GET", Path: "/", Max: math.MaxInt64}, {Method: "GET", Path: "/", Max: 2}}
		},
		"short sig": func(r *Request) { r.Signature = r.Signature[:63] },
	} {
		c := ok
		c.Calls = slices.Clone(ok.Calls)
		f(&c)
		if c.Check() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzRequestDecode: whatever arrives on a service stream is decoded
// under the cap, checked and hashed without a panic, and what decodes
// encodes back to the same frame.
func FuzzRequestDecode(f *testing.F) {
	k := testKey(f)
	req := &Request{Service: "echo", Calls: []Call{{Method: "GET", Path: "/"}, {Method: "POST", Path: "/x", Header: http.Header{"A": {"1", "2"}}, Body: []byte("hi")}}}
	req.Sign(testSession(f, k))
	v := NewVerifier(nil)
	var buf bytes.Buffer
	_ = WriteRequest(&buf, req)
	f.Add(buf.Bytes())
	buf.Reset()
	_ = WriteResponse(&buf, &Response{Results: []Result{{Status: 200, Header: http.Header{"B": {"3"}}}, {Code: CodeUnavailable}}, Signature: make([]byte, 64)})
	f.Add(buf.Bytes())
	buf.Reset()
	_ = writePayment(&buf, &Payment{Voucher: settle.SignedVoucher{Cumulative: 5, Signature: make([]byte, 65)}})
	f.Add(buf.Bytes())
	f.Add([]byte{0, 0, 0, 2, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ReadRequest(bytes.NewReader(b), MaxRequest)
		if err == nil {
			if r.Check() == nil {
				_, _ = r.Signer(v)
			}
			if len(r.Calls) > 0 && len(b) > 4 && binary.BigEndian.Uint32(b) == uint32(len(b)-4) {
				reencoded(t, b, func(w *bytes.Buffer) error { return WriteRequest(w, r) })
			}
		} else {
			r = &Request{}
		}
		if resp, err := ReadResponse(bytes.NewReader(b), MaxResponse); err == nil {
			_ = resp.Check(len(r.Calls))
			_, _ = ResponseSigner(v, r.Hash(), r.CallHashes(), resp)
		}
		_, _ = readPayment(bytes.NewReader(b))
		_, _ = DecodeOffer(b[min(len(b), 4):])
	})
}

// reencoded checks that what decoded from frame b encodes to a frame of
// the same length (headers' keys may come in another order).
func reencoded(t *testing.T, b []byte, write func(*bytes.Buffer) error) {
	var w bytes.Buffer
	if err := write(&w); err != nil {
		return // over a cap the encoder keeps and the decoder's max did not
	}
	if w.Len() != len(b) {
		t.Fatalf("decoded from %d bytes, encoded to %d", len(b), w.Len())
	}
}

func testSession(t testing.TB, k *identity.Key) *Session {
	s, err := NewSession(k, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSessionCert: a session signature verifies only under a certificate
// its owner signed, unexpired, with the key that made it; a certificate
// once verified is not recovered again.
func TestSessionCert(t *testing.T) {
	alice, mallory := testKey(t), testKey(t)
	s := testSession(t, alice)
	h := make([]byte, 32)
	sig := s.sign(h)
	v := NewVerifier(nil)
	if got, err := v.Signer(s.Cert(), h, sig); err != nil || got != alice.Address() {
		t.Fatalf("signer %s %v", got, err)
	}
	if len(v.certs) != 1 {
		t.Fatalf("%d certificates cached, want 1", len(v.certs))
	}
	m := testSession(t, mallory)
	for name, c := range map[string]func() (SessionCert, []byte){
		"another owner claimed": func() (SessionCert, []byte) {
			c := m.Cert()
			c.Owner = alice.Address()
			return c, m.sign(h)
		},
		"another key in alice's certificate": func() (SessionCert, []byte) {
			c := s.Cert()
			c.Key = m.Cert().Key
			return c, m.sign(h)
		},
		"expiry moved": func() (SessionCert, []byte) {
			c := s.Cert()
			c.Expires = c.Expires.Add(time.Hour)
			return c, sig
		},
		"wrong signature": func() (SessionCert, []byte) { return s.Cert(), m.sign(h) },
		"short key": func() (SessionCert, []byte) {
			c := s.Cert()
			c.Key = c.Key[:31]
			return c, sig
		},
	} {
		cert, sg := c()
		if got, err := v.Signer(cert, h, sg); err == nil {
			t.Errorf("%s: verified as %s", name, got)
		}
	}
	old, err := NewSession(alice, time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Signer(old.Cert(), h, old.sign(h)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired certificate: %v", err)
	}
}
