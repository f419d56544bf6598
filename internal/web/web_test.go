package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/store"
)

// fakeNode is a Backend with canned answers; it records what it was asked
// to submit and onboard.
type fakeNode struct {
	mu        sync.Mutex
	submitted []job.Spec
	onboarded []provider.Policy
	outputs   string
	jobs      map[string]store.Job
	// details answer Job for these IDs as given.
	details map[string]api.JobDetail
}

const fakeID = "01jd5x0000000000000000000a"

func newFakeNode(t testing.TB) *fakeNode {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "answer.txt"), []byte("42\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	return &fakeNode{outputs: out, jobs: map[string]store.Job{
		fakeID: {ID: fakeID, State: job.StateCompleted, ResultDigest: "sha256:abc", CreatedAt: now, UpdatedAt: now,
			Spec: job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"true"}}},
	}}
}

func (f *fakeNode) Identity() api.Identity {
	return api.Identity{PeerID: "16Uiu2self", Version: "test"}
}
func (f *fakeNode) Peers() []api.Peer { return []api.Peer{{ID: "16Uiu2peer", Connected: true}} }
func (f *fakeNode) Offers() []offer.Offer {
	return []offer.Offer{
		{Node: "16Uiu2cheap", Region: "eu", Total: job.Resources{CPU: 4000}, Free: job.Resources{CPU: 2000}, Prices: offer.Prices{CPUHour: 1_000_000}, Executors: []string{"docker"}},
		{Node: "16Uiu2dear", Region: "us", Total: job.Resources{CPU: 8000}, Free: job.Resources{CPU: 8000}, Prices: offer.Prices{CPUHour: 9_000_000}, Executors: []string{"docker"}},
	}
}
func (f *fakeNode) Submit(_ context.Context, spec job.Spec) (store.Job, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.submitted = append(f.submitted, spec)
	return store.Job{ID: fakeID, Spec: spec, State: job.StateQueued}, nil
}
func (f *fakeNode) Jobs(_ context.Context, state job.State, limit int) ([]store.Job, error) {
	var out []store.Job
	for _, j := range f.jobs {
		if state == "" || j.State == state {
			out = append(out, j)
		}
	}
	return out, nil
}
func (f *fakeNode) Job(_ context.Context, id string) (api.JobDetail, error) {
	if d, ok := f.details[id]; ok {
		return d, nil
	}
	j, ok := f.jobs[id]
	if !ok {
		return api.JobDetail{}, store.ErrNotFound
	}
	return api.JobDetail{TaskDetail: api.TaskDetail{Job: j}}, nil
}
func (f *fakeNode) JobID(_ context.Context, prefix string) (string, error) { return prefix, nil }
func (f *fakeNode) Logs(_ context.Context, id string, task int, follow bool, w io.Writer) error {
	_, err := io.WriteString(w, "hello <script>alert(1)</script>\n")
	return err
}
func (f *fakeNode) Cancel(context.Context, string) error { return nil }
func (f *fakeNode) Forward(context.Context, string, int, string) (io.ReadWriteCloser, error) {
	return nil, api.ErrBadRequest
}
func (f *fakeNode) Outputs(_ context.Context, id string) (string, string, error) {
	if _, ok := f.jobs[id]; !ok {
		return "", "", store.ErrNotFound
	}
	return f.outputs, "sha256:abc", nil
}
func (f *fakeNode) Onboarding(context.Context) (api.OnboardingView, error) {
	return api.OnboardingView{}, nil
}
func (f *fakeNode) Onboard(_ context.Context, p provider.Policy) (provider.Onboarding, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onboarded = append(f.onboarded, p)
	return provider.Onboarding{Policy: p}, nil
}
func (f *fakeNode) Offboard(context.Context) error { return nil }

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	t     testing.TB
	d     *Dashboard
	node  *fakeNode
	clock *fakeClock
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	node := newFakeNode(t)
	return &harness{t: t, d: New(Config{Backend: node, Clock: clock.now}), node: node, clock: clock}
}

// do serves one request with cookie (may be empty) and extra headers.
func (h *harness) do(method, target, cookie string, body io.Reader, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: cookie})
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.d.ServeHTTP(rec, req)
	return rec
}

// login logs in with a fresh code and returns the session cookie and the
// session's CSRF token.
func (h *harness) login() (string, string) {
	h.t.Helper()
	code, _, err := h.d.LoginCode()
	if err != nil {
		h.t.Fatal(err)
	}
	rec := h.do("GET", "/login?code="+code, "", nil)
	if rec.Code != http.StatusSeeOther {
		h.t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	var cookie string
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			cookie = c.Value
		}
	}
	h.d.mu.Lock()
	csrf := h.d.sessions[cookie].csrf
	h.d.mu.Unlock()
	return cookie, csrf
}

// form posts values as a form with the session.
func (h *harness) form(target, cookie string, v url.Values, header ...string) *httptest.ResponseRecorder {
	return h.do("POST", target, cookie, strings.NewReader(v.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)...)
}

func TestNothingWithoutASession(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"/", "/ui", "/ui/", "/ui/jobs", "/ui/jobs/new", "/ui/jobs/" + fakeID, "/ui/jobs/" + fakeID + "/logs",
		"/ui/jobs/" + fakeID + "/files/answer.txt", "/ui/spend", "/ui/provider", "/ui/network", "/ui/operator",
		"/ui/assets/htmx.min.js", "/ui/assets/app.js", "/ui/nothing", "/login"} {
		rec := h.do("GET", p, "", nil)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusMovedPermanently || strings.Contains(rec.Body.String(), "42") {
			t.Errorf("GET %s without a session: %d %q", p, rec.Code, cut(rec.Body.String(), 80))
		}
		if rec.Code == http.StatusUnauthorized && !strings.Contains(rec.Body.String(), "deco dashboard") {
			t.Errorf("GET %s: the login page does not say how to log in", p)
		}
	}
	// A forged or foreign cookie is no session either.
	if rec := h.do("GET", "/ui/jobs", strings.Repeat("a", 64), nil); rec.Code != http.StatusUnauthorized {
		t.Errorf("forged cookie: %d", rec.Code)
	}
	for _, p := range []string{"/ui/jobs", "/ui/provider/onboard", "/ui/provider/redeem", "/logout"} {
		if rec := h.form(p, "", url.Values{"csrf": {"x"}}); rec.Code != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d", p, rec.Code)
		}
	}
	if len(h.node.submitted)+len(h.node.onboarded) != 0 {
		t.Fatal("a request without a session reached the node")
	}
	// The style sheet alone is served to the login page.
	if rec := h.do("GET", "/ui/assets/style.css", "", nil); rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("style.css: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestLoginCode(t *testing.T) {
	h := newHarness(t)
	code, exp, err := h.d.LoginCode()
	if err != nil || !exp.Equal(h.clock.now().Add(CodeTTL)) {
		t.Fatalf("LoginCode: %v, expires %v", err, exp)
	}
	rec := h.do("GET", "/login?code="+code, "", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/jobs" {
		t.Fatalf("login: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != "/" || len(cookies[0].Value) != 64 {
		t.Fatalf("session cookie: %+v", cookies)
	}
	if rec := h.do("GET", "/ui/jobs", cookies[0].Value, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), fakeID) {
		t.Fatalf("jobs with the session: %d", rec.Code)
	}
	// The code works once.
	if rec := h.do("GET", "/login?code="+code, "", nil); rec.Code != http.StatusUnauthorized || len(rec.Result().Cookies()) != 0 ||
		!strings.Contains(rec.Body.String(), "not valid") {
		t.Fatalf("second use: %d %v", rec.Code, rec.Result().Cookies())
	}
	// A code expires after CodeTTL.
	late, _, _ := h.d.LoginCode()
	h.clock.add(CodeTTL)
	if rec := h.do("GET", "/login?code="+late, "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("expired code: %d", rec.Code)
	}
	for _, bad := range []string{"x", strings.Repeat("0", 64), strings.Repeat("g", 64), code + "0", "%00", strings.Repeat("a", 5000)} {
		if rec := h.do("GET", "/login?code="+bad, "", nil); rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestURITooLong || len(rec.Result().Cookies()) != 0 {
			t.Errorf("code %q: %d", cut(bad, 20), rec.Code)
		}
	}
	// A session ends after SessionTTL.
	h.clock.add(SessionTTL)
	if rec := h.do("GET", "/ui/jobs", cookies[0].Value, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("expired session: %d", rec.Code)
	}
}

func TestLoginCodesAndSessionsAreBounded(t *testing.T) {
	h := newHarness(t)
	for range 3 * maxCodes {
		if _, _, err := h.d.LoginCode(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 * maxSessions {
		h.login()
	}
	if len(h.d.codes) > maxCodes || len(h.d.sessions) > maxSessions {
		t.Fatalf("%d codes and %d sessions held, want at most %d and %d", len(h.d.codes), len(h.d.sessions), maxCodes, maxSessions)
	}
}

func TestLogout(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.login()
	if rec := h.form("/logout", cookie, url.Values{"csrf": {csrf}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", rec.Code)
	}
	if rec := h.do("GET", "/ui/jobs", cookie, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("after logout: %d", rec.Code)
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.login()
	other, _ := h.login()
	spec := url.Values{"mode": {"yaml"}, "spec": {exampleSpec}}
	with := func(tok string) url.Values {
		v := url.Values{CSRFField: {tok}}
		for k, vs := range spec {
			v[k] = vs
		}
		return v
	}
	tests := []struct {
		name   string
		cookie string
		values url.Values
		header []string
		want   int
	}{
		{"no token", cookie, spec, nil, http.StatusForbidden},
		{"wrong token", cookie, with(strings.Repeat("0", 64)), nil, http.StatusForbidden},
		{"another session's token", other, with(csrf), nil, http.StatusForbidden},
		{"cross-origin", cookie, with(csrf), []string{"Origin", "http://evil.example"}, http.StatusForbidden},
		{"token in the header (htmx)", cookie, spec, []string{CSRFHeader, csrf}, http.StatusSeeOther},
		{"token in the form, same origin", cookie, with(csrf), []string{"Origin", "http://example.com"}, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.node.submitted)
			rec := h.form("/ui/jobs", tc.cookie, tc.values, tc.header...)
			if rec.Code != tc.want {
				t.Fatalf("got %d %s, want %d", rec.Code, cut(rec.Body.String(), 200), tc.want)
			}
			if submitted := len(h.node.submitted) > before; submitted != (tc.want == http.StatusSeeOther) {
				t.Fatalf("submitted: %v", submitted)
			}
		})
	}
	for _, p := range []string{"/ui/provider/onboard", "/ui/provider/redeem", "/ui/provider/stake", "/ui/jobs/" + fakeID + "/cancel", "/logout"} {
		if rec := h.form(p, cookie, url.Values{}); rec.Code != http.StatusForbidden {
			t.Errorf("POST %s without a token: %d", p, rec.Code)
		}
	}
}

func TestSubmitShowsErrorsAtTheField(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.login()
	tests := []struct {
		name   string
		values url.Values
		// want are fragments of the page, in order, that place each
		// problem under its field.
		want []string
	}{
		{"memory too small", url.Values{"mode": {"form"}, "image": {"deco-busybox:latest"}, "resources.memory": {"1KiB"}},
			[]string{`name="resources.memory" value="1KiB"`, `<span class="field-error">must be at least 4MiB`}},
		{"cpu not a quantity", url.Values{"mode": {"form"}, "image": {"deco-busybox:latest"}, "resources.cpu": {"lots"}},
			[]string{`name="resources.cpu" value="lots"`, `<span class="field-error">`}},
		{"gpus not a number", url.Values{"mode": {"form"}, "image": {"x"}, "resources.gpus": {"two"}},
			[]string{`name="resources.gpus" value="two"`, `<span class="field-error">want a whole number`}},
		{"bad env line", url.Values{"mode": {"form"}, "image": {"x"}, "env": {"NOEQUALS"}},
			[]string{`name="env"`, `<span class="field-error">want NAME=VALUE`}},
		{"no image", url.Values{"mode": {"form"}}, []string{`name="image"`, `<span class="field-error">`}},
		{"hostile value is escaped", url.Values{"mode": {"form"}, "image": {`"><script>alert(1)</script>`}},
			[]string{`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`, `<span class="field-error">`}},
		{"yaml unknown field", url.Values{"mode": {"yaml"}, "spec": {"apiVersion: deco/v1\nimage: x\nresourcez: {}\n"}},
			[]string{`id="yaml-errors"`, `line 3: `}},
		{"yaml invalid value", url.Values{"mode": {"yaml"}, "spec": {"apiVersion: deco/v1\nimage: deco-busybox:latest\ntimeout: 1ms\n"}},
			[]string{`id="yaml-errors"`, `<code>timeout</code>`}},
		{"no mode", url.Values{"image": {"x"}}, []string{`id="general-errors"`, "names no mode"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.values.Set(CSRFField, csrf)
			rec := h.form("/ui/jobs", cookie, tc.values)
			body := rec.Body.String()
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("got %d, want 400", rec.Code)
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(body[at:], w)
				if i < 0 {
					t.Fatalf("page lacks %q after offset %d:\n%s", w, at, body)
				}
				at += i
			}
			if strings.Contains(body, "<script>alert") {
				t.Fatal("a submitted value came back unescaped")
			}
		})
	}
	if len(h.node.submitted) != 0 {
		t.Fatalf("invalid specs reached the node: %v", h.node.submitted)
	}
}

func TestSubmitUsesTheCLIsParser(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.login()
	rec := h.form("/ui/jobs", cookie, url.Values{CSRFField: {csrf}, "mode": {"yaml"}, "spec": {exampleSpec}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/jobs/"+fakeID {
		t.Fatalf("submit: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	want, err := job.Parse([]byte(exampleSpec))
	if err != nil {
		t.Fatal(err)
	}
	want.ApplyDefaults()
	rec = h.form("/ui/jobs", cookie, url.Values{CSRFField: {csrf}, "mode": {"form"}, "name": {"hello"}, "image": {"deco-busybox:latest"},
		"command": {"sh\r\n-c\r\necho hello from deco; echo 42 > /outputs/answer.txt"}, "resources.cpu": {"500m"},
		"resources.memory": {"128MiB"}, "timeout": {"5m"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("form submit: %d %s", rec.Code, rec.Body)
	}
	if len(h.node.submitted) != 2 {
		t.Fatalf("%d submitted", len(h.node.submitted))
	}
	for i, got := range h.node.submitted {
		if job.Digest(got) != job.Digest(want) {
			t.Errorf("submission %d: spec %+v, want %+v (as deco job run reads the file)", i, got, want)
		}
	}
}

func TestHostileRequests(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.login()
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(h.node.outputs, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		target string
		want   int
	}{
		{"dot segments", "/ui/jobs/../../v1/id", http.StatusBadRequest},
		{"encoded dot segments", "/ui/jobs/" + fakeID + "/files/%2e%2e/%2e%2e/etc/passwd", http.StatusBadRequest},
		{"empty segment", "/ui//jobs", http.StatusBadRequest},
		{"control character", "/ui/jobs%0a", http.StatusBadRequest},
		{"not a job ID", "/ui/jobs/" + url.PathEscape("<script>"), http.StatusBadRequest},
		{"unknown job", "/ui/jobs/01jd5x00000000000000000009", http.StatusNotFound},
		{"symlink out of the result", "/ui/jobs/" + fakeID + "/files/link", http.StatusNotFound},
		{"absolute file path", "/ui/jobs/" + fakeID + "/files/%2fetc%2fpasswd", http.StatusBadRequest},
		{"backslash path", "/ui/jobs/" + fakeID + "/files/..%5c..%5cx", http.StatusBadRequest},
		{"missing file", "/ui/jobs/" + fakeID + "/files/nope", http.StatusNotFound},
		{"bad state filter", "/ui/jobs?state=" + url.QueryEscape("<b>x</b>"), http.StatusBadRequest},
		{"bad limit", "/ui/jobs?limit=99999999999", http.StatusBadRequest},
		{"long URL", "/ui/jobs?x=" + strings.Repeat("a", api.MaxURL), http.StatusRequestURITooLong},
		{"unknown asset", "/ui/assets/" + url.PathEscape("../web.go"), http.StatusBadRequest},
		{"no such page", "/ui/admin", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := h.do("GET", tc.target, cookie, nil)
			if rec.Code != tc.want {
				t.Fatalf("GET %s: %d %s, want %d", cut(tc.target, 80), rec.Code, cut(rec.Body.String(), 200), tc.want)
			}
			if b := rec.Body.String(); strings.Contains(b, "secret") || strings.Contains(b, "<b>x</b>") || strings.Contains(b, "<script>") && !strings.Contains(b, "<script src") {
				t.Fatalf("answer leaks or echoes: %s", cut(b, 200))
			}
		})
	}
	// A body over MaxFormBody is refused and nothing is submitted.
	big := url.Values{CSRFField: {csrf}, "mode": {"yaml"}, "spec": {strings.Repeat("#", MaxFormBody+1)}}
	if rec := h.form("/ui/jobs", cookie, big); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("over-long body: %d %s", rec.Code, cut(rec.Body.String(), 200))
	}
	// A bad offers query is the field's problem, not a 500.
	rec := h.do("GET", "/ui/network?where="+url.QueryEscape("cpu >>> ("), cookie, nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="where-error"`) {
		t.Fatalf("bad query: %d", rec.Code)
	}
	if len(h.node.submitted) != 0 {
		t.Fatal("a hostile request submitted a job")
	}
}

func TestResultFileDownload(t *testing.T) {
	h := newHarness(t)
	cookie, _ := h.login()
	rec := h.do("GET", "/ui/jobs/"+fakeID, cookie, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `href="/ui/jobs/`+fakeID+`/files/answer.txt"`) {
		t.Fatalf("job page lists no result file: %d", rec.Code)
	}
	rec = h.do("GET", "/ui/jobs/"+fakeID+"/files/answer.txt", cookie, nil)
	if rec.Code != 200 || rec.Body.String() != "42\n" || rec.Header().Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %q %v", rec.Code, rec.Body, rec.Header())
	}
}

func TestPagesRender(t *testing.T) {
	h := newHarness(t)
	cookie, _ := h.login()
	for _, p := range []string{"/ui/jobs", "/ui/jobs?state=completed", "/ui/jobs/new", "/ui/jobs/" + fakeID, "/ui/jobs/" + fakeID + "/logs",
		"/ui/spend", "/ui/provider", "/ui/network", "/ui/network?where=" + url.QueryEscape(`region == "eu"`), "/ui/operator"} {
		rec := h.do("GET", p, cookie, nil)
		if rec.Code != 200 {
			t.Errorf("GET %s: %d %s", p, rec.Code, cut(rec.Body.String(), 300))
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
	}
	// Logs are escaped; the offers query filters with the CLI's language.
	if b := h.do("GET", "/ui/jobs/"+fakeID+"/logs", cookie, nil).Body.String(); !strings.Contains(b, "hello &lt;script&gt;") {
		t.Errorf("logs fragment: %s", b)
	}
	b := h.do("GET", "/ui/network?where="+url.QueryEscape(`price.cpu_hour <= 2`), cookie, nil).Body.String()
	if !strings.Contains(b, `title="16Uiu2cheap"`) || strings.Contains(b, "16Uiu2dear") || !strings.Contains(b, "1 of 2 offers") {
		t.Errorf("filtered offers:\n%s", b)
	}
}

func TestOnboardFromThePage(t *testing.T) {
	h := newHarness(t)
	cookie, csrf := h.login()
	rec := h.form("/ui/provider/onboard", cookie, url.Values{CSRFField: {csrf}, "action": {"onboard"}, "cpu": {"2"}, "memory": {"nope"},
		"disk": {"10GiB"}, "price.cpu": {"1.5"}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `name="memory" value="nope"><span class="field-error">`) {
		t.Fatalf("bad memory: %d\n%s", rec.Code, rec.Body)
	}
	rec = h.form("/ui/provider/onboard", cookie, url.Values{CSRFField: {csrf}, "action": {"onboard"}, "cpu": {"2"}, "memory": {"4GiB"},
		"disk": {"10GiB"}, "price.cpu": {"1.5"}, "price.memory": {"0.1"}, "region": {"eu-west"}, "validator": {"on"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/ui/provider?done=onboard" {
		t.Fatalf("onboard: %d %s", rec.Code, rec.Body)
	}
	if len(h.node.onboarded) != 1 {
		t.Fatalf("%d onboardings", len(h.node.onboarded))
	}
	p := h.node.onboarded[0]
	if p.Share.CPU != 2000 || p.Share.Memory != 4*job.GiB || p.Prices.CPUHour.String() != "1.5" || p.Region != "eu-west" || !p.Validator || p.AllowNetwork {
		t.Fatalf("policy %+v", p)
	}
}

func TestMount(t *testing.T) {
	h := newHarness(t)
	apiHit := 0
	m := Mount(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { apiHit++; fmt.Fprint(w, "api") }), h.d)
	for _, tc := range []struct {
		path string
		api  bool
	}{{"/v1/id", true}, {"/metrics", true}, {"/v1/jobs/x", true}, {"/favicon.ico", true}, {"/", false}, {"/login", false}, {"/ui/jobs", false}} {
		before := apiHit
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		if (apiHit > before) != tc.api {
			t.Errorf("%s: served by the API %v, want %v", tc.path, apiHit > before, tc.api)
		}
	}
}

// TestSessionCookiePerPort: two nodes on one host (a devnet) keep
// separate sessions in one browser, which keeps cookies by host.
func TestSessionCookiePerPort(t *testing.T) {
	h := newHarness(t)
	code, _, _ := h.d.LoginCode()
	req := httptest.NewRequest("GET", "http://127.0.0.1:7351/login?code="+code, nil)
	rec := httptest.NewRecorder()
	h.d.ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != "deco_session_7351" {
		t.Fatalf("cookies %+v, want deco_session_7351", cookies)
	}
	// The cookie of another port is no session here.
	req = httptest.NewRequest("GET", "http://127.0.0.1:7352/ui/jobs", nil)
	req.AddCookie(&http.Cookie{Name: "deco_session_7351", Value: cookies[0].Value})
	rec = httptest.NewRecorder()
	h.d.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("another port's cookie: %d", rec.Code)
	}
	req = httptest.NewRequest("GET", "http://127.0.0.1:7351/ui/jobs", nil)
	req.AddCookie(&http.Cookie{Name: "deco_session_7351", Value: cookies[0].Value})
	rec = httptest.NewRecorder()
	h.d.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("its own port's cookie: %d", rec.Code)
	}
}
