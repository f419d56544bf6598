package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

// DefaultHeartbeat is how often a provider tells the requester that an
// execution is alive.
const DefaultHeartbeat = 2 * time.Second

// serveTask admits one task on its deal and runs it, with the requester's
// stream as the first stream of the execution's feed. The execution does
// not depend on the stream: if it breaks, the requester reattaches.
func (p *Provider) serveTask(ctx context.Context, s network.Stream) {
	requester := s.Conn().RemotePeer().String()
	reject := func(msg string) {
		_ = p2p.WriteMsg(s, market.TaskEvent{Type: market.EventRejected, Message: msg, At: p.now()})
	}
	var req market.TaskRequest
	if err := p.readRequest(s, &req, market.MaxTaskRequest); err != nil {
		reject(fmt.Sprintf("bad task request: %v", err))
		return
	}
	log := p.log.With("job", req.JobID, "execution", req.ExecutionID, "requester", requester)
	alloc, ex, err := p.commitDeal(&req, requester)
	if err != nil {
		log.Info("task rejected", "err", err)
		reject(p.public(req.ExecutionID, err.Error()))
		return
	}
	if err := p.admitPayment(ctx, req.Deal); err != nil {
		p.release(req.ExecutionID)
		log.Info("task rejected", "err", err)
		reject(p.public(req.ExecutionID, err.Error()))
		return
	}
	rec := store.Execution{ID: req.ExecutionID, JobID: req.JobID, TaskIndex: req.TaskIndex, Requester: requester,
		Spec: req.Spec, State: job.StatePreparing, CreatedAt: p.now(), UpdatedAt: p.now()}
	if err := p.cfg.Store.PutExecution(ctx, rec); err != nil {
		p.release(req.ExecutionID)
		reject("provider storage error")
		log.Error("store execution", "err", err)
		return
	}
	if err := os.MkdirAll(p.execDir(req.ExecutionID), 0o700); err != nil {
		p.release(req.ExecutionID)
		reject("provider storage error")
		return
	}
	out := p.newFeed(req.ExecutionID, job.StatePreparing)
	out.add(s)
	go p.readPayments(ctx, s, req.ExecutionID)
	out.send(market.TaskEvent{Type: market.EventAccepted, State: job.StatePreparing})
	log.Info("task accepted") // its capacity was reserved, and published, at the quote
	p.wg.Add(1)
	defer p.wg.Done()
	p.supervise(ctx, rec, out, func(runCtx context.Context) (exec.Result, error) {
		return p.execute(runCtx, ex, &req, alloc.GPUs, alloc.Vendor, out)
	})
}

// newFeed registers the feed of an execution.
func (p *Provider) newFeed(id string, state job.State) *sender {
	out := newSender(filepath.Join(p.execDir(id), "logs"), p.now, state, p.cfg.MaxLogBytes)
	p.mu.Lock()
	p.feeds[id] = out
	p.mu.Unlock()
	return out
}

// supervise runs an execution to its end: heartbeats, the final record,
// the output digest, the final event, and the release of its capacity.
// The run is bounded by the execution's own timeout, not by any stream.
func (p *Provider) supervise(ctx context.Context, rec store.Execution, out *sender, run func(context.Context) (exec.Result, error)) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopWatch := context.AfterFunc(p.stop, cancel)
	defer stopWatch()
	p.mu.Lock()
	if r := p.running[rec.ID]; r != nil {
		r.cancel = cancel
	}
	p.mu.Unlock()
	hb := p.cfg.Heartbeat
	if hb <= 0 {
		hb = DefaultHeartbeat
	}
	stopBeats := make(chan struct{})
	beatsDone := make(chan struct{})
	go func() {
		defer close(beatsDone)
		t := time.NewTicker(hb)
		defer t.Stop()
		usage := time.NewTicker(p.usageInterval())
		defer usage.Stop()
		disk := time.NewTicker(p.cfg.DiskCheck)
		defer disk.Stop()
		sample := time.NewTicker(p.sampleInterval())
		defer sample.Stop()
		for {
			select {
			case <-stopBeats:
				return
			case <-t.C:
				out.heartbeat()
			case <-usage.C:
				p.meterTick(ctx, rec.ID, out)
			case <-disk.C:
				p.checkDisk(ctx, rec)
			case <-sample.C:
				p.sampleUse(ctx, rec)
			}
		}
	}()

	res, runErr := run(runCtx)
	close(stopBeats)
	<-beatsDone
	if runErr != nil && p.stop.Err() != nil && !p.wasKilled(rec.ID) {
		// The daemon is stopping: the record stays as it is, and the next
		// start reattaches to the sandbox or marks the execution lost.
		p.log.Info("daemon stopping; execution left to the next start", "execution", rec.ID)
		return
	}
	var digest string
	var size int64
	stopErr := p.stopErr(rec.ID)
	if errors.Is(stopErr, ErrDiskExceeded) {
		// Outputs past the disk request are not offered: the requester
		// would refuse them anyway. The job fails with the reason.
		if err := p.removeOutputs(context.WithoutCancel(ctx), rec.ID); err != nil {
			p.log.Warn("remove outputs", "execution", rec.ID, "err", err)
		}
	} else if runErr == nil {
		if tamper := p.cfg.TamperOutputs; tamper != nil {
			if err := tamper(p.outputsDir(rec.ID)); err != nil {
				p.log.Warn("tamper with outputs", "execution", rec.ID, "err", err)
			}
		}
		m, d, err := data.Digest(p.outputsDir(rec.ID))
		if err != nil {
			runErr = fmt.Errorf("outputs: %w", err)
		} else {
			digest, size = d, m.TotalSize()
		}
	}
	rec.UpdatedAt = p.now()
	rec.State, rec.Error = outcome(res, runErr, p.wasKilled(rec.ID), rec.Spec)
	if stopErr != nil {
		rec.State, rec.Error = job.StateFailed, stopErr.Error()
		if errors.Is(stopErr, ErrCannotMeter) {
			// The provider failed, not the task: lost, so that the
			// requester runs it elsewhere.
			rec.State = job.StateLost
		}
	}
	if rec.State == job.StateFailed && p.outputsFull(rec.ID) {
		rec.Error += fmt.Sprintf(" (/outputs is full: the job asked for %s of disk)", rec.Spec.Resources.Disk)
	}
	detail := rec.Error // the log has it all; the requester sees no host paths
	rec.Error = p.public(rec.ID, rec.Error)
	p.release(rec.ID) // the capacity is free; payment may take a moment
	// The final usage report (nothing when the sandbox never started),
	// and a short wait for its voucher before the final event.
	p.report(ctx, rec.ID, out, true)
	p.endUse(rec, res)
	if requester, due := p.endMeter(rec.ID); due > 0 {
		p.settleEnd(ctx, rec.ID, requester, due)
	}
	code := res.ExitCode
	rec.ExitCode, rec.ResultDigest = &code, digest
	// A verified task's requester learns of a commitment, not the digest:
	// it is revealed once every runner has committed (verify.go).
	commitment, err := p.commit(ctx, rec, digest)
	if err != nil {
		rec.State, rec.Error = job.StateFailed, fmt.Sprintf("commit to the result: %v", err)
	}
	p.storeEnded(ctx, rec)
	fresh, err := p.issue() // signed after the release above: shows the capacity free
	if err != nil {
		fresh = nil
	}
	ended := market.TaskEvent{Type: market.EventExited, State: rec.State, Message: rec.Error, Result: &res,
		ResultDigest: digest, ResultSize: size, Offer: fresh, Reason: stopReason(rec), Commitment: commitment}
	if commitment != nil {
		ended.ResultDigest = ""
	}
	out.finish(ended)
	p.mu.Lock()
	delete(p.feeds, rec.ID)
	p.mu.Unlock()
	p.log.Info("execution ended", "execution", rec.ID, "state", rec.State, "exit", res.ExitCode, "digest", digest, "err", detail)
}

// storeEnded records an ended execution before the requester hears of it:
// its result is served from that record, so a failed write (a full disk) is
// retried for a while rather than leaving the execution "running" for good.
func (p *Provider) storeEnded(ctx context.Context, rec store.Execution) {
	const tries, wait = 120, 500 * time.Millisecond
	for i := 0; ; i++ {
		err := p.cfg.Store.PutExecution(context.WithoutCancel(ctx), rec)
		if err == nil {
			return
		}
		if i == 0 || i == tries-1 {
			p.log.Error("store execution; retrying", "execution", rec.ID, "err", err)
		}
		if i == tries-1 {
			return
		}
		select {
		case <-p.stop.Done():
			return
		case <-time.After(wait):
		}
	}
}

// outcome names how an execution ended.
func outcome(res exec.Result, runErr error, killed bool, spec job.Spec) (job.State, string) {
	var state job.State
	var msg string
	switch {
	case runErr != nil:
		state, msg = job.StateFailed, runErr.Error()
		if killed {
			state = job.StateCancelled
		}
	case res.Killed && killed:
		state, msg = job.StateCancelled, "cancelled by the requester"
	case res.TimedOut:
		state, msg = job.StateFailed, fmt.Sprintf("timed out after %s", time.Duration(spec.Timeout))
	case res.ExitCode != 0:
		state, msg = job.StateFailed, fmt.Sprintf("exit code %d", res.ExitCode)
	default:
		state = job.StateCompleted
	}
	switch {
	case res.OOMKilled:
		msg = "killed: out of memory (limit " + spec.Resources.Memory.String() + ")"
	case state == job.StateFailed && res.ExitCode == exec.KilledExitCode && !res.Killed && !res.TimedOut && runErr == nil:
		// The engine loses the out-of-memory event of a task killed in
		// its first milliseconds (before it watches the cgroup); a SIGKILL
		// that nobody on this side sent is most often the memory limit.
		msg = fmt.Sprintf("exit code %d: killed by SIGKILL, most likely out of memory (limit %s); the engine did not confirm it", res.ExitCode, spec.Resources.Memory)
	}
	if res.Error != "" && msg == "" {
		msg = res.Error
	}
	return state, msg
}

func (p *Provider) wasKilled(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.running[id]
	return r != nil && r.killed
}

// execute prepares, starts and waits for the execution, streaming logs.
func (p *Provider) execute(ctx context.Context, ex exec.Executor, req *market.TaskRequest, gpus []string, vendor string, out *sender) (exec.Result, error) {
	if req.Spec.IsBooking() {
		return p.hold(ctx, req, out) // a reservation: no sandbox (booking.go)
	}
	dir := p.execDir(req.ExecutionID)
	task := exec.Task{JobID: req.JobID, ExecutionID: req.ExecutionID, TaskIndex: req.TaskIndex, Spec: req.Spec,
		GPUIDs: gpus, GPUVendor: vendor, OutputsDir: p.outputsDir(req.ExecutionID), Network: req.Spec.Network.Outbound}
	task.Spec.Env = req.Spec.TaskEnv(req.TaskIndex) // the task's index and count (job.TaskEnv)
	if req.Spec.Network.Links {
		unlink, err := p.linkTask(req, &task)
		if err != nil {
			return exec.Result{}, err
		}
		defer unlink()
	}
	var inputsSize int64
	if len(req.Spec.Inputs) > 0 {
		inputs := filepath.Join(dir, "inputs")
		defer os.RemoveAll(inputs)
		var err error
		if inputsSize, err = p.fetchInputs(ctx, req, inputs, out); err != nil {
			return exec.Result{}, err
		}
		task.InputsDir = inputs
	}
	if err := p.makeOutputs(ctx, req.ExecutionID, int64(req.Spec.Resources.Disk)-inputsSize); err != nil {
		p.log.Error("make outputs", "execution", req.ExecutionID, "err", err)
		return exec.Result{}, errors.New("provider storage error: cannot make the outputs directory")
	}
	if req.Checkpoint != nil {
		// A restarted linked job: the task starts from its earlier
		// attempt's /outputs/checkpoint.
		if err := p.carryCheckpoint(ctx, req, int64(req.Spec.Resources.Disk)-inputsSize, out); err != nil {
			return exec.Result{}, err
		}
	}
	if w := req.Spec.Wasm; req.Spec.Executor == job.ExecutorWasm && w != nil && w.URL != "" && len(w.Inline) == 0 {
		mod, err := p.fetchWasm(ctx, w, dir, out)
		if err != nil {
			return exec.Result{}, err
		}
		task.Spec.Wasm = &job.WasmModule{Inline: mod, SHA256: w.SHA256}
	}
	if err := ctx.Err(); err != nil {
		return exec.Result{}, errors.New("cancelled by the requester before start")
	}
	if err := ex.Prepare(ctx, task); err != nil {
		return exec.Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return exec.Result{}, errors.New("cancelled by the requester before start")
	}
	if err := ex.Start(ctx, task); err != nil {
		return exec.Result{}, err
	}
	p.markStarted(req.ExecutionID)
	p.sampleUse(ctx, store.Execution{ID: req.ExecutionID, JobID: req.JobID, TaskIndex: req.TaskIndex, Spec: req.Spec})
	if err := p.cfg.Store.PutExecution(ctx, store.Execution{ID: req.ExecutionID, JobID: req.JobID, TaskIndex: req.TaskIndex,
		Spec: req.Spec, State: job.StateRunning, UpdatedAt: p.now()}); err != nil {
		p.log.Warn("store execution", "err", err)
	}
	out.send(market.TaskEvent{Type: market.EventState, State: job.StateRunning})
	return p.follow(ctx, ex, req.ExecutionID, out)
}

// follow streams a started execution's logs and waits for its end, then
// removes its sandbox.
func (p *Provider) follow(ctx context.Context, ex exec.Executor, id string, out *sender) (exec.Result, error) {
	defer func() {
		if p.stop.Err() != nil {
			return // the daemon is stopping: the next start reattaches
		}
		if err := ex.Remove(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, exec.ErrNotFound) {
			p.log.Warn("remove sandbox", "execution", id, "err", err)
		}
	}()
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		p.streamLogs(ctx, ex, id, out)
	}()
	res, err := ex.Wait(ctx, id)
	if err != nil {
		return res, fmt.Errorf("wait: %w", err)
	}
	p.sampleEnd(ctx, id) // what an executor still tells of an ended sandbox (wasm: its memory)
	select {
	case <-logsDone:
	case <-time.After(5 * time.Second):
		p.log.Warn("log stream did not end after exit", "execution", id)
	}
	p.logTail(ctx, ex, id, out)
	return res, nil
}

// logTail reads the finished execution's whole log once more and sends what
// the follow stream missed: an engine may end a follow stream opened while
// its container is exiting before the last bytes.
func (p *Provider) logTail(ctx context.Context, ex exec.Executor, id string, out *sender) {
	rc, err := ex.Logs(ctx, id, false)
	if err != nil {
		return
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, out.logged()); err != nil {
		return
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			if lerr := out.log(append([]byte(nil), buf[:n]...)); lerr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// streamLogs copies the execution's logs to its feed (file and streams).
func (p *Provider) streamLogs(ctx context.Context, ex exec.Executor, id string, out *sender) {
	rc, err := ex.Logs(ctx, id, true)
	if err != nil {
		p.log.Warn("logs", "execution", id, "err", err)
		return
	}
	defer rc.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			if lerr := out.log(append([]byte(nil), buf[:n]...)); lerr != nil {
				p.log.Warn("log file", "execution", id, "err", lerr)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				p.log.Debug("log stream ended", "execution", id, "err", err)
			}
			return
		}
	}
}

// serveAttach lets the requester of an execution reattach to its events.
func (p *Provider) serveAttach(ctx context.Context, s network.Stream) {
	reject := func(msg string) {
		_ = p2p.WriteMsg(s, market.TaskEvent{Type: market.EventRejected, Message: msg, At: p.now()})
	}
	var req market.AttachRequest
	if err := p.readRequest(s, &req, market.MaxSmallMsg); err != nil {
		reject(fmt.Sprintf("bad attach request: %v", err))
		return
	}
	if p.stop.Err() != nil {
		return // stopping: the requester's retry reaches the next start
	}
	rec, err := p.cfg.Store.GetExecution(ctx, req.ExecutionID)
	if errors.Is(err, store.ErrNotFound) {
		reject("unknown execution")
		return
	}
	if err != nil {
		return // not an answer about the execution: let the requester retry
	}
	if rec.Requester != s.Conn().RemotePeer().String() {
		reject("only the requester may attach")
		return
	}
	p.mu.Lock()
	feed := p.feeds[req.ExecutionID]
	p.mu.Unlock()
	if feed != nil {
		if err := feed.attach(s, req.LogOffset); err != nil {
			return
		}
		go p.readPayments(ctx, s, req.ExecutionID)
		select {
		case <-feed.done:
		case <-ctx.Done():
		}
		return
	}
	if !rec.State.Terminal() {
		reject("execution lost: it is not running here any more")
		return
	}
	if err := catchUp(s, filepath.Join(p.execDir(rec.ID), "logs"), req.LogOffset, rec.State, p.now); err != nil {
		return
	}
	res := exec.Result{}
	if rec.ExitCode != nil {
		res.ExitCode = *rec.ExitCode
	}
	ended := market.TaskEvent{Type: market.EventExited, State: rec.State, Message: rec.Error, Result: &res,
		ResultDigest: rec.ResultDigest, At: p.now(), Reason: stopReason(rec)}
	if c, _ := p.commitment(ctx, rec.ID); c != nil {
		ended.ResultDigest, ended.Commitment = "", c
	}
	_ = p2p.WriteMsg(s, ended)
}

// stopReason is the TaskEvent Reason of an ended execution.
func stopReason(rec store.Execution) string {
	if rec.State == job.StateFailed && strings.HasPrefix(rec.Error, ErrNotPaid.Error()) {
		return market.ReasonUnpaid
	}
	return ""
}

// serveResult streams an execution's output tree to its requester, or to
// a peer holding the requester's grant.
func (p *Provider) serveResult(ctx context.Context, s network.Stream) {
	var req market.ResultRequest
	if err := p.readRequest(s, &req, market.MaxResultRequest); err != nil {
		_ = p2p.WriteMsg(s, market.ResultHeader{Error: fmt.Sprintf("bad result request: %v", err)})
		return
	}
	rec, outputs, err := p.resultDir(ctx, req, s.Conn().RemotePeer().String())
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
	if err := p.readRequest(s, &req, market.MaxSmallMsg); err != nil {
		_ = p2p.WriteMsg(s, market.CancelReply{Error: fmt.Sprintf("bad cancel request: %v", err)})
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
	p.killSandbox(ctx, id)
	if cancel != nil {
		// Cancelling the context stops a task still preparing; a started one
		// is already being killed and Wait reports it.
		go func() { time.Sleep(2 * time.Second); cancel() }()
	}
	return nil
}

// killSandbox kills an execution's sandbox (best effort).
func (p *Provider) killSandbox(ctx context.Context, id string) {
	if p.killHeld(id) {
		return // a booking reservation has no sandbox
	}
	rec, err := p.cfg.Store.GetExecution(ctx, id)
	if err != nil {
		return
	}
	if ex, ok := p.cfg.Executors[rec.Spec.Executor]; ok {
		if err := ex.Kill(ctx, id); err != nil && !errors.Is(err, exec.ErrNotFound) {
			p.log.Warn("kill", "execution", id, "err", err)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
