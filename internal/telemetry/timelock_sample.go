package telemetry

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deco-network/deco/internal/inventory"
)

// ComputeAppsQuery is the nvidia-smi query whose output ParseComputeApps
// reads (with its header, and units on the memory column):
//
//	nvidia-smi --query-compute-apps=pid,used_memory,gpu_uuid --format=csv
//
// one line per process with a CUDA context on a GPU.
var ComputeAppsQuery = []string{"--query-compute-apps=pid,used_memory,gpu_uuid", "--format=csv"}

// GPUApp is one line of the compute-apps query: a process using a GPU.
type GPUApp struct {
	PID uint32
	// Memory is the GPU memory it uses, in bytes (zero where nvidia-smi
	// cannot tell, as on MIG devices or under WDDM).
	Memory uint64
	// GPU is the UUID of the GPU.
	GPU string
}

// ParseComputeApps parses the output of ComputeAppsQuery: a header line,
// then "pid, used_memory MiB, gpu_uuid" per process ("No running processes
// found" prints the header alone). A memory of "[N/A]" reads as zero.
func ParseComputeApps(out []byte) ([]GPUApp, error) {
	rows, err := inventory.ReadNvidiaCSV(out, 3, "pid, used_gpu_memory [MiB], gpu_uuid", true)
	if err != nil {
		return nil, err
	}
	apps := make([]GPUApp, 0, len(rows))
	for _, r := range rows {
		f := r.Fields
		pid, err := strconv.ParseUint(f[0], 10, 32)
		if err != nil || pid == 0 {
			return nil, fmt.Errorf("line %d: pid %q is not a process ID", r.Line, f[0])
		}
		a := GPUApp{PID: uint32(pid), GPU: f[2]}
		if !inventory.NvidiaUnavailable(f[1]) {
			mib, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(f[1], "MiB")), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: used_memory %q is not a number of MiB", r.Line, f[1])
			}
			a.Memory = mib << 20
		}
		if !strings.HasPrefix(a.GPU, "GPU-") && !strings.HasPrefix(a.GPU, "MIG-") {
			return nil, fmt.Errorf("line %d: gpu_uuid %q does not start with GPU- or MIG-", r.Line, a.GPU)
		}
		apps = append(apps, a)
	}
	return apps, nil
}

// Procfs reads the host's process table: which cgroup a process is in,
// and the host's CPU time. Root is the procfs mount ("/proc" when empty).
type Procfs struct {
	Root string
}

func (p Procfs) path(elem ...string) string {
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	return filepath.Join(append([]string{root}, elem...)...)
}

// ContainerOf names the container among containers (full engine IDs)
// that process pid runs in: the one whose ID appears in the process's
// cgroup path (cgroup v1 "/docker/<id>", v2 "/system.slice/docker-<id>.scope",
// nested cgroups below them included). Empty when it runs in none of
// them, or has ended.
func (p Procfs) ContainerOf(pid uint32, containers []string) string {
	c, _ := p.containerOf(pid, containers)
	return c
}

// containerOf is ContainerOf, and whether the process had ended (its
// cgroup file is gone).
func (p Procfs) containerOf(pid uint32, containers []string) (string, bool) {
	b, err := os.ReadFile(p.path(strconv.FormatUint(uint64(pid), 10), "cgroup"))
	if errors.Is(err, os.ErrNotExist) {
		return "", true
	}
	if err != nil {
		return "", false
	}
	for line := range strings.Lines(string(b)) {
		// hierarchy-ID:controllers:path
		_, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		_, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		for _, c := range containers {
			if len(c) >= 12 && strings.Contains(path, c) {
				return c, false
			}
		}
	}
	return "", false
}

// HostCPU is the CPU time every CPU of the host spent busy since boot
// (/proc/stat's first line: all but idle and iowait).
func (p Procfs) HostCPU() (time.Duration, error) {
	f, err := os.Open(p.path("stat"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, fmt.Errorf("read %s: empty", f.Name())
	}
	return parseProcStatCPU(sc.Bytes())
}

// userHZ is the unit of /proc/stat's times (USER_HZ, 100 on every Linux
// architecture deco runs on).
const userHZ = 100

// parseProcStatCPU reads the "cpu" line of /proc/stat.
func parseProcStatCPU(line []byte) (time.Duration, error) {
	f := bytes.Fields(line)
	if len(f) < 5 || string(f[0]) != "cpu" {
		return 0, fmt.Errorf("/proc/stat: want a cpu line, got %q", truncateBytes(line, 80))
	}
	var busy uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(string(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: field %d %q is not a number", i+1, v)
		}
		// user nice system idle iowait irq softirq steal guest guest_nice:
		// idle and iowait are not busy; guest time is counted in user already.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / userHZ, nil
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// TimeLockReading is one sample the time-lock takes of an execution.
type TimeLockReading struct {
	At time.Time
	// Apps are the processes on any GPU of the host (the compute-apps
	// query), each mapped to one of the execution's containers or not.
	Apps []Process
	// GPUs are the utilisation readings of the rented GPUs.
	GPUs []GPUReading
	// HostCPU is the host's cumulative busy CPU time; TaskCPU the
	// execution's (its cgroup's). Zero when unknown.
	HostCPU, TaskCPU time.Duration
}

// TimeLockSampler takes the time-lock's samples: nvidia-smi's compute
// apps mapped to the execution's containers through the host's procfs.
type TimeLockSampler struct {
	Runner Runner
	// NvidiaSMI is the nvidia-smi program and any arguments before the
	// query ("nvidia-smi" when empty): a provider may name another path,
	// and tests a stand-in script.
	NvidiaSMI []string
	Procfs    Procfs
}

// Apps runs the compute-apps query and maps each process to the one of
// containers it runs in (foreign: none).
func (s TimeLockSampler) Apps(ctx context.Context, containers []string) ([]Process, error) {
	cmd := s.NvidiaSMI
	if len(cmd) == 0 {
		cmd = []string{"nvidia-smi"}
	}
	out, err := s.Runner.Run(ctx, cmd[0], append(slices.Clone(cmd[1:]), ComputeAppsQuery...)...)
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi compute apps: %w", err)
	}
	apps, err := ParseComputeApps(out)
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi compute apps: %w", err)
	}
	procs := make([]Process, len(apps))
	gone := false
	for i, a := range apps {
		procs[i] = Process{PID: a.PID, GPU: a.GPU, Memory: a.Memory}
		procs[i].Container, procs[i].gone = s.Procfs.containerOf(a.PID, containers)
		gone = gone || procs[i].gone
	}
	if gone && s.Procfs.HidesProcesses() {
		// A process missing from /proc may be one it hides, not one that
		// ended: nothing can be told of it.
		return nil, ErrProcfsHidden
	}
	return procs, nil
}

// ErrProcfsHidden means the node's /proc hides other users' processes
// (hidepid, systemd's ProtectProc=invisible), so the time-lock cannot map
// GPU processes to containers.
var ErrProcfsHidden = errors.New("/proc hides other users' processes (hidepid, ProtectProc=invisible): the time-lock cannot tell the task's GPU processes from foreign ones (a GPU provider's unit sets ProtectProc=default: deploy/deco-gpu.conf)")

// HidesProcesses reports whether the procfs is mounted with hidepid set
// to hide other users' processes (the mount's options in
// /proc/self/mountinfo: hidepid=1, 2, noaccess or invisible).
func (p Procfs) HidesProcesses() bool {
	b, err := os.ReadFile(p.path("self", "mountinfo"))
	if err != nil {
		return false
	}
	root := p.Root
	if root == "" {
		root = "/proc"
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		// id parent major:minor root mountpoint options ... - fstype source superoptions
		if len(f) < 10 || f[4] != root {
			continue
		}
		for _, o := range strings.Split(f[len(f)-1], ",") {
			if v, ok := strings.CutPrefix(o, "hidepid="); ok && v != "0" && v != "off" {
				return true
			}
		}
	}
	return false
}

// Utilization reads the utilisation and memory of the GPUs named by
// uuids with the same nvidia-smi command (NvidiaQuery).
func (s TimeLockSampler) Utilization(ctx context.Context, uuids []string) ([]GPUReading, error) {
	cmd := s.NvidiaSMI
	if len(cmd) == 0 {
		cmd = []string{"nvidia-smi"}
	}
	return NvidiaSampler{Runner: s.Runner, Command: cmd}.Sample(ctx, uuids)
}

// Window gathers one execution's time-lock samples over an interval and
// closes it into an attestation. Not safe for concurrent use.
type Window struct {
	execution string
	devices   []string
	index     uint64
	start     time.Time
	samples   uint32
	maxUtil   map[string]uint32
	procs     []Process
	// hostFirst/taskFirst are the CPU readings at the interval's start
	// (the last reading of the interval before); *Last the latest.
	hostFirst, hostLast time.Duration
	taskFirst, taskLast time.Duration
	// task are the PIDs seen in the execution's containers, with their
	// container: one that has ended by the time its cgroup is read (the
	// task exiting) is still the task's. An ended PID never seen in them
	// is foreign.
	task map[uint32]string
}

// NewWindow opens interval index (1 for an execution's first) of an
// execution renting devices (GPU UUIDs), starting at start. The task's
// CPU time counts from zero, so its first interval holds all of it.
func NewWindow(execution string, devices []string, index uint64, start time.Time) *Window {
	return &Window{execution: execution, devices: slices.Clone(devices), index: max(index, 1), start: start, maxUtil: map[string]uint32{},
		task: map[uint32]string{}}
}

// Add folds one successful sample in: the processes on rented devices
// (those on other GPUs are another execution's business), their highest
// memory, the devices' highest utilisation, and the CPU readings.
func (w *Window) Add(r TimeLockReading) {
	w.samples++
	for _, p := range r.Apps {
		if !slices.Contains(w.devices, p.GPU) {
			continue
		}
		if p.Container != "" {
			w.task[p.PID] = p.Container
		} else if c := w.task[p.PID]; c != "" && p.gone {
			p.Container = c
		}
		p.gone = false
		i := slices.IndexFunc(w.procs, func(q Process) bool { return q.PID == p.PID && q.GPU == p.GPU })
		if i < 0 {
			w.addProcess(p)
			continue
		}
		w.procs[i].Memory = max(w.procs[i].Memory, p.Memory)
		if w.procs[i].Container == "" { // seen foreign once: stays foreign
			continue
		}
		w.procs[i].Container = p.Container
	}
	for _, g := range r.GPUs {
		if slices.Contains(w.devices, g.UUID) {
			w.maxUtil[g.UUID] = max(w.maxUtil[g.UUID], uint32(min(max(g.Utilization, 0), 100)))
		}
	}
	if r.HostCPU > 0 {
		if w.hostFirst == 0 {
			w.hostFirst = r.HostCPU
		}
		w.hostLast = max(w.hostLast, r.HostCPU)
	}
	if r.TaskCPU > 0 {
		w.taskLast = max(w.taskLast, r.TaskCPU)
	}
}

// MaxProcesses caps the processes one attestation lists (it travels in a
// task event of at most market.MaxTaskEvent bytes).
const MaxProcesses = 1024

// addProcess lists a process new to the interval. Past MaxProcesses a
// foreign one takes the place of one of the task's (the verdict needs
// it); another of the task's is left out.
func (w *Window) addProcess(p Process) {
	if len(w.procs) < MaxProcesses {
		w.procs = append(w.procs, p)
		return
	}
	if p.Container != "" {
		return
	}
	if i := slices.IndexFunc(w.procs, func(q Process) bool { return q.Container != "" }); i >= 0 {
		w.procs[i] = p
	}
}

// Close ends the interval at end and returns its (unsigned) attestation;
// the window goes on with the next interval from end.
func (w *Window) Close(end time.Time) Attestation {
	a := Attestation{Execution: w.execution, Index: w.index, Start: w.start, End: end, Samples: w.samples,
		Processes: w.procs}
	for _, d := range w.devices {
		a.Devices = append(a.Devices, Device{UUID: d, MaxUtilization: w.maxUtil[d]})
	}
	if w.hostLast > w.hostFirst {
		a.HostCPUMillis = uint64((w.hostLast - w.hostFirst) / time.Millisecond)
	}
	if w.taskLast > w.taskFirst {
		a.TaskCPUMillis = uint64((w.taskLast - w.taskFirst) / time.Millisecond)
	}
	slices.SortFunc(a.Processes, func(x, y Process) int {
		if c := strings.Compare(x.GPU, y.GPU); c != 0 {
			return c
		}
		return int(x.PID) - int(y.PID)
	})
	w.index++
	w.start = end
	w.samples = 0
	w.maxUtil = map[string]uint32{}
	w.procs = nil
	w.hostFirst, w.taskFirst = w.hostLast, w.taskLast
	return a
}

// Index is the number of the interval the window gathers now.
func (w *Window) Index() uint64 { return w.index }
