package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// validID is a job ID prefix every {id} route accepts.
const validID = "01jx3k9"

// concrete is rt's pattern with {id} filled in.
func concrete(rt route, id string) string {
	return strings.ReplaceAll(strings.ReplaceAll(rt.pattern, "{id}", id), "{port}", "http")
}

// validBody is a body rt decodes.
func validBody(rt route) string {
	switch rt.pattern {
	case "/v1/jobs":
		return `{"apiVersion":"deco/v1","image":"x"}`
	case "/v1/onboarding":
		return `{"share":{"cpu":1}}`
	}
	return `{}`
}

// hostileCase is one request and what the API must answer.
type hostileCase struct {
	name   string
	method string
	target string
	body   string
	header map[string]string
	// noToken sends no Authorization header; badToken a wrong one.
	noToken, badToken bool
	want              int
	wantText          string
	// wantAllow is the Allow header a 405 must carry.
	wantAllow []string
}

// hostileCases derives the hostile requests from the route table, so a new
// route gets them without a new line here.
func hostileCases() []hostileCase {
	var cases []hostileCase
	methods := map[string][]string{}
	for _, rt := range routes() {
		methods[rt.pattern] = append(methods[rt.pattern], rt.method)
	}
	for _, rt := range routes() {
		name := rt.method + " " + rt.pattern + ": "
		target := concrete(rt, validID)
		add := func(c hostileCase) {
			c.name = name + c.name
			if c.method == "" {
				c.method = rt.method
			}
			if c.target == "" {
				c.target = target
			}
			cases = append(cases, c)
		}
		if !rt.open {
			add(hostileCase{name: "no token", body: validBody(rt), noToken: true, want: 401, wantText: "bearer token"})
			add(hostileCase{name: "wrong token", body: validBody(rt), badToken: true, want: 401, wantText: "bearer token"})
		}
		for _, m := range []string{"PATCH", "TRACE", "PUT", "DELETE", "POST"} {
			if !slices.Contains(methods[rt.pattern], m) {
				add(hostileCase{name: "wrong method " + m, method: m, want: 405, wantText: "not allowed", wantAllow: methods[rt.pattern]})
				break
			}
		}
		if rt.maxBody == 0 {
			add(hostileCase{name: "body where none is taken", body: "{}", want: 413, wantText: "takes no request body"})
		} else {
			valid := validBody(rt)
			add(hostileCase{name: "garbage", body: "\x00\xff garbage", want: 400, wantText: ""})
			add(hostileCase{name: "truncated", body: valid[:len(valid)-1] + `,"a`, want: 400, wantText: ""})
			add(hostileCase{name: "unknown field", body: `{"surelyNotAField":1}`, want: 400, wantText: "surelyNotAField"})
			add(hostileCase{name: "oversized", body: `{"a":"` + strings.Repeat("x", int(rt.maxBody)) + `"}`, want: 413, wantText: "larger than"})
			add(hostileCase{name: "oversized by whitespace", body: valid + strings.Repeat(" ", int(rt.maxBody)), want: 413, wantText: "larger than"})
			add(hostileCase{name: "wrong content type", body: valid, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, want: 415, wantText: "Content-Type"})
			add(hostileCase{name: "unparsable content type", body: valid, header: map[string]string{"Content-Type": ";;;"}, want: 415, wantText: "Content-Type"})
			if rt.pattern != "/v1/jobs" { // a spec may be YAML: its parser words these its own way
				add(hostileCase{name: "empty", body: "", want: 400, wantText: "empty request body"})
				add(hostileCase{name: "not an object", body: `[1,2]`, want: 400, wantText: "not a JSON object"})
				add(hostileCase{name: "data after the object", body: valid + `{}`, want: 400, wantText: "data after"})
				add(hostileCase{name: "truncated object", body: `{"`, want: 400, wantText: "truncated JSON"})
			}
		}
		if strings.Contains(rt.pattern, "{id}") {
			for _, bad := range []struct{ name, id string }{
				{"id too long", strings.Repeat("a", 27)},
				{"id far too long", strings.Repeat("a", 2000)},
				{"id with upper case", "ABC"},
				{"id not in the alphabet", "uil"},
				{"id with an encoded slash", "a%2Fb"},
				{"id with a space", "a%20b"},
				{"id with unicode", "%C3%A9"},
			} {
				add(hostileCase{name: bad.name, target: concrete(rt, bad.id), want: 400, wantText: "job ID"})
			}
			add(hostileCase{name: "id with an encoded NUL", target: concrete(rt, "a%00b"), want: 400, wantText: "control character"})
			if strings.HasSuffix(rt.pattern, "{id}") {
				add(hostileCase{name: "empty id", target: concrete(rt, ""), want: 404, wantText: "no endpoint"})
			} else {
				add(hostileCase{name: "empty id", target: concrete(rt, ""), want: 400, wantText: "empty segment"})
			}
			for _, trav := range []string{"..", "%2e%2e", "%2E%2E", ".", "%2e"} {
				add(hostileCase{name: "traversal " + trav, target: concrete(rt, trav), want: 400, wantText: "dot segment"})
			}
			add(hostileCase{name: "traversal beneath", target: concrete(rt, "%2e%2e%2f%2e%2e%2fmetrics"), want: 400, wantText: "dot segment"})
		}
		add(hostileCase{name: "NUL in path", target: target + "%00", want: 400, wantText: "control character"})
		add(hostileCase{name: "URL too long", target: target + "?" + strings.Repeat("a", MaxURL), want: 414, wantText: "request URL"})
		if len(rt.query) == 0 {
			add(hostileCase{name: "unknown query parameter", target: target + "?x=1", want: 400, wantText: "takes none"})
		} else {
			add(hostileCase{name: "unknown query parameter", target: target + "?x=1", want: 400, wantText: "unknown query parameter"})
			add(hostileCase{name: "repeated query parameter", target: target + "?" + rt.query[0] + "=1&" + rt.query[0] + "=1", want: 400, wantText: "given 2 times"})
		}
		add(hostileCase{name: "bad query escape", target: target + "?%zz", want: 400, wantText: "query string"})
	}
	badValues := []struct{ target, text string }{
		{"/v1/jobs?limit=abc", "limit"}, {"/v1/jobs?limit=-1", "limit"}, {"/v1/jobs?limit=0", "limit"},
		{"/v1/jobs?limit=1001", "limit"}, {"/v1/jobs?limit=99999999999999999999", "limit"}, {"/v1/jobs?limit=", "limit"},
		{"/v1/jobs?state=bogus", "state"}, {"/v1/jobs?state=RUNNING", "state"}, {"/v1/jobs?state=%00", "state"},
		{"/v1/jobs/" + validID + "/logs?follow=maybe", "follow"}, {"/v1/jobs/" + validID + "/logs?follow=2", "follow"},
		{"/v1/jobs/" + validID + "/logs?follow=", "follow"},
	}
	for _, bv := range badValues {
		cases = append(cases, hostileCase{name: "bad query value " + bv.target, method: "GET", target: bv.target, want: 400, wantText: bv.text})
	}
	for _, target := range []string{"/", "/v1", "/v1/", "/v2/id", "/v1/jobs/" + validID + "/nope", "/v1/id/", "/v1//id", "//v1/id", "/../etc/passwd", "/%2e%2e/etc/passwd"} {
		want, text := 404, "no endpoint"
		switch {
		case strings.Contains(target, "..") || strings.Contains(target, "%2e%2e"):
			want, text = 400, "dot segment"
		case strings.Contains(target, "//"):
			want, text = 400, "empty segment"
		}
		cases = append(cases, hostileCase{name: "no such route " + target, method: "GET", target: target, want: want, wantText: text})
	}
	return cases
}

// failReader fails the test's check if anything reads it.
type failReader struct {
	r    io.Reader
	read *atomic.Bool
}

func (f failReader) Read(p []byte) (int, error) { f.read.Store(true); return f.r.Read(p) }

// TestHostileRequests sends every hostile request to one real handler (a
// fake backend behind it) and checks each answer is a JSON error with the
// right status and a message, never a 500; after all of it the node still
// answers.
func TestHostileRequests(t *testing.T) {
	h := New(&fakeWallet{}, "tok", http.NotFoundHandler(), nil, WithRateLimit(0, 0))
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			var read atomic.Bool
			req := httptest.NewRequest(tc.method, "http://node"+"/", failReader{strings.NewReader(tc.body), &read})
			// Set the target verbatim: NewRequest would clean or refuse
			// some of the hostile ones.
			req.RequestURI = tc.target
			u, err := url.ParseRequestURI(tc.target)
			if err != nil {
				t.Fatalf("target %q: %v", tc.target, err)
			}
			req.URL = u
			req.ContentLength = int64(len(tc.body))
			if tc.body == "" {
				req.Body = http.NoBody
			}
			switch {
			case tc.badToken:
				req.Header.Set("Authorization", "Bearer nope")
			case !tc.noToken:
				req.Header.Set("Authorization", "Bearer tok")
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkJSONError(t, rec, tc.want, tc.wantText)
			if tc.want == 401 && read.Load() {
				t.Fatal("the body of an unauthenticated request was read")
			}
			if tc.want == 413 && len(tc.body) > 1<<20 && read.Load() {
				t.Fatal("a body over the cap by its Content-Length was read")
			}
			if tc.wantAllow != nil {
				allow := strings.Split(rec.Header().Get("Allow"), ", ")
				for _, m := range tc.wantAllow {
					if !slices.Contains(allow, m) {
						t.Fatalf("Allow %q lacks %s", rec.Header().Get("Allow"), m)
					}
				}
			}
		})
	}
	rec := serve(h, "GET", "/v1/id", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "16Uiu2test") {
		t.Fatalf("after the hostile requests: %d %s", rec.Code, rec.Body)
	}
}

// checkJSONError checks rec is an api.Error with status want whose message
// contains text.
func checkJSONError(t *testing.T, rec *httptest.ResponseRecorder, want int, text string) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("got %d %s, want %d", rec.Code, rec.Body, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json (body %s)", ct, rec.Body)
	}
	var e Error
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == "" {
		t.Fatalf("body is not an api.Error with a message: %s (%v)", rec.Body, err)
	}
	if !strings.Contains(e.Error, text) {
		t.Fatalf("error %q does not say %q", e.Error, text)
	}
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t atomic.Int64 }

func (c *fakeClock) now() time.Time      { return time.Unix(0, c.t.Load()) }
func (c *fakeClock) add(d time.Duration) { c.t.Add(int64(d)) }
func newFakeClock() *fakeClock           { c := &fakeClock{}; c.t.Store(time.Unix(1e9, 0).UnixNano()); return c }
func serveFrom(h http.Handler, remote, token, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", target, nil)
	req.RemoteAddr = remote
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestRateLimit floods the API from one client: the burst passes, the next
// request is answered 429 with Retry-After, time refills the bucket, and
// another client is not affected.
func TestRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := New(&fakeBackend{}, "tok", nil, nil, WithRateLimit(10, 20), WithClock(clock.now))
	const a, b = "192.0.2.1:1000", "192.0.2.2:1000"
	for i := range 20 {
		if rec := serveFrom(h, a, "tok", "/v1/id"); rec.Code != 200 {
			t.Fatalf("request %d of the burst: %d %s", i, rec.Code, rec.Body)
		}
	}
	for range 100 {
		rec := serveFrom(h, a, "tok", "/v1/id")
		checkJSONError(t, rec, 429, "too many requests")
		if got := rec.Header().Get("Retry-After"); got != "1" {
			t.Fatalf("Retry-After %q, want 1", got)
		}
	}
	if rec := serveFrom(h, b, "tok", "/v1/id"); rec.Code != 200 {
		t.Fatalf("another client was limited: %d", rec.Code)
	}
	clock.add(100 * time.Millisecond) // one token at 10/s
	if rec := serveFrom(h, a, "tok", "/v1/id"); rec.Code != 200 {
		t.Fatalf("after the refill: %d %s", rec.Code, rec.Body)
	}
	checkJSONError(t, serveFrom(h, a, "tok", "/v1/id"), 429, "too many requests")
	clock.add(2 * time.Second)
	for i := range 20 {
		if rec := serveFrom(h, a, "tok", "/v1/id"); rec.Code != 200 {
			t.Fatalf("request %d after a full refill: %d", i, rec.Code)
		}
	}
}

// TestUnauthenticatedFloodSparesTheTokenHolder floods the API without the
// token from the token holder's own address: those requests are refused
// (401, then 429) and the token holder's whole burst is still there.
func TestUnauthenticatedFloodSparesTheTokenHolder(t *testing.T) {
	clock := newFakeClock()
	h := New(&fakeBackend{}, "tok", http.NotFoundHandler(), nil, WithRateLimit(10, 20), WithClock(clock.now))
	const local = "127.0.0.1:5000"
	var limited int
	for range 200 {
		rec := serveFrom(h, local, "wrong", "/v1/id")
		switch rec.Code {
		case 401:
		case 429:
			limited++
		default:
			t.Fatalf("unauthenticated request: %d %s", rec.Code, rec.Body)
		}
	}
	if limited != 180 {
		t.Fatalf("%d of 200 unauthenticated requests were limited, want 180", limited)
	}
	for i := range 20 {
		if rec := serveFrom(h, local, "tok", "/v1/id"); rec.Code != 200 {
			t.Fatalf("token holder's request %d after the flood: %d %s", i, rec.Code, rec.Body)
		}
	}
}

// TestManyClientsBounded checks the limiter keeps a bounded number of
// buckets however many clients there are.
func TestManyClientsBounded(t *testing.T) {
	clock := newFakeClock()
	h := New(&fakeBackend{}, "tok", nil, nil, WithRateLimit(10, 20), WithClock(clock.now)).(*guard)
	for i := range maxClients + 500 {
		serveFrom(h, fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255), "tok", "/v1/id")
	}
	if n := len(h.authed.buckets); n > maxClients+1 {
		t.Fatalf("%d buckets for %d clients, want at most %d", n, maxClients+500, maxClients+1)
	}
	clock.add(time.Minute)
	serveFrom(h, "192.0.2.9:1", "tok", "/v1/id")
	if n := len(h.authed.buckets); n > 2 {
		t.Fatalf("%d buckets after every client went idle, want the idle ones dropped", n)
	}
}

// streamBackend writes one log line, waits until released, then another.
type streamBackend struct {
	fakeBackend
	release chan struct{}
}

func (s *streamBackend) Logs(ctx context.Context, id string, task int, follow bool, w io.Writer) error {
	io.WriteString(w, "first\n")
	// As requester.Logs does: flush what was written, when w can.
	fl, ok := w.(interface{ Flush() })
	if !ok {
		return fmt.Errorf("the log writer cannot flush")
	}
	fl.Flush()
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	_, err := io.WriteString(w, "second\n")
	return err
}

// TestLogStreamThroughLimits follows a job's logs over a real connection
// with the server's settings and a tight rate limit: lines arrive as they
// are written (the limits do not buffer the stream), and the stream counts
// as one request.
func TestLogStreamThroughLimits(t *testing.T) {
	b := &streamBackend{release: make(chan struct{})}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = NewServer(New(b, "tok", nil, nil, WithRateLimit(1, 2)), nil)
	srv.Start()
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/jobs/"+validID+"/logs?follow=1", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v (the stream was buffered?)", line, err)
	}
	// The stream holds one token; the second of the burst is still free.
	req2, _ := http.NewRequest("GET", srv.URL+"/v1/id", nil)
	req2.Header.Set("Authorization", "Bearer tok")
	resp2, err := http.DefaultClient.Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 200 {
		t.Fatalf("a request beside the stream: %d", resp2.StatusCode)
	}
	close(b.release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest of the stream %q, %v", rest, err)
	}
}

// TestServerLimits checks the server the node uses caps headers and idle
// connections and sets no read or write timeout (which would cut a
// follower's log stream).
func TestServerLimits(t *testing.T) {
	s := NewServer(http.NotFoundHandler(), nil)
	if s.ReadHeaderTimeout <= 0 || s.MaxHeaderBytes <= 0 || s.MaxHeaderBytes > 64<<10 || s.IdleTimeout <= 0 {
		t.Fatalf("header/idle limits unset: %+v", s)
	}
	if s.ReadTimeout != 0 || s.WriteTimeout != 0 {
		t.Fatalf("ReadTimeout %s / WriteTimeout %s would cut log streams", s.ReadTimeout, s.WriteTimeout)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = NewServer(New(&fakeBackend{}, "tok", nil, nil), nil)
	srv.Start()
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/v1/id", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("X-Huge", strings.Repeat("h", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64KiB header: %d, want 431", resp.StatusCode)
	}
}

// TestSlowBodyIsCutOff sends a body that never arrives whole over a real
// connection: the API answers 408 once the body timeout passes, and the
// node still answers.
func TestSlowBodyIsCutOff(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = NewServer(New(&fakeWallet{}, "tok", nil, nil, WithBodyTimeout(200*time.Millisecond)), nil)
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/wallet/stake HTTP/1.1\r\nHost: node\r\nAuthorization: Bearer tok\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"amo")
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "not received within") {
		t.Fatalf("stalled body: %d %s, want 408", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/id", nil)
	req.Header.Set("Authorization", "Bearer tok")
	r2, err := http.DefaultClient.Do(req)
	if err != nil || r2.StatusCode != 200 {
		t.Fatalf("after the stalled body: %v %v", r2, err)
	}
	r2.Body.Close()
}

// TestConcurrentFloodGetsExactlyTheBurst floods from one client on many
// goroutines with the clock still: exactly the burst is served.
func TestConcurrentFloodGetsExactlyTheBurst(t *testing.T) {
	clock := newFakeClock()
	h := New(&fakeBackend{}, "tok", nil, nil, WithRateLimit(DefaultRate, DefaultBurst), WithClock(clock.now))
	var ok, limited atomic.Int64
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				switch serveFrom(h, "192.0.2.7:1", "tok", "/v1/id").Code {
				case 200:
					ok.Add(1)
				case 429:
					limited.Add(1)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
	if ok.Load() != DefaultBurst || limited.Load() != 400-DefaultBurst {
		t.Fatalf("%d served, %d limited of 400; want %d served", ok.Load(), limited.Load(), DefaultBurst)
	}
}
