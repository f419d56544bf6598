package job

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"
)

// TestDigestPinned pins the digest of one spec: a change here means every
// signed deal and receipt would stop verifying, so it must be deliberate.
func TestDigestPinned(t *testing.T) {
	s := Spec{
		APIVersion: APIVersion, Name: "pinned", Executor: ExecutorDocker, Image: "alpine:3.20",
		Command: []string{"sh", "-c", "echo <&>"}, Env: map[string]string{"B": "2", "A": "1"},
		Resources: Resources{CPU: 1500, Memory: 512 * MiB, Disk: GiB, GPUs: 1, GPU: GPUSelector{Vendor: "nvidia", MinVRAM: 16 * GiB}},
		Timeout:   Duration(90 * time.Minute), MaxPricePerHour: 2_500_000,
	}
	wantJSON := `{"apiVersion":"deco/v1","name":"pinned","executor":"docker","image":"alpine:3.20",` +
		`"command":["sh","-c","echo \u003c\u0026\u003e"],"env":{"A":"1","B":"2"},` +
		`"resources":{"cpu":1.5,"memory":"512MiB","disk":"1GiB","gpus":1,"gpu":{"vendor":"nvidia","minVRAM":"16GiB"}},` +
		`"timeout":"1h30m","maxPricePerHour":"2.5"}`
	if got := string(Canonical(s)); got != wantJSON {
		t.Fatalf("Canonical:\n got %s\nwant %s", got, wantJSON)
	}
	sum := sha256.Sum256([]byte(wantJSON))
	if got, want := Digest(s), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("Digest = %s, want %s", got, want)
	}
}

func TestDigestSensitivity(t *testing.T) {
	base := validSpec()
	base.Env = map[string]string{"A": "1", "B": "2"}
	d0 := Digest(base)
	tests := []struct {
		name   string
		mutate func(*Spec)
		same   bool
	}{
		{name: "env built in another order", same: true, mutate: func(s *Spec) {
			s.Env = map[string]string{}
			s.Env["B"] = "2"
			s.Env["A"] = "1"
		}},
		{name: "command", mutate: func(s *Spec) { s.Command = []string{"false"} }},
		{name: "env value", mutate: func(s *Spec) { s.Env = map[string]string{"A": "1", "B": "3"} }},
		{name: "cpu", mutate: func(s *Spec) { s.Resources.CPU++ }},
		{name: "memory", mutate: func(s *Spec) { s.Resources.Memory++ }},
		{name: "network", mutate: func(s *Spec) { s.Network.Outbound = true }},
		{name: "timeout", mutate: func(s *Spec) { s.Timeout += Duration(time.Second) }},
		{name: "price", mutate: func(s *Spec) { s.MaxPricePerHour = 1 }},
		{name: "name", mutate: func(s *Spec) { s.Name = "x" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			s.Env = map[string]string{"A": "1", "B": "2"}
			tc.mutate(&s)
			if got := Digest(s) == d0; got != tc.same {
				t.Fatalf("digest equal = %v, want %v", got, tc.same)
			}
		})
	}
}

// TestDigestSurvivesTransport checks that a spec written as YAML, parsed,
// sent as JSON and parsed again on the other side has the same digest.
func TestDigestSurvivesTransport(t *testing.T) {
	src := []byte("apiVersion: deco/v1\nimage: alpine\nresources:\n  cpu: 500m\n  memory: 1.5GiB\n  disk: 100G\nenv: {Z: z, A: a}\ntimeout: 90\nmaxPricePerHour: 0.1\n")
	s, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	s.ApplyDefaults()
	wire := Canonical(s)
	r, err := Parse(wire)
	if err != nil {
		t.Fatalf("re-parse %s: %v", wire, err)
	}
	if Digest(r) != Digest(s) {
		t.Fatalf("digest changed over the wire: %s vs %s", Canonical(r), wire)
	}
}
