package docker

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/taskinit"
)

// Labels carried by every container this executor creates. All the state
// needed to reattach to an execution after a daemon restart lives in them
// and in the engine's inspect output.
const (
	// LabelJob holds the job ID.
	LabelJob = "deco.job"
	// LabelExecution holds the execution ID; its presence marks a container
	// as created by deco.
	LabelExecution = "deco.execution"
	// LabelTask holds the task index.
	LabelTask = "deco.task"
	// LabelDeadline holds the moment the execution's timeout fires, in Unix
	// nanoseconds; absent when the spec has no timeout.
	LabelDeadline = "deco.deadline"
	// LabelNode holds Config.NodeID when one is set.
	LabelNode = "deco.node"
)

// Paths the task sees.
const (
	outputsPath = "/outputs"
	inputsPath  = "/inputs"
	tmpPath     = "/tmp"
	// A linked task's init binary and start gate (see Config.Init).
	initPath = "/.deco/init"
	gatePath = "/.deco/gate"
	gateFile = "open"
)

// containerPrefix starts the name of every container deco creates.
const containerPrefix = "deco-"

// validID is what an execution ID must look like to name a container.
var validID = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// errInvalidTask is wrapped by every error about a task the executor cannot
// turn into a container.
var errInvalidTask = errors.New("invalid task")

// containerName is the engine's name for an execution's container.
func containerName(executionID string) string {
	return containerPrefix + executionID
}

// sandboxOptions are the provider-side settings that shape every container.
type sandboxOptions struct {
	pidsLimit int64
	tmpSize   int64
	// logSize caps the engine's log file of each container.
	logSize int64
	// volumes are the image's declared VOLUME paths: each gets a tmpfs
	// like /tmp's, so that none is an unbounded directory on the host.
	volumes []string
	// deadline is when the timeout fires; zero for none.
	deadline time.Time
	nodeID   string
	// init is the host path of the task init binary, gate the host
	// directory of a linked task's start gate (see Config.Init), and
	// entrypoint and cmd the image's: a linked task's program is theirs,
	// run by the init once the gate opens.
	init, gate      string
	entrypoint, cmd []string
}

// containerConfig builds the engine's container configuration for a task:
// the image and command, the labels, and the sandbox (limits, no
// privileges, read-only root, network, mounts, GPUs). It does no I/O.
func containerConfig(t exec.Task, o sandboxOptions) (*container.Config, *container.HostConfig, error) {
	if !validID.MatchString(t.ExecutionID) {
		return nil, nil, fmt.Errorf("%w: execution ID %q must match %s", errInvalidTask, t.ExecutionID, validID)
	}
	if t.Spec.Image == "" {
		return nil, nil, fmt.Errorf("%w: execution %s has no image", errInvalidTask, t.ExecutionID)
	}
	if t.Spec.Resources.CPU < 0 || t.Spec.Resources.Memory < 0 {
		return nil, nil, fmt.Errorf("%w: execution %s has negative resources", errInvalidTask, t.ExecutionID)
	}

	labels := map[string]string{
		LabelJob:       t.JobID,
		LabelExecution: t.ExecutionID,
		LabelTask:      strconv.Itoa(t.TaskIndex),
	}
	if !o.deadline.IsZero() {
		labels[LabelDeadline] = strconv.FormatInt(o.deadline.UnixNano(), 10)
	}
	if o.nodeID != "" {
		labels[LabelNode] = o.nodeID
	}

	env := make([]string, 0, len(t.Spec.Env))
	for k, v := range t.Spec.Env {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)

	cfg := &container.Config{
		Image:  t.Spec.Image,
		Env:    env,
		Labels: labels,
	}
	if len(t.Spec.Command) > 0 {
		cfg.Cmd = slices.Clone(t.Spec.Command)
	}

	pids := o.pidsLimit
	mem := int64(t.Spec.Resources.Memory)
	// Every writable place but /outputs is memory: tmpfs pages are charged
	// to the container's memory limit, and none may be larger than it.
	scratch := o.tmpSize
	if mem > 0 {
		scratch = min(scratch, mem)
	}
	tmpfs := "rw,nosuid,nodev,size=" + strconv.FormatInt(scratch, 10)
	host := &container.HostConfig{
		NetworkMode:    network(t.Network),
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		ReadonlyRootfs: true,
		Tmpfs:          map[string]string{tmpPath: tmpfs},
		ShmSize:        scratch,
		// The engine keeps what the task prints in a file on the host:
		// capped, and started over when full (Docker 20.10 ends a follow
		// stream then: the cap is set above what the provider keeps).
		LogConfig: container.LogConfig{Type: "json-file", Config: map[string]string{
			"max-size": strconv.FormatInt(max(o.logSize, 1<<20), 10), "max-file": "1"}},
		Resources: container.Resources{
			NanoCPUs:   int64(t.Spec.Resources.CPU) * 1_000_000,
			Memory:     mem,
			MemorySwap: mem, // equal to Memory: no swap
			PidsLimit:  &pids,
		},
	}

	if t.OutputsDir != "" {
		if !filepath.IsAbs(t.OutputsDir) {
			return nil, nil, fmt.Errorf("%w: outputs directory %q is not absolute", errInvalidTask, t.OutputsDir)
		}
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: t.OutputsDir, Target: outputsPath})
	}
	if t.InputsDir != "" {
		if !filepath.IsAbs(t.InputsDir) {
			return nil, nil, fmt.Errorf("%w: inputs directory %q is not absolute", errInvalidTask, t.InputsDir)
		}
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: t.InputsDir, Target: inputsPath, ReadOnly: true})
	}
	for _, v := range o.volumes {
		v = filepath.Clean(v)
		if !filepath.IsAbs(v) || v == outputsPath || v == inputsPath || v == tmpPath {
			continue
		}
		host.Tmpfs[v] = tmpfs
	}

	if t.Links != nil {
		if err := gated(cfg, host, t, o); err != nil {
			return nil, nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(t.Hosts)) {
		host.ExtraHosts = append(host.ExtraHosts, name+":"+t.Hosts[name])
	}

	if len(t.GPUIDs) > 0 {
		switch t.GPUVendor {
		case inventory.VendorNVIDIA:
			host.DeviceRequests = []container.DeviceRequest{{
				Driver:       "nvidia",
				DeviceIDs:    slices.Clone(t.GPUIDs),
				Capabilities: [][]string{{"gpu"}},
			}}
		case inventory.VendorAMD:
			// ROCm needs the compute interface and the render nodes; the
			// video group owns them on the host.
			host.Devices = []container.DeviceMapping{
				{PathOnHost: "/dev/kfd", PathInContainer: "/dev/kfd", CgroupPermissions: "rwm"},
				{PathOnHost: "/dev/dri", PathInContainer: "/dev/dri", CgroupPermissions: "rwm"},
			}
			host.GroupAdd = []string{"video"}
			// /dev/dri holds every render node: tell ROCm which GPUs are
			// this execution's.
			cfg.Env = append(cfg.Env, "ROCR_VISIBLE_DEVICES="+strings.Join(t.GPUIDs, ","))
		default:
			return nil, nil, fmt.Errorf("%w: execution %s has GPUs of unknown vendor %q (want nvidia or amd)", errInvalidTask, t.ExecutionID, t.GPUVendor)
		}
	}
	return cfg, host, nil
}

// network is the engine's network mode for a task.
func network(allowed bool) container.NetworkMode {
	if allowed {
		return "bridge"
	}
	return "none"
}

// gated makes a linked task start under the init binary, which runs the
// task's program (the image's entrypoint, then the spec's command or the
// image's) once the gate file appears.
func gated(cfg *container.Config, host *container.HostConfig, t exec.Task, o sandboxOptions) error {
	if o.init == "" || o.gate == "" {
		return fmt.Errorf("%w: execution %s: %w (no task init binary configured)", errInvalidTask, t.ExecutionID, exec.ErrNoLinks)
	}
	cmd := o.cmd
	if len(t.Spec.Command) > 0 {
		cmd = t.Spec.Command
	}
	argv := append(slices.Clone(o.entrypoint), cmd...)
	if len(argv) == 0 {
		return fmt.Errorf("%w: execution %s: image %q has no command and the spec gives none", errInvalidTask, t.ExecutionID, t.Spec.Image)
	}
	cfg.Entrypoint = []string{initPath, taskinit.Arg, gatePath + "/" + gateFile, "--"}
	cfg.Cmd = argv
	host.Mounts = append(host.Mounts,
		mount.Mount{Type: mount.TypeBind, Source: o.init, Target: initPath, ReadOnly: true},
		mount.Mount{Type: mount.TypeBind, Source: o.gate, Target: gatePath, ReadOnly: true})
	return nil
}
