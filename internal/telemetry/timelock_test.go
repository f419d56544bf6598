package telemetry

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/signer/core/apitypes"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
)

const (
	gpu0 = "GPU-a1000000-3b4c-5d6e-7f80-91a2b3c4d5e0"
	gpu1 = "GPU-a1000001-3b4c-5d6e-7f80-91a2b3c4d5e1"
)

func TestParseComputeApps(t *testing.T) {
	tests := []struct {
		file    string
		want    []GPUApp
		wantErr string
	}{
		{file: "two-gpus.txt", want: []GPUApp{
			{PID: 21345, Memory: 40211 << 20, GPU: gpu0},
			{PID: 21377, Memory: 1024 << 20, GPU: gpu0},
			{PID: 9001, Memory: 512 << 20, GPU: gpu1},
		}},
		{file: "none.txt", want: []GPUApp{}},
		{file: "mig.txt", want: []GPUApp{{PID: 4242, GPU: "MIG-5c4f2a0e-9b7d-5b1e-a3c2-0d9e8f7a6b50"}}},
		{file: "noheader.txt", wantErr: "want the header line"},
		{file: "bad-pid.txt", wantErr: `pid "abc"`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkParse(t, filepath.Join("testdata", "nvidia-smi-compute-apps", tt.file), ParseComputeApps, tt.want, tt.wantErr)
		})
	}
}

// checkParse parses the testdata file with parse and checks the result is
// want, or the error holds wantErr when one is wanted.
func checkParse[T any](t *testing.T, file string, parse func([]byte) (T, error), want T, wantErr string) {
	t.Helper()
	out, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parse(out)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// fakeProcfs writes a procfs with the given /proc/PID/cgroup files and a
// /proc/stat.
func fakeProcfs(t *testing.T, cgroups map[string]string, stat string) Procfs {
	t.Helper()
	root := t.TempDir()
	for pid, cg := range cgroups {
		if err := os.MkdirAll(filepath.Join(root, pid), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, pid, "cgroup"), []byte(cg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
	return Procfs{Root: root}
}

func TestContainerOf(t *testing.T) {
	const task = "97190b4f4a197bb1df88e383efd28c41bebe25fad69f374e1ab98a6a39fe0ae1"
	const other = "5ee1c0de4a197bb1df88e383efd28c41bebe25fad69f374e1ab98a6a39fe0ae1"
	fs := fakeProcfs(t, map[string]string{
		"100": "12:memory:/docker/" + task + "\n0::/docker/" + task + "\n", // cgroup v1 (as recorded on this machine)
		"101": "0::/system.slice/docker-" + task + ".scope/init\n",         // cgroup v2, systemd driver, nested
		"200": "0::/system.slice/docker-" + other + ".scope\n",             // another container
		"300": "0::/user.slice/user-1000.slice/session-2.scope\n",          // a host process
	}, "cpu 1 0 0 0\n")
	for pid, want := range map[uint32]string{100: task, 101: task, 200: "", 300: "", 999: ""} {
		if got := fs.ContainerOf(pid, []string{task}); got != want {
			t.Errorf("pid %d: container %q, want %q", pid, got, want)
		}
	}
	if got := fs.ContainerOf(100, []string{"97190b"}); got != "" {
		t.Errorf("a short ID matched %q: IDs under 12 characters are refused", got)
	}
}

func TestHostCPU(t *testing.T) {
	fs := fakeProcfs(t, nil, "cpu  100 20 30 5000 70 1 2 3 40 50\ncpu0 1 2 3 4\n")
	got, err := fs.HostCPU()
	if err != nil {
		t.Fatal(err)
	}
	// user+nice+system+irq+softirq+steal = 100+20+30+1+2+3 = 156 ticks of 10 ms.
	if want := 1560 * time.Millisecond; got != want {
		t.Fatalf("host CPU %s, want %s", got, want)
	}
	if _, err := fakeProcfs(t, nil, "intr 1 2 3\n").HostCPU(); err == nil {
		t.Fatal("a /proc/stat without a cpu line was read")
	}
	if _, err := (Procfs{}).HostCPU(); err != nil {
		t.Fatalf("this host's /proc/stat: %v", err)
	}
}

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	w := NewWindow("x1", []string{gpu0}, 1, t0)
	w.Add(TimeLockReading{At: t0.Add(time.Second), HostCPU: 10 * time.Second, TaskCPU: time.Second,
		Apps: []Process{{PID: 7, GPU: gpu0, Memory: 100, Container: "c1"}, {PID: 9, GPU: gpu1, Memory: 5}},
		GPUs: []GPUReading{{UUID: gpu0, Utilization: 40}, {UUID: gpu1, Utilization: 99}}})
	w.Add(TimeLockReading{At: t0.Add(2 * time.Second), HostCPU: 12 * time.Second, TaskCPU: 2 * time.Second,
		Apps: []Process{{PID: 7, GPU: gpu0, Memory: 300, Container: "c1"}},
		GPUs: []GPUReading{{UUID: gpu0, Utilization: 90}}})
	a := w.Close(t0.Add(3 * time.Second))
	want := Attestation{Execution: "x1", Index: 1, Start: t0, End: t0.Add(3 * time.Second), Samples: 2,
		Devices:       []Device{{UUID: gpu0, MaxUtilization: 90}},
		Processes:     []Process{{PID: 7, GPU: gpu0, Memory: 300, Container: "c1"}}, // pid 9 is on a GPU not rented
		HostCPUMillis: 2000, TaskCPUMillis: 2000}
	if !reflect.DeepEqual(a, want) {
		t.Fatalf("interval 1:\n got %+v\nwant %+v", a, want)
	}
	// Interval 2 starts where 1 ended; a PID seen foreign once stays so.
	w.Add(TimeLockReading{HostCPU: 15 * time.Second, TaskCPU: 2500 * time.Millisecond,
		Apps: []Process{{PID: 7, GPU: gpu0, Container: "c1"}, {PID: 66, GPU: gpu0, Memory: 1 << 20}}})
	w.Add(TimeLockReading{Apps: []Process{{PID: 66, GPU: gpu0, Container: "c1"}}})
	b := w.Close(t0.Add(6 * time.Second))
	if b.Index != 2 || !b.Start.Equal(a.End) || b.Samples != 2 || b.HostCPUMillis != 3000 || b.TaskCPUMillis != 500 {
		t.Fatalf("interval 2 = %+v", b)
	}
	if f := b.Foreign(); len(f) != 1 || f[0].PID != 66 {
		t.Fatalf("foreign of interval 2 = %+v, want pid 66", f)
	}
	// An interval with no sample holds none.
	if c := w.Close(t0.Add(9 * time.Second)); c.Samples != 0 || c.Index != 3 || len(c.Processes) != 0 {
		t.Fatalf("interval 3 = %+v", c)
	}
}

func signed(t *testing.T, key *identity.Key, a Attestation) *Attestation {
	t.Helper()
	if err := a.Sign(key); err != nil {
		t.Fatal(err)
	}
	return &a
}

func TestCheck(t *testing.T) {
	prov, _ := identity.Generate(rand.Reader)
	other, _ := identity.Generate(rand.Reader)
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	clean := Attestation{Execution: "x1", Index: 2, Start: t0, End: t0.Add(10 * time.Second), Samples: 5,
		Devices: []Device{{UUID: gpu0, MaxUtilization: 88}}, Processes: []Process{{PID: 7, GPU: gpu0, Container: "c1"}}}
	e := Expect{Execution: "x1", Provider: prov.Address(), Index: 2, Start: t0, GPUs: 1}
	foreign := clean
	foreign.Processes = append([]Process{{PID: 66, GPU: gpu0, Memory: 1 << 30}}, clean.Processes...)
	offDevice := clean
	offDevice.Processes = []Process{{PID: 66, GPU: gpu1}} // on a GPU the task does not rent
	tests := []struct {
		name    string
		a       *Attestation
		e       Expect
		want    Verdict
		wantErr error
	}{
		{name: "clean", a: signed(t, prov, clean), e: e, want: VerdictClean},
		{name: "first interval starts anywhere", a: signed(t, prov, clean), e: Expect{Execution: "x1", Provider: prov.Address(), Index: 2, GPUs: 1}, want: VerdictClean},
		{name: "foreign process", a: signed(t, prov, foreign), e: e, want: VerdictForeign},
		{name: "foreign process on another GPU", a: signed(t, prov, offDevice), e: e, want: VerdictClean},
		{name: "missing", a: nil, e: e, want: VerdictGap, wantErr: ErrTimeLockMissing},
		{name: "signed by another key", a: signed(t, other, clean), e: e, want: VerdictGap, wantErr: ErrTimeLockSignature},
		{name: "edited after signing", a: func() *Attestation { a := signed(t, prov, foreign); a.Processes = clean.Processes; return a }(), e: e, want: VerdictGap, wantErr: ErrTimeLockSignature},
		{name: "skipped interval", a: signed(t, prov, clean), e: func() Expect { e := e; e.Index = 1; return e }(), want: VerdictGap, wantErr: ErrTimeLockSequence},
		{name: "does not start where the last ended", a: signed(t, prov, clean), e: func() Expect { e := e; e.Start = t0.Add(-time.Second); return e }(), want: VerdictGap, wantErr: ErrTimeLockSequence},
		{name: "other execution", a: signed(t, prov, clean), e: func() Expect { e := e; e.Execution = "x2"; return e }(), want: VerdictGap, wantErr: ErrTimeLockSequence},
		{name: "fewer devices than rented", a: signed(t, prov, clean), e: func() Expect { e := e; e.GPUs = 2; return e }(), want: VerdictGap, wantErr: ErrTimeLockSequence},
		{name: "no samples", a: func() *Attestation { a := clean; a.Samples = 0; return signed(t, prov, a) }(), e: e, want: VerdictGap, wantErr: ErrTimeLockNoSamples},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Check(tt.a, tt.e)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Check = %s, %v; want %s, %v", got, err, tt.want, tt.wantErr)
			}
			if got.Withholds() != (tt.want != VerdictClean) {
				t.Fatalf("%s withholds = %v", got, got.Withholds())
			}
		})
	}
}

// TestAttestationHashMatchesGoEthereum checks the attestation's EIP-712
// digest, its arrays of structs included, against go-ethereum's typed-data
// hashing: what a wallet or a contract computes for the same statement.
func TestAttestationHashMatchesGoEthereum(t *testing.T) {
	t0 := time.UnixMilli(1_796_000_000_123).UTC()
	a := Attestation{Execution: "x1", Index: 3, Start: t0, End: t0.Add(10 * time.Second), Samples: 5,
		Devices:       []Device{{UUID: gpu0, MaxUtilization: 97}, {UUID: gpu1}},
		Processes:     []Process{{PID: 7, GPU: gpu0, Memory: 1 << 30, Container: "c1"}, {PID: 66, GPU: gpu1, Memory: 5 << 20}},
		HostCPUMillis: 19000, TaskCPUMillis: 9500}
	td := apitypes.TypedData{
		Types: apitypes.Types{
			"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"}},
			"TimeLockAttestation": {{Name: "execution", Type: "string"}, {Name: "index", Type: "uint64"},
				{Name: "startMillis", Type: "uint64"}, {Name: "endMillis", Type: "uint64"}, {Name: "samples", Type: "uint32"},
				{Name: "devices", Type: "Device[]"}, {Name: "processes", Type: "Process[]"},
				{Name: "hostCpuMillis", Type: "uint64"}, {Name: "taskCpuMillis", Type: "uint64"}},
			"Device":  {{Name: "uuid", Type: "string"}, {Name: "maxUtilization", Type: "uint32"}},
			"Process": {{Name: "pid", Type: "uint32"}, {Name: "gpu", Type: "string"}, {Name: "memory", Type: "uint64"}, {Name: "container", Type: "string"}},
		},
		PrimaryType: "TimeLockAttestation",
		Domain:      apitypes.TypedDataDomain{Name: "deco", Version: "1"},
		Message: apitypes.TypedDataMessage{"execution": "x1", "index": "3", "startMillis": "1796000000123", "endMillis": "1796000010123",
			"samples": "5", "hostCpuMillis": "19000", "taskCpuMillis": "9500",
			"devices": []any{map[string]any{"uuid": gpu0, "maxUtilization": "97"}, map[string]any{"uuid": gpu1, "maxUtilization": "0"}},
			"processes": []any{map[string]any{"pid": "7", "gpu": gpu0, "memory": "1073741824", "container": "c1"},
				map[string]any{"pid": "66", "gpu": gpu1, "memory": "5242880", "container": ""}}},
	}
	want, _, err := apitypes.TypedDataAndHash(td)
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Hash(); !bytes.Equal(got, want) {
		t.Fatalf("hash %x, go-ethereum %x", got, want)
	}
}

func TestWithheld(t *testing.T) {
	tests := []struct {
		name          string
		v             Verdict
		before, after money.Amount
		want          money.Amount
	}{
		{"clean interval: nothing", VerdictClean, 100, 250, 0},
		{"foreign process: the interval's amount", VerdictForeign, 100, 250, 150},
		{"gap: the interval's amount", VerdictGap, 100, 250, 150},
		{"first interval: fixed price included", VerdictForeign, 0, 1_000_007, 1_000_007},
		{"interval that added nothing (at the deal's maximum)", VerdictGap, 500, 500, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Withheld(tt.v, tt.before, tt.after); got != tt.want {
				t.Fatalf("Withheld(%s, %s, %s) = %s, want %s", tt.v, tt.before, tt.after, got, tt.want)
			}
		})
	}
}

// scripted is a Runner that answers every run with out.
type scripted struct {
	out  []byte
	args [][]string
}

func (s *scripted) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	s.args = append(s.args, append([]string{name}, args...))
	return s.out, nil
}

func TestSamplerMapsProcesses(t *testing.T) {
	const task = "97190b4f4a197bb1df88e383efd28c41bebe25fad69f374e1ab98a6a39fe0ae1"
	out, err := os.ReadFile(filepath.Join("testdata", "nvidia-smi-compute-apps", "two-gpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	fs := fakeProcfs(t, map[string]string{
		"21345": "0::/docker/" + task + "\n",
		"9001":  "0::/user.slice\n",
		// 21377 has ended: no /proc entry.
	}, "cpu 1 0 0 0\n")
	run := &scripted{out: out}
	s := TimeLockSampler{Runner: run, NvidiaSMI: []string{"/opt/nv/nvidia-smi", "-i", "0"}, Procfs: fs}
	procs, err := s.Apps(context.Background(), []string{task})
	if err != nil {
		t.Fatal(err)
	}
	if got := run.args[0]; !reflect.DeepEqual(got, append([]string{"/opt/nv/nvidia-smi", "-i", "0"}, ComputeAppsQuery...)) {
		t.Fatalf("ran %q: the configured command, then the query", got)
	}
	if procs[0].Container != task || procs[1].Container != "" || !procs[1].gone || procs[2].Container != "" || procs[2].gone {
		t.Fatalf("mapped %+v", procs)
	}
	// In a window: an ended PID seen before in the task's container is
	// the task's (it exited); one never seen there is foreign.
	t0 := time.Now()
	w := NewWindow("x1", []string{gpu0, gpu1}, 1, t0)
	w.Add(TimeLockReading{Apps: []Process{{PID: 21377, GPU: gpu0, Container: task}}})
	w.Add(TimeLockReading{Apps: procs})
	a := w.Close(t0.Add(time.Second))
	want := []Process{{PID: 21345, GPU: gpu0, Memory: 40211 << 20, Container: task}, {PID: 21377, GPU: gpu0, Memory: 1024 << 20, Container: task},
		{PID: 9001, GPU: gpu1, Memory: 512 << 20}}
	if !reflect.DeepEqual(a.Processes, want) {
		t.Fatalf("attested\n %+v\nwant\n %+v", a.Processes, want)
	}
	w2 := NewWindow("x2", []string{gpu0}, 1, t0)
	w2.Add(TimeLockReading{Apps: procs})
	if f := w2.Close(t0.Add(time.Second)).Foreign(); len(f) != 1 || f[0].PID != 21377 {
		t.Fatalf("an ended PID never seen in the task: foreign %+v, want pid 21377", f)
	}
}

func TestWindowCapsProcesses(t *testing.T) {
	w := NewWindow("x1", []string{gpu0}, 1, time.Now())
	var many []Process
	for i := range MaxProcesses + 10 {
		many = append(many, Process{PID: uint32(i + 1), GPU: gpu0, Container: "c1"})
	}
	w.Add(TimeLockReading{Apps: many})
	w.Add(TimeLockReading{Apps: []Process{{PID: 99999, GPU: gpu0}}})
	a := w.Close(time.Now())
	if len(a.Processes) != MaxProcesses {
		t.Fatalf("%d processes attested, want at most %d", len(a.Processes), MaxProcesses)
	}
	if f := a.Foreign(); len(f) != 1 || f[0].PID != 99999 {
		t.Fatalf("the foreign process past the cap was dropped: %+v", f)
	}
}

func TestSamplerRefusesHiddenProcfs(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("testdata", "nvidia-smi-compute-apps", "two-gpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, super string
		want        error
	}{
		{"hidepid=invisible (systemd ProtectProc=invisible)", "rw,hidepid=invisible", ErrProcfsHidden},
		{"hidepid=2", "rw,hidepid=2", ErrProcfsHidden},
		{"hidepid=0", "rw,hidepid=0", nil},
		{"no hidepid", "rw", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := fakeProcfs(t, map[string]string{"21345": "0::/\n"}, "cpu 1 0 0 0\n") // 21377 and 9001 absent
			if err := os.MkdirAll(filepath.Join(fs.Root, "self"), 0o755); err != nil {
				t.Fatal(err)
			}
			mi := "22 27 0:21 / " + fs.Root + " rw,relatime - proc proc " + tt.super + "\n"
			if err := os.WriteFile(filepath.Join(fs.Root, "self", "mountinfo"), []byte(mi), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := TimeLockSampler{Runner: &scripted{out: out}, Procfs: fs}.Apps(context.Background(), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	if (Procfs{}).HidesProcesses() {
		t.Log("this host's /proc hides other users' processes")
	}
}
