package telemetry

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseNvidiaUse(t *testing.T) {
	tests := []struct {
		file    string
		want    []GPUReading
		wantErr string
	}{
		{file: "a100x3.txt", want: []GPUReading{
			{UUID: "GPU-a1000000-3b4c-5d6e-7f80-91a2b3c4d5e0", Utilization: 97, Memory: 61234 << 20},
			{UUID: "GPU-a1000001-3b4c-5d6e-7f80-91a2b3c4d5e1", Utilization: 0, Memory: 4 << 20},
			{UUID: "GPU-a1000002-3b4c-5d6e-7f80-91a2b3c4d5e2", Utilization: 45, Memory: 30001 << 20},
		}},
		{file: "mig.txt", want: []GPUReading{{UUID: "MIG-5c4f2a0e-9b7d-5b1e-a3c2-0d9e8f7a6b50", Memory: 9823 << 20}}},
		{file: "notsupported.txt", want: []GPUReading{{UUID: "GPU-a1000000-3b4c-5d6e-7f80-91a2b3c4d5e0"}}},
		{file: "units.txt", wantErr: "line 1"},
		{file: "short.txt", wantErr: "want 3 comma-separated fields"},
		{file: "failing-nvml.txt", wantErr: "want 3 comma-separated fields"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			checkParse(t, filepath.Join("testdata", "nvidia-smi-use", tt.file), ParseNvidiaUse, tt.want, tt.wantErr)
		})
	}
}

// recordedRunner answers nvidia-smi with a recorded output file.
type recordedRunner struct {
	file string
	args []string
}

func (r *recordedRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	if name != "nvidia-smi" {
		return nil, errors.New("unexpected program " + name)
	}
	r.args = args
	return os.ReadFile(filepath.Join("testdata", "nvidia-smi-use", r.file))
}

func TestNvidiaSamplerNamesTheGPUs(t *testing.T) {
	r := &recordedRunner{file: "a100x3.txt"}
	got, err := NvidiaSampler{Runner: r}.Sample(context.Background(), []string{"GPU-a", "GPU-b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d readings, want 3", len(got))
	}
	want := []string{"--query-gpu=uuid,utilization.gpu,memory.used", "--format=csv,noheader,nounits", "--id=GPU-a,GPU-b"}
	if !reflect.DeepEqual(r.args, want) {
		t.Fatalf("args = %q, want %q", r.args, want)
	}
	if _, err := (NvidiaSampler{Runner: r}).Sample(context.Background(), nil); err != nil || len(r.args) != 2 {
		t.Fatalf("all GPUs: args %q, err %v; want no --id", r.args, err)
	}
}

func FuzzParseNvidiaUse(f *testing.F) {
	for _, name := range []string{"a100x3.txt", "mig.txt", "units.txt", "notsupported.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", "nvidia-smi-use", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		gpus, err := ParseNvidiaUse(b)
		if err != nil {
			return
		}
		for _, g := range gpus {
			if g.Utilization < 0 || g.Utilization > 100 {
				t.Fatalf("utilisation %v out of range", g.Utilization)
			}
		}
	})
}
