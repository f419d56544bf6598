package inventory

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/job"
)

// testMachine is a 16-core, 31.2GiB machine with two NVIDIA GPUs and one
// AMD GPU (so index "0" is ambiguous).
func testMachine() Machine {
	return Machine{
		CPUModel: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", CPUCores: 16,
		Memory:    32715624 * 1024,
		DiskTotal: 1800 * gib, DiskFree: 400 * gib,
		GPUs: []GPU{
			{Index: 0, UUID: "GPU-abc", Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 * gib, Driver: "535.104.05"},
			{Index: 1, UUID: "GPU-def", Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 * gib, Driver: "535.104.05"},
			{Index: 0, UUID: "0x9a3c5e7f1b2d4068", Vendor: "amd", Model: "AMD Instinct MI300X", VRAM: 205822885888, Driver: "6.8.5"},
		},
	}
}

func TestCheckShare(t *testing.T) {
	has := "this machine has: 0 GPU-abc NVIDIA A100-SXM4-80GB 80GiB, 1 GPU-def NVIDIA A100-SXM4-80GB 80GiB, 0 0x9a3c5e7f1b2d4068 AMD Instinct MI300X 191.7GiB"
	tests := []struct {
		name    string
		machine Machine
		share   Share
		want    []string // the joined errors, one per line; nil means no error
	}{
		{name: "default share fits", machine: testMachine(), share: testMachine().DefaultShare()},
		{name: "everything fits", machine: testMachine(),
			share: Share{CPU: 16000, Memory: 32715624 * 1024, Disk: 400 * gib, GPUs: []string{"GPU-abc", "1", "0x9a3c5e7f1b2d4068"}}},
		{name: "too many cores", machine: testMachine(), share: Share{CPU: 64000},
			want: []string{"cpu: asked for 64 cores, this machine has 16"}},
		{name: "fractional cores", machine: testMachine(), share: Share{CPU: 16500},
			want: []string{"cpu: asked for 16.5 cores, this machine has 16"}},
		{name: "too much memory", machine: testMachine(), share: Share{Memory: 200 * gib},
			want: []string{"memory: asked for 200GiB, this machine has 31.2GiB"}},
		{name: "too much disk", machine: testMachine(), share: Share{Disk: 2 << 40},
			want: []string{"disk: asked for 2TiB, this machine has 400GiB free (of 1.8TiB)"}},
		{name: "unknown GPU", machine: testMachine(), share: Share{GPUs: []string{"GPU-xyz"}},
			want: []string{`gpu "GPU-xyz": no such GPU (` + has + ")"}},
		{name: "unknown index", machine: testMachine(), share: Share{GPUs: []string{"7"}},
			want: []string{`gpu "7": no such GPU (` + has + ")"}},
		{name: "ambiguous index", machine: testMachine(), share: Share{GPUs: []string{"0"}},
			want: []string{`gpu "0": index is ambiguous, name one by UUID (0 GPU-abc NVIDIA A100-SXM4-80GB 80GiB, 0 0x9a3c5e7f1b2d4068 AMD Instinct MI300X 191.7GiB)`}},
		{name: "same GPU twice", machine: testMachine(), share: Share{GPUs: []string{"GPU-def", "1"}},
			want: []string{`gpu "1": listed twice (as "GPU-def" and "1")`}},
		{name: "GPU on a machine without any", machine: Machine{CPUCores: 2, Memory: gib}, share: Share{GPUs: []string{"0"}},
			want: []string{`gpu "0": no such GPU (this machine has none)`}},
		{name: "negative", machine: testMachine(), share: Share{CPU: -500, Memory: -1, Disk: -2048},
			want: []string{"cpu: -0.5 cores is negative", "memory: -1B is negative", "disk: -2KiB is negative"}},
		{name: "all problems together", machine: testMachine(),
			share: Share{CPU: 64000, Memory: 200 * gib, Disk: 100 * gib, GPUs: []string{"GPU-abc", "GPU-xyz"}},
			want: []string{
				"cpu: asked for 64 cores, this machine has 16",
				"memory: asked for 200GiB, this machine has 31.2GiB",
				`gpu "GPU-xyz": no such GPU (` + has + ")",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.machine.CheckShare(tc.share)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, tc.want) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestDefaultShare(t *testing.T) {
	tests := []struct {
		name    string
		machine Machine
		want    Share
	}{
		{name: "big machine", machine: testMachine(), want: Share{
			CPU: 15000, Memory: 32715624 * 1024 / 4 * 3, Disk: 200 * gib,
			GPUs: []string{"GPU-abc", "GPU-def", "0x9a3c5e7f1b2d4068"}}},
		{name: "one core keeps its core", machine: Machine{CPUCores: 1, Memory: 4 * gib, DiskFree: 10 * gib},
			want: Share{CPU: 1000, Memory: 3 * gib, Disk: 5 * gib}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.machine.DefaultShare()
			if got.CPU != tc.want.CPU || got.Memory != tc.want.Memory || got.Disk != tc.want.Disk || !slices.Equal(got.GPUs, tc.want.GPUs) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if err := tc.machine.CheckShare(got); err != nil {
				t.Errorf("default share does not pass CheckShare: %v", err)
			}
		})
	}
}

func TestShareResources(t *testing.T) {
	m := testMachine()
	res, gpus := m.ShareResources(Share{CPU: 8000, Memory: 16 * gib, Disk: 100 * gib,
		GPUs: []string{"0x9a3c5e7f1b2d4068", "GPU-xyz", "1", "GPU-def"}})
	want := job.Resources{CPU: 8000, Memory: 16 * gib, Disk: 100 * gib, GPUs: 2}
	if !res.Equal(want) {
		t.Errorf("resources %+v, want %+v", res, want)
	}
	// Machine order, unknown names dropped, duplicates once.
	if !slices.Equal(gpus, []GPU{m.GPUs[1], m.GPUs[2]}) {
		t.Errorf("gpus %v", gpus)
	}
}

// TestJSONFieldNames checks the camelCase field names and that Machine and
// Share survive a round trip (the value encoding is job's business).
func TestJSONFieldNames(t *testing.T) {
	tests := []struct {
		name     string
		value    any
		wantKeys []string
	}{
		{name: "machine", value: testMachine(), wantKeys: []string{"cpuCores", "cpuModel", "diskFree", "diskTotal", "gpus", "memory"}},
		{name: "gpu", value: testMachine().GPUs[0], wantKeys: []string{"driver", "index", "model", "uuid", "vendor", "vram"}},
		{name: "share", value: Share{CPU: 1500, Memory: gib, GPUs: []string{"0"}}, wantKeys: []string{"cpu", "disk", "gpus", "memory"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			var fields map[string]any
			if err := json.Unmarshal(b, &fields); err != nil {
				t.Fatal(err)
			}
			if keys := slices.Sorted(maps.Keys(fields)); !slices.Equal(keys, tc.wantKeys) {
				t.Errorf("keys %q, want %q", keys, tc.wantKeys)
			}
			back := reflect.New(reflect.TypeOf(tc.value))
			if err := json.Unmarshal(b, back.Interface()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.Elem().Interface(), tc.value) {
				t.Errorf("round trip of %s: got %+v, want %+v", b, back.Elem().Interface(), tc.value)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		name string
		in   job.ByteSize
		want string
	}{
		{name: "zero", in: 0, want: "0B"},
		{name: "bytes", in: 1023, want: "1023B"},
		{name: "kibibyte", in: 1024, want: "1KiB"},
		{name: "fraction", in: 1536, want: "1.5KiB"},
		{name: "meminfo", in: 32715624 * 1024, want: "31.2GiB"},
		{name: "a100", in: 81920 * mib, want: "80GiB"},
		{name: "tebibytes", in: 3 << 40, want: "3TiB"},
		{name: "negative", in: -1536, want: "-1.5KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatBytes(tc.in); got != tc.want {
				t.Errorf("formatBytes(%d) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCheckShareErrorsAreSeparate(t *testing.T) {
	err := testMachine().CheckShare(Share{CPU: 64000, Memory: 200 * gib})
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 2 {
		t.Fatalf("want two joined errors, got %v", err)
	}
}
