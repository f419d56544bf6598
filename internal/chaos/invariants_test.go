package chaos

import (
	"math/big"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// goodSnapshot is a settled network: one job paid 3 units on provider0
// in two reports, everything redeemed and the rest withdrawn.
func goodSnapshot() snapshot {
	req, p0, p1 := identity.Address{1}, identity.Address{2}, identity.Address{3}
	funded := settle.ToTokenUnits(10_000 * money.Unit)
	usage := func(seq uint64, ms uint64, due money.Amount) store.Usage {
		return store.Usage{Requester: req, Provider: p0, Report: market.UsageReport{Execution: "e1", Seq: seq, RunMillis: ms, AmountDue: due}}
	}
	s := snapshot{
		requester: req,
		names:     map[identity.Address]string{req: "requester", p0: "provider0", p1: "provider1"},
		peers:     map[string]identity.Address{},
		jobs: []api.JobDetail{{TaskDetail: api.TaskDetail{
			Job:      store.Job{ID: "j1", State: job.StateCompleted, ExecutionID: "e1"},
			Attempts: []store.Attempt{{ExecutionID: "e1", State: job.StateCompleted}},
			Usage:    []store.Usage{usage(1, 1000, 1), usage(2, 2000, 3)},
			Vouchers: []store.Voucher{{Execution: "e1", Seq: 1, Voucher: settle.SignedVoucher{Cumulative: 1}},
				{Execution: "e1", Seq: 2, Voucher: settle.SignedVoucher{Cumulative: 3}}},
		}}},
		wallets: map[identity.Address]api.Wallet{
			req: {Deposits: []api.RequesterChannel{{Provider: p0.String(), Paid: 3, Signed: 3}}},
			p0:  {Earnings: []api.ProviderChannel{{Requester: req.String(), Redeemed: 3, Latest: 3}}},
			p1:  {},
		},
		balances: map[identity.Address]*big.Int{
			req: new(big.Int).Sub(funded, settle.ToTokenUnits(3)),
			p0:  new(big.Int).Add(funded, settle.ToTokenUnits(3)),
			p1:  new(big.Int).Set(funded),
		},
		escrow: new(big.Int),
	}
	s.minted = new(big.Int).Mul(funded, big.NewInt(3))
	s.supply = new(big.Int).Set(s.minted)
	return s
}

func TestCheckFindsEachBrokenInvariant(t *testing.T) {
	if vs := check(goodSnapshot(), time.Second); len(vs) != 0 {
		t.Fatalf("a settled network breaks %v", vs)
	}
	req, p0 := identity.Address{1}, identity.Address{2}
	tests := []struct {
		name   string
		mutate func(*snapshot)
		want   Invariant
	}{
		{"job left running", func(s *snapshot) { s.jobs[0].State = job.StateRunning }, InvTerminal},
		{"failed without a reason", func(s *snapshot) { s.jobs[0].State = job.StateFailed }, InvTerminal},
		{"attempt still running", func(s *snapshot) { s.jobs[0].Attempts[0].State = job.StateRunning }, InvTerminal},
		{"execution paid twice", func(s *snapshot) {
			// A second voucher paying e1's 3 units again on top.
			s.wallets[req] = api.Wallet{Deposits: []api.RequesterChannel{{Provider: p0.String(), Paid: 3, Signed: 6}}}
		}, InvPaidOnce},
		{"one execution in two jobs", func(s *snapshot) {
			s.jobs = append(s.jobs, api.JobDetail{TaskDetail: api.TaskDetail{Job: store.Job{ID: "j2", State: job.StateCompleted},
				Attempts: []store.Attempt{{ExecutionID: "e1", State: job.StateCompleted}}}})
		}, InvPaidOnce},
		{"redeemed more than requester paid", func(s *snapshot) {
			s.wallets[p0] = api.Wallet{Earnings: []api.ProviderChannel{{Requester: req.String(), Redeemed: 4, Latest: 3}}}
		}, InvRedeemedReported},
		{"redeemed more than signed", func(s *snapshot) {
			s.wallets[req] = api.Wallet{Deposits: []api.RequesterChannel{{Provider: p0.String(), Paid: 4, Signed: 3}}}
		}, InvRedeemedReported},
		{"a token unit appears", func(s *snapshot) { s.balances[p0].Add(s.balances[p0], big.NewInt(1)) }, InvSupply},
		{"supply minted on the side", func(s *snapshot) { s.supply.Add(s.supply, big.NewInt(1)) }, InvSupply},
		{"escrow holds what nobody deposited", func(s *snapshot) { s.escrow.Add(s.escrow, big.NewInt(1)) }, InvSupply},
		{"ran ahead of its vouchers", func(s *snapshot) {
			s.jobs[0].Usage = append(s.jobs[0].Usage, store.Usage{Requester: req, Provider: p0,
				Report: market.UsageReport{Execution: "e1", Seq: 3, RunMillis: 6000, AmountDue: 3}})
		}, InvAhead},
		{"ran ahead by more than its provider was down", func(s *snapshot) {
			s.unmetered = map[identity.Address]time.Duration{p0: 200 * time.Millisecond}
			s.jobs[0].Usage = append(s.jobs[0].Usage, store.Usage{Requester: req, Provider: p0,
				Report: market.UsageReport{Execution: "e1", Seq: 3, RunMillis: 6000, AmountDue: 3}})
		}, InvAhead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := goodSnapshot()
			tc.mutate(&s)
			vs := check(s, time.Second)
			for _, v := range vs {
				if v.Invariant == tc.want {
					return
				}
			}
			t.Fatalf("want a %s violation, got %v", tc.want, vs)
		})
	}
	// The same run ahead is the provider's own loss when it was down
	// (killed) for longer than the excess.
	s := goodSnapshot()
	s.unmetered = map[identity.Address]time.Duration{p0: time.Second}
	s.jobs[0].Usage = append(s.jobs[0].Usage, store.Usage{Requester: req, Provider: p0,
		Report: market.UsageReport{Execution: "e1", Seq: 3, RunMillis: 6000, AmountDue: 3}})
	for _, v := range check(s, time.Second) {
		if v.Invariant == InvAhead {
			t.Errorf("a provider down for 1 s is held to running ahead by 0.5 s: %v", v)
		}
	}
}
