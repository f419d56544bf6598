package devchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/consensus"
	"github.com/ethereum/go-ethereum/consensus/beacon"
	"github.com/ethereum/go-ethereum/consensus/ethash"
	"github.com/ethereum/go-ethereum/consensus/misc/eip1559"
	"github.com/ethereum/go-ethereum/consensus/misc/eip4844"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/state"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/gasestimator"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/trie"
	"github.com/ethereum/go-ethereum/triedb"
	"github.com/holiman/uint256"
)

// blockGasLimit is every block's gas limit; rpcGasCap caps eth_call and
// eth_estimateGas (as geth's default RPC gas cap does).
const (
	blockGasLimit = 30_000_000
	rpcGasCap     = 50_000_000
)

// Errors of the ledger: a transaction it has mined already, a block it lacks.
var (
	errKnownTx      = errors.New("already known")
	errUnknownBlock = errors.New("dev chain: unknown block")
)

// ledger is the chain itself: blocks, receipts and state, in memory. It mines
// a block for each transaction it accepts, at once, so there is no pending
// pool: a transaction is either refused with the reason or in a block when
// send returns. It implements core.ChainContext for the EVM's BLOCKHASH.
//
// Block time is the wall clock plus the offset AdjustTime added, never
// earlier than the parent's (blocks in the same second share a timestamp).
// Calls and gas estimates at "latest" or "pending" run on the latest state in
// the context of the next block at the current time, so time locks open when
// the wall clock says so without sealing empty blocks while idle.
type ledger struct {
	config *params.ChainConfig
	sdb    state.Database
	engine consensus.Engine
	signer types.Signer
	now    func() time.Time

	mineMu sync.Mutex // held while a block is made: one at a time

	mu     sync.RWMutex  // guards the fields below, never held while the EVM runs
	blocks []*minedBlock // by number
	byHash map[common.Hash]uint64
	txs    map[common.Hash]txLocation
	offset time.Duration // added by AdjustTime
}

type minedBlock struct {
	block    *types.Block
	receipts []*types.Receipt
}

type txLocation struct {
	block uint64
	index int
}

// newLedger commits a genesis block with alloc and returns the ledger.
func newLedger(config *params.ChainConfig, alloc types.GenesisAlloc, now func() time.Time) (*ledger, error) {
	db := rawdb.NewMemoryDatabase()
	tdb := triedb.NewDatabase(db, triedb.HashDefaults)
	genesis := &core.Genesis{
		Config: config, GasLimit: blockGasLimit, Alloc: alloc,
		Timestamp: uint64(now().Unix()), Difficulty: new(big.Int),
	}
	g, err := genesis.Commit(db, tdb, nil)
	if err != nil {
		return nil, fmt.Errorf("dev chain genesis: %w", err)
	}
	l := &ledger{
		config: config,
		sdb:    state.NewDatabase(tdb, nil),
		engine: beacon.New(ethash.NewFaker()),
		signer: types.LatestSigner(config),
		now:    now,
		byHash: map[common.Hash]uint64{},
		txs:    map[common.Hash]txLocation{},
	}
	l.append(&minedBlock{block: g})
	return l, nil
}

func (l *ledger) append(b *minedBlock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.blocks = append(l.blocks, b)
	l.byHash[b.block.Hash()] = b.block.NumberU64()
	for i, tx := range b.block.Transactions() {
		l.txs[tx.Hash()] = txLocation{block: b.block.NumberU64(), index: i}
	}
}

// nextHeader is the header of the block that would be mined now on head.
// l.mu is held.
func (l *ledger) nextHeader(head *types.Header) *types.Header {
	t := uint64(l.now().Add(l.offset).Unix())
	if t < head.Time {
		t = head.Time
	}
	number := new(big.Int).Add(head.Number, common.Big1)
	h := &types.Header{
		ParentHash: head.Hash(),
		UncleHash:  types.EmptyUncleHash,
		Number:     number,
		GasLimit:   head.GasLimit,
		Time:       t,
		Difficulty: new(big.Int),
		// PREVRANDAO: any value will do on a dev chain; derive it from the number.
		MixDigest: crypto.Keccak256Hash(number.Bytes()),
		BaseFee:   eip1559.CalcBaseFee(l.config, head),
	}
	if l.config.IsShanghai(number, t) {
		h.WithdrawalsHash = &types.EmptyWithdrawalsHash
	}
	if l.config.IsCancun(number, t) {
		excess := eip4844.CalcExcessBlobGas(l.config, head, t)
		h.ExcessBlobGas, h.BlobGasUsed = &excess, new(uint64)
		h.ParentBeaconRoot = new(common.Hash)
	}
	if l.config.IsPrague(number, t) {
		h.RequestsHash = &types.EmptyRequestsHash
	}
	return h
}

// mine applies txs (all or none) in a new block on the head and appends it.
// A transaction the EVM refuses (bad nonce, too little gas or money, fee cap
// under the base fee) refuses the block; one that reverts is mined with a
// failed receipt, as on any chain. l.mineMu is held.
func (l *ledger) mine(ctx context.Context, txs ...*types.Transaction) ([]*types.Receipt, error) {
	l.mu.RLock()
	for _, tx := range txs {
		if _, ok := l.txs[tx.Hash()]; ok {
			l.mu.RUnlock()
			return nil, fmt.Errorf("%w: %s", errKnownTx, tx.Hash())
		}
	}
	parent := l.blocks[len(l.blocks)-1].block.Header()
	header := l.nextHeader(parent)
	l.mu.RUnlock()
	statedb, err := state.New(parent.Root, l.sdb)
	if err != nil {
		return nil, err
	}
	evm := vm.NewEVM(core.NewEVMBlockContext(header, l, &header.Coinbase), statedb, l.config, vm.Config{})
	defer evm.Release()
	gp := core.NewGasPool(header.GasLimit)
	receipts := make([]*types.Receipt, 0, len(txs))
	for i, tx := range txs {
		statedb.SetTxContext(tx.Hash(), i, uint32(i+1))
		r, _, err := core.ApplyTransaction(ctx, evm, gp, statedb, header, tx)
		if err != nil {
			return nil, err
		}
		r.EffectiveGasPrice = new(big.Int).Add(header.BaseFee, tx.EffectiveGasTipValue(header.BaseFee))
		if r.Logs == nil {
			r.Logs = []*types.Log{} // JSON-RPC clients require the field
		}
		receipts = append(receipts, r)
	}
	header.GasUsed = gp.CumulativeUsed()
	header.Root, err = statedb.Commit(l.config.Rules(header.Number, true, header.Time), header.Number.Uint64())
	if err != nil {
		return nil, fmt.Errorf("commit state: %w", err)
	}
	var withdrawals []*types.Withdrawal
	if header.WithdrawalsHash != nil {
		withdrawals = []*types.Withdrawal{}
	}
	block := types.NewBlock(header, &types.Body{Transactions: txs, Withdrawals: withdrawals}, receipts, trie.NewStackTrie(nil))
	// The receipts and logs were made before the block hash was known.
	for _, r := range receipts {
		r.BlockHash = block.Hash()
		for _, lg := range r.Logs {
			lg.BlockHash = block.Hash()
		}
	}
	l.append(&minedBlock{block: block, receipts: receipts})
	return receipts, nil
}

// send mines tx in a block of its own and returns its receipt.
func (l *ledger) send(ctx context.Context, tx *types.Transaction) (*types.Receipt, error) {
	if _, err := types.Sender(l.signer, tx); err != nil {
		return nil, fmt.Errorf("invalid transaction: %w", err)
	}
	l.mineMu.Lock()
	defer l.mineMu.Unlock()
	rs, err := l.mine(ctx, tx)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// adjustTime moves block time forward by d and seals an empty block at it.
func (l *ledger) adjustTime(ctx context.Context, d time.Duration) error {
	l.mineMu.Lock()
	defer l.mineMu.Unlock()
	l.mu.Lock()
	l.offset += d
	l.mu.Unlock()
	_, err := l.mine(ctx)
	return err
}

// blockAt returns block n, or nil.
func (l *ledger) blockAt(n uint64) *minedBlock {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if n >= uint64(len(l.blocks)) {
		return nil
	}
	return l.blocks[n]
}

// blockByHash returns the block with hash h, or nil.
func (l *ledger) blockByHash(h common.Hash) *minedBlock {
	l.mu.RLock()
	defer l.mu.RUnlock()
	n, ok := l.byHash[h]
	if !ok {
		return nil
	}
	return l.blocks[n]
}

// latest returns the head block.
func (l *ledger) latest() *minedBlock {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.blocks[len(l.blocks)-1]
}

// lookupTx returns the block holding the transaction with hash h and its index.
func (l *ledger) lookupTx(h common.Hash) (*minedBlock, int, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	loc, ok := l.txs[h]
	if !ok {
		return nil, 0, false
	}
	return l.blocks[loc.block], loc.index, true
}

// stateAt returns the state after block n and the header calls at n run in:
// block n's own, or, for the head (pending true), the next block's at the
// current time.
func (l *ledger) stateAt(n uint64, pending bool) (*state.StateDB, *types.Header, error) {
	l.mu.RLock()
	if n >= uint64(len(l.blocks)) {
		l.mu.RUnlock()
		return nil, nil, fmt.Errorf("%w %d", errUnknownBlock, n)
	}
	header := l.blocks[n].block.Header()
	root := header.Root
	if pending {
		header = l.nextHeader(header)
		header.Root = root
	}
	l.mu.RUnlock()
	statedb, err := state.New(root, l.sdb)
	if err != nil {
		return nil, nil, err
	}
	return statedb, header, nil
}

// call runs msg on statedb in the context of header without keeping its
// changes. A message without a gas price runs with a zero base fee, as
// geth's eth_call does.
func (l *ledger) call(ctx context.Context, msg *core.Message, statedb *state.StateDB, header *types.Header) (*core.ExecutionResult, error) {
	blockCtx := core.NewEVMBlockContext(header, l, &header.Coinbase)
	if msg.GasPrice.Sign() == 0 {
		blockCtx.BaseFee = new(big.Int)
	}
	evm := vm.NewEVM(blockCtx, statedb, l.config, vm.Config{NoBaseFee: true})
	defer evm.Release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		evm.Cancel()
	}()
	res, err := core.ApplyMessage(evm, msg, core.NewGasPool(rpcGasCap))
	if evm.Cancelled() {
		return nil, fmt.Errorf("execution aborted: %w", ctx.Err())
	}
	if err := statedb.Error(); err != nil {
		return nil, err
	}
	return res, err
}

// estimate is the lowest gas limit msg succeeds with, and the revert data
// when it cannot succeed.
func (l *ledger) estimate(ctx context.Context, msg *core.Message, statedb *state.StateDB, header *types.Header) (uint64, []byte, error) {
	return gasestimator.Estimate(ctx, msg, &gasestimator.Options{
		Config: l.config, Chain: l, Header: header, State: statedb, ErrorRatio: 0.015,
	}, rpcGasCap)
}

// newCallMessage is the message eth_call and eth_estimateGas run: nonce and
// EOA checks off, gas defaulting to the RPC cap.
func newCallMessage(from common.Address, to *common.Address, gas uint64, value, gasPrice, feeCap, tipCap *big.Int, data []byte, baseFee *big.Int) *core.Message {
	u := func(b *big.Int) *uint256.Int {
		if b == nil {
			return new(uint256.Int)
		}
		v, _ := uint256.FromBig(b)
		return v
	}
	msg := &core.Message{From: from, To: to, GasLimit: gas, Value: u(value), Data: data}
	if msg.GasLimit == 0 {
		msg.GasLimit = rpcGasCap
	}
	switch {
	case gasPrice != nil:
		msg.GasPrice, msg.GasFeeCap, msg.GasTipCap = u(gasPrice), u(gasPrice), u(gasPrice)
	default:
		msg.GasFeeCap, msg.GasTipCap = u(feeCap), u(tipCap)
		msg.GasPrice = new(uint256.Int)
		if msg.GasFeeCap.Sign() > 0 || msg.GasTipCap.Sign() > 0 {
			msg.GasPrice.Add(msg.GasTipCap, u(baseFee))
			if msg.GasPrice.Cmp(msg.GasFeeCap) > 0 {
				msg.GasPrice.Set(msg.GasFeeCap)
			}
		}
	}
	return msg.SkipNonceCheck().SkipEOACheck().SkipGasLimitCapCheck()
}

// core.ChainContext.

func (l *ledger) Config() *params.ChainConfig { return l.config }
func (l *ledger) Engine() consensus.Engine    { return l.engine }

func (l *ledger) CurrentHeader() *types.Header { return l.latest().block.Header() }

func (l *ledger) GetHeader(hash common.Hash, number uint64) *types.Header {
	if b := l.blockAt(number); b != nil && b.block.Hash() == hash {
		return b.block.Header()
	}
	return nil
}

func (l *ledger) GetHeaderByNumber(number uint64) *types.Header {
	if b := l.blockAt(number); b != nil {
		return b.block.Header()
	}
	return nil
}

func (l *ledger) GetHeaderByHash(hash common.Hash) *types.Header {
	if b := l.blockByHash(hash); b != nil {
		return b.block.Header()
	}
	return nil
}
