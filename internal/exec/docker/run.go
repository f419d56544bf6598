package docker

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/deco-network/deco/internal/exec"
)

// engineTimeout bounds the engine calls the executor makes on its own (the
// kill at a deadline, the cleanup of a failed start).
const engineTimeout = 30 * time.Second

// Start creates the execution's container and starts it; the spec's
// timeout runs from now.
func (e *Executor) Start(ctx context.Context, t exec.Task) error {
	opts := e.opts
	if d := time.Duration(t.Spec.Timeout); d > 0 {
		opts.deadline = e.now().Add(d)
	}
	img, err := e.cli.ImageInspect(ctx, t.Spec.Image)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("execution %s: image %q not present (Prepare first): %w", t.ExecutionID, t.Spec.Image, err)
		}
		return fmt.Errorf("inspect image %q: %w", t.Spec.Image, err)
	}
	if img.Config != nil {
		opts.volumes = slices.Sorted(maps.Keys(img.Config.Volumes))
		opts.entrypoint, opts.cmd = img.Config.Entrypoint, img.Config.Cmd
	}
	if t.Links != nil && opts.init != "" {
		if opts.gate, err = os.MkdirTemp("", "deco-gate-"); err == nil {
			err = os.Chmod(opts.gate, 0o755) // read by the task's user, written only here
		}
		if err != nil {
			return fmt.Errorf("execution %s: start gate: %w", t.ExecutionID, err)
		}
		e.mu.Lock()
		e.runLocked(t.ExecutionID).gate = opts.gate
		e.mu.Unlock()
	}
	cfg, host, err := containerConfig(t, opts)
	if err != nil {
		e.forget(t.ExecutionID)
		return err
	}
	name := containerName(t.ExecutionID)
	created, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     cfg,
		HostConfig: host,
		Name:       name,
	})
	if err != nil {
		if cerrdefs.IsConflict(err) {
			return fmt.Errorf("create container for execution %s: already exists: %w", t.ExecutionID, err)
		}
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("create container for execution %s: image %q not present (Prepare first): %w", t.ExecutionID, t.Spec.Image, err)
		}
		return fmt.Errorf("create container for execution %s: %w", t.ExecutionID, err)
	}
	for _, w := range created.Warnings {
		e.log.Warn("container create warning", "execution", t.ExecutionID, "warning", w)
	}
	if err := e.startGated(ctx, t, created.ID, opts.gate); err != nil {
		// Leave nothing behind: a retry is a new execution.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), engineTimeout)
		defer cancel()
		_, _ = e.cli.ContainerRemove(rctx, created.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		e.forget(t.ExecutionID)
		return err
	}
	e.mu.Lock()
	r := e.runLocked(t.ExecutionID)
	r.started = true
	e.mu.Unlock()
	e.watch(t.ExecutionID, opts.deadline)
	e.log.Info("execution started", "execution", t.ExecutionID, "job", t.JobID, "task", t.TaskIndex,
		"image", t.Spec.Image, "container", created.ID[:12], "deadline", opts.deadline)
	return nil
}

// startGated starts the container; for a linked task it then attaches
// the container's network namespace and opens the start gate, so that the
// program runs only once its job network is up.
func (e *Executor) startGated(ctx context.Context, t exec.Task, id, gate string) error {
	if _, err := e.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start container for execution %s: %w", t.ExecutionID, err)
	}
	if t.Links == nil {
		return nil
	}
	c, err := e.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect container for execution %s: %w", t.ExecutionID, err)
	}
	if c.Container.State == nil || c.Container.State.Pid == 0 {
		return fmt.Errorf("execution %s: the container stopped before its network was attached", t.ExecutionID)
	}
	if err := t.Links.Attach(ctx, fmt.Sprintf("/proc/%d/ns/net", c.Container.State.Pid)); err != nil {
		return fmt.Errorf("execution %s: job network: %w", t.ExecutionID, err)
	}
	if err := os.WriteFile(filepath.Join(gate, gateFile), nil, 0o644); err != nil {
		return fmt.Errorf("execution %s: open the start gate: %w", t.ExecutionID, err)
	}
	return nil
}

// runLocked returns the record of an execution, creating it; e.mu is held.
func (e *Executor) runLocked(executionID string) *run {
	r, ok := e.runs[executionID]
	if !ok {
		r = &run{}
		e.runs[executionID] = r
	}
	return r
}

// watch arms the timeout kill of an execution once per instance; a zero
// deadline means none.
func (e *Executor) watch(executionID string, deadline time.Time) {
	if deadline.IsZero() || e.life.Err() != nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.runLocked(executionID)
	if r.timer != nil {
		return
	}
	r.timer = time.AfterFunc(deadline.Sub(e.now()), func() { e.expire(executionID) })
}

// expire kills an execution whose deadline passed.
func (e *Executor) expire(executionID string) {
	e.mu.Lock()
	r, ok := e.runs[executionID]
	if !ok { // removed meanwhile
		e.mu.Unlock()
		return
	}
	// Recorded before the kill so that a Wait woken by the container's end
	// sees it.
	r.timedOut = true
	e.mu.Unlock()
	ctx, cancel := context.WithTimeout(e.life, engineTimeout)
	defer cancel()
	_, err := e.cli.ContainerKill(ctx, containerName(executionID), client.ContainerKillOptions{Signal: "SIGKILL"})
	if err != nil {
		e.mu.Lock()
		r.timedOut = false
		e.mu.Unlock()
		if !cerrdefs.IsConflict(err) && !cerrdefs.IsNotFound(err) {
			e.log.Error("timeout kill failed", "execution", executionID, "err", err)
		}
		return
	}
	e.log.Info("execution timed out", "execution", executionID)
}

// Wait blocks until the execution ends and reports how. It works for an
// execution started by an earlier Executor (it enforces the deadline
// recorded on the container) and for one that already ended.
func (e *Executor) Wait(ctx context.Context, executionID string) (exec.Result, error) {
	name := containerName(executionID)
	ins, err := e.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return exec.Result{}, notFound(executionID, fmt.Errorf("inspect execution %s: %w", executionID, err))
	}
	c := ins.Container
	deadline := labelDeadline(c.Config)
	if c.State != nil && (c.State.Running || c.State.Paused || c.State.Restarting) {
		e.watch(executionID, deadline)
		w := e.cli.ContainerWait(ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
		select {
		case <-ctx.Done():
			return exec.Result{}, ctx.Err()
		case err := <-w.Error:
			if ctx.Err() != nil {
				return exec.Result{}, ctx.Err()
			}
			return exec.Result{}, notFound(executionID, fmt.Errorf("wait for execution %s: %w", executionID, err))
		case <-w.Result:
		}
		ins, err = e.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		if err != nil {
			return exec.Result{}, notFound(executionID, fmt.Errorf("inspect execution %s: %w", executionID, err))
		}
		c = ins.Container
	}
	e.mu.Lock()
	var mem run
	if r, ok := e.runs[executionID]; ok {
		mem = *r
	}
	e.mu.Unlock()
	return result(c, deadline, mem), nil
}

// result reads how an ended container ended. mem is what this instance
// recorded; for an execution it did not start, a SIGKILL is attributed to
// the deadline when it came after it, else to a Kill.
func result(c container.InspectResponse, deadline time.Time, mem run) exec.Result {
	var res exec.Result
	st := c.State
	if st == nil {
		res.Error = "engine reported no state"
		return res
	}
	res.ExitCode = st.ExitCode
	res.OOMKilled = st.OOMKilled
	res.Error = st.Error
	res.StartedAt = parseTime(st.StartedAt)
	res.FinishedAt = parseTime(st.FinishedAt)
	if !res.FinishedAt.IsZero() && res.FinishedAt.Before(res.StartedAt) {
		// The engine stamps the start after the process runs: a task that
		// ends at once can look as if it ended before it started.
		res.StartedAt = res.FinishedAt
	}
	if res.StartedAt.IsZero() && res.Error == "" {
		res.Error = "execution never started"
	}
	sigkill := st.ExitCode == exec.KilledExitCode && !st.OOMKilled
	res.TimedOut = mem.timedOut ||
		(sigkill && !deadline.IsZero() && !res.FinishedAt.Before(deadline))
	res.Killed = !res.TimedOut && (mem.killed || (sigkill && !mem.started))
	return res
}

// parseTime reads the engine's RFC 3339 times; the engine's zero time and
// garbage read as the zero time.Time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// labelDeadline reads the deadline label; zero when absent.
func labelDeadline(cfg *container.Config) time.Time {
	if cfg == nil {
		return time.Time{}
	}
	n, err := strconv.ParseInt(cfg.Labels[LabelDeadline], 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Logs returns the execution's stdout and stderr, demultiplexed into one
// stream in the order the engine recorded them; with follow the stream ends
// when the execution does.
func (e *Executor) Logs(ctx context.Context, executionID string, follow bool) (io.ReadCloser, error) {
	rc, err := e.cli.ContainerLogs(ctx, containerName(executionID), client.ContainerLogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Follow:     follow,
	})
	if err != nil {
		return nil, notFound(executionID, fmt.Errorf("logs of execution %s: %w", executionID, err))
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, rc)
		_ = rc.Close()
		_ = pw.CloseWithError(err)
	}()
	return &logStream{PipeReader: pr, src: rc}, nil
}

// logStream is the demultiplexed log stream; closing it closes the
// connection to the engine.
type logStream struct {
	*io.PipeReader
	src io.Closer
}

// Close stops the stream.
func (l *logStream) Close() error {
	err := l.src.Close()
	_ = l.PipeReader.Close()
	return err
}

// Kill stops a running execution with SIGKILL; its Result reports Killed.
// Killing an execution that already ended does nothing.
func (e *Executor) Kill(ctx context.Context, executionID string) error {
	e.mu.Lock()
	r := e.runLocked(executionID)
	prev := r.killed
	r.killed = true
	e.mu.Unlock()
	_, err := e.cli.ContainerKill(ctx, containerName(executionID), client.ContainerKillOptions{Signal: "SIGKILL"})
	if err == nil {
		e.log.Info("execution killed", "execution", executionID)
		return nil
	}
	e.mu.Lock()
	r.killed = prev
	e.mu.Unlock()
	if cerrdefs.IsConflict(err) {
		// Not running: it already ended.
		return nil
	}
	if cerrdefs.IsNotFound(err) {
		e.forget(executionID)
	}
	return notFound(executionID, fmt.Errorf("kill execution %s: %w", executionID, err))
}

// Remove force-removes the execution's container and its anonymous
// volumes; OutputsDir stays.
func (e *Executor) Remove(ctx context.Context, executionID string) error {
	_, err := e.cli.ContainerRemove(ctx, containerName(executionID), client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove execution %s: %w", executionID, err)
	}
	e.forget(executionID)
	if err != nil {
		return notFound(executionID, fmt.Errorf("remove execution %s: %w", executionID, err))
	}
	e.log.Debug("execution removed", "execution", executionID)
	return nil
}

// forget drops this instance's record of an execution.
func (e *Executor) forget(executionID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.runs[executionID]; ok {
		if r.timer != nil {
			r.timer.Stop()
		}
		if r.gate != "" {
			_ = os.RemoveAll(r.gate)
		}
		delete(e.runs, executionID)
	}
}
