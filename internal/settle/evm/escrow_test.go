package evm

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

// TestDigestsMatchContract checks the Go EIP-712 hashes against the
// contract's own voucherDigest, verdictDigest and domainSeparator.
func TestDigestsMatchContract(t *testing.T) {
	c := newChain(t, false)
	d := c.domain()
	sep, err := d.Separator()
	if err != nil {
		t.Fatal(err)
	}
	onChain := call(c, c.escrow, c.escrowABI.PackDomainSeparator(), c.escrowABI.UnpackDomainSeparator)
	if sep != common.Hash(onChain) {
		t.Fatalf("domain separator: go %x, contract %x", sep, onChain)
	}
	for _, amount := range []*big.Int{big.NewInt(0), big.NewInt(1), tokens(123456789), abiMaxUint256()} {
		v := Voucher{Requester: addr(c.requester), Provider: addr(c.provider), CumulativeAmount: amount}
		want := call(c, c.escrow, c.escrowABI.PackVoucherDigest(v.Requester, v.Provider, amount), c.escrowABI.UnpackVoucherDigest)
		got, err := VoucherDigest(d, v)
		if err != nil {
			t.Fatal(err)
		}
		if got != common.Hash(want) {
			t.Fatalf("voucher digest %v: go %x, contract %x", amount, got, want)
		}
		vd := Verdict{Provider: addr(c.provider), Amount: amount, DisputeID: common.HexToHash("0x1234"), Beneficiary: addr(c.requester)}
		wantV := call(c, c.escrow, c.escrowABI.PackVerdictDigest(vd.Provider, amount, vd.DisputeID, vd.Beneficiary), c.escrowABI.UnpackVerdictDigest)
		gotV, err := VerdictDigest(d, vd)
		if err != nil {
			t.Fatal(err)
		}
		if gotV != common.Hash(wantV) {
			t.Fatalf("verdict digest %v: go %x, contract %x", amount, gotV, wantV)
		}
	}
}

func TestDepositAndRedeem(t *testing.T) {
	c := newChain(t, false)
	req, prov := addr(c.requester), addr(c.provider)
	provBefore := c.balance(prov)

	r := c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(100)))
	dep := findEvent(t, r, c.escrowABI.UnpackDepositedEvent)
	if dep.Requester != req || dep.Provider != prov {
		t.Fatalf("deposited event parties %v %v", dep.Requester, dep.Provider)
	}
	eq(t, "deposited amount", dep.Amount, tokens(100))
	eq(t, "deposited balance", dep.Balance, tokens(100))
	eq(t, "escrow token balance", c.balance(c.escrowAddr), tokens(100))

	r = c.must(c.provider, c.escrow, c.redeemData(tokens(10)))
	red := findEvent(t, r, c.escrowABI.UnpackRedeemedEvent)
	eq(t, "redeemed cumulative", red.CumulativeAmount, tokens(10))
	eq(t, "redeemed paid", red.Paid, tokens(10))
	eq(t, "redeemed owed", red.Owed, big.NewInt(0))

	r = c.must(c.provider, c.escrow, c.redeemData(tokens(25)))
	red = findEvent(t, r, c.escrowABI.UnpackRedeemedEvent)
	eq(t, "second redeem paid", red.Paid, tokens(15))

	ch := c.channel(req, prov)
	eq(t, "channel balance", ch.Balance, tokens(75))
	eq(t, "channel paid", ch.Paid, tokens(25))
	eq(t, "channel claimed", ch.Claimed, tokens(25))
	eq(t, "provider received", new(big.Int).Sub(c.balance(prov), provBefore), tokens(25))
}

// TestRedeemRejects covers every way a redeem must fail, each after a first
// good redeem of 10 tokens; the channel must be unchanged afterwards.
func TestRedeemRejects(t *testing.T) {
	c := newChain(t, false)
	req, prov := addr(c.requester), addr(c.provider)
	c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(100)))
	c.must(c.provider, c.escrow, c.redeemData(tokens(10)))
	before := c.channel(req, prov)

	amount := tokens(20)
	good := c.voucher(c.requester, req, prov, amount)
	sign := func(d Domain) []byte {
		sig, err := SignVoucher(c.requester, d, Voucher{Requester: req, Provider: prov, CumulativeAmount: amount})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	tests := []struct {
		name   string
		sender int // 0 provider, 1 stranger
		amount *big.Int
		sig    []byte
		want   string
	}{
		{name: "wrong signer", amount: amount, sig: c.voucher(c.stranger, req, prov, amount), want: "WrongSigner"},
		{name: "replay", amount: tokens(10), sig: c.voucher(c.requester, req, prov, tokens(10)), want: "VoucherReplayed"},
		{name: "lower amount", amount: tokens(5), sig: c.voucher(c.requester, req, prov, tokens(5)), want: "VoucherTooLow"},
		{name: "other chain id", amount: amount, sig: sign(Domain{ChainID: big.NewInt(1), Contract: c.escrowAddr}), want: "WrongSigner"},
		{name: "other contract", amount: amount, sig: sign(Domain{ChainID: c.chainID, Contract: c.tokenAddr}), want: "WrongSigner"},
		{name: "malleable high s", amount: amount, sig: highS(good), want: "MalleableSignature"},
		{name: "v not 27 or 28", amount: amount, sig: withV(good, good[64]-27), want: "MalleableSignature"},
		{name: "short signature", amount: amount, sig: good[:64], want: "InvalidSignature"},
		{name: "unrecoverable signature", amount: amount, sig: append(make([]byte, 32), good[32:]...), want: "InvalidSignature"},
		{name: "signed for another amount", amount: tokens(30), sig: good, want: "WrongSigner"},
		{name: "redeem by non-provider", sender: 1, amount: amount, sig: good, want: "NotProvider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			sender := c.provider
			if tt.sender == 1 {
				sender = c.stranger
			}
			c.mustRevert(sender, c.escrow, c.escrowABI.PackRedeem(req, prov, tt.amount, tt.sig), tt.want)
			if after := c.channel(req, prov); !sameChannel(before, after) {
				t.Fatalf("channel changed: %+v -> %+v", before, after)
			}
		})
	}
	// The good voucher still works after all that.
	c.t = t
	c.must(c.provider, c.escrow, c.escrowABI.PackRedeem(req, prov, amount, good))
}

// TestPartialRedeemThenTopUp: a voucher larger than the channel pays what is
// there and records the rest as owed; after a top-up the same voucher pays
// the rest, and then it is a replay.
func TestPartialRedeemThenTopUp(t *testing.T) {
	c := newChain(t, false)
	req, prov := addr(c.requester), addr(c.provider)
	provBefore := c.balance(prov)
	c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(30)))
	redeem50 := c.redeemData(tokens(50))

	r := c.must(c.provider, c.escrow, redeem50)
	ev := findEvent(t, r, c.escrowABI.UnpackRedeemedEvent)
	eq(t, "paid", ev.Paid, tokens(30))
	eq(t, "owed", ev.Owed, tokens(20))
	ch := c.channel(req, prov)
	eq(t, "balance", ch.Balance, big.NewInt(0))
	eq(t, "claimed", ch.Claimed, tokens(50))
	eq(t, "channel paid", ch.Paid, tokens(30))

	// A lower voucher cannot undercut the recorded claim.
	c.mustRevert(c.provider, c.escrow, c.redeemData(tokens(40)), "VoucherTooLow")

	c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(100)))
	r = c.must(c.provider, c.escrow, redeem50)
	ev = findEvent(t, r, c.escrowABI.UnpackRedeemedEvent)
	eq(t, "paid after top-up", ev.Paid, tokens(20))
	eq(t, "owed after top-up", ev.Owed, big.NewInt(0))
	eq(t, "provider received", new(big.Int).Sub(c.balance(prov), provBefore), tokens(50))
	eq(t, "balance after top-up", c.channel(req, prov).Balance, tokens(80))

	c.mustRevert(c.provider, c.escrow, redeem50, "VoucherReplayed")
}

func TestWithdraw(t *testing.T) {
	c := newChain(t, false)
	req, prov := addr(c.requester), addr(c.provider)
	c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(100)))
	reqBefore := c.balance(req)

	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackWithdraw(prov), "NoWithdrawRequest")
	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackRequestWithdraw(prov, big.NewInt(0)), "ZeroAmount")
	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, big.NewInt(0)), "ZeroAmount")
	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackDeposit(common.Address{}, tokens(1)), "ZeroAddress")

	r := c.must(c.requester, c.escrow, c.escrowABI.PackRequestWithdraw(prov, tokens(60)))
	wr := findEvent(t, r, c.escrowABI.UnpackWithdrawRequestedEvent)
	eq(t, "requested", wr.Amount, tokens(60))
	block, err := c.client.HeaderByNumber(t.Context(), r.BlockNumber)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "available at", wr.AvailableAt, new(big.Int).Add(new(big.Int).SetUint64(block.Time), seconds(testWithdrawDelay)))

	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackWithdraw(prov), "WithdrawTooEarly")
	c.advance(testWithdrawDelay / 2)
	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackWithdraw(prov), "WithdrawTooEarly")
	c.advance(testWithdrawDelay / 2)

	r = c.must(c.requester, c.escrow, c.escrowABI.PackWithdraw(prov))
	w := findEvent(t, r, c.escrowABI.UnpackWithdrawnEvent)
	eq(t, "withdrawn", w.Amount, tokens(60))
	eq(t, "requester received", new(big.Int).Sub(c.balance(req), reqBefore), tokens(60))
	eq(t, "balance left", c.channel(req, prov).Balance, tokens(40))
	// The request is used up.
	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackWithdraw(prov), "NoWithdrawRequest")
}

// TestWithdrawalRace: the provider redeems during the withdrawal delay; the
// withdrawal then pays only what is left.
func TestWithdrawalRace(t *testing.T) {
	c := newChain(t, false)
	req, prov := addr(c.requester), addr(c.provider)
	c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(100)))
	reqBefore, provBefore := c.balance(req), c.balance(prov)

	c.must(c.requester, c.escrow, c.escrowABI.PackRequestWithdraw(prov, tokens(100)))
	c.advance(testWithdrawDelay - 10e9) // still inside the delay
	c.must(c.provider, c.escrow, c.redeemData(tokens(70)))
	c.advance(20e9)

	r := c.must(c.requester, c.escrow, c.escrowABI.PackWithdraw(prov))
	eq(t, "withdrawn", findEvent(t, r, c.escrowABI.UnpackWithdrawnEvent).Amount, tokens(30))
	eq(t, "requester received", new(big.Int).Sub(c.balance(req), reqBefore), tokens(30))
	eq(t, "provider received", new(big.Int).Sub(c.balance(prov), provBefore), tokens(70))
	eq(t, "channel balance", c.channel(req, prov).Balance, big.NewInt(0))
	eq(t, "escrow holds", c.balance(c.escrowAddr), big.NewInt(0))
}

func TestDevToken(t *testing.T) {
	c := newChain(t, false)
	faucetCap := call(c, c.token, c.tokenABI.PackFAUCETCAP(), c.tokenABI.UnpackFAUCETCAP)
	before := c.balance(addr(c.stranger))
	c.must(c.stranger, c.token, c.tokenABI.PackFaucet(faucetCap))
	eq(t, "faucet paid", new(big.Int).Sub(c.balance(addr(c.stranger)), before), faucetCap)
	c.mustRevert(c.stranger, c.token, c.tokenABI.PackFaucet(new(big.Int).Add(faucetCap, big.NewInt(1))), "FaucetCapExceeded")
	c.mustRevert(c.stranger, c.token, c.tokenABI.PackMint(addr(c.stranger), tokens(1)), "NotOwner")
	c.mustRevert(c.stranger, c.token, c.tokenABI.PackTransferFrom(addr(c.requester), addr(c.stranger), tokens(1)), "InsufficientAllowance")
	c.mustRevert(c.stranger, c.token, c.tokenABI.PackTransfer(addr(c.requester), tokens(1_000_000)), "InsufficientBalance")

	// A token deployed without the devnet flag has no faucet.
	prod := c.deploy(bindings.DecoTokenMetaData.Bin, c.tokenABI.PackConstructor(false))
	c.mustRevert(c.stranger, c.tokenABI.Instance(c.client, prod), c.tokenABI.PackFaucet(big.NewInt(1)), "FaucetClosed")
	if got := call(c, c.token, c.tokenABI.PackDecimals(), c.tokenABI.UnpackDecimals); got != 18 {
		t.Fatalf("decimals %d", got)
	}
	if got := call(c, c.token, c.tokenABI.PackSymbol(), c.tokenABI.UnpackSymbol); got != "DECO" {
		t.Fatalf("symbol %q", got)
	}
}

func sameChannel(a, b bindings.EscrowChannel) bool {
	return a.Balance.Cmp(b.Balance) == 0 && a.Claimed.Cmp(b.Claimed) == 0 && a.Paid.Cmp(b.Paid) == 0 &&
		a.WithdrawAmount.Cmp(b.WithdrawAmount) == 0 && a.WithdrawAt.Cmp(b.WithdrawAt) == 0
}

// findEvent returns the only log of r that unpack accepts.
func findEvent[T any](t *testing.T, r *types.Receipt, unpack func(*types.Log) (*T, error)) *T {
	t.Helper()
	var found *T
	for _, l := range r.Logs {
		if ev, err := unpack(l); err == nil {
			if found != nil {
				t.Fatal("event emitted twice")
			}
			found = ev
		}
	}
	if found == nil {
		t.Fatalf("event %T not emitted", found)
	}
	return found
}
