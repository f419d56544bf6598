package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
	"github.com/deco-network/deco/internal/store"
)

type p2pStream = network.Stream

// sender writes task events to the requester; after the first write error
// it stops trying (the execution goes on and its record stays queryable).
type sender struct {
	mu     sync.Mutex
	s      network.Stream
	now    func() time.Time
	broken bool
}

func (x *sender) send(ev market.TaskEvent) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.broken {
		return
	}
	if ev.At.IsZero() {
		ev.At = x.now()
	}
	if err := p2p.WriteMsg(x.s, ev); err != nil {
		x.broken = true
	}
}

// serveTask runs one task for the requester on the other end of s.
func (p *Provider) serveTask(ctx context.Context, s network.Stream) {
	requester := s.Conn().RemotePeer().String()
	out := &sender{s: s, now: p.now}
	_ = s.SetReadDeadline(p.now().Add(30 * time.Second))
	var req market.TaskRequest
	if err := p2p.ReadMsg(s, &req, market.MaxTaskRequest); err != nil {
		out.send(market.TaskEvent{Type: market.EventRejected, Message: fmt.Sprintf("bad task request: %v", err)})
		return
	}
	_ = s.SetReadDeadline(time.Time{})
	log := p.log.With("job", req.JobID, "execution", req.ExecutionID, "requester", requester)
	alloc, ex, err := p.commitDeal(&req, requester)
	if err != nil {
		log.Info("task rejected", "err", err)
		out.send(market.TaskEvent{Type: market.EventRejected, Message: err.Error()})
		return
	}
	defer p.release(req.ExecutionID)
	p.kick() // free capacity changed

	rec := store.Execution{ID: req.ExecutionID, JobID: req.JobID, TaskIndex: req.TaskIndex, Requester: requester,
		Spec: req.Spec, State: job.StatePreparing, CreatedAt: p.now(), UpdatedAt: p.now()}
	if err := p.cfg.Store.PutExecution(ctx, rec); err != nil {
		out.send(market.TaskEvent{Type: market.EventRejected, Message: "provider storage error"})
		log.Error("store execution", "err", err)
		return
	}
	out.send(market.TaskEvent{Type: market.EventAccepted, State: job.StatePreparing})
	log.Info("task accepted")

	// The execution outlives the stream: it is bounded by its own timeout,
	// not by the requester staying connected.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	p.mu.Lock()
	if r := p.running[req.ExecutionID]; r != nil {
		r.cancel = cancel
	}
	p.mu.Unlock()

	res, digest, size, runErr := p.execute(runCtx, ex, &req, alloc.GPUs, alloc.Vendor, out)
	rec.UpdatedAt = p.now()
	switch {
	case runErr != nil:
		rec.State, rec.Error = job.StateFailed, runErr.Error()
		if p.wasKilled(req.ExecutionID) {
			rec.State = job.StateCancelled
		}
	case res.Killed && p.wasKilled(req.ExecutionID):
		rec.State, rec.Error = job.StateCancelled, "cancelled by the requester"
	case res.TimedOut:
		rec.State, rec.Error = job.StateFailed, fmt.Sprintf("timed out after %s", time.Duration(req.Spec.Timeout))
	case res.ExitCode != 0:
		rec.State, rec.Error = job.StateFailed, fmt.Sprintf("exit code %d", res.ExitCode)
	default:
		rec.State = job.StateCompleted
	}
	if res.OOMKilled {
		rec.Error = "killed: out of memory (limit " + req.Spec.Resources.Memory.String() + ")"
	}
	if res.Error != "" && rec.Error == "" {
		rec.Error = res.Error
	}
	code := res.ExitCode
	rec.ExitCode, rec.ResultDigest = &code, digest
	if err := p.cfg.Store.PutExecution(context.WithoutCancel(ctx), rec); err != nil {
		log.Error("store execution", "err", err)
	}
	msg := rec.Error
	out.send(market.TaskEvent{Type: market.EventExited, State: rec.State, Message: msg, Result: &res, ResultDigest: digest, ResultSize: size})
	log.Info("execution ended", "state", rec.State, "exit", res.ExitCode, "digest", digest)
}

func (p *Provider) wasKilled(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.running[id]
	return r != nil && r.killed
}

// execute prepares, starts and waits for the execution, streaming logs.
func (p *Provider) execute(ctx context.Context, ex exec.Executor, req *market.TaskRequest, gpus []string, vendor string, out *sender) (exec.Result, string, int64, error) {
	dir := p.execDir(req.ExecutionID)
	outputs := filepath.Join(dir, "outputs")
	if err := os.MkdirAll(outputs, 0o755); err != nil {
		return exec.Result{}, "", 0, fmt.Errorf("create outputs dir: %w", err)
	}
	task := exec.Task{JobID: req.JobID, ExecutionID: req.ExecutionID, TaskIndex: req.TaskIndex, Spec: req.Spec,
		GPUIDs: gpus, GPUVendor: vendor, OutputsDir: outputs, Network: req.Spec.Network}
	if len(req.Spec.Inputs) > 0 {
		inputs := filepath.Join(dir, "inputs")
		defer os.RemoveAll(inputs)
		if err := p.fetchInputs(ctx, req, inputs, out); err != nil {
			return exec.Result{}, "", 0, err
		}
		task.InputsDir = inputs
	}
	if w := req.Spec.Wasm; req.Spec.Executor == job.ExecutorWasm && w != nil && w.URL != "" && len(w.Inline) == 0 {
		mod, err := p.fetchWasm(ctx, w, dir, out)
		if err != nil {
			return exec.Result{}, "", 0, err
		}
		task.Spec.Wasm = &job.WasmModule{Inline: mod, SHA256: w.SHA256}
	}
	if err := ctx.Err(); err != nil {
		return exec.Result{}, "", 0, errors.New("cancelled by the requester before start")
	}
	if err := ex.Prepare(ctx, task); err != nil {
		return exec.Result{}, "", 0, err
	}
	if err := ctx.Err(); err != nil {
		return exec.Result{}, "", 0, errors.New("cancelled by the requester before start")
	}
	if err := ex.Start(ctx, task); err != nil {
		return exec.Result{}, "", 0, err
	}
	defer func() {
		if err := ex.Remove(context.WithoutCancel(ctx), req.ExecutionID); err != nil && !errors.Is(err, exec.ErrNotFound) {
			p.log.Warn("remove sandbox", "execution", req.ExecutionID, "err", err)
		}
	}()
	if err := p.cfg.Store.PutExecution(ctx, store.Execution{ID: req.ExecutionID, JobID: req.JobID, TaskIndex: req.TaskIndex,
		Spec: req.Spec, State: job.StateRunning, UpdatedAt: p.now()}); err != nil {
		p.log.Warn("store execution", "err", err)
	}
	out.send(market.TaskEvent{Type: market.EventState, State: job.StateRunning})

	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		p.streamLogs(ctx, ex, req.ExecutionID, filepath.Join(dir, "logs"), out)
	}()
	res, err := ex.Wait(ctx, req.ExecutionID)
	if err != nil {
		return res, "", 0, fmt.Errorf("wait: %w", err)
	}
	select {
	case <-logsDone:
	case <-time.After(5 * time.Second):
		p.log.Warn("log stream did not end after exit", "execution", req.ExecutionID)
	}
	m, digest, err := data.Digest(outputs)
	if err != nil {
		return res, "", 0, fmt.Errorf("digest outputs: %w", err)
	}
	var size int64
	for _, e := range m.Entries {
		size += e.Size
	}
	return res, digest, size, nil
}

// streamLogs copies the execution's logs to a file and to the requester.
func (p *Provider) streamLogs(ctx context.Context, ex exec.Executor, id, path string, out *sender) {
	rc, err := ex.Logs(ctx, id, true)
	if err != nil {
		p.log.Warn("logs", "execution", id, "err", err)
		return
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		p.log.Warn("log file", "err", err)
		return
	}
	defer f.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			chunk := append([]byte(nil), buf[:n]...)
			_, _ = f.Write(chunk)
			out.send(market.TaskEvent{Type: market.EventLog, Log: chunk})
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				p.log.Debug("log stream ended", "execution", id, "err", err)
			}
			return
		}
	}
}

// serveResult streams an execution's output tree to its requester, or to
// a peer holding the requester's grant.
func (p *Provider) serveResult(ctx context.Context, s network.Stream) {
	var req market.ResultRequest
	if err := p2p.ReadMsg(s, &req, market.MaxResultRequest); err != nil {
		return
	}
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if err != nil {
		_ = p2p.WriteMsg(s, market.ResultHeader{Error: "unknown execution"})
		return
	}
	outputs, err := p.resultDir(ctx, req, s.Conn().RemotePeer().String())
	if err != nil {
		_ = p2p.WriteMsg(s, market.ResultHeader{Error: err.Error()})
		return
	}
	if err := p2p.WriteMsg(s, market.ResultHeader{Digest: rec.ResultDigest}); err != nil {
		return
	}
	if err := data.Pack(ctx, outputs, s); err != nil {
		p.log.Warn("send result", "execution", rec.ID, "err", err)
		_ = s.Reset()
	}
}

// serveCancel stops an execution at its requester's request.
func (p *Provider) serveCancel(ctx context.Context, s network.Stream) {
	var req market.CancelRequest
	if err := p2p.ReadMsg(s, &req, market.MaxSmallMsg); err != nil {
		return
	}
	_ = p2p.WriteMsg(s, market.CancelReply{Error: errString(p.cancel(ctx, req.ExecutionID, s.Conn().RemotePeer().String()))})
}

func (p *Provider) cancel(ctx context.Context, id, requester string) error {
	p.mu.Lock()
	r := p.running[id]
	if r == nil {
		p.mu.Unlock()
		return fmt.Errorf("execution %s is not running", id)
	}
	if r.requester != requester {
		p.mu.Unlock()
		return errors.New("only the requester may cancel")
	}
	r.killed = true
	cancel := r.cancel
	p.mu.Unlock()
	rec, err := p.cfg.Store.GetExecution(ctx, id)
	if err == nil {
		if ex, ok := p.cfg.Executors[rec.Spec.Executor]; ok {
			if err := ex.Kill(ctx, id); err != nil && !errors.Is(err, exec.ErrNotFound) {
				p.log.Warn("kill", "execution", id, "err", err)
			}
		}
	}
	if cancel != nil {
		// Cancelling the context stops a task still preparing; a started one
		// is already being killed and Wait reports it.
		go func() { time.Sleep(2 * time.Second); cancel() }()
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
