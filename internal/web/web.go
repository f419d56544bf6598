// Package web is the node's dashboard: server-rendered pages for the
// requester (submit, jobs, a job's tasks, placement, logs, usage,
// payments and result files, spend), the provider (machine, share and
// prices, running tasks, earnings, channels, redeem and stake), the
// network (peers, offers, capacity and prices) and the operator (nodes,
// pools, specs, billing). It reads the node through the same api.Backend
// the REST API uses, in process. Its scripts (htmx, uPlot) are embedded
// pre-built assets: no CDN at run time and no node.js at build time.
//
// Nothing but the login page is served without a session: `deco dashboard`
// asks the node (bearer token) for a one-time login code, and visiting
// /login?code=... sets an HttpOnly, SameSite=Strict session cookie.
// State-changing forms carry the session's CSRF token.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/deco-network/deco/internal/api"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*.js assets/*.css
var assetFS embed.FS

// Limits of the dashboard.
const (
	// CodeTTL is how long a login code may be used (once).
	CodeTTL = 2 * time.Minute
	// SessionTTL is how long a session lasts after its login.
	SessionTTL = 12 * time.Hour
	// MaxFormBody caps a form's body (a spec pasted into the editor
	// included); larger ones are refused with 413.
	MaxFormBody = 1 << 20
	// maxCodes and maxSessions bound what a flood of logins can make
	// the node hold: beyond them the oldest are dropped.
	maxCodes    = 32
	maxSessions = 64
	// maxLogBytes is the tail of a job's logs a page shows.
	maxLogBytes = 64 << 10
	// pageJobs is how many jobs a page of the jobs list shows.
	pageJobs = 50
)

// Config configures a Dashboard.
type Config struct {
	// Backend is the node, as the REST API sees it.
	Backend api.Backend
	Logger  *slog.Logger
	// Clock is the time source of codes and sessions (time.Now if nil).
	Clock func() time.Time
	// OperatorDir is the operator key's keystore directory the operator
	// page's farm statement form suggests (~/.deco-operator if empty).
	OperatorDir string
}

// Dashboard serves the dashboard's pages. Its zero value is not usable:
// call New.
type Dashboard struct {
	b     api.Backend
	log   *slog.Logger
	now   func() time.Time
	pages map[string]*template.Template
	mux   *http.ServeMux
	// operatorDir is the keystore directory the farm form suggests.
	operatorDir string

	mu sync.Mutex
	// codes are the login codes not used yet, sessions the live
	// sessions, both by their secret.
	codes    map[string]time.Time
	sessions map[string]session
}

// New returns the dashboard of the node cfg.Backend.
func New(cfg Config) *Dashboard {
	d := &Dashboard{b: cfg.Backend, log: cfg.Logger, now: cfg.Clock,
		codes: map[string]time.Time{}, sessions: map[string]session{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.operatorDir = cfg.OperatorDir; d.operatorDir == "" {
		d.operatorDir = defaultOperatorDir()
	}
	d.pages = parsePages()
	d.mux = http.NewServeMux()
	d.routes()
	return d
}

// parsePages parses each page template with the layout.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err) // the pattern is constant
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.New(base).Funcs(funcs()).ParseFS(templateFS, "templates/layout.html", name))
	}
	return pages
}

// Owns reports whether the dashboard serves path: "/", "/login",
// "/logout" and everything under "/ui/". Every other path (the REST API's
// /v1/..., /metrics) is not the dashboard's.
func Owns(path string) bool {
	return path == "/" || path == "/login" || path == "/logout" || path == "/ui" || strings.HasPrefix(path, "/ui/")
}

// Mount returns a handler that serves the dashboard's paths (see Owns)
// with d and every other path with apiHandler, unchanged.
func Mount(apiHandler http.Handler, d *Dashboard) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Owns(r.URL.Path) {
			d.ServeHTTP(w, r)
			return
		}
		apiHandler.ServeHTTP(w, r)
	})
}

func (d *Dashboard) routes() {
	d.mux.HandleFunc("GET /{$}", d.authed(func(w http.ResponseWriter, r *http.Request, s session) {
		http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
	}))
	d.mux.HandleFunc("GET /ui", d.authed(func(w http.ResponseWriter, r *http.Request, s session) {
		http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
	}))
	// Any other path under /ui/ needs a session too, to learn it is none.
	d.mux.HandleFunc("/ui/", d.authed(func(w http.ResponseWriter, r *http.Request, s session) {
		d.plainError(w, http.StatusNotFound, "no dashboard page here")
	}))
	d.mux.HandleFunc("GET /login", d.login)
	d.mux.HandleFunc("POST /logout", d.authed(d.logout))
	d.mux.HandleFunc("GET /ui/{$}", d.authed(func(w http.ResponseWriter, r *http.Request, s session) {
		http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
	}))
	// The style sheet is the one asset served without a session (the
	// login page uses it); it holds no data.
	d.mux.HandleFunc("GET /ui/assets/style.css", func(w http.ResponseWriter, r *http.Request) { d.asset(w, r, session{}) })
	d.mux.HandleFunc("GET /ui/assets/{file}", d.authed(d.asset))
	d.mux.HandleFunc("GET /ui/jobs", d.authed(d.jobsPage))
	d.mux.HandleFunc("GET /ui/jobs/new", d.authed(d.newJobPage))
	d.mux.HandleFunc("POST /ui/jobs", d.authed(d.submit))
	d.mux.HandleFunc("GET /ui/jobs/{id}", d.authed(d.jobPage))
	d.mux.HandleFunc("GET /ui/jobs/{id}/logs", d.authed(d.jobLogs))
	d.mux.HandleFunc("GET /ui/jobs/{id}/files/{path...}", d.authed(d.resultFile))
	d.mux.HandleFunc("POST /ui/jobs/{id}/cancel", d.authed(d.cancel))
	d.mux.HandleFunc("GET /ui/spend", d.authed(d.spendPage))
	d.mux.HandleFunc("GET /ui/provider", d.authed(d.providerPage))
	d.mux.HandleFunc("POST /ui/provider/onboard", d.authed(d.onboard))
	d.mux.HandleFunc("POST /ui/provider/redeem", d.authed(d.redeem))
	d.mux.HandleFunc("POST /ui/provider/stake", d.authed(d.stake))
	d.mux.HandleFunc("GET /ui/network", d.authed(d.networkPage))
	d.mux.HandleFunc("GET /ui/operator", d.authed(d.operatorPage))
	d.mux.HandleFunc("POST /ui/operator/billing", d.authed(d.farm))
}

// ServeHTTP serves the dashboard's paths; others answer 404.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// The login URL carries its code: no page sends it to another site as
	// a Referer. (no-referrer would make the browser send "Origin: null"
	// with the dashboard's own forms, which the origin check refuses.)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if len(r.URL.RequestURI()) > api.MaxURL {
		d.plainError(w, http.StatusRequestURITooLong, "the request URL is too long")
		return
	}
	if err := api.CheckPath(r.URL.Path); err != nil {
		d.plainError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !Owns(r.URL.Path) {
		d.plainError(w, http.StatusNotFound, "no dashboard page here")
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBody)
	}
	d.mux.ServeHTTP(w, r)
}

func (d *Dashboard) asset(w http.ResponseWriter, r *http.Request, _ session) {
	name := path.Base(r.URL.Path)
	b, err := assetFS.ReadFile("assets/" + name)
	if err != nil {
		d.plainError(w, http.StatusNotFound, "no such asset")
		return
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(b)
}

func (d *Dashboard) plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
