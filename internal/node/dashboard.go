package node

import (
	"context"
	"errors"

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
