package requester

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

// DefaultQuoteCount is how many of the best feasible providers are asked
// for a quote in parallel.
const DefaultQuoteCount = 3

// ErrNoQuote is returned (as *NoQuoteError) when no provider quoted the
// task within bounds.
var ErrNoQuote = errors.New("no acceptable quote")

// errAboveMaxPrice marks a quote refused for its price.
var errAboveMaxPrice = errors.New("quote refused")

// NoQuoteError lists every asked provider's answer.
type NoQuoteError struct {
	Answers []string
	// Permanent is true when every refusal would stand on retry (quotes
	// above the job's maximum price); otherwise providers were busy and
	// the job can wait in the queue.
	Permanent bool
}

func (e *NoQuoteError) Error() string {
	return ErrNoQuote.Error() + ":\n  " + strings.Join(e.Answers, "\n  ")
}

func (e *NoQuoteError) Unwrap() error { return ErrNoQuote }

// negotiate asks the first K candidates for quotes in parallel, refuses
// quotes that are forged, for other terms, or above the job's maximum
// price, and countersigns the acceptable ones into deals, cheapest first.
func (r *Requester) negotiate(ctx context.Context, j *store.Job, candidates []string) ([]market.Deal, error) {
	k := r.cfg.QuoteCount
	if k <= 0 {
		k = DefaultQuoteCount
	}
	if len(candidates) > k {
		candidates = candidates[:k]
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	type answer struct {
		node  string
		quote *market.Quote
		err   error
	}
	answers := make([]answer, len(candidates))
	var wg sync.WaitGroup
	for i, node := range candidates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := r.askQuote(ctx, j, node)
			answers[i] = answer{node, q, err}
		}()
	}
	wg.Wait()
	var deals []market.Deal
	var report []string
	permanent := true
	for _, a := range answers {
		if a.err != nil {
			report = append(report, fmt.Sprintf("%s: %v", a.node, a.err))
			permanent = permanent && errors.Is(a.err, errAboveMaxPrice)
			continue
		}
		d, err := market.Accept(*a.quote, r.cfg.Key)
		if err != nil {
			report = append(report, fmt.Sprintf("%s: %v", a.node, err))
			continue
		}
		deals = append(deals, d)
		report = append(report, fmt.Sprintf("%s: quoted %s/h", a.node, a.quote.Terms.PerHour))
	}
	if len(deals) == 0 {
		return nil, &NoQuoteError{Answers: report, Permanent: permanent}
	}
	sort.SliceStable(deals, func(a, b int) bool {
		qa, qb := deals[a].Quote.Terms, deals[b].Quote.Terms
		if qa.PerHour != qb.PerHour {
			return qa.PerHour < qb.PerHour
		}
		return qa.Fixed < qb.Fixed
	})
	return deals, nil
}

// askQuote asks one provider and checks its answer.
func (r *Requester) askQuote(ctx context.Context, j *store.Job, node string) (*market.Quote, error) {
	pid, err := peer.Decode(node)
	if err != nil {
		return nil, fmt.Errorf("bad peer ID: %w", err)
	}
	req := market.QuoteRequest{JobID: wireJobID(j), ExecutionID: j.ExecutionID, TaskIndex: j.TaskIndex, Spec: j.Spec, SpecDigest: j.SpecDigest,
		RequesterAddress: r.cfg.Key.Address()}
	var reply market.QuoteReply
	if err := r.cfg.Host.Request(ctx, pid, p2p.ProtocolID(market.ProtoQuote, 1), req, &reply, market.MaxTaskEvent); err != nil {
		return nil, err
	}
	if reply.Error != "" {
		return nil, errors.New(reply.Error)
	}
	q := reply.Quote
	switch {
	case q == nil:
		return nil, errors.New("empty answer")
	case q.Provider != node:
		return nil, errors.New("quote signed for another provider")
	case q.JobID != wireJobID(j) || q.TaskIndex != j.TaskIndex || q.ExecutionID != j.ExecutionID || q.SpecDigest != j.SpecDigest || q.Requester != r.cfg.Key.PeerID() ||
		q.Verification != j.Spec.Verify().String():
		return nil, market.ErrTermsMismatch
	}
	if err := q.VerifyProvider(r.now()); err != nil {
		return nil, err
	}
	if max := j.Spec.MaxPricePerHour; max > 0 && q.Terms.PerHour > max {
		r.decline(pid, j)
		return nil, fmt.Errorf("%w: %s/h is above the job's maximum %s/h", errAboveMaxPrice, q.Terms.PerHour, max)
	}
	return q, nil
}

// decline releases a quote in the background (best effort; quotes also
// expire on their own).
func (r *Requester) decline(pid peer.ID, j *store.Job) { r.declineThen(pid, j, nil) }

// declineThen is decline, calling done (if set) once the provider answered
// or the attempt gave up.
func (r *Requester) declineThen(pid peer.ID, j *store.Job, done func()) {
	req := market.QuoteRequest{JobID: wireJobID(j), ExecutionID: j.ExecutionID, TaskIndex: j.TaskIndex, SpecDigest: j.SpecDigest, Decline: true}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if done != nil {
			defer done()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var reply market.QuoteReply
		_ = r.cfg.Host.Request(ctx, pid, p2p.ProtocolID(market.ProtoQuote, 1), req, &reply, market.MaxSmallMsg)
	}()
}

// declineDealsNotify declines deals; the channel it returns is closed
// once every provider answered (released the capacity) or gave up: a
// verified job's validators are asked then, and they are often the
// providers that quoted.
func (r *Requester) declineDealsNotify(j *store.Job, deals []market.Deal) <-chan struct{} {
	var wg sync.WaitGroup
	for _, d := range deals {
		if pid, err := peer.Decode(d.Quote.Provider); err == nil {
			wg.Add(1)
			r.declineThen(pid, j, wg.Done)
		}
	}
	released := make(chan struct{})
	go func() { wg.Wait(); close(released) }()
	return released
}

// declineDeals releases the quotes of deals not used.
func (r *Requester) declineDeals(j *store.Job, deals []market.Deal) {
	for _, d := range deals {
		if pid, err := peer.Decode(d.Quote.Provider); err == nil {
			r.decline(pid, j)
		}
	}
}
