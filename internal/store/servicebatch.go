package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// ReserveServiceBatch, on the requester's side, adds amount (the most n
// requests sent together may cost) to what the channel owes and signs,
// with sign, a voucher for the new total, in one transaction, so that
// vouchers signed at the same time for jobs and requests on the channel
// never go down. The n requests are counted to service as served at
// amount in the same transaction; SettleServiceBatch corrects that for
// those not served, or that cost less. check, when set, sees what the
// channel owed before the requests and its latest voucher's amount, and
// refuses them with an error (nothing is then recorded or signed).
func (s *Store) ReserveServiceBatch(ctx context.Context, service string, requester, provider identity.Address, n int, amount money.Amount,
	check func(owed, signed money.Amount) error, sign func(money.Amount) (settle.SignedVoucher, error), at time.Time) (settle.SignedVoucher, error) {
	tx, err := s.begin(ctx, sqlAddUsageTotals, sqlPutChannel)
	if err != nil {
		return settle.SignedVoucher{}, err
	}
	defer tx.Rollback()
	req, prov := requester.String(), provider.String()
	var total, cum int64
	if err := s.txQueryRow(ctx, tx, sqlAddUsageTotals, string(RoleRequester), req, prov, int64(amount), at.UnixNano()).Scan(&total, &cum); err != nil {
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
	if err := tx.Commit(); err != nil {
		return settle.SignedVoucher{}, err
	}
	s.countServiceCalls(ctx, RoleRequester, service, req, prov, n, amount, at)
	return v, nil
}

// AcceptServiceBatch, on the provider's side, for n requests of amount
// in all, keeps v when it raises the channel's latest voucher, and then,
// when the latest voucher covers what the channel owes plus amount, adds
// amount to what it owes. It returns ErrNotCovered (wrapped, with the
// figures) when not; v was kept all the same.
// Accepted requests are counted to service as served at amount in the
// same transaction; SettleServiceBatch corrects that for those not served,
// or that cost less.
func (s *Store) AcceptServiceBatch(ctx context.Context, service string, v settle.SignedVoucher, n int, amount money.Amount, at time.Time) error {
	tx, err := s.begin(ctx, sqlRaiseChannel, sqlAddUsage)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	req, prov := v.Requester.String(), v.Provider.String()
	var total, cum, off int64
	if err := s.txQueryRow(ctx, tx, sqlRaiseChannel, string(RoleProvider), req, prov, int64(v.Cumulative), v.Signature, at.UnixNano()).Scan(&total, &cum, &off); err != nil {
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
	if err := tx.Commit(); err != nil {
		return err
	}
	s.countServiceCalls(ctx, RoleProvider, service, req, prov, n, amount, at)
	return nil
}

// SettleServiceBatch corrects the record of requests to service once
// their cost is known: reserved was added to what the channel owes and
// counted as served (by ReserveServiceBatch or AcceptServiceBatch),
// charged is what they cost; the difference goes back off what the
// channel owes and the count, and unserved of them come off the count of
// requests. Requests all served at what was reserved (a service priced
// per request) need no correction and cost no transaction.
func (s *Store) SettleServiceBatch(ctx context.Context, role Role, service string, requester, provider identity.Address,
	reserved, charged money.Amount, unserved int, at time.Time) error {
	back := reserved - charged
	if back == 0 && unserved == 0 {
		return nil
	}
	req, prov := requester.String(), provider.String()
	if back != 0 {
		tx, err := s.begin(ctx, sqlAddUsage)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := s.txExec(ctx, tx, sqlAddUsage, string(role), req, prov, -int64(back), at.UnixNano()); err != nil {
			return fmt.Errorf("settle service request: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	s.countServiceCalls(ctx, role, service, req, prov, -unserved, -back, at)
	return nil
}

// The service request counts (service_calls: how many requests each
// channel made to each service and what they were charged, a statistic
// that no payment reads) are added up in memory and written in one
// transaction by the batch that makes serviceCallsEvery batches pending
// or finds the oldest pending count serviceCallsAge old, and before
// ServiceCallsOf reads them and when the store closes: a batch's own
// transaction then writes only the channel (its usage total and latest
// voucher, which settlement reads, as before). A crash loses the counts
// not yet written (fewer than serviceCallsEvery batches, the last second
// of a busy channel, or the last batches before a channel fell idle),
// never a voucher or a usage total.
const (
	serviceCallsEvery = 64
	serviceCallsAge   = time.Second
)

// serviceCallKey names a service_calls row.
type serviceCallKey struct {
	role                         Role
	service, requester, provider string
}

// serviceCallCount is what a service_calls row has to add.
type serviceCallCount struct {
	requests int64
	charged  money.Amount
	at       time.Time
}

// serviceCallCounts are the counts not yet written.
type serviceCallCounts struct {
	mu      sync.Mutex
	pending map[serviceCallKey]serviceCallCount
	batches int
	since   time.Time // when the oldest pending count was added
}

// countServiceCalls adds n requests charged amount to a service_calls
// row, and writes the pending counts when they are due.
func (s *Store) countServiceCalls(ctx context.Context, role Role, service, requester, provider string, n int, amount money.Amount, at time.Time) {
	c := &s.calls
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[serviceCallKey]serviceCallCount{}
	}
	if len(c.pending) == 0 {
		c.since = at
	}
	k := serviceCallKey{role, service, requester, provider}
	p := c.pending[k]
	p.requests += int64(n)
	p.charged += amount
	p.at = at
	c.pending[k] = p
	c.batches++
	due := c.batches >= serviceCallsEvery || at.Sub(c.since) >= serviceCallsAge
	c.mu.Unlock()
	if due {
		// A failure keeps the counts for the next try; the batch itself
		// is recorded.
		_ = s.flushServiceCalls(context.WithoutCancel(ctx))
	}
}

// flushServiceCalls writes the pending service request counts in one
// transaction (on an error they stay pending).
func (s *Store) flushServiceCalls(ctx context.Context) error {
	c := &s.calls
	c.mu.Lock()
	pending := c.pending
	c.pending, c.batches = nil, 0
	c.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := func() error {
		tx, err := s.begin(ctx, sqlServiceCall)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for k, p := range pending {
			if _, err := s.txExec(ctx, tx, sqlServiceCall, string(k.role), k.service, k.requester, k.provider,
				p.requests, int64(p.charged), p.at.UnixNano()); err != nil {
				return fmt.Errorf("count service requests: %w", err)
			}
		}
		return tx.Commit()
	}()
	if err != nil {
		c.mu.Lock()
		if c.pending == nil {
			c.pending = map[serviceCallKey]serviceCallCount{}
		}
		for k, p := range pending {
			q := c.pending[k]
			q.requests += p.requests
			q.charged += p.charged
			q.at = later(q.at, p.at)
			c.pending[k] = q
		}
		c.mu.Unlock()
	}
	return err
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// SignServiceOwed, on the requester's side, signs with sign a voucher for
// what the channel owes when that is above its latest voucher, and keeps
// it, in one transaction (a service priced per unit pays the units a
// request used once its response told them); ok is false, and nothing
// signed, when the latest voucher covers what is owed already.
func (s *Store) SignServiceOwed(ctx context.Context, requester, provider identity.Address,
	sign func(money.Amount) (settle.SignedVoucher, error), at time.Time) (v settle.SignedVoucher, ok bool, err error) {
	tx, err := s.begin(ctx, sqlChannelTotals, sqlPutChannel)
	if err != nil {
		return v, false, err
	}
	defer tx.Rollback()
	req, prov := requester.String(), provider.String()
	var total, cum int64
	if err := s.txQueryRow(ctx, tx, sqlChannelTotals, string(RoleRequester), req, prov).Scan(&total, &cum); err != nil {
		return v, false, fmt.Errorf("sign what the service requests owe: %w", err)
	}
	if total <= cum {
		return v, false, nil
	}
	if v, err = sign(money.Amount(total)); err != nil {
		return v, false, err
	}
	if _, err := s.txExec(ctx, tx, sqlPutChannel, string(RoleRequester), req, prov, int64(v.Cumulative), v.Signature, at.UnixNano()); err != nil {
		return v, false, fmt.Errorf("sign what the service requests owe: %w", err)
	}
	return v, true, tx.Commit()
}

// KeepServiceVoucher, on the provider's side, keeps v when it raises the
// channel's latest voucher.
func (s *Store) KeepServiceVoucher(ctx context.Context, v settle.SignedVoucher, at time.Time) error {
	tx, err := s.begin(ctx, sqlPutChannel)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := s.txExec(ctx, tx, sqlPutChannel, string(RoleProvider), v.Requester.String(), v.Provider.String(),
		int64(v.Cumulative), v.Signature, at.UnixNano()); err != nil {
		return fmt.Errorf("keep service voucher: %w", err)
	}
	return tx.Commit()
}
