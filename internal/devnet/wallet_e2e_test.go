package devnet_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// walletDelay is the escrow's withdrawal delay in TestWalletThroughTheAPI.
const walletDelay = 2 * time.Second

// TestWalletThroughTheAPI drives the wallet endpoints through the REST
// client against real nodes on the dev chain: the requester pays for a job,
// tops up the provider's channel, the provider redeems what it earned, and
// the requester takes back the rest after the withdrawal delay.
func TestWalletThroughTheAPI(t *testing.T) {
	needDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// The provider never redeems on its own: the test redeems through its API.
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 2, Dir: t.TempDir(), Logger: logger,
		UsageInterval: 500 * time.Millisecond, RedeemThreshold: 1000 * money.Unit, RedeemPoll: time.Hour,
		WithdrawDelay: walletDelay, Prices: &offer.Prices{CPUHour: 36 * money.Unit}})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	rc, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := client.FromDataDir(net.DataDir(1))
	if err != nil {
		t.Fatal(err)
	}
	req, prov := net.Nodes[0], net.Nodes[1]
	provAddr := prov.Address().String()

	start := wallet(t, rc)
	if start.Address != req.Address().String() || start.Escrow == "" || start.Balance <= 0 || len(start.Deposits) != 0 {
		t.Fatalf("requester's wallet at start: %+v", start)
	}
	provStart := wallet(t, pc)
	if provStart.Address != provAddr || len(provStart.Earnings) != 0 {
		t.Fatalf("provider's wallet at start: %+v", provStart)
	}

	// A zero deposit is the caller's mistake: 400, and nothing moves.
	var ce *client.Error
	if _, err := rc.Deposit(ctx, prov.PeerID(), 0); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
		t.Fatalf("zero deposit: %v, want a 400", err)
	}
	for _, who := range []string{"nobody-we-know", "0xnot-an-address"} {
		if _, err := rc.Deposit(ctx, who, money.Unit); !errors.As(err, &ce) || ce.Status != http.StatusBadRequest {
			t.Fatalf("deposit to %q: %v, want a 400", who, err)
		}
	}

	// A paid job opens the channel (auto deposit) and leaves vouchers.
	j, err := rc.Submit(ctx, job.Spec{APIVersion: job.APIVersion, Image: image, Command: []string{"sh", "-c", "sleep 1"},
		Constraints: job.Constraints{Providers: []string{prov.PeerID()}}})
	if err != nil {
		t.Fatal(err)
	}
	if done, _ := waitDone(t, rc, j.ID); done.State != job.StateCompleted {
		t.Fatalf("job %s: %s", done.State, done.Error)
	}
	paid := wallet(t, rc)
	ch := deposit(t, paid, provAddr)
	signed := ch.Signed
	if ch.Deposited != devnet.DefaultAutoDeposit || signed <= 0 || ch.Pending != signed || ch.Paid != 0 ||
		paid.Balance != start.Balance-devnet.DefaultAutoDeposit {
		t.Fatalf("after a paid job: balance %s (from %s), channel %+v; want the auto deposit of %s and vouchers signed",
			paid.Balance, start.Balance, ch, devnet.DefaultAutoDeposit)
	}

	// Top up the channel by the provider's peer ID.
	const topUp = 5 * money.Unit
	res, err := rc.Deposit(ctx, prov.PeerID(), topUp)
	if err != nil || res.Amount != topUp || res.Tx == "" {
		t.Fatalf("deposit: %+v %v", res, err)
	}
	topped := wallet(t, rc)
	if got := deposit(t, topped, provAddr).Deposited; got != devnet.DefaultAutoDeposit+topUp {
		t.Fatalf("channel holds %s after the deposit, want %s", got, devnet.DefaultAutoDeposit+topUp)
	}
	if topped.Balance != paid.Balance-topUp || topped.EscrowHolds != paid.EscrowHolds+topUp {
		t.Fatalf("balance %s -> %s, escrow %s -> %s: want %s moved into the escrow",
			paid.Balance, topped.Balance, paid.EscrowHolds, topped.EscrowHolds, topUp)
	}

	// The provider redeems what the vouchers promise.
	redeemed := redeem(t, pc, signed)
	earned := wallet(t, pc)
	if earned.Balance != provStart.Balance+redeemed {
		t.Fatalf("provider balance %s -> %s, redeemed %s", provStart.Balance, earned.Balance, redeemed)
	}
	if len(earned.Earnings) != 1 || earned.Earnings[0].Redeemed != signed || earned.Earnings[0].Pending != 0 || len(earned.Redeems) == 0 {
		t.Fatalf("provider's wallet after the redeem: %+v", earned)
	}

	// The requester takes back the rest: request, wait out the delay, withdraw.
	left := devnet.DefaultAutoDeposit + topUp - signed
	withdrawn := withdrawAll(t, rc, prov.PeerID(), left)
	end := wallet(t, rc)
	if withdrawn != left || end.Balance != start.Balance-signed {
		t.Fatalf("withdrew %s, balance %s; want %s back and a balance of %s less the %s paid",
			withdrawn, end.Balance, left, start.Balance, signed)
	}
	if ch := deposit(t, end, provAddr); ch.Deposited != 0 || ch.Paid != signed {
		t.Fatalf("channel after the withdrawal: %+v", ch)
	}
	t.Logf("job paid %s DECO, provider redeemed %s, requester withdrew %s of %s deposited",
		signed, redeemed, withdrawn, devnet.DefaultAutoDeposit+topUp)
}

func wallet(t *testing.T, c *client.Client) api.Wallet {
	t.Helper()
	w, err := c.Wallet(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// deposit is w's channel to provider (an address).
func deposit(t *testing.T, w api.Wallet, provider string) api.RequesterChannel {
	t.Helper()
	for _, d := range w.Deposits {
		if d.Provider == provider {
			return d
		}
	}
	t.Fatalf("no channel to %s in the wallet: %+v", provider, w.Deposits)
	return api.RequesterChannel{}
}

// redeem redeems through c and checks it was paid want; it returns what the
// redeems say they moved.
func redeem(t *testing.T, c *client.Client, want money.Amount) money.Amount {
	t.Helper()
	rs, err := c.Redeem(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var sum money.Amount
	for _, r := range rs {
		sum += r.Result.Amount
	}
	if len(rs) != 1 || sum != want {
		t.Fatalf("redeemed %s in %d transactions, want %s in one", sum, len(rs), want)
	}
	return sum
}

// withdrawAll requests the withdrawal of everything left on the channel to
// provider, checks it cannot be taken before the delay, and withdraws once
// it unlocks. It returns what came back.
func withdrawAll(t *testing.T, c *client.Client, provider string, left money.Amount) money.Amount {
	t.Helper()
	ctx := context.Background()
	asked, err := c.Withdraw(ctx, provider, 0)
	if err != nil || asked.Requested == nil || asked.Withdrawn != nil || asked.UnlockAt.IsZero() {
		t.Fatalf("withdrawal request: %+v %v", asked, err)
	}
	if w := wallet(t, c); len(w.Deposits) != 1 || w.Deposits[0].WithdrawAmount != left {
		t.Fatalf("pending withdrawal: %+v, want %s", w.Deposits, left)
	}
	// The dev chain stamps blocks with its own clock: retry until a block's
	// time passes the unlock.
	deadline := time.Now().Add(walletDelay + 30*time.Second)
	for {
		res, err := c.Withdraw(ctx, provider, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Withdrawn != nil {
			if now := time.Now(); now.Before(asked.UnlockAt) {
				t.Fatalf("withdrawn at %s, before the unlock at %s", now, asked.UnlockAt)
			}
			return res.Withdrawn.Amount
		}
		if res.UnlockAt.IsZero() || time.Now().After(deadline) {
			t.Fatalf("withdrawal not done: %+v", res)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
