package evm

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/deco-network/deco/internal/settle"
)

// send builds, signs and sends a transaction to `to` and waits until it has
// the configured confirmations. A revert, at estimation or on chain, is
// returned as the matching settle error.
func (c *Client) send(ctx context.Context, what string, to common.Address, data []byte) (*types.Receipt, error) {
	tx, err := c.sendTx(ctx, to, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	r, err := c.waitConfirmed(ctx, tx.Hash())
	if err != nil {
		return nil, fmt.Errorf("%s: tx %s: %w", what, tx.Hash().Hex(), err)
	}
	if r.Status != types.ReceiptStatusSuccessful {
		return nil, fmt.Errorf("%s: tx %s: %w", what, tx.Hash().Hex(), c.onChainRevert(ctx, to, data, r.BlockNumber))
	}
	c.log.Debug("transaction confirmed", "what", what, "tx", tx.Hash().Hex(), "block", r.BlockNumber, "gas", r.GasUsed)
	return r, nil
}

// sendTx estimates gas and fees, then, holding the nonce lock, signs and
// sends with the next local nonce. The nonce is seeded from the pending
// nonce and re-synced when the node calls it stale.
func (c *Client) sendTx(ctx context.Context, to common.Address, data []byte) (*types.Transaction, error) {
	var gas uint64
	err := c.retry(ctx, func() (err error) {
		gas, err = c.eth.EstimateGas(ctx, ethereum.CallMsg{From: c.from, To: &to, Data: data})
		return err
	})
	if err != nil {
		return nil, c.mapError(err)
	}
	gas += gas/4 + 10_000 // state can change between estimate and inclusion
	var tip *big.Int
	var head *types.Header
	err = c.retry(ctx, func() (err error) {
		if tip, err = c.eth.SuggestGasTipCap(ctx); err != nil {
			return err
		}
		head, err = c.eth.HeaderByNumber(ctx, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("fees: %w", err)
	}
	if tip.Sign() == 0 {
		tip = big.NewInt(params.Wei)
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(baseFee(head), big.NewInt(2)))

	c.nonceMu.Lock()
	defer c.nonceMu.Unlock()
	for attempt := 0; ; attempt++ {
		if !c.nonceKnown {
			var n uint64
			if err := c.retry(ctx, func() (err error) { n, err = c.eth.PendingNonceAt(ctx, c.from); return err }); err != nil {
				return nil, fmt.Errorf("nonce: %w", err)
			}
			c.nonce, c.nonceKnown = n, true
		}
		tx, err := types.SignNewTx(c.key, c.signer, &types.DynamicFeeTx{
			ChainID: c.chainID, Nonce: c.nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: gas, To: &to, Data: data,
		})
		if err != nil {
			return nil, fmt.Errorf("sign transaction: %w", err)
		}
		tries := 0
		err = c.retry(ctx, func() error { tries++; return c.eth.SendTransaction(ctx, tx) })
		switch {
		// "Already known" after a retry is our own earlier send that got
		// through; on the first try it is someone else's identical
		// transaction (the same key in another process), so it is not ours.
		case err == nil || (isAlreadyKnown(err) && tries > 1):
			c.nonce++
			return tx, nil
		case (isStaleNonce(err) || isAlreadyKnown(err)) && attempt < max(c.cfg.Retries, nonceConflictRetries):
			// Another sender on this key took the nonce: re-sync after a
			// short random pause, so its transaction reaches the pool and
			// two senders do not keep choosing the same nonce.
			c.log.Debug("stale nonce, re-syncing", "nonce", c.nonce, "err", err)
			c.nonceKnown = false
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
			}
		default:
			// The node may or may not hold the transaction: ask it next time.
			c.nonceKnown = false
			return nil, c.mapError(err)
		}
	}
}

func baseFee(h *types.Header) *big.Int {
	if h.BaseFee == nil {
		return new(big.Int)
	}
	return h.BaseFee
}

// waitConfirmed polls for the receipt, then for the chain head to be
// Confirmations-1 blocks past it, and checks the receipt is still canonical.
func (c *Client) waitConfirmed(ctx context.Context, hash common.Hash) (*types.Receipt, error) {
	t := time.NewTicker(c.cfg.PollInterval)
	defer t.Stop()
	for {
		r, err := c.eth.TransactionReceipt(ctx, hash)
		switch {
		case err == nil && c.cfg.Confirmations <= 1:
			return r, nil
		case err == nil:
			head, herr := c.eth.BlockNumber(ctx)
			if herr == nil && head >= r.BlockNumber.Uint64()+uint64(c.cfg.Confirmations)-1 {
				again, rerr := c.eth.TransactionReceipt(ctx, hash)
				if rerr == nil && again.BlockHash == r.BlockHash {
					return again, nil
				}
			}
		case errors.Is(err, ethereum.NotFound) || transient(err) || indexing(err):
		default:
			return nil, fmt.Errorf("receipt: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// onChainRevert names why a mined transaction failed by replaying it as a
// call on the state after its block.
func (c *Client) onChainRevert(ctx context.Context, to common.Address, data []byte, block *big.Int) error {
	_, err := c.eth.CallContract(ctx, ethereum.CallMsg{From: c.from, To: &to, Data: data}, block)
	if err == nil {
		return settle.ErrReverted
	}
	return c.mapError(err)
}

// retry runs fn until it succeeds, fails for good, or Retries transient
// failures have passed, with exponential backoff from twice PollInterval.
func (c *Client) retry(ctx context.Context, fn func() error) error {
	backoff := 2 * c.cfg.PollInterval
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || !transient(err) || attempt >= c.cfg.Retries || ctx.Err() != nil {
			return err
		}
		c.log.Debug("transient RPC failure, retrying", "attempt", attempt+1, "in", backoff, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// nonceConflictRetries bounds re-syncs after nonce conflicts with another
// sender on the same key (independent of the RPC retry budget).
const nonceConflictRetries = 30

// transient says whether err is a failure to reach the node (worth a retry)
// rather than the node's answer.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var he rpc.HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500 || he.StatusCode == 429
	}
	var re rpc.Error
	if errors.As(err, &re) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// indexing reports the node's answer while it is still indexing
// transactions: the receipt is not available yet.
func indexing(err error) bool {
	return strings.Contains(err.Error(), "indexing is in progress")
}

func isAlreadyKnown(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "already known")
}

func isStaleNonce(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "nonce too low") || strings.Contains(s, "nonce too high") ||
		strings.Contains(s, "replacement transaction underpriced")
}

// revertErrors maps contract custom errors to settle's errors.
var revertErrors = map[string]error{
	"VoucherReplayed":     settle.ErrVoucherReplayed,
	"VoucherTooLow":       settle.ErrVoucherTooLow,
	"InvalidSignature":    settle.ErrBadSignature,
	"MalleableSignature":  settle.ErrBadSignature,
	"WrongSigner":         settle.ErrBadSignature,
	"NotProvider":         settle.ErrNotProvider,
	"NoWithdrawRequest":   settle.ErrNoWithdrawRequest,
	"WithdrawTooEarly":    settle.ErrWithdrawTooEarly,
	"NoUnstakeRequest":    settle.ErrNoUnstakeRequest,
	"UnstakeTooEarly":     settle.ErrUnstakeTooEarly,
	"InsufficientStake":   settle.ErrInsufficientStake,
	"ZeroAmount":          settle.ErrZeroAmount,
	"InsufficientBalance": settle.ErrInsufficientFunds,
	"SlashingDisabled":    settle.ErrSlashingDisabled,
	"DisputeUsed":         settle.ErrDisputeUsed,
	"UnknownValidator":    settle.ErrUnknownValidator,
	"TooFewSignatures":    settle.ErrTooFewSignatures,
	// A verdict carrying one validator's signature twice: the contract
	// refuses it, and it has fewer distinct signatures than it shows.
	"DuplicateValidator": settle.ErrTooFewSignatures,
}

// mapError turns a node's answer into a settle error: a revert carrying a
// contract custom error into its sentinel (with the decoded arguments), a
// shortage of gas money into ErrInsufficientFunds. Other errors pass through.
func (c *Client) mapError(err error) error {
	if err == nil {
		return nil
	}
	if data := revertDataOf(err); len(data) >= 4 {
		for _, a := range c.abis {
			for name, e := range a.Errors {
				if string(e.ID[:4]) != string(data[:4]) {
					continue
				}
				detail := name
				if args, uerr := e.Unpack(data); uerr == nil {
					detail = fmt.Sprintf("%s%v", name, args)
				}
				if s, ok := revertErrors[name]; ok {
					return fmt.Errorf("%w (%s)", s, detail)
				}
				return fmt.Errorf("%w: %s", settle.ErrReverted, detail)
			}
		}
		return fmt.Errorf("%w: revert data %x", settle.ErrReverted, data)
	}
	s := strings.ToLower(err.Error())
	switch {
	case strings.Contains(s, "insufficient funds"):
		return fmt.Errorf("%w: %w", settle.ErrInsufficientFunds, err)
	case strings.Contains(s, "execution reverted"):
		return fmt.Errorf("%w: %w", settle.ErrReverted, err)
	}
	return err
}

// revertDataOf extracts the revert data a JSON-RPC error carries.
func revertDataOf(err error) []byte {
	var de rpc.DataError
	if !errors.As(err, &de) {
		return nil
	}
	s, ok := de.ErrorData().(string)
	if !ok {
		return nil
	}
	b, _ := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	return b
}
