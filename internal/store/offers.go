package store

import (
	"context"
	"time"
)

// StoredOffer is a signed offer as received, kept until it expires.
type StoredOffer struct {
	Node    string
	Body    []byte
	Expires time.Time
}

// PutOffer stores the latest offer of node.
func (s *Store) PutOffer(ctx context.Context, o StoredOffer) error {
	_, err := s.exec(ctx, `INSERT INTO offers(node, body, expires_at) VALUES(?,?,?)
		ON CONFLICT(node) DO UPDATE SET body=excluded.body, expires_at=excluded.expires_at`, o.Node, string(o.Body), o.Expires.UnixNano())
	return err
}

// DeleteOffer forgets node's offer.
func (s *Store) DeleteOffer(ctx context.Context, node string) error {
	_, err := s.exec(ctx, "DELETE FROM offers WHERE node = ?", node)
	return err
}

// LiveOffers returns offers that expire after now, and deletes the rest.
func (s *Store) LiveOffers(ctx context.Context, now time.Time) ([]StoredOffer, error) {
	if _, err := s.exec(ctx, "DELETE FROM offers WHERE expires_at <= ?", now.UnixNano()); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, "SELECT node, body, expires_at FROM offers")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredOffer
	for rows.Next() {
		var o StoredOffer
		var body string
		var exp int64
		if err := rows.Scan(&o.Node, &body, &exp); err != nil {
			return nil, err
		}
		o.Body, o.Expires = []byte(body), time.Unix(0, exp).UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}
