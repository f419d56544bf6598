package api

import (
	"context"
	"net/http"
	"time"
)

// DashboardBackend is what POST /v1/dashboard/login needs from the node:
// a Backend that serves no dashboard does not implement it (501).
type DashboardBackend interface {
	// DashboardLogin makes a one-time login code for the node's web
	// dashboard.
	DashboardLogin(ctx context.Context) (DashboardLogin, error)
}

// DashboardLogin answers POST /v1/dashboard/login: a one-time link that
// logs one browser in to the dashboard.
type DashboardLogin struct {
	// URL is the dashboard's login URL with the code
	// (http://ADDR/login?code=...).
	URL     string    `json:"url"`
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
}

func (s *server) dashboardLogin(w http.ResponseWriter, r *http.Request) {
	db, ok := s.b.(DashboardBackend)
	if !ok {
		writeJSON(w, http.StatusNotImplemented, Error{Error: "this node serves no dashboard"})
		return
	}
	v, err := db.DashboardLogin(r.Context())
	s.reply(w, v, err)
}
