package devchain_test

import (
	"context"
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
