package job

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected output of testdata/specs")

// goldenSep separates a spec from the expected output in testdata/specs.
const goldenSep = "\n#### want\n"

// runSpec parses, defaults and validates a spec and describes the outcome:
// the canonical JSON when valid, else one error per line.
func runSpec(t *testing.T, input []byte) string {
	t.Helper()
	s, err := Parse(input)
	if err != nil {
		var fe FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("Parse returned %T %v, want FieldErrors", err, err)
		}
		return "parse error:\n" + lines(fe)
	}
	s.ApplyDefaults()
	if err := s.Validate(); err != nil {
		var fe FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("Validate returned %T %v, want FieldErrors", err, err)
		}
		return "invalid:\n" + lines(fe)
	}
	return "ok:\n" + string(Canonical(s)) + "\n"
}

func lines(fe FieldErrors) string {
	var b strings.Builder
	for _, e := range fe {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// TestGolden runs every spec in testdata/specs against the output written
// after its "#### want" line.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/specs/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden specs: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			input, want, found := strings.Cut(string(raw), goldenSep)
			if *update {
				got := runSpec(t, []byte(input+"\n"))
				if err := os.WriteFile(path, []byte(input+goldenSep+got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !found {
				t.Fatalf("%s has no %q separator", path, strings.TrimSpace(goldenSep))
			}
			got := runSpec(t, []byte(input+"\n"))
			if got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			ok := strings.HasPrefix(filepath.Base(path), "ok-")
			if ok != strings.HasPrefix(got, "ok:") {
				t.Errorf("file name says ok=%v, outcome is:\n%s", ok, got)
			}
		})
	}
}
