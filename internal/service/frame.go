package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/settle"
)

// The frames of Proto (Version 3): a 4-byte big-endian length, then the
// message's fields in a fixed order, each integer a varint, each string
// and byte string its length (a uvarint) then its bytes, an address its
// 20 bytes, a header its number of keys then each key with its number of
// values and the values. Bodies travel as they are (JSON carried them in
// base64 and cost more than the signatures at the batch sizes the proxy
// sends). A frame must be read to its last byte, no byte left over. The
// signed digests (Request.Hash, ResponseHash) are over the fields, not
// over the frame: the framing changed from JSON to this without changing
// what is signed.

// errFrame is a malformed frame.
var errFrame = errors.New("malformed service frame")

// frame is a frame being written.
type frame struct{ b []byte }

func newFrame(size int) *frame {
	f := &frame{b: make([]byte, 4, 4+size)}
	return f
}

func (f *frame) uint(v uint64)         { f.b = binary.AppendUvarint(f.b, v) }
func (f *frame) int(v int64)           { f.b = binary.AppendVarint(f.b, v) }
func (f *frame) bytes(p []byte)        { f.uint(uint64(len(p))); f.b = append(f.b, p...) }
func (f *frame) string(s string)       { f.uint(uint64(len(s))); f.b = append(f.b, s...) }
func (f *frame) address(a [20]byte)    { f.b = append(f.b, a[:]...) }
func (f *frame) amount(a money.Amount) { f.int(int64(a)) }

func (f *frame) header(h http.Header) {
	f.uint(uint64(len(h)))
	for k, vs := range h {
		f.string(k)
		f.uint(uint64(len(vs)))
		for _, v := range vs {
			f.string(v)
		}
	}
}

func (f *frame) time(t time.Time) {
	f.int(t.Unix())
	f.uint(uint64(t.Nanosecond()))
}

func (f *frame) session(c *SessionCert) {
	f.address(c.Owner)
	f.bytes(c.Key)
	f.time(c.Expires)
	f.bytes(c.Signature)
}

func (f *frame) voucher(v *settle.SignedVoucher) {
	f.address(v.Requester)
	f.address(v.Provider)
	f.amount(v.Cumulative)
	f.bytes(v.Signature)
}

// send writes the frame to w in one Write.
func (f *frame) send(w io.Writer, max int) error {
	n := len(f.b) - 4
	if n > max {
		return fmt.Errorf("write %d bytes: %w", n, p2p.ErrTooLarge)
	}
	binary.BigEndian.PutUint32(f.b, uint32(n))
	if _, err := w.Write(f.b); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	return nil
}

// unframe reads a frame's fields; the first error sticks.
type unframe struct {
	b   []byte
	err error
}

// readFrame reads one frame of at most max bytes from r.
func readFrame(r io.Reader, max int) (*unframe, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("read message length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if max < 0 || uint64(n) > uint64(max) {
		return nil, fmt.Errorf("message of %d bytes, limit %d: %w", n, max, p2p.ErrTooLarge)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read message body: %w", err)
	}
	return &unframe{b: b}, nil
}

func (u *unframe) fail(what string) {
	if u.err == nil {
		u.err = fmt.Errorf("%w: %s", errFrame, what)
	}
}

func (u *unframe) uint() uint64 {
	if u.err != nil {
		return 0
	}
	v, n := binary.Uvarint(u.b)
	if n <= 0 {
		u.fail("bad uvarint")
		return 0
	}
	u.b = u.b[n:]
	return v
}

func (u *unframe) int() int64 {
	if u.err != nil {
		return 0
	}
	v, n := binary.Varint(u.b)
	if n <= 0 {
		u.fail("bad varint")
		return 0
	}
	u.b = u.b[n:]
	return v
}

// count reads a number of items, each taking at least one byte, at most
// limit of them.
func (u *unframe) count(limit int) int {
	n := u.uint()
	if n > uint64(limit) || n > uint64(len(u.b)) {
		u.fail("count out of range")
		return 0
	}
	return int(n)
}

// raw reads n bytes (not copied: the frame's buffer is the message's).
func (u *unframe) raw(n uint64) []byte {
	if u.err != nil {
		return nil
	}
	if n > uint64(len(u.b)) {
		u.fail("field past the end")
		return nil
	}
	p := u.b[:n:n]
	u.b = u.b[n:]
	return p
}

func (u *unframe) bytes() []byte {
	p := u.raw(u.uint())
	if len(p) == 0 {
		return nil
	}
	return p
}

func (u *unframe) string() string { return string(u.raw(u.uint())) }

func (u *unframe) address() (a [20]byte) {
	copy(a[:], u.raw(20))
	return a
}

func (u *unframe) amount() money.Amount {
	v := u.int()
	if v < 0 {
		u.fail("negative amount")
	}
	return money.Amount(v)
}

func (u *unframe) header() http.Header {
	n := u.count(maxHeaders)
	if n == 0 {
		return nil
	}
	h := make(http.Header, n)
	for range n {
		k := u.string()
		vs := make([]string, u.count(len(u.b)))
		for i := range vs {
			vs[i] = u.string()
		}
		if _, dup := h[k]; dup {
			u.fail("header key twice")
		}
		h[k] = vs
	}
	return h
}

func (u *unframe) time() time.Time {
	s, ns := u.int(), u.uint()
	if ns >= 1e9 {
		u.fail("bad time")
		return time.Time{}
	}
	return time.Unix(s, int64(ns)).UTC()
}

func (u *unframe) session() SessionCert {
	return SessionCert{Owner: identity.Address(u.address()), Key: u.bytes(), Expires: u.time(), Signature: u.bytes()}
}

func (u *unframe) voucher() settle.SignedVoucher {
	return settle.SignedVoucher{Requester: identity.Address(u.address()), Provider: identity.Address(u.address()),
		Cumulative: u.amount(), Signature: u.bytes()}
}

// done is the frame's error: a field's, or bytes left over.
func (u *unframe) done() error {
	if u.err == nil && len(u.b) > 0 {
		u.fail(fmt.Sprintf("%d bytes left over", len(u.b)))
	}
	return u.err
}

// WriteRequest writes r on w as one frame.
func WriteRequest(w io.Writer, r *Request) error {
	size := 512
	for i := range r.Calls {
		size += 64 + len(r.Calls[i].Path) + len(r.Calls[i].Body)
	}
	f := newFrame(size)
	f.string(r.Service)
	f.address(r.Provider)
	f.uint(uint64(len(r.Calls)))
	for i := range r.Calls {
		c := &r.Calls[i]
		f.uint(c.Nonce)
		f.string(c.Method)
		f.string(c.Path)
		f.header(c.Header)
		f.bytes(c.Body)
		f.amount(c.Max)
	}
	f.voucher(&r.Voucher)
	f.session(&r.Session)
	f.bytes(r.Signature)
	return f.send(w, MaxRequest)
}

// ReadRequest reads a frame WriteRequest wrote, of at most max bytes.
func ReadRequest(rd io.Reader, max int) (*Request, error) {
	u, err := readFrame(rd, max)
	if err != nil {
		return nil, err
	}
	r := &Request{Service: u.string(), Provider: identity.Address(u.address())}
	r.Calls = make([]Call, u.count(MaxBatch))
	for i := range r.Calls {
		r.Calls[i] = Call{Nonce: u.uint(), Method: u.string(), Path: u.string(), Header: u.header(), Body: u.bytes(), Max: u.amount()}
	}
	r.Voucher = u.voucher()
	r.Session = u.session()
	r.Signature = u.bytes()
	if err := u.done(); err != nil {
		return nil, err
	}
	return r, nil
}

// WriteResponse writes r on w as one frame.
func WriteResponse(w io.Writer, r *Response) error {
	size := 512
	for i := range r.Results {
		size += 128 + len(r.Results[i].Body)
	}
	f := newFrame(size)
	f.uint(uint64(len(r.Results)))
	for i := range r.Results {
		res := &r.Results[i]
		f.string(res.Code)
		f.string(res.Error)
		f.int(int64(res.Status))
		f.header(res.Header)
		f.bytes(res.Body)
		f.amount(res.Amount)
		f.uint(res.Units)
	}
	f.session(&r.Session)
	f.bytes(r.Signature)
	return f.send(w, MaxResponse)
}

// ReadResponse reads a frame WriteResponse wrote, of at most max bytes.
func ReadResponse(rd io.Reader, max int) (*Response, error) {
	u, err := readFrame(rd, max)
	if err != nil {
		return nil, err
	}
	r := &Response{Results: make([]Result, u.count(MaxBatch))}
	for i := range r.Results {
		res := Result{Code: u.string(), Error: u.string()}
		st := u.int()
		if st < 0 || st > math.MaxInt32 {
			u.fail("bad status")
		}
		res.Status = int(st)
		res.Header, res.Body, res.Amount, res.Units = u.header(), u.bytes(), u.amount(), u.uint()
		r.Results[i] = res
	}
	r.Session = u.session()
	r.Signature = u.bytes()
	if err := u.done(); err != nil {
		return nil, err
	}
	return r, nil
}

// writePayment writes p on w as one frame.
func writePayment(w io.Writer, p *Payment) error {
	f := newFrame(128)
	f.voucher(&p.Voucher)
	return f.send(w, maxPayment)
}

// readPayment reads a frame writePayment wrote.
func readPayment(rd io.Reader) (*Payment, error) {
	u, err := readFrame(rd, maxPayment)
	if err != nil {
		return nil, err
	}
	p := &Payment{Voucher: u.voucher()}
	if err := u.done(); err != nil {
		return nil, err
	}
	return p, nil
}
