package job

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestNetworkForms(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      NetworkPolicy
		err       string
	}{
		{name: "yaml bool", src: "network: true\n", want: NetworkPolicy{Outbound: true}},
		{name: "yaml false", src: "network: false\n"},
		{name: "yaml links", src: "network: {links: true}\n", want: NetworkPolicy{Links: true}},
		{name: "yaml both", src: "network:\n  outbound: true\n  links: true\n", want: NetworkPolicy{Outbound: true, Links: true}},
		{name: "yaml unknown", src: "network: {link: true}\n", err: "network: link: unknown field"},
		{name: "yaml bad", src: "network: maybe\n", err: `expected true, false or a mapping {outbound, links}, got "maybe"`},
		{name: "yaml list", src: "network: [1]\n", err: "expected true, false or a mapping"},
		{name: "json bool", src: `{"network": true}`, want: NetworkPolicy{Outbound: true}},
		{name: "json links", src: `{"network": {"links": true, "outbound": false}}`, want: NetworkPolicy{Links: true}},
		{name: "json unknown", src: `{"network": {"links": true, "x": 1}}`, err: `unknown field "x"`},
		{name: "json bad", src: `{"network": "yes"}`, err: "expected true, false or an object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if !strings.HasPrefix(src, "{") {
				src = "apiVersion: deco/v1\n" + src
			}
			s, err := Parse([]byte(src))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Network != tt.want {
				t.Fatalf("network = %+v, want %+v", s.Network, tt.want)
			}
		})
	}
}

// TestNetworkCanonical: a spec written before links existed keeps its
// digest, and the mapping form survives a JSON round trip.
func TestNetworkCanonical(t *testing.T) {
	s := Spec{APIVersion: APIVersion, Image: "x", Network: NetworkPolicy{Outbound: true}}
	if got := string(Canonical(s)); !strings.Contains(got, `"network":true`) {
		t.Fatalf("canonical = %s, want the boolean form", got)
	}
	if got := string(Canonical(Spec{APIVersion: APIVersion, Image: "x"})); strings.Contains(got, "network") {
		t.Fatalf("canonical of no network = %s, want it left out", got)
	}
	s.Network.Links = true
	b, _ := json.Marshal(s)
	var back Spec
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Network != s.Network {
		t.Fatalf("round trip: %+v, want %+v", back.Network, s.Network)
	}
}

func TestValidateTasks(t *testing.T) {
	base := func() Spec {
		s := Spec{APIVersion: APIVersion, Image: "busybox"}
		s.ApplyDefaults()
		return s
	}
	for _, tt := range []struct {
		name   string
		mutate func(*Spec)
		field  string
	}{
		{name: "ok array", mutate: func(s *Spec) { s.Tasks = 4 }},
		{name: "too many", mutate: func(s *Spec) { s.Tasks = MaxTasks + 1 }, field: "tasks"},
		{name: "negative", mutate: func(s *Spec) { s.Tasks = -1 }, field: "tasks"},
		{name: "reserved env", mutate: func(s *Spec) { s.Env = map[string]string{"RANK": "3"} }, field: "env.RANK"},
		{name: "links alone", mutate: func(s *Spec) { s.Network.Links = true }, field: "network.links"},
		{name: "links ok", mutate: func(s *Spec) { s.Tasks, s.Network.Links = 2, true }},
		{name: "split lines url", mutate: func(s *Spec) {
			s.Inputs = []Input{{Name: "d", URL: "https://example.org/d", InsecureSkipHash: true, Split: SplitLines}}
		}},
		{name: "split lines git", mutate: func(s *Spec) {
			s.Inputs = []Input{{Name: "d", Git: &GitInput{URL: "https://example.org/r.git", Ref: "v1"}, Split: SplitLines}}
		}, field: "inputs[0].split"},
		{name: "split files url", mutate: func(s *Spec) {
			s.Inputs = []Input{{Name: "d", URL: "https://example.org/d", InsecureSkipHash: true, Split: SplitFiles}}
		}, field: "inputs[0].split"},
		{name: "split files inline", mutate: func(s *Spec) {
			s.Inputs = []Input{{Name: "d", Inline: &InlineInput{Files: map[string]string{"a": "1"}}, Split: SplitFiles}}
		}},
		{name: "split unknown", mutate: func(s *Spec) {
			s.Inputs = []Input{{Name: "d", Inline: &InlineInput{Files: map[string]string{"a": "1"}}, Split: "bytes"}}
		}, field: "inputs[0].split"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.mutate(&s)
			err := s.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != tt.field {
				t.Fatalf("err = %v, want one error on %s", err, tt.field)
			}
		})
	}
}

func TestParseTasksZero(t *testing.T) {
	_, err := Parse([]byte("apiVersion: deco/v1\nimage: x\ntasks: 0\n"))
	if err == nil || !strings.Contains(err.Error(), "tasks") {
		t.Fatalf("tasks: 0 parsed (%v); want it refused in favour of the default", err)
	}
}

func TestTaskEnv(t *testing.T) {
	s := Spec{Tasks: 3, Env: map[string]string{"A": "1"}}
	env := s.TaskEnv(2)
	want := map[string]string{"A": "1", EnvTaskIndex: "2", EnvCompletionIndex: "2", EnvRank: "2",
		EnvTaskCount: "3", EnvWorldSize: "3", EnvLocalRank: "0"}
	if len(env) != len(want) {
		t.Fatalf("env = %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Fatalf("env[%s] = %q, want %q (env %v)", k, env[k], v, env)
		}
	}
	if len(s.Env) != 1 {
		t.Fatalf("TaskEnv changed the spec's map: %v", s.Env)
	}
	if got := (Spec{}).TaskEnv(0)[EnvTaskCount]; got != "1" {
		t.Fatalf("single task count = %q, want 1", got)
	}
}

func TestLinkEnv(t *testing.T) {
	s := Spec{Tasks: 2, Network: NetworkPolicy{Links: true}}
	env := s.TaskEnv(1)
	LinkEnv(env, []string{"100.64.0.1", "100.64.0.2"}, "deco0")
	for k, v := range map[string]string{EnvMasterAddr: "100.64.0.1", EnvMasterPort: DefaultMasterPort, EnvTaskAddrs: "100.64.0.1,100.64.0.2",
		EnvGlooIfname: "deco0", EnvNCCLIfname: "deco0", EnvRank: "1"} {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	s.Env = map[string]string{EnvMasterPort: "1234"}
	env = s.TaskEnv(0)
	LinkEnv(env, []string{"100.64.0.1", "100.64.0.2"}, "deco0")
	if env[EnvMasterPort] != "1234" {
		t.Errorf("the spec's MASTER_PORT was replaced: %q", env[EnvMasterPort])
	}
	s.Env = map[string]string{EnvMasterAddr: "10.0.0.1"}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "env.MASTER_ADDR") {
		t.Errorf("a linked spec setting MASTER_ADDR: %v", err)
	}
	s.Network.Links = false
	if err := s.Validate(); err != nil && strings.Contains(err.Error(), "MASTER_ADDR") {
		t.Errorf("MASTER_ADDR refused without links: %v", err)
	}
}
