package evm

import (
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
)

// TestGas records the gas of deposit and redeem and shows that one redeem
// settles any number of jobs at the same cost: the voucher is cumulative, so
// the contract sees one amount whatever the number of jobs behind it. It
// also records a slash on quorum 2 with 2 and with 3 signatures. The
// figures are logged (go test -v -run TestGas) and quoted in BENCHMARKS.md.
//
// go-ethereum's simulated backend runs every fork including Bogota, whose
// EIP-8037 charges state-creation gas (97,920 per new storage slot); the test
// also runs on an Osaka chain, today's mainnet pricing.
func TestGas(t *testing.T) {
	osaka := func(_ *node.Config, ec *ethconfig.Config) {
		cfg := *params.AllDevChainProtocolChanges
		cfg.BogotaTime = nil
		ec.Genesis.Config = &cfg
	}
	t.Run("osaka", func(t *testing.T) { testGas(t, osaka) })
	t.Run("bogota", func(t *testing.T) { testGas(t) })
}

func testGas(t *testing.T, opts ...func(*node.Config, *ethconfig.Config)) {
	// jobAmount is the price of job i in token base units (distinct per job).
	jobAmount := func(i int64) *big.Int { return big.NewInt(100_000_000_000_000 + 7*i) }
	sum := func(from, to int64) *big.Int {
		s := new(big.Int)
		for i := from; i < to; i++ {
			s.Add(s, jobAmount(i))
		}
		return s
	}

	type row struct {
		jobs                 int64
		first, later, second uint64
	}
	var rows []row
	var depositFirst, depositTopUp uint64
	for _, jobs := range []int64{1, 100, 10_000, 1_000_000} {
		c := newChain(t, false, opts...)
		prov := addr(c.provider)
		d1 := c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(300))).GasUsed
		d2 := c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(300))).GasUsed
		if depositFirst == 0 {
			depositFirst, depositTopUp = d1, d2
		} else if d1 != depositFirst || d2 != depositTopUp {
			t.Fatalf("deposit gas varies: %d/%d vs %d/%d", d1, d2, depositFirst, depositTopUp)
		}

		firstAmount := sum(0, jobs)
		laterAmount := new(big.Int).Add(firstAmount, sum(jobs, 2*jobs))
		r1 := c.must(c.provider, c.escrow, c.redeemData(firstAmount))
		r2 := c.must(c.provider, c.escrow, c.redeemData(laterAmount))
		eq(t, "paid", c.channel(addr(c.requester), prov).Paid, laterAmount)
		rows = append(rows, row{jobs: jobs, first: r1.GasUsed, later: r2.GasUsed})
	}

	slash2, slash3 := slashGas(t, opts...)

	t.Logf("gas: deposit first %d, deposit top-up %d", depositFirst, depositTopUp)
	t.Logf("gas: slash (quorum 2 of 3 validators) with 2 signatures %d, with 3 signatures %d (%d per extra signature)",
		slash2, slash3, slash3-slash2)
	t.Logf("%10s %14s %14s", "jobs", "first redeem", "later redeem")
	for _, r := range rows {
		t.Logf("%10d %14d %14d", r.jobs, r.first, r.later)
	}
	// Redeem gas must not grow with the number of jobs. It differs only by
	// calldata bytes (a larger amount has fewer zero bytes: 12 gas each).
	spread := func(get func(row) uint64) (lo, hi uint64) {
		lo, hi = get(rows[0]), get(rows[0])
		for _, r := range rows {
			lo, hi = min(lo, get(r)), max(hi, get(r))
		}
		return lo, hi
	}
	for _, which := range []struct {
		name string
		get  func(row) uint64
	}{{"first", func(r row) uint64 { return r.first }}, {"later", func(r row) uint64 { return r.later }}} {
		lo, hi := spread(which.get)
		if hi-lo > 200 {
			t.Errorf("%s redeem gas ranges %d..%d over 1..1,000,000 jobs, want constant within 200", which.name, lo, hi)
		}
	}
}

// slashGas returns the gas of a slash on an Escrow with quorum 2 of 3
// validators, signed by 2 and by 3 of them. Each slash takes part of the
// provider's stake (the stake slot is updated, not cleared), decides a new
// dispute (a new storage slot) and pays a beneficiary that already holds
// tokens; a stranger sends it.
func slashGas(t *testing.T, opts ...func(*node.Config, *ethconfig.Config)) (two, three uint64) {
	c := newChain(t, false, opts...)
	prov := addr(c.provider)
	c.must(c.provider, c.escrow, c.escrowABI.PackStake(tokens(100)))
	gas := func(dispute string, signers ...*ecdsa.PrivateKey) uint64 {
		v := Verdict{Provider: prov, Amount: tokens(10), DisputeID: common.HexToHash(dispute), Beneficiary: addr(c.requester)}
		r := c.must(c.stranger, c.escrow, c.slashData(v, c.verdict(v, signers...)))
		findEvent(t, r, c.escrowABI.UnpackSlashedEvent)
		return r.GasUsed
	}
	two = gas("0xa1", c.validators[0], c.validators[1])
	three = gas("0xa2", c.validators[0], c.validators[1], c.validators[2])
	eq(t, "stake left", c.stakeOf(prov).Amount, tokens(80))
	return two, three
}
