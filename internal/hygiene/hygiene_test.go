package hygiene

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// packages maps each directory holding non-test Go files to those files.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	root := repoRoot(t)
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", ".devnet", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			dir := filepath.Dir(path)
			pkgs[dir] = append(pkgs[dir], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestEveryPackageHasADocComment(t *testing.T) {
	root := repoRoot(t)
	for dir, files := range packages(t) {
		documented := false
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ParseComments|parser.PackageClauseOnly)
			if err != nil {
				t.Fatal(err)
			}
			if af.Doc != nil && strings.TrimSpace(af.Doc.Text()) != "" {
				documented = true
				break
			}
		}
		if !documented {
			rel, _ := filepath.Rel(root, dir)
			t.Errorf("package %s has no doc comment", rel)
		}
	}
}

func TestNoGrabBagPackages(t *testing.T) {
	for dir := range packages(t) {
		switch filepath.Base(dir) {
		case "util", "utils", "common", "helpers", "misc", "lib":
			t.Errorf("package %s: name packages for what they provide", dir)
		}
	}
}

// TestLeafPackagesStayLight checks DESIGN.md's rule that the domain leaf
// packages import no Docker, libp2p or chain packages, directly or not.
func TestLeafPackagesStayLight(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not found")
	}
	forbidden := []string{"github.com/moby/", "github.com/docker/", "github.com/libp2p/", "github.com/ethereum/"}
	for _, pkg := range []string{"job", "offer", "sched", "identity", "money"} {
		out, err := exec.Command("go", "list", "-deps", "github.com/deco-network/deco/internal/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Split(string(out), "\n") {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("internal/%s depends on %s", pkg, dep)
				}
			}
		}
	}
}

func TestNoGlobalLoggers(t *testing.T) {
	for dir, files := range packages(t) {
		if strings.Contains(dir, "bindings") {
			continue
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"slog.SetDefault(", "log.SetOutput(", "slog.Default()"} {
				if strings.Contains(string(b), bad) {
					t.Errorf("%s uses %s: pass a *slog.Logger in", f, bad)
				}
			}
		}
	}
}
