package node

import (
	"context"
	"sync"

	"github.com/deco-network/deco/internal/settle"
)

// depositLog is what a node read of its own deposits on the escrow (the
// recharges a billing statement lists): the records of the blocks before
// next, so that the next statement reads only the blocks after them.
type depositLog struct {
	mu   sync.Mutex
	next uint64
	recs []settle.DepositRecord
}

// depositRecords lists this node's deposits as a requester, reading only
// the blocks since the last call.
func (n *Node) depositRecords(ctx context.Context, s settle.Settlement) ([]settle.DepositRecord, error) {
	d := &n.deposits
	d.mu.Lock()
	defer d.mu.Unlock()
	head, err := s.Head(ctx)
	if err != nil {
		return nil, err
	}
	if head.Number >= d.next {
		recs, err := s.Deposits(ctx, n.Address(), d.next)
		if err != nil {
			return nil, err
		}
		d.recs = append(d.recs, recs...)
		// Every block up to the head read first was read whole; a
		// record's block past it was too (blocks are read whole).
		d.next = head.Number + 1
		for _, r := range recs {
			d.next = max(d.next, r.Block+1)
		}
	}
	return append([]settle.DepositRecord(nil), d.recs...), nil
}
