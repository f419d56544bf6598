package deploy

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestComposeNetwork runs deploy/compose-test.sh: the compose file's chain
// and three nodes come up in containers, a wasm job submitted on the
// requester runs on the cheaper provider, prints what it should and is
// paid by a voucher the provider redeems on chain. Without docker-compose
// or a Docker engine it skips, unless DECO_REQUIRE_COMPOSE is set.
func TestComposeNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers")
	}
	required := os.Getenv("DECO_REQUIRE_COMPOSE") != ""
	skip := func(why string) {
		if required {
			t.Fatalf("DECO_REQUIRE_COMPOSE is set: %s", why)
		}
		t.Skip(why)
	}
	if _, err := exec.LookPath("docker-compose"); err != nil {
		skip("docker-compose is not installed")
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		skip("no Docker engine: " + err.Error())
	}
	need(t, "make", "go")
	if out, err := exec.Command("make", "-C", "..", "build").CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "./compose-test.sh")
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("compose-test.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"\nhello from compose\n", "ran on provider1 and was paid on chain"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("no %q in:\n%s", want, out)
		}
	}
	t.Logf("compose network, job and teardown in %s", time.Since(start).Round(time.Second))
}
