package job

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Job kinds (Spec.Kind).
const (
	// KindBatch runs to its end and returns outputs (the default).
	KindBatch = "batch"
	// KindService runs until it is cancelled or its timeout, and exposes
	// its Ports to its requester through `deco forward`.
	KindService = "service"
)

// MaxPorts caps a service's named ports.
const MaxPorts = 16

// Port is a TCP port a service task listens on, reachable by its
// requester only, through its provider (`deco forward JOB NAME`).
type Port struct {
	// Name names the port ("http", "jupyter"): a letter, then letters,
	// digits and '-', at most 32.
	Name string `json:"name" yaml:"name"`
	// Port is the TCP port inside the task, 1 to 65535.
	Port int `json:"port" yaml:"port"`
}

var portName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// IsService reports whether the spec is a service job.
func (s Spec) IsService() bool { return s.Kind == KindService }

// ServicePort finds a service's port by name or by number ("http" or
// "8888").
func (s Spec) ServicePort(nameOrNumber string) (Port, error) {
	for _, p := range s.Ports {
		if p.Name == nameOrNumber || strconv.Itoa(p.Port) == nameOrNumber {
			return p, nil
		}
	}
	names := make([]string, len(s.Ports))
	for i, p := range s.Ports {
		names[i] = fmt.Sprintf("%s (%d)", p.Name, p.Port)
	}
	if len(names) == 0 {
		return Port{}, fmt.Errorf("the job exposes no ports (a service job declares them: ports)")
	}
	return Port{}, fmt.Errorf("the job has no port %q; it exposes %s", nameOrNumber, strings.Join(names, ", "))
}

// validateService checks the kind and the ports.
func validateService(v *validator, s Spec) {
	switch s.Kind {
	case "", KindBatch:
		if len(s.Ports) > 0 {
			v.add("ports", "only a service job (kind: %s) exposes ports", KindService)
		}
		return
	case KindService:
	case KindBooking:
		validateBooking(v, s)
		return
	default:
		v.add("kind", "must be %q, %q or %q, got %q", KindBatch, KindService, KindBooking, s.Kind)
		return
	}
	if s.Executor != ExecutorDocker {
		v.add("kind", "a service job needs the docker executor (a wasm module cannot listen)")
	}
	if len(s.Ports) > MaxPorts {
		v.add("ports", "at most %d, got %d", MaxPorts, len(s.Ports))
	}
	names, numbers := map[string]bool{}, map[int]bool{}
	for i, p := range s.Ports {
		f := fmt.Sprintf("ports[%d]", i)
		if !portName.MatchString(p.Name) {
			v.add(f+".name", "%q must be a lower-case letter, then letters, digits and '-' (at most 32)", p.Name)
		}
		if p.Port < 1 || p.Port > 65535 {
			v.add(f+".port", "must be between 1 and 65535, got %d", p.Port)
		}
		if names[p.Name] {
			v.add(f+".name", "%q is named twice", p.Name)
		}
		if numbers[p.Port] {
			v.add(f+".port", "%d is listed twice", p.Port)
		}
		names[p.Name], numbers[p.Port] = true, true
	}
}
