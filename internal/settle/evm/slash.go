package evm

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/settle"
)

// ValidatorSet reads the Escrow's registered validators and its quorum.
func (c *Client) ValidatorSet(ctx context.Context) (settle.ValidatorSet, error) {
	vals, err := callView(c, ctx, c.cfg.Escrow, c.escrow.PackValidators(), c.escrow.UnpackValidators)
	if err != nil {
		return settle.ValidatorSet{}, fmt.Errorf("validators: %w", err)
	}
	q, err := callView(c, ctx, c.cfg.Escrow, c.escrow.PackQuorum(), c.escrow.UnpackQuorum)
	if err != nil {
		return settle.ValidatorSet{}, fmt.Errorf("quorum: %w", err)
	}
	if !q.IsInt64() || q.Int64() > int64(len(vals)) {
		return settle.ValidatorSet{}, fmt.Errorf("escrow reports quorum %s of %d validators", q, len(vals))
	}
	out := settle.ValidatorSet{Validators: make([]identity.Address, len(vals)), Quorum: int(q.Int64())}
	for i, v := range vals {
		out.Validators[i] = identity.Address(v)
	}
	return out, nil
}

// verdict is v as the contract sees it.
func verdict(v settle.Verdict) Verdict {
	return Verdict{
		Provider: common.Address(v.Provider), Amount: settle.ToTokenUnits(v.Amount),
		DisputeID: common.Hash(v.DisputeID), Beneficiary: common.Address(v.Beneficiary),
	}
}

// SignVerdict signs v, as a validator, for this chain and Escrow (EIP-712,
// 65 bytes, the contract's encoding).
func (c *Client) SignVerdict(v settle.Verdict) ([]byte, error) {
	digest, err := VerdictDigest(c.domain, verdict(v))
	if err != nil {
		return nil, fmt.Errorf("sign verdict: %w", err)
	}
	sig, err := c.id.SignHash(digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign verdict: %w", err)
	}
	return sig, nil
}

// VerdictSigner recovers the account that signed v with sig for this chain
// and Escrow, under the contract's rules (65 bytes, low s, v 27 or 28). A
// signature over another verdict or domain recovers another account.
func (c *Client) VerdictSigner(v settle.Verdict, sig []byte) (identity.Address, error) {
	digest, err := VerdictDigest(c.domain, verdict(v))
	if err != nil {
		return identity.Address{}, fmt.Errorf("verdict signer: %w", err)
	}
	signer, err := recoverDigest(digest, sig)
	if err != nil {
		return identity.Address{}, fmt.Errorf("verdict signer: %w: %w", settle.ErrBadSignature, err)
	}
	return identity.Address(signer), nil
}

// Slash executes v on the validators' signatures sigs; any account may send
// it. The Escrow's refusals come back as settle's errors: ErrSlashingDisabled,
// ErrDisputeUsed, ErrInsufficientStake, ErrUnknownValidator,
// ErrTooFewSignatures (also for two signatures of one validator),
// ErrBadSignature.
func (c *Client) Slash(ctx context.Context, v settle.Verdict, sigs [][]byte) (settle.TxResult, error) {
	if v.Amount <= 0 {
		return settle.TxResult{}, fmt.Errorf("slash: %w", settle.ErrZeroAmount)
	}
	cv := verdict(v)
	return c.transact(ctx, "slash", c.escrow.PackSlash(cv.Provider, cv.Amount, cv.DisputeID, cv.Beneficiary, sigs))
}

// DisputeUsed reports whether the Escrow executed a verdict for disputeID.
func (c *Client) DisputeUsed(ctx context.Context, disputeID [32]byte) (bool, error) {
	used, err := callView(c, ctx, c.cfg.Escrow, c.escrow.PackDisputeUsed(disputeID), c.escrow.UnpackDisputeUsed)
	if err != nil {
		return false, fmt.Errorf("dispute %x: %w", disputeID, err)
	}
	return used, nil
}

// Head reads the latest block's number and hash.
func (c *Client) Head(ctx context.Context) (settle.Block, error) {
	var h *types.Header
	err := c.retry(ctx, func() (err error) { h, err = c.eth.HeaderByNumber(ctx, nil); return err })
	if err != nil {
		return settle.Block{}, fmt.Errorf("head: %w", c.mapError(err))
	}
	if h.Number == nil || !h.Number.IsUint64() {
		return settle.Block{}, fmt.Errorf("head: block number %v", h.Number)
	}
	return settle.Block{Number: h.Number.Uint64(), Hash: h.Hash()}, nil
}
