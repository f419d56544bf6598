// Package settle is how deco moves money: a requester deposits on a channel
// to a provider once, pays for work off chain with signed cumulative
// vouchers, and the provider redeems the latest voucher on chain whenever it
// likes; the requester withdraws what is left after a timed window, and
// providers stake tokens that misbehaviour can cost them.
//
// Settlement is the interface the rest of deco uses; settle/evm implements
// it on an EVM chain (the Escrow contract in contracts/), settle/devchain
// runs an in-process dev chain to settle on, and settle/settletest is the
// conformance suite every implementation passes.
package settle

import (
	"context"
	"errors"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

// Settlement is one node's account on a settlement backend: it acts (deposits,
// redeems, withdraws, stakes) as Address and reads any channel or balance.
// Every method that sends a transaction returns once it is confirmed.
type Settlement interface {
	// Address is the account this Settlement acts as (the node's key).
	Address() identity.Address
	// Balance is addr's token balance outside the escrow.
	Balance(ctx context.Context, addr identity.Address) (money.Amount, error)

	// Deposit adds amount from this account to its channel to provider.
	Deposit(ctx context.Context, provider identity.Address, amount money.Amount) (TxResult, error)
	// Channel reads the channel from requester to provider; a channel never
	// used reads as zeros.
	Channel(ctx context.Context, requester, provider identity.Address) (Channel, error)
	// SignVoucher signs, as the requester, a voucher promising provider a
	// cumulative total on this account's channel. It sends nothing.
	SignVoucher(provider identity.Address, cumulative money.Amount) (SignedVoucher, error)
	// VerifyVoucher checks that v is signed by v.Requester for this backend;
	// it returns ErrBadSignature (wrapped) when not.
	VerifyVoucher(v SignedVoucher) error
	// Redeem pays this account (the provider of v) what v promises beyond what
	// the channel already paid, as far as the channel balance allows; the
	// rest stays owed (TxResult.Owed) and a later redeem after a top-up pays it.
	Redeem(ctx context.Context, v SignedVoucher) (TxResult, error)
	// RequestWithdraw starts (or replaces) a withdrawal of up to amount from
	// this account's channel to provider, executable after the backend's
	// withdrawal delay; the provider can still redeem in the meantime.
	RequestWithdraw(ctx context.Context, provider identity.Address, amount money.Amount) (TxResult, error)
	// Withdraw executes the pending withdrawal: it pays back min(requested,
	// balance left) (TxResult.Amount).
	Withdraw(ctx context.Context, provider identity.Address) (TxResult, error)

	// Stake adds amount from this account to its stake.
	Stake(ctx context.Context, amount money.Amount) (TxResult, error)
	// StakeOf reads provider's stake.
	StakeOf(ctx context.Context, provider identity.Address) (Stake, error)
	// RequestUnstake starts (or replaces) an unstake of amount, executable
	// after the backend's unstake delay; the stake stays slashable until then.
	RequestUnstake(ctx context.Context, amount money.Amount) (TxResult, error)
	// Unstake executes the pending unstake and pays it back (TxResult.Amount).
	Unstake(ctx context.Context) (TxResult, error)

	// ValidatorSet reads the validators whose signatures decide disputes
	// and how many of them a verdict needs (a Quorum of 0: slashing is
	// disabled on this backend).
	ValidatorSet(ctx context.Context) (ValidatorSet, error)
	// SignVerdict signs v as this account (a validator). It sends nothing.
	SignVerdict(v Verdict) ([]byte, error)
	// VerdictSigner returns the account that signed v with sig for this
	// backend; ErrBadSignature (wrapped) when sig is malformed.
	VerdictSigner(v Verdict, sig []byte) (identity.Address, error)
	// Slash moves v.Amount of v.Provider's stake to v.Beneficiary on the
	// signatures of at least Quorum distinct validators; anyone may send
	// it, and each dispute ID is used once.
	Slash(ctx context.Context, v Verdict, sigs [][]byte) (TxResult, error)
	// DisputeUsed reports whether a verdict for disputeID was executed.
	DisputeUsed(ctx context.Context, disputeID [32]byte) (bool, error)
	// Head is the latest block: its number and hash seed choices the
	// parties to a deal must not be able to predict (which validators
	// re-run a task).
	Head(ctx context.Context) (Block, error)
	// Deposits lists requester's deposits on its channels, as the chain
	// recorded them, from block from on, oldest first.
	Deposits(ctx context.Context, requester identity.Address, from uint64) ([]DepositRecord, error)
}

// DepositRecord is one deposit on a channel as the chain recorded it (the
// escrow's Deposited event): a requester's recharge.
type DepositRecord struct {
	Requester identity.Address `json:"requester"`
	Provider  identity.Address `json:"provider"`
	Amount    money.Amount     `json:"amount"`
	// Balance is the channel's balance after the deposit.
	Balance money.Amount `json:"balance"`
	Block   uint64       `json:"block"`
	Tx      string       `json:"tx"`
	// At is the block's time.
	At time.Time `json:"at"`
}

// ValidatorSet is a backend's validators and the quorum a verdict needs.
type ValidatorSet struct {
	Validators []identity.Address `json:"validators"`
	Quorum     int                `json:"quorum"`
}

// Has reports whether addr is one of the validators.
func (s ValidatorSet) Has(addr identity.Address) bool {
	for _, v := range s.Validators {
		if v == addr {
			return true
		}
	}
	return false
}

// Verdict is a quorum's decision of a dispute: Amount of Provider's stake
// goes to Beneficiary. DisputeID names the dispute; a verdict for one is
// executed at most once.
type Verdict struct {
	Provider    identity.Address `json:"provider"`
	Amount      money.Amount     `json:"amount"`
	DisputeID   [32]byte         `json:"disputeId"`
	Beneficiary identity.Address `json:"beneficiary"`
}

// Block is a block's number and hash.
type Block struct {
	Number uint64   `json:"number"`
	Hash   [32]byte `json:"hash"`
}

// TxResult describes a confirmed transaction.
type TxResult struct {
	// Tx is the transaction hash, 0x-prefixed hex.
	Tx string `json:"tx"`
	// Block is the number of the block that includes it.
	Block uint64 `json:"block"`
	// GasUsed is the gas the transaction used.
	GasUsed uint64 `json:"gasUsed"`
	// Amount is what the transaction moved: deposited, paid to the provider
	// (redeem), paid back (withdraw, unstake) or staked.
	Amount money.Amount `json:"amount"`
	// Owed is, for a redeem, what the voucher promises beyond what the
	// channel could pay.
	Owed money.Amount `json:"owed,omitempty"`
}

// Channel is the state of one payment channel from a requester to a provider.
type Channel struct {
	Requester identity.Address `json:"requester"`
	Provider  identity.Address `json:"provider"`
	// Balance is what is deposited and not yet paid or withdrawn.
	Balance money.Amount `json:"balance"`
	// Claimed is the highest cumulative voucher redeemed.
	Claimed money.Amount `json:"claimed"`
	// Paid is what the provider has been paid (Paid <= Claimed).
	Paid money.Amount `json:"paid"`
	// Owed is Claimed - Paid: redeemed but not covered by the balance.
	Owed money.Amount `json:"owed"`
	// WithdrawAmount is the pending withdrawal request, zero if none.
	WithdrawAmount money.Amount `json:"withdrawAmount"`
	// WithdrawAt is when the pending withdrawal may be executed (zero if none).
	WithdrawAt time.Time `json:"withdrawAt,omitzero"`
}

// Stake is a provider's stake.
type Stake struct {
	// Amount is the slashable stake, including any amount requested for unstake.
	Amount money.Amount `json:"amount"`
	// UnstakeAmount is the pending unstake request, zero if none.
	UnstakeAmount money.Amount `json:"unstakeAmount"`
	// UnstakeAt is when the pending unstake may be executed (zero if none).
	UnstakeAt time.Time `json:"unstakeAt,omitzero"`
}

// SignedVoucher is a requester's signed promise that the provider is owed
// Cumulative in total on their channel. A later voucher replaces an earlier one.
type SignedVoucher struct {
	Requester  identity.Address `json:"requester"`
	Provider   identity.Address `json:"provider"`
	Cumulative money.Amount     `json:"cumulative"`
	// Signature is the backend's signature encoding (EIP-712, 65 bytes, on EVM).
	Signature []byte `json:"signature"`
}

// Errors a Settlement returns, wrapped with detail. Backends map their own
// failures (contract reverts) to these.
var (
	// ErrVoucherReplayed means the voucher's amount was already paid in full.
	ErrVoucherReplayed = errors.New("voucher already redeemed")
	// ErrVoucherTooLow means a higher voucher was already redeemed on the channel.
	ErrVoucherTooLow = errors.New("voucher below one already redeemed")
	// ErrBadSignature means a voucher's signature is malformed or not the requester's.
	ErrBadSignature = errors.New("bad voucher signature")
	// ErrNotProvider means only the channel's provider may redeem its vouchers.
	ErrNotProvider = errors.New("only the provider may redeem")
	// ErrNoWithdrawRequest means Withdraw was called with no pending request.
	ErrNoWithdrawRequest = errors.New("no withdrawal requested")
	// ErrWithdrawTooEarly means the withdrawal delay has not passed yet.
	ErrWithdrawTooEarly = errors.New("withdrawal delay not over")
	// ErrNoUnstakeRequest means Unstake was called with no pending request.
	ErrNoUnstakeRequest = errors.New("no unstake requested")
	// ErrUnstakeTooEarly means the unstake delay has not passed yet.
	ErrUnstakeTooEarly = errors.New("unstake delay not over")
	// ErrInsufficientStake means an unstake asks for more than is staked.
	ErrInsufficientStake = errors.New("insufficient stake")
	// ErrInsufficientFunds means the account holds too few tokens (or too
	// little gas money) for the transaction.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrZeroAmount means an amount must be positive.
	ErrZeroAmount = errors.New("amount must be positive")
	// ErrSlashingDisabled means the backend has no validators (quorum 0).
	ErrSlashingDisabled = errors.New("slashing disabled: no validators")
	// ErrUnknownValidator means a verdict carries a signature of an
	// account that is not a validator.
	ErrUnknownValidator = errors.New("verdict signed by a non-validator")
	// ErrTooFewSignatures means a verdict has fewer than quorum distinct
	// validators' signatures.
	ErrTooFewSignatures = errors.New("verdict below quorum")
	// ErrDisputeUsed means a verdict for the dispute was already executed.
	ErrDisputeUsed = errors.New("dispute already settled")
	// ErrReverted means the backend refused a transaction for another reason.
	ErrReverted = errors.New("transaction reverted")
)

// ErrNoSettlement means a node has no settlement configured (it runs and
// buys tasks free): there is no account to pay, redeem or read a wallet on.
var ErrNoSettlement = errors.New("no settlement configured")
