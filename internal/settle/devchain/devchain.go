// Package devchain runs deco's dev settlement chain in process, served over
// JSON-RPC HTTP on loopback, with the DecoToken, Escrow and ServiceRegistry
// contracts deployed and accounts funded with gas money and tokens. `deco devnet` and
// `deco chain serve` run it; tests settle on it.
//
// The chain is go-ethereum's own state transition (core.ApplyTransaction on
// a core/state StateDB, every fork go-ethereum knows switched on, Bogota
// included: params.AllDevChainProtocolChanges) and its EVM, with a
// small block producer in front instead of a full node: it mines a block for
// each transaction as it arrives, keeps blocks, receipts and state in
// memory, and answers the JSON-RPC methods clients use (see newRPCServer).
// A full geth node (node, eth, catalyst, txpool, p2p, pebble) would double
// the deco binary and its resident memory for the same behaviour.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

// Defaults of Config.
const (
	DefaultChainID       = 1337
	DefaultWithdrawDelay = 60 * time.Second
	DefaultUnstakeDelay  = 120 * time.Second
	// DefaultFundTokens is the DECO each funded account receives.
	DefaultFundTokens = 10_000 * money.Unit
)

// DefaultFundGas is the ether (wei) each funded account receives for gas: 100 ETH.
var DefaultFundGas = new(big.Int).Mul(big.NewInt(100), big.NewInt(params.Ether))

// ErrClosed means the chain was closed.
var ErrClosed = errors.New("dev chain closed")

// Config configures a dev chain. The zero value is usable.
type Config struct {
	// ChainID defaults to DefaultChainID.
	ChainID uint64
	// Addr is the host:port to serve JSON-RPC HTTP on; default 127.0.0.1:0
	// (any free port). Keep it on loopback: the endpoint has no authentication.
	Addr string
	// WithdrawDelay and UnstakeDelay configure the Escrow (whole seconds);
	// defaults DefaultWithdrawDelay and DefaultUnstakeDelay.
	WithdrawDelay, UnstakeDelay time.Duration
	// Validators may sign slashing verdicts; Quorum of them are needed. None
	// (the default) disables slashing.
	Validators []identity.Address
	Quorum     int
	// Fund lists accounts funded at start (see Chain.Fund).
	Fund []identity.Address
	// FundGas (wei) and FundTokens are what each funded account receives;
	// defaults DefaultFundGas and DefaultFundTokens.
	FundGas    *big.Int
	FundTokens money.Amount
	// Logger defaults to discarding.
	Logger *slog.Logger
}

// Info is what a node needs to settle on the chain; it is what `deco chain
// serve` writes to chain.json.
type Info struct {
	RPCURL  string           `json:"rpcURL"`
	ChainID uint64           `json:"chainID"`
	Token   identity.Address `json:"token"`
	Escrow  identity.Address `json:"escrow"`
	// ServiceRegistry is the ServiceRegistry contract (pay-per-request
	// services registered on chain).
	ServiceRegistry identity.Address `json:"serviceRegistry"`
}

// DevPollInterval is how often a node polls the dev chain for receipts.
const DevPollInterval = 50 * time.Millisecond

// Settlement is the settlement config a node uses on this chain (one
// confirmation, receipts polled every DevPollInterval): what `deco chain
// serve` writes to chain.json.
func (i Info) Settlement() evm.Config {
	return evm.Config{
		RPCURL: i.RPCURL, ChainID: i.ChainID,
		Escrow: common.Address(i.Escrow), Token: common.Address(i.Token), ServiceRegistry: common.Address(i.ServiceRegistry),
		Confirmations: 1, PollInterval: DevPollInterval,
	}
}

// WriteSettlement writes Info().Settlement() as JSON to path (atomically):
// a node whose data directory holds it as chain.json settles on this chain.
func (c *Chain) WriteSettlement(path string) error {
	b, err := json.MarshalIndent(c.info.Settlement(), "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".chain-*.json")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Chain is a running dev chain.
type Chain struct {
	cfg    Config
	log    *slog.Logger
	ledger *ledger
	rpc    *rpc.Server
	http   *http.Server
	served chan struct{} // closed when http.Serve returns
	info   Info

	deployer *ecdsa.PrivateKey
	chainID  *big.Int
	signer   types.Signer
	token    *bindings.DecoToken

	mu     sync.Mutex // serializes the deployer's transactions and Close
	nonce  uint64
	closed bool
}

// Start starts a chain, deploys the contracts and funds cfg.Fund.
func Start(ctx context.Context, cfg Config) (*Chain, error) {
	if cfg.ChainID == 0 {
		cfg.ChainID = DefaultChainID
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.WithdrawDelay == 0 {
		cfg.WithdrawDelay = DefaultWithdrawDelay
	}
	if cfg.UnstakeDelay == 0 {
		cfg.UnstakeDelay = DefaultUnstakeDelay
	}
	if cfg.FundGas == nil {
		cfg.FundGas = DefaultFundGas
	}
	if cfg.FundTokens == 0 {
		cfg.FundTokens = DefaultFundTokens
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := checkValidators(cfg.Validators, cfg.Quorum); err != nil {
		return nil, err
	}
	if _, port, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, fmt.Errorf("dev chain address %q: %w", cfg.Addr, err)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, fmt.Errorf("dev chain port %q: %w", port, err)
	}
	deployer, err := crypto.GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("deployer key: %w", err)
	}
	c := &Chain{
		cfg: cfg, log: cfg.Logger, deployer: deployer,
		chainID: new(big.Int).SetUint64(cfg.ChainID), token: bindings.NewDecoToken(),
	}
	c.signer = types.LatestSignerForChainID(c.chainID)
	if err := c.serve(); err != nil {
		return nil, err
	}
	if err := c.deploy(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := c.Fund(ctx, cfg.Fund...); err != nil {
		_ = c.Close()
		return nil, err
	}
	c.log.Info("dev chain started", "rpc", c.info.RPCURL, "chainID", cfg.ChainID,
		"token", c.info.Token, "escrow", c.info.Escrow, "validators", len(cfg.Validators), "quorum", cfg.Quorum)
	return c, nil
}

// ErrBadValidators means a Config's validators and quorum cannot be deployed.
var ErrBadValidators = errors.New("bad validator set")

// checkValidators applies the Escrow constructor's rules, so that a bad
// set is refused with a reason rather than a reverted deployment.
func checkValidators(vals []identity.Address, quorum int) error {
	switch {
	case len(vals) == 0 && quorum != 0:
		return fmt.Errorf("%w: quorum %d without validators (no validators means quorum 0: slashing disabled)", ErrBadValidators, quorum)
	case len(vals) > 0 && (quorum < 1 || quorum > len(vals)):
		return fmt.Errorf("%w: quorum %d of %d validators, want 1 to %d", ErrBadValidators, quorum, len(vals), len(vals))
	case len(vals) > maxValidators:
		return fmt.Errorf("%w: %d validators, at most %d", ErrBadValidators, len(vals), maxValidators)
	}
	seen := map[identity.Address]bool{}
	for _, v := range vals {
		if v == (identity.Address{}) {
			return fmt.Errorf("%w: the zero address", ErrBadValidators)
		}
		if seen[v] {
			return fmt.Errorf("%w: %s twice", ErrBadValidators, v)
		}
		seen[v] = true
	}
	return nil
}

// maxValidators is the Escrow's MAX_VALIDATORS.
const maxValidators = 256

// serve makes the genesis block and serves JSON-RPC on cfg.Addr.
func (c *Chain) serve() error {
	chainConfig := *params.AllDevChainProtocolChanges
	chainConfig.ChainID = new(big.Int).Set(c.chainID)
	// Practically unlimited gas money for the deployer, who funds everyone.
	alloc := types.GenesisAlloc{
		crypto.PubkeyToAddress(c.deployer.PublicKey): {Balance: new(big.Int).Lsh(big.NewInt(1), 200)},
	}
	l, err := newLedger(&chainConfig, alloc, time.Now)
	if err != nil {
		return err
	}
	srv, err := newRPCServer(l)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.cfg.Addr)
	if err != nil {
		srv.Stop()
		return fmt.Errorf("dev chain: %w", err)
	}
	c.ledger, c.rpc = l, srv
	c.http = &http.Server{Handler: loopbackHosts(srv), ReadHeaderTimeout: 10 * time.Second}
	c.served = make(chan struct{})
	go func() {
		defer close(c.served)
		if err := c.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("dev chain rpc stopped", "err", err)
		}
	}()
	c.info = Info{RPCURL: "http://" + ln.Addr().String(), ChainID: c.cfg.ChainID}
	return nil
}

func (c *Chain) deploy(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, err := c.sendLocked(ctx, nil, common.FromHex(bindings.DecoTokenMetaData.Bin+
		common.Bytes2Hex(c.token.PackConstructor(true))), nil)
	if err != nil {
		return fmt.Errorf("deploy token: %w", err)
	}
	tokenAddr := r.ContractAddress
	vals := make([]common.Address, len(c.cfg.Validators))
	for i, v := range c.cfg.Validators {
		vals[i] = common.Address(v)
	}
	ctor := bindings.NewEscrow().PackConstructor(tokenAddr, seconds(c.cfg.WithdrawDelay),
		seconds(c.cfg.UnstakeDelay), vals, big.NewInt(int64(c.cfg.Quorum)))
	r, err = c.sendLocked(ctx, nil, append(common.FromHex(bindings.EscrowMetaData.Bin), ctor...), nil)
	if err != nil {
		return fmt.Errorf("deploy escrow: %w", err)
	}
	c.info.Token = identity.Address(tokenAddr)
	c.info.Escrow = identity.Address(r.ContractAddress)
	r, err = c.sendLocked(ctx, nil, common.FromHex(bindings.ServiceRegistryMetaData.Bin), nil)
	if err != nil {
		return fmt.Errorf("deploy service registry: %w", err)
	}
	c.info.ServiceRegistry = identity.Address(r.ContractAddress)
	return nil
}

func seconds(d time.Duration) *big.Int { return big.NewInt(int64(d / time.Second)) }

// Info returns the chain's RPC URL, chain ID and contract addresses.
func (c *Chain) Info() Info { return c.info }

// Fund sends each address the configured gas money and mints it the
// configured tokens; it returns when all of it is mined.
func (c *Chain) Fund(ctx context.Context, addrs ...identity.Address) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	tokens := settle.ToTokenUnits(c.cfg.FundTokens)
	tokenAddr := common.Address(c.info.Token)
	for _, a := range addrs {
		to := common.Address(a)
		if _, err := c.sendLocked(ctx, &to, nil, c.cfg.FundGas); err != nil {
			return fmt.Errorf("fund %s with gas money: %w", a, err)
		}
		if _, err := c.sendLocked(ctx, &tokenAddr, c.token.PackMint(to, tokens), nil); err != nil {
			return fmt.Errorf("mint tokens to %s: %w", a, err)
		}
		c.log.Debug("funded", "address", a, "tokens", c.cfg.FundTokens)
	}
	return nil
}

// AdjustTime moves the chain's clock forward by d (whole seconds) and seals
// an empty block at the new time; later blocks keep the offset.
func (c *Chain) AdjustTime(d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if err := c.ledger.adjustTime(context.Background(), d.Truncate(time.Second)); err != nil {
		return fmt.Errorf("adjust dev chain time: %w", err)
	}
	return nil
}

// sendLocked sends a transaction from the deployer (to == nil deploys) and
// returns its receipt once it is mined successfully. c.mu is held.
func (c *Chain) sendLocked(ctx context.Context, to *common.Address, data []byte, value *big.Int) (*types.Receipt, error) {
	if c.closed {
		return nil, ErrClosed
	}
	from := crypto.PubkeyToAddress(c.deployer.PublicKey)
	st, header, err := c.ledger.stateAt(c.ledger.latest().block.NumberU64(), true)
	if err != nil {
		return nil, err
	}
	gas, _, err := c.ledger.estimate(ctx, newCallMessage(from, to, 0, value, nil, nil, nil, data, header.BaseFee), st, header)
	if err != nil {
		return nil, fmt.Errorf("estimate gas: %w", err)
	}
	if value == nil {
		value = new(big.Int)
	}
	tip := big.NewInt(params.GWei)
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(header.BaseFee, big.NewInt(2)))
	tx, err := types.SignNewTx(c.deployer, c.signer, &types.DynamicFeeTx{
		ChainID: c.chainID, Nonce: c.nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas + gas/4, To: to, Value: value, Data: data,
	})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	r, err := c.ledger.send(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	c.nonce++
	if r.Status != types.ReceiptStatusSuccessful {
		return nil, fmt.Errorf("transaction %s reverted", tx.Hash())
	}
	return r, nil
}

// Close stops serving the chain; its state is lost.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.http.Close()
	<-c.served
	c.rpc.Stop()
	if err != nil {
		return fmt.Errorf("stop dev chain: %w", err)
	}
	return nil
}
