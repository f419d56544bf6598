package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// TestCompletionScripts generates every shell's completion script; bash's
// must parse (bash -n).
func TestCompletionScripts(t *testing.T) {
	tests := []struct{ shell, want string }{
		{"bash", "complete -o default -F __start_deco deco"},
		{"zsh", "#compdef deco"},
		{"fish", "complete -c deco"},
		{"powershell", "Register-ArgumentCompleter -CommandName 'deco'"},
	}
	for _, tc := range tests {
		t.Run(tc.shell, func(t *testing.T) {
			out, _, err := deco(t, "completion", tc.shell)
			if err != nil {
				t.Fatalf("deco completion %s: %v", tc.shell, err)
			}
			if !strings.Contains(out, tc.want) {
				t.Fatalf("deco completion %s: no %q in the script:\n%.400s", tc.shell, tc.want, out)
			}
			if tc.shell != "bash" {
				return
			}
			bash, err := exec.LookPath("bash")
			if err != nil {
				t.Skip("no bash to check the script with")
			}
			f := filepath.Join(t.TempDir(), "deco.bash")
			if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			if b, err := exec.Command(bash, "-n", f).CombinedOutput(); err != nil {
				t.Fatalf("bash -n: %v\n%s", err, b)
			}
		})
	}
}

// TestCompletionOfJobAndProviderIDs asks for completions the way the shell
// scripts do (deco __complete ...) against a fake node API: job commands
// offer the node's job IDs, wallet deposit and withdraw the peers with an
// offer, and none offers file names.
func TestCompletionOfJobAndProviderIDs(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/jobs":
			json.NewEncoder(w).Encode([]store.Job{
				{ID: "01JABCDEF0001", State: job.StateCompleted, Name: "train"},
				{ID: "01JXYZ0000002", State: job.StateRunning},
			})
		case "/v1/peers":
			json.NewEncoder(w).Encode([]api.Peer{
				{ID: "16Uiu2ProviderA", HasOffer: true},
				{ID: "16Uiu2RequesterB"},
			})
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	const noFiles = ":4\n" // cobra.ShellCompDirectiveNoFileComp
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"job describe", []string{"job", "describe", ""}, "01JABCDEF0001\tcompleted train\n01JXYZ0000002\trunning\n" + noFiles},
		{"job logs prefix", []string{"job", "logs", "01JX"}, "01JXYZ0000002\trunning\n" + noFiles},
		{"job cancel", []string{"job", "cancel", "01JA"}, "01JABCDEF0001\tcompleted train\n" + noFiles},
		{"job get", []string{"job", "get", ""}, "01JABCDEF0001\tcompleted train\n01JXYZ0000002\trunning\n" + noFiles},
		{"one ID only", []string{"job", "describe", "01JABCDEF0001", ""}, noFiles},
		{"wallet deposit", []string{"wallet", "deposit", ""}, "16Uiu2ProviderA\tprovider\n" + noFiles},
		{"wallet withdraw", []string{"wallet", "withdraw", "16Uiu2P"}, "16Uiu2ProviderA\tprovider\n" + noFiles},
		{"output flag", []string{"offers", "-o", ""}, "table\njson\n" + noFiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := deco(t, append([]string{"__complete", "--api", srv.URL}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			if out != tc.want {
				t.Fatalf("completions %q, want %q", out, tc.want)
			}
		})
	}
	// Without a node, nothing is offered (and no error).
	out, _, err := deco(t, "__complete", "--data-dir", t.TempDir(), "job", "describe", "")
	if err != nil || out != noFiles {
		t.Fatalf("without a node: %q, %v", out, err)
	}
}
