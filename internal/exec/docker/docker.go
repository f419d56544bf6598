// Package docker is the executor that runs each execution in a Docker
// container on the provider's machine: no capabilities, no new privileges,
// read-only root, CPU, memory and pids limits, no network unless allowed,
// outputs bound at /outputs, GPUs passed by device request. Every container
// is labelled with its IDs and deadline, so a new Executor (after the node
// daemon restarts) reattaches to executions, enforces their timeouts and
// removes orphans from the engine's state alone.
package docker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"golang.org/x/sync/singleflight"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
)

// Name is the executor's name in specs and offers.
const Name = job.ExecutorDocker

// Defaults for the zero Config.
const (
	// DefaultPidsLimit bounds the processes of one execution.
	DefaultPidsLimit = 1024
	// DefaultTmpSize is the size of the writable /tmp of one execution.
	DefaultTmpSize job.ByteSize = 64 << 20
	// DefaultLogSize caps the engine's log file of one execution: twice
	// what a provider keeps of it (market.MaxLogBytes), so that the cap
	// never cuts what is kept.
	DefaultLogSize job.ByteSize = 128 << 20
)

// ErrUnavailable is returned when the Docker engine cannot be reached.
var ErrUnavailable = errors.New("docker engine not reachable")

// ErrImageNotFound is returned by Prepare when the image is absent and
// cannot be pulled.
var ErrImageNotFound = errors.New("image not found")

// Config configures an Executor. The zero value talks to the engine named by
// DOCKER_HOST, or the default local socket.
type Config struct {
	// Logger receives the executor's logs; nil discards them.
	Logger *slog.Logger
	// Host is the engine's address (as DOCKER_HOST); empty uses DOCKER_HOST
	// or the default local socket.
	Host string
	// PidsLimit bounds the processes of each execution; 0 means
	// DefaultPidsLimit.
	PidsLimit int64
	// TmpSize is the most each execution's /tmp, /dev/shm and image
	// volumes may hold (each a tmpfs no larger than the task's memory,
	// and charged to it); 0 means DefaultTmpSize.
	TmpSize job.ByteSize
	// LogSize caps the log file the engine keeps of each container's
	// output; 0 means DefaultLogSize.
	LogSize job.ByteSize
	// Clock returns the current time; nil means time.Now. Deadlines are
	// computed from it.
	Clock func() time.Time
	// NodeID, when set, labels every container with the node that created
	// it, and restricts the Reconciler to that node's containers, so several
	// nodes can share one engine.
	NodeID string
	// Init is the host path of a static deco binary that linked tasks
	// start under (taskinit): it holds their program until the job network
	// is up. Empty: the executor refuses linked tasks (exec.ErrNoLinks).
	Init string
}

// Executor runs executions in Docker containers. It is safe for concurrent
// use. It implements exec.Executor and exec.Reconciler.
type Executor struct {
	cli    *client.Client
	log    *slog.Logger
	now    func() time.Time
	host   string
	opts   sandboxOptions
	nodeID string

	pulls singleflight.Group
	// life is cancelled by Close; pulls shared by several callers and
	// timeout kills run under it.
	life   context.Context
	cancel context.CancelFunc

	mu   sync.Mutex
	runs map[string]*run
}

// run is what this Executor instance knows about an execution beyond the
// engine's state.
type run struct {
	// started is set when this instance started the execution.
	started bool
	// timer kills the execution at its deadline.
	timer *time.Timer
	// timedOut and killed record why this instance killed it.
	timedOut bool
	killed   bool
	// gate is the host directory of a linked task's start gate.
	gate string
}

var (
	_ exec.Executor   = (*Executor)(nil)
	_ exec.Reconciler = (*Executor)(nil)
)

// New connects to the Docker engine, negotiating the API version, and
// returns an Executor. It fails with ErrUnavailable when the engine does not
// answer.
func New(ctx context.Context, cfg Config) (*Executor, error) {
	opts := []client.Opt{client.WithHostFromEnv()}
	if cfg.Host != "" {
		opts = append(opts, client.WithHost(cfg.Host))
	}
	cli, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	e := &Executor{
		cli:    cli,
		log:    cfg.Logger,
		now:    cfg.Clock,
		host:   cli.DaemonHost(),
		nodeID: cfg.NodeID,
		runs:   make(map[string]*run),
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	e.log = e.log.With("executor", Name)
	if e.now == nil {
		e.now = time.Now
	}
	e.opts = sandboxOptions{pidsLimit: cfg.PidsLimit, tmpSize: int64(cfg.TmpSize), logSize: int64(cfg.LogSize), nodeID: cfg.NodeID,
		init: cfg.Init}
	if e.opts.logSize <= 0 {
		e.opts.logSize = int64(DefaultLogSize)
	}
	if e.opts.pidsLimit <= 0 {
		e.opts.pidsLimit = DefaultPidsLimit
	}
	if e.opts.tmpSize <= 0 {
		e.opts.tmpSize = int64(DefaultTmpSize)
	}
	if err := e.Available(ctx); err != nil {
		_ = cli.Close()
		return nil, err
	}
	e.life, e.cancel = context.WithCancel(context.Background())
	e.log.Debug("docker engine connected", "host", e.host, "api", cli.ClientVersion())
	return e, nil
}

// Available pings the engine, negotiating the API version on the first
// success; it returns an error wrapping ErrUnavailable when the engine does
// not answer.
func (e *Executor) Available(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// Negotiation downgrades the client to the engine's API version (1.41
	// for Debian's docker.io 20.10).
	if _, err := e.cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("%w at %s: %w (start it with: sudo systemctl start docker, or dockerd &)", ErrUnavailable, e.host, err)
	}
	return nil
}

// Name returns "docker".
func (e *Executor) Name() string { return Name }

// Close stops the timeout watchers of this instance (the containers keep
// their deadline labels, so a new Executor enforces them) and closes the
// connection to the engine.
func (e *Executor) Close() error {
	e.cancel()
	e.mu.Lock()
	for _, r := range e.runs {
		if r.timer != nil {
			r.timer.Stop()
		}
	}
	e.mu.Unlock()
	return e.cli.Close()
}

// Prepare makes the task's image present, pulling it only when absent.
// Concurrent Prepares of one image share one pull.
func (e *Executor) Prepare(ctx context.Context, t exec.Task) error {
	ref := t.Spec.Image
	if ref == "" {
		return fmt.Errorf("%w: execution %s has no image", errInvalidTask, t.ExecutionID)
	}
	if _, err := e.cli.ImageInspect(ctx, ref); err == nil {
		return nil
	} else if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect image %q: %w", ref, err)
	}
	ch := e.pulls.DoChan(ref, func() (any, error) {
		return nil, e.pull(ref)
	})
	select {
	case <-ctx.Done():
		return ctx.Err()
	case res := <-ch:
		return res.Err
	}
}

// pull fetches one image; it runs detached from any one caller so that the
// callers sharing it do not fail when the first one gives up.
func (e *Executor) pull(ref string) error {
	start := e.now()
	e.log.Info("pulling image", "image", ref)
	resp, err := e.cli.ImagePull(e.life, ref, client.ImagePullOptions{})
	if err == nil {
		err = resp.Wait(e.life)
		_ = resp.Close()
	}
	if err != nil {
		e.log.Warn("image pull failed", "image", ref, "err", err)
		return &pullError{image: ref, err: err}
	}
	e.log.Info("image pulled", "image", ref, "took", e.now().Sub(start))
	return nil
}

// pullError reports an image that is absent and could not be pulled; it
// matches ErrImageNotFound and the engine's error.
type pullError struct {
	image string
	err   error
}

func (p *pullError) Error() string {
	return fmt.Sprintf("image %q is not present and could not be pulled: %v", p.image, p.err)
}

func (p *pullError) Unwrap() []error { return []error{ErrImageNotFound, p.err} }

// notFound maps the engine's "no such container" to exec.ErrNotFound.
func notFound(executionID string, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("execution %s: %w", executionID, exec.ErrNotFound)
	}
	return err
}
