package node

import (
	"context"
	"errors"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/store"
)

// DashboardLogin makes a one-time login link for the web dashboard (POST
// /v1/dashboard/login).
func (b backend) DashboardLogin(context.Context) (api.DashboardLogin, error) {
	if b.n.dash == nil {
		return api.DashboardLogin{}, errors.New("the dashboard is not running")
	}
	code, exp, err := b.n.dash.LoginCode()
	if err != nil {
		return api.DashboardLogin{}, err
	}
	return api.DashboardLogin{URL: b.n.apiURL + "/login?code=" + code, Code: code, Expires: exp}, nil
}

// Executions are the executions this node ran or runs as a provider,
// newest first (the dashboard's provider page).
func (b backend) Executions(ctx context.Context, limit int) ([]store.Execution, error) {
	return b.n.store.ListExecutions(ctx, limit)
}

// Utilisation is what the provider page's utilisation chart reads: the
// executions this node ran as a provider at some time in [from, to) and
// their usage samples summed by step.
func (b backend) Utilisation(ctx context.Context, from, to time.Time, step time.Duration) ([]store.ExecutionSpan, []store.UsageSummary, error) {
	ex, err := b.n.store.ExecutionsBetween(ctx, from, to)
	if err != nil {
		return nil, nil, err
	}
	sums, err := b.n.store.UsageSummaries(ctx, from, to, step)
	return ex, sums, err
}
