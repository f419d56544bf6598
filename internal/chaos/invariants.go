package chaos

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Invariant names a checked property.
type Invariant string

// The invariants every schedule is checked against.
const (
	// InvTerminal: every job ends in a terminal state, with a reason
	// unless it completed, by the deadline (jobs carry a total timeout).
	InvTerminal Invariant = "terminal-with-reason"
	// InvPaidOnce: a channel's vouchers never promise more than the sum
	// over its executions of each one's latest reported amount (an
	// execution paid twice would exceed it), and an execution's amounts
	// and vouchers only grow.
	InvPaidOnce Invariant = "no-execution-paid-twice"
	// InvRedeemedReported: what was redeemed on a channel is what the
	// requester's records say was paid, and no more than the work
	// reported on it.
	InvRedeemedReported Invariant = "redeemed-was-reported"
	// InvSupply: the token's total supply equals what was minted, and the
	// nodes' balances plus the escrow's holdings equal it exactly; each
	// node's balance is what it was funded plus redeemed minus paid.
	InvSupply Invariant = "supply-conserved"
	// InvAhead: no execution ran more than one interval past its latest
	// paid report (two report intervals plus slack for the kill, plus
	// the time its provider was itself killed and could stop nothing, or
	// had its clock stepped back and billed nothing).
	InvAhead Invariant = "not-ahead-of-vouchers"
	// InvLifecycle: a step of the lifecycle the harness drives (submit,
	// restart, redeem, withdraw) could not be completed.
	InvLifecycle Invariant = "lifecycle-completes"
)

// Violation is one broken invariant.
type Violation struct {
	Invariant Invariant
	Detail    string
}

func (v Violation) String() string { return string(v.Invariant) + ": " + v.Detail }

// snapshot is the final state read through the REST API and the chain.
type snapshot struct {
	jobs     []api.JobDetail
	wallets  map[identity.Address]api.Wallet
	names    map[identity.Address]string
	peers    map[string]identity.Address
	balances map[identity.Address]*big.Int
	escrow   *big.Int
	supply   *big.Int
	minted   *big.Int
	// requester is the requester's address.
	requester identity.Address
	// unmetered is how long in all each node could not meter: killed, or its
	// clock stepped back.
	unmetered map[identity.Address]time.Duration
}

func (n *network) snapshot(ctx context.Context) (snapshot, error) {
	s := snapshot{wallets: map[identity.Address]api.Wallet{}, names: map[identity.Address]string{}, peers: map[string]identity.Address{},
		balances: map[identity.Address]*big.Int{}, requester: n.requester().address, unmetered: map[identity.Address]time.Duration{}}
	c, err := n.requester().client()
	if err != nil {
		return s, err
	}
	jobs, err := c.Jobs(ctx, "", 0)
	if err != nil {
		return s, err
	}
	for _, j := range jobs {
		d, err := c.Job(ctx, j.ID)
		if err != nil {
			return s, err
		}
		s.jobs = append(s.jobs, d)
	}
	funded, err := money.Parse(FundTokens)
	if err != nil {
		return s, err
	}
	s.minted = new(big.Int).Mul(settle.ToTokenUnits(funded), big.NewInt(int64(len(n.nodes))))
	for _, m := range n.nodes {
		s.names[m.address], s.peers[m.peerID] = m.name, m.address
		s.unmetered[m.address] = time.Duration(m.unmetered.Load())
		if err := retry(ctx, 10, func() error {
			mc, err := m.client()
			if err != nil {
				return err
			}
			s.wallets[m.address], err = mc.Wallet(ctx)
			return err
		}); err != nil {
			return s, fmt.Errorf("%s wallet: %w", m.name, err)
		}
		if s.balances[m.address], err = n.tokenCall(ctx, "70a08231", m.address); err != nil {
			return s, err
		}
	}
	if s.escrow, err = n.tokenCall(ctx, "70a08231", n.info.Escrow); err != nil {
		return s, err
	}
	if s.supply, err = n.tokenCall(ctx, "18160ddd", nil); err != nil {
		return s, err
	}
	return s, nil
}

// check returns every invariant s breaks.
func check(s snapshot, interval time.Duration) []Violation {
	var out []Violation
	bad := func(inv Invariant, format string, args ...any) {
		out = append(out, Violation{Invariant: inv, Detail: fmt.Sprintf(format, args...)})
	}
	// Terminal states with reasons.
	seenExec := map[string]string{}
	for _, d := range s.jobs {
		if !d.State.Terminal() {
			bad(InvTerminal, "job %s still %s at the deadline", d.ID, d.State)
			continue
		}
		if d.State != "completed" && d.Error == "" {
			bad(InvTerminal, "job %s %s without a reason", d.ID, d.State)
		}
		for _, a := range d.Attempts {
			if !a.State.Terminal() {
				bad(InvTerminal, "job %s is %s but its attempt %s is %s", d.ID, d.State, a.ExecutionID, a.State)
			} else if a.State != "completed" && a.Error == "" {
				bad(InvTerminal, "job %s attempt %s %s without a reason", d.ID, a.ExecutionID, a.State)
			}
			if other, ok := seenExec[a.ExecutionID]; ok && a.ExecutionID != "" {
				bad(InvPaidOnce, "execution %s is an attempt of both %s and %s", a.ExecutionID, other, d.ID)
			}
			seenExec[a.ExecutionID] = d.ID
		}
	}
	// Per execution: reports, vouchers, and how far ahead it ran.
	reported := map[identity.Address]money.Amount{} // provider -> sum of latest amounts
	for _, d := range s.jobs {
		usage := append(slices.Clone(d.Usage), d.EarlierUsage...)
		vouchers := append(slices.Clone(d.Vouchers), d.EarlierVouchers...)
		byExec := map[string][]store.Usage{}
		for _, u := range usage {
			byExec[u.Report.Execution] = append(byExec[u.Report.Execution], u)
		}
		paid := map[string]map[uint64]money.Amount{}
		for _, v := range vouchers {
			if paid[v.Execution] == nil {
				paid[v.Execution] = map[uint64]money.Amount{}
			}
			paid[v.Execution][v.Seq] = v.Voucher.Cumulative
		}
		for exec, us := range byExec {
			slices.SortFunc(us, func(a, b store.Usage) int { return int(a.Report.Seq) - int(b.Report.Seq) })
			var lastPaidMs uint64
			var prev money.Amount
			var prevCum money.Amount
			for _, u := range us {
				r := u.Report
				if r.AmountDue < prev {
					bad(InvPaidOnce, "execution %s report %d due %s after %s", exec, r.Seq, r.AmountDue, prev)
				}
				prev = r.AmountDue
				// A provider that is itself down (killed) cannot stop its
				// sandbox, which runs on, and one whose clock stepped back
				// bills nothing until it catches up: that time is its own
				// loss, and allowed on top.
				if gap := time.Duration(r.RunMillis-min(r.RunMillis, lastPaidMs)) * time.Millisecond; gap > 2*interval+1500*time.Millisecond+s.unmetered[u.Provider] {
					bad(InvAhead, "execution %s on %s report %d at %s run, %s past its last paid report", exec,
						s.names[u.Provider], r.Seq, time.Duration(r.RunMillis)*time.Millisecond, gap)
				}
				if cum, ok := paid[exec][r.Seq]; ok {
					lastPaidMs = r.RunMillis
					if cum < prevCum {
						bad(InvPaidOnce, "execution %s voucher for report %d cumulative %s after %s", exec, r.Seq, cum, prevCum)
					}
					prevCum = cum
				}
			}
			last := us[len(us)-1]
			reported[last.Provider] += last.Report.AmountDue
		}
	}
	// Channels: requester's view against provider's view and the reports.
	req := s.wallets[s.requester]
	var paidTotal, depositedLeft money.Amount
	for _, dep := range req.Deposits {
		prov, name, ok := s.lookup(dep.Provider)
		if !ok {
			bad(InvRedeemedReported, "requester has a channel to an unknown provider %s", dep.Provider)
			continue
		}
		paidTotal += dep.Paid
		depositedLeft += dep.Deposited
		if dep.Signed > reported[prov] {
			bad(InvPaidOnce, "channel to %s: vouchers promise %s, the reports add up to %s", name, dep.Signed, reported[prov])
		}
		if dep.Paid > dep.Signed {
			bad(InvRedeemedReported, "channel to %s: %s redeemed, only %s signed", name, dep.Paid, dep.Signed)
		}
		var earn *api.ProviderChannel
		for i, e := range s.wallets[prov].Earnings {
			if a, _, ok := s.lookup(e.Requester); ok && a == s.requester {
				earn = &s.wallets[prov].Earnings[i]
			}
		}
		if earn == nil {
			if dep.Paid > 0 {
				bad(InvRedeemedReported, "channel to %s: %s redeemed, the provider has no record of it", name, dep.Paid)
			}
			continue
		}
		if earn.Redeemed != dep.Paid {
			bad(InvRedeemedReported, "channel to %s: provider says %s redeemed, requester %s", name, earn.Redeemed, dep.Paid)
		}
		if earn.Latest > dep.Signed {
			bad(InvPaidOnce, "channel to %s: provider holds a voucher for %s, the requester signed %s", name, earn.Latest, dep.Signed)
		}
	}
	// Supply: minted == total supply == balances + escrow, and each
	// balance moved only by what was paid and redeemed.
	funded := new(big.Int).Div(s.minted, big.NewInt(int64(len(s.balances))))
	sum := new(big.Int).Set(s.escrow)
	for a, b := range s.balances {
		sum.Add(sum, b)
		want := new(big.Int).Set(funded)
		if a == s.requester {
			want.Sub(want, settle.ToTokenUnits(paidTotal+depositedLeft))
		} else {
			var redeemed money.Amount
			for _, e := range s.wallets[a].Earnings {
				redeemed += e.Redeemed
			}
			want.Add(want, settle.ToTokenUnits(redeemed))
		}
		if b.Cmp(want) != 0 {
			bad(InvSupply, "%s holds %s, want %s (funded, plus redeemed, minus paid and still deposited)", s.names[a], b, want)
		}
	}
	if s.supply.Cmp(s.minted) != 0 {
		bad(InvSupply, "total supply %s, minted %s", s.supply, s.minted)
	}
	if sum.Cmp(s.supply) != 0 {
		bad(InvSupply, "balances plus escrow %s, total supply %s", sum, s.supply)
	}
	if settle.ToTokenUnits(req.EscrowHolds).Cmp(s.escrow) != 0 {
		bad(InvSupply, "wallet says the escrow holds %s, the token says %s", req.EscrowHolds, s.escrow)
	}
	return out
}

// lookup finds a node by peer ID or address.
func (s snapshot) lookup(id string) (identity.Address, string, bool) {
	if a, err := identity.ParseAddress(id); err == nil {
		name, ok := s.names[a]
		return a, name, ok
	}
	if a, ok := s.peers[id]; ok {
		return a, s.names[a], true
	}
	return identity.Address{}, "", false
}

// chainInfo is the part of chain.json the harness reads.
type chainInfo struct {
	RPCURL string           `json:"rpcURL"`
	Token  identity.Address `json:"token"`
	Escrow identity.Address `json:"escrow"`
}

func parseChainInfo(b []byte) (chainInfo, error) {
	var ci chainInfo
	if err := json.Unmarshal(b, &ci); err != nil {
		return ci, fmt.Errorf("chain.json: %w", err)
	}
	return ci, nil
}

// tokenCall calls a view function of the token (selector, one address
// argument or none) over the chain's JSON-RPC and returns the uint256.
func (n *network) tokenCall(ctx context.Context, selector string, arg any) (*big.Int, error) {
	data := "0x" + selector
	if a, ok := arg.(identity.Address); ok {
		data += strings.Repeat("0", 24) + hex.EncodeToString(a.Bytes())
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "eth_call",
		"params": []any{map[string]string{"to": n.info.Token.String(), "data": data}, "latest"}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.info.RPCURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("eth_call: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Result string `json:"result"`
		Error  *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("eth_call: %w", err)
	}
	if out.Error != nil {
		return nil, fmt.Errorf("eth_call: %s", out.Error.Message)
	}
	v, ok := new(big.Int).SetString(strings.TrimPrefix(out.Result, "0x"), 16)
	if !ok {
		return nil, fmt.Errorf("eth_call: result %q", out.Result)
	}
	return v, nil
}
