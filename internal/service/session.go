package service

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/identity"
)

// SessionTTL is how long a session key is valid; a node makes a new one
// when less than a tenth of that is left.
const SessionTTL = time.Hour

// SessionCert binds an ed25519 session key to a node's identity: the
// node's EIP-712 signature (its secp256k1 key) over the key and an expiry.
// Requests and responses are signed with the session key: a secp256k1
// recovery costs ~200 µs in pure Go, an ed25519 verification ~50 µs, and
// the certificate is checked once per session, not per request. (Vouchers,
// which the chain checks, stay secp256k1.)
type SessionCert struct {
	Owner     identity.Address `json:"owner"`
	Key       []byte           `json:"key"`
	Expires   time.Time        `json:"expires"`
	Signature []byte           `json:"signature"`
}

const sessionType = "ServiceSession(address owner,bytes32 key,uint256 expires)"

// Hash is the EIP-712 digest the certificate's Signature covers.
func (c SessionCert) Hash() []byte {
	key := make([]byte, 32)
	copy(key, c.Key)
	return identity.TypedHash(Domain.Separator(), identity.StructHash(sessionType,
		identity.AddressWord(c.Owner), key, uintWord(uint64(max(c.Expires.Unix(), 0)))))
}

func (c SessionCert) check() error {
	switch {
	case len(c.Key) != ed25519.PublicKeySize:
		return fmt.Errorf("session key of %d bytes, want %d", len(c.Key), ed25519.PublicKeySize)
	case len(c.Signature) != identity.SignatureLen:
		return errors.New("session certificate signature must be 65 bytes")
	}
	return nil
}

// Session is a node's current session key and its certificate.
type Session struct {
	priv ed25519.PrivateKey
	cert SessionCert
}

// NewSession makes a session key for k, valid until expires.
func NewSession(k *identity.Key, expires time.Time) (*Session, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	c := SessionCert{Owner: k.Address(), Key: pub, Expires: expires.Truncate(time.Second)}
	if c.Signature, err = k.SignHash(c.Hash()); err != nil {
		return nil, err
	}
	return &Session{priv: priv, cert: c}, nil
}

// Cert is the session's certificate.
func (s *Session) Cert() SessionCert { return s.cert }

func (s *Session) sign(hash []byte) []byte { return ed25519.Sign(s.priv, hash) }

// sessions keeps a node's current session, renewing it before it lapses.
type sessions struct {
	key *identity.Key
	now func() time.Time
	mu  sync.Mutex
	cur *Session
}

func (s *sessions) get() (*Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || s.cur.cert.Expires.Sub(s.now()) < SessionTTL/10 {
		cur, err := NewSession(s.key, s.now().Add(SessionTTL))
		if err != nil {
			return nil, err
		}
		s.cur = cur
	}
	return s.cur, nil
}

// maxVerifiedCerts bounds a Verifier's cache (it starts over when full).
const maxVerifiedCerts = 4096

// Verifier checks session signatures, each certificate's secp256k1
// signature once.
type Verifier struct {
	now   func() time.Time
	mu    sync.Mutex
	certs map[string]bool
}

// NewVerifier returns a Verifier with an empty cache.
func NewVerifier(now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{now: now, certs: map[string]bool{}}
}

// Signer is the owner of c when c is a valid, unexpired certificate and
// sig is its key's signature over hash.
func (v *Verifier) Signer(c SessionCert, hash, sig []byte) (identity.Address, error) {
	if err := c.check(); err != nil {
		return identity.Address{}, err
	}
	if !c.Expires.After(v.now()) {
		return identity.Address{}, errors.New("session certificate expired")
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(c.Key, hash, sig) {
		return identity.Address{}, fmt.Errorf("%w: session signature", identity.ErrBadSignature)
	}
	k := string(c.Owner[:]) + string(c.Key) + string(uintWord(uint64(max(c.Expires.Unix(), 0)))) + string(c.Signature)
	v.mu.Lock()
	ok := v.certs[k]
	v.mu.Unlock()
	if ok {
		return c.Owner, nil
	}
	owner, err := identity.RecoverAddress(c.Hash(), c.Signature)
	if err != nil {
		return identity.Address{}, fmt.Errorf("session certificate: %w", err)
	}
	if owner != c.Owner {
		return identity.Address{}, errors.New("session certificate not signed by its owner")
	}
	v.mu.Lock()
	if len(v.certs) >= maxVerifiedCerts {
		clear(v.certs)
	}
	v.certs[k] = true
	v.mu.Unlock()
	return owner, nil
}
