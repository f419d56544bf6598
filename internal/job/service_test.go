package job

import (
	"strings"
	"testing"
)

func TestServiceValidation(t *testing.T) {
	base := func() Spec {
		s := Spec{APIVersion: APIVersion, Image: "img", Kind: KindService, Ports: []Port{{Name: "http", Port: 8080}}}
		s.ApplyDefaults()
		return s
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("a valid service: %v", err)
	}
	for name, tc := range map[string]struct {
		mod  func(*Spec)
		want string
	}{
		"unknown kind":   {func(s *Spec) { s.Kind = "daemon" }, `kind: must be "batch", "service" or "booking"`},
		"ports on batch": {func(s *Spec) { s.Kind = "" }, "ports: only a service job"},
		"wasm service":   {func(s *Spec) { s.Executor, s.Image, s.Wasm = ExecutorWasm, "", &WasmModule{Inline: []byte("\x00asm")} }, "needs the docker executor"},
		"port zero":      {func(s *Spec) { s.Ports[0].Port = 0 }, "ports[0].port: must be between 1 and 65535"},
		"port too high":  {func(s *Spec) { s.Ports[0].Port = 70000 }, "ports[0].port"},
		"bad name":       {func(s *Spec) { s.Ports[0].Name = "Web UI" }, "ports[0].name"},
		"name twice":     {func(s *Spec) { s.Ports = append(s.Ports, Port{Name: "http", Port: 9090}) }, "named twice"},
		"number twice":   {func(s *Spec) { s.Ports = append(s.Ports, Port{Name: "web", Port: 8080}) }, "listed twice"},
		"too many ports": {func(s *Spec) {
			for i := range MaxPorts {
				s.Ports = append(s.Ports, Port{Name: "p" + strings.Repeat("x", i), Port: 9000 + i})
			}
		}, "at most 16"},
	} {
		s := base()
		tc.mod(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	s := base()
	for _, q := range []string{"http", "8080"} {
		if p, err := s.ServicePort(q); err != nil || p != (Port{Name: "http", Port: 8080}) {
			t.Errorf("ServicePort(%q) = %v, %v", q, p, err)
		}
	}
	if _, err := s.ServicePort("ssh"); err == nil || !strings.Contains(err.Error(), "http (8080)") {
		t.Errorf("an unknown port's error lists the ports: %v", err)
	}
}
