package evm_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/settle/settletest"
)

const (
	testWithdrawDelay = 60 * time.Second
	testUnstakeDelay  = 120 * time.Second
	testFunds         = 5_000 * money.Unit
)

// devChain starts a dev chain funding n fresh keys and returns it with the keys.
func devChain(t testing.TB, n int) (*devchain.Chain, []*identity.Key) {
	t.Helper()
	keys := make([]*identity.Key, n)
	addrs := make([]identity.Address, n)
	for i := range keys {
		k, err := identity.Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[i], addrs[i] = k, k.Address()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	chain, err := devchain.Start(ctx, devchain.Config{
		WithdrawDelay: testWithdrawDelay, UnstakeDelay: testUnstakeDelay,
		Fund: addrs, FundTokens: testFunds,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	return chain, keys
}

func clientConfig(info devchain.Info) evm.Config {
	return evm.Config{
		RPCURL: info.RPCURL, ChainID: info.ChainID,
		Escrow: common.Address(info.Escrow), Token: common.Address(info.Token),
		PollInterval: 10 * time.Millisecond,
	}
}

// dial connects a Client for key over JSON-RPC HTTP.
func dial(t testing.TB, cfg evm.Config, key *identity.Key) *evm.Client {
	t.Helper()
	c, err := evm.Dial(context.Background(), cfg, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	settletest.Run(t, func(t *testing.T) settletest.Harness {
		chain, keys := devChain(t, 3)
		cfg := clientConfig(chain.Info())
		return settletest.Harness{
			Requester: dial(t, cfg, keys[0]), Provider: dial(t, cfg, keys[1]), Stranger: dial(t, cfg, keys[2]),
			Funds:         testFunds,
			WithdrawDelay: testWithdrawDelay, UnstakeDelay: testUnstakeDelay,
			Advance: func(t testing.TB, d time.Duration) {
				t.Helper()
				if err := chain.AdjustTime(d); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

var _ settle.Settlement = (*evm.Client)(nil)
