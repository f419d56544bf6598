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

// Harness is one fresh backend with three funded accounts and its validators.
type Harness struct {
	// Requester, Provider and Stranger act as three different accounts, each
	// holding Funds tokens, with no channels or stake yet. None of them is a
	// validator.
	Requester, Provider, Stranger settle.Settlement
	Funds                         money.Amount
	// Validators act as the backend's validators, all of them (they need
	// hold no funds), and Quorum of them decide a verdict: at least 2 (so a
	// verdict can fall short of it) and at most len(Validators)-1 (so one
	// can carry more signatures than it needs).
	Validators []settle.Settlement
	Quorum     int
	// NoSlashing, when set, starts a second backend without validators
	// (quorum 0) and returns an account on it holding at least 10 tokens;
	// the suite checks Slash is refused there. Nil skips that test.
	NoSlashing func(t *testing.T) settle.Settlement
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
		{"ValidatorSet", testValidatorSet},
		{"VerdictSignature", testVerdictSignature},
		{"SlashOnQuorum", testSlash},
		{"SlashRefused", testSlashRefused},
		{"SlashingDisabled", testSlashingDisabled},
		{"HeadAdvances", testHead},
		{"DepositRecords", testDepositRecords},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Funds < 1000*money.Unit {
				t.Fatalf("harness funds %s, the suite needs at least 1000", h.Funds)
			}
			if h.Quorum < 2 || h.Quorum >= len(h.Validators) {
				t.Fatalf("harness quorum %d of %d validators, the suite needs 2 <= quorum < validators", h.Quorum, len(h.Validators))
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

func testValidatorSet(t *testing.T, h Harness) {
	vs, err := h.Stranger.ValidatorSet(ctxT(t))
	if err != nil {
		t.Fatalf("validator set: %v", err)
	}
	if vs.Quorum != h.Quorum || len(vs.Validators) != len(h.Validators) {
		t.Fatalf("validator set %+v, want the harness's %d validators and quorum %d", vs, len(h.Validators), h.Quorum)
	}
	for _, v := range h.Validators {
		if !vs.Has(v.Address()) {
			t.Fatalf("validator set %+v lacks %s", vs, v.Address())
		}
	}
	for _, s := range []settle.Settlement{h.Requester, h.Provider, h.Stranger} {
		if vs.Has(s.Address()) {
			t.Fatalf("validator set %+v holds %s, not a validator", vs, s.Address())
		}
	}
}

// dispute returns a dispute ID distinct per name.
func dispute(name string) [32]byte {
	var id [32]byte
	copy(id[:], "deco-dispute:"+name)
	return id
}

// signVerdict has each of signers sign v.
func signVerdict(t *testing.T, v settle.Verdict, signers ...settle.Settlement) [][]byte {
	t.Helper()
	sigs := make([][]byte, len(signers))
	for i, s := range signers {
		sig, err := s.SignVerdict(v)
		if err != nil {
			t.Fatalf("sign verdict as %s: %v", s.Address(), err)
		}
		sigs[i] = sig
	}
	return sigs
}

func testVerdictSignature(t *testing.T, h Harness) {
	v := settle.Verdict{Provider: h.Provider.Address(), Amount: 7 * unit, DisputeID: dispute("signature"),
		Beneficiary: h.Requester.Address()}
	val := h.Validators[0]
	sig := signVerdict(t, v, val)[0]
	for _, checker := range []settle.Settlement{h.Requester, h.Stranger, val} {
		got, err := checker.VerdictSigner(v, sig)
		if err != nil || got != val.Address() {
			t.Fatalf("verdict signer = %s, %v; want the validator %s", got, err, val.Address())
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*settle.Verdict)
	}{
		{"amount", func(v *settle.Verdict) { v.Amount++ }},
		{"provider", func(v *settle.Verdict) { v.Provider = h.Stranger.Address() }},
		{"dispute", func(v *settle.Verdict) { v.DisputeID[31] ^= 1 }},
		{"beneficiary", func(v *settle.Verdict) { v.Beneficiary = h.Stranger.Address() }},
	} {
		other := v
		tc.change(&other)
		if got, err := h.Requester.VerdictSigner(other, sig); err == nil && got == val.Address() {
			t.Fatalf("a signature over the verdict recovers its validator for a verdict with another %s", tc.name)
		}
	}
	if _, err := h.Requester.VerdictSigner(v, sig[:len(sig)-1]); !errors.Is(err, settle.ErrBadSignature) {
		t.Fatalf("truncated verdict signature: %v, want ErrBadSignature", err)
	}
}

// stakeOf reads p's slashable stake.
func stakeOf(t *testing.T, h Harness, p settle.Settlement) money.Amount {
	t.Helper()
	st, err := h.Stranger.StakeOf(ctxT(t), p.Address())
	if err != nil {
		t.Fatalf("stake of %s: %v", p.Address(), err)
	}
	return st.Amount
}

func disputeUsed(t *testing.T, h Harness, id [32]byte) bool {
	t.Helper()
	used, err := h.Requester.DisputeUsed(ctxT(t), id)
	if err != nil {
		t.Fatalf("dispute used: %v", err)
	}
	return used
}

func testSlash(t *testing.T, h Harness) {
	ctx := ctxT(t)
	must(t, "stake")(h.Provider.Stake(ctx, 100*unit))
	v := settle.Verdict{Provider: h.Provider.Address(), Amount: 30 * unit, DisputeID: dispute("quorum"),
		Beneficiary: h.Requester.Address()}
	if disputeUsed(t, h, v.DisputeID) {
		t.Fatal("a fresh dispute reads as used")
	}
	benBefore, provBefore := balance(t, h.Stranger, h.Requester), balance(t, h.Stranger, h.Provider)

	// Exactly a quorum, sent by someone who is neither party nor validator.
	res := must(t, "slash on a quorum")(h.Stranger.Slash(ctx, v, signVerdict(t, v, h.Validators[:h.Quorum]...)))
	if res.Amount != 30*unit {
		t.Fatalf("slash result amount %s, want 30", res.Amount)
	}
	if got := stakeOf(t, h, h.Provider); got != 70*unit {
		t.Fatalf("stake after the slash %s, want 100 - 30", got)
	}
	if got := balance(t, h.Stranger, h.Requester); got != benBefore+30*unit {
		t.Fatalf("beneficiary balance %s, want %s + 30", got, benBefore)
	}
	if got := balance(t, h.Stranger, h.Provider); got != provBefore {
		t.Fatalf("provider balance %s after the slash, want %s (the stake pays, not the balance)", got, provBefore)
	}
	if !disputeUsed(t, h, v.DisputeID) {
		t.Fatal("the dispute does not read as used after its verdict")
	}

	// The same dispute again, even for another amount and signed by every
	// validator, is refused.
	again := v
	again.Amount = unit
	mustFail(t, "the same dispute twice", settle.ErrDisputeUsed)(h.Requester.Slash(ctx, again, signVerdict(t, again, h.Validators...)))

	// More signatures than the quorum needs do no harm.
	all := settle.Verdict{Provider: h.Provider.Address(), Amount: 70 * unit, DisputeID: dispute("everyone"),
		Beneficiary: h.Stranger.Address()}
	strBefore := balance(t, h.Requester, h.Stranger)
	must(t, "slash signed by every validator")(h.Requester.Slash(ctx, all, signVerdict(t, all, h.Validators...)))
	if got := stakeOf(t, h, h.Provider); got != 0 {
		t.Fatalf("stake after slashing all of it %s, want 0", got)
	}
	if got := balance(t, h.Requester, h.Stranger); got != strBefore+70*unit {
		t.Fatalf("second beneficiary balance %s, want %s + 70", got, strBefore)
	}
}

func testSlashRefused(t *testing.T, h Harness) {
	ctx := ctxT(t)
	must(t, "stake")(h.Provider.Stake(ctx, 100*unit))
	verdict := func(name string, amount money.Amount) settle.Verdict {
		return settle.Verdict{Provider: h.Provider.Address(), Amount: amount, DisputeID: dispute(name), Beneficiary: h.Requester.Address()}
	}
	below := verdict("below quorum", 10*unit)
	outsider := verdict("outsider", 10*unit)
	twice := verdict("one validator twice", 10*unit)
	above := verdict("above stake", 101*unit)
	tampered := verdict("tampered", 10*unit)
	tamperedSigs := signVerdict(t, tampered, h.Validators[:h.Quorum]...)
	tampered.Amount = 20 * unit // signed for 10: the signatures recover other accounts
	for _, tc := range []struct {
		name string
		v    settle.Verdict
		sigs [][]byte
		want error
	}{
		{"below quorum", below, signVerdict(t, below, h.Validators[:h.Quorum-1]...), settle.ErrTooFewSignatures},
		{"no signatures", below, nil, settle.ErrTooFewSignatures},
		{"a non-validator's signature", outsider, signVerdict(t, outsider, append([]settle.Settlement{h.Stranger}, h.Validators[:h.Quorum]...)...), settle.ErrUnknownValidator},
		{"one validator's signature twice", twice, signVerdict(t, twice, append(h.Validators[:h.Quorum-1:h.Quorum-1], h.Validators[0])...), settle.ErrTooFewSignatures},
		{"more than the stake", above, signVerdict(t, above, h.Validators[:h.Quorum]...), settle.ErrInsufficientStake},
		{"signed for another amount", tampered, tamperedSigs, settle.ErrUnknownValidator},
		{"zero amount", verdict("zero", 0), signVerdict(t, verdict("zero", 0), h.Validators[:h.Quorum]...), settle.ErrZeroAmount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustFail(t, "slash", tc.want)(h.Stranger.Slash(ctx, tc.v, tc.sigs))
			if got := stakeOf(t, h, h.Provider); got != 100*unit {
				t.Fatalf("stake after a refused slash %s, want 100", got)
			}
			if disputeUsed(t, h, tc.v.DisputeID) {
				t.Fatal("a refused verdict used up its dispute")
			}
		})
	}
	// A refused verdict's dispute can still be decided.
	must(t, "the dispute refused below quorum, now on a quorum")(h.Stranger.Slash(ctx, below, signVerdict(t, below, h.Validators[:h.Quorum]...)))
}

func testSlashingDisabled(t *testing.T, h Harness) {
	if h.NoSlashing == nil {
		t.Skip("the harness has no backend without validators")
	}
	s := h.NoSlashing(t)
	ctx := ctxT(t)
	vs, err := s.ValidatorSet(ctx)
	if err != nil || vs.Quorum != 0 || len(vs.Validators) != 0 {
		t.Fatalf("validator set without validators = %+v, %v; want none and quorum 0", vs, err)
	}
	must(t, "stake")(s.Stake(ctx, 10*unit))
	v := settle.Verdict{Provider: s.Address(), Amount: unit, DisputeID: dispute("disabled"), Beneficiary: h.Requester.Address()}
	mustFail(t, "slash without validators", settle.ErrSlashingDisabled)(s.Slash(ctx, v, signVerdict(t, v, s)))
	if st, err := s.StakeOf(ctx, s.Address()); err != nil || st.Amount != 10*unit {
		t.Fatalf("stake = %+v, %v; want the 10 staked", st, err)
	}
}

func testHead(t *testing.T, h Harness) {
	ctx := ctxT(t)
	before, err := h.Stranger.Head(ctx)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	if before.Hash == ([32]byte{}) {
		t.Fatalf("head %+v has no hash", before)
	}
	res := must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), unit))
	after, err := h.Provider.Head(ctx)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	if after.Number <= before.Number || after.Number < res.Block || after.Hash == before.Hash || after.Hash == ([32]byte{}) {
		t.Fatalf("head %+v after a transaction in block %d, was %+v: want a later block", after, res.Block, before)
	}
}

// testDepositRecords: the chain's record of a requester's deposits lists
// each one, with its provider, amount, balance after, block and time, and
// none of another requester's.
func testDepositRecords(t *testing.T, h Harness) {
	ctx := ctxT(t)
	head, err := h.Requester.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-time.Minute)
	must(t, "deposit")(h.Requester.Deposit(ctx, h.Provider.Address(), 10*unit))
	must(t, "top-up")(h.Requester.Deposit(ctx, h.Provider.Address(), 5*unit))
	must(t, "stranger's deposit")(h.Stranger.Deposit(ctx, h.Provider.Address(), 7*unit))
	recs, err := h.Provider.Deposits(ctx, h.Requester.Address(), head.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d deposit records, want the requester's 2: %+v", len(recs), recs)
	}
	for i, want := range []struct{ amount, balance money.Amount }{{10 * unit, 10 * unit}, {5 * unit, 15 * unit}} {
		r := recs[i]
		if r.Requester != h.Requester.Address() || r.Provider != h.Provider.Address() || r.Amount != want.amount ||
			r.Balance != want.balance || r.Block < head.Number || r.Tx == "" || r.At.Before(start) {
			t.Fatalf("record %d = %+v, want %s (balance %s) from block %d on", i, r, want.amount, want.balance, head.Number)
		}
	}
	if recs[1].Block < recs[0].Block {
		t.Fatalf("records out of order: %+v", recs)
	}
	later, err := h.Provider.Deposits(ctx, h.Requester.Address(), recs[1].Block+1)
	if err != nil || len(later) != 0 {
		t.Fatalf("records after the last deposit: %+v, %v", later, err)
	}
}
