package store

import (
	"context"
	"fmt"
)

// Counts are the figures the node's metrics read from the store at each
// scrape, each one indexed query.
type Counts struct {
	// Jobs counts this node's jobs as a requester (not their task rows)
	// by state.
	Jobs map[string]int
	// Executions counts the executions it ran or runs as a provider by
	// state.
	Executions map[string]int
	// UsageReports counts usage reports by role (sent as a provider,
	// accepted as a requester).
	UsageReports map[string]int
}

// Counts reads the store's counts.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	c := Counts{}
	var err error
	if c.Jobs, err = s.countBy(ctx, `SELECT state, COUNT(*) FROM jobs WHERE parent_id = '' GROUP BY state`); err != nil {
		return c, fmt.Errorf("count jobs: %w", err)
	}
	if c.Executions, err = s.countBy(ctx, `SELECT state, COUNT(*) FROM executions GROUP BY state`); err != nil {
		return c, fmt.Errorf("count executions: %w", err)
	}
	if c.UsageReports, err = s.countBy(ctx, `SELECT role, COUNT(*) FROM usage_reports GROUP BY role`); err != nil {
		return c, fmt.Errorf("count usage reports: %w", err)
	}
	return c, nil
}

func (s *Store) countBy(ctx context.Context, query string) (map[string]int, error) {
	rows, err := s.query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
