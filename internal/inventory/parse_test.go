package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deco-network/deco/internal/job"
)

const (
	mib = job.ByteSize(1) << 20
	gib = job.ByteSize(1) << 30
)

type parseCase struct {
	file    string
	want    []GPU  // checked when wantErr is empty
	wantErr string // substring of the error
}

func a100x8() []GPU {
	var gpus []GPU
	for i := range 8 {
		gpus = append(gpus, GPU{
			Index: i, UUID: fmt.Sprintf("GPU-a1%06d-3b4c-5d6e-7f80-91a2b3c4d5e%d", i, i),
			Vendor: VendorNVIDIA, Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 * gib, Driver: "535.104.05",
		})
	}
	return gpus
}

var nvidiaCases = []parseCase{
	{file: "one.txt", want: []GPU{{Index: 0, UUID: "GPU-5c3e8c4a-7c5f-0d2e-5f3b-2b1f0e6d9a11", Vendor: "nvidia",
		Model: "NVIDIA GeForce RTX 4090", VRAM: 24564 * mib, Driver: "550.54.15"}}},
	{file: "a100x8.txt", want: a100x8()},
	{file: "mixed.txt", want: []GPU{
		{Index: 0, UUID: "GPU-0f9e8d7c-6b5a-4938-2716-05f4e3d2c1b0", Vendor: "nvidia", Model: "NVIDIA RTX A6000", VRAM: 49140 * mib, Driver: "545.23.08"},
		{Index: 1, UUID: "GPU-1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d", Vendor: "nvidia", Model: "NVIDIA GeForce RTX 3090", VRAM: 24 * gib, Driver: "545.23.08"},
		{Index: 2, UUID: "GPU-2b3c4d5e-6f70-4b9c-8d1e-2f3a4b5c6d7e", Vendor: "nvidia", Model: "Tesla T4", VRAM: 15 * gib, Driver: "545.23.08"},
	}},
	{file: "failing.txt", wantErr: `line 1 "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.`},
	{file: "failing-nvml.txt", wantErr: `line 1 "Failed to initialize NVML: Driver/library version mismatch": want 5 comma-separated fields`},
	{file: "garbage-units.txt", wantErr: `line 1 "0, GPU-2b3c4d5e-6f70-4b9c-8d1e-2f3a4b5c6d7e, Tesla T4, 15360 MiB, 535.129.03": memory.total "15360 MiB" is not a number of MiB`},
	{file: "garbage-fields.txt", wantErr: `line 2 "1, GPU-1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d, NVIDIA GeForce RTX 3090": want 5 comma-separated fields (index, uuid, name, memory.total, driver_version), got 3`},
	{file: "garbage-text.txt", wantErr: `line 1 "+----`},
}

func mi300x(i int, uid string) GPU {
	return GPU{Index: i, UUID: uid, Vendor: "amd", Model: "AMD Instinct MI300X", VRAM: 205822885888, Driver: "6.8.5"}
}

var rocmCases = []parseCase{
	{file: "one-mi210-rocm5.json", want: []GPU{{Index: 0, UUID: "0x2f6c1a9e04b3d857", Vendor: "amd",
		Model: "Aldebaran/MI200 [Instinct MI210]", VRAM: 68702699520, Driver: "6.1.5"}}},
	{file: "mi300x-x4-rocm62.json", want: []GPU{
		mi300x(0, "0x9a3c5e7f1b2d4068"), mi300x(1, "0x1c8e2a4f6b0d3957"),
		mi300x(2, "0x7d2f4b6a8c0e1395"), mi300x(3, "0x3e9b1d5f7a2c4860"),
	}},
	{file: "mixed-no-unique-id-rocm61.json", want: []GPU{
		{Index: 0, UUID: "amd-card0", Vendor: "amd", Model: "Navi 31 [Radeon RX 7900 XT/7900 XTX/7900 GRE/7900M]", VRAM: 25753026560, Driver: "6.10.5"},
		{Index: 1, UUID: "amd-card1", Vendor: "amd", Model: "Raphael", VRAM: 512 * mib, Driver: "6.10.5"},
	}},
	{file: "no-cards.json", want: nil},
	{file: "failing-no-driver.txt", wantErr: `no JSON object in output "ERROR:root:Driver not initialized (amdgpu not found in modules)"`},
	{file: "failing-usage.txt", wantErr: `no JSON object in output "usage: rocm-smi`},
	{file: "garbage-truncated.json", wantErr: "line 10: unexpected EOF"},
	{file: "garbage-vram.json", wantErr: `"card0": "VRAM Total Memory (B)" is "64 GB", not a number of bytes`},
	{file: "garbage-no-vram.json", wantErr: `"card0": no "VRAM Total Memory (B)" (run with --showmeminfo vram)`},
}

func TestParseNvidiaSMI(t *testing.T) {
	runParseCases(t, "nvidia-smi", nvidiaCases, ParseNvidiaSMI)
}

func TestParseROCmSMI(t *testing.T) {
	runParseCases(t, "rocm-smi", rocmCases, ParseROCmSMI)
}

func runParseCases(t *testing.T, dir string, cases []parseCase, parse func([]byte) ([]GPU, error)) {
	t.Helper()
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parse(data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d GPUs, want %d:\n%#v", len(got), len(tc.want), got)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("gpu %d:\ngot  %#v\nwant %#v", i, got[i], tc.want[i])
				}
			}
		})
	}
	// Every recorded output must have a case.
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !covered[e.Name()] {
			t.Errorf("testdata/%s/%s has no test case", dir, e.Name())
		}
	}
}

func TestParseNvidiaSMIEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{name: "empty", in: "", want: 0},
		{name: "blank lines between", in: "\n0, GPU-a, T4, 15360, 1\n\n1, GPU-b, T4, 15360, 1\n", want: 2},
		{name: "memory not available", in: "0, GPU-a, NVIDIA GH200 480GB, [N/A], 550.54.15\n", want: 1},
		{name: "negative index", in: "-1, GPU-a, T4, 15360, 1\n", wantErr: `line 1 "-1, GPU-a, T4, 15360, 1": index "-1" is not a device number`},
		{name: "uuid without prefix", in: "0, 1234, T4, 15360, 1\n", wantErr: `uuid "1234" does not start with GPU-`},
		{name: "empty name", in: "0, GPU-a, , 15360, 1\n", wantErr: "empty name"},
		{name: "line too long is shortened", in: strings.Repeat("x", 500), wantErr: strings.Repeat("x", 120) + `..."`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseNvidiaSMI([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(got) != tc.want {
				t.Fatalf("got %d GPUs, err %v; want %d", len(got), err, tc.want)
			}
		})
	}
}

func TestParseROCmSMIEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []GPU
		wantErr string
	}{
		{name: "warning line before JSON", in: "WARNING: unlocked monitor_devices lock\n{\"card3\": {\"Card series\": \"X\", \"VRAM Total Memory (B)\": \"1024\"}}",
			want: []GPU{{Index: 3, UUID: "amd-card3", Vendor: "amd", Model: "X", VRAM: 1024}}},
		{name: "cards sorted by number", in: `{"card10": {"Card series": "B", "VRAM Total Memory (B)": "1"}, "card2": {"Card series": "A", "VRAM Total Memory (B)": "2"}}`,
			want: []GPU{{Index: 2, UUID: "amd-card2", Vendor: "amd", Model: "A", VRAM: 2}, {Index: 10, UUID: "amd-card10", Vendor: "amd", Model: "B", VRAM: 1}}},
		{name: "numeric VRAM", in: `{"card0": {"Card Series": "A", "VRAM Total Memory (B)": 2048}}`,
			want: []GPU{{Index: 0, UUID: "amd-card0", Vendor: "amd", Model: "A", VRAM: 2048}}},
		{name: "text glued before JSON", in: `oops{"card0": {}}`, wantErr: `line 1: unexpected text before JSON: "oops"`},
		{name: "text after JSON", in: "{}\ntrailing words", wantErr: `unexpected text after JSON: "trailing words"`},
		{name: "card not an object", in: `{"card0": "gone"}`, wantErr: `"card0": not a JSON object of fields`},
		{name: "no product name", in: `{"card0": {"VRAM Total Memory (B)": "1"}}`, wantErr: `"card0": no "Card series" (run with --showproductname)`},
		{name: "syntax error line", in: "{\n\"card0\": {\n\"Card series\": \"A\",,\n}}", wantErr: "line 3: invalid character ','"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseROCmSMI([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
}
