package job

import (
	"errors"
	"strings"
	"testing"
)

const goodHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestParseInputsYAMLAndJSON(t *testing.T) {
	yamlSpec := `apiVersion: deco/v1
image: alpine:3.20
inputs:
  - name: data
    url: https://example.org/data.csv
    sha256: ` + goodHash + `
  - name: code
    git: {url: https://example.org/repo.git, ref: v1.2.0}
  - name: cfg
    inline: {files: {"a.txt": "hello", "sub/b.txt": "x"}}
  - name: prev
    result: {job: 01m80pet341gv42y3pfxccynzt, digest: "sha256:` + goodHash + `"}
`
	s, err := Parse([]byte(yamlSpec))
	if err != nil {
		t.Fatal(err)
	}
	s.ApplyDefaults()
	if len(s.Inputs) != 4 || s.Inputs[0].Kind() != "url" || s.Inputs[1].Git.Ref != "v1.2.0" ||
		s.Inputs[2].Inline.Files["sub/b.txt"] != "x" || s.Inputs[3].Result.Job != "01m80pet341gv42y3pfxccynzt" {
		t.Fatalf("parsed %+v", s.Inputs)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	// The same spec in JSON parses to the same digest.
	j, err := Parse(Canonical(s))
	if err != nil {
		t.Fatal(err)
	}
	if Digest(j) != Digest(s) {
		t.Fatalf("JSON round trip changed the spec: %s", Canonical(j))
	}

	tests := []struct {
		name, src, want string
	}{
		{"unknown field in yaml input", "apiVersion: deco/v1\nimage: a\ninputs:\n  - name: x\n    urll: http://a\n", "line 5: inputs[0].urll: unknown field"},
		{"unknown field in git", "apiVersion: deco/v1\nimage: a\ninputs:\n  - name: x\n    git: {url: http://a, rev: v1}\n", "inputs[0].git.rev: unknown field"},
		{"inputs not a list", "apiVersion: deco/v1\nimage: a\ninputs: {name: x}\n", "inputs: expected a list"},
		{"unknown field in json input", `{"apiVersion":"deco/v1","image":"a","inputs":[{"name":"x"},{"name":"y","bogus":1}]}`, "inputs[1].bogus: unknown field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestValidateInputs(t *testing.T) {
	url := func(name string) Input { return Input{Name: name, URL: "https://example.org/f", SHA256: goodHash} }
	tests := []struct {
		name   string
		inputs []Input
		want   []string // field: problem fragments; empty means valid
	}{
		{"url with hash", []Input{url("data")}, nil},
		{"url opt out", []Input{{Name: "d", URL: "http://x/y", InsecureSkipHash: true}}, nil},
		{"url without hash", []Input{{Name: "d", URL: "http://x/y"}}, []string{"inputs[0].sha256: required for url inputs (or set insecureSkipHash)"}},
		{"url hash and opt out", []Input{{Name: "d", URL: "http://x/y", SHA256: goodHash, InsecureSkipHash: true}}, []string{"inputs[0].sha256: set sha256 or insecureSkipHash, not both"}},
		{"bad hash", []Input{{Name: "d", URL: "http://x/y", SHA256: "ABC"}}, []string{"inputs[0].sha256: must be 64"}},
		{"ftp url", []Input{{Name: "d", URL: "ftp://x/y", SHA256: goodHash}}, []string{"inputs[0].url: must be an http or https URL"}},
		{"duplicate names", []Input{url("a"), url("b"), url("a")}, []string{`inputs[2].name: "a" is already the name of inputs[0]`}},
		{"unsafe names", []Input{url("../x"), url(".hidden"), url("a/b"), url("")}, []string{"inputs[0].name: ", "inputs[1].name: ", "inputs[2].name: ", "inputs[3].name: required"}},
		{"no source", []Input{{Name: "a"}}, []string{"inputs[0]: set exactly one of url, git, inline or result"}},
		{"two sources", []Input{{Name: "a", URL: "http://x", Git: &GitInput{URL: "http://x", Ref: "v1"}}}, []string{"inputs[0]: set exactly one"}},
		{"hash on git", []Input{{Name: "a", SHA256: goodHash, Git: &GitInput{URL: "http://x", Ref: "v1"}}}, []string{"inputs[0]: sha256, insecureSkipHash and maxSize apply to url inputs only"}},
		{"git commit", []Input{{Name: "a", Git: &GitInput{URL: "http://x/r.git", Ref: strings.Repeat("ab", 20)}}}, nil},
		{"git no ref", []Input{{Name: "a", Git: &GitInput{URL: "http://x/r.git"}}}, []string{"inputs[0].git.ref: required"}},
		{"git bad ref", []Input{{Name: "a", Git: &GitInput{URL: "http://x/r.git", Ref: "v1..2"}}}, []string{"inputs[0].git.ref: "}},
		{"git ssh", []Input{{Name: "a", Git: &GitInput{URL: "git@github.com:a/b", Ref: "v1"}}}, []string{"inputs[0].git.url: "}},
		{"inline escapes", []Input{{Name: "a", Inline: &InlineInput{Files: map[string]string{"../etc/passwd": "x", "/abs": "y", "ok/./x": "z"}}}}, []string{"inputs[0].inline.files: \"../etc/passwd\"", "inputs[0].inline.files: \"/abs\"", "inputs[0].inline.files: \"ok/./x\""}},
		{"inline empty", []Input{{Name: "a", Inline: &InlineInput{}}}, []string{"inputs[0].inline.files: required"}},
		{"inline too big", []Input{{Name: "a", Inline: &InlineInput{Files: map[string]string{"a": strings.Repeat("x", MaxInlineInputs/2+1)}}},
			{Name: "b", Inline: &InlineInput{Files: map[string]string{"b": strings.Repeat("x", MaxInlineInputs/2)}}}}, []string{"inputs: inline files total"}},
		{"result", []Input{{Name: "p", Result: &ResultInput{Job: "01m80pet341gv42y3pfxccynzt", Digest: "sha256:" + goodHash, Provider: "16Uiu2HAmGRhdPVAcCXL2GVrUNdSXqBWZ3rmuEbHkUUq5bFYJHvbt"}}}, nil},
		{"result bad", []Input{{Name: "p", Result: &ResultInput{Job: "nope", Digest: goodHash, Provider: "not a peer"}}}, []string{"inputs[0].result.job: ", "inputs[0].result.digest: ", "inputs[0].result.provider: "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			s.Inputs = tc.inputs
			err := s.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want field errors", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if len(fe) != len(tc.want) {
				t.Errorf("got %d errors (%v), want %d", len(fe), err, len(tc.want))
			}
		})
	}
}
