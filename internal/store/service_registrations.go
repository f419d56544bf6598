package store

import (
	"context"
	"fmt"
	"time"

	"github.com/deco-network/deco/internal/money"
)

// ServiceRegistration is one service this node serves as a provider, as
// it was registered: its terms and what serves it (a local endpoint, or
// a port of one of this node's service jobs).
type ServiceRegistration struct {
	Name         string
	Type         string
	Price        money.Amount
	UnitPrice    money.Amount
	MaxUnits     uint64
	Verification string
	// Endpoint is the base URL of the local endpoint, or, with Job, a
	// path prefix.
	Endpoint string
	// Job and Port name the service job's port that serves it (empty:
	// Endpoint does).
	Job, Port string
	AddedAt   time.Time
}

// PutServiceRegistration keeps r, replacing the registration of the same
// name.
func (s *Store) PutServiceRegistration(ctx context.Context, r ServiceRegistration) error {
	if r.MaxUnits > 1<<62 {
		return fmt.Errorf("service %s: maxUnits %d out of range", r.Name, r.MaxUnits)
	}
	if _, err := s.exec(ctx, `INSERT INTO service_registrations(name, kind, price, unit_price, max_units, verification, endpoint, job_id, port, added_at)
		VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, price = excluded.price,
		unit_price = excluded.unit_price, max_units = excluded.max_units, verification = excluded.verification,
		endpoint = excluded.endpoint, job_id = excluded.job_id, port = excluded.port, added_at = excluded.added_at`,
		r.Name, r.Type, int64(r.Price), int64(r.UnitPrice), int64(r.MaxUnits), r.Verification, r.Endpoint, r.Job, r.Port,
		r.AddedAt.UnixNano()); err != nil {
		return fmt.Errorf("keep service %s: %w", r.Name, err)
	}
	return nil
}

// ServiceRegistrations lists the services this node serves, by name.
func (s *Store) ServiceRegistrations(ctx context.Context) ([]ServiceRegistration, error) {
	rows, err := s.query(ctx, `SELECT name, kind, price, unit_price, max_units, verification, endpoint, job_id, port, added_at
		FROM service_registrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("service registrations: %w", err)
	}
	defer rows.Close()
	var out []ServiceRegistration
	for rows.Next() {
		var r ServiceRegistration
		var price, unit, units, at int64
		if err := rows.Scan(&r.Name, &r.Type, &price, &unit, &units, &r.Verification, &r.Endpoint, &r.Job, &r.Port, &at); err != nil {
			return nil, fmt.Errorf("service registrations: %w", err)
		}
		r.Price, r.UnitPrice, r.MaxUnits, r.AddedAt = money.Amount(price), money.Amount(unit), uint64(units), time.Unix(0, at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteServiceRegistration forgets service name; it reports whether it
// was kept.
func (s *Store) DeleteServiceRegistration(ctx context.Context, name string) (bool, error) {
	res, err := s.exec(ctx, `DELETE FROM service_registrations WHERE name = ?`, name)
	if err != nil {
		return false, fmt.Errorf("forget service %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
