package evm

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/deco-network/deco/internal/identity"
)

func testKey(t testing.TB, seed byte) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.ToECDSA(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var testDomain = Domain{ChainID: big.NewInt(1337), Contract: common.HexToAddress("0x5FbDB2315678afecb367f032d93F642f64180aa3")}

func apiDomain(d Domain) apitypes.TypedDataDomain {
	return apitypes.TypedDataDomain{
		Name:              DomainName,
		Version:           DomainVersion,
		ChainId:           (*math.HexOrDecimal256)(d.ChainID),
		VerifyingContract: d.Contract.Hex(),
	}
}

var domainFields = []apitypes.Type{
	{Name: "name", Type: "string"},
	{Name: "version", Type: "string"},
	{Name: "chainId", Type: "uint256"},
	{Name: "verifyingContract", Type: "address"},
}

// TestDigestsMatchGoEthereum checks the hand-built EIP-712 hashes against
// go-ethereum's generic typed-data implementation.
func TestDigestsMatchGoEthereum(t *testing.T) {
	huge, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	amounts := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(1_000_000_000_000_000_000), huge}
	// The zero contract is still hashed as verifyingContract, as the contract does.
	domains := []Domain{testDomain, {ChainID: big.NewInt(1), Contract: common.HexToAddress("0xdeadbeef")}, {ChainID: big.NewInt(0)}}
	for _, d := range domains {
		for _, a := range amounts {
			v := Voucher{
				Requester:        common.HexToAddress("0x1111111111111111111111111111111111111111"),
				Provider:         common.HexToAddress("0x2222222222222222222222222222222222222222"),
				CumulativeAmount: a,
			}
			got, err := VoucherDigest(d, v)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := apitypes.TypedDataAndHash(apitypes.TypedData{
				Types: apitypes.Types{
					"EIP712Domain": domainFields,
					"Voucher": {
						{Name: "requester", Type: "address"},
						{Name: "provider", Type: "address"},
						{Name: "cumulativeAmount", Type: "uint256"},
					},
				},
				PrimaryType: "Voucher",
				Domain:      apiDomain(d),
				Message: apitypes.TypedDataMessage{
					"requester":        v.Requester.Hex(),
					"provider":         v.Provider.Hex(),
					"cumulativeAmount": a.String(),
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[:], want) {
				t.Fatalf("voucher digest chain %v amount %v: got %x want %x", d.ChainID, a, got, want)
			}

			vd := Verdict{Provider: v.Provider, Amount: a, DisputeID: common.HexToHash("0xabcdef"), Beneficiary: v.Requester}
			gotV, err := VerdictDigest(d, vd)
			if err != nil {
				t.Fatal(err)
			}
			wantV, _, err := apitypes.TypedDataAndHash(apitypes.TypedData{
				Types: apitypes.Types{
					"EIP712Domain": domainFields,
					"Verdict": {
						{Name: "provider", Type: "address"},
						{Name: "amount", Type: "uint256"},
						{Name: "disputeId", Type: "bytes32"},
						{Name: "beneficiary", Type: "address"},
					},
				},
				PrimaryType: "Verdict",
				Domain:      apiDomain(d),
				Message: apitypes.TypedDataMessage{
					"provider":    vd.Provider.Hex(),
					"amount":      a.String(),
					"disputeId":   vd.DisputeID.Hex(),
					"beneficiary": vd.Beneficiary.Hex(),
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gotV[:], wantV) {
				t.Fatalf("verdict digest: got %x want %x", gotV, wantV)
			}
		}
	}
}

func TestSignVerifyVoucher(t *testing.T) {
	requester := testKey(t, 1)
	signer := crypto.PubkeyToAddress(requester.PublicKey)
	v := Voucher{Requester: signer, Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(5000)}
	sig, err := SignVoucher(requester, testDomain, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Fatalf("signature %x: want 65 bytes with v 27 or 28", sig)
	}
	got, err := VerifyVoucher(testDomain, v, sig)
	if err != nil || got != signer {
		t.Fatalf("verify: %v %v, want %v", got, err, signer)
	}

	// Any change to the voucher or the domain recovers another address.
	otherChain := Domain{ChainID: big.NewInt(1), Contract: testDomain.Contract}
	otherContract := Domain{ChainID: testDomain.ChainID, Contract: common.HexToAddress("0x99")}
	tests := []struct {
		name   string
		domain Domain
		v      Voucher
	}{
		{name: "other amount", domain: testDomain, v: Voucher{Requester: v.Requester, Provider: v.Provider, CumulativeAmount: big.NewInt(5001)}},
		{name: "other provider", domain: testDomain, v: Voucher{Requester: v.Requester, Provider: common.HexToAddress("0x23"), CumulativeAmount: v.CumulativeAmount}},
		{name: "other requester", domain: testDomain, v: Voucher{Requester: common.HexToAddress("0x24"), Provider: v.Provider, CumulativeAmount: v.CumulativeAmount}},
		{name: "other chain", domain: otherChain, v: v},
		{name: "other contract", domain: otherContract, v: v},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyVoucher(tt.domain, tt.v, sig)
			if err == nil && got == signer {
				t.Fatalf("signature verified for %s", tt.name)
			}
		})
	}
}

func TestVerifyVoucherRejects(t *testing.T) {
	key := testKey(t, 1)
	v := Voucher{Requester: crypto.PubkeyToAddress(key.PublicKey), Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(7)}
	sig, err := SignVoucher(key, testDomain, v)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		domain Domain
		v      Voucher
		sig    []byte
		want   error
	}{
		{name: "high s", domain: testDomain, v: v, sig: highS(sig), want: ErrMalleableSignature},
		{name: "v 0", domain: testDomain, v: v, sig: withV(sig, sig[64]-27), want: ErrMalleableSignature},
		{name: "v 29", domain: testDomain, v: v, sig: withV(sig, 29), want: ErrMalleableSignature},
		{name: "short", domain: testDomain, v: v, sig: sig[:64], want: ErrInvalidSignature},
		{name: "zero r", domain: testDomain, v: v, sig: append(make([]byte, 32), sig[32:]...), want: ErrInvalidSignature},
		{name: "zero s", domain: testDomain, v: v, sig: withS(sig, big.NewInt(0)), want: ErrInvalidSignature},
		{name: "s = n", domain: testDomain, v: v, sig: withS(sig, secpN), want: ErrMalleableSignature},
		{name: "nil amount", domain: testDomain, v: Voucher{Requester: v.Requester}, sig: sig, want: ErrBadAmount},
		{name: "negative amount", domain: testDomain, v: Voucher{CumulativeAmount: big.NewInt(-1)}, sig: sig, want: ErrBadAmount},
		{name: "no chain id", domain: Domain{}, v: v, sig: sig, want: ErrBadDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyVoucher(tt.domain, tt.v, tt.sig)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRecoverAgreesWithIdentity checks recoverDigest, which recovers with
// go-ethereum, accepts and refuses the same signatures as identity.Recover
// and recovers the same address.
func TestRecoverAgreesWithIdentity(t *testing.T) {
	key := testKey(t, 3)
	v := Voucher{Requester: crypto.PubkeyToAddress(key.PublicKey), Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(9)}
	digest, err := VoucherDigest(testDomain, v)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := SignVoucher(key, testDomain, v)
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string][]byte{
		"valid": sig, "high s": highS(sig), "v 0": withV(sig, sig[64]-27), "v 29": withV(sig, 29),
		"short": sig[:64], "long": append(bytes.Clone(sig), 0), "zero r": append(make([]byte, 32), sig[32:]...),
		"r = n": append(secpN.FillBytes(make([]byte, 32)), sig[32:]...), "zero s": withS(sig, big.NewInt(0)),
		"s = n": withS(sig, secpN), "other v": withV(sig, 55-sig[64]),
	}
	for name, s := range sigs {
		got, err := recoverDigest(digest, s)
		want, idErr := identity.RecoverAddress(digest[:], s)
		if (err == nil) != (idErr == nil) || (err == nil && got != common.Address(want)) {
			t.Errorf("%s: evm %v, %v; identity %v, %v", name, got, err, want, idErr)
		}
	}
}

// highS returns the other valid signature of the same digest: (r, n-s, v^1).
// Ethereum's ecrecover accepts it; the contract and VerifyVoucher must not.
func highS(sig []byte) []byte {
	out := bytes.Clone(sig)
	s := new(big.Int).SetBytes(sig[32:64])
	new(big.Int).Sub(secpN, s).FillBytes(out[32:64])
	if out[64] == 27 {
		out[64] = 28
	} else {
		out[64] = 27
	}
	return out
}

func withS(sig []byte, s *big.Int) []byte {
	out := bytes.Clone(sig)
	s.FillBytes(out[32:64])
	return out
}

// TestIdentitySignsAsGoEthereum checks identity.Key.SignHash, which a Client
// signs vouchers with, makes the same bytes as SignVoucher with the same key
// as a go-ethereum key: both are RFC 6979 with low s and v 27 or 28.
func TestIdentitySignsAsGoEthereum(t *testing.T) {
	for seed := byte(1); seed <= 5; seed++ {
		key := testKey(t, seed)
		id, err := identity.FromBytes(crypto.FromECDSA(key))
		if err != nil {
			t.Fatal(err)
		}
		v := Voucher{Requester: crypto.PubkeyToAddress(key.PublicKey), Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(int64(seed) * 1000)}
		want, err := SignVoucher(key, testDomain, v)
		if err != nil {
			t.Fatal(err)
		}
		digest, err := VoucherDigest(testDomain, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := id.SignHash(digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("seed %d: identity signed %x, go-ethereum %x", seed, got, want)
		}
	}
}

func withV(sig []byte, v byte) []byte {
	out := bytes.Clone(sig)
	out[64] = v
	return out
}

func BenchmarkSignVoucher(b *testing.B) {
	key := testKey(b, 1)
	v := Voucher{Requester: crypto.PubkeyToAddress(key.PublicKey), Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(1)}
	b.ReportAllocs()
	start := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		v.CumulativeAmount.SetInt64(int64(i + 1))
		if _, err := SignVoucher(key, testDomain, v); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, "signs")
}

// BenchmarkIdentitySignVoucher signs the same vouchers as
// BenchmarkSignVoucher with identity.Key.SignHash (pure Go), which
// Client.SignVoucher used before it took go-ethereum's signer.
func BenchmarkIdentitySignVoucher(b *testing.B) {
	key := testKey(b, 1)
	id, err := identity.FromBytes(crypto.FromECDSA(key))
	if err != nil {
		b.Fatal(err)
	}
	v := Voucher{Requester: crypto.PubkeyToAddress(key.PublicKey), Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(1)}
	b.ReportAllocs()
	start := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		v.CumulativeAmount.SetInt64(int64(i + 1))
		digest, err := VoucherDigest(testDomain, v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := id.SignHash(digest[:]); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start, "signs")
}

func BenchmarkVerifyVoucher(b *testing.B) {
	key := testKey(b, 1)
	// Distinct vouchers so no cache can help.
	const n = 256
	vs := make([]Voucher, n)
	sigs := make([][]byte, n)
	for i := range vs {
		vs[i] = Voucher{Requester: crypto.PubkeyToAddress(key.PublicKey), Provider: common.HexToAddress("0x22"), CumulativeAmount: big.NewInt(int64(i + 1))}
		var err error
		if sigs[i], err = SignVoucher(key, testDomain, vs[i]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	start := cpuTime(b)
	for i := 0; b.Loop(); i++ {
		got, err := VerifyVoucher(testDomain, vs[i%n], sigs[i%n])
		if err != nil || got != vs[i%n].Requester {
			b.Fatal("verify failed", err)
		}
	}
	reportCPU(b, start, "verifies")
}

// cpuTime is the process's user+system CPU time. On a shared machine
// wall-clock ns/op includes time the benchmark waited for a core; CPU time
// per operation (with -cpu 1) is the per-core cost.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, what string) {
	per := float64(cpuTime(b)-start) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	b.ReportMetric(1e9/per, what+"/cpu-s")
}
