package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/node"
)

// TestDashboardCommand: `deco dashboard` prints a link that logs a
// browser in once.
func TestDashboardCommand(t *testing.T) {
	dir := t.TempDir()
	n, err := node.New(context.Background(), node.Config{DataDir: dir, ThrowawayKey: true, NoDocker: true, NoWasm: true, NoDHT: true,
		APIAddr: "127.0.0.1:0", ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	out, _, err := deco(t, "--data-dir", dir, "dashboard")
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://\S+/login\?code=[0-9a-f]{64}`).FindString(out)
	if !strings.HasPrefix(link, n.APIURL()+"/login?code=") {
		t.Fatalf("no login link in %q", out)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(c *http.Client, url string) (int, string) {
		t.Helper()
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(browser, link); code != 200 || !strings.Contains(body, "<h1>Jobs</h1>") {
		t.Fatalf("after the link: %d %s", code, body)
	}
	if code, _ := get(&http.Client{}, link); code != http.StatusUnauthorized {
		t.Fatalf("the link used again: %d, want 401", code)
	}
	if code, _ := get(&http.Client{}, n.APIURL()+"/ui/jobs"); code != http.StatusUnauthorized {
		t.Fatalf("without the cookie: %d, want 401", code)
	}
	// The REST API is as before.
	if code, _ := get(&http.Client{}, n.APIURL()+"/v1/id"); code != http.StatusUnauthorized {
		t.Fatalf("/v1/id without the token: %d, want 401", code)
	}
	out, _, err = deco(t, "--data-dir", dir, "dashboard", "-o", "json")
	var l api.DashboardLogin
	if err != nil || json.Unmarshal([]byte(out), &l) != nil || !strings.HasSuffix(l.URL, l.Code) || l.Expires.IsZero() {
		t.Fatalf("-o json: %v %q", err, out)
	}
}
