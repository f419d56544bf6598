package api

import (
	"context"
	"net/http"
	"time"

	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// WalletBackend is what the wallet endpoints need from the node; a Backend
// that does not implement it answers them 501.
type WalletBackend interface {
	Wallet(ctx context.Context) (Wallet, error)
	// Deposit adds amount to this node's channel to provider (a peer ID or
	// an address).
	Deposit(ctx context.Context, provider string, amount money.Amount) (settle.TxResult, error)
	// Withdraw requests a withdrawal of amount (everything when zero) from
	// the channel to provider, or executes the pending one once unlocked.
	Withdraw(ctx context.Context, provider string, amount money.Amount) (WithdrawResult, error)
	// Redeem redeems the latest vouchers now (one requester's when set).
	Redeem(ctx context.Context, requester string) ([]store.Redeem, error)
	Stake(ctx context.Context, amount money.Amount) (settle.TxResult, error)
}

// Wallet answers GET /v1/wallet.
type Wallet struct {
	Address string `json:"address"`
	// Escrow is "<chainID>:<escrow address>".
	Escrow  string       `json:"escrow"`
	Balance money.Amount `json:"balance"`
	Stake   settle.Stake `json:"stake"`
	// EscrowHolds is every token the escrow contract holds (all channels
	// and stakes): with every account's balance, the total supply.
	EscrowHolds money.Amount `json:"escrowHolds"`
	// Deposits are this node's channels as a requester.
	Deposits []RequesterChannel `json:"deposits"`
	// Earnings are this node's channels as a provider.
	Earnings []ProviderChannel `json:"earnings"`
	// Redeems are the latest redeem transactions (newest first).
	Redeems []store.Redeem `json:"redeems,omitempty"`
}

// RequesterChannel is a channel this node pays on.
type RequesterChannel struct {
	Provider string `json:"provider"`
	// Deposited is the channel balance on chain (not yet paid or withdrawn).
	Deposited money.Amount `json:"deposited"`
	// Paid is what the provider redeemed so far.
	Paid money.Amount `json:"paid"`
	// Signed is the latest voucher's cumulative amount; Pending is the
	// part of it not redeemed yet.
	Signed         money.Amount `json:"signed"`
	Pending        money.Amount `json:"pending"`
	WithdrawAmount money.Amount `json:"withdrawAmount,omitempty"`
	WithdrawAt     time.Time    `json:"withdrawAt,omitzero"`
}

// ProviderChannel is a channel this node is paid on.
type ProviderChannel struct {
	Requester string `json:"requester"`
	// Redeemed is what was paid out to this node on chain.
	Redeemed money.Amount `json:"redeemed"`
	// Pending is promised by the latest voucher and not redeemed yet.
	Pending money.Amount `json:"pending"`
	// Latest is the latest voucher's cumulative amount.
	Latest money.Amount `json:"latest"`
	// Balance is what is left in the requester's deposit.
	Balance    money.Amount `json:"balance"`
	WithdrawAt time.Time    `json:"withdrawAt,omitzero"`
}

// WithdrawResult answers POST /v1/wallet/withdraw.
type WithdrawResult struct {
	// Requested is the withdrawal request sent (nil when one was executed).
	Requested *settle.TxResult `json:"requested,omitempty"`
	// Withdrawn is the executed withdrawal (nil when only requested).
	Withdrawn *settle.TxResult `json:"withdrawn,omitempty"`
	// UnlockAt is when a requested withdrawal may be executed.
	UnlockAt time.Time `json:"unlockAt,omitzero"`
	// Message says what happened and what comes next.
	Message string `json:"message"`
}

// DepositRequest is the body of POST /v1/wallet/deposit and withdraw.
type DepositRequest struct {
	Provider string       `json:"provider"`
	Amount   money.Amount `json:"amount"`
}

// RedeemRequest is the body of POST /v1/wallet/redeem.
type RedeemRequest struct {
	Requester string `json:"requester,omitempty"`
}

// StakeRequest is the body of POST /v1/wallet/stake.
type StakeRequest struct {
	Amount money.Amount `json:"amount"`
}

func (s *server) walletBackend(w http.ResponseWriter) (WalletBackend, bool) {
	wb, ok := s.b.(WalletBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node has no wallet"})
	}
	return wb, ok
}

func (s *server) wallet(w http.ResponseWriter, r *http.Request) {
	if wb, ok := s.walletBackend(w); ok {
		v, err := wb.Wallet(r.Context())
		s.reply(w, v, err)
	}
}

func (s *server) walletDeposit(w http.ResponseWriter, r *http.Request) {
	wb, ok := s.walletBackend(w)
	var req DepositRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	res, err := wb.Deposit(r.Context(), req.Provider, req.Amount)
	s.reply(w, res, err)
}

func (s *server) walletWithdraw(w http.ResponseWriter, r *http.Request) {
	wb, ok := s.walletBackend(w)
	var req DepositRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	res, err := wb.Withdraw(r.Context(), req.Provider, req.Amount)
	s.reply(w, res, err)
}

func (s *server) walletRedeem(w http.ResponseWriter, r *http.Request) {
	wb, ok := s.walletBackend(w)
	var req RedeemRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	res, err := wb.Redeem(r.Context(), req.Requester)
	s.reply(w, res, err)
}

func (s *server) walletStake(w http.ResponseWriter, r *http.Request) {
	wb, ok := s.walletBackend(w)
	var req StakeRequest
	if !ok || !s.decode(w, r, &req) {
		return
	}
	res, err := wb.Stake(r.Context(), req.Amount)
	s.reply(w, res, err)
}

func (s *server) reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}
