package evm

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

// Defaults of Config.
const (
	DefaultConfirmations = 1
	DefaultPollInterval  = time.Second
	DefaultRetries       = 5
)

// ErrConfig means a Config is incomplete.
var ErrConfig = errors.New("invalid settlement config")

// Config says which chain and contracts a Client settles on. The zero values
// of Confirmations, PollInterval and Retries mean their defaults.
type Config struct {
	// RPCURL is the chain's JSON-RPC endpoint (http, https, ws or ipc).
	RPCURL string `json:"rpcURL"`
	// ChainID must match the chain's; it is part of every signature.
	ChainID uint64 `json:"chainID"`
	// Escrow and Token are the contract addresses.
	Escrow common.Address `json:"escrow"`
	Token  common.Address `json:"token"`
	// ServiceRegistry is the ServiceRegistry contract's address (zero:
	// the chain has none; services are then only gossiped).
	ServiceRegistry common.Address `json:"serviceRegistry,omitempty"`
	// Confirmations is how many blocks (the including one counts) a
	// transaction needs before a call returns; default 1.
	Confirmations int `json:"confirmations,omitempty"`
	// PollInterval is how often receipts and the chain head are polled;
	// default 1 s (use tens of milliseconds on a dev chain).
	PollInterval time.Duration `json:"pollInterval,omitempty"`
	// Retries is how many times a transient RPC failure (connection refused,
	// timeout, HTTP 5xx) or a stale nonce is retried, with backoff; default 5.
	Retries int `json:"retries,omitempty"`
}

func (c *Config) validate() error {
	switch {
	case c.RPCURL == "":
		return fmt.Errorf("%w: no RPC URL", ErrConfig)
	case c.ChainID == 0:
		return fmt.Errorf("%w: no chain ID", ErrConfig)
	case c.Escrow == (common.Address{}) || c.Token == (common.Address{}):
		return fmt.Errorf("%w: escrow and token addresses are required", ErrConfig)
	}
	if c.Confirmations <= 0 {
		c.Confirmations = DefaultConfirmations
	}
	if c.PollInterval <= 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Retries <= 0 {
		c.Retries = DefaultRetries
	}
	return nil
}

// Backend is the part of a JSON-RPC client a Client uses; *ethclient.Client
// implements it.
type Backend interface {
	ethereum.ChainIDReader
	ethereum.BlockNumberReader
	ethereum.ContractCaller
	ethereum.GasEstimator
	ethereum.TransactionSender
	ethereum.TransactionReader
	ethereum.PendingStateReader
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	SuggestGasTipCap(ctx context.Context) (*big.Int, error)
}

// Client is a settle.Settlement on an EVM chain: it acts as one key's
// account on the Escrow contract.
type Client struct {
	cfg     Config
	log     *slog.Logger
	eth     Backend
	closer  func()
	id      *identity.Key     // signs vouchers
	key     *ecdsa.PrivateKey // the same key, for go-ethereum's transaction signer
	from    common.Address
	chainID *big.Int
	signer  types.Signer
	domain  Domain

	escrow   *bindings.Escrow
	token    *bindings.DecoToken
	registry *bindings.ServiceRegistry
	abis     []abi.ABI // escrow, token, registry: to name revert reasons

	nonceMu    sync.Mutex // held while a transaction is built, signed and sent
	nonce      uint64
	nonceKnown bool

	approveMu sync.Mutex // one allowance top-up at a time
}

var _ settle.Settlement = (*Client)(nil)

// Dial connects to cfg.RPCURL, checks the chain ID and returns a Client
// acting as key. A nil logger discards.
func Dial(ctx context.Context, cfg Config, key *identity.Key, logger *slog.Logger) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ec, err := ethclient.DialContext(ctx, cfg.RPCURL)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.RPCURL, err)
	}
	c, err := New(ctx, cfg, ec, key, logger)
	if err != nil {
		ec.Close()
		return nil, err
	}
	c.closer = ec.Close
	return c, nil
}

// New returns a Client on an existing backend; it checks the chain ID.
func New(ctx context.Context, cfg Config, backend Backend, key *identity.Key, logger *slog.Logger) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	priv, err := crypto.ToECDSA(key.Bytes())
	if err != nil {
		return nil, fmt.Errorf("settlement key: %w", err)
	}
	c := &Client{
		cfg: cfg, eth: backend, id: key, key: priv, from: crypto.PubkeyToAddress(priv.PublicKey),
		chainID: new(big.Int).SetUint64(cfg.ChainID),
		escrow:  bindings.NewEscrow(), token: bindings.NewDecoToken(), registry: bindings.NewServiceRegistry(),
	}
	c.log = logger.With("account", identity.Address(c.from))
	c.signer = types.LatestSignerForChainID(c.chainID)
	c.domain = Domain{ChainID: c.chainID, Contract: cfg.Escrow}
	c.abis = []abi.ABI{c.escrow.GetABI(), c.token.GetABI(), c.registry.GetABI()}
	var id *big.Int
	err = c.retry(ctx, func() (err error) { id, err = backend.ChainID(ctx); return err })
	if err != nil {
		return nil, fmt.Errorf("chain id: %w", err)
	}
	if id.Cmp(c.chainID) != 0 {
		return nil, fmt.Errorf("%w: chain ID is %s, configured %d", ErrConfig, id, cfg.ChainID)
	}
	return c, nil
}

// Close closes the connection Dial opened.
func (c *Client) Close() error {
	if c.closer != nil {
		c.closer()
	}
	return nil
}

// Address is the account the Client acts as.
func (c *Client) Address() identity.Address { return identity.Address(c.from) }

// Domain is the EIP-712 domain vouchers are signed for.
func (c *Client) Domain() Domain { return c.domain }

// Balance is addr's token balance.
func (c *Client) Balance(ctx context.Context, addr identity.Address) (money.Amount, error) {
	b, err := callView(c, ctx, c.cfg.Token, c.token.PackBalanceOf(common.Address(addr)), c.token.UnpackBalanceOf)
	if err != nil {
		return 0, fmt.Errorf("balance of %s: %w", addr, err)
	}
	return settle.FromTokenUnits(b)
}

// Deposit adds amount to the channel from this account to provider,
// approving the Escrow to pull tokens first when the allowance is short.
func (c *Client) Deposit(ctx context.Context, provider identity.Address, amount money.Amount) (settle.TxResult, error) {
	if err := c.ensureAllowance(ctx, amount); err != nil {
		return settle.TxResult{}, fmt.Errorf("deposit: %w", err)
	}
	return c.transact(ctx, "deposit", c.escrow.PackDeposit(common.Address(provider), settle.ToTokenUnits(amount)))
}

// Channel reads the channel from requester to provider.
func (c *Client) Channel(ctx context.Context, requester, provider identity.Address) (settle.Channel, error) {
	ch, err := callView(c, ctx, c.cfg.Escrow, c.escrow.PackChannel(common.Address(requester), common.Address(provider)), c.escrow.UnpackChannel)
	if err != nil {
		return settle.Channel{}, fmt.Errorf("channel %s to %s: %w", requester, provider, err)
	}
	out := settle.Channel{Requester: requester, Provider: provider, WithdrawAt: unixTime(ch.WithdrawAt)}
	for _, f := range []struct {
		dst *money.Amount
		src *big.Int
	}{{&out.Balance, ch.Balance}, {&out.Claimed, ch.Claimed}, {&out.Paid, ch.Paid}, {&out.WithdrawAmount, ch.WithdrawAmount}} {
		if *f.dst, err = settle.FromTokenUnits(f.src); err != nil {
			return settle.Channel{}, fmt.Errorf("channel %s to %s: %w", requester, provider, err)
		}
	}
	out.Owed = out.Claimed - out.Paid
	return out, nil
}

// SignVoucher signs a voucher from this account to provider for cumulative.
func (c *Client) SignVoucher(provider identity.Address, cumulative money.Amount) (settle.SignedVoucher, error) {
	if cumulative < 0 {
		return settle.SignedVoucher{}, fmt.Errorf("sign voucher: %w", ErrBadAmount)
	}
	digest, err := VoucherDigest(c.domain, Voucher{
		Requester: c.from, Provider: common.Address(provider), CumulativeAmount: settle.ToTokenUnits(cumulative),
	})
	if err != nil {
		return settle.SignedVoucher{}, fmt.Errorf("sign voucher: %w", err)
	}
	// go-ethereum's signer (libsecp256k1 with cgo) makes the same bytes as
	// c.id.SignHash (TestIdentitySignsAsGoEthereum) for about 60% of its
	// CPU time (BenchmarkSignVoucher against BenchmarkIdentitySignVoucher:
	// ~31 µs against ~50 µs here): a requester signs a voucher for every
	// batch of service requests.
	sig, err := signDigest(c.key, digest)
	if err != nil {
		return settle.SignedVoucher{}, fmt.Errorf("sign voucher: %w", err)
	}
	return settle.SignedVoucher{Requester: c.Address(), Provider: provider, Cumulative: cumulative, Signature: sig}, nil
}

// VerifyVoucher checks that v is signed by v.Requester for this chain and Escrow.
func (c *Client) VerifyVoucher(v settle.SignedVoucher) error {
	if v.Cumulative < 0 {
		return fmt.Errorf("verify voucher: %w", ErrBadAmount)
	}
	signer, err := VerifyVoucher(c.domain, Voucher{
		Requester: common.Address(v.Requester), Provider: common.Address(v.Provider),
		CumulativeAmount: settle.ToTokenUnits(v.Cumulative),
	}, v.Signature)
	if err != nil {
		return fmt.Errorf("verify voucher: %w: %w", settle.ErrBadSignature, err)
	}
	if signer != common.Address(v.Requester) {
		return fmt.Errorf("verify voucher: %w: signed by %s, not the requester %s",
			settle.ErrBadSignature, identity.Address(signer), v.Requester)
	}
	return nil
}

// Redeem redeems v; this account must be v's provider.
func (c *Client) Redeem(ctx context.Context, v settle.SignedVoucher) (settle.TxResult, error) {
	if v.Cumulative <= 0 {
		return settle.TxResult{}, fmt.Errorf("redeem: %w", settle.ErrZeroAmount)
	}
	return c.transact(ctx, "redeem", c.escrow.PackRedeem(common.Address(v.Requester), common.Address(v.Provider),
		settle.ToTokenUnits(v.Cumulative), v.Signature))
}

// RequestWithdraw starts a withdrawal of up to amount from the channel to provider.
func (c *Client) RequestWithdraw(ctx context.Context, provider identity.Address, amount money.Amount) (settle.TxResult, error) {
	return c.transact(ctx, "request withdrawal", c.escrow.PackRequestWithdraw(common.Address(provider), settle.ToTokenUnits(amount)))
}

// Withdraw executes the pending withdrawal from the channel to provider.
func (c *Client) Withdraw(ctx context.Context, provider identity.Address) (settle.TxResult, error) {
	return c.transact(ctx, "withdraw", c.escrow.PackWithdraw(common.Address(provider)))
}

// Stake adds amount to this account's stake, approving the Escrow first when needed.
func (c *Client) Stake(ctx context.Context, amount money.Amount) (settle.TxResult, error) {
	if err := c.ensureAllowance(ctx, amount); err != nil {
		return settle.TxResult{}, fmt.Errorf("stake: %w", err)
	}
	return c.transact(ctx, "stake", c.escrow.PackStake(settle.ToTokenUnits(amount)))
}

// StakeOf reads provider's stake.
func (c *Client) StakeOf(ctx context.Context, provider identity.Address) (settle.Stake, error) {
	st, err := callView(c, ctx, c.cfg.Escrow, c.escrow.PackStakes(common.Address(provider)), c.escrow.UnpackStakes)
	if err != nil {
		return settle.Stake{}, fmt.Errorf("stake of %s: %w", provider, err)
	}
	out := settle.Stake{UnstakeAt: unixTime(st.UnstakeAt)}
	if out.Amount, err = settle.FromTokenUnits(st.Amount); err != nil {
		return settle.Stake{}, err
	}
	if out.UnstakeAmount, err = settle.FromTokenUnits(st.UnstakeAmount); err != nil {
		return settle.Stake{}, err
	}
	return out, nil
}

// RequestUnstake starts an unstake of amount.
func (c *Client) RequestUnstake(ctx context.Context, amount money.Amount) (settle.TxResult, error) {
	return c.transact(ctx, "request unstake", c.escrow.PackRequestUnstake(settle.ToTokenUnits(amount)))
}

// Unstake executes the pending unstake.
func (c *Client) Unstake(ctx context.Context) (settle.TxResult, error) {
	return c.transact(ctx, "unstake", c.escrow.PackUnstake())
}

// ensureAllowance checks this account holds amount and approves the Escrow
// for unlimited tokens when its allowance is below amount. (The Escrow
// reports a failed token pull only as TransferFailed; the balance check
// names the usual cause.)
func (c *Client) ensureAllowance(ctx context.Context, amount money.Amount) error {
	if amount <= 0 {
		return settle.ErrZeroAmount
	}
	have, err := c.Balance(ctx, c.Address())
	if err != nil {
		return err
	}
	if have < amount {
		return fmt.Errorf("%w: balance %s, need %s", settle.ErrInsufficientFunds, have, amount)
	}
	c.approveMu.Lock()
	defer c.approveMu.Unlock()
	allowed, err := callView(c, ctx, c.cfg.Token, c.token.PackAllowance(c.from, c.cfg.Escrow), c.token.UnpackAllowance)
	if err != nil {
		return fmt.Errorf("allowance: %w", err)
	}
	if allowed.Cmp(settle.ToTokenUnits(amount)) >= 0 {
		return nil
	}
	maxUint := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	if _, err := c.send(ctx, "approve", c.cfg.Token, c.token.PackApprove(c.cfg.Escrow, maxUint)); err != nil {
		return err
	}
	return nil
}

// transact sends a call to the Escrow and describes the confirmed result.
func (c *Client) transact(ctx context.Context, what string, data []byte) (settle.TxResult, error) {
	r, err := c.send(ctx, what, c.cfg.Escrow, data)
	if err != nil {
		return settle.TxResult{}, err
	}
	res := settle.TxResult{Tx: r.TxHash.Hex(), Block: r.BlockNumber.Uint64(), GasUsed: r.GasUsed}
	escrowABI := c.abis[0]
	for _, l := range r.Logs {
		if l.Address != c.cfg.Escrow || len(l.Topics) == 0 {
			continue
		}
		ev, err := escrowABI.EventByID(l.Topics[0])
		if err != nil {
			continue
		}
		fields := map[string]any{}
		if err := ev.Inputs.NonIndexed().UnpackIntoMap(fields, l.Data); err != nil {
			return res, fmt.Errorf("%s: decode %s event: %w", what, ev.Name, err)
		}
		amount, _ := fields["amount"].(*big.Int)
		if ev.Name == "Redeemed" {
			amount, _ = fields["paid"].(*big.Int)
			if owed, ok := fields["owed"].(*big.Int); ok {
				if res.Owed, err = settle.FromTokenUnits(owed); err != nil {
					return res, fmt.Errorf("%s: %w", what, err)
				}
			}
		}
		if amount != nil {
			if res.Amount, err = settle.FromTokenUnits(amount); err != nil {
				return res, fmt.Errorf("%s: %w", what, err)
			}
		}
	}
	return res, nil
}

// callView runs a read-only contract call, retrying transient failures.
func callView[T any](c *Client, ctx context.Context, to common.Address, data []byte, unpack func([]byte) (T, error)) (T, error) {
	var out []byte
	err := c.retry(ctx, func() (err error) {
		out, err = c.eth.CallContract(ctx, ethereum.CallMsg{From: c.from, To: &to, Data: data}, nil)
		return err
	})
	if err != nil {
		var zero T
		return zero, c.mapError(err)
	}
	return unpack(out)
}

func unixTime(sec *big.Int) time.Time {
	if sec == nil || sec.Sign() == 0 || !sec.IsInt64() {
		return time.Time{}
	}
	return time.Unix(sec.Int64(), 0).UTC()
}
