package evm

import (
	"crypto/ecdsa"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

func TestStakeUnstake(t *testing.T) {
	c := newChain(t, false)
	prov := addr(c.provider)
	before := c.balance(prov)

	c.mustRevert(c.provider, c.escrow, c.escrowABI.PackStake(big.NewInt(0)), "ZeroAmount")
	r := c.must(c.provider, c.escrow, c.escrowABI.PackStake(tokens(100)))
	st := findEvent(t, r, c.escrowABI.UnpackStakedEvent)
	eq(t, "staked total", st.Total, tokens(100))

	c.mustRevert(c.provider, c.escrow, c.escrowABI.PackUnstake(), "NoUnstakeRequest")
	c.mustRevert(c.provider, c.escrow, c.escrowABI.PackRequestUnstake(tokens(101)), "InsufficientStake")
	c.mustRevert(c.provider, c.escrow, c.escrowABI.PackRequestUnstake(big.NewInt(0)), "ZeroAmount")
	r = c.must(c.provider, c.escrow, c.escrowABI.PackRequestUnstake(tokens(40)))
	findEvent(t, r, c.escrowABI.UnpackUnstakeRequestedEvent)

	c.mustRevert(c.provider, c.escrow, c.escrowABI.PackUnstake(), "UnstakeTooEarly")
	c.advance(testUnstakeDelay - 10e9)
	c.mustRevert(c.provider, c.escrow, c.escrowABI.PackUnstake(), "UnstakeTooEarly")
	c.advance(10e9)
	r = c.must(c.provider, c.escrow, c.escrowABI.PackUnstake())
	eq(t, "unstaked", findEvent(t, r, c.escrowABI.UnpackUnstakedEvent).Amount, tokens(40))
	eq(t, "stake left", c.stakeOf(prov).Amount, tokens(60))
	eq(t, "provider net", new(big.Int).Sub(before, c.balance(prov)), tokens(60))
}

// verdict signs a verdict with each of the signers.
func (c *chain) verdict(v Verdict, signers ...*ecdsa.PrivateKey) [][]byte {
	c.t.Helper()
	var sigs [][]byte
	for _, k := range signers {
		sig, err := SignVerdict(k, c.domain(), v)
		if err != nil {
			c.t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	return sigs
}

func (c *chain) slashData(v Verdict, sigs [][]byte) []byte {
	return c.escrowABI.PackSlash(v.Provider, v.Amount, v.DisputeID, v.Beneficiary, sigs)
}

func TestSlash(t *testing.T) {
	c := newChain(t, false)
	prov, beneficiary := addr(c.provider), addr(c.stranger)
	c.must(c.provider, c.escrow, c.escrowABI.PackStake(tokens(100)))
	v0, v1, v2 := c.validators[0], c.validators[1], c.validators[2]

	v := Verdict{Provider: prov, Amount: tokens(30), DisputeID: common.HexToHash("0xd1"), Beneficiary: beneficiary}
	above := Verdict{Provider: prov, Amount: tokens(101), DisputeID: common.HexToHash("0xd2"), Beneficiary: beneficiary}
	tests := []struct {
		name string
		v    Verdict
		sigs [][]byte
		want string
	}{
		{name: "too few signatures", v: v, sigs: c.verdict(v, v0), want: "TooFewSignatures"},
		{name: "no signatures", v: v, sigs: nil, want: "TooFewSignatures"},
		{name: "duplicate validator", v: v, sigs: c.verdict(v, v1, v1), want: "DuplicateValidator"},
		{name: "unregistered validator", v: v, sigs: c.verdict(v, v0, c.outsider), want: "UnknownValidator"},
		{name: "signed for another amount", v: Verdict{Provider: prov, Amount: tokens(31), DisputeID: v.DisputeID, Beneficiary: beneficiary}, sigs: c.verdict(v, v0, v1), want: "UnknownValidator"},
		{name: "malleable signature", v: v, sigs: [][]byte{c.verdict(v, v0)[0], highS(c.verdict(v, v1)[0])}, want: "MalleableSignature"},
		{name: "above stake", v: above, sigs: c.verdict(above, v0, v1), want: "InsufficientStake"},
		{name: "zero amount", v: Verdict{Provider: prov, Amount: big.NewInt(0), DisputeID: v.DisputeID, Beneficiary: beneficiary}, want: "ZeroAmount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			c.mustRevert(c.stranger, c.escrow, c.slashData(tt.v, tt.sigs), tt.want)
			eq(t, "stake", c.stakeOf(prov).Amount, tokens(100))
		})
	}
	c.t = t

	before := c.balance(beneficiary)
	r := c.must(c.stranger, c.escrow, c.slashData(v, c.verdict(v, v2, v0)))
	ev := findEvent(t, r, c.escrowABI.UnpackSlashedEvent)
	if ev.Provider != prov || ev.Beneficiary != beneficiary || common.Hash(ev.DisputeId) != v.DisputeID {
		t.Fatalf("slashed event %+v", ev)
	}
	eq(t, "slashed", ev.Amount, tokens(30))
	eq(t, "beneficiary received", new(big.Int).Sub(c.balance(beneficiary), before), tokens(30))
	eq(t, "stake left", c.stakeOf(prov).Amount, tokens(70))

	// Each dispute is settled once, even with fresh signatures and another amount.
	again := Verdict{Provider: prov, Amount: tokens(1), DisputeID: v.DisputeID, Beneficiary: beneficiary}
	c.mustRevert(c.stranger, c.escrow, c.slashData(again, c.verdict(again, v0, v1, v2)), "DisputeUsed")
}

// TestSlashReachesStakeBeingUnstaked: stake requested for unstake stays
// slashable; the unstake then pays only what is left.
func TestSlashReachesStakeBeingUnstaked(t *testing.T) {
	c := newChain(t, false)
	prov := addr(c.provider)
	c.must(c.provider, c.escrow, c.escrowABI.PackStake(tokens(100)))
	c.must(c.provider, c.escrow, c.escrowABI.PackRequestUnstake(tokens(100)))
	v := Verdict{Provider: prov, Amount: tokens(100), DisputeID: common.HexToHash("0xd3"), Beneficiary: addr(c.requester)}
	c.must(c.stranger, c.escrow, c.slashData(v, c.verdict(v, c.validators[0], c.validators[1])))
	c.advance(testUnstakeDelay)
	before := c.balance(prov)
	r := c.must(c.provider, c.escrow, c.escrowABI.PackUnstake())
	eq(t, "unstaked", findEvent(t, r, c.escrowABI.UnpackUnstakedEvent).Amount, big.NewInt(0))
	eq(t, "provider received", c.balance(prov), before)
}

func TestEscrowConstructorRejects(t *testing.T) {
	c := newChain(t, false)
	a, b := addr(c.validators[0]), addr(c.validators[1])
	tests := []struct {
		name       string
		token      common.Address
		validators []common.Address
		quorum     int64
		want       string
	}{
		{name: "token not a contract", token: addr(c.stranger), validators: []common.Address{a}, quorum: 1, want: "NotAContract"},
		{name: "quorum above validators", token: c.tokenAddr, validators: []common.Address{a, b}, quorum: 3, want: "BadQuorum"},
		{name: "quorum zero with validators", token: c.tokenAddr, validators: []common.Address{a}, quorum: 0, want: "BadQuorum"},
		{name: "duplicate validator", token: c.tokenAddr, validators: []common.Address{a, a}, quorum: 1, want: "DuplicateValidator"},
		{name: "zero validator", token: c.tokenAddr, validators: []common.Address{{}}, quorum: 1, want: "ZeroAddress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			_, _, err := bind.DeployContract(bind.NewKeyedTransactor(c.deployer, c.chainID), common.FromHex(bindings.EscrowMetaData.Bin), c.client,
				c.escrowABI.PackConstructor(tt.token, big.NewInt(1), big.NewInt(1), tt.validators, big.NewInt(tt.quorum)))
			if got := c.revertName(err); got != tt.want {
				t.Fatalf("deploy: %s (%v), want %s", got, err, tt.want)
			}
		})
	}
	c.t = t

	// Without validators slashing is disabled.
	noVal := c.deploy(bindings.EscrowMetaData.Bin, c.escrowABI.PackConstructor(c.tokenAddr, big.NewInt(1), big.NewInt(1), nil, big.NewInt(0)))
	v := Verdict{Provider: addr(c.provider), Amount: big.NewInt(1), DisputeID: common.HexToHash("0x1"), Beneficiary: addr(c.stranger)}
	c.mustRevert(c.stranger, c.escrowABI.Instance(c.client, noVal), c.slashData(v, nil), "SlashingDisabled")
}
