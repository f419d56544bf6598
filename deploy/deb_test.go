package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// debFiles are the files the .deb must install, with their modes.
var debFiles = map[string]string{
	"./usr/bin/deco":                                  "-rwxr-xr-x",
	"./lib/systemd/system/deco.service":               "-rw-r--r--",
	"./etc/deco/deco.env":                             "-rw-r--r--",
	"./usr/share/doc/deco/providers.md":               "-rw-r--r--",
	"./usr/share/doc/deco/monitoring.md":              "-rw-r--r--",
	"./usr/share/deco/grafana/deco.json":              "-rw-r--r--",
	"./usr/share/deco/prometheus/prometheus.yml":      "-rw-r--r--",
	"./usr/share/bash-completion/completions/deco":    "-rw-r--r--",
	"./usr/share/zsh/vendor-completions/_deco":        "-rw-r--r--",
	"./usr/share/fish/vendor_completions.d/deco.fish": "-rw-r--r--",
}

// buildDeb runs `make deb` with its output in a temp dir and returns the
// package's path and version.
func buildDeb(t *testing.T) (string, string) {
	t.Helper()
	need(t, "make", "dpkg-deb", "git")
	dist := t.TempDir()
	ver, err := exec.Command("./deb-version.sh").Output()
	if err != nil {
		t.Fatalf("deb-version.sh: %v", err)
	}
	version := strings.TrimSpace(string(ver))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "make", "-C", "..", "deb", "DIST="+dist).CombinedOutput()
	if err != nil {
		t.Fatalf("make deb: %v\n%s", err, out)
	}
	deb := filepath.Join(dist, "deco_"+version+"_"+runtime.GOARCH+".deb")
	if _, err := os.Stat(deb); err != nil {
		t.Fatalf("make deb made no %s: %v\n%s", deb, err, out)
	}
	return deb, version
}

// TestDebPackage builds the .deb and checks it as dpkg sees it: control
// fields, maintainer scripts, conffiles and contents; then unpacks it and
// runs the packaged binary and checks the packaged completion script.
func TestDebPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and the package")
	}
	deb, version := buildDeb(t)

	info, err := exec.Command("dpkg-deb", "--info", deb).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb --info: %v\n%s", err, info)
	}
	for _, want := range []string{
		"Package: deco\n", "Version: " + version + "\n", "Architecture: " + runtime.GOARCH + "\n",
		"Depends: adduser\n", "Recommends: docker.io | docker-ce\n",
		" postinst ", " prerm ", " conffiles ",
	} {
		if !strings.Contains(string(info), want) {
			t.Errorf("dpkg-deb --info has no %q:\n%s", want, info)
		}
	}
	for field, want := range map[string]string{"Package": "deco", "Version": version, "Architecture": runtime.GOARCH} {
		got, err := exec.Command("dpkg-deb", "--field", deb, field).Output()
		if err != nil || strings.TrimSpace(string(got)) != want {
			t.Errorf("dpkg-deb --field %s: %q, %v; want %q", field, got, err, want)
		}
	}

	contents, err := exec.Command("dpkg-deb", "--contents", deb).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb --contents: %v\n%s", err, contents)
	}
	seen := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(contents)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 {
			seen[f[len(f)-1]] = f[0]
		}
	}
	for path, mode := range debFiles {
		if got, ok := seen[path]; !ok {
			t.Errorf("the package has no %s:\n%s", path, contents)
		} else if got != mode {
			t.Errorf("%s has mode %s, want %s", path, got, mode)
		}
	}

	ctl := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "--control", deb, ctl).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --control: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(ctl, "conffiles")); string(b) != "/etc/deco/deco.env\n" {
		t.Errorf("conffiles %q, want /etc/deco/deco.env", b)
	}
	for name, src := range map[string]string{"postinst": "deb/postinstall.sh", "prerm": "deb/preremove.sh"} {
		got, err := os.ReadFile(filepath.Join(ctl, name))
		want, _ := os.ReadFile(src)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not %s (%v)", name, src, err)
		}
		if out, err := exec.Command("sh", "-n", filepath.Join(ctl, name)).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v\n%s", name, err, out)
		}
	}

	root := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "--extract", deb, root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --extract: %v\n%s", err, out)
	}
	bin := filepath.Join(root, "usr", "bin", "deco")
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "deco ") {
		t.Fatalf("packaged deco version: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "node", "run", "--help").CombinedOutput(); err != nil || !strings.Contains(string(out), "--passphrase-file") {
		t.Fatalf("packaged deco node run --help: %v\n%s", err, out)
	}
	if out, err := exec.Command("file", bin).CombinedOutput(); err == nil && !strings.Contains(string(out), "statically linked") {
		t.Errorf("the packaged binary is not static: %s", out)
	}
	unit, _ := os.ReadFile(filepath.Join(root, "lib", "systemd", "system", "deco.service"))
	if want, _ := os.ReadFile("deco.service"); !bytes.Equal(unit, want) {
		t.Error("the packaged unit is not deploy/deco.service")
	}
	if _, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command("bash", "-n", filepath.Join(root, "usr", "share", "bash-completion", "completions", "deco")).CombinedOutput(); err != nil {
			t.Errorf("bash -n on the packaged completion: %v\n%s", err, out)
		}
	}
}

// debianImage is a Debian image with dpkg and adduser that the tests
// already have (examples/train/build-image.sh builds it without a registry).
const debianImage = "deco-python:latest"

// TestDebInstallsInDebian installs the .deb with dpkg in a throwaway
// Debian container (no network): the postinst makes the deco system user,
// adds it to an existing docker group and writes a root-only passphrase;
// an upgrade keeps the passphrase and the operator's edited deco.env;
// removal takes the binary and leaves the keys' passphrase and user.
func TestDebInstallsInDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and the package")
	}
	need(t, "docker")
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("DECO_REQUIRE_DOCKER") != "" {
			t.Fatalf("DECO_REQUIRE_DOCKER is set: %v", err)
		}
		t.Skipf("no Docker engine: %v", err)
	}
	if err := exec.Command("docker", "image", "inspect", debianImage).Run(); err != nil {
		t.Skipf("no %s image (examples/train/build-image.sh builds it)", debianImage)
	}
	deb, version := buildDeb(t)
	script := `set -eu
groupadd --system docker
dpkg -i /pkg/deco.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }
echo "user=$(getent passwd deco | cut -d: -f1,6,7)"
echo "groups=$(id -nG deco)"
echo "passphrase=$(stat -c %a:%U /etc/deco/passphrase):$(wc -c </etc/deco/passphrase)"
echo "version=$(deco version)"
echo "status=$(dpkg-query -W -f '${Status} ${Version}' deco)"
p1=$(cat /etc/deco/passphrase)
echo 'DECO_ARGS="--no-docker" # edited by the operator' >/etc/deco/deco.env
dpkg -i --force-confold /pkg/deco.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }
[ "$p1" = "$(cat /etc/deco/passphrase)" ] && echo "upgrade keeps passphrase"
grep -q 'edited by the operator' /etc/deco/deco.env && echo "upgrade keeps deco.env"
dpkg -r deco >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }
[ ! -e /usr/bin/deco ] && echo "removed binary"
[ -e /etc/deco/passphrase ] && getent passwd deco >/dev/null && echo "kept passphrase and user"
`
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "run", "--rm", "--network", "none",
		"-v", deb+":/pkg/deco.deb:ro", debianImage, "sh", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("install in %s: %v\n%s", debianImage, err, out)
	}
	for _, want := range []string{
		"user=deco:/var/lib/deco:/usr/sbin/nologin\n",
		"groups=deco docker\n",
		"passphrase=600:root:43\n",
		"version=deco ",
		"status=install ok installed " + version + "\n",
		"upgrade keeps passphrase\n", "upgrade keeps deco.env\n",
		"removed binary\n", "kept passphrase and user\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
