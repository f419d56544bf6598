package identity

import (
	"bytes"
	"crypto/rand"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	ethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
	p2pcrypto "github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

func TestDerivationsMatchLibp2pAndEthereum(t *testing.T) {
	for i := 0; i < 20; i++ {
		k, err := Generate(nil)
		if err != nil {
			t.Fatal(err)
		}
		lk, err := p2pcrypto.UnmarshalSecp256k1PrivateKey(k.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		pid, err := peer.IDFromPrivateKey(lk)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.PeerID(); got != pid.String() {
			t.Fatalf("peer ID %s, libp2p says %s", got, pid)
		}
		ek, err := ethcrypto.ToECDSA(k.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := k.Address().String(), ethcrypto.PubkeyToAddress(ek.PublicKey).Hex(); got != want {
			t.Fatalf("address %s, go-ethereum says %s", got, want)
		}
		hash := Keccak256([]byte{byte(i)})
		sig, err := k.SignHash(hash)
		if err != nil {
			t.Fatal(err)
		}
		esig := append([]byte(nil), sig...)
		esig[64] -= 27
		pub, err := ethcrypto.SigToPub(hash, esig)
		if err != nil {
			t.Fatal(err)
		}
		if ethcrypto.PubkeyToAddress(*pub) != common.Address(k.Address()) {
			t.Fatal("go-ethereum recovers another signer")
		}
		got, err := RecoverAddress(hash, sig)
		if err != nil || got != k.Address() {
			t.Fatalf("recover: %v %v", got, err)
		}
	}
}

func TestRecoverRefusals(t *testing.T) {
	k, _ := Generate(nil)
	hash := Keccak256([]byte("x"))
	sig, _ := k.SignHash(hash)

	// The malleable twin: s' = n - s, v flipped. Valid math, must be refused.
	n := ethcrypto.S256().Params().N
	s := new(big.Int).SetBytes(sig[32:64])
	twin := append([]byte(nil), sig...)
	copy(twin[32:64], math.PaddedBigBytes(new(big.Int).Sub(n, s), 32))
	twin[64] = 27 + 28 - sig[64]

	badV := append([]byte(nil), sig...)
	badV[64] = 1
	tests := []struct {
		name string
		hash []byte
		sig  []byte
	}{
		{"malleable high s", hash, twin},
		{"v not 27/28", hash, badV},
		{"short", hash, sig[:64]},
		{"short hash", hash[:31], sig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Recover(tc.hash, tc.sig); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	other, _ := RecoverAddress(Keccak256([]byte("y")), sig)
	if other == k.Address() {
		t.Fatal("signature verified over another hash")
	}
}

func TestDomainAndTypedHashMatchGoEthereum(t *testing.T) {
	contract := Address{1, 2, 3}
	d := Domain{Name: "deco", Version: "1", ChainID: big.NewInt(1337), Contract: &contract}
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}, {Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
			"Ping":         {{Name: "who", Type: "address"}, {Name: "n", Type: "uint64"}, {Name: "note", Type: "string"}},
		},
		PrimaryType: "Ping",
		Domain:      apitypes.TypedDataDomain{Name: "deco", Version: "1", ChainId: (*math.HexOrDecimal256)(big.NewInt(1337)), VerifyingContract: common.Address(contract).Hex()},
		Message:     apitypes.TypedDataMessage{"who": common.Address(contract).Hex(), "n": "7", "note": "hi"},
	}
	want, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatal(err)
	}
	sh := StructHash("Ping(address who,uint64 n,string note)", AddressWord(contract), Uint64(7), StringWord("hi"))
	if got := TypedHash(d.Separator(), sh); !bytes.Equal(got, want) {
		t.Fatalf("typed hash %x, go-ethereum %x", got, want)
	}
}

func TestAddressText(t *testing.T) {
	a, err := ParseAddress("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
	if err != nil {
		t.Fatal(err)
	}
	if a.String() != "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" {
		t.Fatalf("EIP-55: %s", a)
	}
	if _, err := ParseAddress("0x123"); err == nil {
		t.Fatal("short address accepted")
	}
}

func TestPeerAddress(t *testing.T) {
	k, err := Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := PeerAddress(k.PeerID())
	if err != nil || got != k.Address() {
		t.Fatalf("PeerAddress(%s) = %s, %v; want %s", k.PeerID(), got, err, k.Address())
	}
	for _, bad := range []string{"", "12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN", "not base58 0OIl", k.PeerID()[:20], strings.Repeat("z", 200)} {
		if _, err := PeerAddress(bad); err == nil {
			t.Errorf("PeerAddress(%q) accepted", bad)
		}
	}
}

func TestCheckPeerIDAgreesWithParsePeerID(t *testing.T) {
	for range 200 {
		k, err := Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckPeerID(k.PeerID()); err != nil {
			t.Fatal(err)
		}
	}
	k, _ := Generate(rand.Reader)
	id := k.PeerID()
	for _, bad := range []string{"", "16Uiu2HA", id[:52], id + "1", "Qm" + id[2:], id[:20] + "0" + id[21:], id[:30] + "l" + id[31:]} {
		if CheckPeerID(bad) == nil {
			t.Errorf("CheckPeerID(%q) accepted", bad)
		}
	}
}
