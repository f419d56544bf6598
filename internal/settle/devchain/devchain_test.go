package devchain_test

import (
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

func call[T any](t *testing.T, ec *ethclient.Client, to identity.Address, data []byte, unpack func([]byte) (T, error)) T {
	t.Helper()
	a := common.Address(to)
	out, err := ec.CallContract(context.Background(), ethereum.CallMsg{To: &a, Data: data}, nil)
	if err != nil {
		t.Fatalf("call %s: %v", to, err)
	}
	v, err := unpack(out)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestServesFundedChain checks, from a separate JSON-RPC client, what a
// node relies on: the chain ID, the deployed contracts and their settings,
// and funded accounts.
func TestServesFundedChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := identity.Address{0xa1}, identity.Address{0xb2}
	chain, err := devchain.Start(ctx, devchain.Config{
		ChainID: 4242, WithdrawDelay: 90 * time.Second, Fund: []identity.Address{a},
		FundTokens: 123 * money.Unit,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	info := chain.Info()
	if info.ChainID != 4242 || info.Token == (identity.Address{}) || info.Escrow == (identity.Address{}) {
		t.Fatalf("info = %+v", info)
	}

	ec, err := ethclient.DialContext(ctx, info.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	id, err := ec.ChainID(ctx)
	if err != nil || id.Uint64() != 4242 {
		t.Fatalf("chain id over RPC = %v, %v", id, err)
	}
	token, escrow := bindings.NewDecoToken(), bindings.NewEscrow()
	if got := call(t, ec, info.Escrow, escrow.PackToken(), escrow.UnpackToken); got != common.Address(info.Token) {
		t.Fatalf("escrow's token = %s, want %s", got, info.Token)
	}
	if got := call(t, ec, info.Escrow, escrow.PackWithdrawDelay(), escrow.UnpackWithdrawDelay); got.Int64() != 90 {
		t.Fatalf("withdraw delay = %s s, want 90", got)
	}
	if got := call(t, ec, info.Escrow, escrow.PackUnstakeDelay(), escrow.UnpackUnstakeDelay); got.Int64() != int64(devchain.DefaultUnstakeDelay/time.Second) {
		t.Fatalf("unstake delay = %s s, want the default", got)
	}
	if got := call(t, ec, info.Escrow, escrow.PackQuorum(), escrow.UnpackQuorum); got.Sign() != 0 {
		t.Fatalf("quorum = %s, want 0 (no validators)", got)
	}
	if !call(t, ec, info.Token, token.PackDevnet(), token.UnpackDevnet) {
		t.Fatal("token deployed without the devnet faucet")
	}

	checkFunded := func(addr identity.Address, tokens money.Amount) {
		t.Helper()
		eth, err := ec.BalanceAt(ctx, common.Address(addr), nil)
		if err != nil || eth.Cmp(devchain.DefaultFundGas) != 0 {
			t.Fatalf("%s gas money = %v, %v; want %s", addr, eth, err, devchain.DefaultFundGas)
		}
		got := call(t, ec, info.Token, token.PackBalanceOf(common.Address(addr)), token.UnpackBalanceOf)
		if got.Cmp(settle.ToTokenUnits(tokens)) != 0 {
			t.Fatalf("%s tokens = %s, want %s", addr, got, settle.ToTokenUnits(tokens))
		}
	}
	checkFunded(a, 123*money.Unit)
	if err := chain.Fund(ctx, b); err != nil {
		t.Fatal(err)
	}
	checkFunded(b, 123*money.Unit)

	before, err := ec.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.AdjustTime(time.Hour); err != nil {
		t.Fatal(err)
	}
	after, err := ec.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Time < before.Time+3600 || after.Number.Cmp(new(big.Int).Add(before.Number, big.NewInt(1))) != 0 {
		t.Fatalf("after AdjustTime(1h): block %s at %d, before block %s at %d", after.Number, after.Time, before.Number, before.Time)
	}

	if err := chain.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.ChainID(ctx); err == nil {
		t.Fatal("RPC still answers after Close")
	}
	if err := chain.AdjustTime(time.Second); err == nil {
		t.Fatal("AdjustTime after Close succeeded")
	}
}

func TestStartRejectsBadAddress(t *testing.T) {
	for _, addr := range []string{"no-port", "127.0.0.1:notaport"} {
		if c, err := devchain.Start(context.Background(), devchain.Config{Addr: addr}); err == nil {
			_ = c.Close()
			t.Fatalf("Start(%q) succeeded", addr)
		}
	}
}

func TestWriteSettlementLoadsAsClientConfig(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, err := devchain.Start(ctx, devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	path := filepath.Join(t.TempDir(), "chain.json")
	if err := chain.WriteSettlement(path); err != nil {
		t.Fatal(err)
	}
	cfg, err := evm.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	info := chain.Info()
	if cfg.RPCURL != info.RPCURL || cfg.ChainID != info.ChainID || cfg.Escrow != common.Address(info.Escrow) ||
		cfg.Token != common.Address(info.Token) || cfg.PollInterval != devchain.DevPollInterval {
		t.Fatalf("loaded %+v from chain %+v", cfg, info)
	}
}

// TestDeploysValidators checks the Escrow holds the configured validators
// and quorum, and that a set the contract would refuse is refused first.
func TestDeploysValidators(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b, c := identity.Address{0xa1}, identity.Address{0xb2}, identity.Address{0xc3}
	chain, err := devchain.Start(ctx, devchain.Config{Validators: []identity.Address{a, b, c}, Quorum: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	ec, err := ethclient.DialContext(ctx, chain.Info().RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	escrow := bindings.NewEscrow()
	if got := call(t, ec, chain.Info().Escrow, escrow.PackQuorum(), escrow.UnpackQuorum); got.Int64() != 2 {
		t.Fatalf("quorum = %s, want 2", got)
	}
	vals := call(t, ec, chain.Info().Escrow, escrow.PackValidators(), escrow.UnpackValidators)
	if len(vals) != 3 || vals[0] != common.Address(a) || vals[1] != common.Address(b) || vals[2] != common.Address(c) {
		t.Fatalf("validators = %v, want %s %s %s", vals, a, b, c)
	}

	for _, tc := range []struct {
		name   string
		vals   []identity.Address
		quorum int
	}{
		{"quorum without validators", nil, 1},
		{"quorum zero with validators", []identity.Address{a}, 0},
		{"quorum above the validators", []identity.Address{a, b}, 3},
		{"a validator twice", []identity.Address{a, a}, 1},
		{"the zero address", []identity.Address{{}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := devchain.Start(ctx, devchain.Config{Validators: tc.vals, Quorum: tc.quorum})
			if !errors.Is(err, devchain.ErrBadValidators) {
				if c != nil {
					_ = c.Close()
				}
				t.Fatalf("Start = %v, want ErrBadValidators", err)
			}
		})
	}
}
