package inventory

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestExecRunner runs real programs through the real runner.
func TestExecRunner(t *testing.T) {
	tests := []struct {
		name       string
		runner     ExecRunner
		cmd        []string
		wantOut    string
		wantErr    string // substring; empty means success
		wantMiss   bool
		wantToolEr bool
	}{
		{name: "success", cmd: []string{"sh", "-c", "echo 0, GPU-a; echo noise >&2"}, wantOut: "0, GPU-a\n"},
		{name: "missing program", cmd: []string{"deco-no-such-tool-9f2c"}, wantErr: "deco-no-such-tool-9f2c: tool not installed", wantMiss: true},
		{name: "missing path", cmd: []string{"/nonexistent/bin/nvidia-smi"}, wantErr: "tool not installed", wantMiss: true},
		{name: "non-zero exit reports stderr", cmd: []string{"sh", "-c", "echo partial; echo 'it broke' >&2; exit 3"},
			wantOut: "partial\n", wantErr: "sh: exit status 3: it broke", wantToolEr: true},
		{name: "non-zero exit reports stdout when stderr is empty",
			cmd:     []string{"sh", "-c", "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"; exit 9"},
			wantOut: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n",
			wantErr: "sh: exit status 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", wantToolEr: true},
		{name: "exit 0 with only an error is a failure",
			cmd:     []string{"sh", "-c", "echo 'ERROR:root:Driver not initialized (amdgpu not found in modules)' >&2"},
			wantErr: "sh: no output: ERROR:root:Driver not initialized (amdgpu not found in modules)", wantToolEr: true},
		{name: "exit 0 with no output at all is an empty answer", cmd: []string{"true"}},
		{name: "timeout", runner: ExecRunner{Timeout: 200 * time.Millisecond}, cmd: []string{"sleep", "30"},
			wantErr: "context deadline exceeded (after 200ms)", wantToolEr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			out, err := tc.runner.Run(context.Background(), tc.cmd[0], tc.cmd[1:]...)
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if string(out) != tc.wantOut {
				t.Errorf("output %q, want %q", out, tc.wantOut)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
			}
			if errors.Is(err, ErrToolMissing) != tc.wantMiss {
				t.Errorf("errors.Is(ErrToolMissing) = %v", !tc.wantMiss)
			}
			var te *ToolError
			if errors.As(err, &te) != tc.wantToolEr {
				t.Errorf("errors.As(*ToolError) = %v", !tc.wantToolEr)
			}
		})
	}
}

func TestExecRunnerCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ExecRunner{}.Run(ctx, "sleep", "30")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}
