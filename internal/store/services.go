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

// ReserveService, on the requester's side, reserves one request of
// amount: ReserveServiceBatch of one.
func (s *Store) ReserveService(ctx context.Context, service string, requester, provider identity.Address, amount money.Amount,
	check func(owed, signed money.Amount) error, sign func(money.Amount) (settle.SignedVoucher, error), at time.Time) (settle.SignedVoucher, error) {
	return s.ReserveServiceBatch(ctx, service, requester, provider, 1, amount, check, sign, at)
}

// AcceptService, on the provider's side, accepts one request of amount
// paid by v: AcceptServiceBatch of one.
func (s *Store) AcceptService(ctx context.Context, service string, v settle.SignedVoucher, amount money.Amount, at time.Time) error {
	return s.AcceptServiceBatch(ctx, service, v, 1, amount, at)
}

// SettleService corrects the record of one request once its cost is
// known: SettleServiceBatch of one (unserved 1 when it was not served).
func (s *Store) SettleService(ctx context.Context, role Role, service string, requester, provider identity.Address,
	reserved, charged money.Amount, served bool, at time.Time) error {
	unserved := 0
	if !served {
		unserved = 1
	}
	return s.SettleServiceBatch(ctx, role, service, requester, provider, reserved, charged, unserved, at)
}

// ServiceCallsOf lists what the channels' service requests came to on
// one side.
func (s *Store) ServiceCallsOf(ctx context.Context, role Role) ([]ServiceCalls, error) {
	if err := s.flushServiceCalls(ctx); err != nil {
		return nil, fmt.Errorf("service calls: %w", err)
	}
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
	sqlChannelTotals = `SELECT usage_total, cumulative FROM pay_channels WHERE role = ? AND requester = ? AND provider = ?`
	// sqlAddUsageTotals is sqlAddUsage returning the channel's totals
	// after it (one statement for two on a service request's path).
	sqlAddUsageTotals = sqlAddUsage + ` RETURNING usage_total, cumulative`
	// sqlRaiseChannel is sqlPutChannel (the voucher kept only when it
	// raises the latest) returning the channel's usage total, latest
	// cumulative and written-off amount after it, in one statement: the
	// update touches the row every time (its voucher columns only when
	// they rise), so that RETURNING always has it.
	sqlRaiseChannel = `INSERT INTO pay_channels(role, requester, provider, cumulative, signature, updated_at)
		VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(role, requester, provider) DO UPDATE SET
		signature = CASE WHEN excluded.cumulative > pay_channels.cumulative THEN excluded.signature ELSE pay_channels.signature END,
		updated_at = CASE WHEN excluded.cumulative > pay_channels.cumulative THEN excluded.updated_at ELSE pay_channels.updated_at END,
		cumulative = MAX(pay_channels.cumulative, excluded.cumulative)
		RETURNING usage_total, cumulative, written_off`
	sqlServiceCall = `INSERT INTO service_calls(role, service, requester, provider, requests, charged, updated_at)
		VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(role, service, requester, provider) DO UPDATE SET
		requests = requests + excluded.requests, charged = charged + excluded.charged, updated_at = excluded.updated_at`
)
