// Package exec defines the Executor interface that runs one execution of a
// task in a sandbox on the provider's machine, and the types shared by its
// implementations (exec/docker and exec/wasm, both checked by the
// conformance suite in exec/exectest).
package exec

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/deco-network/deco/internal/job"
)

// ErrNotFound is returned for an execution the executor does not know.
var ErrNotFound = errors.New("execution not found")

// ErrLost is returned for an execution that was running in an earlier run of
// the daemon and cannot be reattached (its state died with the process); the
// requester may retry it elsewhere.
var ErrLost = errors.New("execution lost with an earlier daemon run")

// Task is everything an executor needs to run one execution.
type Task struct {
	JobID       string
	ExecutionID string
	TaskIndex   int
	Spec        job.Spec
	// GPUIDs are the provider's GPU UUIDs (or indexes) assigned to this
	// execution; len(GPUIDs) == Spec.Resources.GPUs.
	GPUIDs []string
	// GPUVendor is "nvidia" or "amd" when GPUIDs is not empty.
	GPUVendor string
	// OutputsDir is a host directory, empty and writable, seen by the task
	// as /outputs.
	OutputsDir string
	// InputsDir, when set, is a host directory seen read-only as /inputs.
	InputsDir string
	// Network allows outbound network (the spec and the provider's policy
	// both allowed it).
	Network bool
	// Links, when set, puts the task on its job network: the executor
	// calls Attach with the sandbox's network namespace once it exists
	// and lets the program start only when Attach has returned nil.
	Links Attacher
	// Hosts are names the task resolves through /etc/hosts ("task-0" to
	// its address on the job network).
	Hosts map[string]string
}

// Attacher joins a sandbox to a network the executor does not manage.
type Attacher interface {
	// Attach is called with the path of the sandbox's network namespace
	// (/proc/PID/ns/net) before its program runs; an error fails the
	// execution.
	Attach(ctx context.Context, netns string) error
}

// PortDialer is an executor that can connect to a TCP port inside a
// running execution's sandbox (a service job's port, for `deco forward`)
// without the sandbox listening anywhere outside it.
type PortDialer interface {
	DialPort(ctx context.Context, executionID string, port int) (net.Conn, error)
}

// ErrNoLinks is returned by an executor that cannot attach sandboxes to a
// job network.
var ErrNoLinks = errors.New("this executor cannot put tasks on a job network")

// Result is how an execution ended.
type Result struct {
	ExitCode   int       `json:"exitCode"`
	TimedOut   bool      `json:"timedOut,omitempty"`
	OOMKilled  bool      `json:"oomKilled,omitempty"`
	Killed     bool      `json:"killed,omitempty"`
	Error      string    `json:"error,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt"`
}

// KilledExitCode is the exit code of an execution ended by SIGKILL
// (128+9): killed, timed out, or, in a container, out of memory.
const KilledExitCode = 137

// Executor runs executions. Implementations are safe for concurrent use.
//
// Lifecycle: Prepare (fetch the image or module; may be slow), Start, then
// Wait for the end; Logs may be read at any time after Start; Kill stops a
// running execution; Remove frees everything the execution held except
// OutputsDir. The execution's Spec.Timeout is enforced by the executor from
// Start.
type Executor interface {
	// Name is the executor's name as used in specs and offers ("docker").
	Name() string
	// Prepare makes the task runnable (pulls the image only when absent).
	Prepare(ctx context.Context, t Task) error
	// Start creates and starts the execution and returns once it runs.
	Start(ctx context.Context, t Task) error
	// Wait blocks until the execution ends or ctx is done.
	Wait(ctx context.Context, executionID string) (Result, error)
	// Logs returns the execution's combined stdout and stderr from the
	// beginning; with follow it stays open until the execution ends.
	Logs(ctx context.Context, executionID string, follow bool) (io.ReadCloser, error)
	// Kill stops a running execution; the Result reports Killed.
	Kill(ctx context.Context, executionID string) error
	// Remove deletes the execution's sandbox.
	Remove(ctx context.Context, executionID string) error
}

// Reconciler is implemented by executors that can find sandboxes left by an
// earlier run of the daemon.
type Reconciler interface {
	// Running lists the execution IDs of sandboxes this executor created
	// that still exist.
	Running(ctx context.Context) ([]string, error)
	// RemoveOrphans removes every sandbox whose execution ID keep rejects,
	// and returns the IDs removed.
	RemoveOrphans(ctx context.Context, keep func(executionID string) bool) ([]string, error)
}
