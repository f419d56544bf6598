package job

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(good, []byte("apiVersion: deco/v1\nimage: alpine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(good)
	if err != nil || s.Image != "alpine" {
		t.Fatalf("ParseFile = %+v, %v", s, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apiVersion: deco/v1\nimage: alpine\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ParseFile(bad)
	var fe FieldErrors
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), bad) || fe[0].Field != "bogus" || fe[0].Line != 3 {
		t.Fatalf("ParseFile(bad) = %v", err)
	}
	if _, err := ParseFile(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ParseFile(missing) = %v", err)
	}
}

func TestParseTooLarge(t *testing.T) {
	big := append([]byte("apiVersion: deco/v1\nname: "), bytes.Repeat([]byte("x"), MaxSpecSize)...)
	if _, err := Parse(big); !errors.Is(err, ErrSpecTooLarge) {
		t.Fatalf("Parse(%d bytes) = %v, want ErrSpecTooLarge", len(big), err)
	}
	path := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(path, big, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(path); !errors.Is(err, ErrSpecTooLarge) {
		t.Fatalf("ParseFile(big) = %v, want ErrSpecTooLarge", err)
	}
}

// TestWasmModuleYAML checks that the inline module is written as base64 in
// YAML (not a list of numbers) and read back, also through plain
// yaml.Unmarshal.
func TestWasmModuleYAML(t *testing.T) {
	m := WasmModule{Inline: []byte("\x00asm\x01\x00\x00\x00")}
	y, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(y) != "inline: AGFzbQEAAAA=\n" {
		t.Fatalf("yaml = %q", y)
	}
	var back WasmModule
	if err := yaml.Unmarshal(y, &back); err != nil || !bytes.Equal(back.Inline, m.Inline) {
		t.Fatalf("read back %+v, %v", back, err)
	}
	if err := yaml.Unmarshal([]byte("inline: AGFzbQEAAAA=\nextra: 1\n"), &back); err == nil || !strings.Contains(err.Error(), "extra: unknown field") {
		t.Fatalf("unknown field: %v", err)
	}
}
