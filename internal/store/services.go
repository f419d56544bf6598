package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// ErrNotCovered means a service request's voucher does not cover what the
// channel owes with the request.
var ErrNotCovered = errors.New("voucher does not cover the request")

// ServiceCalls is what one channel's requests to one service came to.
type ServiceCalls struct {
	Service   string           `json:"service"`
	Requester identity.Address `json:"requester"`
	Provider  identity.Address `json:"provider"`
	Requests  int64            `json:"requests"`
	Charged   money.Amount     `json:"charged"`
	UpdatedAt time.Time        `json:"updatedAt"`
}

// ReserveService, on the requester's side, adds amount (the most one
// request may cost) to what the channel owes and signs, with sign, a
// voucher for the new total, in one transaction, so that vouchers signed
// at the same time for jobs and requests on the channel never go down.
// The request is counted to service as served at amount in the same
// transaction; SettleService corrects that when it was not, or cost less.
// check, when set, sees what the channel owed before the request and its
// latest voucher's amount, and refuses the request with an error (nothing
// is then recorded or signed).
func (s *Store) ReserveService(ctx context.Context, service string, requester, provider identity.Address, amount money.Amount,
	check func(owed, signed money.Amount) error, sign func(money.Amount) (settle.SignedVoucher, error), at time.Time) (settle.SignedVoucher, error) {
	tx, err := s.begin(ctx, sqlAddUsage, sqlChannelTotals, sqlPutChannel, sqlServiceCall)
	if err != nil {
		return settle.SignedVoucher{}, err
	}
	defer tx.Rollback()
	req, prov := requester.String(), provider.String()
	if _, err := s.txExec(ctx, tx, sqlAddUsage, string(RoleRequester), req, prov, int64(amount), at.UnixNano()); err != nil {
		return settle.SignedVoucher{}, fmt.Errorf("reserve service request: %w", err)
	}
	var total, cum int64
	if err := s.txQueryRow(ctx, tx, sqlChannelTotals, string(RoleRequester), req, prov).Scan(&total, &cum); err != nil {
		return settle.SignedVoucher{}, fmt.Errorf("reserve service request: %w", err)
	}
	if check != nil {
		if err := check(money.Amount(total)-amount, money.Amount(cum)); err != nil {
			return settle.SignedVoucher{}, err
		}
	}
	v, err := sign(money.Amount(max(total, cum)))
	if err != nil {
		return settle.SignedVoucher{}, err
	}
	if _, err := s.txExec(ctx, tx, sqlPutChannel, string(RoleRequester), req, prov, int64(v.Cumulative), v.Signature, at.UnixNano()); err != nil {
		return settle.SignedVoucher{}, fmt.Errorf("reserve service request: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlServiceCall, string(RoleRequester), service, req, prov, 1, int64(amount), at.UnixNano()); err != nil {
		return settle.SignedVoucher{}, fmt.Errorf("reserve service request: %w", err)
	}
	return v, tx.Commit()
}

// AcceptService, on the provider's side, keeps v when it raises the
// channel's latest voucher, and then, when the latest voucher covers what
// the channel owes plus amount, adds amount to what it owes. It returns
// ErrNotCovered (wrapped, with the figures) when not; v was kept all the same.
// An accepted request is counted to service as served at amount in the
// same transaction; SettleService corrects that when it was not, or cost
// less.
func (s *Store) AcceptService(ctx context.Context, service string, v settle.SignedVoucher, amount money.Amount, at time.Time) error {
	tx, err := s.begin(ctx, sqlPutChannel, sqlChannelTotals, sqlServiceWrittenOff, sqlAddUsage, sqlServiceCall)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	req, prov := v.Requester.String(), v.Provider.String()
	if _, err := s.txExec(ctx, tx, sqlPutChannel, string(RoleProvider), req, prov, int64(v.Cumulative), v.Signature, at.UnixNano()); err != nil {
		return fmt.Errorf("accept service voucher: %w", err)
	}
	var total, cum int64
	if err := s.txQueryRow(ctx, tx, sqlChannelTotals, string(RoleProvider), req, prov).Scan(&total, &cum); err != nil {
		return fmt.Errorf("accept service voucher: %w", err)
	}
	var off int64
	if err := s.txQueryRow(ctx, tx, sqlServiceWrittenOff, string(RoleProvider), req, prov).Scan(&off); err != nil {
		return fmt.Errorf("accept service voucher: %w", err)
	}
	if due := total - off + int64(amount); cum < due {
		if err := tx.Commit(); err != nil {
			return err
		}
		return fmt.Errorf("%w: the channel owes %s with this request and its latest voucher is for %s",
			ErrNotCovered, money.Amount(due), money.Amount(cum))
	}
	if _, err := s.txExec(ctx, tx, sqlAddUsage, string(RoleProvider), req, prov, int64(amount), at.UnixNano()); err != nil {
		return fmt.Errorf("accept service request: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlServiceCall, string(RoleProvider), service, req, prov, 1, int64(amount), at.UnixNano()); err != nil {
		return fmt.Errorf("accept service request: %w", err)
	}
	return tx.Commit()
}

// SettleService corrects the record of one request to service once its
// cost is known: reserved was added to what the channel owes and counted
// as served (by ReserveService or AcceptService), charged is what it
// cost; the difference goes back off what the channel owes and the
// count. served says whether the request was served. A request served at
// what was reserved (a service priced per request) needs no correction
// and costs no transaction.
func (s *Store) SettleService(ctx context.Context, role Role, service string, requester, provider identity.Address,
	reserved, charged money.Amount, served bool, at time.Time) error {
	back := reserved - charged
	if back == 0 && served {
		return nil
	}
	tx, err := s.begin(ctx, sqlAddUsage, sqlServiceCall)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	req, prov := requester.String(), provider.String()
	if back != 0 {
		if _, err := s.txExec(ctx, tx, sqlAddUsage, string(role), req, prov, -int64(back), at.UnixNano()); err != nil {
			return fmt.Errorf("settle service request: %w", err)
		}
	}
	n := 0
	if !served {
		n = -1
	}
	if _, err := s.txExec(ctx, tx, sqlServiceCall, string(role), service, req, prov, n, -int64(back), at.UnixNano()); err != nil {
		return fmt.Errorf("settle service request: %w", err)
	}
	return tx.Commit()
}

// ServiceCallsOf lists what the channels' service requests came to on
// one side.
func (s *Store) ServiceCallsOf(ctx context.Context, role Role) ([]ServiceCalls, error) {
	rows, err := s.query(ctx, `SELECT service, requester, provider, requests, charged, updated_at FROM service_calls
		WHERE role = ? ORDER BY service, requester, provider`, string(role))
	if err != nil {
		return nil, fmt.Errorf("service calls: %w", err)
	}
	defer rows.Close()
	var out []ServiceCalls
	for rows.Next() {
		var c ServiceCalls
		var req, prov string
		var charged, at int64
		if err := rows.Scan(&c.Service, &req, &prov, &c.Requests, &charged, &at); err != nil {
			return nil, err
		}
		c.Requester, _ = identity.ParseAddress(req)
		c.Provider, _ = identity.ParseAddress(prov)
		c.Charged, c.UpdatedAt = money.Amount(charged), time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

const (
	sqlChannelTotals     = `SELECT usage_total, cumulative FROM pay_channels WHERE role = ? AND requester = ? AND provider = ?`
	sqlServiceWrittenOff = `SELECT written_off FROM pay_channels WHERE role = ? AND requester = ? AND provider = ?`
	sqlServiceCall       = `INSERT INTO service_calls(role, service, requester, provider, requests, charged, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(role, service, requester, provider) DO UPDATE SET
		requests = requests + excluded.requests, charged = charged + excluded.charged, updated_at = excluded.updated_at`
)
