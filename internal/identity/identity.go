// Package identity holds a node's one secp256k1 key and everything derived
// from it: the libp2p peer ID other nodes see, the EVM address the chain sees,
// signatures over EIP-712 typed data, and the encrypted keystore on disk.
//
// It imports no libp2p or chain packages: the peer ID and address are derived
// here by their published rules, and tests check them against both stacks.
package identity

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/mr-tron/base58/base58"
	"golang.org/x/crypto/sha3"
)

// Address is a 20-byte EVM account address.
type Address [20]byte

// String formats the address as EIP-55 mixed-case hex with a 0x prefix.
func (a Address) String() string {
	h := hex.EncodeToString(a[:])
	sum := Keccak256([]byte(h))
	out := []byte(h)
	for i := range out {
		if out[i] >= 'a' && sum[i/2]>>(4*(1-uint(i%2)))&0xf >= 8 {
			out[i] -= 'a' - 'A'
		}
	}
	return "0x" + string(out)
}

// MarshalText encodes the address as 0x-prefixed EIP-55 hex.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText decodes a 0x-prefixed hex address.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := ParseAddress(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAddress reads a 0x-prefixed 40-digit hex address (any case).
func ParseAddress(s string) (Address, error) {
	var a Address
	h := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(h) != 40 {
		return a, fmt.Errorf("address %q: want 0x and 40 hex digits", s)
	}
	if _, err := hex.Decode(a[:], []byte(h)); err != nil {
		return a, fmt.Errorf("address %q: %w", s, err)
	}
	return a, nil
}

// Key is a node's private key. The zero value is not usable; use Generate,
// FromHex or a keystore.
type Key struct {
	priv *secp256k1.PrivateKey
	// addr and peerID are derived once, in newKey: a node asks for them on
	// every message it signs.
	addr   Address
	peerID string
}

func newKey(s *secp256k1.ModNScalar) *Key {
	k := &Key{priv: secp256k1.NewPrivateKey(s)}
	pub := PublicKey{pub: k.priv.PubKey()}
	k.addr, k.peerID = pub.Address(), pub.PeerID()
	return k
}

// Generate makes a new random key from r (crypto/rand when nil).
func Generate(r io.Reader) (*Key, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [32]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("generate key: %w", err)
		}
		var s secp256k1.ModNScalar
		if overflow := s.SetBytes(&b); overflow == 0 && !s.IsZero() {
			return newKey(&s), nil
		}
	}
}

// FromBytes makes a key from its 32-byte big-endian scalar.
func FromBytes(b []byte) (*Key, error) {
	if len(b) != 32 {
		return nil, fmt.Errorf("private key: want 32 bytes, got %d", len(b))
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(b); overflow || s.IsZero() {
		return nil, errors.New("private key: out of range")
	}
	return newKey(&s), nil
}

// Bytes returns the 32-byte private scalar. Handle with care.
func (k *Key) Bytes() []byte { return k.priv.Serialize() }

// LogValue keeps the private key out of logs: a key logs as its address.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.addr.String()) }

// String keeps the private key out of fmt's %v and %s: it is the address.
func (k *Key) String() string { return "key " + k.addr.String() }

// GoString keeps the private key out of fmt's %#v.
func (k *Key) GoString() string { return k.String() }

// Address is the key's EVM address.
func (k *Key) Address() Address { return k.addr }

// PeerID is the key's libp2p peer ID in its usual base58 text form.
func (k *Key) PeerID() string { return k.peerID }

// PublicKey is a secp256k1 public key.
type PublicKey struct {
	pub *secp256k1.PublicKey
}

// Address returns keccak256(uncompressed point)[12:], the EVM rule.
func (p PublicKey) Address() Address {
	var a Address
	h := Keccak256(p.pub.SerializeUncompressed()[1:])
	copy(a[:], h[12:])
	return a
}

// PeerID derives the libp2p peer ID: the identity multihash of the
// protobuf-encoded public key (type Secp256k1, 33-byte compressed point).
func (p PublicKey) PeerID() string {
	comp := p.pub.SerializeCompressed()
	pb := append([]byte{0x08, 0x02, 0x12, byte(len(comp))}, comp...)
	mh := append([]byte{0x00, byte(len(pb))}, pb...)
	return base58.Encode(mh)
}

// maxPeerIDLen caps what ParsePeerID decodes (a deco peer ID is 53
// characters).
const maxPeerIDLen = 128

// ParsePeerID is the inverse of PublicKey.PeerID: the public key a deco
// node's peer ID embeds.
func ParsePeerID(id string) (PublicKey, error) {
	raw, err := peerIDKey(id)
	if err != nil {
		return PublicKey{}, err
	}
	pub, err := secp256k1.ParsePubKey(raw)
	if err != nil {
		return PublicKey{}, fmt.Errorf("peer ID %q: %v", id, err)
	}
	return PublicKey{pub: pub}, nil
}

// CheckPeerID checks that id is written as a deco node's peer ID: 53
// base58 characters starting 16Uiu2HA, as every identity multihash of a
// compressed secp256k1 key is written. It decodes nothing (ParsePeerID
// does, at the cost of a base58 decoding and a square root): for long lists
// of nodes checked on every hop (an operator's policy), where an entry
// that is not a real node's only never matches one.
func CheckPeerID(id string) error {
	if len(id) != peerIDLen || id[:len(peerIDPrefix)] != peerIDPrefix {
		return fmt.Errorf("%q is not a deco node's peer ID (16Uiu2HA and 45 more characters)", id)
	}
	for i := len(peerIDPrefix); i < len(id); i++ {
		if c := id[i]; !(c >= '1' && c <= '9' || c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' || c >= 'a' && c <= 'z' && c != 'l') {
			return fmt.Errorf("%q is not a deco node's peer ID (%q is not a base58 character)", id, c)
		}
	}
	return nil
}

// How every deco peer ID is written (see CheckPeerID).
const (
	peerIDLen    = 53
	peerIDPrefix = "16Uiu2HA"
)

// peerIDKey is the 33-byte compressed key a deco peer ID embeds.
func peerIDKey(id string) ([]byte, error) {
	if len(id) > maxPeerIDLen {
		return nil, fmt.Errorf("peer ID of %d characters", len(id))
	}
	// 0x00 (identity multihash), length 37, then the protobuf: field 1
	// key type 2 (secp256k1), field 2 with the 33-byte compressed point.
	prefix := []byte{0x00, 37, 0x08, 0x02, 0x12, 33}
	raw, err := base58.Decode(id)
	if err != nil || len(raw) != len(prefix)+33 || string(raw[:len(prefix)]) != string(prefix) || raw[len(prefix)] != 2 && raw[len(prefix)] != 3 {
		return nil, fmt.Errorf("%q is not a deco node's peer ID (a secp256k1 key)", id)
	}
	return raw[len(prefix):], nil
}

// PeerAddress is the chain address of the node with peer ID id (one key
// is both).
func PeerAddress(id string) (Address, error) {
	pub, err := ParsePeerID(id)
	if err != nil {
		return Address{}, err
	}
	return pub.Address(), nil
}

// Keccak256 hashes the concatenation of bs with legacy Keccak-256, the EVM hash.
func Keccak256(bs ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, b := range bs {
		h.Write(b)
	}
	return h.Sum(nil)
}
