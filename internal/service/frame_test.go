package service

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
)

// TestFramesRoundTrip: a signed request, its signed response and a
// payment come back from their frames field for field, bodies byte for
// byte (no base64), and their signatures still verify; every truncation
// of a frame, a byte left over, and a frame over its cap are refused.
func TestFramesRoundTrip(t *testing.T) {
	user, prov := testKey(t), testKey(t)
	body := make([]byte, 3000)
	for i := range body {
		body[i] = byte(i)
	}
	req := &Request{Service: "echo", Provider: prov.Address(), Calls: []Call{
		{Nonce: 1 << 60, Method: "POST", Path: "/v1/x?q=1", Header: http.Header{"A": {"1", "2"}, "Content-Type": {"text/plain"}}, Body: body, Max: 5},
		{Nonce: 8, Method: "GET", Path: "/", Max: 0},
	}, Voucher: settle.SignedVoucher{Requester: user.Address(), Provider: prov.Address(), Cumulative: 1 << 40, Signature: bytes.Repeat([]byte{7}, 65)}}
	us, ps := testSession(t, user), testSession(t, prov)
	req.Sign(us)
	var buf bytes.Buffer
	if err := WriteRequest(&buf, req); err != nil {
		t.Fatal(err)
	}
	frame := bytes.Clone(buf.Bytes())
	got, err := ReadRequest(&buf, MaxRequest)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Session.Expires.Equal(req.Session.Expires) {
		t.Fatalf("expiry %v, want %v", got.Session.Expires, req.Session.Expires)
	}
	got.Session.Expires = req.Session.Expires
	if !reflect.DeepEqual(got, req) {
		t.Fatalf("request came back as\n%+v\nwant\n%+v", got, req)
	}
	v := NewVerifier(nil)
	if signer, err := got.Signer(v); err != nil || signer != user.Address() {
		t.Fatalf("decoded request's signer %s %v", signer, err)
	}
	if len(frame) > len(body)+1024 {
		t.Errorf("a %d-byte body took a %d-byte frame", len(body), len(frame))
	}
	resp := &Response{Results: []Result{{Status: 200, Header: http.Header{"Date": {"x"}}, Body: []byte("ok"), Amount: 5, Units: 3},
		{Code: CodeUnavailable, Error: "down"}}}
	SignResponse(ps, req.Hash(), req.CallHashes(), resp)
	buf.Reset()
	if err := WriteResponse(&buf, resp); err != nil {
		t.Fatal(err)
	}
	rframe := bytes.Clone(buf.Bytes())
	gotResp, err := ReadResponse(&buf, MaxResponse)
	if err != nil {
		t.Fatal(err)
	}
	gotResp.Session.Expires = resp.Session.Expires
	if !reflect.DeepEqual(gotResp, resp) {
		t.Fatalf("response came back as\n%+v\nwant\n%+v", gotResp, resp)
	}
	if signer, err := ResponseSigner(v, got.Hash(), got.CallHashes(), gotResp); err != nil || signer != prov.Address() {
		t.Fatalf("decoded response's signer %s %v", signer, err)
	}
	buf.Reset()
	pay := &Payment{Voucher: req.Voucher}
	if err := writePayment(&buf, pay); err != nil {
		t.Fatal(err)
	}
	pframe := bytes.Clone(buf.Bytes())
	if gotPay, err := readPayment(&buf); err != nil || !reflect.DeepEqual(gotPay, pay) {
		t.Fatalf("payment came back as %+v %v", gotPay, err)
	}

	read := map[string]func(io.Reader) error{
		"request":  func(r io.Reader) error { _, err := ReadRequest(r, MaxRequest); return err },
		"response": func(r io.Reader) error { _, err := ReadResponse(r, MaxResponse); return err },
		"payment":  func(r io.Reader) error { _, err := readPayment(r); return err },
	}
	for name, f := range map[string][]byte{"request": frame, "response": rframe, "payment": pframe} {
		for n := 4; n < len(f); n += max(1, len(f)/200) {
			// The length says n-4 bytes: the fields end early.
			short := bytes.Clone(f[:n])
			short[0], short[1], short[2], short[3] = byte((n-4)>>24), byte((n-4)>>16), byte((n-4)>>8), byte(n-4)
			if read[name](bytes.NewReader(short)) == nil {
				t.Fatalf("%s cut to %d of %d bytes decoded", name, n, len(f))
			}
		}
		long := append(bytes.Clone(f), 0)
		long[3]++
		if err := read[name](bytes.NewReader(long)); !errors.Is(err, errFrame) {
			t.Errorf("%s with a byte left over: %v", name, err)
		}
		if err := read[name](bytes.NewReader(f[:len(f)-1])); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s stream ending inside the frame: %v", name, err)
		}
	}
	if _, err := ReadRequest(bytes.NewReader(frame), len(frame)-5); !errors.Is(err, p2p.ErrTooLarge) {
		t.Errorf("a request over the cap: %v", err)
	}
	// A request with no session (zero time) frames too (the benchmark's
	// unpaid path sends one).
	var zero bytes.Buffer
	if err := WriteRequest(&zero, &Request{Service: "x", Calls: []Call{{Method: "GET", Path: "/"}}}); err != nil {
		t.Fatal(err)
	}
	if r, err := ReadRequest(&zero, MaxRequest); err != nil || !r.Session.Expires.IsZero() {
		t.Fatalf("a request with no session: %+v %v", r, err)
	}
	big := &Request{Service: "x", Calls: []Call{{Method: "POST", Path: "/", Body: make([]byte, MaxRequest)}}}
	if err := WriteRequest(io.Discard, big); !errors.Is(err, p2p.ErrTooLarge) {
		t.Errorf("writing a request over MaxRequest: %v", err)
	}
}
