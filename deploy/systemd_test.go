package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxExposure is the highest `systemd-analyze security` exposure score the
// unit may have (0 is fully locked down, 10 is unprotected; 1.7 today: a
// node needs the network, its data directory and, for container tasks,
// the docker group).
const maxExposure = 2.0

// unitCopy writes deco.service to a temp dir with ExecStart pointing at a
// freshly built binary (systemd-analyze verify checks that it exists), and
// the [Service] settings of each drop-in appended (later settings win, as
// with a drop-in).
func unitCopy(t *testing.T, dropIns ...string) string {
	t.Helper()
	b, err := os.ReadFile("deco.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dropIns {
		extra, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		_, svc, ok := strings.Cut(string(extra), "[Service]\n")
		if !ok {
			t.Fatalf("%s has no [Service] section", d)
		}
		b = append(append(b, "\n[Service]\n"...), svc...)
	}
	if !strings.Contains(string(b), "ExecStart=/usr/bin/deco ") {
		t.Fatal("ExecStart does not run /usr/bin/deco")
	}
	unit := strings.Replace(string(b), "ExecStart=/usr/bin/deco ", "ExecStart="+decoBinary(t)+" ", 1)
	path := filepath.Join(t.TempDir(), "deco.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the unit, alone
// and with the GPU drop-in: no error and no warning (an unknown or
// misspelt directive is a warning).
func TestSystemdUnitVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	need(t, "systemd-analyze")
	for _, dropIns := range [][]string{nil, {"deco-gpu.conf"}} {
		out, err := exec.Command("systemd-analyze", "verify", unitCopy(t, dropIns...)).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Fatalf("systemd-analyze verify with %v: %v\n%s", dropIns, err, out)
		}
	}
}

// TestSystemdUnitExposure scores the unit, alone and with the GPU drop-in,
// with systemd-analyze security (offline: no running systemd needed).
func TestSystemdUnitExposure(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	need(t, "systemd-analyze")
	for _, dropIns := range [][]string{nil, {"deco-gpu.conf"}} {
		out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager", unitCopy(t, dropIns...)).CombinedOutput()
		if err != nil {
			t.Fatalf("systemd-analyze security: %v\n%s", err, out)
		}
		m := regexp.MustCompile(`Overall exposure level for deco\.service: ([0-9.]+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("no exposure level in:\n%s", out)
		}
		score, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("systemd-analyze security exposure with drop-ins %v: %.1f", dropIns, score)
		if score > maxExposure {
			t.Fatalf("exposure %.1f with drop-ins %v, want at most %.1f:\n%s", score, dropIns, maxExposure, out)
		}
	}
}

// TestSystemdUnitSettings checks the settings the node's packaging and
// docs rely on: user, data directory, credentials, restart policy, and
// hardening that must stay (or, MemoryDenyWriteExecute, stay off).
func TestSystemdUnitSettings(t *testing.T) {
	got := serviceSettings(t, "deco.service")
	want := map[string]string{
		"User":                    "deco",
		"Group":                   "deco",
		"SupplementaryGroups":     "docker",
		"StateDirectory":          "deco",
		"StateDirectoryMode":      "0700",
		"Environment":             "DECO_DATA_DIR=/var/lib/deco",
		"LoadCredential":          "deco-passphrase:/etc/deco/passphrase",
		"Restart":                 "on-failure",
		"LimitNOFILE":             "65536",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectControlGroups":    "yes",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
		"RestrictNamespaces":      "yes",
		"LockPersonality":         "yes",
		"SystemCallFilter":        "@system-service",
		"CapabilityBoundingSet":   "",
	}
	for k, v := range want {
		vals, ok := got[k]
		if !ok {
			t.Errorf("%s= is not set (want %q)", k, v)
			continue
		}
		found := false
		for _, x := range vals {
			found = found || x == v
		}
		if !found {
			t.Errorf("%s=%q, want %q", k, vals, v)
		}
	}
	// wazero maps the machine code it compiles wasm to as executable.
	if v, ok := got["MemoryDenyWriteExecute"]; ok {
		t.Errorf("MemoryDenyWriteExecute=%v would stop wasm tasks", v)
	}
	if !strings.HasPrefix(first(got["ExecStart"]), "/usr/bin/deco node run --data-dir /var/lib/deco") {
		t.Errorf("ExecStart=%q", got["ExecStart"])
	}
}

// serviceSettings reads the [Service] section of a unit file: every value
// of every key, in order.
func serviceSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: not KEY=VALUE: %q", path, line)
			}
			out[k] = append(out[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}
