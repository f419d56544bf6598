package devnet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/settle"
)

// TestProviderRedeemsBeforeWithdrawalUnlocks: the provider holds vouchers
// below its redeem threshold; when the requester asks to withdraw its
// deposit, the provider redeems them before the withdrawal unlocks, so the
// requester cannot take back what it owes.
func TestProviderRedeemsBeforeWithdrawalUnlocks(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	net := startWith(t, devnet.Config{Nodes: 2,
		UsageInterval: 500 * time.Millisecond, RedeemThreshold: 1000 * money.Unit, RedeemPoll: 200 * time.Millisecond,
		WithdrawDelay: 4 * time.Second, Prices: &offer.Prices{CPUHour: 36 * money.Unit}})
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	j, err := c.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "sleep 1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := waitDone(t, c, j.ID); got.State != job.StateCompleted {
		t.Fatalf("job %s: %s", got.State, got.Error)
	}
	req, prov := net.Nodes[0], net.Nodes[1]
	owed, err := req.Requester().ChannelTotal(ctx, prov.Address())
	if err != nil || owed <= 0 {
		t.Fatalf("requester owes %s (%v)", owed, err)
	}
	before, _ := req.Settlement().Balance(ctx, prov.Address())
	ch, err := req.Settlement().Channel(ctx, req.Address(), prov.Address())
	if err != nil {
		t.Fatal(err)
	}
	if ch.Paid != 0 {
		t.Fatalf("already redeemed %s: the threshold should have held it back", ch.Paid)
	}
	// The requester asks for its whole deposit back.
	if _, err := req.Settlement().RequestWithdraw(ctx, prov.Address(), ch.Balance); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		after, _ := req.Settlement().Balance(ctx, prov.Address())
		if after-before == owed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("provider gained %s before the withdrawal unlocked; it was owed %s", after-before, owed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// After the unlock the requester withdraws only what was not owed.
	for {
		ch, _ = req.Settlement().Channel(ctx, req.Address(), prov.Address())
		if !ch.WithdrawAt.IsZero() && time.Now().After(ch.WithdrawAt.Add(time.Second)) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The dev chain stamps blocks with its own clock: retry until a block's
	// time passes the unlock.
	var res settle.TxResult
	for {
		res, err = req.Settlement().Withdraw(ctx, prov.Address())
		if err == nil {
			break
		}
		if !errors.Is(err, settle.ErrWithdrawTooEarly) || time.Now().After(deadline.Add(30*time.Second)) {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if want := ch.Balance; res.Amount != want || want != devnet.DefaultAutoDeposit-owed {
		t.Fatalf("withdrew %s, want the deposit minus what was owed (%s - %s)", res.Amount, devnet.DefaultAutoDeposit, owed)
	}
}
