package identity

import (
	"encoding/binary"
	"math/big"
)

// Domain is an EIP-712 signing domain. ChainID and Contract are included in
// the domain type only when set, so off-chain messages (offers, quotes) use
// EIP712Domain(string name,string version) and on-chain ones the full form.
type Domain struct {
	Name     string
	Version  string
	ChainID  *big.Int
	Contract *Address
}

// Separator computes the EIP-712 domain separator.
func (d Domain) Separator() []byte {
	typ := "EIP712Domain(string name,string version"
	parts := [][]byte{nil, Keccak256([]byte(d.Name)), Keccak256([]byte(d.Version))}
	if d.ChainID != nil {
		typ += ",uint256 chainId"
		parts = append(parts, Uint256(d.ChainID))
	}
	if d.Contract != nil {
		typ += ",address verifyingContract"
		parts = append(parts, AddressWord(*d.Contract))
	}
	typ += ")"
	parts[0] = Keccak256([]byte(typ))
	return Keccak256(parts...)
}

// TypedHash is the digest that is signed: keccak256(0x1901 || domain || struct).
func TypedHash(domainSeparator, structHash []byte) []byte {
	return Keccak256([]byte{0x19, 0x01}, domainSeparator, structHash)
}

// StructHash computes keccak256(keccak256(typeString) || words...), where each
// word is an ABI-encoded 32-byte field (see Uint64, Uint256, AddressWord,
// StringWord).
func StructHash(typeString string, words ...[]byte) []byte {
	return Keccak256(append([][]byte{Keccak256([]byte(typeString))}, words...)...)
}

// Uint64 encodes v as a 32-byte big-endian word.
func Uint64(v uint64) []byte {
	w := make([]byte, 32)
	binary.BigEndian.PutUint64(w[24:], v)
	return w
}

// Uint256 encodes a non-negative v (< 2^256) as a 32-byte big-endian word.
func Uint256(v *big.Int) []byte {
	w := make([]byte, 32)
	v.FillBytes(w)
	return w
}

// AddressWord left-pads an address to 32 bytes.
func AddressWord(a Address) []byte {
	w := make([]byte, 32)
	copy(w[12:], a[:])
	return w
}

// StringWord is the EIP-712 encoding of a string field: its keccak256.
func StringWord(s string) []byte { return Keccak256([]byte(s)) }
