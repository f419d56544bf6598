// Package devchain runs deco's dev settlement chain in process: an EVM
// (go-ethereum with a simulated beacon that mines a block for each
// transaction) served over JSON-RPC HTTP on loopback, with the DecoToken and
// Escrow contracts deployed and accounts funded with gas money and tokens.
// `deco devnet` and `deco chain serve` run it; tests settle on it.
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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/event"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
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
}

// DevPollInterval is how often a node polls the dev chain for receipts.
const DevPollInterval = 50 * time.Millisecond

// Settlement is the settlement config a node uses on this chain (one
// confirmation, receipts polled every DevPollInterval): what `deco chain
// serve` writes to chain.json.
func (i Info) Settlement() evm.Config {
	return evm.Config{
		RPCURL: i.RPCURL, ChainID: i.ChainID,
		Escrow: common.Address(i.Escrow), Token: common.Address(i.Token),
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
	stack  *node.Node
	beacon *catalyst.SimulatedBeacon
	client *ethclient.Client // in process
	info   Info

	deployer *ecdsa.PrivateKey
	chainID  *big.Int
	signer   types.Signer
	token    *bindings.DecoToken

	eth    *eth.Ethereum
	quit   chan struct{} // closed by Close: stops mine
	done   chan struct{} // closed when mine returns
	adjust chan adjustReq

	mu     sync.Mutex // serializes the deployer's transactions and Close
	nonce  uint64
	closed bool
}

type adjustReq struct {
	d    time.Duration
	done chan error
}

// mine is the only goroutine that seals blocks: one as soon as transactions
// arrive (and, as a safety net, whenever the pool holds executable ones),
// and the empty blocks AdjustTime asks for.
func (c *Chain) mine(txs chan core.NewTxsEvent, sub event.Subscription) {
	defer close(c.done)
	defer sub.Unsubscribe()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-c.quit:
			return
		case <-txs:
			c.sealPending()
		case <-tick.C:
			c.sealPending()
			// An empty block every second keeps the chain's clock near the
			// wall clock: calls and gas estimates run against the latest
			// block's time, and time locks (withdrawal, unstake) must unlock
			// when the wall clock says so.
			if head := c.eth.BlockChain().CurrentBlock(); head != nil && time.Since(time.Unix(int64(head.Time), 0)) >= time.Second {
				c.beacon.Commit()
			}
		case req := <-c.adjust:
			c.sealPending()
			req.done <- c.beacon.AdjustTime(req.d)
		}
	}
}

func (c *Chain) sealPending() {
	for range 100 {
		if err := c.eth.TxPool().Sync(); err != nil {
			return
		}
		if executable, _ := c.eth.TxPool().Stats(); executable == 0 {
			return
		}
		c.beacon.Commit()
	}
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
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dev chain address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("dev chain port %q: %w", portStr, err)
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
	if err := c.startNode(host, port); err != nil {
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
		"token", c.info.Token, "escrow", c.info.Escrow)
	return c, nil
}

func (c *Chain) startNode(host string, port int) error {
	nodeConf := node.DefaultConfig
	nodeConf.DataDir = "" // in memory
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0}
	nodeConf.HTTPHost = host
	nodeConf.HTTPPort = port
	nodeConf.HTTPModules = []string{"eth", "net", "web3"}
	nodeConf.HTTPVirtualHosts = []string{"localhost", "127.0.0.1"}
	nodeConf.WSHost = ""
	nodeConf.AuthPort = 0
	stack, err := node.New(&nodeConf)
	if err != nil {
		return fmt.Errorf("dev chain node: %w", err)
	}

	chainConfig := *params.AllDevChainProtocolChanges
	chainConfig.ChainID = new(big.Int).Set(c.chainID)
	alloc := core.SystemContractAllocs()
	// Practically unlimited gas money for the deployer, who funds everyone.
	alloc[crypto.PubkeyToAddress(c.deployer.PublicKey)] = types.Account{
		Balance: new(big.Int).Lsh(big.NewInt(1), 200),
	}
	ethConf := ethconfig.Defaults
	ethConf.NetworkId = c.cfg.ChainID
	ethConf.Genesis = &core.Genesis{Config: &chainConfig, GasLimit: ethconfig.Defaults.Miner.GasCeil, Alloc: alloc}
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true

	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		_ = stack.Close()
		return fmt.Errorf("dev chain eth service: %w", err)
	}
	filterSystem := filters.NewFilterSystem(backend.APIBackend, filters.Config{})
	stack.RegisterAPIs([]rpc.API{{Namespace: "eth", Service: filters.NewFilterAPI(filterSystem)}})
	// Period 0: blocks are sealed only on demand, by c.mine.
	beacon, err := catalyst.NewSimulatedBeacon(0, common.Address{}, backend)
	if err != nil {
		_ = stack.Close()
		return fmt.Errorf("dev chain beacon: %w", err)
	}
	if err := stack.Start(); err != nil {
		_ = stack.Close()
		return fmt.Errorf("start dev chain: %w", err)
	}
	c.stack, c.beacon, c.eth = stack, beacon, backend
	// Subscribe before anyone can send, so no transaction is missed.
	txs := make(chan core.NewTxsEvent, 64)
	sub := backend.TxPool().SubscribeTransactions(txs, true)
	c.quit, c.done = make(chan struct{}), make(chan struct{})
	c.adjust = make(chan adjustReq)
	go c.mine(txs, sub)
	c.client = ethclient.NewClient(stack.Attach())
	c.info = Info{RPCURL: stack.HTTPEndpoint(), ChainID: c.cfg.ChainID}
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

// AdjustTime moves the chain's clock forward by d (whole seconds) by sealing
// an empty block after any pending transactions; later blocks keep the offset.
func (c *Chain) AdjustTime(d time.Duration) error {
	req := adjustReq{d: d, done: make(chan error, 1)}
	select {
	case c.adjust <- req:
	case <-c.done:
		return ErrClosed
	}
	if err := <-req.done; err != nil {
		return fmt.Errorf("adjust dev chain time: %w", err)
	}
	return nil
}

// sendLocked sends a transaction from the deployer (to == nil deploys) and
// waits until it is mined successfully. c.mu is held.
func (c *Chain) sendLocked(ctx context.Context, to *common.Address, data []byte, value *big.Int) (*types.Receipt, error) {
	if c.closed {
		return nil, ErrClosed
	}
	from := crypto.PubkeyToAddress(c.deployer.PublicKey)
	if value == nil {
		value = new(big.Int)
	}
	gas, err := c.client.EstimateGas(ctx, ethereum.CallMsg{From: from, To: to, Data: data, Value: value})
	if err != nil {
		return nil, fmt.Errorf("estimate gas: %w", err)
	}
	head, err := c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	tip := big.NewInt(params.GWei)
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	tx, err := types.SignNewTx(c.deployer, c.signer, &types.DynamicFeeTx{
		ChainID: c.chainID, Nonce: c.nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas + gas/4, To: to, Value: value, Data: data,
	})
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if err := c.client.SendTransaction(ctx, tx); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	c.nonce++
	for {
		r, err := c.client.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				return nil, fmt.Errorf("transaction %s reverted", tx.Hash())
			}
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) && !strings.Contains(err.Error(), "indexing is in progress") {
			return nil, fmt.Errorf("receipt: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Close stops the chain; its state is lost.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	close(c.quit)
	<-c.done
	if c.client != nil {
		c.client.Close()
	}
	_ = c.beacon.Stop()
	if err := c.stack.Close(); err != nil {
		return fmt.Errorf("stop dev chain: %w", err)
	}
	return nil
}
