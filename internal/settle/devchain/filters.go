package devchain

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"
)

// Limits of installed filters, as geth's: a filter nobody polled for
// filterTimeout is dropped; at most maxFilters are installed at once.
const (
	filterTimeout = 5 * time.Minute
	maxFilters    = 1024
)

// errFilterNotFound is geth's answer for an unknown or expired filter id.
var errFilterNotFound = errors.New("filter not found")

type filterKind int

const (
	logFilter filterKind = iota
	blockFilter
	pendingTxFilter
)

// filter is one installed filter: what it matches and the next block whose
// changes it has not reported.
type filter struct {
	kind   filterKind
	query  logQuery
	next   uint64
	polled time.Time
}

// filterSet holds the filters of eth_newFilter, eth_newBlockFilter and
// eth_newPendingTransactionFilter, polled with eth_getFilterChanges (what
// ethers' contract.on does over HTTP).
type filterSet struct {
	now func() time.Time

	mu   sync.Mutex
	byID map[rpc.ID]*filter
}

func newFilterSet(now func() time.Time) *filterSet {
	return &filterSet{now: now, byID: map[rpc.ID]*filter{}}
}

// install adds f, first dropping the filters that timed out.
func (s *filterSet) install(f *filter) (rpc.ID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, old := range s.byID {
		if now.Sub(old.polled) >= filterTimeout {
			delete(s.byID, id)
		}
	}
	if len(s.byID) >= maxFilters {
		return "", fmt.Errorf("too many filters installed (%d): uninstall some", maxFilters)
	}
	f.polled = now
	id := rpc.NewID()
	s.byID[id] = f
	return id, nil
}

// NewFilter installs a log filter; eth_getFilterChanges reports the matching
// logs of blocks mined after it (within its toBlock, if it has a number).
func (a *ethAPI) NewFilter(q logQuery) (rpc.ID, error) {
	if q.BlockHash != nil {
		return "", errors.New("a filter cannot have a blockHash: use eth_getLogs")
	}
	return a.filters.install(&filter{kind: logFilter, query: q, next: a.l.latest().block.NumberU64() + 1})
}

// NewBlockFilter installs a filter whose changes are the hashes of new blocks.
func (a *ethAPI) NewBlockFilter() (rpc.ID, error) {
	return a.filters.install(&filter{kind: blockFilter, next: a.l.latest().block.NumberU64() + 1})
}

// NewPendingTransactionFilter installs a filter of pending transactions,
// which never has any: the dev chain mines each transaction as it arrives.
func (a *ethAPI) NewPendingTransactionFilter() (rpc.ID, error) {
	return a.filters.install(&filter{kind: pendingTxFilter})
}

// UninstallFilter removes a filter; false if there was none.
func (a *ethAPI) UninstallFilter(id rpc.ID) bool {
	a.filters.mu.Lock()
	defer a.filters.mu.Unlock()
	_, ok := a.filters.byID[id]
	delete(a.filters.byID, id)
	return ok
}

// GetFilterChanges reports what happened since the filter's last poll: logs
// for a log filter, block hashes for a block filter, nothing for a pending
// transaction filter. It reports at most maxLogRange blocks per poll.
func (a *ethAPI) GetFilterChanges(id rpc.ID) (any, error) {
	a.filters.mu.Lock()
	defer a.filters.mu.Unlock()
	f, ok := a.filters.byID[id]
	if !ok {
		return nil, errFilterNotFound
	}
	f.polled = a.filters.now()
	head := a.l.latest().block.NumberU64()
	switch f.kind {
	case pendingTxFilter:
		return []common.Hash{}, nil
	case blockFilter:
		hashes := []common.Hash{}
		if f.next <= head {
			last := min(head, f.next+maxLogRange-1)
			for _, b := range a.l.blocksIn(f.next, last) {
				hashes = append(hashes, b.block.Hash())
			}
			f.next = last + 1
		}
		return hashes, nil
	}
	logs := []*types.Log{}
	to := head
	if f.query.ToBlock != nil && *f.query.ToBlock >= 0 {
		to = min(to, uint64(*f.query.ToBlock))
	}
	from := max(f.next, resolveRange(f.query.FromBlock, 0))
	if from <= to {
		last := min(to, from+maxLogRange-1)
		logs = a.l.logs(a.l.blocksIn(from, last), f.query)
		f.next = last + 1
	}
	return logs, nil
}

// GetFilterLogs returns every log a log filter matches, as eth_getLogs would.
func (a *ethAPI) GetFilterLogs(id rpc.ID) ([]*types.Log, error) {
	a.filters.mu.Lock()
	f, ok := a.filters.byID[id]
	if ok {
		f.polled = a.filters.now()
	}
	a.filters.mu.Unlock()
	if !ok || f.kind != logFilter {
		return nil, errFilterNotFound
	}
	return a.GetLogs(f.query)
}
