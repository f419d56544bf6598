package p2p

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/protocol"
)

// Framing errors.
var (
	// ErrTooLarge reports a message longer than the reader's cap.
	ErrTooLarge = errors.New("message too large")
	// ErrMalformed reports a frame whose body is not exactly one JSON
	// value of the expected shape.
	ErrMalformed = errors.New("malformed message")
)

// maxFrame is the largest length a 4-byte prefix can carry.
const maxFrame = 1<<32 - 1

// ProtocolID names a deco stream protocol: "/deco/<name>/<major>".
func ProtocolID(name string, major int) protocol.ID {
	return protocol.ID(fmt.Sprintf("/deco/%s/%d", name, major))
}

// WriteMsg writes v as one frame: a 4-byte big-endian length, then v's
// JSON encoding.
func WriteMsg(w io.Writer, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	if len(body) > maxFrame {
		return fmt.Errorf("write %d bytes: %w", len(body), ErrTooLarge)
	}
	buf := make([]byte, 4, 4+len(body))
	binary.BigEndian.PutUint32(buf, uint32(len(body)))
	buf = append(buf, body...)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	return nil
}

// ReadMsg reads one frame written by WriteMsg into v. A length above max is
// rejected with ErrTooLarge before anything is allocated; a body that is
// not exactly one JSON value, or that has fields v does not know, is
// rejected with ErrMalformed. A stream that ends cleanly before a frame
// yields an error matching io.EOF; one that ends inside a frame,
// io.ErrUnexpectedEOF.
func ReadMsg(r io.Reader, v any, max int) error {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return fmt.Errorf("read message length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if max < 0 || uint64(n) > uint64(max) {
		return fmt.Errorf("message of %d bytes, limit %d: %w", n, max, ErrTooLarge)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read message body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err) // %v: an empty body must not read as io.EOF
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: trailing data after json value", ErrMalformed)
	}
	return nil
}
