package store

import (
	"context"
	"fmt"
)

// PutOperatorPolicy keeps an operator's signed policy (its JSON) unless
// the store already has that operator's policy at version or later.
func (s *Store) PutOperatorPolicy(ctx context.Context, operator string, version uint64, body []byte) error {
	if version > 1<<63-1 {
		return fmt.Errorf("policy version %d out of range", version)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO operator_policies(operator, version, body) VALUES(?, ?, ?)
		ON CONFLICT(operator) DO UPDATE SET version = excluded.version, body = excluded.body
		WHERE excluded.version > operator_policies.version`, operator, int64(version), string(body))
	return err
}

// OperatorPolicies are the stored policies' bodies, by operator.
func (s *Store) OperatorPolicies(ctx context.Context) ([][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM operator_policies ORDER BY operator`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		out = append(out, []byte(b))
	}
	return out, rows.Err()
}
