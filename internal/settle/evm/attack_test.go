package evm

import (
	"bytes"
	"crypto/ecdsa"
	"math/big"
	"testing"
)

// TestReentrancyWithHostileToken runs each paying Escrow operation with a
// token that re-enters the Escrow from inside transfer/transferFrom. When the
// token swallows the failed re-entry the operation completes exactly once;
// when it bubbles the failure the whole operation reverts and nothing moves.
func TestReentrancyWithHostileToken(t *testing.T) {
	type op struct {
		name   string
		setup  func(c *chain)
		sender func(c *chain) *ecdsa.PrivateKey
		data   func(c *chain) []byte
		attack func(c *chain) []byte // the re-entrant call the token makes
		check  func(t *testing.T, c *chain)
	}
	fund := func(c *chain) { c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(addr(c.provider), tokens(100))) }
	ops := []op{
		{
			name:   "deposit re-enters deposit",
			sender: func(c *chain) *ecdsa.PrivateKey { return c.requester },
			data:   func(c *chain) []byte { return c.escrowABI.PackDeposit(addr(c.provider), tokens(10)) },
			attack: func(c *chain) []byte { return c.escrowABI.PackDeposit(addr(c.provider), tokens(1)) },
			check: func(t *testing.T, c *chain) {
				eq(t, "balance", c.channel(addr(c.requester), addr(c.provider)).Balance, tokens(10))
			},
		},
		{
			name:   "redeem re-enters redeem",
			setup:  fund,
			sender: func(c *chain) *ecdsa.PrivateKey { return c.provider },
			data:   func(c *chain) []byte { return c.redeemData(tokens(10)) },
			attack: func(c *chain) []byte { return c.redeemData(tokens(20)) },
			check: func(t *testing.T, c *chain) {
				ch := c.channel(addr(c.requester), addr(c.provider))
				eq(t, "paid", ch.Paid, tokens(10))
				eq(t, "balance", ch.Balance, tokens(90))
			},
		},
		{
			name: "withdraw re-enters withdraw",
			setup: func(c *chain) {
				fund(c)
				c.must(c.requester, c.escrow, c.escrowABI.PackRequestWithdraw(addr(c.provider), tokens(40)))
				c.advance(testWithdrawDelay)
			},
			sender: func(c *chain) *ecdsa.PrivateKey { return c.requester },
			data:   func(c *chain) []byte { return c.escrowABI.PackWithdraw(addr(c.provider)) },
			attack: func(c *chain) []byte { return c.escrowABI.PackWithdraw(addr(c.provider)) },
			check: func(t *testing.T, c *chain) {
				eq(t, "balance", c.channel(addr(c.requester), addr(c.provider)).Balance, tokens(60))
			},
		},
		{
			name: "withdraw re-enters redeem",
			setup: func(c *chain) {
				fund(c)
				c.must(c.requester, c.escrow, c.escrowABI.PackRequestWithdraw(addr(c.provider), tokens(100)))
				c.advance(testWithdrawDelay)
			},
			sender: func(c *chain) *ecdsa.PrivateKey { return c.requester },
			data:   func(c *chain) []byte { return c.escrowABI.PackWithdraw(addr(c.provider)) },
			attack: func(c *chain) []byte { return c.redeemData(tokens(50)) },
			check: func(t *testing.T, c *chain) {
				ch := c.channel(addr(c.requester), addr(c.provider))
				eq(t, "balance", ch.Balance, big.NewInt(0))
				eq(t, "paid", ch.Paid, big.NewInt(0))
			},
		},
		{
			name: "unstake re-enters unstake",
			setup: func(c *chain) {
				c.must(c.provider, c.escrow, c.escrowABI.PackStake(tokens(50)))
				c.must(c.provider, c.escrow, c.escrowABI.PackRequestUnstake(tokens(50)))
				c.advance(testUnstakeDelay)
			},
			sender: func(c *chain) *ecdsa.PrivateKey { return c.provider },
			data:   func(c *chain) []byte { return c.escrowABI.PackUnstake() },
			attack: func(c *chain) []byte { return c.escrowABI.PackUnstake() },
			check: func(t *testing.T, c *chain) {
				eq(t, "stake", c.stakeOf(addr(c.provider)).Amount, big.NewInt(0))
			},
		},
	}
	for _, o := range ops {
		for _, bubble := range []bool{false, true} {
			name := o.name + "/swallowed"
			if bubble {
				name = o.name + "/bubbled"
			}
			t.Run(name, func(t *testing.T) {
				c := newChain(t, true)
				if o.setup != nil {
					o.setup(c)
				}
				escrowBefore := c.balance(c.escrowAddr)
				c.must(c.deployer, c.token, c.hostileABI.PackSetAttack(c.escrowAddr, o.attack(c), bubble))
				if bubble {
					c.mustRevert(o.sender(c), c.escrow, o.data(c), "TransferFailed")
					eq(t, "escrow tokens", c.balance(c.escrowAddr), escrowBefore)
					return
				}
				c.must(o.sender(c), c.escrow, o.data(c))
				if n := call(c, c.token, c.hostileABI.PackAttacks(), c.hostileABI.UnpackAttacks); n.Int64() != 1 {
					t.Fatalf("token attacked %v times, want 1", n)
				}
				if call(c, c.token, c.hostileABI.PackLastAttackOk(), c.hostileABI.UnpackLastAttackOk) {
					t.Fatal("re-entrant call succeeded")
				}
				res := call(c, c.token, c.hostileABI.PackLastAttackResult(), c.hostileABI.UnpackLastAttackResult)
				id := c.escrowABI.GetABI().Errors["Reentrancy"].ID
				want := id[:4]
				if !bytes.Equal(res, want) {
					t.Fatalf("re-entrant call failed with %x, want Reentrancy %x", res, want)
				}
				o.check(t, c)
			})
		}
	}
}

// TestTokenReturnValues: tokens that return no bool are accepted; tokens that
// return false are a failed transfer.
func TestTokenReturnValues(t *testing.T) {
	c := newChain(t, true)
	prov := addr(c.provider)
	c.must(c.deployer, c.token, c.hostileABI.PackSetReturn(true, false))
	c.must(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(10)))
	c.must(c.provider, c.escrow, c.redeemData(tokens(4)))
	eq(t, "paid", c.channel(addr(c.requester), prov).Paid, tokens(4))

	c.must(c.deployer, c.token, c.hostileABI.PackSetReturn(false, true))
	c.mustRevert(c.requester, c.escrow, c.escrowABI.PackDeposit(prov, tokens(10)), "TransferFailed")
	c.mustRevert(c.provider, c.escrow, c.redeemData(tokens(5)), "TransferFailed")
	ch := c.channel(addr(c.requester), prov)
	eq(t, "balance", ch.Balance, tokens(6))
	eq(t, "paid", ch.Paid, tokens(4))
}
