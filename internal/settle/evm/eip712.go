package evm

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/deco-network/deco/internal/identity"
)

// EIP-712 names and type strings; they must match contracts/src/Escrow.sol.
const (
	// DomainName is the EIP-712 domain name of the Escrow contract.
	DomainName = "deco-escrow"
	// DomainVersion is the EIP-712 domain version of the Escrow contract.
	DomainVersion = "1"

	voucherType = "Voucher(address requester,address provider,uint256 cumulativeAmount)"
	verdictType = "Verdict(address provider,uint256 amount,bytes32 disputeId,address beneficiary)"
)

// secp256k1 curve order and half of it: signatures with s above half are malleable.
var (
	secpN     = crypto.S256().Params().N
	secpHalfN = new(big.Int).Rsh(secpN, 1)
)

// Errors of signing and verification.
var (
	// ErrInvalidSignature means a signature is not 65 bytes or does not recover a key.
	ErrInvalidSignature = errors.New("invalid signature")
	// ErrMalleableSignature means s is in the upper half of the curve order or v is not 27 or 28.
	ErrMalleableSignature = errors.New("malleable signature")
	// ErrBadAmount means an amount is nil, negative or wider than 256 bits.
	ErrBadAmount = errors.New("amount must be between 0 and 2^256-1")
	// ErrBadDomain means a domain has no chain ID.
	ErrBadDomain = errors.New("domain needs a chain id")
)

// Domain is the EIP-712 domain of one Escrow deployment: the chain and the
// contract address. A signature for one domain does not verify in another.
type Domain struct {
	ChainID  *big.Int
	Contract common.Address
}

// Separator returns the EIP-712 domain separator. It is
// identity.Domain's separator with all four fields, verifyingContract
// included even when it is the zero address, as the contract hashes it.
func (d Domain) Separator() (common.Hash, error) {
	if d.ChainID == nil || d.ChainID.Sign() < 0 || d.ChainID.BitLen() > 256 {
		return common.Hash{}, ErrBadDomain
	}
	contract := identity.Address(d.Contract)
	id := identity.Domain{Name: DomainName, Version: DomainVersion, ChainID: d.ChainID, Contract: &contract}
	return common.BytesToHash(id.Separator()), nil
}

// Voucher is a requester's cumulative payment promise on the channel from
// Requester to Provider: everything owed so far adds up to CumulativeAmount
// (token base units). A later voucher replaces an earlier one.
type Voucher struct {
	Requester        common.Address
	Provider         common.Address
	CumulativeAmount *big.Int
}

// Verdict is a validators' decision that Provider loses Amount of stake to
// Beneficiary for the dispute DisputeID.
type Verdict struct {
	Provider    common.Address
	Amount      *big.Int
	DisputeID   common.Hash
	Beneficiary common.Address
}

// VoucherDigest returns the EIP-712 hash a requester signs for v, the same
// as Escrow.voucherDigest.
func VoucherDigest(domain Domain, v Voucher) (common.Hash, error) {
	sep, err := domain.Separator()
	if err != nil {
		return common.Hash{}, err
	}
	if !validAmount(v.CumulativeAmount) {
		return common.Hash{}, fmt.Errorf("voucher: %w", ErrBadAmount)
	}
	structHash := identity.StructHash(voucherType,
		identity.AddressWord(identity.Address(v.Requester)),
		identity.AddressWord(identity.Address(v.Provider)),
		identity.Uint256(v.CumulativeAmount))
	return common.BytesToHash(identity.TypedHash(sep[:], structHash)), nil
}

// VerdictDigest returns the EIP-712 hash a validator signs for v, the same
// as Escrow.verdictDigest.
func VerdictDigest(domain Domain, v Verdict) (common.Hash, error) {
	sep, err := domain.Separator()
	if err != nil {
		return common.Hash{}, err
	}
	if !validAmount(v.Amount) {
		return common.Hash{}, fmt.Errorf("verdict: %w", ErrBadAmount)
	}
	structHash := identity.StructHash(verdictType,
		identity.AddressWord(identity.Address(v.Provider)),
		identity.Uint256(v.Amount),
		v.DisputeID[:],
		identity.AddressWord(identity.Address(v.Beneficiary)))
	return common.BytesToHash(identity.TypedHash(sep[:], structHash)), nil
}

// SignVoucher signs v for domain with the requester's key and returns a
// 65-byte r||s||v signature with v 27 or 28, as the contract expects.
func SignVoucher(key *ecdsa.PrivateKey, domain Domain, v Voucher) ([]byte, error) {
	digest, err := VoucherDigest(domain, v)
	if err != nil {
		return nil, err
	}
	return signDigest(key, digest)
}

// VerifyVoucher returns the address that signed v for domain. It applies the
// contract's rules: 65 bytes, low s, v 27 or 28. The caller compares the
// result with v.Requester.
func VerifyVoucher(domain Domain, v Voucher, sig []byte) (common.Address, error) {
	digest, err := VoucherDigest(domain, v)
	if err != nil {
		return common.Address{}, err
	}
	return recoverDigest(digest, sig)
}

// SignVerdict signs v for domain with a validator's key (65 bytes, v 27 or 28).
func SignVerdict(key *ecdsa.PrivateKey, domain Domain, v Verdict) ([]byte, error) {
	digest, err := VerdictDigest(domain, v)
	if err != nil {
		return nil, err
	}
	return signDigest(key, digest)
}

func signDigest(key *ecdsa.PrivateKey, digest common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(digest[:], key)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	sig[64] += 27
	return sig, nil
}

// recoverDigest returns the address that signed digest. Its rule is
// identity.Recover's and the contract's (65 bytes, v 27 or 28, low s), but it
// recovers with go-ethereum's libsecp256k1 binding (with cgo), about four
// times faster than identity's pure-Go recovery: a provider verifies every
// voucher.
func recoverDigest(digest common.Hash, sig []byte) (common.Address, error) {
	if len(sig) != 65 {
		return common.Address{}, fmt.Errorf("%w: length %d", ErrInvalidSignature, len(sig))
	}
	if new(big.Int).SetBytes(sig[32:64]).Cmp(secpHalfN) > 0 {
		return common.Address{}, ErrMalleableSignature
	}
	if sig[64] != 27 && sig[64] != 28 {
		return common.Address{}, fmt.Errorf("%w: v=%d", ErrMalleableSignature, sig[64])
	}
	var rsv [65]byte
	copy(rsv[:], sig)
	rsv[64] -= 27
	pub, err := crypto.Ecrecover(digest[:], rsv[:])
	if err != nil || len(pub) != 65 {
		return common.Address{}, fmt.Errorf("%w: recover: %v", ErrInvalidSignature, err)
	}
	return common.BytesToAddress(crypto.Keccak256(pub[1:])[12:]), nil
}

func validAmount(a *big.Int) bool {
	return a != nil && a.Sign() >= 0 && a.BitLen() <= 256
}
