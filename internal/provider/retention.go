package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/store"
)

// DefaultResultRetention is how long results are kept when Config leaves
// ResultRetention unset.
const DefaultResultRetention = 7 * 24 * time.Hour

// ErrResultCollected is returned for a result deleted after the retention
// period.
var ErrResultCollected = errors.New("result collected after retention")

// resultDir checks that peer asker may fetch the result req names and
// returns the execution and its outputs directory. The execution's
// requester may; so may a peer holding a grant signed by that requester for
// that execution and that peer.
func (p *Provider) resultDir(ctx context.Context, req market.ResultRequest, asker string) (store.Execution, string, error) {
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if err != nil {
		return rec, "", errors.New("unknown execution")
	}
	if rec.Requester != asker {
		g := req.Grant
		if g == nil {
			return rec, "", errors.New("only the requester, or a peer it granted access, may fetch results")
		}
		if g.Execution != req.ExecutionID || g.Grantee != asker {
			return rec, "", fmt.Errorf("the grant is for execution %s and peer %s", g.Execution, g.Grantee)
		}
		signer, err := g.Signer()
		if err != nil || signer != rec.Requester {
			return rec, "", errors.New("the grant is not signed by the execution's requester")
		}
	}
	if !rec.State.Terminal() || rec.ResultDigest == "" {
		return rec, "", fmt.Errorf("no result: execution is %s", rec.State)
	}
	if !rec.CollectedAt.IsZero() {
		return rec, "", ErrResultCollected
	}
	if err := p.openOutputs(ctx, rec.ID); err != nil {
		p.log.Warn("mount outputs volume", "execution", rec.ID, "err", err)
		return rec, "", errors.New("result missing: the provider cannot open it")
	}
	dir := p.outputsDir(rec.ID)
	if _, err := os.Stat(dir); err != nil {
		p.log.Warn("result missing", "execution", rec.ID, "err", err)
		return rec, "", errors.New("result missing: the provider no longer holds it")
	}
	return rec, dir, nil
}

// collectLoop deletes results past retention now and then until ctx ends.
func (p *Provider) collectLoop(ctx context.Context) {
	every := min(max(p.cfg.ResultRetention/4, time.Second), time.Hour)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := p.CollectResults(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("collect results", "err", err)
		} else if n > 0 {
			p.log.Info("collected results past retention", "count", n, "retention", p.cfg.ResultRetention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CollectResults deletes the outputs of executions that ended more than
// ResultRetention ago and marks their records collected. It returns how
// many it collected.
func (p *Provider) CollectResults(ctx context.Context) (int, error) {
	execs, err := p.cfg.Store.CollectableExecutions(ctx, p.now().Add(-p.cfg.ResultRetention))
	if err != nil {
		return 0, err
	}
	for n, e := range execs {
		if err := p.removeOutputs(ctx, e.ID); err != nil {
			return n, fmt.Errorf("remove outputs of %s: %w", e.ID, err)
		}
		if err := p.cfg.Store.MarkCollected(ctx, e.ID, p.now()); err != nil {
			return n, err
		}
		// Its samples go with its result; its signed usage reports stay.
		if err := p.cfg.Store.DeleteUsageSamples(ctx, e.ID); err != nil {
			return n, err
		}
	}
	return len(execs), nil
}
