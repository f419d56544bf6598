package job

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse checks that Parse never panics, and that a spec that parses
// and validates survives a JSON and a YAML round trip with its digest.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/specs/*.yaml")
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		input, _, _ := strings.Cut(string(raw), goldenSep)
		f.Add([]byte(input))
	}
	f.Add([]byte(`{"apiVersion":"deco/v1","image":"a","resources":{"cpu":"1.5","memory":1048576000}}`))
	f.Add([]byte("apiVersion: deco/v1\nimage: a\nenv: &x {A: b}\ncommand: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		s.ApplyDefaults()
		if s.Validate() != nil {
			return
		}
		want := Digest(s)
		fromJSON, err := Parse(Canonical(s))
		if err != nil {
			t.Fatalf("canonical JSON %s does not parse: %v", Canonical(s), err)
		}
		if got := Digest(fromJSON); got != want {
			t.Fatalf("JSON round trip changed the spec:\n%s\n%s", Canonical(s), Canonical(fromJSON))
		}
		y, err := yaml.Marshal(s)
		if err != nil {
			t.Fatalf("yaml marshal: %v", err)
		}
		fromYAML, err := Parse(y)
		if err != nil {
			t.Fatalf("YAML %s does not parse: %v", y, err)
		}
		if got := Digest(fromYAML); got != want {
			t.Fatalf("YAML round trip changed the spec:\n%s\n%s", Canonical(s), Canonical(fromYAML))
		}
		if err := fromYAML.Validate(); err != nil {
			t.Fatalf("round-tripped spec no longer validates: %v", err)
		}
	})
}
