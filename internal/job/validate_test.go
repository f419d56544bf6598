package job

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// validSpec returns a spec that passes Validate.
func validSpec() Spec {
	s := Spec{APIVersion: APIVersion, Image: "alpine:3.20", Command: []string{"true"}}
	s.ApplyDefaults()
	return s
}

func wasmHeader() []byte { return []byte("\x00asm\x01\x00\x00\x00") }

func TestApplyDefaults(t *testing.T) {
	var s Spec
	s.ApplyDefaults()
	want := Spec{Executor: "docker", Resources: Resources{CPU: 1000, Memory: 512 * MiB, Disk: GiB}, Timeout: Duration(time.Hour),
		QueueTimeout: Duration(10 * time.Minute), MaxAttempts: 3, TotalTimeout: Duration(10*time.Minute + 3*time.Hour + 10*time.Minute)}
	if Digest(s) != Digest(want) {
		t.Fatalf("defaults = %s, want %s", Canonical(s), Canonical(want))
	}
	set := Spec{Executor: "wasm", Resources: Resources{CPU: 250, Memory: 64 * MiB, Disk: MiB}, Timeout: Duration(time.Minute),
		QueueTimeout: Duration(time.Second), MaxAttempts: 1, TotalTimeout: Duration(time.Hour)}
	got := set
	got.ApplyDefaults()
	if Digest(got) != Digest(set) {
		t.Fatalf("ApplyDefaults changed set fields: %s -> %s", Canonical(set), Canonical(got))
	}
	again := got
	again.ApplyDefaults()
	if Digest(again) != Digest(got) {
		t.Fatal("ApplyDefaults is not idempotent")
	}
}

func TestValidate(t *testing.T) {
	inline := append(wasmHeader(), 1, 2, 3)
	sum := sha256.Sum256(inline)
	tests := []struct {
		name   string
		mutate func(*Spec)
		want   []string // "field: problem" substrings, in order; nil means valid
	}{
		{name: "valid", mutate: func(*Spec) {}},
		{name: "negative price", mutate: func(s *Spec) { s.MaxPricePerHour = -1 }, want: []string{"maxPricePerHour: must not be negative"}},
		{name: "zero price is no ceiling", mutate: func(s *Spec) { s.MaxPricePerHour = 0 }},
		{name: "long name", mutate: func(s *Spec) { s.Name = strings.Repeat("x", 257) }, want: []string{"name: must be at most 256 bytes"}},
		{name: "NUL in name", mutate: func(s *Spec) { s.Name = "a\x00" }, want: []string{"name: must not contain NUL"}},
		{name: "NUL in command", mutate: func(s *Spec) { s.Command = []string{"ok", "b\x00d"} }, want: []string{"command[1]: must not contain NUL"}},
		{name: "empty executor", mutate: func(s *Spec) { s.Executor = "" }, want: []string{`executor: must be "docker" or "wasm", got ""`}},
		{name: "zero cpu", mutate: func(s *Spec) { s.Resources.CPU = 0 }, want: []string{"resources.cpu: must be positive, got 0"}},
		{name: "max cpu", mutate: func(s *Spec) { s.Resources.CPU = MaxCPU }},
		{name: "min memory", mutate: func(s *Spec) { s.Resources.Memory = MinMemory }},
		{name: "just under min memory", mutate: func(s *Spec) { s.Resources.Memory = MinMemory - 1 }, want: []string{"resources.memory: must be at least 4MiB, got 4194303"}},
		{name: "max memory", mutate: func(s *Spec) { s.Resources.Memory = MaxMemory }},
		{name: "zero disk", mutate: func(s *Spec) { s.Resources.Disk = 0 }},
		{name: "max disk", mutate: func(s *Spec) { s.Resources.Disk = MaxDisk }},
		{name: "max gpus", mutate: func(s *Spec) { s.Resources.GPUs = MaxGPUs }},
		{name: "gpu selector with gpus", mutate: func(s *Spec) {
			s.Resources.GPUs = 1
			s.Resources.GPU = GPUSelector{Vendor: "amd", Model: "MI300", MinVRAM: 64 * GiB}
		}},
		{name: "custom resource name", mutate: func(s *Spec) { s.Resources.Custom = map[string]int64{"TPU": 1} }, want: []string{`resources.custom: "TPU" is not a resource name`}},
		{name: "custom resource count", mutate: func(s *Spec) { s.Resources.Custom = map[string]int64{"tpu": 0} }, want: []string{"resources.custom.tpu: must be 1 to"}},
		{name: "custom resource built in", mutate: func(s *Spec) { s.Resources.Custom = map[string]int64{"gpu": 1} }, want: []string{`resources.custom: "gpu" is not a resource name`}},
		{name: "gpu minVRAM without gpus", mutate: func(s *Spec) { s.Resources.GPU.MinVRAM = GiB }, want: []string{"resources.gpu: set but resources.gpus is 0"}},
		{name: "negative minVRAM", mutate: func(s *Spec) { s.Resources.GPUs = 1; s.Resources.GPU.MinVRAM = -1 }, want: []string{"resources.gpu.minVRAM: must not be negative"}},
		{name: "long gpu model", mutate: func(s *Spec) { s.Resources.GPUs = 1; s.Resources.GPU.Model = strings.Repeat("a", 300) }, want: []string{"resources.gpu.model: must be at most 256 bytes"}},
		{name: "min timeout", mutate: func(s *Spec) { s.Timeout = MinTimeout }},
		{name: "max timeout", mutate: func(s *Spec) { s.Timeout, s.TotalTimeout = MaxTimeout, MaxTimeout }},
		{name: "total below timeout", mutate: func(s *Spec) { s.TotalTimeout = Duration(time.Minute) }, want: []string{"totalTimeout: must be at least the timeout (1h), got 1m"}},
		{name: "attempts", mutate: func(s *Spec) { s.MaxAttempts = 11 }, want: []string{"maxAttempts: must be between 1 and 10, got 11"}},
		{name: "zero timeout", mutate: func(s *Spec) { s.Timeout = 0 }, want: []string{"timeout: must be at least 1s, got 0s"}},
		{name: "zero queue timeout", mutate: func(s *Spec) { s.QueueTimeout = 0 }, want: []string{"queueTimeout: must be positive and at most 168h, got 0s"}},
		{name: "zero total timeout", mutate: func(s *Spec) { s.TotalTimeout = 0 }, want: []string{"totalTimeout: must be at least the timeout (1h), got 0s"}},
		{name: "huge attempts do not overflow the total", mutate: func(s *Spec) {
			s.MaxAttempts, s.Timeout, s.TotalTimeout = 1000000, MaxTimeout, 0
			s.ApplyDefaults()
		}, want: []string{"maxAttempts: must be between 1 and 10, got 1000000"}},
		{name: "env ok", mutate: func(s *Spec) { s.Env = map[string]string{"A_1": "x", "_": "", "lower": "y"} }},
		{name: "env bad", mutate: func(s *Spec) { s.Env = map[string]string{"A=B": "x", "Z": "\x00"} }, want: []string{`env: "A=B" is not a valid variable name`, "env.Z: value must not contain NUL"}},
		{name: "bad image", mutate: func(s *Spec) { s.Image = "UPPER::bad" }, want: []string{`image: "UPPER::bad" is not a valid image reference`}},
		{name: "wasm inline", mutate: func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: inline, SHA256: hex.EncodeToString(sum[:])}
		}},
		{name: "wasm inline at cap", mutate: func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: append(wasmHeader(), make([]byte, MaxInlineWasm-8)...)}
		}},
		{name: "wasm inline over cap", mutate: func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: append(wasmHeader(), make([]byte, MaxInlineWasm-7)...)}
		}, want: []string{"wasm.inline: must be at most 8MiB, got 8388609"}},
		{name: "wasm inline bad sha form", mutate: func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: inline, SHA256: strings.ToUpper(hex.EncodeToString(sum[:]))}
		}, want: []string{"wasm.sha256: must be 64 lower-case hex digits"}},
		{name: "wasm url", mutate: func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{URL: "http://10.0.0.1:8080/m.wasm", SHA256: hex.EncodeToString(sum[:])}
		}},
		{name: "wasm url without host", mutate: func(s *Spec) {
			s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{URL: "https:///m.wasm", SHA256: hex.EncodeToString(sum[:])}
		}, want: []string{"wasm.url: must be an http or https URL"}},
		{name: "docker with image and wasm", mutate: func(s *Spec) { s.Wasm = &WasmModule{} }, want: []string{"wasm: not allowed with the docker executor"}},
		{name: "many problems listed in field order", mutate: func(s *Spec) {
			s.APIVersion, s.Image, s.Resources.CPU, s.Timeout = "v2", "", -1, 0
		}, want: []string{`apiVersion: must be "deco/v1", got "v2"`, "image: required for the docker executor", "resources.cpu: must be positive", "timeout: must be at least 1s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			tc.mutate(&s)
			err := s.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v (%T), want FieldErrors", err, err)
			}
			if len(fe) != len(tc.want) {
				t.Fatalf("Validate() = %v, want %d problems", err, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(fe[i].Error(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, fe[i].Error(), w)
				}
			}
			if !strings.Contains(err.Error(), fe[len(fe)-1].Problem) {
				t.Errorf("Error() %q does not list the last problem", err.Error())
			}
		})
	}
}

func TestCheckImageRef(t *testing.T) {
	digest := "@sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name string
		ref  string
		ok   bool
	}{
		{name: "bare", ref: "alpine", ok: true},
		{name: "tag", ref: "python:3.12-slim", ok: true},
		{name: "library path", ref: "library/ubuntu:22.04", ok: true},
		{name: "registry", ref: "ghcr.io/org/app:v1", ok: true},
		{name: "registry port", ref: "localhost:5000/app", ok: true},
		{name: "localhost", ref: "localhost/app", ok: true},
		{name: "ipv6 registry", ref: "[::1]:5000/app:1", ok: true},
		{name: "digest", ref: "alpine" + digest, ok: true},
		{name: "tag and digest", ref: "alpine:3" + digest, ok: true},
		{name: "separators", ref: "g/a_b__c.d-e---f", ok: true},
		{name: "upper-case registry", ref: "Registry.Example.com/app", ok: true},
		{name: "long tag", ref: "a:" + strings.Repeat("t", 128), ok: true},
		{name: "empty", ref: ""},
		{name: "upper", ref: "UPPER::bad"},
		{name: "upper path", ref: "org/App"},
		{name: "double colon", ref: "alpine::3"},
		{name: "empty tag", ref: "alpine:"},
		{name: "too long tag", ref: "a:" + strings.Repeat("t", 129)},
		{name: "tag starting with dot", ref: "a:.x"},
		{name: "bad digest algorithm", ref: "alpine@md5:" + strings.Repeat("ab", 16)},
		{name: "short digest", ref: "alpine@sha256:abc"},
		{name: "leading separator", ref: "-alpine"},
		{name: "trailing separator", ref: "alpine-"},
		{name: "triple underscore", ref: "a___b"},
		{name: "empty component", ref: "org//app"},
		{name: "trailing slash", ref: "org/app/"},
		{name: "space", ref: "alp ine"},
		{name: "bad registry", ref: "-bad.io/app"},
		{name: "underscore in registry", ref: "a_b.io/app"},
		{name: "scheme", ref: "https://ghcr.io/app"},
		{name: "too long name", ref: strings.Repeat("a", 256)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckImageRef(tc.ref)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckImageRef(%q) = %v, want ok=%v", tc.ref, err, tc.ok)
			}
		})
	}
}

func TestFieldErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "field and line", err: FieldError{Field: "resources.cpu", Problem: "bad", Line: 3}, want: "line 3: resources.cpu: bad"},
		{name: "field only", err: FieldError{Field: "image", Problem: "required"}, want: "image: required"},
		{name: "problem only", err: FieldError{Problem: "empty spec"}, want: "empty spec"},
		{name: "list", err: FieldErrors{{Field: "a", Problem: "x"}, {Field: "b", Problem: "y"}}, want: "a: x; b: y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
