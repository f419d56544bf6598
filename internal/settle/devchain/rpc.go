package devchain

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/state"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/core/vm"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// suggestedTip is what eth_maxPriorityFeePerGas answers: 1 gwei.
func suggestedTip() *big.Int { return big.NewInt(params.GWei) }

// newRPCServer serves the ledger's JSON-RPC methods: the eth_ methods a
// wallet, ethers, ethclient and go-ethereum's bind package use (chain and
// block number, balances, nonces, code, storage and its proofs, calls, gas
// estimates, raw transactions, transactions, receipts, blocks, logs and
// filters, fee suggestions and history), net_ and web3_clientVersion.
// docs/devchain.md lists them; any other method answers -32601. No
// subscriptions: HTTP only.
func newRPCServer(l *ledger) (*rpc.Server, error) {
	srv := rpc.NewServer()
	for name, svc := range map[string]any{
		"eth":  &ethAPI{l: l, nonces: newNonceAnswers(l.now), filters: newFilterSet(l.now)},
		"net":  netAPI{chainID: l.config.ChainID.String()},
		"web3": web3API{},
	} {
		if err := srv.RegisterName(name, svc); err != nil {
			return nil, fmt.Errorf("dev chain rpc %s: %w", name, err)
		}
	}
	return srv, nil
}

// loopbackHosts refuses requests whose Host header names anything but
// localhost or an IP address, so a web page cannot reach the unauthenticated
// endpoint through DNS rebinding.
func loopbackHosts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host != "localhost" && net.ParseIP(host) == nil {
			http.Error(w, "invalid host specified", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

type netAPI struct{ chainID string }

func (n netAPI) Version() string { return n.chainID }

// PeerCount is zero: the dev chain has no peers.
func (netAPI) PeerCount() hexutil.Uint { return 0 }

// Listening is true: the chain answers on its RPC endpoint.
func (netAPI) Listening() bool { return true }

type web3API struct{}

func (web3API) ClientVersion() string { return "deco-devchain" }

// ethAPI is the eth_ namespace; the rpc package names each method after
// its Go name with the first letter lowered (ChainId: eth_chainId).
type ethAPI struct {
	l       *ledger
	nonces  *nonceAnswers // see nonceCacheWindow
	filters *filterSet
}

func (a *ethAPI) ChainId() *hexutil.Big { return (*hexutil.Big)(a.l.config.ChainID) }

func (a *ethAPI) BlockNumber() hexutil.Uint64 {
	return hexutil.Uint64(a.l.latest().block.NumberU64())
}

func (a *ethAPI) Syncing() bool { return false }

func (a *ethAPI) Accounts() []common.Address { return []common.Address{} }

func (a *ethAPI) MaxPriorityFeePerGas() *hexutil.Big { return (*hexutil.Big)(suggestedTip()) }

// GasPrice is the suggested tip plus the next block's base fee.
func (a *ethAPI) GasPrice() (*hexutil.Big, error) {
	_, header, err := a.state(nil)
	if err != nil {
		return nil, err
	}
	return (*hexutil.Big)(new(big.Int).Add(suggestedTip(), header.BaseFee)), nil
}

// feeHistory is eth_feeHistory's answer.
type feeHistory struct {
	OldestBlock  *hexutil.Big     `json:"oldestBlock"`
	BaseFee      []*hexutil.Big   `json:"baseFeePerGas"`
	GasUsedRatio []float64        `json:"gasUsedRatio"`
	Reward       [][]*hexutil.Big `json:"reward,omitempty"`
}

// FeeHistory reports the base fees of up to 1024 blocks ending at last (and
// the next block's), and the suggested tip as every reward percentile.
func (a *ethAPI) FeeHistory(count math.HexOrDecimal64, last rpc.BlockNumber, percentiles []float64) (*feeHistory, error) {
	end, err := a.block(rpc.BlockNumberOrHashWithNumber(last))
	if err != nil {
		return nil, err
	}
	if end == nil {
		return nil, fmt.Errorf("%w %d", errUnknownBlock, last)
	}
	n := min(uint64(count), 1024, end.block.NumberU64()+1)
	first := end.block.NumberU64() + 1 - n
	h := &feeHistory{OldestBlock: (*hexutil.Big)(new(big.Int).SetUint64(first))}
	for i := first; i <= end.block.NumberU64(); i++ {
		b := a.l.blockAt(i).block
		h.BaseFee = append(h.BaseFee, (*hexutil.Big)(b.BaseFee()))
		h.GasUsedRatio = append(h.GasUsedRatio, float64(b.GasUsed())/float64(b.GasLimit()))
		if len(percentiles) > 0 {
			r := make([]*hexutil.Big, len(percentiles))
			for j := range r {
				r[j] = (*hexutil.Big)(suggestedTip())
			}
			h.Reward = append(h.Reward, r)
		}
	}
	a.l.mu.RLock()
	next := a.l.nextHeader(end.block.Header())
	a.l.mu.RUnlock()
	h.BaseFee = append(h.BaseFee, (*hexutil.Big)(next.BaseFee))
	return h, nil
}

// logQuery is eth_getLogs's filter.
type logQuery struct {
	BlockHash *common.Hash     `json:"blockHash"`
	FromBlock *rpc.BlockNumber `json:"fromBlock"`
	ToBlock   *rpc.BlockNumber `json:"toBlock"`
	Addresses addressList      `json:"address"`
	Topics    topicFilter      `json:"topics"`
}

// topicFilter is eth_getLogs's topics in every standard form: each
// position is null (any topic), one hash, or a list of hashes (any of
// them).
type topicFilter [][]common.Hash

func (f *topicFilter) UnmarshalJSON(b []byte) error {
	var positions []json.RawMessage
	if err := json.Unmarshal(b, &positions); err != nil {
		return fmt.Errorf("topics: want a list: %w", err)
	}
	out := make(topicFilter, len(positions))
	for i, raw := range positions {
		if string(raw) == "null" {
			continue
		}
		var one common.Hash
		if err := json.Unmarshal(raw, &one); err == nil {
			out[i] = []common.Hash{one}
			continue
		}
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return fmt.Errorf("topics[%d]: want null, a hash or a list of hashes: %w", i, err)
		}
	}
	*f = out
	return nil
}

// addressList is one address or a list of them.
type addressList []common.Address

func (l *addressList) UnmarshalJSON(b []byte) error {
	var one common.Address
	if err := json.Unmarshal(b, &one); err == nil {
		*l = addressList{one}
		return nil
	}
	var many []common.Address
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("address: want an address or a list of them: %w", err)
	}
	*l = many
	return nil
}

// maxLogRange is the most blocks one eth_getLogs may scan.
const maxLogRange = 10_000

// GetLogs returns the logs matching q, in chain order. A topic position
// holding several hashes matches any of them; an empty one matches all.
func (a *ethAPI) GetLogs(q logQuery) ([]*types.Log, error) {
	if q.BlockHash != nil {
		if q.FromBlock != nil || q.ToBlock != nil {
			return nil, errors.New("cannot specify both blockHash and fromBlock/toBlock, choose one or the other")
		}
		b := a.l.blockByHash(*q.BlockHash)
		if b == nil {
			return nil, fmt.Errorf("%w %s", errUnknownBlock, *q.BlockHash)
		}
		return a.l.logs([]*minedBlock{b}, q), nil
	}
	head := a.l.latest().block.NumberU64()
	from, to := resolveRange(q.FromBlock, head), min(resolveRange(q.ToBlock, head), head)
	if from > to {
		return []*types.Log{}, nil
	}
	if to-from >= maxLogRange {
		return nil, fmt.Errorf("block range %d..%d is longer than %d blocks", from, to, maxLogRange)
	}
	return a.l.logs(a.l.blocksIn(from, to), q), nil
}

// resolveRange is a log range's end as a block number: none, latest,
// pending, safe and finalized are the head.
func resolveRange(n *rpc.BlockNumber, head uint64) uint64 {
	switch {
	case n == nil:
		return head
	case *n == rpc.EarliestBlockNumber:
		return 0
	case *n < 0:
		return head
	}
	return uint64(*n)
}

// blocksIn returns blocks from..to, which exist.
func (l *ledger) blocksIn(from, to uint64) []*minedBlock {
	blocks := make([]*minedBlock, 0, to-from+1)
	for n := from; n <= to; n++ {
		blocks = append(blocks, l.blockAt(n))
	}
	return blocks
}

// logs returns the logs in blocks that match q's addresses and topics.
func (l *ledger) logs(blocks []*minedBlock, q logQuery) []*types.Log {
	out := []*types.Log{}
	for _, b := range blocks {
		for _, r := range b.receipts {
			for _, lg := range r.Logs {
				if matches(lg, q.Addresses, q.Topics) {
					out = append(out, lg)
				}
			}
		}
	}
	return out
}

func matches(lg *types.Log, addrs []common.Address, topics [][]common.Hash) bool {
	if len(addrs) > 0 && !slices.Contains(addrs, lg.Address) {
		return false
	}
	if len(topics) > len(lg.Topics) {
		return false
	}
	for i, want := range topics {
		if len(want) > 0 && !slices.Contains(want, lg.Topics[i]) {
			return false
		}
	}
	return true
}

func (a *ethAPI) GetBalance(addr common.Address, at rpc.BlockNumberOrHash) (*hexutil.Big, error) {
	st, _, err := a.state(&at)
	if err != nil {
		return nil, err
	}
	return (*hexutil.Big)(st.GetBalance(addr).ToBig()), nil
}

// GetTransactionCount is the account's nonce; the head's (latest or
// pending: there is no pool) is remembered for SendRawTransaction's hold.
func (a *ethAPI) GetTransactionCount(addr common.Address, at rpc.BlockNumberOrHash) (hexutil.Uint64, error) {
	st, _, err := a.state(&at)
	if err != nil {
		return 0, err
	}
	if n, ok := at.Number(); ok && (n == rpc.LatestBlockNumber || n == rpc.PendingBlockNumber) {
		a.nonces.answered(addr)
	}
	return hexutil.Uint64(st.GetNonce(addr)), nil
}

func (a *ethAPI) GetCode(addr common.Address, at rpc.BlockNumberOrHash) (hexutil.Bytes, error) {
	st, _, err := a.state(&at)
	if err != nil {
		return nil, err
	}
	return st.GetCode(addr), nil
}

// GetStorageAt reads one storage slot. The slot is hex of up to 32 bytes,
// left-padded: a full hash or a quantity such as "0x0", as ethers sends.
func (a *ethAPI) GetStorageAt(addr common.Address, slot string, at rpc.BlockNumberOrHash) (hexutil.Bytes, error) {
	key, err := storageSlot(slot)
	if err != nil {
		return nil, err
	}
	st, _, err := a.state(&at)
	if err != nil {
		return nil, err
	}
	v := st.GetState(addr, key)
	return v[:], nil
}

// storageSlot decodes a storage slot given as hex of up to 32 bytes.
func storageSlot(s string) (common.Hash, error) {
	h, ok := strings.CutPrefix(strings.ToLower(s), "0x")
	if !ok || h == "" || len(h) > 64 {
		return common.Hash{}, fmt.Errorf("storage slot %q: want 0x and up to 64 hex digits", s)
	}
	if len(h)%2 == 1 {
		h = "0" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return common.Hash{}, fmt.Errorf("storage slot %q: %w", s, err)
	}
	return common.BytesToHash(b), nil
}

// callArgs are eth_call's and eth_estimateGas's transaction object; blobs,
// access lists and authorizations are not supported.
type callArgs struct {
	From                 *common.Address `json:"from"`
	To                   *common.Address `json:"to"`
	Gas                  *hexutil.Uint64 `json:"gas"`
	GasPrice             *hexutil.Big    `json:"gasPrice"`
	MaxFeePerGas         *hexutil.Big    `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *hexutil.Big    `json:"maxPriorityFeePerGas"`
	Value                *hexutil.Big    `json:"value"`
	Data                 *hexutil.Bytes  `json:"data"`
	Input                *hexutil.Bytes  `json:"input"`
}

func (c callArgs) message(baseFee *big.Int) (*core.Message, error) {
	if c.GasPrice != nil && (c.MaxFeePerGas != nil || c.MaxPriorityFeePerGas != nil) {
		return nil, errors.New("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")
	}
	var from common.Address
	if c.From != nil {
		from = *c.From
	}
	var data []byte
	switch {
	case c.Input != nil:
		data = *c.Input
	case c.Data != nil:
		data = *c.Data
	}
	var gas uint64
	if c.Gas != nil {
		gas = uint64(*c.Gas)
	}
	return newCallMessage(from, c.To, gas, c.Value.ToInt(), c.GasPrice.ToInt(),
		c.MaxFeePerGas.ToInt(), c.MaxPriorityFeePerGas.ToInt(), data, baseFee), nil
}

func (a *ethAPI) Call(ctx context.Context, args callArgs, at *rpc.BlockNumberOrHash) (hexutil.Bytes, error) {
	st, header, err := a.state(at)
	if err != nil {
		return nil, err
	}
	msg, err := args.message(header.BaseFee)
	if err != nil {
		return nil, err
	}
	res, err := a.l.call(ctx, msg, st, header)
	if err != nil {
		return nil, err
	}
	if errors.Is(res.Err, vm.ErrExecutionReverted) {
		return nil, newRevertError(res.Revert())
	}
	return res.Return(), res.Err
}

func (a *ethAPI) EstimateGas(ctx context.Context, args callArgs, at *rpc.BlockNumberOrHash) (hexutil.Uint64, error) {
	st, header, err := a.state(at)
	if err != nil {
		return 0, err
	}
	msg, err := args.message(header.BaseFee)
	if err != nil {
		return 0, err
	}
	gas, revert, err := a.l.estimate(ctx, msg, st, header)
	if err != nil {
		if errors.Is(err, vm.ErrExecutionReverted) {
			return 0, newRevertError(revert)
		}
		return 0, err
	}
	return hexutil.Uint64(gas), nil
}

// SendRawTransaction mines the transaction in a block of its own before it
// answers, and answers no sooner than nonceCacheWindow after the sender's
// nonce was last asked for.
func (a *ethAPI) SendRawTransaction(ctx context.Context, input hexutil.Bytes) (common.Hash, error) {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(input); err != nil {
		return common.Hash{}, err
	}
	if tx.Type() == types.BlobTxType {
		return common.Hash{}, errors.New("blob transactions are not supported by the dev chain")
	}
	if _, err := a.l.send(ctx, tx); err != nil {
		return common.Hash{}, err
	}
	if from, err := types.Sender(a.l.signer, tx); err == nil {
		a.nonces.hold(ctx, from)
	}
	return tx.Hash(), nil
}

// GetTransactionByHash answers null for a transaction the chain never mined.
func (a *ethAPI) GetTransactionByHash(h common.Hash) (map[string]any, error) {
	b, i, ok := a.l.lookupTx(h)
	if !ok {
		return nil, nil
	}
	return a.l.rpcTransaction(b, i)
}

// GetTransactionReceipt answers null for a transaction the chain never mined.
func (a *ethAPI) GetTransactionReceipt(h common.Hash) (map[string]any, error) {
	b, i, ok := a.l.lookupTx(h)
	if !ok {
		return nil, nil
	}
	tx := b.block.Transactions()[i]
	from, err := types.Sender(a.l.signer, tx)
	if err != nil {
		return nil, err
	}
	r := b.receipts[i]
	extra := map[string]any{"from": from, "to": tx.To(), "contractAddress": nil}
	if tx.To() == nil {
		extra["contractAddress"] = r.ContractAddress
	}
	out, err := withFields(r, extra)
	if err != nil {
		return nil, err
	}
	delete(out, "root") // pre-Byzantium only; status says it
	return out, nil
}

func (a *ethAPI) GetBlockByNumber(n rpc.BlockNumber, full bool) (map[string]any, error) {
	b, err := a.block(rpc.BlockNumberOrHashWithNumber(n))
	if b == nil || err != nil {
		return nil, err
	}
	return a.l.rpcBlock(b, full)
}

func (a *ethAPI) GetBlockByHash(h common.Hash, full bool) (map[string]any, error) {
	b := a.l.blockByHash(h)
	if b == nil {
		return nil, nil
	}
	return a.l.rpcBlock(b, full)
}

// block resolves a block parameter: latest, pending, safe and finalized
// are all the head (every block is final on the dev chain).
func (a *ethAPI) block(at rpc.BlockNumberOrHash) (*minedBlock, error) {
	if h, ok := at.Hash(); ok {
		b := a.l.blockByHash(h)
		if b == nil {
			return nil, fmt.Errorf("%w %s", errUnknownBlock, h)
		}
		return b, nil
	}
	n, _ := at.Number()
	switch {
	case n == rpc.EarliestBlockNumber:
		return a.l.blockAt(0), nil
	case n < 0:
		return a.l.latest(), nil
	}
	return a.l.blockAt(uint64(n)), nil
}

// state resolves a block parameter (nil is latest) to the state after that
// block and the header calls run in: for latest and pending, the next block
// at the current time (see ledger).
func (a *ethAPI) state(at *rpc.BlockNumberOrHash) (*state.StateDB, *types.Header, error) {
	pending := at == nil
	if at != nil {
		if n, ok := at.Number(); ok && (n == rpc.LatestBlockNumber || n == rpc.PendingBlockNumber) {
			pending = true
		}
	}
	if pending {
		return a.l.stateAt(a.l.latest().block.NumberU64(), true)
	}
	b, err := a.block(*at)
	if err != nil {
		return nil, nil, err
	}
	if b == nil {
		return nil, nil, errUnknownBlock
	}
	return a.l.stateAt(b.block.NumberU64(), false)
}

// rpcTransaction is tx i of b as JSON-RPC shows it.
func (l *ledger) rpcTransaction(b *minedBlock, i int) (map[string]any, error) {
	tx := b.block.Transactions()[i]
	from, err := types.Sender(l.signer, tx)
	if err != nil {
		return nil, err
	}
	return withFields(tx, map[string]any{
		"from":             from,
		"blockHash":        b.block.Hash(),
		"blockNumber":      (*hexutil.Big)(b.block.Number()),
		"transactionIndex": hexutil.Uint64(i),
		"gasPrice":         (*hexutil.Big)(b.receipts[i].EffectiveGasPrice),
	})
}

// rpcBlock is b as JSON-RPC shows it, with transaction hashes or, full,
// transaction objects.
func (l *ledger) rpcBlock(b *minedBlock, full bool) (map[string]any, error) {
	txs := make([]any, len(b.block.Transactions()))
	for i, tx := range b.block.Transactions() {
		if !full {
			txs[i] = tx.Hash()
			continue
		}
		t, err := l.rpcTransaction(b, i)
		if err != nil {
			return nil, err
		}
		txs[i] = t
	}
	extra := map[string]any{
		"size":         hexutil.Uint64(b.block.Size()),
		"uncles":       []common.Hash{},
		"transactions": txs,
	}
	if w := b.block.Withdrawals(); w != nil {
		extra["withdrawals"] = w
	}
	return withFields(b.block.Header(), extra)
}

// withFields is v's JSON object with extra fields added.
func withFields(v any, extra map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(fields)+len(extra))
	for k, f := range fields {
		out[k] = f
	}
	for k, f := range extra {
		out[k] = f
	}
	return out, nil
}

// revertError is how geth reports a revert: code 3, the revert data in the
// error's data, the decoded reason (when there is one) in its message.
type revertError struct {
	msg  string
	data string
}

func newRevertError(data []byte) *revertError {
	msg := vm.ErrExecutionReverted.Error()
	if reason, err := abi.UnpackRevert(data); err == nil {
		msg += ": " + reason
	}
	return &revertError{msg: msg, data: hexutil.Encode(data)}
}

func (e *revertError) Error() string          { return e.msg }
func (e *revertError) ErrorCode() int         { return 3 }
func (e *revertError) ErrorData() interface{} { return e.data }
