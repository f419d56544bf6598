package docker

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
)

func baseTask() exec.Task {
	return exec.Task{
		JobID:       "job-1",
		ExecutionID: "exe-1",
		TaskIndex:   2,
		Spec: job.Spec{
			Image:   "deco-busybox:latest",
			Command: []string{"sh", "-c", "echo hi"},
			Env:     map[string]string{"B": "2", "A": "1"},
			Resources: job.Resources{
				CPU:    1500,
				Memory: 256 << 20,
			},
		},
	}
}

func baseOptions() sandboxOptions {
	return sandboxOptions{pidsLimit: 100, tmpSize: 32 << 20}
}

func TestContainerConfigSandbox(t *testing.T) {
	cfg, host, err := containerConfig(baseTask(), baseOptions())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Image != "deco-busybox:latest" {
		t.Errorf("image = %q", cfg.Image)
	}
	if !slices.Equal(cfg.Cmd, []string{"sh", "-c", "echo hi"}) {
		t.Errorf("cmd = %q", cfg.Cmd)
	}
	if !slices.Equal(cfg.Env, []string{"A=1", "B=2"}) {
		t.Errorf("env = %q, want sorted A=1 B=2", cfg.Env)
	}
	if cfg.Tty {
		t.Error("tty must be off so that stdout and stderr are multiplexed")
	}
	if got := host.NanoCPUs; got != 1_500_000_000 {
		t.Errorf("NanoCPUs = %d, want 1.5e9", got)
	}
	if host.Memory != 256<<20 || host.MemorySwap != 256<<20 {
		t.Errorf("memory = %d swap = %d, want both 256MiB (no swap)", host.Memory, host.MemorySwap)
	}
	if host.PidsLimit == nil || *host.PidsLimit != 100 {
		t.Errorf("PidsLimit = %v, want 100", host.PidsLimit)
	}
	if !slices.Equal(host.CapDrop, []string{"ALL"}) {
		t.Errorf("CapDrop = %q", host.CapDrop)
	}
	if len(host.CapAdd) != 0 {
		t.Errorf("CapAdd = %q, want none", host.CapAdd)
	}
	if !slices.Contains(host.SecurityOpt, "no-new-privileges") {
		t.Errorf("SecurityOpt = %q, want no-new-privileges", host.SecurityOpt)
	}
	if host.Privileged {
		t.Error("privileged")
	}
	if !host.ReadonlyRootfs {
		t.Error("root file system is writable")
	}
	if got := host.Tmpfs["/tmp"]; got != "rw,nosuid,nodev,size="+strconv.Itoa(32<<20) {
		t.Errorf("tmpfs /tmp = %q", got)
	}
	if host.ShmSize != 32<<20 {
		t.Errorf("ShmSize = %d, want the tmp size", host.ShmSize)
	}
	if host.LogConfig.Type != "json-file" || host.LogConfig.Config["max-size"] == "" || host.LogConfig.Config["max-file"] == "" {
		t.Errorf("LogConfig = %+v, want a capped json-file", host.LogConfig)
	}
	if host.NetworkMode != "none" {
		t.Errorf("network = %q, want none", host.NetworkMode)
	}
	if len(host.Mounts) != 0 || len(host.Binds) != 0 {
		t.Errorf("mounts = %v binds = %v, want none", host.Mounts, host.Binds)
	}
	if len(host.DeviceRequests) != 0 || len(host.Devices) != 0 {
		t.Errorf("devices without GPUs: %v %v", host.DeviceRequests, host.Devices)
	}
	if host.AutoRemove {
		t.Error("auto remove would lose the exit status")
	}
}

// TestContainerConfigScratchSizes: /tmp, /dev/shm and the image's VOLUMEs
// are tmpfs no larger than the task's memory; the task's own mounts are
// not covered.
func TestContainerConfigScratchSizes(t *testing.T) {
	task := baseTask()
	task.Spec.Resources.Memory = 8 << 20
	o := baseOptions()
	o.volumes = []string{"/data", "/var/cache/", "/tmp", "/outputs", "relative"}
	_, host, err := containerConfig(task, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "rw,nosuid,nodev,size=" + strconv.Itoa(8<<20)
	if len(host.Tmpfs) != 3 || host.Tmpfs["/tmp"] != want || host.Tmpfs["/data"] != want || host.Tmpfs["/var/cache"] != want {
		t.Errorf("tmpfs = %v, want /tmp, /data and /var/cache at %q", host.Tmpfs, want)
	}
	if host.ShmSize != 8<<20 {
		t.Errorf("ShmSize = %d, want the task's memory", host.ShmSize)
	}
}

func TestContainerConfigCommandDefault(t *testing.T) {
	task := baseTask()
	task.Spec.Command = nil
	cfg, _, err := containerConfig(task, baseOptions())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cmd != nil {
		t.Errorf("cmd = %q, want nil (image default)", cfg.Cmd)
	}
}

func TestContainerConfigLabels(t *testing.T) {
	deadline := time.Unix(1700000000, 123456789)
	tests := []struct {
		name string
		opts sandboxOptions
		want map[string]string
	}{
		{
			name: "no timeout",
			opts: baseOptions(),
			want: map[string]string{LabelJob: "job-1", LabelExecution: "exe-1", LabelTask: "2"},
		},
		{
			name: "deadline",
			opts: sandboxOptions{pidsLimit: 1, tmpSize: 1, deadline: deadline},
			want: map[string]string{LabelJob: "job-1", LabelExecution: "exe-1", LabelTask: "2",
				LabelDeadline: "1700000000123456789"},
		},
		{
			name: "node",
			opts: sandboxOptions{pidsLimit: 1, tmpSize: 1, nodeID: "node-a"},
			want: map[string]string{LabelJob: "job-1", LabelExecution: "exe-1", LabelTask: "2",
				LabelNode: "node-a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _, err := containerConfig(baseTask(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Labels) != len(tt.want) {
				t.Errorf("labels = %v, want %v", cfg.Labels, tt.want)
			}
			for k, v := range tt.want {
				if cfg.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, cfg.Labels[k], v)
				}
			}
			if got := labelDeadline(cfg); !got.Equal(tt.opts.deadline) {
				t.Errorf("labelDeadline = %v, want %v", got, tt.opts.deadline)
			}
		})
	}
}

func TestContainerConfigNetwork(t *testing.T) {
	tests := []struct {
		name    string
		network bool
		want    container.NetworkMode
	}{
		{name: "disabled", network: false, want: "none"},
		{name: "allowed", network: true, want: "bridge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := baseTask()
			task.Network = tt.network
			_, host, err := containerConfig(task, baseOptions())
			if err != nil {
				t.Fatal(err)
			}
			if host.NetworkMode != tt.want {
				t.Errorf("network = %q, want %q", host.NetworkMode, tt.want)
			}
		})
	}
}

func TestContainerConfigMounts(t *testing.T) {
	task := baseTask()
	task.OutputsDir = "/var/lib/deco/out/exe-1"
	task.InputsDir = "/var/lib/deco/in/exe-1"
	_, host, err := containerConfig(task, baseOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := []mount.Mount{
		{Type: mount.TypeBind, Source: "/var/lib/deco/out/exe-1", Target: "/outputs"},
		{Type: mount.TypeBind, Source: "/var/lib/deco/in/exe-1", Target: "/inputs", ReadOnly: true},
	}
	if len(host.Mounts) != len(want) {
		t.Fatalf("mounts = %+v, want %+v", host.Mounts, want)
	}
	for i := range want {
		m := host.Mounts[i]
		if m.Type != want[i].Type || m.Source != want[i].Source || m.Target != want[i].Target || m.ReadOnly != want[i].ReadOnly {
			t.Errorf("mount %d = %+v, want %+v", i, m, want[i])
		}
	}
}

func TestContainerConfigGPUs(t *testing.T) {
	t.Run("nvidia", func(t *testing.T) {
		task := baseTask()
		task.GPUVendor = "nvidia"
		task.GPUIDs = []string{"GPU-1111", "GPU-2222"}
		_, host, err := containerConfig(task, baseOptions())
		if err != nil {
			t.Fatal(err)
		}
		if len(host.DeviceRequests) != 1 {
			t.Fatalf("device requests = %+v", host.DeviceRequests)
		}
		dr := host.DeviceRequests[0]
		if dr.Driver != "nvidia" || !slices.Equal(dr.DeviceIDs, []string{"GPU-1111", "GPU-2222"}) ||
			dr.Count != 0 || len(dr.Capabilities) != 1 || !slices.Equal(dr.Capabilities[0], []string{"gpu"}) {
			t.Errorf("device request = %+v", dr)
		}
		if len(host.Devices) != 0 {
			t.Errorf("devices = %+v, want none", host.Devices)
		}
	})
	t.Run("amd", func(t *testing.T) {
		task := baseTask()
		task.GPUVendor = "amd"
		task.GPUIDs = []string{"0", "1"}
		cfg, host, err := containerConfig(task, baseOptions())
		if err != nil {
			t.Fatal(err)
		}
		want := []container.DeviceMapping{
			{PathOnHost: "/dev/kfd", PathInContainer: "/dev/kfd", CgroupPermissions: "rwm"},
			{PathOnHost: "/dev/dri", PathInContainer: "/dev/dri", CgroupPermissions: "rwm"},
		}
		if !slices.Equal(host.Devices, want) {
			t.Errorf("devices = %+v, want %+v", host.Devices, want)
		}
		if !slices.Equal(host.GroupAdd, []string{"video"}) {
			t.Errorf("group add = %q", host.GroupAdd)
		}
		if !slices.Contains(cfg.Env, "ROCR_VISIBLE_DEVICES=0,1") {
			t.Errorf("env = %q, want ROCR_VISIBLE_DEVICES=0,1", cfg.Env)
		}
		if len(host.DeviceRequests) != 0 {
			t.Errorf("device requests = %+v, want none", host.DeviceRequests)
		}
	})
}

func TestContainerConfigInvalid(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*exec.Task)
	}{
		{name: "no image", mutate: func(t *exec.Task) { t.Spec.Image = "" }},
		{name: "empty execution ID", mutate: func(t *exec.Task) { t.ExecutionID = "" }},
		{name: "execution ID with slash", mutate: func(t *exec.Task) { t.ExecutionID = "a/b" }},
		{name: "relative outputs", mutate: func(t *exec.Task) { t.OutputsDir = "out" }},
		{name: "relative inputs", mutate: func(t *exec.Task) { t.InputsDir = "in" }},
		{name: "negative memory", mutate: func(t *exec.Task) { t.Spec.Resources.Memory = -1 }},
		{name: "unknown GPU vendor", mutate: func(t *exec.Task) { t.GPUIDs = []string{"0"}; t.GPUVendor = "intel" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := baseTask()
			tt.mutate(&task)
			_, _, err := containerConfig(task, baseOptions())
			if !errors.Is(err, errInvalidTask) {
				t.Errorf("err = %v, want errInvalidTask", err)
			}
		})
	}
}

func TestResult(t *testing.T) {
	deadline := time.Date(2030, 1, 1, 0, 0, 10, 0, time.UTC)
	state := func(exit int, oom bool, finished time.Time) container.InspectResponse {
		return container.InspectResponse{State: &container.State{
			ExitCode:   exit,
			OOMKilled:  oom,
			StartedAt:  "2030-01-01T00:00:00.5Z",
			FinishedAt: finished.Format(time.RFC3339Nano),
		}}
	}
	before := deadline.Add(-5 * time.Second)
	after := deadline.Add(10 * time.Millisecond)
	tests := []struct {
		name     string
		c        container.InspectResponse
		deadline time.Time
		mem      run
		want     exec.Result
	}{
		{name: "exit 3", c: state(3, false, before), deadline: deadline, mem: run{started: true},
			want: exec.Result{ExitCode: 3}},
		{name: "timed out here", c: state(137, false, after), deadline: deadline, mem: run{started: true, timedOut: true},
			want: exec.Result{ExitCode: 137, TimedOut: true}},
		{name: "timed out by an earlier instance", c: state(137, false, after), deadline: deadline,
			want: exec.Result{ExitCode: 137, TimedOut: true}},
		{name: "killed here", c: state(137, false, before), deadline: deadline, mem: run{started: true, killed: true},
			want: exec.Result{ExitCode: 137, Killed: true}},
		{name: "killed by an earlier instance", c: state(137, false, before), deadline: deadline,
			want: exec.Result{ExitCode: 137, Killed: true}},
		{name: "sigkill from inside", c: state(137, false, before), deadline: deadline, mem: run{started: true},
			want: exec.Result{ExitCode: 137}},
		{name: "oom", c: state(137, true, after), deadline: deadline, mem: run{started: true},
			want: exec.Result{ExitCode: 137, OOMKilled: true}},
		{name: "no deadline", c: state(137, false, after), mem: run{started: true, killed: true},
			want: exec.Result{ExitCode: 137, Killed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := result(tt.c, tt.deadline, tt.mem)
			if got.StartedAt.IsZero() || got.FinishedAt.IsZero() {
				t.Errorf("times not parsed: %+v", got)
			}
			got.StartedAt, got.FinishedAt = time.Time{}, time.Time{}
			if got != tt.want {
				t.Errorf("result = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResultStartClamped(t *testing.T) {
	got := result(container.InspectResponse{State: &container.State{
		StartedAt: "2030-01-01T00:00:00.5Z", FinishedAt: "2030-01-01T00:00:00.4Z",
	}}, time.Time{}, run{started: true})
	want := time.Date(2030, 1, 1, 0, 0, 0, 4e8, time.UTC)
	if !got.StartedAt.Equal(want) || !got.FinishedAt.Equal(want) {
		t.Errorf("started %v finished %v, want both %v", got.StartedAt, got.FinishedAt, want)
	}
}

func TestResultNeverStarted(t *testing.T) {
	got := result(container.InspectResponse{State: &container.State{
		StartedAt: "0001-01-01T00:00:00Z", FinishedAt: "0001-01-01T00:00:00Z",
	}}, time.Time{}, run{})
	if got.Error == "" || !got.StartedAt.IsZero() {
		t.Errorf("result = %+v, want an error and no start time", got)
	}
}

func TestNewUnreachable(t *testing.T) {
	sock := "unix://" + t.TempDir() + "/docker.sock"
	_, err := New(t.Context(), Config{Host: sock})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("New = %v, want ErrUnavailable", err)
	}
	for _, want := range []string{"docker engine not reachable at " + sock, "start it with: sudo systemctl start docker, or dockerd &"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

type attachFunc func(context.Context, string) error

func (f attachFunc) Attach(ctx context.Context, ns string) error { return f(ctx, ns) }

func TestContainerConfigLinkedTaskStartsBehindItsGate(t *testing.T) {
	tk := baseTask()
	tk.Links = attachFunc(func(context.Context, string) error { return nil })
	tk.Hosts = map[string]string{"task-1": "100.64.0.2", "task-0": "100.64.0.1"}
	o := baseOptions()
	if _, _, err := containerConfig(tk, o); !errors.Is(err, exec.ErrNoLinks) {
		t.Fatalf("no init binary: %v", err)
	}
	o.init, o.gate = "/usr/bin/deco", "/tmp/gate-1"
	o.entrypoint, o.cmd = []string{"/entry"}, []string{"default"}
	cfg, host, err := containerConfig(tk, o)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{initPath, "task-init", gatePath + "/open", "--"}; !slices.Equal(cfg.Entrypoint, want) {
		t.Errorf("entrypoint %q, want %q", cfg.Entrypoint, want)
	}
	if want := []string{"/entry", "sh", "-c", "echo hi"}; !slices.Equal(cfg.Cmd, want) {
		t.Errorf("cmd %q, want the image's entrypoint then the spec's command %q", cfg.Cmd, want)
	}
	var init, gate bool
	for _, m := range host.Mounts {
		init = init || m == mount.Mount{Type: mount.TypeBind, Source: "/usr/bin/deco", Target: initPath, ReadOnly: true}
		gate = gate || m == mount.Mount{Type: mount.TypeBind, Source: "/tmp/gate-1", Target: gatePath, ReadOnly: true}
	}
	if !init || !gate {
		t.Errorf("mounts %+v lack the read-only init and gate", host.Mounts)
	}
	if want := []string{"task-0:100.64.0.1", "task-1:100.64.0.2"}; !slices.Equal(host.ExtraHosts, want) {
		t.Errorf("hosts %q, want %q", host.ExtraHosts, want)
	}
	if host.NetworkMode != "none" || !slices.Equal(host.CapDrop, []string{"ALL"}) {
		t.Errorf("a linked task keeps the sandbox: network %q caps %q", host.NetworkMode, host.CapDrop)
	}

	tk.Spec.Command = nil
	if cfg, _, _ = containerConfig(tk, o); !slices.Equal(cfg.Cmd, []string{"/entry", "default"}) {
		t.Errorf("without a spec command: %q", cfg.Cmd)
	}
	o.entrypoint, o.cmd = nil, nil
	if _, _, err = containerConfig(tk, o); err == nil || !strings.Contains(err.Error(), "has no command") {
		t.Errorf("no command at all: %v", err)
	}
}
