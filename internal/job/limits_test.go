package job

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// problems returns err's field errors as "field: problem" strings (with
// "line N: " when known), or nil when err is nil.
func problems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var fe FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not FieldErrors", err, err)
	}
	out := make([]string, len(fe))
	for i, e := range fe {
		out[i] = e.Error()
	}
	return out
}

// TestLimits checks every limit Validate enforces: the value at the limit
// passes and one step beyond fails with exactly the expected problem. The
// spec is mutated before ApplyDefaults so that TotalTimeout is derived
// from the values under test.
func TestLimits(t *testing.T) {
	const ns = Duration(1)
	tests := []struct {
		name   string
		mutate func(*Spec)
		want   string // the only problem; "" means valid
	}{
		{"min memory", func(s *Spec) { s.Resources.Memory = MinMemory }, ""},
		{"below min memory", func(s *Spec) { s.Resources.Memory = MinMemory - 1 }, "resources.memory: must be at least 4MiB, got 4194303"},
		{"max memory", func(s *Spec) { s.Resources.Memory = MaxMemory }, ""},
		{"above max memory", func(s *Spec) { s.Resources.Memory = MaxMemory + 1 }, "resources.memory: must be at most 64TiB, got 70368744177665"},
		{"max cpu", func(s *Spec) { s.Resources.CPU = MaxCPU }, ""},
		{"above max cpu", func(s *Spec) { s.Resources.CPU = MaxCPU + 1 }, "resources.cpu: must be at most 1024, got 1024.001"},
		{"max disk", func(s *Spec) { s.Resources.Disk = MaxDisk }, ""},
		{"above max disk", func(s *Spec) { s.Resources.Disk = MaxDisk + 1 }, "resources.disk: must be at most 1PiB, got 1125899906842625"},
		{"max gpus", func(s *Spec) { s.Resources.GPUs = MaxGPUs }, ""},
		{"above max gpus", func(s *Spec) { s.Resources.GPUs = MaxGPUs + 1 }, "resources.gpus: must be at most 64, got 65"},
		{"min timeout", func(s *Spec) { s.Timeout = MinTimeout }, ""},
		{"below min timeout", func(s *Spec) { s.Timeout = MinTimeout - ns }, "timeout: must be at least 1s, got 999.999999ms"},
		{"max timeout", func(s *Spec) { s.Timeout = MaxTimeout }, ""},
		{"above max timeout", func(s *Spec) { s.Timeout = MaxTimeout + ns }, "timeout: must be at most 168h, got 168h0m0.000000001s"},
		{"smallest queue timeout", func(s *Spec) { s.QueueTimeout = ns }, ""},
		{"negative queue timeout", func(s *Spec) { s.QueueTimeout = -ns }, "queueTimeout: must be positive and at most 168h, got -1ns"},
		{"max queue timeout", func(s *Spec) { s.QueueTimeout = MaxTimeout }, ""},
		{"above max queue timeout", func(s *Spec) { s.QueueTimeout = MaxTimeout + ns }, "queueTimeout: must be positive and at most 168h, got 168h0m0.000000001s"},
		{"min attempts", func(s *Spec) { s.MaxAttempts = 1 }, ""},
		{"below min attempts", func(s *Spec) { s.MaxAttempts = -1 }, "maxAttempts: must be between 1 and 10, got -1"},
		{"max attempts", func(s *Spec) { s.MaxAttempts = MaxMaxAttempts }, ""},
		{"above max attempts", func(s *Spec) { s.MaxAttempts = MaxMaxAttempts + 1 }, "maxAttempts: must be between 1 and 10, got 11"},
		{"max total timeout", func(s *Spec) { s.TotalTimeout = MaxTotalTimeout }, ""},
		{"above max total timeout", func(s *Spec) { s.TotalTimeout = MaxTotalTimeout + ns }, "totalTimeout: must be at most 1848h10m, got 1848h10m0.000000001s"},
		{"total timeout equal to timeout", func(s *Spec) { s.Timeout, s.TotalTimeout = 2*Duration(time.Hour), 2*Duration(time.Hour) }, ""},
		{"total timeout below timeout", func(s *Spec) { s.Timeout, s.TotalTimeout = 2*Duration(time.Hour), 2*Duration(time.Hour)-ns }, "totalTimeout: must be at least the timeout (2h), got 1h59m59.999999999s"},
		{"wasm inline at cap", func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: append(wasmHeader(), make([]byte, MaxInlineWasm-8)...)}
		}, ""},
		{"wasm inline over cap", func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: append(wasmHeader(), make([]byte, MaxInlineWasm-7)...)}
		}, "wasm.inline: must be at most 8MiB, got 8388609"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Spec{APIVersion: APIVersion, Image: "alpine:3.20", Command: []string{"true"}}
			tc.mutate(&s)
			s.ApplyDefaults()
			got := problems(t, s.Validate())
			if tc.want == "" {
				if got != nil {
					t.Fatalf("Validate() = %q, want nil", got)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("Validate() = %q, want [%q]", got, tc.want)
			}
		})
	}
}

// negativeDuration matches a negative duration in a message, the sign of
// an overflowed sum.
var negativeDuration = regexp.MustCompile(`-\d+(\.\d+)?(h|m|s|ms|us|µs|ns)`)

// TestDerivedTotalTimeout checks that TotalTimeout is derived only from
// parts within their limits, so the sum never overflows, and that a bad
// part is reported as itself rather than as a confusing totalTimeout.
func TestDerivedTotalTimeout(t *testing.T) {
	week := 7 * 24 * time.Hour
	tests := []struct {
		name      string
		spec      string
		want      []string // problems in order; nil means valid
		wantTotal Duration // checked when valid
	}{
		{name: "largest derivable", spec: "timeout: 168h\nmaxAttempts: 10\nqueueTimeout: 168h\n",
			wantTotal: MaxTotalTimeout},
		{name: "default parts", spec: "", wantTotal: Duration(10*time.Minute + 3*time.Hour + 10*time.Minute)},
		{name: "huge attempts", spec: "timeout: 168h\nmaxAttempts: 1000000\n",
			want: []string{"maxAttempts: must be between 1 and 10, got 1000000"}},
		{name: "attempts that overflow the sum", spec: "timeout: 168h\nmaxAttempts: 9223372036854775807\nqueueTimeout: 168h\n",
			want: []string{"maxAttempts: must be between 1 and 10, got 9223372036854775807"}},
		{name: "huge timeout", spec: "timeout: 2562047h\nmaxAttempts: 10\n",
			want: []string{"timeout: must be at most 168h, got 2562047h"}},
		{name: "huge queue timeout", spec: "queueTimeout: 2562047h\ntimeout: 168h\nmaxAttempts: 10\n",
			want: []string{"queueTimeout: must be positive and at most 168h, got 2562047h"}},
		{name: "every part too big", spec: "queueTimeout: 2562047h\ntimeout: 2562047h\nmaxAttempts: 1000000\n",
			want: []string{"timeout: must be at most 168h, got 2562047h", "queueTimeout: must be positive and at most 168h, got 2562047h",
				"maxAttempts: must be between 1 and 10, got 1000000"}},
		{name: "explicit total with a bad timeout", spec: "timeout: 200h\ntotalTimeout: 1h\n",
			want: []string{"timeout: must be at most 168h, got 200h"}},
		{name: "explicit total too big", spec: "totalTimeout: 2562047h\n",
			want: []string{"totalTimeout: must be at most 1848h10m, got 2562047h"}},
		{name: "explicit total with bad attempts", spec: "totalTimeout: 30m\nmaxAttempts: 11\n",
			want: []string{"maxAttempts: must be between 1 and 10, got 11", "totalTimeout: must be at least the timeout (1h), got 30m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse([]byte("apiVersion: deco/v1\nimage: alpine\n" + tc.spec))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			s.ApplyDefaults()
			err = s.Validate()
			got := problems(t, err)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				if s.TotalTimeout != tc.wantTotal {
					t.Fatalf("TotalTimeout = %s, want %s", s.TotalTimeout, tc.wantTotal)
				}
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Validate() = %q, want %q", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i] != w {
					t.Errorf("problem %d = %q, want %q", i, got[i], w)
				}
			}
			if m := negativeDuration.FindString(err.Error()); m != "" {
				t.Errorf("Validate() = %v: contains the negative duration %q", err, m)
			}
		})
	}
	if MaxTotalTimeout != Duration(week+10*week+10*time.Minute) {
		t.Errorf("MaxTotalTimeout = %s", MaxTotalTimeout)
	}
}

// TestExplicitZero checks that a defaulted field written out as zero is a
// parse error with its path, line and default, in YAML and JSON alike,
// while null or an absent field takes the default.
func TestExplicitZero(t *testing.T) {
	tests := []struct {
		field  string   // path
		values []string // zero values, written as YAML and as JSON
		def    string
	}{
		{"timeout", []string{`"0s"`, "0", `"0"`, `"0h0m"`, `"-0s"`}, "1h"},
		{"queueTimeout", []string{`"0s"`, `"0ms"`, "0"}, "10m"},
		{"totalTimeout", []string{`"0s"`, "0"}, "the queue timeout plus every attempt's timeout plus 10m"},
		{"maxAttempts", []string{"0"}, "3"},
		{"resources.cpu", []string{"0", "0.0", `"0"`, `"0m"`, `"-0"`}, "1"},
		{"resources.memory", []string{"0", `"0B"`, `"0MiB"`, `"0.0GiB"`}, "512MiB"},
		{"resources.disk", []string{"0", `"0GiB"`, `"0k"`}, "1GiB"},
	}
	for _, tc := range tests {
		parent, name, nested := strings.Cut(tc.field, ".")
		if !nested {
			name = parent
		}
		wantProblem := fmt.Sprintf("must not be 0 (leave the field out for the default, %s)", tc.def)
		for _, val := range tc.values {
			var yamlSrc, jsonSrc string
			if nested {
				yamlSrc = fmt.Sprintf("apiVersion: deco/v1\nimage: alpine\n%s:\n  %s: %s\n", parent, name, val)
				jsonSrc = fmt.Sprintf("{\n  \"apiVersion\": \"deco/v1\",\n  \"image\": \"alpine\",\n  %q: {\n    %q: %s\n  }\n}\n", parent, name, val)
			} else {
				yamlSrc = fmt.Sprintf("apiVersion: deco/v1\nimage: alpine\n\n%s: %s\n", name, val)
				jsonSrc = fmt.Sprintf("{\n  \"apiVersion\": \"deco/v1\",\n  \"image\": \"alpine\",\n\n  %q: %s\n}\n", name, val)
			}
			for _, in := range []struct{ format, src string }{{"yaml", yamlSrc}, {"json", jsonSrc}} {
				t.Run(tc.field+"="+val+"/"+in.format, func(t *testing.T) {
					_, err := Parse([]byte(in.src))
					var fe FieldErrors
					if !errors.As(err, &fe) || len(fe) != 1 {
						t.Fatalf("Parse(%q) = %v, want one field error", in.src, err)
					}
					want := FieldError{Field: tc.field, Problem: wantProblem, Line: 4}
					if in.format == "json" {
						want.Line = 5
					}
					if fe[0] != want {
						t.Errorf("Parse = %#v, want %#v", fe[0], want)
					}
				})
			}
		}
	}
}

// TestExplicitZeroAllowed checks the fields where zero means something
// (no GPUs, no price ceiling) and the ways of asking for the default
// (absent, null, empty, an alias to null).
func TestExplicitZeroAllowed(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"yaml gpus and price", "resources:\n  gpus: 0\nmaxPricePerHour: 0\n"},
		{"yaml null", "timeout: null\nqueueTimeout: ~\ntotalTimeout:\nmaxAttempts: null\nresources: {cpu: null, memory: ~, disk: null}\n"},
		{"yaml alias to null", "name: &n ~\ntimeout: *n\n"},
		{"json gpus and price", `{"apiVersion":"deco/v1","image":"alpine","resources":{"gpus":0},"maxPricePerHour":0}`},
		{"json null", `{"apiVersion":"deco/v1","image":"alpine","timeout":null,"queueTimeout":null,"totalTimeout":null,` +
			`"maxAttempts":null,"resources":{"cpu":null,"memory":null,"disk":null}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if !strings.HasPrefix(src, "{") {
				src = "apiVersion: deco/v1\nimage: alpine\n" + src
			}
			s, err := Parse([]byte(src))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			s.ApplyDefaults()
			if err := s.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if s.Timeout != DefaultTimeout || s.Resources.CPU != DefaultCPU || s.Resources.GPUs != 0 || s.MaxPricePerHour != 0 {
				t.Fatalf("spec %s, want the defaults", Canonical(s))
			}
		})
	}
	// An alias to a zero is still a zero written out, at the alias's line.
	_, err := Parse([]byte("apiVersion: deco/v1\nimage: alpine\nenv: {Z: &z 0s}\ntimeout: *z\n"))
	if got := problems(t, err); len(got) != 1 || got[0] != "line 4: timeout: must not be 0 (leave the field out for the default, 1h)" {
		t.Fatalf("alias to zero: %q", got)
	}
}

// TestDefaultFor checks the fields with a default and a few without.
func TestDefaultFor(t *testing.T) {
	for field, want := range map[string]string{
		"timeout": "1h", "queueTimeout": "10m", "maxAttempts": "3",
		"resources.cpu": "1", "resources.memory": "512MiB", "resources.disk": "1GiB",
		"totalTimeout": "the queue timeout plus every attempt's timeout plus 10m",
	} {
		if got, ok := DefaultFor(field); !ok || got != want {
			t.Errorf("DefaultFor(%q) = %q, %v, want %q", field, got, ok, want)
		}
	}
	for _, field := range []string{"resources.gpus", "maxPricePerHour", "cpu", "inputs[0].timeout", ""} {
		if got, ok := DefaultFor(field); ok {
			t.Errorf("DefaultFor(%q) = %q, true, want false", field, got)
		}
	}
}

// TestQuantityOverflow checks that quantities too large for their type
// are errors, never wrapped values.
func TestQuantityOverflow(t *testing.T) {
	for _, s := range []string{"9223372036854775807h", "-9223372036854775807h", "9223372036854775807", "2562048h",
		"1e30", "1e30s", "99999999999999999999ns"} {
		if d, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %s, want an error", s, d)
		}
	}
	for _, s := range []string{"99999999999PiB", "8EiB", "9223372036854775808", "-9223372036854775809", "1e30",
		"1e30B", "9223372036854775807KiB", "9.3EB"} {
		if b, err := ParseByteSize(s); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", s, int64(b))
		}
	}
	for _, s := range []string{"1e30", "9223372036854775807", "9223372036854775", "9223372036854775808m",
		"-9223372036854775809m", "99999999999999999999.5"} {
		if m, err := ParseMilliCPU(s); err == nil {
			t.Errorf("ParseMilliCPU(%q) = %d, want an error", s, int64(m))
		}
	}
	// Through Parse, in both formats, with the field and line named.
	for _, tc := range []struct{ src, field string }{
		{"apiVersion: deco/v1\nimage: a\ntimeout: 9223372036854775807h\n", "timeout"},
		{"apiVersion: deco/v1\nimage: a\nresources: {memory: 99999999999PiB}\n", "resources.memory"},
		{"apiVersion: deco/v1\nimage: a\nresources: {cpu: 1e30}\n", "resources.cpu"},
		{"{\"apiVersion\":\"deco/v1\",\"image\":\"a\",\n\n\"timeout\":\"9223372036854775807h\"}", "timeout"},
		{"{\"apiVersion\":\"deco/v1\",\"image\":\"a\",\n\n\"resources\":{\"disk\":\"99999999999PiB\"}}", "resources.disk"},
		{"{\"apiVersion\":\"deco/v1\",\"image\":\"a\",\n\n\"resources\":{\"cpu\":1e30}}", "resources.cpu"},
	} {
		_, err := Parse([]byte(tc.src))
		var fe FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != tc.field || fe[0].Line != 3 {
			t.Errorf("Parse(%q) = %v, want one error for %s at line 3", tc.src, err, tc.field)
		}
	}
}
