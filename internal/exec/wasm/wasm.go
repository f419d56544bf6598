// Package wasm is the WebAssembly executor: it runs WASI preview 1 modules
// on wazero, in process, with no cgo and no container engine.
//
// A task sees:
//   - argv: "task.wasm" followed by Spec.Command; the environment: Spec.Env
//     only (nothing of the host's), set in sorted key order;
//   - /inputs (Task.InputsDir, read-only) and /outputs (Task.OutputsDir,
//     writable), each confined to its directory: a symbolic link is
//     followed only while it stays inside (os.Root), and a new link that
//     climbs out is refused (confinedFS); no other file system and no
//     network;
//   - stdout and stderr combined into the execution's logs, kept in memory
//     up to Config.MaxLogBytes, after which one marker line says they were
//     truncated.
//
// # Determinism
//
// Tasks are deterministic, so two honest runs of the same task produce the
// same output digest (what replicate verification compares):
//   - Clocks are virtual, never the host's. The wall clock starts at Epoch
//     (2022-01-01T00:00:00Z) and the monotonic clock at 0; both advance by
//     ClockStep (1 ms) on every reading and by the requested duration on
//     every sleep, which returns at once. (wazero's defaults are also fake
//     clocks stepping 1 ms per reading from the same epoch, but their sleep
//     neither waits nor advances time; this executor sets its clocks
//     explicitly with WithWalltime, WithNanotime and WithNanosleep, one
//     fresh clock per execution.) A guest therefore cannot measure or wait
//     for real time: a time.Sleep of an hour returns immediately, with the
//     clock an hour later.
//   - The random source (WASI random_get, used by crypto/rand and to seed
//     math/rand) is ChaCha8 keyed with RandomSeed(job ID, task index): the
//     same for every execution of one task, different between tasks.
//
// # Limits
//
// The wall-time limit is Spec.Timeout (none when zero), enforced by
// cancelling the module's context (wazero's WithCloseOnContextDone), which
// interrupts even a loop that makes no host call; the Result then reports
// TimedOut. Kill cancels the same way and the Result reports Killed. Both
// use exit code 137, like a container killed by SIGKILL.
//
// The memory limit is Spec.Resources.Memory (Config.MaxMemory when zero,
// refused when larger). A memory.grow past it fails; when the execution then
// ends with a non-zero status the Result reports OOMKilled. A module whose
// declared initial memory exceeds the limit is refused by Start.
//
// # Exit status
//
// A module that returns from _start exits 0; proc_exit(n) exits n; a trap
// (unreachable, out-of-bounds access, stack overflow...) ends the
// execution with exit code 1 and the trap in Result.Error.
//
// # Modules and the compilation cache
//
// Modules come from Spec.Wasm.Inline. URL modules are fetched (and their
// SHA-256 checked) by the data component before Prepare and handed to this
// executor inline; Prepare refuses a URL-only module. When Spec.Wasm.SHA256
// is set it must match the inline bytes; once a module with that digest is
// compiled, later tasks naming it run it without hashing their bytes again
// (what runs is always the module the digest names). Compiled modules are
// kept in memory by SHA-256, up to Config.MaxModules (the least recently
// used is closed beyond it), and with Config.CacheDir wazero also keeps
// compiled machine code on disk, so a module seen before, by this daemon or
// an earlier run of it, compiles fast. The on-disk cache is not pruned.
//
// # Daemon restarts
//
// Executions live in the daemon's process and die with it. A new Executor
// knows nothing of earlier executions: Wait, Logs and Kill of an execution
// ID it does not know return an error wrapping exec.ErrLost (the requester
// may retry the task), since it cannot tell an execution of an earlier run
// from an unknown one. Remove of an unknown ID does nothing.
package wasm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/job"
)

// Name is the executor's name in specs and offers.
const Name = job.ExecutorWasm

// Defaults of Config.
const (
	// DefaultMaxMemory is the most memory a WebAssembly (wasm32) module can
	// address: 4 GiB.
	DefaultMaxMemory job.ByteSize = 1 << 32
	// DefaultMaxLogBytes is the cap of an execution's kept logs.
	DefaultMaxLogBytes = 8 << 20
	// DefaultMaxModules is how many compiled modules are kept in memory.
	DefaultMaxModules = 32
)

const pageSize = 64 << 10 // bytes in a WebAssembly memory page

// Errors of this package.
var (
	// ErrNoModule is returned for a task without inline module bytes.
	ErrNoModule = errors.New("no inline wasm module")
	// ErrDigestMismatch is returned when Spec.Wasm.SHA256 does not match the
	// inline module.
	ErrDigestMismatch = errors.New("wasm module sha256 mismatch")
	// ErrMemoryLimit is returned for a task whose memory limit is above the
	// executor's maximum or below the module's initial memory.
	ErrMemoryLimit = errors.New("wasm memory limit")
	// ErrExists is returned by Start for an execution ID already in use.
	ErrExists = errors.New("execution already exists")
)

// Config configures an Executor. The zero value is usable.
type Config struct {
	// Logger receives the executor's logs; nil discards them.
	Logger *slog.Logger
	// CacheDir, when set, holds wazero's on-disk compilation cache.
	CacheDir string
	// MaxMemory is the most memory one execution may use, and the limit of
	// a task that asks for none. Default DefaultMaxMemory.
	MaxMemory job.ByteSize
	// MaxLogBytes caps the logs kept per execution. Default
	// DefaultMaxLogBytes.
	MaxLogBytes int
	// MaxModules is how many compiled modules are kept in memory, the least
	// recently used closed beyond it (the on-disk cache keeps them for a
	// fast recompile). Default DefaultMaxModules.
	MaxModules int
	// Clock gives the host time written in Results (StartedAt,
	// FinishedAt); default time.Now. Guests never see it.
	Clock func() time.Time
}

// Executor runs WebAssembly tasks. It implements exec.Executor and is safe
// for concurrent use. Close it to free the runtime.
type Executor struct {
	log     *slog.Logger
	now     func() time.Time
	maxMem  job.ByteSize
	maxLogs int
	maxMods int
	runtime wazero.Runtime
	cache   wazero.CompilationCache

	closeOnce sync.Once
	closeErr  error

	mu      sync.Mutex
	closed  bool
	modules map[[32]byte]*module
	uses    uint64 // counts module lookups: the clock of module.lastUse
	execs   map[string]*execution
}

// module is a compiled module, shared by concurrent Prepares.
type module struct {
	ready    chan struct{} // closed when compiled or err is set
	compiled wazero.CompiledModule
	minMem   uint64 // declared initial memory in bytes
	err      error
	lastUse  uint64 // Executor.uses at its last lookup; guarded by Executor.mu
}

// execution is one run of a task.
type execution struct {
	ctx    context.Context // the run's context: cancelled by Kill or the timeout
	cancel context.CancelFunc
	done   chan struct{} // closed when result is set
	logs   *logBuffer
	// alloc holds its linear memory (its size for Sample).
	alloc  *limitedAllocator
	killMu sync.Mutex
	killed bool
	result exec.Result
}

var _ exec.Executor = (*Executor)(nil)

// New returns an executor configured by cfg.
func New(cfg Config) (*Executor, error) {
	e := &Executor{
		log:     cfg.Logger,
		now:     cfg.Clock,
		maxMem:  cfg.MaxMemory,
		maxLogs: cfg.MaxLogBytes,
		maxMods: cfg.MaxModules,
		modules: make(map[[32]byte]*module),
		execs:   make(map[string]*execution),
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.maxMem <= 0 || e.maxMem > DefaultMaxMemory {
		e.maxMem = DefaultMaxMemory
	}
	if e.maxLogs <= 0 {
		e.maxLogs = DefaultMaxLogBytes
	}
	if e.maxMods <= 0 {
		e.maxMods = DefaultMaxModules
	}
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(uint32(uint64(e.maxMem) / pageSize))
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm compilation cache %q: %w", cfg.CacheDir, err)
		}
		e.cache = cache
		rc = rc.WithCompilationCache(cache)
	}
	ctx := context.Background()
	e.runtime = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.runtime); err != nil {
		e.runtime.Close(ctx)
		return nil, fmt.Errorf("instantiate wasi: %w", err)
	}
	return e, nil
}

// Name implements exec.Executor.
func (e *Executor) Name() string { return Name }

// Prepare compiles the task's module (once per module content).
func (e *Executor) Prepare(ctx context.Context, t exec.Task) error {
	_, err := e.module(ctx, t)
	return err
}

// module returns the task's compiled module, compiling it when new, after
// checking the module's digest and the task's memory limit.
func (e *Executor) module(ctx context.Context, t exec.Task) (*module, error) {
	w := t.Spec.Wasm
	if w == nil || len(w.Inline) == 0 {
		if w != nil && w.URL != "" {
			return nil, fmt.Errorf("%w: module %s must be fetched and passed inline before Prepare", ErrNoModule, w.URL)
		}
		return nil, ErrNoModule
	}
	if _, err := e.memoryLimit(t.Spec); err != nil {
		return nil, err
	}
	var sum [32]byte
	named := false // w.SHA256 names a module compiled (or compiling) here
	if w.SHA256 != "" {
		d, err := hex.DecodeString(w.SHA256)
		if err != nil || len(d) != len(sum) {
			return nil, fmt.Errorf("%w: %q is not a hex SHA-256", ErrDigestMismatch, w.SHA256)
		}
		copy(sum[:], d)
		e.mu.Lock()
		_, named = e.modules[sum]
		e.mu.Unlock()
	}
	if !named {
		got := sha256.Sum256(w.Inline)
		if w.SHA256 != "" && got != sum {
			return nil, fmt.Errorf("%w: spec says %s, module is %x", ErrDigestMismatch, w.SHA256, got)
		}
		sum = got
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errors.New("wasm executor closed")
	}
	m, ok := e.modules[sum]
	if !ok {
		m = &module{ready: make(chan struct{})}
		e.modules[sum] = m
		e.evictLocked()
	}
	e.uses++
	m.lastUse = e.uses
	e.mu.Unlock()
	if !ok {
		start := time.Now()
		// Compile without the caller's ctx: other Prepares share the result.
		m.compiled, m.err = e.runtime.CompileModule(context.Background(), w.Inline)
		if m.err != nil {
			m.err = fmt.Errorf("compile wasm module %x: %w", sum[:8], m.err)
			e.mu.Lock()
			delete(e.modules, sum) // let a later Prepare try again
			e.mu.Unlock()
		} else {
			for _, d := range m.compiled.ImportedMemories() {
				m.minMem = max(m.minMem, uint64(d.Min())*pageSize)
			}
			for _, d := range m.compiled.ExportedMemories() {
				m.minMem = max(m.minMem, uint64(d.Min())*pageSize)
			}
			e.log.Debug("compiled wasm module", "sha256", hex.EncodeToString(sum[:]), "took", time.Since(start))
		}
		close(m.ready)
	}
	select {
	case <-m.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if m.err != nil {
		return nil, m.err
	}
	return m, nil
}

// evictLocked closes the least recently used compiled modules beyond
// maxMods. Executions running one keep running: wazero allows closing a
// compiled module under its instances. e.mu is held.
func (e *Executor) evictLocked() {
	for len(e.modules) > e.maxMods {
		var (
			oldest [32]byte
			victim *module
		)
		for sum, m := range e.modules {
			select {
			case <-m.ready:
			default:
				continue // still compiling
			}
			if victim == nil || m.lastUse < victim.lastUse {
				oldest, victim = sum, m
			}
		}
		if victim == nil {
			return
		}
		delete(e.modules, oldest)
		if victim.compiled != nil {
			_ = victim.compiled.Close(context.Background())
		}
	}
}

// memoryLimit is the task's memory limit in bytes.
func (e *Executor) memoryLimit(s job.Spec) (uint64, error) {
	lim := s.Resources.Memory
	if lim == 0 {
		lim = e.maxMem
	}
	if lim < 0 || lim > e.maxMem {
		return 0, fmt.Errorf("%w: %d bytes asked, this executor allows at most %d", ErrMemoryLimit, lim, e.maxMem)
	}
	return uint64(lim), nil
}

// Start instantiates the task's module and runs it in the background.
func (e *Executor) Start(ctx context.Context, t exec.Task) error {
	m, err := e.module(ctx, t)
	if err != nil {
		return err
	}
	limit, err := e.memoryLimit(t.Spec)
	if err != nil {
		return err
	}
	if m.minMem > limit {
		return fmt.Errorf("%w: the module needs %d bytes of initial memory, the task allows %d", ErrMemoryLimit, m.minMem, limit)
	}

	logs := newLogBuffer(e.maxLogs)
	clock := &taskClock{}
	fsc, roots, err := mounts(t)
	if err != nil {
		return err
	}
	mc := wazero.NewModuleConfig().
		WithName(""). // anonymous: one module may run many times at once
		WithArgs(append([]string{"task.wasm"}, t.Spec.Command...)...).
		WithStdout(logs).
		WithStderr(logs).
		WithFSConfig(fsc).
		WithWalltime(clock.walltime, sys.ClockResolution(ClockStep)).
		WithNanotime(clock.nanotime, sys.ClockResolution(ClockStep)).
		WithNanosleep(clock.nanosleep).
		WithOsyield(func() {}).
		WithRandSource(randomSource(t.JobID, t.TaskIndex))
	keys := make([]string, 0, len(t.Spec.Env))
	for k := range t.Spec.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mc = mc.WithEnv(k, t.Spec.Env[k])
	}

	runCtx, cancel := context.WithCancel(context.Background())
	if t.Spec.Timeout > 0 {
		cancel()
		runCtx, cancel = context.WithTimeout(context.Background(), time.Duration(t.Spec.Timeout))
	}
	alloc := &limitedAllocator{limit: limit}
	x := &execution{ctx: runCtx, cancel: cancel, done: make(chan struct{}), logs: logs, alloc: alloc}

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		cancel()
		closeRoots(roots)
		return errors.New("wasm executor closed")
	}
	if _, ok := e.execs[t.ExecutionID]; ok {
		e.mu.Unlock()
		cancel()
		closeRoots(roots)
		return fmt.Errorf("start %s: %w", t.ExecutionID, ErrExists)
	}
	e.execs[t.ExecutionID] = x
	e.mu.Unlock()

	runCtx = experimental.WithMemoryAllocator(runCtx, alloc)
	x.result.StartedAt = e.now()
	log := e.log.With("execution", t.ExecutionID)
	log.Debug("wasm execution started")
	go func() {
		defer closeRoots(roots)
		e.run(runCtx, log, x, m.compiled, mc, alloc)
	}()
	return nil
}

// mounts are the task's /inputs (read-only) and /outputs, each confined
// to its directory; the roots are closed when the task has ended.
func mounts(t exec.Task) (wazero.FSConfig, []*os.Root, error) {
	fsc := wazero.NewFSConfig()
	var roots []*os.Root
	for _, m := range []struct {
		dir, guest string
		readOnly   bool
	}{{t.InputsDir, "/inputs", true}, {t.OutputsDir, "/outputs", false}} {
		if m.dir == "" {
			continue
		}
		fsys, root, err := confine(m.dir, m.readOnly)
		if err != nil {
			closeRoots(roots)
			return nil, nil, fmt.Errorf("mount %s: %w", m.guest, err)
		}
		roots = append(roots, root)
		fsc = fsc.(sysfs.FSConfig).WithSysFSMount(fsys, m.guest)
	}
	return fsc, roots, nil
}

func closeRoots(roots []*os.Root) {
	for _, r := range roots {
		r.Close()
	}
}

// run runs the module to its end and records the Result.
func (e *Executor) run(ctx context.Context, log *slog.Logger, x *execution, cm wazero.CompiledModule, mc wazero.ModuleConfig, alloc *limitedAllocator) {
	mod, err := e.runtime.InstantiateModule(ctx, cm, mc)
	if mod != nil {
		mod.Close(context.Background())
	}
	x.killMu.Lock()
	killed := x.killed
	x.killMu.Unlock()
	res := exec.Result{StartedAt: x.result.StartedAt}
	var exitErr *sys.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && (exitErr.ExitCode() == sys.ExitCodeContextCanceled || exitErr.ExitCode() == sys.ExitCodeDeadlineExceeded):
		res.ExitCode = exec.KilledExitCode
		if killed {
			res.Killed = true
		} else {
			res.TimedOut = true
		}
	case errors.As(err, &exitErr):
		res.ExitCode = int(exitErr.ExitCode())
	default:
		res.ExitCode = 1
		res.Error = err.Error()
	}
	if res.ExitCode != 0 && !res.Killed && !res.TimedOut && alloc.refused.Load() {
		res.OOMKilled = true
	}
	x.cancel()
	x.logs.close()
	res.FinishedAt = e.now()
	x.result = res
	close(x.done)
	log.Debug("wasm execution ended", "exitCode", res.ExitCode, "timedOut", res.TimedOut, "killed", res.Killed, "oomKilled", res.OOMKilled)
}

// lookup returns the execution with id, or an error wrapping exec.ErrLost.
func (e *Executor) lookup(id string) (*execution, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.execs[id]
	if !ok {
		return nil, fmt.Errorf("wasm execution %s: %w", id, exec.ErrLost)
	}
	return x, nil
}

// Wait blocks until the execution ends or ctx is done.
func (e *Executor) Wait(ctx context.Context, executionID string) (exec.Result, error) {
	x, err := e.lookup(executionID)
	if err != nil {
		return exec.Result{}, err
	}
	select {
	case <-x.done:
		return x.result, nil
	case <-ctx.Done():
		return exec.Result{}, ctx.Err()
	}
}

// Logs returns the execution's combined stdout and stderr from the
// beginning; with follow the reader blocks for more until the execution
// ends, ctx is done or the reader is closed.
func (e *Executor) Logs(ctx context.Context, executionID string, follow bool) (io.ReadCloser, error) {
	x, err := e.lookup(executionID)
	if err != nil {
		return nil, err
	}
	return x.logs.reader(ctx, follow), nil
}

// Kill stops a running execution; it does nothing to one that has ended.
func (e *Executor) Kill(ctx context.Context, executionID string) error {
	x, err := e.lookup(executionID)
	if err != nil {
		return err
	}
	x.kill()
	return nil
}

func (x *execution) kill() {
	x.killMu.Lock()
	select {
	case <-x.done:
	default:
		// A kill after the timeout fired leaves the Result TimedOut.
		if x.ctx.Err() == nil {
			x.killed = true
		}
	}
	x.killMu.Unlock()
	x.cancel()
}

// Remove forgets the execution and its logs, killing it first if it still
// runs. The outputs directory is left alone.
func (e *Executor) Remove(ctx context.Context, executionID string) error {
	e.mu.Lock()
	x, ok := e.execs[executionID]
	e.mu.Unlock()
	if !ok {
		return nil
	}
	x.kill()
	select {
	case <-x.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	e.mu.Lock()
	if e.execs[executionID] == x {
		delete(e.execs, executionID)
	}
	e.mu.Unlock()
	return nil
}

// Close kills every running execution, waits for them to end and frees the
// runtime and the compilation cache. Later calls return the first result.
func (e *Executor) Close() error {
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		execs := make([]*execution, 0, len(e.execs))
		for _, x := range e.execs {
			execs = append(execs, x)
		}
		e.mu.Unlock()
		for _, x := range execs {
			x.kill()
			<-x.done
		}
		ctx := context.Background()
		err := e.runtime.Close(ctx)
		if e.cache != nil {
			err = errors.Join(err, e.cache.Close(ctx))
		}
		if err != nil {
			e.closeErr = fmt.Errorf("close wasm runtime: %w", err)
		}
	})
	return e.closeErr
}
