package evm

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/settle"
)

// depositedID is the topic of the escrow's Deposited event.
var depositedID = crypto.Keccak256Hash([]byte("Deposited(address,address,uint256,uint256)"))

// maxDepositLogs bounds what one Deposits call returns.
const maxDepositLogs = 10000

// Deposits implements settle.Settlement: the escrow's Deposited events of
// requester from block from on, with their blocks' times.
func (c *Client) Deposits(ctx context.Context, requester identity.Address, from uint64) ([]settle.DepositRecord, error) {
	lf, ok := c.eth.(ethereum.LogFilterer)
	if !ok {
		return nil, fmt.Errorf("deposits: the chain connection cannot filter logs")
	}
	q := ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), Addresses: []common.Address{c.cfg.Escrow},
		Topics: [][]common.Hash{{depositedID}, {common.BytesToHash(common.Address(requester).Bytes())}}}
	var logs []types.Log
	if err := c.retry(ctx, func() (err error) { logs, err = lf.FilterLogs(ctx, q); return err }); err != nil {
		return nil, fmt.Errorf("deposits: %w", c.mapError(err))
	}
	if len(logs) > maxDepositLogs {
		logs = logs[:maxDepositLogs]
	}
	times := map[uint64]time.Time{}
	out := make([]settle.DepositRecord, 0, len(logs))
	for i := range logs {
		l := &logs[i]
		ev, err := c.escrow.UnpackDepositedEvent(l)
		if err != nil {
			return nil, fmt.Errorf("deposits: block %d: %w", l.BlockNumber, err)
		}
		amount, err := settle.FromTokenUnits(ev.Amount)
		if err != nil {
			return nil, err
		}
		balance, err := settle.FromTokenUnits(ev.Balance)
		if err != nil {
			return nil, err
		}
		at, ok := times[l.BlockNumber]
		if !ok {
			var h *types.Header
			if err := c.retry(ctx, func() (err error) {
				h, err = c.eth.HeaderByNumber(ctx, new(big.Int).SetUint64(l.BlockNumber))
				return err
			}); err != nil {
				return nil, fmt.Errorf("deposits: block %d: %w", l.BlockNumber, c.mapError(err))
			}
			at = time.Unix(int64(h.Time), 0).UTC()
			times[l.BlockNumber] = at
		}
		out = append(out, settle.DepositRecord{Requester: identity.Address(ev.Requester), Provider: identity.Address(ev.Provider),
			Amount: amount, Balance: balance, Block: l.BlockNumber, Tx: l.TxHash.Hex(), At: at})
	}
	return out, nil
}
