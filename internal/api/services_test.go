package api

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestServiceRoutes(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantBody                 string
	}{
		{"list", "GET", "/v1/services", "", 200, `"name":"echo"`},
		{"list chain", "GET", "/v1/services?source=chain", "", 200, `"name":"echo"`},
		{"bad source", "GET", "/v1/services?source=dht", "", 400, "want all, gossip or chain"},
		{"register", "POST", "/v1/services", `{"name":"echo","price":"0.001","endpoint":"http://127.0.0.1:1"}`, 200, `"name":"echo"`},
		{"register nameless", "POST", "/v1/services", `{"price":"0.001"}`, 400, "needs a name"},
		{"register unknown field", "POST", "/v1/services", `{"name":"x","prise":"1"}`, 400, "unknown field"},
		{"remove", "DELETE", "/v1/services/echo", "", 204, ""},
		{"remove unknown", "DELETE", "/v1/services/nope", "", 404, "not found"},
		{"proxy without upgrade", "GET", "/v1/services/echo/proxy", "", 400, "Upgrade: deco-service-proxy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(New(&fakeWallet{}, "tok", nil, nil), tc.method, tc.path, tc.body)
			if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tc.wantStatus, tc.wantBody)
			}
		})
	}
	rec := serve(New(&fakeBackend{}, "tok", nil, nil), "GET", "/v1/services", "")
	if rec.Code != http.StatusNotImplemented {
		t.Fatalf("a backend without services: %d %s, want 501", rec.Code, rec.Body)
	}
}

// TestServiceProxyUpgrade: after the 101 the connection carries several
// plain HTTP requests (keep-alive) to the backend's proxy handler, and
// the token is needed only for the upgrade.
func TestServiceProxyUpgrade(t *testing.T) {
	srv := httptest.NewServer(New(&fakeWallet{}, "tok", nil, nil))
	defer srv.Close()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /v1/services/echo/proxy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", ServiceProxyProtocol)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	for i := range 3 {
		fmt.Fprintf(c, "POST /v1/chat?n=%d HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", i)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := fmt.Sprintf("echo POST /v1/chat?n=%d", i); res.StatusCode != 200 || string(b) != want {
			t.Fatalf("request %d: %d %q, want %q", i, res.StatusCode, b, want)
		}
	}
	fmt.Fprintf(c, "GET /v1/services/echo/proxy HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: %s\r\n\r\n", ServiceProxyProtocol)
}
