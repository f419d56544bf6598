package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/node"
)

// TestNodeOperatorDirReachesTheFarmForm: a node's Config.OperatorDir (what
// `deco node run` sets from DECO_OPERATOR_DIR, as `deco billing
// --operator` reads it) is the keystore the operator page's farm
// statement form offers, not the default ~/.deco-operator.
func TestNodeOperatorDirReachesTheFarmForm(t *testing.T) {
	ctx := context.Background()
	opDir := filepath.Join(t.TempDir(), "farm operator's keys")
	n, err := node.New(ctx, node.Config{DataDir: t.TempDir(), OperatorDir: opDir, ThrowawayKey: true, NoDocker: true, NoWasm: true, NoDHT: true,
		APIAddr: "127.0.0.1:0", ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	l, err := client.New(n.APIURL(), n.Token()).DashboardLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	page := func(url string) string {
		t.Helper()
		resp, err := hc.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", url, resp.Status)
		}
		return string(body)
	}
	page(l.URL)
	body := page(n.APIURL() + "/ui/operator")
	if !strings.Contains(body, `name="dir" value="`+html.EscapeString(opDir)+`"`) {
		t.Fatalf("the farm form does not offer %s:\n%s", opDir, body)
	}
}
