// Package settletest is the conformance suite for settle.Settlement
// implementations: every backend runs Run against a real chain (the EVM one
// against the in-process dev chain) and must pass it unchanged.
package settletest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// Harness is one fresh backend with three funded accounts.
type Harness struct {
	// Requester, Provider and Stranger act as three different accounts, each
	// holding Funds tokens, with no channels or stake yet.
	Requester, Provider, Stranger settle.Settlement
	Funds                         money.Amount
	// WithdrawDelay and UnstakeDelay are the backend's delays.
	WithdrawDelay, UnstakeDelay time.Duration
	// Advance moves the backend's clock forward by d.
	Advance func(t testing.TB, d time.Duration)
}

// Run runs the suite; newHarness is called once per test and must clean up
// after itself (t.Cleanup).
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"Deposit", testDeposit},
		{"RedeemFirstLaterReplay", testRedeem},
		{"BadVouchers", testBadVouchers},
		{"ShortChannelThenTopUp", testShortChannel},
		{"WithdrawAfterDelay", testWithdraw},
		{"StakeUnstake", testStake},
		{"ConcurrentTransactions", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Funds < 1000*money.Unit {
				t.Fatalf("harness funds %s, the suite needs at least 1000", h.Funds)
			}
			tc.fn(t, h)
		})
	}
}

const unit = money.Unit

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// must returns a check that a transaction succeeded: must(t, "what")(call(...)).
func must(t *testing.T, what string) func(settle.TxResult, error) settle.TxResult {
	return func(res settle.TxResult, err error) settle.TxResult {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if res.Tx == "" || res.Block == 0 {
			t.Fatalf("%s: result %+v lacks a transaction or block", what, res)
		}
		return res
	}
}

// mustFail returns a check that a transaction failed with want.
func mustFail(t *testing.T, what string, want error) func(settle.TxResult, error) {
	return func(res settle.TxResult, err error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Fatalf("%s: got %+v, %v; want error %v", what, res, err, want)
		}
	}
}

func balance(t *testing.T, s settle.Settlement, of settle.Settlement) money.Amount {
	t.Helper()
	b, err := s.Balance(ctxT(t), of.Address())
	if err != nil {
		t.Fatalf("balance: %v", err)
	}
	return b
}

func channel(t *testing.T, h Harness) settle.Channel {
	t.Helper()
	ch, err := h.Provider.Channel(ctxT(t), h.Requester.Address(), h.Provider.Address())
	if err != nil {
		t.Fatalf("channel: %v", err)
	}
	if ch.Requester != h.Requester.Address() || ch.Provider != h.Provider.Address() {
		t.Fatalf("channel parties %s->%s, want %s->%s", ch.Requester, ch.Provider, h.Requester.Address(), h.Provider.Address())
	}
	if ch.Owed != ch.Claimed-ch.Paid {
		t.Fatalf("channel owed %s != claimed %s - paid %s", ch.Owed, ch.Claimed, ch.Paid)
	}
	return ch
}

func wantChannel(t *testing.T, h Harness, balance, claimed, paid money.Amount) settle.Channel {
	t.Helper()
	ch := channel(t, h)
	if ch.Balance != balance || ch.Claimed != claimed || ch.Paid != paid {
		t.Fatalf("channel balance/claimed/paid = %s/%s/%s, want %s/%s/%s",
			ch.Balance, ch.Claimed, ch.Paid, balance, claimed, paid)
	}
	return ch
}

func voucher(t *testing.T, h Harness, cumulative money.Amount) settle.SignedVoucher {
	t.Helper()
	v, err := h.Requester.SignVoucher(h.Provider.Address(), cumulative)
	if err != nil {
		t.Fatalf("sign voucher: %v", err)
	}
	if v.Requester != h.Requester.Address() || v.Provider != h.Provider.Address() || v.Cumulative != cumulative {
		t.Fatalf("signed voucher %+v does not say what was signed", v)
	}
	if err := h.Provider.VerifyVoucher(v); err != nil {
		t.Fatalf("provider verifies the requester's voucher: %v", err)
	}
	return v
}

func testDeposit(t *testing.T, h Harness) {
	ctx := ctxT(t)
	fresh, err := h.Stranger.Channel(ctx, h.Stranger.Address(), h.Provider.Address())
	if err != nil || fresh.Balance != 0 || fresh.Claimed != 0 || fresh.Paid != 0 || !fresh.WithdrawAt.IsZero() {
		t.Fatalf("unused channel = %+v, %v; want zeros", fresh, err)
	}
	before := balance(t, h.Provider, h.Requester)
	if before != h.Funds {
		t.Fatalf("requester starts with %s, harness says %s", before, h.Funds)
	}
	res := must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), 100*unit))
	if res.Amount != 100*unit {
		t.Fatalf("deposit result amount %s, want 100", res.Amount)
	}
	wantChannel(t, h, 100*unit, 0, 0)
	must(t, "top-up")(h.Requester.Deposit(ctx, h.Provider.Address(), 50*unit+1))
	wantChannel(t, h, 150*unit+1, 0, 0)
	if got := balance(t, h.Provider, h.Requester); got != before-150*unit-1 {
		t.Fatalf("requester balance %s after depositing 150.000001 of %s", got, before)
	}
	mustFail(t, "zero deposit", settle.ErrZeroAmount)(h.Requester.Deposit(ctx, h.Provider.Address(), 0))
	mustFail(t, "deposit beyond funds", settle.ErrInsufficientFunds)(h.Requester.Deposit(ctx, h.Provider.Address(), h.Funds))
	wantChannel(t, h, 150*unit+1, 0, 0)
}

func testRedeem(t *testing.T, h Harness) {
	ctx := ctxT(t)
	must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), 100*unit))
	provBefore := balance(t, h.Requester, h.Provider)

	v1 := voucher(t, h, 30*unit)
	res := must(t, "first redeem")(h.Provider.Redeem(ctx, v1))
	if res.Amount != 30*unit || res.Owed != 0 {
		t.Fatalf("first redeem paid %s owed %s, want 30 and 0", res.Amount, res.Owed)
	}
	wantChannel(t, h, 70*unit, 30*unit, 30*unit)

	v2 := voucher(t, h, 55*unit)
	res = must(t, "later redeem")(h.Provider.Redeem(ctx, v2))
	if res.Amount != 25*unit || res.Owed != 0 {
		t.Fatalf("later redeem paid %s owed %s, want 25 (the difference) and 0", res.Amount, res.Owed)
	}
	wantChannel(t, h, 45*unit, 55*unit, 55*unit)
	if got := balance(t, h.Requester, h.Provider); got != provBefore+55*unit {
		t.Fatalf("provider balance %s, want %s + 55", got, provBefore)
	}

	mustFail(t, "replay of the latest voucher", settle.ErrVoucherReplayed)(h.Provider.Redeem(ctx, v2))
	mustFail(t, "an older voucher", settle.ErrVoucherTooLow)(h.Provider.Redeem(ctx, v1))
	wantChannel(t, h, 45*unit, 55*unit, 55*unit)
	if got := balance(t, h.Requester, h.Provider); got != provBefore+55*unit {
		t.Fatalf("provider balance %s after refused redeems, want %s + 55", got, provBefore)
	}
}

func testBadVouchers(t *testing.T, h Harness) {
	ctx := ctxT(t)
	must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), 100*unit))

	forged, err := h.Stranger.SignVoucher(h.Provider.Address(), 40*unit)
	if err != nil {
		t.Fatal(err)
	}
	forged.Requester = h.Requester.Address() // the stranger's signature on the requester's channel
	tampered := voucher(t, h, 10*unit)
	tampered.Cumulative = 90 * unit
	truncated := voucher(t, h, 10*unit)
	truncated.Signature = truncated.Signature[:len(truncated.Signature)-1]

	for _, tc := range []struct {
		name string
		v    settle.SignedVoucher
	}{
		{"signed by someone else", forged},
		{"amount changed after signing", tampered},
		{"truncated signature", truncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.Provider.VerifyVoucher(tc.v); !errors.Is(err, settle.ErrBadSignature) {
				t.Fatalf("VerifyVoucher = %v, want ErrBadSignature", err)
			}
			mustFail(t, "redeem", settle.ErrBadSignature)(h.Provider.Redeem(ctx, tc.v))
		})
	}
	good := voucher(t, h, 10*unit)
	mustFail(t, "redeem by someone not the provider", settle.ErrNotProvider)(h.Stranger.Redeem(ctx, good))
	wantChannel(t, h, 100*unit, 0, 0)
	must(t, "the good voucher still redeems")(h.Provider.Redeem(ctx, good))
	wantChannel(t, h, 90*unit, 10*unit, 10*unit)
}

func testShortChannel(t *testing.T, h Harness) {
	ctx := ctxT(t)
	must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), 10*unit))
	v := voucher(t, h, 25*unit)
	res := must(t, "redeem on a short channel")(h.Provider.Redeem(ctx, v))
	if res.Amount != 10*unit || res.Owed != 15*unit {
		t.Fatalf("short redeem paid %s owed %s, want 10 and 15", res.Amount, res.Owed)
	}
	ch := wantChannel(t, h, 0, 25*unit, 10*unit)
	if ch.Owed != 15*unit {
		t.Fatalf("channel owed %s, want 15", ch.Owed)
	}
	must(t, "top-up")(h.Requester.Deposit(ctx, h.Provider.Address(), 20*unit))
	res = must(t, "same voucher after the top-up")(h.Provider.Redeem(ctx, v))
	if res.Amount != 15*unit || res.Owed != 0 {
		t.Fatalf("redeem after top-up paid %s owed %s, want 15 and 0", res.Amount, res.Owed)
	}
	wantChannel(t, h, 5*unit, 25*unit, 25*unit)
	mustFail(t, "fully paid voucher again", settle.ErrVoucherReplayed)(h.Provider.Redeem(ctx, v))
}

func testWithdraw(t *testing.T, h Harness) {
	ctx := ctxT(t)
	must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), 100*unit))
	mustFail(t, "withdraw with no request", settle.ErrNoWithdrawRequest)(h.Requester.Withdraw(ctx, h.Provider.Address()))

	start := time.Now()
	must(t, "request withdrawal")(h.Requester.RequestWithdraw(ctx, h.Provider.Address(), 80*unit))
	ch := channel(t, h)
	if ch.WithdrawAmount != 80*unit {
		t.Fatalf("withdraw amount %s, want 80", ch.WithdrawAmount)
	}
	// The unlock time is the chain's clock plus the delay; allow for a chain
	// clock that runs ahead of the wall clock (earlier tests may advance it).
	if ch.WithdrawAt.Before(start.Add(h.WithdrawDelay - 5*time.Second)) {
		t.Fatalf("withdrawal unlocks at %s, earlier than %s after the request", ch.WithdrawAt, h.WithdrawDelay)
	}
	mustFail(t, "withdraw before the delay", settle.ErrWithdrawTooEarly)(h.Requester.Withdraw(ctx, h.Provider.Address()))

	// The provider redeems during the delay: the requester gets only what is left.
	must(t, "redeem during the delay")(h.Provider.Redeem(ctx, voucher(t, h, 30*unit)))
	reqBefore := balance(t, h.Provider, h.Requester)
	h.Advance(t, h.WithdrawDelay+time.Second)
	res := must(t, "withdraw after the delay")(h.Requester.Withdraw(ctx, h.Provider.Address()))
	if res.Amount != 70*unit {
		t.Fatalf("withdrew %s, want min(80 requested, 70 left) = 70", res.Amount)
	}
	ch = wantChannel(t, h, 0, 30*unit, 30*unit)
	if ch.WithdrawAmount != 0 || !ch.WithdrawAt.IsZero() {
		t.Fatalf("withdrawal request not cleared: %+v", ch)
	}
	if got := balance(t, h.Provider, h.Requester); got != reqBefore+70*unit {
		t.Fatalf("requester balance %s, want %s + 70", got, reqBefore)
	}
	mustFail(t, "second withdraw", settle.ErrNoWithdrawRequest)(h.Requester.Withdraw(ctx, h.Provider.Address()))
}

func testStake(t *testing.T, h Harness) {
	ctx := ctxT(t)
	before := balance(t, h.Provider, h.Provider)
	res := must(t, "stake")(h.Provider.Stake(ctx, 100*unit))
	if res.Amount != 100*unit {
		t.Fatalf("stake result amount %s, want 100", res.Amount)
	}
	st, err := h.Requester.StakeOf(ctx, h.Provider.Address())
	if err != nil || st.Amount != 100*unit || st.UnstakeAmount != 0 || !st.UnstakeAt.IsZero() {
		t.Fatalf("stake = %+v, %v; want 100 and no unstake request", st, err)
	}
	mustFail(t, "unstake with no request", settle.ErrNoUnstakeRequest)(h.Provider.Unstake(ctx))
	mustFail(t, "request more than staked", settle.ErrInsufficientStake)(h.Provider.RequestUnstake(ctx, 101*unit))
	must(t, "request unstake")(h.Provider.RequestUnstake(ctx, 40*unit))
	st, err = h.Provider.StakeOf(ctx, h.Provider.Address())
	if err != nil || st.Amount != 100*unit || st.UnstakeAmount != 40*unit || st.UnstakeAt.IsZero() {
		t.Fatalf("stake after request = %+v, %v; want 100 staked (still slashable), 40 requested", st, err)
	}
	mustFail(t, "unstake before the delay", settle.ErrUnstakeTooEarly)(h.Provider.Unstake(ctx))
	h.Advance(t, h.UnstakeDelay+time.Second)
	res = must(t, "unstake")(h.Provider.Unstake(ctx))
	if res.Amount != 40*unit {
		t.Fatalf("unstaked %s, want 40", res.Amount)
	}
	st, err = h.Provider.StakeOf(ctx, h.Provider.Address())
	if err != nil || st.Amount != 60*unit || st.UnstakeAmount != 0 {
		t.Fatalf("stake after unstake = %+v, %v; want 60", st, err)
	}
	if got := balance(t, h.Provider, h.Provider); got != before-60*unit {
		t.Fatalf("provider balance %s, want %s - 60", got, before)
	}
}

// testConcurrent sends many transactions from one account at once: none may
// collide (each needs its own nonce) and every one must take effect.
func testConcurrent(t *testing.T, h Harness) {
	ctx := ctxT(t)
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Requester.Deposit(ctx, h.Provider.Address(), money.Amount(i+1)*unit)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent deposit: %v", err)
		}
	}
	wantChannel(t, h, n*(n+1)/2*unit, 0, 0)

	// Concurrent redeems from the provider of increasing vouchers: each either
	// pays or is refused as lower than one already redeemed; in the end the
	// highest is claimed and the channel adds up.
	vs := make([]settle.SignedVoucher, n)
	for i := range vs {
		vs[i] = voucher(t, h, money.Amount(i+1)*unit)
	}
	errs = make(chan error, n)
	for _, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Provider.Redeem(ctx, v)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, settle.ErrVoucherTooLow) && !errors.Is(err, settle.ErrVoucherReplayed) {
			t.Fatalf("concurrent redeem: %v", err)
		}
	}
	ch := channel(t, h)
	if ch.Paid != ch.Claimed || ch.Balance+ch.Paid != n*(n+1)/2*unit {
		t.Fatalf("channel after concurrent redeems: %+v", ch)
	}
	if _, err := h.Provider.Redeem(ctx, vs[n-1]); err != nil && !errors.Is(err, settle.ErrVoucherReplayed) {
		t.Fatalf("redeem the highest voucher: %v", err)
	}
	wantChannel(t, h, n*(n+1)/2*unit-n*unit, n*unit, n*unit)
}
