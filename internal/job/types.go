// Package job defines what a requester wants run: the job spec, its resource
// requests, parsing from YAML or JSON, defaults, validation with precise
// field errors, and a stable digest that deals and receipts sign over.
package job

import (
	"time"

	"github.com/deco-network/deco/internal/money"
)

// APIVersion is the only spec version this build understands.
const APIVersion = "deco/v1"

// Executor names. A spec picks one; providers advertise the ones they run.
const (
	ExecutorDocker = "docker"
	ExecutorWasm   = "wasm"
)

// Spec is a job as the requester wrote it (after defaults are applied).
// It is the same structure in spec files, on the REST API and on the wire.
type Spec struct {
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	// Name is an optional human label; it does not identify the job.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Executor is "docker" (default) or "wasm".
	Executor string `json:"executor,omitempty" yaml:"executor,omitempty"`
	// Kind is "batch" (default: the task runs to its end and returns its
	// outputs) or "service" (it runs until cancelled or its timeout, and
	// its Ports are reachable by its requester through `deco forward`).
	Kind string `json:"kind,omitempty" yaml:"kind,omitempty"`
	// Ports are the TCP ports a service task listens on.
	Ports []Port `json:"ports,omitempty" yaml:"ports,omitempty"`
	// Booking, when set, runs the job inside that booking (a job of kind
	// booking this requester holds): on its nodes, within the capacity it
	// reserved, paid by it (see booking.go).
	Booking string `json:"booking,omitempty" yaml:"booking,omitempty"`
	// TimeLock asks the provider for a proof of time-lock: a signed
	// attestation per usage interval that no foreign process used the
	// task's GPUs, an interval without one going unpaid (see
	// TimeLocked: service jobs and bookings have it whatever this says).
	TimeLock bool `json:"timeLock,omitempty" yaml:"timeLock,omitempty"`
	// Image is the container image reference for the docker executor.
	Image string `json:"image,omitempty" yaml:"image,omitempty"`
	// Wasm is the WebAssembly module for the wasm executor.
	Wasm *WasmModule `json:"wasm,omitempty" yaml:"wasm,omitempty"`
	// Command replaces the image's default command when set (for wasm: the
	// module's arguments after argv[0]).
	Command []string `json:"command,omitempty" yaml:"command,omitempty"`
	// Env is passed to the task's environment.
	Env map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
	// Inputs are fetched by the provider before the task starts and seen by
	// the task read-only at /inputs/<name>.
	Inputs []Input `json:"inputs,omitempty" yaml:"inputs,omitempty"`
	// Resources the task needs for its whole run.
	Resources Resources `json:"resources" yaml:"resources"`
	// Network is the network the tasks get: outbound access (the
	// provider's policy must allow it too) and links between the job's
	// tasks. None by default.
	Network NetworkPolicy `json:"network,omitzero" yaml:"network,omitempty"`
	// Tasks is how many tasks the job runs (default 1): each gets its
	// index and the count in its environment (see TaskEnv), and they are
	// placed all or none.
	Tasks int `json:"tasks,omitempty" yaml:"tasks,omitempty"`
	// Timeout bounds the execution's run time (image pull excluded).
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// QueueTimeout is how long the job waits for a provider when none fits
	// now (default 10m); a job no provider could ever run fails at once.
	QueueTimeout Duration `json:"queueTimeout,omitempty" yaml:"queueTimeout,omitempty"`
	// TotalTimeout bounds the whole job from submission: queueing, image
	// pulls, every attempt and result transfer (default: the queue timeout
	// plus every attempt's timeout plus 10 minutes).
	TotalTimeout Duration `json:"totalTimeout,omitempty" yaml:"totalTimeout,omitempty"`
	// MaxAttempts is how many executions the job may use: a task whose
	// provider disappears is retried on another up to this many times in
	// all (default 3). For a job with links it counts attempts of the
	// whole gang, which restarts every task when one fails or is lost.
	MaxAttempts int `json:"maxAttempts,omitempty" yaml:"maxAttempts,omitempty"`
	// MaxPricePerHour is the most the requester pays per hour of the whole
	// task (all its resources together). Zero means no ceiling.
	MaxPricePerHour money.Amount `json:"maxPricePerHour,omitempty" yaml:"maxPricePerHour,omitempty"`
	// Constraints narrow which providers may run the job (region, labels,
	// pool, allow-list, minimum reputation).
	Constraints Constraints `json:"constraints,omitzero" yaml:"constraints,omitempty"`
	// Verification is how the result is checked: "none" (default),
	// "replicate(K)" (K validators re-run the task and the result digests
	// must agree) or "spotcheck(P)" (one validator re-runs it with
	// probability P). See docs/verification.md.
	Verification string `json:"verification,omitempty" yaml:"verification,omitempty"`
	// Deterministic declares that the container gives the same outputs on
	// every run (no network, fixed seeds), so that it can be verified by
	// re-running it; wasm tasks are deterministic by construction.
	Deterministic bool `json:"deterministic,omitempty" yaml:"deterministic,omitempty"`
	// ResourceSpec names an operator's resource specification (e.g.
	// "4cpu-16gb-1xA100"): the task runs on a node that sells it, with its
	// resources, priced per machine hour of it. Resources are then left out
	// of the job: the requester fills them from the spec at submission.
	ResourceSpec string `json:"spec,omitempty" yaml:"spec,omitempty"`
}

// Resources is a bundle of compute resources requested by a task, offered by
// a provider or held by a running execution.
type Resources struct {
	// CPU in millicores; written "2", "0.5" or "500m" in specs.
	CPU MilliCPU `json:"cpu,omitempty" yaml:"cpu,omitempty"`
	// Memory in bytes; written "512MiB", "4GiB", "1G" or a byte count.
	Memory ByteSize `json:"memory,omitempty" yaml:"memory,omitempty"`
	// Disk in bytes for outputs and scratch space.
	Disk ByteSize `json:"disk,omitempty" yaml:"disk,omitempty"`
	// GPUs is the number of whole GPUs.
	GPUs int `json:"gpus,omitempty" yaml:"gpus,omitempty"`
	// GPU narrows which GPUs qualify; ignored when GPUs is zero.
	GPU GPUSelector `json:"gpu,omitzero" yaml:"gpu,omitempty"`
	// Custom counts named resources beyond these (an accelerator an
	// operator defines, e.g. tpu1684x: 2), matched like GPUs.
	Custom map[string]int64 `json:"custom,omitempty" yaml:"custom,omitempty"`
}

// GPUSelector constrains the GPUs a task accepts.
type GPUSelector struct {
	// Vendor is "nvidia" or "amd"; empty accepts either.
	Vendor string `json:"vendor,omitempty" yaml:"vendor,omitempty"`
	// Model is a case-insensitive substring of the GPU model name, e.g. "A100".
	Model string `json:"model,omitempty" yaml:"model,omitempty"`
	// MinVRAM is the least memory each GPU must have.
	MinVRAM ByteSize `json:"minVRAM,omitempty" yaml:"minVRAM,omitempty"`
}

// MilliCPU is a CPU quantity in thousandths of a core.
type MilliCPU int64

// ByteSize is a quantity of bytes.
type ByteSize int64

// Fits reports whether r fits inside avail on every scalar dimension and
// every custom resource (GPU identity is matched elsewhere).
func (r Resources) Fits(avail Resources) bool {
	if r.CPU > avail.CPU || r.Memory > avail.Memory || r.Disk > avail.Disk || r.GPUs > avail.GPUs {
		return false
	}
	for name, n := range r.Custom {
		if n > avail.Custom[name] {
			return false
		}
	}
	return true
}

// Add returns r+o on every scalar dimension and custom resource.
func (r Resources) Add(o Resources) Resources {
	return Resources{CPU: r.CPU + o.CPU, Memory: r.Memory + o.Memory, Disk: r.Disk + o.Disk, GPUs: r.GPUs + o.GPUs,
		Custom: combine(r.Custom, o.Custom, 1)}
}

// Sub returns r-o on every scalar dimension and custom resource.
func (r Resources) Sub(o Resources) Resources {
	return Resources{CPU: r.CPU - o.CPU, Memory: r.Memory - o.Memory, Disk: r.Disk - o.Disk, GPUs: r.GPUs - o.GPUs,
		Custom: combine(r.Custom, o.Custom, -1)}
}

// Equal reports whether r and o are the same resources (custom ones
// counted zero when absent).
func (r Resources) Equal(o Resources) bool {
	if r.CPU != o.CPU || r.Memory != o.Memory || r.Disk != o.Disk || r.GPUs != o.GPUs || r.GPU != o.GPU {
		return false
	}
	for name, n := range r.Custom {
		if o.Custom[name] != n {
			return false
		}
	}
	for name, n := range o.Custom {
		if r.Custom[name] != n {
			return false
		}
	}
	return true
}

// combine is a + sign·b per name; nil when both are empty.
func combine(a, b map[string]int64, sign int64) map[string]int64 {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]int64, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] += sign * v
	}
	return out
}

// Duration is a time.Duration written as "30s", "1h30m" in specs.
type Duration time.Duration

// WasmModule names a WASI preview 1 module: carried inline (size-capped) or
// fetched from a URL whose SHA-256 is required.
type WasmModule struct {
	// Inline is the module's bytes (base64 in JSON and YAML).
	Inline []byte `json:"inline,omitempty" yaml:"inline,omitempty"`
	// URL is an http(s) address of the module.
	URL string `json:"url,omitempty" yaml:"url,omitempty"`
	// SHA256 is the hex SHA-256 of the module; required with URL.
	SHA256 string `json:"sha256,omitempty" yaml:"sha256,omitempty"`
}
