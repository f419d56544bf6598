package evm_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

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
	return devChainWith(t, n, nil)
}

// devChainWith is devChain with configure, when not nil, changing the
// chain's config (validators, quorum) once the keys exist.
func devChainWith(t testing.TB, n int, configure func(cfg *devchain.Config, keys []*identity.Key)) (*devchain.Chain, []*identity.Key) {
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
	cfg := devchain.Config{
		WithdrawDelay: testWithdrawDelay, UnstakeDelay: testUnstakeDelay,
		Fund: addrs, FundTokens: testFunds,
	}
	if configure != nil {
		configure(&cfg, keys)
	}
	chain, err := devchain.Start(ctx, cfg)
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

// testQuorum of the conformance chain's three validators decide a verdict.
const testQuorum = 2

// withValidators makes keys[from:] the chain's validators, testQuorum of them a quorum.
func withValidators(from int) func(*devchain.Config, []*identity.Key) {
	return func(cfg *devchain.Config, keys []*identity.Key) {
		for _, k := range keys[from:] {
			cfg.Validators = append(cfg.Validators, k.Address())
		}
		cfg.Quorum = testQuorum
	}
}

func TestConformance(t *testing.T) {
	settletest.Run(t, func(t *testing.T) settletest.Harness {
		chain, keys := devChainWith(t, 6, withValidators(3))
		cfg := clientConfig(chain.Info())
		return settletest.Harness{
			Requester: dial(t, cfg, keys[0]), Provider: dial(t, cfg, keys[1]), Stranger: dial(t, cfg, keys[2]),
			Validators: []settle.Settlement{dial(t, cfg, keys[3]), dial(t, cfg, keys[4]), dial(t, cfg, keys[5])},
			Quorum:     testQuorum,
			NoSlashing: func(t *testing.T) settle.Settlement {
				other, keys := devChain(t, 1)
				return dial(t, clientConfig(other.Info()), keys[0])
			},
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

// TestConfirmations checks a transaction waits for later blocks when more
// than one confirmation is configured.
func TestConfirmations(t *testing.T) {
	chain, keys := devChain(t, 2)
	cfg := clientConfig(chain.Info())
	cfg.Confirmations = 3
	req := dial(t, cfg, keys[0])

	// Other traffic makes blocks, so a deposit (and its approval) confirms.
	stop := make(chan struct{})
	traffic := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				traffic <- nil
				return
			case <-time.After(20 * time.Millisecond):
			}
			if err := chain.Fund(context.Background(), identity.Address{1}); err != nil {
				traffic <- err
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := req.Deposit(ctx, keys[1].Address(), money.Unit)
	close(stop)
	if err != nil {
		t.Fatalf("deposit with traffic: %v", err)
	}
	if err := <-traffic; err != nil {
		t.Fatal(err)
	}
	// No other traffic: no later blocks, so another deposit cannot confirm.
	nctx, ncancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	_, err = req.Deposit(nctx, keys[1].Address(), money.Unit)
	ncancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deposit with 3 confirmations and no later blocks: %v, want deadline exceeded", err)
	}

	ec, err := ethclient.Dial(chain.Info().RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	head, err := ec.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head < res.Block+2 {
		t.Fatalf("deposit in block %d returned at head %d, want at least 3 confirmations", res.Block, head)
	}
	ch, err := req.Channel(ctx, keys[0].Address(), keys[1].Address())
	if err != nil || ch.Balance != 2*money.Unit {
		t.Fatalf("channel = %+v, %v; want both deposits (the timed-out one was sent too)", ch, err)
	}
}

// TestSharedKeyResyncsNonce runs two Clients on one key, as two processes
// would: each one's local nonce goes stale and must re-sync, not fail.
func TestSharedKeyResyncsNonce(t *testing.T) {
	chain, keys := devChain(t, 2)
	cfg := clientConfig(chain.Info())
	a, b := dial(t, cfg, keys[0]), dial(t, cfg, keys[0])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Deposit(ctx, keys[1].Address(), money.Unit)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("deposit: %v", err)
		}
	}
	ch, err := a.Channel(ctx, keys[0].Address(), keys[1].Address())
	if err != nil || ch.Balance != 16*money.Unit {
		t.Fatalf("channel = %+v, %v; want 16 deposits", ch, err)
	}
}

// flaky is a JSON-RPC proxy that answers every third request with 503.
type flaky struct {
	target string
	n      atomic.Int64
	failed atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.n.Add(1)%3 == 0 {
		f.failed.Add(1)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	body, _ := io.ReadAll(r.Body)
	resp, err := http.Post(f.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// TestRetriesTransientFailures settles through a proxy that fails a third of
// the requests: every operation still succeeds, exactly once.
func TestRetriesTransientFailures(t *testing.T) {
	chain, keys := devChain(t, 2)
	proxy := &flaky{target: chain.Info().RPCURL}
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	cfg := clientConfig(chain.Info())
	cfg.RPCURL = srv.URL
	req, prov := dial(t, cfg, keys[0]), dial(t, cfg, keys[1])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range 3 {
		if _, err := req.Deposit(ctx, prov.Address(), money.Unit); err != nil {
			t.Fatalf("deposit %d: %v", i, err)
		}
	}
	v, err := req.SignVoucher(prov.Address(), 2*money.Unit)
	if err != nil {
		t.Fatal(err)
	}
	res, err := prov.Redeem(ctx, v)
	if err != nil || res.Amount != 2*money.Unit {
		t.Fatalf("redeem = %+v, %v", res, err)
	}
	ch, err := req.Channel(ctx, req.Address(), prov.Address())
	if err != nil || ch.Balance != money.Unit || ch.Paid != 2*money.Unit {
		t.Fatalf("channel = %+v, %v; want balance 1, paid 2", ch, err)
	}
	if proxy.failed.Load() == 0 {
		t.Fatal("the proxy failed no request: the test tested nothing")
	}
}

func TestDialRefusesWrongChainAndBadConfig(t *testing.T) {
	chain, keys := devChain(t, 1)
	good := clientConfig(chain.Info())
	tests := []struct {
		name   string
		change func(*evm.Config)
	}{
		{"wrong chain id", func(c *evm.Config) { c.ChainID++ }},
		{"no rpc url", func(c *evm.Config) { c.RPCURL = "" }},
		{"no chain id", func(c *evm.Config) { c.ChainID = 0 }},
		{"no escrow", func(c *evm.Config) { c.Escrow = common.Address{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			if c, err := evm.Dial(context.Background(), cfg, keys[0], nil); !errors.Is(err, evm.ErrConfig) {
				if c != nil {
					_ = c.Close()
				}
				t.Fatalf("Dial = %v, want ErrConfig", err)
			}
		})
	}
}

// TestVoucherDomain checks a Client's vouchers verify with the
// domain of its chain and Escrow, and not with another Escrow's.
func TestVoucherDomain(t *testing.T) {
	chain, keys := devChain(t, 2)
	cfg := clientConfig(chain.Info())
	req := dial(t, cfg, keys[0])
	v, err := req.SignVoucher(keys[1].Address(), 7*money.Unit)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.VerifyVoucher(v); err != nil {
		t.Fatalf("own voucher: %v", err)
	}
	other := cfg
	other.Escrow = common.Address{0xee}
	o := dial(t, other, keys[1])
	if err := o.VerifyVoucher(v); !errors.Is(err, settle.ErrBadSignature) {
		t.Fatalf("voucher checked against another Escrow: %v, want ErrBadSignature", err)
	}
}
