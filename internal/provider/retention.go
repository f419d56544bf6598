package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/market"
)

// DefaultResultRetention is how long results are kept when Config leaves
// ResultRetention unset.
const DefaultResultRetention = 7 * 24 * time.Hour

// CollectedNote marks, in an execution's error text, that its result was
// deleted after the retention period.
const CollectedNote = "result collected after retention"

// ErrResultCollected is returned for a result deleted after retention.
var ErrResultCollected = errors.New(CollectedNote)

// resultDir checks that peer asker may fetch the result req names and
// returns its outputs directory. The execution's requester may; so may a
// peer holding a grant signed by that requester for that execution and
// that peer.
func (p *Provider) resultDir(ctx context.Context, req market.ResultRequest, asker string) (string, error) {
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if err != nil {
		return "", errors.New("unknown execution")
	}
	if rec.Requester != asker {
		g := req.Grant
		if g == nil {
			return "", errors.New("only the requester, or a peer it granted access, may fetch results")
		}
		if g.Execution != req.ExecutionID || g.Grantee != asker {
			return "", fmt.Errorf("the grant is for execution %s and peer %s", g.Execution, g.Grantee)
		}
		signer, err := g.Signer()
		if err != nil || signer != rec.Requester {
			return "", errors.New("the grant is not signed by the execution's requester")
		}
	}
	if !rec.State.Terminal() || rec.ResultDigest == "" {
		return "", fmt.Errorf("no result: execution is %s", rec.State)
	}
	dir := filepath.Join(p.execDir(rec.ID), "outputs")
	if strings.Contains(rec.Error, CollectedNote) {
		return "", ErrResultCollected
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("result missing: %w", err)
	}
	return dir, nil
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
// ResultRetention ago and marks their records (see CollectedNote). It
// returns how many it collected.
func (p *Provider) CollectResults(ctx context.Context) (int, error) {
	execs, err := p.cfg.Store.ListExecutions(ctx, 1<<30)
	if err != nil {
		return 0, err
	}
	cutoff := p.now().Add(-p.cfg.ResultRetention)
	n := 0
	for _, e := range execs {
		if !e.State.Terminal() || !e.UpdatedAt.Before(cutoff) || strings.Contains(e.Error, CollectedNote) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(p.execDir(e.ID), "outputs")); err != nil {
			return n, fmt.Errorf("remove outputs of %s: %w", e.ID, err)
		}
		if e.Error == "" {
			e.Error = CollectedNote
		} else {
			e.Error += "; " + CollectedNote
		}
		e.UpdatedAt = p.now()
		if err := p.cfg.Store.PutExecution(ctx, e); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
