package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SessionCookie is the name of the dashboard's session cookie, followed
// by "_PORT" when the node is reached on a port (see cookieName).
const SessionCookie = "deco_session"

// cookieName is the session cookie's name for r's node. Browsers keep
// cookies by host, not by port: two nodes on one machine (a devnet, or a
// provider beside a requester) would overwrite each other's session under
// one name.
func cookieName(r *http.Request) string {
	_, port, err := net.SplitHostPort(r.Host)
	if err != nil || port == "" || strings.Trim(port, "0123456789") != "" {
		return SessionCookie
	}
	return SessionCookie + "_" + port
}

// CSRFField is the form field (and CSRFHeader the header, for htmx
// requests) that carries a session's CSRF token.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// session is one logged-in browser.
type session struct {
	csrf    string
	expires time.Time
}

// secret returns 32 random bytes in hex.
func secret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// LoginCode returns a new one-time login code and when it expires
// (CodeTTL from now). The code logs one browser in once.
func (d *Dashboard) LoginCode() (string, time.Time, error) {
	code, err := secret()
	if err != nil {
		return "", time.Time{}, err
	}
	now := d.now()
	exp := now.Add(CodeTTL)
	d.mu.Lock()
	defer d.mu.Unlock()
	for c, e := range d.codes {
		if !now.Before(e) {
			delete(d.codes, c)
		}
	}
	for len(d.codes) >= maxCodes {
		deleteOldest(d.codes, func(e time.Time) time.Time { return e })
	}
	d.codes[code] = exp
	return code, exp, nil
}

// deleteOldest deletes the entry of m whose time is earliest.
func deleteOldest[V any](m map[string]V, at func(V) time.Time) {
	var oldest string
	var t time.Time
	for k, v := range m {
		if oldest == "" || at(v).Before(t) {
			oldest, t = k, at(v)
		}
	}
	delete(m, oldest)
}

// takeCode uses code up: true when it was issued, unused and unexpired.
func (d *Dashboard) takeCode(code string) bool {
	if len(code) != 64 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var found string
	for c := range d.codes {
		if subtle.ConstantTimeCompare([]byte(c), []byte(code)) == 1 {
			found = c
		}
	}
	if found == "" {
		return false
	}
	exp := d.codes[found]
	delete(d.codes, found)
	return d.now().Before(exp)
}

// newSession starts a session and returns its cookie value.
func (d *Dashboard) newSession() (string, error) {
	id, err := secret()
	if err != nil {
		return "", err
	}
	csrf, err := secret()
	if err != nil {
		return "", err
	}
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, s := range d.sessions {
		if !now.Before(s.expires) {
			delete(d.sessions, k)
		}
	}
	for len(d.sessions) >= maxSessions {
		deleteOldest(d.sessions, func(s session) time.Time { return s.expires })
	}
	d.sessions[id] = session{csrf: csrf, expires: now.Add(SessionTTL)}
	return id, nil
}

// session returns r's live session.
func (d *Dashboard) session(r *http.Request) (session, string, bool) {
	c, err := r.Cookie(cookieName(r))
	if err != nil || len(c.Value) != 64 {
		return session{}, "", false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.sessions[c.Value]
	if !ok {
		return session{}, "", false
	}
	if !d.now().Before(s.expires) {
		delete(d.sessions, c.Value)
		return session{}, "", false
	}
	return s, c.Value, true
}

// authed wraps a page that needs a session: without one the login page
// is the answer (401); a POST also needs the session's CSRF token and,
// when the browser names it, this page's own origin.
func (d *Dashboard) authed(h func(http.ResponseWriter, *http.Request, session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, _, ok := d.session(r)
		if !ok {
			d.loginPage(w, http.StatusUnauthorized, "")
			return
		}
		if r.Method == http.MethodPost && !d.checkCSRF(w, r, s) {
			return
		}
		h(w, r, s)
	}
}

// checkCSRF checks a state-changing request's token and origin.
func (d *Dashboard) checkCSRF(w http.ResponseWriter, r *http.Request, s session) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			d.plainError(w, http.StatusForbidden, "cross-origin form refused")
			return false
		}
	}
	tok := r.Header.Get(CSRFHeader)
	if tok == "" {
		err := r.ParseForm()
		if err == nil {
			err = r.ParseMultipartForm(MaxFormBody)
		}
		if err != nil && !errors.Is(err, http.ErrNotMultipart) {
			if tooLarge(err) {
				d.plainError(w, http.StatusRequestEntityTooLarge, "the form is larger than the dashboard takes (1 MiB)")
				return false
			}
			d.plainError(w, http.StatusBadRequest, "the form does not parse")
			return false
		}
		tok = r.PostFormValue(CSRFField)
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.csrf)) != 1 {
		d.plainError(w, http.StatusForbidden, "missing or wrong CSRF token: reload the page and send the form again")
		return false
	}
	return true
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// login uses a one-time code: a good one sets the session cookie and
// redirects to the dashboard; anything else is the login page.
func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if code == "" {
		if _, _, ok := d.session(r); ok {
			http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
			return
		}
		d.loginPage(w, http.StatusUnauthorized, "")
		return
	}
	if !d.takeCode(code) {
		d.loginPage(w, http.StatusUnauthorized, "That login link is not valid: it was used already, it expired (links last 2 minutes) or it was mistyped.")
		return
	}
	id, err := d.newSession()
	if err != nil {
		d.plainError(w, http.StatusInternalServerError, "start a session: "+err.Error())
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(SessionTTL / time.Second)})
	http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request, _ session) {
	if _, id, ok := d.session(r); ok {
		d.mu.Lock()
		delete(d.sessions, id)
		d.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (d *Dashboard) loginPage(w http.ResponseWriter, status int, problem string) {
	d.render(w, status, "login", session{}, struct{ Problem string }{problem})
}
