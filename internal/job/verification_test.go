package job

import (
	"strings"
	"testing"
)

func TestParseVerification(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", "none", ""},
		{"none", "none", ""},
		{"replicate(2)", "replicate(2)", ""},
		{"replicate:3", "replicate(3)", ""},
		{" spotcheck( 0.25 ) ", "spotcheck(0.25)", ""},
		{"spotcheck:1", "spotcheck(1)", ""},
		{"spotcheck(0)", "spotcheck(0)", ""},
		{"replicate", "", "how many validators"},
		{"replicate(0)", "", "1 to 8"},
		{"replicate(9)", "", "1 to 8"},
		{"replicate(2", "", "missing ')'"},
		{"spotcheck(1.5)", "", "from 0 to 1"},
		{"spotcheck(NaN)", "", "from 0 to 1"},
		{"majority", "", "want none, replicate(K) or spotcheck(P)"},
	} {
		v, err := ParseVerification(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseVerification(%q) = %v, %v; want error with %q", tc.in, v, err, tc.err)
			}
			continue
		}
		if err != nil || v.String() != tc.want {
			t.Errorf("ParseVerification(%q) = %v, %v; want %s", tc.in, v, err, tc.want)
		}
	}
}

func TestValidateVerification(t *testing.T) {
	wasm := `apiVersion: deco/v1
executor: wasm
wasm: {inline: AGFzbQEAAAA=}
verification: replicate:2
`
	s, err := parseValid(wasm)
	if err != nil {
		t.Fatalf("wasm task with replicate: %v", err)
	}
	if s.Verification != "replicate(2)" || s.Verify().K != 2 {
		t.Fatalf("verification = %q (%+v), want replicate(2)", s.Verification, s.Verify())
	}
	for _, tc := range []struct{ spec, want string }{
		{"image: busybox\nverification: replicate(2)\n", "declare the container deterministic: true"},
		{"image: busybox\ndeterministic: true\nnetwork: {outbound: true}\n", "a deterministic task has no network"},
		{"image: busybox\ndeterministic: true\nkind: service\nports: [{name: http, port: 80}]\nverification: spotcheck(0.5)\n", "a service job has no result"},
		{"image: busybox\ndeterministic: true\ntasks: 2\nnetwork: {links: true}\nverification: replicate(1)\n", "cannot verify a job with links: its tasks talk to each other"},
		{"image: busybox\nverification: replicate(x)\n", "replicate takes 1 to 8"},
	} {
		_, err := parseValid("apiVersion: deco/v1\n" + tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("spec\n%s: error %v, want one with %q", tc.spec, err, tc.want)
		}
	}
	if _, err := parseValid(("apiVersion: deco/v1\nimage: busybox\ndeterministic: true\nverification: spotcheck(0.1)\n")); err != nil {
		t.Errorf("deterministic container under spotcheck: %v", err)
	}
	// An array job (tasks without links) is verified task by task.
	for _, spec := range []string{
		"image: busybox\ndeterministic: true\ntasks: 3\nverification: replicate(2)\n",
		"executor: wasm\nwasm: {inline: AGFzbQEAAAA=}\ntasks: 2\nverification: spotcheck(0.5)\n",
	} {
		if _, err := parseValid("apiVersion: deco/v1\n" + spec); err != nil {
			t.Errorf("array job\n%s: %v", spec, err)
		}
	}
}

// parseValid parses, defaults and validates a spec.
func parseValid(spec string) (Spec, error) {
	s, err := Parse([]byte(spec))
	if err != nil {
		return s, err
	}
	s.ApplyDefaults()
	return s, s.Validate()
}
