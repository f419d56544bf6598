package node

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

var _ api.WalletBackend = backend{}

// resolveAddress reads a party given as an address (0x...) or as the peer
// ID of a node whose offer is in the catalog.
func (b backend) resolveAddress(s string) (identity.Address, error) {
	if strings.HasPrefix(s, "0x") {
		a, err := identity.ParseAddress(s)
		if err != nil {
			return a, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
		}
		return a, nil
	}
	if o, ok := b.n.catalog.Get(s); ok {
		return o.Address, nil
	}
	return identity.Address{}, fmt.Errorf("%w: %q is neither an address (0x...) nor the peer ID of a known provider", api.ErrBadRequest, s)
}

func (b backend) settlement() (settle.Settlement, error) {
	if s := b.n.Settlement(); s != nil {
		return s, nil
	}
	return nil, fmt.Errorf("this node has %w (no %s in its data directory)", settle.ErrNoSettlement, SettlementFile)
}

func (b backend) Wallet(ctx context.Context) (api.Wallet, error) {
	s, err := b.settlement()
	if err != nil {
		return api.Wallet{}, err
	}
	me := s.Address()
	w := api.Wallet{Address: me.String(), Escrow: b.n.escrow, Deposits: []api.RequesterChannel{}, Earnings: []api.ProviderChannel{}}
	if w.Balance, err = s.Balance(ctx, me); err != nil {
		return w, err
	}
	if w.Stake, err = s.StakeOf(ctx, me); err != nil {
		return w, err
	}
	if w.EscrowHolds, err = s.Balance(ctx, identity.Address(b.n.settlement.Domain().Contract)); err != nil {
		return w, err
	}
	paying, err := b.n.store.PayChannels(ctx, store.RoleRequester)
	if err != nil {
		return w, err
	}
	for _, c := range paying {
		ch, err := s.Channel(ctx, me, c.Provider)
		if err != nil {
			return w, err
		}
		w.Deposits = append(w.Deposits, api.RequesterChannel{Provider: c.Provider.String(), Deposited: ch.Balance, Paid: ch.Paid,
			Signed: c.Latest.Cumulative, Pending: max(c.Latest.Cumulative-ch.Claimed, 0),
			WithdrawAmount: ch.WithdrawAmount, WithdrawAt: ch.WithdrawAt})
	}
	paid, err := b.n.store.PayChannels(ctx, store.RoleProvider)
	if err != nil {
		return w, err
	}
	for _, c := range paid {
		ch, err := s.Channel(ctx, c.Requester, me)
		if err != nil {
			return w, err
		}
		w.Earnings = append(w.Earnings, api.ProviderChannel{Requester: c.Requester.String(), Redeemed: ch.Paid,
			Pending: max(c.Latest.Cumulative-ch.Claimed, 0), Latest: c.Latest.Cumulative, Balance: ch.Balance, WithdrawAt: ch.WithdrawAt})
	}
	w.Redeems, err = b.n.store.Redeems(ctx, 10)
	return w, err
}

func (b backend) Deposit(ctx context.Context, provider string, amount money.Amount) (settle.TxResult, error) {
	s, err := b.settlement()
	if err != nil {
		return settle.TxResult{}, err
	}
	addr, err := b.resolveAddress(provider)
	if err != nil {
		return settle.TxResult{}, err
	}
	res, err := s.Deposit(ctx, addr, amount)
	if err != nil {
		return res, err
	}
	return res, b.n.store.NoteChannel(ctx, store.RoleRequester, s.Address(), addr, b.n.cfg.Clock())
}

// Withdraw executes a pending withdrawal once it is unlocked; otherwise it
// requests one (of everything left when amount is zero).
func (b backend) Withdraw(ctx context.Context, provider string, amount money.Amount) (api.WithdrawResult, error) {
	s, err := b.settlement()
	if err != nil {
		return api.WithdrawResult{}, err
	}
	addr, err := b.resolveAddress(provider)
	if err != nil {
		return api.WithdrawResult{}, err
	}
	ch, err := s.Channel(ctx, s.Address(), addr)
	if err != nil {
		return api.WithdrawResult{}, err
	}
	if ch.WithdrawAmount > 0 && amount == 0 {
		res, err := s.Withdraw(ctx, addr)
		if errors.Is(err, settle.ErrWithdrawTooEarly) {
			return api.WithdrawResult{UnlockAt: ch.WithdrawAt, Message: fmt.Sprintf("the withdrawal of %s DECO unlocks at %s; run this again then",
				ch.WithdrawAmount, ch.WithdrawAt.Local().Format("15:04:05"))}, nil
		}
		if err != nil {
			return api.WithdrawResult{}, err
		}
		return api.WithdrawResult{Withdrawn: &res, Message: fmt.Sprintf("withdrew %s DECO from the channel to %s", res.Amount, addr)}, nil
	}
	if amount == 0 {
		amount = ch.Balance
	}
	res, err := s.RequestWithdraw(ctx, addr, amount)
	if err != nil {
		return api.WithdrawResult{}, err
	}
	after, err := s.Channel(ctx, s.Address(), addr)
	if err != nil {
		return api.WithdrawResult{}, err
	}
	return api.WithdrawResult{Requested: &res, UnlockAt: after.WithdrawAt,
		Message: fmt.Sprintf("withdrawal of %s DECO requested; the provider may still redeem vouchers until %s, then run deco wallet withdraw %s again to take back what is left",
			amount, after.WithdrawAt.Local().Format("15:04:05"), addr)}, nil
}

func (b backend) Redeem(ctx context.Context, requester string) ([]store.Redeem, error) {
	if _, err := b.settlement(); err != nil {
		return nil, err
	}
	var who *identity.Address
	if requester != "" {
		a, err := identity.ParseAddress(requester)
		if err != nil {
			return nil, fmt.Errorf("requester %q: want an address (0x...): %w", requester, err)
		}
		who = &a
	}
	return b.n.provider.Redeem(ctx, who)
}

func (b backend) Stake(ctx context.Context, amount money.Amount) (settle.TxResult, error) {
	s, err := b.settlement()
	if err != nil {
		return settle.TxResult{}, err
	}
	return s.Stake(ctx, amount)
}
