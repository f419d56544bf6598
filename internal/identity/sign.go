package identity

import (
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// SignatureLen is the length of a signature: r (32) || s (32) || v (1), with
// v = 27 or 28 as the EVM's ecrecover expects.
const SignatureLen = 65

// ErrBadSignature is returned for a signature that does not verify.
var ErrBadSignature = errors.New("bad signature")

// SignHash signs a 32-byte digest deterministically (RFC 6979, low s).
func (k *Key) SignHash(hash []byte) ([]byte, error) {
	if len(hash) != 32 {
		return nil, fmt.Errorf("sign: want a 32-byte hash, got %d", len(hash))
	}
	compact := ecdsa.SignCompact(k.priv, hash, false) // [27+recid] || r || s
	sig := make([]byte, SignatureLen)
	copy(sig, compact[1:])
	sig[64] = compact[0]
	return sig, nil
}

// Recover returns the public key that made sig over hash. It refuses
// high-s (malleable) signatures and v outside {27, 28}.
func Recover(hash, sig []byte) (PublicKey, error) {
	if len(hash) != 32 {
		return PublicKey{}, fmt.Errorf("%w: want a 32-byte hash", ErrBadSignature)
	}
	if len(sig) != SignatureLen {
		return PublicKey{}, fmt.Errorf("%w: want %d bytes, got %d", ErrBadSignature, SignatureLen, len(sig))
	}
	v := sig[64]
	if v != 27 && v != 28 {
		return PublicKey{}, fmt.Errorf("%w: v must be 27 or 28", ErrBadSignature)
	}
	var s secp256k1.ModNScalar
	if overflow := s.SetByteSlice(sig[32:64]); overflow || s.IsZero() {
		return PublicKey{}, fmt.Errorf("%w: s out of range", ErrBadSignature)
	}
	if s.IsOverHalfOrder() {
		return PublicKey{}, fmt.Errorf("%w: malleable (high s)", ErrBadSignature)
	}
	compact := make([]byte, SignatureLen)
	compact[0] = v
	copy(compact[1:], sig[:64])
	pub, _, err := ecdsa.RecoverCompact(compact, hash)
	if err != nil {
		return PublicKey{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return PublicKey{pub: pub}, nil
}

// RecoverAddress returns the EVM address that signed hash.
func RecoverAddress(hash, sig []byte) (Address, error) {
	p, err := Recover(hash, sig)
	if err != nil {
		return Address{}, err
	}
	return p.Address(), nil
}
