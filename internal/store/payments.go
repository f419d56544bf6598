package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

// Role says on which side of a payment this node stands.
type Role string

// Roles of payment records.
const (
	RoleProvider  Role = "provider"
	RoleRequester Role = "requester"
)

// Usage is a usage report kept with its execution and channel.
type Usage struct {
	JobID     string             `json:"jobId"`
	Requester identity.Address   `json:"requester"`
	Provider  identity.Address   `json:"provider"`
	Report    market.UsageReport `json:"report"`
	At        time.Time          `json:"at"`
}

// Voucher is a voucher kept with the report it answered.
type Voucher struct {
	Execution string               `json:"execution"`
	Seq       uint64               `json:"seq"`
	Voucher   settle.SignedVoucher `json:"voucher"`
	At        time.Time            `json:"at"`
}

// PayChannel is a channel's latest voucher and what of it was redeemed.
type PayChannel struct {
	Requester identity.Address `json:"requester"`
	Provider  identity.Address `json:"provider"`
	// Latest is the latest voucher (Cumulative zero: none yet).
	Latest settle.SignedVoucher `json:"latest"`
	// Redeemed is the cumulative amount of the last voucher redeemed.
	Redeemed money.Amount `json:"redeemed"`
	// WrittenOff is usage reported and never paid, given up by the provider.
	WrittenOff money.Amount `json:"writtenOff,omitempty"`
	UpdatedAt  time.Time    `json:"updatedAt"`
}

// Redeem is a redeem transaction a provider sent.
type Redeem struct {
	Requester  identity.Address `json:"requester"`
	Provider   identity.Address `json:"provider"`
	Cumulative money.Amount     `json:"cumulative"`
	Result     settle.TxResult  `json:"result"`
	At         time.Time        `json:"at"`
}

// PutUsage records a report (a repeated seq is ignored) and returns the
// channel's usage total: the sum over its executions of their latest
// report's amount due. The total is kept with the channel and moved by the
// difference a new latest report makes, so the cost does not grow with the
// channel's history.
func (s *Store) PutUsage(ctx context.Context, role Role, u Usage) (money.Amount, error) {
	r := u.Report
	final := 0
	if r.Final {
		final = 1
	}
	tx, err := s.begin(ctx, sqlLatestUsage, sqlPutUsage, sqlAddUsage, sqlUsageTotal, sqlBillUsage)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	req, prov := u.Requester.String(), u.Provider.String()
	var prevSeq, prevAmount int64 = -1, 0
	err = s.txQueryRow(ctx, tx, sqlLatestUsage, string(role), r.Execution).Scan(&prevSeq, &prevAmount)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("put usage report %s/%d: %w", r.Execution, r.Seq, err)
	}
	res, err := s.txExec(ctx, tx, sqlPutUsage, string(role), r.Execution, u.JobID, req, prov, int64(r.Seq), int64(r.RunMillis),
		int64(r.AmountDue), final, r.Signature, u.At.UnixNano(),
		int64(r.CPUMillis), int64(r.MemoryPeak), int64(r.GPUMillis), int64(r.GPUMemoryPeak))
	if err != nil {
		return 0, fmt.Errorf("put usage report %s/%d: %w", r.Execution, r.Seq, err)
	}
	var delta int64
	if n, _ := res.RowsAffected(); n == 1 && int64(r.Seq) > prevSeq {
		delta = int64(r.AmountDue) - prevAmount
	}
	if _, err := s.txExec(ctx, tx, sqlAddUsage, string(role), req, prov, delta, u.At.UnixNano()); err != nil {
		return 0, fmt.Errorf("put usage report %s/%d: %w", r.Execution, r.Seq, err)
	}
	if _, err := s.txExec(ctx, tx, sqlBillUsage, string(role), r.Execution, u.JobID, req, prov, u.At.UnixNano(),
		int64(r.RunMillis), int64(r.AmountDue)); err != nil {
		return 0, fmt.Errorf("billing record %s: %w", r.Execution, err)
	}
	var total int64
	if err := s.txQueryRow(ctx, tx, sqlUsageTotal, string(role), req, prov).Scan(&total); err != nil {
		return 0, fmt.Errorf("usage total: %w", err)
	}
	return money.Amount(total), tx.Commit()
}

// UsageTotal is the sum over a channel's executions of their latest
// report's amount due.
func (s *Store) UsageTotal(ctx context.Context, role Role, requester, provider identity.Address) (money.Amount, error) {
	var total int64
	err := s.queryRow(ctx, sqlUsageTotal, string(role), requester.String(), provider.String()).Scan(&total)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("usage total: %w", err)
	}
	return money.Amount(total), nil
}

// Usages returns an execution's reports in order.
func (s *Store) Usages(ctx context.Context, role Role, execution string) ([]Usage, error) {
	rows, err := s.query(ctx, `SELECT job_id, requester, provider, seq, run_millis, amount, final, signature, at,
		cpu_millis, memory_peak, gpu_millis, gpu_memory_peak
		FROM usage_reports WHERE role = ? AND execution_id = ? ORDER BY seq`, string(role), execution)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Usage
	for rows.Next() {
		var u Usage
		var req, prov string
		var seq, ms, amount, at, cpu, mem, gpu, gpuMem int64
		var final int
		if err := rows.Scan(&u.JobID, &req, &prov, &seq, &ms, &amount, &final, &u.Report.Signature, &at,
			&cpu, &mem, &gpu, &gpuMem); err != nil {
			return nil, err
		}
		u.Report.Use = market.Use{CPUMillis: uint64(cpu), MemoryPeak: uint64(mem), GPUMillis: uint64(gpu), GPUMemoryPeak: uint64(gpuMem)}
		u.Requester, _ = identity.ParseAddress(req)
		u.Provider, _ = identity.ParseAddress(prov)
		u.Report.Execution, u.Report.Seq, u.Report.RunMillis = execution, uint64(seq), uint64(ms)
		u.Report.AmountDue, u.Report.Final, u.At = money.Amount(amount), final == 1, time.Unix(0, at).UTC()
		out = append(out, u)
	}
	return out, rows.Err()
}

// PutVoucher records a voucher and makes it the channel's latest when it
// promises more than the latest so far.
func (s *Store) PutVoucher(ctx context.Context, role Role, v Voucher) error {
	sv := v.Voucher
	req, prov := sv.Requester.String(), sv.Provider.String()
	tx, err := s.begin(ctx, sqlPutVoucher, sqlPutChannel, sqlBillVoucher)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := s.txExec(ctx, tx, sqlPutVoucher,
		string(role), v.Execution, int64(v.Seq), req, prov, int64(sv.Cumulative), sv.Signature, v.At.UnixNano()); err != nil {
		return fmt.Errorf("put voucher: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlPutChannel,
		string(role), req, prov, int64(sv.Cumulative), sv.Signature, v.At.UnixNano()); err != nil {
		return fmt.Errorf("put channel voucher: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlBillVoucher, string(role), v.Execution, int64(v.Seq)); err != nil {
		return fmt.Errorf("billing record %s: %w", v.Execution, err)
	}
	return tx.Commit()
}

// Vouchers returns the vouchers that answered an execution's reports.
func (s *Store) Vouchers(ctx context.Context, role Role, execution string) ([]Voucher, error) {
	rows, err := s.query(ctx, `SELECT seq, requester, provider, cumulative, signature, at
		FROM vouchers WHERE role = ? AND execution_id = ? ORDER BY seq`, string(role), execution)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Voucher
	for rows.Next() {
		var v Voucher
		var req, prov string
		var seq, cum, at int64
		if err := rows.Scan(&seq, &req, &prov, &cum, &v.Voucher.Signature, &at); err != nil {
			return nil, err
		}
		v.Execution, v.Seq, v.At = execution, uint64(seq), time.Unix(0, at).UTC()
		v.Voucher.Requester, _ = identity.ParseAddress(req)
		v.Voucher.Provider, _ = identity.ParseAddress(prov)
		v.Voucher.Cumulative = money.Amount(cum)
		out = append(out, v)
	}
	return out, rows.Err()
}

// PayChannel returns a channel's record; a channel never used reads as
// zeros.
func (s *Store) PayChannel(ctx context.Context, role Role, requester, provider identity.Address) (PayChannel, error) {
	chs, err := s.payChannels(ctx, `WHERE role = ? AND requester = ? AND provider = ?`, string(role), requester.String(), provider.String())
	if err != nil || len(chs) == 0 {
		return PayChannel{Requester: requester, Provider: provider,
			Latest: settle.SignedVoucher{Requester: requester, Provider: provider}}, err
	}
	return chs[0], nil
}

// PayChannels lists the channels of a role.
func (s *Store) PayChannels(ctx context.Context, role Role) ([]PayChannel, error) {
	return s.payChannels(ctx, `WHERE role = ?`, string(role))
}

func (s *Store) payChannels(ctx context.Context, where string, args ...any) ([]PayChannel, error) {
	rows, err := s.query(ctx, `SELECT requester, provider, cumulative, signature, redeemed, written_off, updated_at
		FROM pay_channels `+where+` ORDER BY requester, provider`, args...)
	if err != nil {
		return nil, fmt.Errorf("pay channels: %w", err)
	}
	defer rows.Close()
	var out []PayChannel
	for rows.Next() {
		var c PayChannel
		var req, prov string
		var cum, redeemed, off, at int64
		var sig []byte
		if err := rows.Scan(&req, &prov, &cum, &sig, &redeemed, &off, &at); err != nil {
			return nil, err
		}
		c.Requester, _ = identity.ParseAddress(req)
		c.Provider, _ = identity.ParseAddress(prov)
		c.Latest = settle.SignedVoucher{Requester: c.Requester, Provider: c.Provider, Cumulative: money.Amount(cum), Signature: sig}
		c.Redeemed, c.WrittenOff, c.UpdatedAt = money.Amount(redeemed), money.Amount(off), time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// NoteChannel records the channel from requester to provider for role, if
// not yet known, so that it is listed from its first deposit on rather than
// from its first voucher.
func (s *Store) NoteChannel(ctx context.Context, role Role, requester, provider identity.Address, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO pay_channels(role, requester, provider, updated_at) VALUES(?, ?, ?, ?)
		ON CONFLICT(role, requester, provider) DO NOTHING`, string(role), requester.String(), provider.String(), at.UnixNano())
	if err != nil {
		return fmt.Errorf("note channel: %w", err)
	}
	return nil
}

// WriteOff adds amount to what a provider gave up on a channel.
func (s *Store) WriteOff(ctx context.Context, requester, provider identity.Address, amount money.Amount, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO pay_channels(role, requester, provider, written_off, updated_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(role, requester, provider) DO UPDATE SET written_off = written_off + excluded.written_off`,
		string(RoleProvider), requester.String(), provider.String(), int64(amount), at.UnixNano())
	if err != nil {
		return fmt.Errorf("write off: %w", err)
	}
	return nil
}

const (
	sqlWrittenOff = `SELECT written_off FROM pay_channels WHERE role = ? AND requester = ? AND provider = ?`
	sqlRecover    = `UPDATE pay_channels SET written_off = written_off - ?, updated_at = ? WHERE role = ? AND requester = ? AND provider = ?`
)

// Recover takes back up to amount of what a provider wrote off on a
// channel (a late voucher paid it after all) and returns how much it took.
func (s *Store) Recover(ctx context.Context, requester, provider identity.Address, amount money.Amount, at time.Time) (money.Amount, error) {
	tx, err := s.begin(ctx, sqlWrittenOff, sqlRecover)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	key := []any{string(RoleProvider), requester.String(), provider.String()}
	var off int64
	err = s.txQueryRow(ctx, tx, sqlWrittenOff, key...).Scan(&off)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("recover written off: %w", err)
	}
	take := min(money.Amount(off), amount)
	if take <= 0 {
		return 0, nil
	}
	if _, err := s.txExec(ctx, tx, sqlRecover, append([]any{int64(take), at.UnixNano()}, key...)...); err != nil {
		return 0, fmt.Errorf("recover written off: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("recover written off: %w", err)
	}
	return take, nil
}

// PutRedeem records a redeem transaction and raises the channel's
// redeemed mark to its voucher's amount.
func (s *Store) PutRedeem(ctx context.Context, r Redeem) error {
	tx, err := s.begin(ctx, sqlPutRedeem, sqlMarkRedeemed)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	req, prov := r.Requester.String(), r.Provider.String()
	if _, err := s.txExec(ctx, tx, sqlPutRedeem, r.Result.Tx, req, prov, int64(r.Cumulative),
		int64(r.Result.Amount), int64(r.Result.Owed), int64(r.Result.GasUsed), int64(r.Result.Block), r.At.UnixNano()); err != nil {
		return fmt.Errorf("put redeem: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlMarkRedeemed, int64(r.Cumulative), string(RoleProvider), req, prov); err != nil {
		return fmt.Errorf("put redeem: %w", err)
	}
	return tx.Commit()
}

// Redeems lists redeem transactions, newest first (all when limit <= 0).
func (s *Store) Redeems(ctx context.Context, limit int) ([]Redeem, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := s.query(ctx, `SELECT tx, requester, provider, cumulative, amount, owed, gas_used, block, at
		FROM redeems ORDER BY at DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Redeem
	for rows.Next() {
		var r Redeem
		var req, prov string
		var cum, amount, owed, gas, block, at int64
		if err := rows.Scan(&r.Result.Tx, &req, &prov, &cum, &amount, &owed, &gas, &block, &at); err != nil {
			return nil, err
		}
		r.Requester, _ = identity.ParseAddress(req)
		r.Provider, _ = identity.ParseAddress(prov)
		r.Cumulative, r.Result.Amount, r.Result.Owed = money.Amount(cum), money.Amount(amount), money.Amount(owed)
		r.Result.GasUsed, r.Result.Block, r.At = uint64(gas), uint64(block), time.Unix(0, at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Queries run inside transactions; begin prepares them first.
const (
	sqlPutVoucher = `INSERT INTO vouchers(role, execution_id, seq, requester, provider, cumulative, signature, at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlPutChannel = `INSERT INTO pay_channels(role, requester, provider, cumulative, signature, updated_at)
		VALUES(?, ?, ?, ?, ?, ?)
		ON CONFLICT(role, requester, provider) DO UPDATE SET cumulative = excluded.cumulative, signature = excluded.signature,
		updated_at = excluded.updated_at WHERE excluded.cumulative > pay_channels.cumulative`
	sqlPutRedeem = `INSERT INTO redeems(tx, requester, provider, cumulative, amount, owed, gas_used, block, at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlMarkRedeemed = `UPDATE pay_channels SET redeemed = MAX(redeemed, ?)
		WHERE role = ? AND requester = ? AND provider = ?`
)

// ArchiveChannels moves every payment channel to pay_channels_archive,
// tagged with escrow (the one they belonged to), and tags the usage reports
// behind them, and reports how many channels it moved: the node now settles
// on another escrow, where its channels start from zero. The records stay;
// they just no longer count.
func (s *Store) ArchiveChannels(ctx context.Context, escrow string, at time.Time) (int, error) {
	tx, err := s.begin(ctx, sqlArchiveChannels, sqlClearChannels, sqlArchiveUsage, sqlArchiveTimeLocks, sqlArchiveHolds)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := s.txExec(ctx, tx, sqlArchiveChannels, escrow, at.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("archive pay channels: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlClearChannels); err != nil {
		return 0, fmt.Errorf("archive pay channels: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlArchiveUsage, escrow); err != nil {
		return 0, fmt.Errorf("archive usage reports: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlArchiveTimeLocks, escrow); err != nil {
		return 0, fmt.Errorf("archive time-lock attestations: %w", err)
	}
	if _, err := s.txExec(ctx, tx, sqlArchiveHolds, escrow); err != nil {
		return 0, fmt.Errorf("archive verification holds: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), tx.Commit()
}

const (
	sqlArchiveChannels = `INSERT INTO pay_channels_archive(escrow, role, requester, provider, cumulative, signature, redeemed, written_off, updated_at, archived_at)
		SELECT ?, role, requester, provider, cumulative, signature, redeemed, written_off, updated_at, ? FROM pay_channels`
	sqlClearChannels = `DELETE FROM pay_channels`
	// The latest report of an execution on the current escrow.
	sqlLatestUsage = `SELECT seq, amount FROM usage_reports WHERE role = ? AND execution_id = ? AND archived_escrow = ''
		ORDER BY seq DESC LIMIT 1`
	sqlPutUsage = `INSERT INTO usage_reports(role, execution_id, job_id, requester, provider, seq, run_millis, amount, final, signature, at,
		cpu_millis, memory_peak, gpu_millis, gpu_memory_peak)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	sqlAddUsage = `INSERT INTO pay_channels(role, requester, provider, usage_total, updated_at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(role, requester, provider) DO UPDATE SET usage_total = usage_total + excluded.usage_total`
	sqlUsageTotal   = `SELECT usage_total FROM pay_channels WHERE role = ? AND requester = ? AND provider = ?`
	sqlArchiveUsage = `UPDATE usage_reports SET archived_escrow = ? WHERE archived_escrow = ''`
)
