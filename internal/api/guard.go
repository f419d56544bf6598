package api

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// guard is the API's handler: every request passes its checks, in this
// order, before a route sees it: the URL's length and shape, the bearer
// token (open routes excepted), the client's rate limit, the route's
// existence and method, the path parameters and query, and the body's
// type and size. The token is checked before any body is read, and a
// request without the right token counts against a budget of its own, not
// the token holder's.
type guard struct {
	s      *server
	mux    *http.ServeMux
	routes map[string]route // by ServeMux pattern ("GET /v1/id")
	// bearer is the expected Authorization header (nil: nothing is
	// authorized).
	bearer []byte
	// authed limits requests with the token, anon the rest.
	authed, anon *clientLimiter
	// bodyTimeout bounds reading a request body.
	bodyTimeout time.Duration
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	if len(target) > MaxURL {
		writeJSON(w, http.StatusRequestURITooLong, Error{Error: fmt.Sprintf("request URL is %d bytes; the limit is %d", len(target), MaxURL)})
		return
	}
	if err := CheckPath(r.URL.Path); err != nil {
		writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
		return
	}
	_, pattern := g.mux.Handler(r)
	rt, known := g.routes[pattern]
	limiter := g.anon
	if !known || !rt.open {
		if !g.authorized(r) {
			if g.limit(w, r, g.anon) {
				writeJSON(w, http.StatusUnauthorized, Error{Error: "missing or wrong bearer token (it is in the node's data directory: " + TokenFile + ")"})
			}
			return
		}
		limiter = g.authed
	}
	if !g.limit(w, r, limiter) {
		return
	}
	if !known {
		g.noRoute(w, r)
		return
	}
	g.mux.ServeHTTP(w, r)
}

func (g *guard) authorized(r *http.Request) bool {
	got := []byte(r.Header.Get("Authorization"))
	return g.bearer != nil && subtle.ConstantTimeCompare(got, g.bearer) == 1
}

// limit takes a token from the client's bucket in l, or answers 429.
func (g *guard) limit(w http.ResponseWriter, r *http.Request, l *clientLimiter) bool {
	wait, ok := l.take(clientOf(r))
	if !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		writeJSON(w, http.StatusTooManyRequests, Error{Error: fmt.Sprintf("too many requests: the limit is %g a second after a burst of %d; retry in %s",
			float64(l.rate), l.burst, wait.Round(time.Millisecond))})
	}
	return ok
}

// noRoute answers a request no route matches: 405 with Allow when the path
// exists with other methods, else 404.
func (g *guard) noRoute(w http.ResponseWriter, r *http.Request) {
	fallback, _ := g.mux.Handler(r)
	c := &captured{header: http.Header{}}
	fallback.ServeHTTP(c, r)
	if allow := c.header.Get("Allow"); c.status == http.StatusMethodNotAllowed && allow != "" {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, Error{Error: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, quoteShort(r.URL.Path), allow)})
		return
	}
	writeJSON(w, http.StatusNotFound, Error{Error: fmt.Sprintf("no endpoint at %s (the routes are listed in /v1/openapi.yaml)", quoteShort(r.URL.Path))})
}

// captured records what ServeMux's own not-found and method-not-allowed
// handlers would answer, so the API can answer the same in JSON.
type captured struct {
	header http.Header
	status int
}

func (c *captured) Header() http.Header         { return c.header }
func (c *captured) Write(b []byte) (int, error) { return len(b), nil }
func (c *captured) WriteHeader(status int)      { c.status = status }

// serve wraps rt's handler with the checks that need the route: path
// parameters, query parameters and the body.
func (g *guard) serve(rt route) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(rt.pattern, "{id}") {
			if err := checkJobID(r.PathValue("id")); err != nil {
				writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
				return
			}
		}
		if err := checkQuery(r.URL.RawQuery, rt.query); err != nil {
			writeJSON(w, http.StatusBadRequest, Error{Error: err.Error()})
			return
		}
		if !readBody(w, r, rt, g.bodyTimeout) {
			return
		}
		rt.handle(g.s, w, r)
	}
}

// CheckPath refuses paths with dot segments, empty segments or control
// characters, sent plainly or percent-encoded (r.URL.Path is decoded): no
// route has them, ServeMux would answer them with a redirect to the
// cleaned path, and that would hide a traversal attempt. The dashboard
// (internal/web) checks its paths with it too.
func CheckPath(p string) error {
	for _, c := range p {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("request path %s contains a control character", quoteShort(p))
		}
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		switch {
		case seg == "." || seg == "..":
			return fmt.Errorf("request path %s contains a dot segment (%q)", quoteShort(p), seg)
		case seg == "" && i > 0 && i < len(segs)-1:
			return fmt.Errorf("request path %s contains an empty segment (//)", quoteShort(p))
		}
	}
	return nil
}

// checkJobID checks a job ID or ID prefix in a path: 1 to job.IDLen
// characters of the IDs' alphabet.
func checkJobID(id string) error {
	if id == "" || len(id) > job.IDLen {
		return fmt.Errorf("%w: job ID %s: want 1 to %d characters (an ID or a unique prefix of one)", ErrBadRequest, quoteShort(id), job.IDLen)
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z') || strings.ContainsRune("ilou", c) {
			return fmt.Errorf("%w: job ID %s: character %q is not in an ID (lower-case Crockford base32)", ErrBadRequest, quoteShort(id), c)
		}
	}
	return nil
}

// checkQuery refuses query strings that do not parse, name a parameter the
// route does not take, or repeat one.
func checkQuery(raw string, allowed []string) error {
	if raw == "" {
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return fmt.Errorf("%w: query string: %w", ErrBadRequest, err)
	}
	for k, vs := range q {
		switch {
		case !slices.Contains(allowed, k) && len(allowed) == 0:
			return fmt.Errorf("%w: unknown query parameter %s: this endpoint takes none", ErrBadRequest, quoteShort(k))
		case !slices.Contains(allowed, k):
			return fmt.Errorf("%w: unknown query parameter %s: this endpoint takes %s", ErrBadRequest, quoteShort(k), strings.Join(allowed, ", "))
		case len(vs) > 1:
			return fmt.Errorf("%w: query parameter %s given %d times", ErrBadRequest, quoteShort(k), len(vs))
		}
	}
	return nil
}

// readBody reads the request body whole, within the route's cap and
// timeout, and puts it back for the handler. It checks the
// Content-Type first and refuses a body that is too large by its
// Content-Length without reading it.
func readBody(w http.ResponseWriter, r *http.Request, rt route, timeout time.Duration) bool {
	if r.Body == nil || r.Body == http.NoBody {
		return true
	}
	tooLarge := func() bool {
		err := rt.tooLarge
		switch {
		case err != nil:
		case rt.maxBody == 0:
			err = fmt.Errorf("%s %s takes no request body", rt.method, rt.pattern)
		default:
			err = fmt.Errorf("request body is larger than %d bytes, the limit of %s %s", rt.maxBody, rt.method, rt.pattern)
		}
		writeJSON(w, http.StatusRequestEntityTooLarge, Error{Error: err.Error()})
		return false
	}
	if r.ContentLength > rt.maxBody {
		return tooLarge()
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && rt.maxBody > 0 && len(rt.mediaTypes) > 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !slices.Contains(rt.mediaTypes, mt) {
			writeJSON(w, http.StatusUnsupportedMediaType, Error{Error: fmt.Sprintf("Content-Type %s is not accepted by %s %s; send %s",
				quoteShort(ct), rt.method, rt.pattern, strings.Join(rt.mediaTypes, " or "))})
			return false
		}
	}
	// The deadline is the connection's, in wall-clock time.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(timeout))
	b, err := io.ReadAll(io.LimitReader(r.Body, rt.maxBody+1))
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		// The deadline stays: the server must not wait for the rest of
		// the body before it answers, and the connection is closed.
		w.Header().Set("Connection", "close")
		writeJSON(w, http.StatusRequestTimeout, Error{Error: fmt.Sprintf("request body not received within %s", timeout)})
		return false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, Error{Error: fmt.Sprintf("%v: read request body: %v", ErrBadRequest, err)})
		return false
	case int64(len(b)) > rt.maxBody:
		return tooLarge()
	}
	_ = rc.SetReadDeadline(time.Time{})
	r.Body = io.NopCloser(bytes.NewReader(b))
	return true
}

// quoteShort quotes s for an error message, cut to 64 bytes: a hostile
// value is named, not echoed whole.
func quoteShort(s string) string {
	const n = 64
	if len(s) > n {
		return fmt.Sprintf("%q...", s[:n])
	}
	return fmt.Sprintf("%q", s)
}
