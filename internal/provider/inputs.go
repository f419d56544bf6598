package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/p2p"
)

// MaxWasmModule caps a wasm module fetched from a URL.
const MaxWasmModule = 256 << 20

// errInputs prefixes every input failure the requester sees.
var errInputs = errors.New("fetch input")

// progressReporter turns fetch progress into throttled preparing events.
type progressReporter struct {
	out   *sender
	now   func() time.Time
	every time.Duration
	last  time.Time
}

func (r *progressReporter) report(what string, done, total int64) {
	now := r.now()
	if done != total && now.Sub(r.last) < r.every {
		return
	}
	r.last = now
	msg := fmt.Sprintf("fetching %s: %s", what, mib(done))
	if total >= 0 {
		msg += " of " + mib(total)
	}
	r.out.send(market.TaskEvent{Type: market.EventState, State: job.StatePreparing, Message: msg})
}

// mib formats a byte count for progress events: MiB with one decimal, or
// KiB below a tenth of a MiB so that small files do not read "0.0 MiB".
func mib(n int64) string {
	if n < (1<<20)/10 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// fetchInputs fetches every input of the task into dir/<name> and
// returns the bytes they hold. All of them together are capped at the
// task's disk request, a url input also at its own maxSize.
func (p *Provider) fetchInputs(ctx context.Context, req *market.TaskRequest, dir string, out *sender) (int64, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.log.Error("create inputs dir", "execution", req.ExecutionID, "err", err)
		return 0, fmt.Errorf("%w: provider storage error", errInputs)
	}
	grants := map[string]market.ResultGrant{}
	for _, g := range req.Grants {
		grants[g.Input] = g
	}
	prog := &progressReporter{out: out, now: p.now, every: time.Second}
	var used int64
	for _, in := range req.Spec.Inputs {
		dest := filepath.Join(dir, in.Name)
		start := p.now()
		disk := int64(req.Spec.Resources.Disk) - used // what is left for this one
		if disk <= 0 {
			return used, fmt.Errorf("%w %s: the inputs before it fill the disk request (%s)", errInputs, in.Name, req.Spec.Resources.Disk)
		}
		var err error
		switch in.Kind() {
		case "url":
			max := disk
			if in.MaxSize > 0 {
				max = min(max, int64(in.MaxSize))
			}
			_, err = data.FetchURL(ctx, data.URLFetch{URL: in.URL, SHA256: in.SHA256, MaxBytes: max,
				StallTimeout: p.cfg.InputStallTimeout, Guard: p.guard, Progress: func(done, total int64) {
					prog.report("input "+in.Name, done, total)
				}}, dest)
		case "git":
			out.send(market.TaskEvent{Type: market.EventState, State: job.StatePreparing,
				Message: fmt.Sprintf("fetching input %s: cloning %s at %s", in.Name, in.Git.URL, in.Git.Ref)})
			var commit string
			commit, err = data.FetchGit(ctx, data.GitFetch{URL: in.Git.URL, Ref: in.Git.Ref, MaxBytes: disk, Guard: p.guard}, dest)
			if err == nil {
				out.send(market.TaskEvent{Type: market.EventState, State: job.StatePreparing,
					Message: fmt.Sprintf("fetched input %s: commit %s", in.Name, commit)})
			}
		case "inline":
			err = data.WriteInline(in.Inline.Files, dest)
		case "result":
			g, ok := grants[in.Name]
			if !ok {
				err = errors.New("the requester sent no grant for this result")
			} else {
				err = p.fetchResult(ctx, in.Result, g, dest, disk)
			}
		default:
			err = errors.New("no source")
		}
		if err == nil && in.Split != "" {
			err = splitInput(dest, in.Split, req.TaskIndex, req.Spec.TaskCount())
		}
		if err != nil {
			return used, fmt.Errorf("%w %s: %w", errInputs, in.Name, err)
		}
		size, err := data.TreeSize(dest)
		if err != nil {
			return used, fmt.Errorf("%w %s: %w", errInputs, in.Name, err)
		}
		used += size
		p.log.Info("input fetched", "execution", req.ExecutionID, "input", in.Name, "kind", in.Kind(), "took", p.now().Sub(start))
	}
	if limit := int64(req.Spec.Resources.Disk); used > limit {
		return used, fmt.Errorf("%w: together they hold %s, more than the disk request (%s)", errInputs, job.ByteSize(used), req.Spec.Resources.Disk)
	}
	return used, nil
}

// fetchWasm fetches a wasm module given by URL and returns it with the
// spec's SHA-256 checked.
func (p *Provider) fetchWasm(ctx context.Context, w *job.WasmModule, dir string, out *sender) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "module.wasm")
	defer os.Remove(path)
	prog := &progressReporter{out: out, now: p.now, every: time.Second}
	if _, err := data.FetchURL(ctx, data.URLFetch{URL: w.URL, SHA256: w.SHA256, MaxBytes: MaxWasmModule,
		StallTimeout: p.cfg.InputStallTimeout, Guard: p.guard, Progress: func(done, total int64) { prog.report("wasm module", done, total) }}, path); err != nil {
		return nil, fmt.Errorf("fetch wasm module: %w", err)
	}
	return os.ReadFile(path)
}

// fetchResult fetches an earlier execution's output tree into dest and
// checks it against the digest; from this node's own store when it holds
// the result.
func (p *Provider) fetchResult(ctx context.Context, r *job.ResultInput, g market.ResultGrant, dest string, maxBytes int64) error {
	if r.Digest == "" || r.Provider == "" {
		return errors.New("the result's digest and provider are required")
	}
	if g.Grantee != p.cfg.Key.PeerID() {
		return fmt.Errorf("the grant is for %s, not this node", g.Grantee)
	}
	limits := data.Limits{MaxBytes: maxBytes}
	if r.Provider == p.cfg.Key.PeerID() {
		_, outputs, err := p.resultDir(ctx, market.ResultRequest{ExecutionID: g.Execution, Grant: &g}, p.cfg.Key.PeerID())
		if err != nil {
			return err
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(data.Pack(ctx, outputs, pw)) }()
		_, err = data.Unpack(ctx, pr, dest, r.Digest, limits)
		_ = pr.Close()
		return err
	}
	pid, err := peer.Decode(r.Provider)
	if err != nil {
		return fmt.Errorf("provider %q: %w", r.Provider, err)
	}
	var addrs []ma.Multiaddr
	for _, a := range g.Addrs {
		if m, err := ma.NewMultiaddr(a); err == nil {
			addrs = append(addrs, m)
		}
	}
	if len(addrs) > 0 {
		p.cfg.Host.Libp2p().Peerstore().AddAddrs(pid, addrs, peerstore.TempAddrTTL)
	}
	s, err := p.cfg.Host.OpenStream(ctx, pid, p2p.ProtocolID(market.ProtoResult, 1))
	if err != nil {
		return err
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { _ = s.Reset() })
	defer stop()
	if err := p2p.WriteMsg(s, market.ResultRequest{ExecutionID: g.Execution, Grant: &g}); err != nil {
		return err
	}
	var h market.ResultHeader
	if err := p2p.ReadMsg(s, &h, market.MaxSmallMsg); err != nil {
		return fmt.Errorf("read result header: %w", err)
	}
	if h.Error != "" {
		return fmt.Errorf("provider %s: %s", r.Provider, h.Error)
	}
	if h.Digest != r.Digest {
		return fmt.Errorf("provider %s holds digest %s, the spec names %s", r.Provider, h.Digest, r.Digest)
	}
	_, err = data.Unpack(ctx, s, dest, r.Digest, limits)
	return err
}

// splitInput keeps task index's share of the input at dest.
func splitInput(dest, mode string, index, count int) error {
	switch mode {
	case job.SplitLines:
		return data.SplitLines(dest, index, count)
	case job.SplitFiles:
		return data.SplitFiles(dest, index, count)
	}
	return fmt.Errorf("unknown split %q", mode)
}
