package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/service"
)

// TestServiceCLIAgainstDevnet: a provider registers a service with the
// CLI, the requester lists it with --where, deposits, and plain HTTP
// requests (no token) through `deco service proxy` are served and paid.
func TestServiceCLIAgainstDevnet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	net0, err := devnet.Start(ctx, devnet.Config{Nodes: 2, Dir: t.TempDir()})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer net0.Close()
	req, prov := []string{"--data-dir", net0.DataDir(0)}, []string{"--data-dir", net0.DataDir(1)}
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.RequestURI(), b)
	}))
	defer ep.Close()

	if _, _, err := deco(t, append(prov, "service", "register", "echo", "--price", "0")...); err == nil || !strings.Contains(err.Error(), "needs a price") {
		t.Fatalf("register without a price: %v", err)
	}
	if _, _, err := deco(t, append(prov, "service", "register", "echo", "--price", "0.001", "--endpoint", "ftp://x")...); err == nil || !strings.Contains(err.Error(), "want an http://") {
		t.Fatalf("register with a bad endpoint: %v", err)
	}
	out, _, err := deco(t, append(prov, "service", "register", "echo", "--price", "0.001", "--endpoint", ep.URL)...)
	if err != nil || !strings.Contains(out, "serving echo at 0.001 DECO a request") || !strings.Contains(out, "registered on chain: transaction 0x") {
		t.Fatalf("register: %v\n%s", err, out)
	}
	// Registered again with the same terms: no second transaction.
	if out, _, err = deco(t, append(prov, "service", "register", "echo", "--price", "0.001", "--endpoint", ep.URL)...); err != nil || strings.Contains(out, "registered on chain") {
		t.Fatalf("register again: %v\n%s", err, out)
	}
	// Anyone lists it from the chain's logs, without gossip.
	var onChain []service.Listing
	if out, _, err = deco(t, append(req, "services", "--source", "chain", "-o", "json")...); err != nil || json.Unmarshal([]byte(out), &onChain) != nil ||
		len(onChain) != 1 || !onChain[0].OnChain || onChain[0].Gossiped || onChain[0].Provider != net0.Nodes[1].PeerID() || onChain[0].Price.String() != "0.001" {
		t.Fatalf("services --source chain: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _, err = deco(t, append(req, "services", "-o", "json", "--where", `name == "echo" and price <= 0.001`)...)
		var ls []service.Listing
		if err == nil && json.Unmarshal([]byte(out), &ls) == nil && len(ls) == 1 && ls[0].Provider == net0.Nodes[1].PeerID() && ls[0].Gossiped && ls[0].OnChain {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("services never listed echo: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, _, err = deco(t, append(req, "services", "-o", "json", "--where", `price > 0.001`)...); err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("services --where price > 0.001: %v %s", err, out)
	}
	if _, _, err = deco(t, append(req, "services", "--where", `colour == "red"`)...); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("services --where with an unknown field: %v", err)
	}
	if out, _, err = deco(t, append(req, "services")...); err != nil || !strings.Contains(out, "echo") || !strings.Contains(out, "signature") {
		t.Fatalf("services table: %v\n%s", err, out)
	}
	if _, _, err = deco(t, append(req, "service", "proxy", "echo", "--listen", "0.0.0.0:9")...); err == nil || !strings.Contains(err.Error(), "loopback only") {
		t.Fatalf("proxy on a public address: %v", err)
	}
	if _, _, err = deco(t, append(req, "wallet", "deposit", net0.Nodes[1].Address().String(), "1")...); err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	pctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		root := newRoot(io.Discard, io.Discard)
		root.SetArgs(append(req, "service", "proxy", "echo", "--listen", addr))
		done <- root.ExecuteContext(pctx)
	}()
	var res *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		res, err = http.Post("http://"+addr+"/v1/x?y=1", "text/plain", strings.NewReader("hi"))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if i > 0 {
			if res, err = http.Post("http://"+addr+"/v1/x?y=1", "text/plain", strings.NewReader("hi")); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(b) != "POST /v1/x?y=1 hi" || res.Header.Get(service.ProviderHeader) != net0.Nodes[1].PeerID() {
			t.Fatalf("request %d through the proxy: %d %q from %s", i, res.StatusCode, b, res.Header.Get(service.ProviderHeader))
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("proxy: %v", err)
	}
	out, _, err = deco(t, append(req, "wallet", "-o", "json")...)
	if err != nil || !bytes.Contains([]byte(out), []byte(`"signed": "0.005"`)) {
		t.Fatalf("wallet after 5 requests of 0.001: %v\n%s", err, out)
	}
	if out, _, err = deco(t, append(prov, "service", "remove", "echo")...); err != nil || !strings.Contains(out, "stopped serving echo") {
		t.Fatalf("remove: %v %s", err, out)
	}
	if _, _, err = deco(t, append(prov, "service", "remove", "echo")...); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("remove twice: %v", err)
	}
	if out, _, err = deco(t, append(req, "services", "--source", "chain", "-o", "json")...); err != nil || strings.TrimSpace(out) != "[]" {
		t.Fatalf("services --source chain after the removal: %v\n%s", err, out)
	}
}
