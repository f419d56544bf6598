package evm

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"

	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

const (
	testWithdrawDelay = time.Hour
	testUnstakeDelay  = 2 * time.Hour
	testQuorum        = 2
)

// ether is 10^18 token base units (one DECO).
var ether = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

func tokens(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), ether) }

// chain is an in-process EVM (go-ethereum's simulated backend) with a token
// and an Escrow deployed, and funded accounts.
type chain struct {
	t       *testing.T
	sim     *simulated.Backend
	client  simulated.Client
	chainID *big.Int

	deployer, requester, provider, stranger *ecdsa.PrivateKey
	validators                              []*ecdsa.PrivateKey // the first three are registered
	outsider                                *ecdsa.PrivateKey   // a would-be validator, not registered

	tokenAddr, escrowAddr common.Address
	token                 *bind.BoundContract // DecoToken or HostileToken (same ERC-20 calls)
	escrow                *bind.BoundContract
	tokenABI              *bindings.DecoToken
	hostileABI            *bindings.HostileToken
	escrowABI             *bindings.Escrow
	hostile               bool
}

func key(t testing.TB, seed byte) *ecdsa.PrivateKey { return testKey(t, seed) }

func addr(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }

// newChain deploys DecoToken (or HostileToken when hostile) and an Escrow
// with three validators and quorum 2, and gives requester and provider
// 1,000 tokens each, approved to the Escrow.
func newChain(t *testing.T, hostile bool, opts ...func(*node.Config, *ethconfig.Config)) *chain {
	t.Helper()
	c := &chain{
		t: t, deployer: key(t, 10), requester: key(t, 11), provider: key(t, 12), stranger: key(t, 13),
		validators: []*ecdsa.PrivateKey{key(t, 20), key(t, 21), key(t, 22)}, outsider: key(t, 23),
		tokenABI: bindings.NewDecoToken(), hostileABI: bindings.NewHostileToken(), escrowABI: bindings.NewEscrow(),
		hostile: hostile,
	}
	alloc := types.GenesisAlloc{}
	for _, k := range []*ecdsa.PrivateKey{c.deployer, c.requester, c.provider, c.stranger} {
		alloc[addr(k)] = types.Account{Balance: tokens(100)}
	}
	c.sim = simulated.NewBackend(alloc, opts...)
	t.Cleanup(func() { _ = c.sim.Close() })
	c.client = c.sim.Client()
	id, err := c.client.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.chainID = id

	if hostile {
		c.tokenAddr = c.deploy(bindings.HostileTokenMetaData.Bin, nil)
		c.token = c.hostileABI.Instance(c.client, c.tokenAddr)
	} else {
		c.tokenAddr = c.deploy(bindings.DecoTokenMetaData.Bin, c.tokenABI.PackConstructor(true))
		c.token = c.tokenABI.Instance(c.client, c.tokenAddr)
	}
	var vals []common.Address
	for _, v := range c.validators {
		vals = append(vals, addr(v))
	}
	c.escrowAddr = c.deploy(bindings.EscrowMetaData.Bin, c.escrowABI.PackConstructor(
		c.tokenAddr, seconds(testWithdrawDelay), seconds(testUnstakeDelay), vals, big.NewInt(testQuorum)))
	c.escrow = c.escrowABI.Instance(c.client, c.escrowAddr)

	for _, k := range []*ecdsa.PrivateKey{c.requester, c.provider} {
		c.mint(addr(k), tokens(1000))
		c.must(k, c.token, c.tokenABI.PackApprove(c.escrowAddr, abiMaxUint256()))
	}
	return c
}

func seconds(d time.Duration) *big.Int { return big.NewInt(int64(d / time.Second)) }

func abiMaxUint256() *big.Int {
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
}

func (c *chain) mint(to common.Address, amount *big.Int) {
	c.t.Helper()
	if c.hostile {
		c.must(c.deployer, c.token, c.hostileABI.PackMint(to, amount))
		return
	}
	c.must(c.deployer, c.token, c.tokenABI.PackMint(to, amount))
}

func (c *chain) deploy(bin string, ctorInput []byte) common.Address {
	c.t.Helper()
	opts := bind.NewKeyedTransactor(c.deployer, c.chainID)
	a, tx, err := bind.DeployContract(opts, common.FromHex(bin), c.client, ctorInput)
	if err != nil {
		c.t.Fatalf("deploy: %v", err)
	}
	c.sim.Commit()
	c.receipt(tx)
	return a
}

// send transacts from k and mines a block; a revert is returned as an error
// carrying the revert data (see revertName).
func (c *chain) send(k *ecdsa.PrivateKey, to *bind.BoundContract, data []byte) (*types.Receipt, error) {
	opts := bind.NewKeyedTransactor(k, c.chainID)
	tx, err := bind.Transact(to, opts, data)
	if err != nil {
		return nil, err
	}
	c.sim.Commit()
	r := c.receipt(tx)
	if r.Status != types.ReceiptStatusSuccessful {
		return r, errors.New("transaction reverted")
	}
	return r, nil
}

func (c *chain) must(k *ecdsa.PrivateKey, to *bind.BoundContract, data []byte) *types.Receipt {
	c.t.Helper()
	r, err := c.send(k, to, data)
	if err != nil {
		c.t.Fatalf("transaction: %v (%s)", err, c.revertName(err))
	}
	return r
}

// mustRevert sends a transaction that must fail with the Escrow error errName.
func (c *chain) mustRevert(k *ecdsa.PrivateKey, to *bind.BoundContract, data []byte, errName string) {
	c.t.Helper()
	_, err := c.send(k, to, data)
	if err == nil {
		c.t.Fatalf("transaction succeeded, want revert %s", errName)
	}
	if got := c.revertName(err); got != errName {
		c.t.Fatalf("reverted with %s (%v), want %s", got, err, errName)
	}
}

func (c *chain) receipt(tx *types.Transaction) *types.Receipt {
	c.t.Helper()
	r, err := c.client.TransactionReceipt(context.Background(), tx.Hash())
	if err != nil {
		c.t.Fatalf("receipt: %v", err)
	}
	return r
}

// revertName names the Escrow custom error in err's revert data.
func (c *chain) revertName(err error) string {
	data := revertDataOf(err)
	if len(data) < 4 {
		return fmt.Sprintf("no revert data (%v)", err)
	}
	for _, abi := range []func() abi.ABI{c.escrowABI.GetABI, c.tokenABI.GetABI} {
		for name, e := range abi().Errors {
			if string(e.ID[:4]) == string(data[:4]) {
				return name
			}
		}
	}
	return fmt.Sprintf("unknown error %x", data)
}

func call[T any](c *chain, to *bind.BoundContract, data []byte, unpack func([]byte) (T, error)) T {
	c.t.Helper()
	v, err := bind.Call(to, &bind.CallOpts{}, data, unpack)
	if err != nil {
		c.t.Fatalf("call: %v", err)
	}
	return v
}

func (c *chain) balance(a common.Address) *big.Int {
	c.t.Helper()
	return call(c, c.token, c.tokenABI.PackBalanceOf(a), c.tokenABI.UnpackBalanceOf)
}

func (c *chain) channel(requester, provider common.Address) bindings.EscrowChannel {
	c.t.Helper()
	return call(c, c.escrow, c.escrowABI.PackChannel(requester, provider), c.escrowABI.UnpackChannel)
}

func (c *chain) stakeOf(provider common.Address) bindings.EscrowStake {
	c.t.Helper()
	return call(c, c.escrow, c.escrowABI.PackStakes(provider), c.escrowABI.UnpackStakes)
}

func (c *chain) domain() Domain { return Domain{ChainID: c.chainID, Contract: c.escrowAddr} }

// voucher signs a voucher from requester to provider over amount.
func (c *chain) voucher(signer *ecdsa.PrivateKey, requester, provider common.Address, amount *big.Int) []byte {
	c.t.Helper()
	sig, err := SignVoucher(signer, c.domain(), Voucher{Requester: requester, Provider: provider, CumulativeAmount: amount})
	if err != nil {
		c.t.Fatal(err)
	}
	return sig
}

// redeemData packs a redeem of a voucher signed by the requester.
func (c *chain) redeemData(amount *big.Int) []byte {
	sig := c.voucher(c.requester, addr(c.requester), addr(c.provider), amount)
	return c.escrowABI.PackRedeem(addr(c.requester), addr(c.provider), amount, sig)
}

func (c *chain) advance(d time.Duration) {
	c.t.Helper()
	// AdjustTime refuses while the pending block holds a transaction the
	// pool promoted after the last Commit; mine it and try again.
	var err error
	for i := 0; i < 50; i++ {
		if err = c.sim.AdjustTime(d); err == nil {
			c.sim.Commit()
			return
		}
		c.sim.Commit()
		time.Sleep(10 * time.Millisecond)
	}
	c.t.Fatal(err)
}

func eq(t *testing.T, what string, got, want *big.Int) {
	t.Helper()
	if got.Cmp(want) != 0 {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
