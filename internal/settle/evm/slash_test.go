package evm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
)

// TestVerdictDomain checks a Client's verdict signatures recover their
// validator under its own chain and Escrow, match the contract's digest,
// and recover someone else under another Escrow's domain.
func TestVerdictDomain(t *testing.T) {
	chain, keys := devChainWith(t, 3, withValidators(1))
	cfg := clientConfig(chain.Info())
	val, req := dial(t, cfg, keys[1]), dial(t, cfg, keys[0])
	v := settle.Verdict{Provider: keys[0].Address(), Amount: 3 * money.Unit, DisputeID: [32]byte{1, 2, 3}, Beneficiary: keys[2].Address()}
	sig, err := val.SignVerdict(v)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := req.VerdictSigner(v, sig); err != nil || got != val.Address() {
		t.Fatalf("verdict signer = %s, %v; want %s", got, err, val.Address())
	}
	other := cfg
	other.Escrow = common.Address{0xee}
	if got, err := dial(t, other, keys[0]).VerdictSigner(v, sig); err == nil && got == val.Address() {
		t.Fatal("a verdict signed for one Escrow recovers its validator under another")
	}
	for _, bad := range [][]byte{nil, append([]byte{}, sig[:64]...), append(append([]byte{}, sig[:64]...), 5)} {
		if _, err := req.VerdictSigner(v, bad); !errors.Is(err, settle.ErrBadSignature) || !errors.Is(err, evm.ErrInvalidSignature) && !errors.Is(err, evm.ErrMalleableSignature) {
			t.Fatalf("verdict signer of %x: %v, want ErrBadSignature with the reason", bad, err)
		}
	}
	if _, err := val.SignVerdict(settle.Verdict{Amount: -1}); !errors.Is(err, evm.ErrBadAmount) {
		t.Fatalf("signing a negative verdict: %v, want ErrBadAmount", err)
	}
}

// TestSlashRevertDetail checks a refused slash names the contract's error
// and its arguments beside the settle error, and sends nothing.
func TestSlashRevertDetail(t *testing.T) {
	chain, keys := devChainWith(t, 5, withValidators(2)) // 3 validators, quorum 2
	cfg := clientConfig(chain.Info())
	prov, val := dial(t, cfg, keys[0]), dial(t, cfg, keys[2])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := prov.Stake(ctx, 10*money.Unit); err != nil {
		t.Fatal(err)
	}
	before, err := prov.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := settle.Verdict{Provider: prov.Address(), Amount: money.Unit, DisputeID: [32]byte{9}, Beneficiary: keys[1].Address()}
	sig, err := val.SignVerdict(v)
	if err != nil {
		t.Fatal(err)
	}
	_, err = prov.Slash(ctx, v, [][]byte{sig})
	if !errors.Is(err, settle.ErrTooFewSignatures) || !strings.Contains(err.Error(), "TooFewSignatures[1 2]") {
		t.Fatalf("slash on one of two signatures: %v, want ErrTooFewSignatures naming 1 of 2", err)
	}
	if after, err := prov.Head(ctx); err != nil || after != before {
		t.Fatalf("head %+v after a refused slash, was %+v (%v): a refused slash must send nothing", after, before, err)
	}
}

// TestHeadIsTheLatestBlock compares Head with the chain's latest header.
func TestHeadIsTheLatestBlock(t *testing.T) {
	chain, keys := devChain(t, 2)
	c := dial(t, clientConfig(chain.Info()), keys[0])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := c.Deposit(ctx, keys[1].Address(), money.Unit); err != nil {
		t.Fatal(err)
	}
	head, err := c.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := ethclient.Dial(chain.Info().RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	h, err := ec.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if head.Number != h.Number.Uint64() || head.Hash != h.Hash() {
		t.Fatalf("head %d %x, chain says %d %x", head.Number, head.Hash, h.Number, h.Hash())
	}
}
