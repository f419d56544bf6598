package api

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestForwardUpgrades upgrades GET /v1/jobs/{id}/forward/{port} on a real
// server and checks the connection then carries bytes both ways (the fake
// backend echoes port "echo"), and that a request without the upgrade
// headers, or for a port the job lacks, gets a JSON error instead.
func TestForwardUpgrades(t *testing.T) {
	srv := httptest.NewServer(New(&fakeBackend{}, "tok", nil, nil, WithRateLimit(0, 0)))
	defer srv.Close()
	send := func(path, upgrade string) (net.Conn, *bufio.Reader, *http.Response) {
		t.Helper()
		c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		req := "GET " + path + " HTTP/1.1\r\nHost: node\r\nAuthorization: Bearer tok\r\n" + upgrade + "\r\n"
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		return c, br, resp
	}
	c, br, resp := send("/v1/jobs/j1/forward/echo?task=0", "Connection: Upgrade\r\nUpgrade: deco-forward\r\n")
	defer c.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Upgrade") != ForwardProtocol {
		t.Fatalf("status %s, Upgrade %q", resp.Status, resp.Header.Get("Upgrade"))
	}
	if _, err := io.WriteString(c, "ping over the forward"); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len("ping over the forward"))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "ping over the forward" {
		t.Fatalf("echo %q, %v", got, err)
	}

	for _, tc := range []struct {
		path, upgrade string
		status        int
		text          string
	}{
		{"/v1/jobs/j1/forward/echo", "", 400, "Upgrade: deco-forward"},
		{"/v1/jobs/j1/forward/echo", "Connection: keep-alive\r\nUpgrade: deco-forward\r\n", 400, "Connection: Upgrade"},
		{"/v1/jobs/j1/forward/ssh", "Connection: Upgrade\r\nUpgrade: deco-forward\r\n", 409, "no port"},
		{"/v1/jobs/j1/forward/echo?task=x", "Connection: Upgrade\r\nUpgrade: deco-forward\r\n", 400, "task"},
	} {
		c, _, resp := send(tc.path, tc.upgrade)
		b, _ := io.ReadAll(resp.Body)
		c.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.text) {
			t.Errorf("%s %q: %s %s, want %d mentioning %q", tc.path, tc.upgrade, resp.Status, b, tc.status, tc.text)
		}
	}
}
