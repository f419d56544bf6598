package devchain

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// The eth_ methods that reach transactions and receipts through their
// block: counts, transactions by index, all of a block's receipts. Each
// answers null for a block (or index) the chain does not have, as geth does.

func (a *ethAPI) GetBlockTransactionCountByHash(h common.Hash) *hexutil.Uint {
	return txCount(a.l.blockByHash(h))
}

// GetBlockTransactionCountByNumber counts pending as the head: there is no
// pool, so the pending block is the latest.
func (a *ethAPI) GetBlockTransactionCountByNumber(n rpc.BlockNumber) (*hexutil.Uint, error) {
	b, err := a.block(rpc.BlockNumberOrHashWithNumber(n))
	if err != nil {
		return nil, err
	}
	if n == rpc.PendingBlockNumber {
		zero := hexutil.Uint(0)
		return &zero, nil
	}
	return txCount(b), nil
}

func txCount(b *minedBlock) *hexutil.Uint {
	if b == nil {
		return nil
	}
	n := hexutil.Uint(len(b.block.Transactions()))
	return &n
}

func (a *ethAPI) GetTransactionByBlockHashAndIndex(h common.Hash, i hexutil.Uint) (map[string]any, error) {
	return a.txInBlock(a.l.blockByHash(h), i)
}

func (a *ethAPI) GetTransactionByBlockNumberAndIndex(n rpc.BlockNumber, i hexutil.Uint) (map[string]any, error) {
	b, err := a.block(rpc.BlockNumberOrHashWithNumber(n))
	if err != nil {
		return nil, err
	}
	return a.txInBlock(b, i)
}

func (a *ethAPI) txInBlock(b *minedBlock, i hexutil.Uint) (map[string]any, error) {
	if b == nil || int(i) >= len(b.block.Transactions()) {
		return nil, nil
	}
	return a.l.rpcTransaction(b, int(i))
}

// GetBlockReceipts returns the receipts of every transaction in a block.
func (a *ethAPI) GetBlockReceipts(at rpc.BlockNumberOrHash) ([]map[string]any, error) {
	b, err := a.block(at)
	if err != nil || b == nil {
		return nil, err
	}
	out := make([]map[string]any, len(b.block.Transactions()))
	for i, tx := range b.block.Transactions() {
		r, err := a.GetTransactionReceipt(tx.Hash())
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}
