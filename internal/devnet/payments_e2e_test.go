package devnet_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
	"github.com/deco-network/deco/internal/store"
)

// payNet is a devnet with the dev chain, short usage intervals and no
// automatic redeem (the tests redeem themselves and check the figures).
type payNet struct {
	*devnet.Net
	c        *client.Client
	interval time.Duration
	// starve, when set, makes the requester withhold vouchers from report 2 on.
	starve atomic.Bool
}

func startPayNet(t *testing.T) *payNet {
	t.Helper()
	needDocker(t)
	pn := &payNet{interval: 500 * time.Millisecond}
	net := startWith(t, devnet.Config{
		UsageInterval: pn.interval, RedeemThreshold: 1000 * money.Unit, RedeemPoll: time.Hour,
		// 36 DECO per core-hour: 0.01 DECO per core-second.
		Prices:  &offer.Prices{CPUHour: 36 * money.Unit},
		PayHook: func(u market.UsageReport) bool { return !pn.starve.Load() || u.Seq < 2 }})
	pn.Net = net
	t.Cleanup(net.Close)
	var err error
	if pn.c, err = client.FromDataDir(net.DataDir(0)); err != nil {
		t.Fatal(err)
	}
	return pn
}

func (pn *payNet) nodeOf(t *testing.T, peerID string) *node.Node {
	t.Helper()
	for _, n := range pn.Nodes {
		if n.PeerID() == peerID {
			return n
		}
	}
	t.Fatalf("no node %s", peerID)
	return nil
}

func (pn *payNet) balance(t *testing.T, a identity.Address) money.Amount {
	t.Helper()
	b, err := pn.Nodes[0].Settlement().Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkSupply: every token minted is held by a node or by the escrow.
func (pn *payNet) checkSupply(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	info := pn.Chain.Info()
	var sum money.Amount
	for _, n := range pn.Nodes {
		sum += pn.balance(t, n.Address())
	}
	sum += pn.balance(t, info.Escrow)
	ec, err := ethclient.DialContext(ctx, info.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	token := bindings.NewDecoToken()
	to := common.Address(info.Token)
	out, err := ec.CallContract(ctx, ethereum.CallMsg{To: &to, Data: token.PackTotalSupply()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := token.UnpackTotalSupply(out)
	if err != nil {
		t.Fatal(err)
	}
	supply, err := settle.FromTokenUnits(raw)
	if err != nil {
		t.Fatal(err)
	}
	if want := money.Amount(len(pn.Nodes)) * 10_000 * money.Unit; supply != want || sum != supply {
		t.Fatalf("supply not conserved: balances + escrow = %s, total supply %s, minted %s", sum, supply, want)
	}
	t.Logf("supply conserved: balances + escrow = total supply = %s DECO", supply)
}

// run submits a job and waits for its end.
func (pn *payNet) run(t *testing.T, image, script string) store.Job {
	t.Helper()
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", script}, Timeout: job.Duration(time.Minute)}
	// Every case runs on the cheaper provider: pinned, so a job submitted
	// while that provider still frees the previous one waits for it (queued)
	// instead of landing on the other provider.
	spec.Constraints.Providers = []string{pn.Nodes[1].PeerID()}
	j, err := pn.c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := waitDone(t, pn.c, j.ID)
	return done
}

// settled redeems the provider's vouchers and checks that what it
// received is exactly the final usage report the requester paid, and
// returns that report (nil when nothing was reported).
func (pn *payNet) settled(t *testing.T, j store.Job) *market.UsageReport {
	t.Helper()
	ctx := context.Background()
	req := pn.Nodes[0]
	prov := pn.nodeOf(t, j.Provider)
	paidBy, err := req.Store().Usages(ctx, store.RoleRequester, j.ExecutionID)
	if err != nil {
		t.Fatal(err)
	}
	before := pn.balance(t, prov.Address())
	redeems, err := prov.Provider().Redeem(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	gained := pn.balance(t, prov.Address()) - before
	var redeemed money.Amount
	for _, r := range redeems {
		redeemed += r.Result.Amount
		t.Logf("redeem tx %s: %s DECO, gas %d", r.Result.Tx, r.Result.Amount, r.Result.GasUsed)
	}
	if gained != redeemed {
		t.Fatalf("provider balance rose by %s, redeems say %s", gained, redeemed)
	}
	if len(paidBy) == 0 {
		if gained != 0 || len(redeems) != 0 {
			t.Fatalf("nothing reported, yet the provider gained %s in %d redeems", gained, len(redeems))
		}
		return nil
	}
	last := paidBy[len(paidBy)-1].Report
	if gained != last.AmountDue {
		t.Fatalf("provider gained %s, the last report paid says %s due", gained, last.AmountDue)
	}
	vs, _ := req.Store().Vouchers(ctx, store.RoleRequester, j.ExecutionID)
	t.Logf("%d usage reports, %d vouchers; final: %d ms run, %s DECO", len(paidBy), len(vs), last.RunMillis, last.AmountDue)
	return &last
}

func TestPayAsYouGo(t *testing.T) {
	pn := startPayNet(t)
	ctx := context.Background()
	reqAddr := pn.Nodes[0].Address()
	startBal := pn.balance(t, reqAddr)

	t.Run("success pays the metered amount", func(t *testing.T) {
		j := pn.run(t, image, "sleep 2; echo done")
		if j.State != job.StateCompleted {
			t.Fatalf("job %s: %s", j.State, j.Error)
		}
		last := pn.settled(t, j)
		if last == nil || !last.Final || last.RunMillis < 2000 || last.Seq < 3 {
			t.Fatalf("final report %+v: want a final report after >= 2 s and several interval reports", last)
		}
		if bal := pn.balance(t, reqAddr); bal != startBal-devnet.DefaultAutoDeposit {
			t.Fatalf("requester balance %s, want %s less the auto deposit", bal, startBal)
		}
		pn.checkSupply(t)
	})

	t.Run("failure mid-run pays pro rata", func(t *testing.T) {
		j := pn.run(t, image, "sleep 2; exit 3")
		if j.State != job.StateFailed {
			t.Fatalf("job %s, want failed", j.State)
		}
		last := pn.settled(t, j)
		if last == nil || last.RunMillis < 2000 || last.RunMillis > 10_000 {
			t.Fatalf("final report %+v: want about 2 s of run time", last)
		}
		var d market.Deal
		if ok, _ := pn.Nodes[0].Store().GetSetting(ctx, "pay-deal/"+j.ExecutionID, &d); !ok {
			t.Fatal("deal not kept")
		}
		if want := market.AmountDue(d.Quote.Terms, last.RunMillis); last.AmountDue != want || want >= d.Quote.Terms.MaxAmount {
			t.Fatalf("paid %s for %d ms; pro rata is %s, max %s", last.AmountDue, last.RunMillis, want, d.Quote.Terms.MaxAmount)
		}
		pn.checkSupply(t)
	})

	t.Run("failure before start pays nothing", func(t *testing.T) {
		total, _ := pn.Nodes[0].Requester().ChannelTotal(ctx, pn.Nodes[1].Address())
		j := pn.run(t, "deco-no-such-image:latest", "true")
		if j.State != job.StateFailed {
			t.Fatalf("job %s, want failed", j.State)
		}
		if last := pn.settled(t, j); last != nil {
			t.Fatalf("a task that never started was reported: %+v", last)
		}
		if after, _ := pn.Nodes[0].Requester().ChannelTotal(ctx, pn.Nodes[1].Address()); after != total {
			t.Fatalf("requester signed %s more for a task that never started", after-total)
		}
		pn.checkSupply(t)
	})

	t.Run("requester stops paying", func(t *testing.T) {
		pn.starve.Store(true)
		defer pn.starve.Store(false)
		j := pn.run(t, image, "sleep 30")
		if j.State != job.StateFailed || !strings.Contains(j.Error, "more than one interval behind") {
			t.Fatalf("job %s (%s), want stopped for lack of payment", j.State, j.Error)
		}
		prov := pn.nodeOf(t, j.Provider)
		sent, err := prov.Store().Usages(ctx, store.RoleProvider, j.ExecutionID)
		if err != nil || len(sent) < 2 {
			t.Fatalf("provider sent %d reports (%v)", len(sent), err)
		}
		unpaid := sent[1].At // report 2: the first one not paid
		ex, err := prov.Store().GetExecution(ctx, j.ExecutionID)
		if err != nil {
			t.Fatal(err)
		}
		// Paying lags more than one interval at unpaid+interval; the kill
		// and the container's exit take a little more.
		lag := ex.UpdatedAt.Sub(unpaid)
		t.Logf("first unpaid report at %s, execution stopped %s later (interval %s)", unpaid.Format(time.StampMilli), lag, pn.interval)
		if lag > pn.interval+3*time.Second {
			t.Fatalf("provider stopped %s after the first unpaid report; want within about one interval (%s)", lag, pn.interval)
		}
		last := pn.settled(t, j)
		if last == nil || last.Seq != 1 {
			t.Fatalf("requester paid %+v, want only report 1", last)
		}
		pn.checkSupply(t)
	})

	t.Run("ten jobs settle in one redeem", func(t *testing.T) {
		prov := pn.Nodes[1]
		before := pn.balance(t, prov.Address())
		total0, _ := pn.Nodes[0].Requester().ChannelTotal(ctx, prov.Address())
		for range 10 {
			if j := pn.run(t, image, "sleep 0.6"); j.State != job.StateCompleted || j.Provider != prov.PeerID() {
				t.Fatalf("job %s on %s: %s", j.State, j.Provider, j.Error)
			}
		}
		total, _ := pn.Nodes[0].Requester().ChannelTotal(ctx, prov.Address())
		rs, err := prov.Provider().Redeem(ctx, nil)
		if err != nil || len(rs) != 1 {
			t.Fatalf("redeems %+v %v, want one", rs, err)
		}
		if gained := pn.balance(t, prov.Address()) - before; gained != total-total0 || gained != rs[0].Result.Amount {
			t.Fatalf("provider gained %s; the vouchers of the ten jobs say %s", gained, total-total0)
		}
		t.Logf("10 jobs, %s DECO, settled by one redeem: tx %s, gas %d", rs[0].Result.Amount, rs[0].Result.Tx, rs[0].Result.GasUsed)
		pn.checkSupply(t)
	})

	t.Run("unspent deposit stays withdrawable", func(t *testing.T) {
		ch, err := pn.Nodes[0].Settlement().Channel(ctx, reqAddr, pn.Nodes[1].Address())
		if err != nil {
			t.Fatal(err)
		}
		if ch.Balance != devnet.DefaultAutoDeposit-ch.Paid || ch.Paid <= 0 {
			t.Fatalf("channel %+v: want the deposit less what was paid", ch)
		}
		if _, err := pn.Nodes[0].Settlement().RequestWithdraw(ctx, pn.Nodes[1].Address(), ch.Balance); err != nil {
			t.Fatal(err)
		}
		if err := pn.Chain.AdjustTime(2 * time.Minute); err != nil {
			t.Fatal(err)
		}
		res, err := pn.Nodes[0].Settlement().Withdraw(ctx, pn.Nodes[1].Address())
		if err != nil || res.Amount != ch.Balance {
			t.Fatalf("withdraw %+v %v, want %s back", res, err, ch.Balance)
		}
		pn.checkSupply(t)
	})
}
