package chaos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/node"
)

// Config configures a harness run.
type Config struct {
	// Binary is the deco binary (built once, reused by every schedule).
	Binary string
	// Dir holds the schedule's data directories and process logs.
	Dir string
	// Logger receives the harness's progress.
	Logger *slog.Logger
	// Image is the providers' task image (default deco-busybox:latest).
	Image string
	// UsageInterval, HeartbeatTimeout and WithdrawDelay tune the nodes
	// and the escrow (defaults 1 s, 3 s, 2 s).
	UsageInterval    time.Duration
	HeartbeatTimeout time.Duration
	WithdrawDelay    time.Duration
	// DiskFull mounts each provider's data directory as a small tmpfs
	// (needs root) so that DiskFull faults can fill it; without it those
	// faults are skipped and not counted.
	DiskFull bool
	// NetCut lets NetCut faults drop a node's packets with iptables (needs
	// root and the iptables tool); without it they are skipped and not
	// counted.
	NetCut bool
	// JobDeadline is how long after the run phase began every job must be
	// in a terminal state (default 120 s; jobs have a total timeout of 90 s).
	JobDeadline time.Duration
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Image == "" {
		c.Image = "deco-busybox:latest"
	}
	if c.UsageInterval == 0 {
		c.UsageInterval = time.Second
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = 3 * time.Second
	}
	if c.WithdrawDelay == 0 {
		c.WithdrawDelay = 2 * time.Second
	}
	if c.JobDeadline == 0 {
		c.JobDeadline = 120 * time.Second
	}
}

// FundTokens is what `deco chain serve` mints each node (its default,
// 10,000 DECO, in base units).
const FundTokens = "10000"

// Result is what one schedule did and found.
type Result struct {
	Schedule Schedule
	// Injected counts the faults actually injected, by kind.
	Injected map[Kind]int
	// Jobs is every job on the requester at the end, by state.
	Jobs map[job.State]int
	// Outcomes is one line per job: state, reason, attempts, time to end.
	Outcomes []string
	// Violations are the invariants broken (empty: the run passed).
	Violations []Violation
	Duration   time.Duration
}

// member is one node of the network.
type member struct {
	name    string
	dir     string
	ip      string // its own loopback address (loopbackIP)
	port    int
	peerID  string
	address identity.Address
	proc    *proc
	// mounted: dir is a tmpfs the harness mounted (DiskFull).
	mounted bool
	// mu serialises a kill and its restart against other faults.
	mu sync.Mutex
	// unmetered is how long in all (nanoseconds) the node could not meter
	// its executions: killed (from the SIGKILL until it served again) or
	// its clock stepped back.
	unmetered atomic.Int64
}

// clockFile holds the offset of m's clock (outside its data directory,
// so a full disk does not stop a clock jump).
func (m *member) clockFile() string { return m.dir + ".clock" }

func (m *member) client() (*client.Client, error) { return client.FromDataDir(m.dir) }

func (m *member) multiaddr() string {
	return fmt.Sprintf("/ip4/%s/tcp/%d/p2p/%s", m.ip, m.port, m.peerID)
}

// network is the running processes of one schedule.
type network struct {
	cfg     Config
	seed    uint64
	chain   *proc
	rpcURL  string
	info    chainInfo
	nodes   []*member // nodes[0] is the requester
	mu      sync.Mutex
	faults  map[Kind]int
	harness []string // harness-level problems seen along the way
}

func (n *network) requester() *member     { return n.nodes[0] }
func (n *network) provider(i int) *member { return n.nodes[1+i] }

func (n *network) count(k Kind) {
	n.mu.Lock()
	n.faults[k]++
	n.mu.Unlock()
}

func (n *network) note(format string, args ...any) {
	n.mu.Lock()
	n.harness = append(n.harness, fmt.Sprintf(format, args...))
	n.mu.Unlock()
}

// Run runs one schedule end to end and checks the invariants. An error
// means the harness could not run the schedule (a node did not start);
// broken invariants are in Result.Violations.
func Run(ctx context.Context, cfg Config, s Schedule) (Result, error) {
	cfg.defaults()
	start := time.Now()
	res := Result{Schedule: s}
	n := &network{cfg: cfg, seed: s.Seed, faults: map[Kind]int{}}
	defer n.close()
	if err := n.setup(ctx); err != nil {
		return res, err
	}
	cfg.Logger.Info("network up", "seed", s.Seed, "took", time.Since(start).Round(time.Millisecond))
	runStart := time.Now()
	n.runPhase(ctx, s)
	n.waitJobs(ctx, runStart.Add(cfg.JobDeadline))
	cfg.Logger.Info("jobs done", "seed", s.Seed, "at", time.Since(start).Round(time.Millisecond))
	n.settlePhase(ctx, s)
	cfg.Logger.Info("settled", "seed", s.Seed, "at", time.Since(start).Round(time.Millisecond))
	snap, err := n.snapshot(ctx)
	if err != nil {
		return res, fmt.Errorf("read the final state: %w", err)
	}
	res.Violations = check(snap, cfg.UsageInterval)
	for _, h := range n.harness {
		res.Violations = append(res.Violations, Violation{Invariant: InvLifecycle, Detail: h})
	}
	res.Jobs = map[job.State]int{}
	for _, j := range snap.jobs {
		res.Jobs[j.State]++
		res.Outcomes = append(res.Outcomes, fmt.Sprintf("%s %s after %s, %d attempts: %s", j.ID, j.State,
			j.UpdatedAt.Sub(j.CreatedAt).Round(time.Millisecond), len(j.Attempts), j.Error))
	}
	res.Injected = n.faults
	res.Duration = time.Since(start)
	return res, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (n *network) setup(ctx context.Context) error {
	cfg := n.cfg
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return err
	}
	names := []string{"requester"}
	for i := 0; i < Providers; i++ {
		names = append(names, fmt.Sprintf("provider%d", i))
	}
	var fund []string
	for i, name := range names {
		m := &member{name: name, dir: filepath.Join(cfg.Dir, name), ip: loopbackIP(n.seed, i)}
		n.nodes = append(n.nodes, m)
		if cfg.DiskFull && name != "requester" {
			if err := mountTmpfs(m.dir, tmpfsSize); err != nil {
				return err
			}
			m.mounted = true
		}
		// The key is made here, before the node's first start, so the
		// chain can fund its address at genesis; the node opens it.
		k, _, err := identity.OpenOrCreate(filepath.Join(m.dir, api.KeystoreDir), identity.Options{Throwaway: true, ScryptN: identity.LightScryptN})
		if err != nil {
			return err
		}
		m.peerID, m.address = k.PeerID(), k.Address()
		if m.port, err = freePort(); err != nil {
			return err
		}
		fund = append(fund, "--fund", m.address.String())
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	chainJSON := filepath.Join(cfg.Dir, "chain.json")
	n.chain = &proc{name: "chain", bin: cfg.Binary, logPath: filepath.Join(cfg.Dir, "chain.log"),
		args: append([]string{"chain", "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--out", chainJSON,
			"--withdraw-delay", cfg.WithdrawDelay.String(), "--tokens", FundTokens}, fund...)}
	if err := n.chain.start(); err != nil {
		return err
	}
	if err := n.chain.waitFile(chainJSON, 60*time.Second); err != nil {
		return err
	}
	b, err := os.ReadFile(chainJSON)
	if err != nil {
		return err
	}
	if n.info, err = parseChainInfo(b); err != nil {
		return err
	}
	for i, m := range n.nodes {
		if err := os.WriteFile(filepath.Join(m.dir, node.SettlementFile), b, 0o600); err != nil {
			return err
		}
		args := []string{"--data-dir", m.dir, "node", "run", "--dev-throwaway-key", "--api-addr", "127.0.0.1:0", "--no-mdns",
			"--listen", fmt.Sprintf("/ip4/%s/tcp/%d", m.ip, m.port),
			"--usage-interval", cfg.UsageInterval.String(), "--heartbeat-timeout", cfg.HeartbeatTimeout.String()}
		if i == 0 {
			args = append(args, "--auto-deposit", "10", "--no-docker")
		} else {
			args = append(args, "--bootstrap", n.requester().multiaddr(), "--redeem-threshold", "0.001",
				"--redeem-poll", "1s", "--disk-quota", "check", "--offer-ttl", "10s")
		}
		apiFile := filepath.Join(m.dir, api.APIFile)
		m.proc = &proc{name: m.name, bin: cfg.Binary, args: args, logPath: filepath.Join(cfg.Dir, m.name+".log"),
			env:    []string{clockEnv + "=" + m.clockFile()},
			before: func() { _ = os.Remove(apiFile) }}
		if err := n.startNode(m); err != nil {
			return err
		}
		if i > 0 {
			out, err := exec.CommandContext(ctx, cfg.Binary, "--data-dir", m.dir, "onboard", "-y", "--cpu", "1",
				"--memory", "512MiB", "--disk", "96MiB", "--cpu-price", fmt.Sprint(3.6*float64(i))).CombinedOutput()
			if err != nil {
				return fmt.Errorf("onboard %s: %w: %s", m.name, err, out)
			}
		}
	}
	return n.waitOffers(ctx, Providers, 30*time.Second)
}

// startNode starts m and waits for its API. Like the supervisor a real
// node runs under (deploy/deco.service restarts it on failure), it starts
// m again when it exits before it is up, as a node does on a full disk,
// for up to 30 s.
func (n *network) startNode(m *member) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := m.proc.start(); err != nil {
			return err
		}
		err := m.proc.waitFile(filepath.Join(m.dir, api.APIFile), time.Until(deadline))
		if err == nil || m.proc.alive() || time.Now().After(deadline) {
			return err
		}
		n.cfg.Logger.Info("node exited while starting; starting it again", "node", m.name, "err", err)
		time.Sleep(restartDelay)
	}
}

// restartDelay is the supervisor's pause between a failed start and the
// next (shorter than the unit's 5 s so that schedules stay short).
const restartDelay = time.Second

// waitOffers waits until the requester's catalog holds want offers.
func (n *network) waitOffers(ctx context.Context, want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	got := 0
	for time.Now().Before(deadline) {
		if c, err := n.requester().client(); err == nil {
			if offers, err := c.Offers(ctx); err == nil {
				if got = len(offers); got >= want {
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("the requester sees %d of %d offers", got, want)
}

// killRestart SIGKILLs m, keeps it down for down and starts it again;
// during, when set, runs first and m is killed delay after it began.
func (n *network) killRestart(ctx context.Context, m *member, kind Kind, delay, down time.Duration, during func(*client.Client)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if during != nil {
		c, err := m.client()
		if err != nil {
			n.note("%s: %s: no client: %v", kind, m.name, err)
			return
		}
		go during(c)
		time.Sleep(delay)
	}
	m.proc.kill()
	killed := time.Now()
	n.count(kind)
	n.cfg.Logger.Info("killed", "node", m.name, "kind", kind)
	select {
	case <-time.After(down):
	case <-ctx.Done():
	}
	if err := n.startNode(m); err != nil {
		n.note("%s: restart %s: %v", kind, m.name, err)
	}
	m.addUnmetered(time.Since(killed))
}

func (m *member) addUnmetered(d time.Duration) { m.unmetered.Add(int64(d)) }

func (n *network) inject(ctx context.Context, f Fault) {
	switch f.Kind {
	case KillRequester:
		n.killRestart(ctx, n.requester(), f.Kind, 0, f.Down, nil)
	case KillProvider:
		n.killRestart(ctx, n.provider(f.Provider), f.Kind, 0, f.Down, nil)
	case KillRedeem:
		n.killRestart(ctx, n.provider(f.Provider), f.Kind, f.Delay, f.Down, func(c *client.Client) {
			_, _ = c.Redeem(ctx, "")
		})
	case DiskFull:
		n.fillDisk(ctx, n.provider(f.Provider), f.Down)
	case ClockJump:
		n.jumpClock(ctx, n.nodes[(f.Provider+1)%len(n.nodes)], f.Jump, f.Down)
	case NetCut:
		n.cut(ctx, n.nodes[(f.Provider+1)%len(n.nodes)], f.Down)
	case KillWithdraw:
		prov := n.provider(f.Provider).address.String()
		n.killRestart(ctx, n.requester(), f.Kind, f.Delay, f.Down, func(c *client.Client) {
			_, _ = c.Withdraw(ctx, prov, 0)
		})
	}
}

// runPhase submits the schedule's jobs and injects its run-phase faults.
func (n *network) runPhase(ctx context.Context, s Schedule) {
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, jp := range s.Jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(t0.Add(jp.At)))
			spec := job.Spec{APIVersion: job.APIVersion, Name: fmt.Sprintf("chaos-%d-%d", s.Seed, i), Image: n.cfg.Image,
				Command:   []string{"sh", "-c", fmt.Sprintf("echo start; sleep %d; echo done > /outputs/x", jp.Seconds)},
				Resources: job.Resources{CPU: 500, Memory: 128 << 20, Disk: 64 << 20},
				Timeout:   job.Duration(30 * time.Second), QueueTimeout: job.Duration(60 * time.Second),
				TotalTimeout: job.Duration(90 * time.Second)}
			// A submission the requester's death interrupts is retried;
			// one that was recorded before the death shows up in the job
			// list and is checked like the others.
			deadline := time.Now().Add(30 * time.Second)
			for {
				c, err := n.requester().client()
				if err == nil {
					if _, err = c.Submit(ctx, spec); err == nil {
						return
					}
				}
				if time.Now().After(deadline) {
					n.note("submit job %d: %v", i, err)
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}
	n.injectPhase(ctx, &wg, s, PhaseRun, t0)
	wg.Wait()
}

// injectPhase starts each of the schedule's faults of one phase at its
// time after t0, counted in wg.
func (n *network) injectPhase(ctx context.Context, wg *sync.WaitGroup, s Schedule, phase Phase, t0 time.Time) {
	for _, f := range s.Faults {
		if f.Phase != phase {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(t0.Add(f.At)))
			n.inject(ctx, f)
		}()
	}
}

// waitJobs waits until every job on the requester is terminal or the
// deadline passes (the invariants then report the ones still open).
func (n *network) waitJobs(ctx context.Context, deadline time.Time) {
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c, err := n.requester().client()
		if err == nil {
			jobs, err := c.Jobs(ctx, "", 0)
			if err == nil {
				open := 0
				for _, j := range jobs {
					if !j.State.Terminal() {
						open++
					}
				}
				if open == 0 {
					return
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// settlePhase injects the settle-phase faults, then has every provider
// redeem and the requester withdraw everything left on its channels.
func (n *network) settlePhase(ctx context.Context, s Schedule) {
	// The final reports' vouchers arrive within an interval of the end.
	time.Sleep(2 * n.cfg.UsageInterval)
	var wg sync.WaitGroup
	n.injectPhase(ctx, &wg, s, PhaseSettle, time.Now())
	wg.Wait()
	for i := 0; i < Providers; i++ {
		p := n.provider(i)
		if err := retry(ctx, 10, func() error {
			c, err := p.client()
			if err != nil {
				return err
			}
			_, err = c.Redeem(ctx, "")
			return err
		}); err != nil {
			n.note("redeem on %s: %v", p.name, err)
		}
	}
	for i := 0; i < Providers; i++ {
		p := n.provider(i)
		if err := n.withdraw(ctx, p); err != nil {
			n.note("withdraw from the channel to %s: %v", p.name, err)
		}
	}
}

// withdraw takes everything back from the channel to p: request, wait
// for the escrow's delay, execute (asking again until it is executed).
func (n *network) withdraw(ctx context.Context, p *member) error {
	deadline := time.Now().Add(n.cfg.WithdrawDelay + 30*time.Second)
	var last error
	for time.Now().Before(deadline) {
		c, err := n.requester().client()
		if err != nil {
			last = err
			time.Sleep(200 * time.Millisecond)
			continue
		}
		wl, err := c.Wallet(ctx)
		if err != nil {
			last = err
			time.Sleep(200 * time.Millisecond)
			continue
		}
		left := false
		for _, d := range wl.Deposits {
			if sameAddress(d.Provider, p) && d.Deposited > 0 {
				left = true
			}
		}
		if !left {
			return nil
		}
		res, err := c.Withdraw(ctx, p.address.String(), 0)
		if err != nil {
			last = err
		} else if res.Withdrawn == nil {
			time.Sleep(time.Until(res.UnlockAt) + 100*time.Millisecond)
			continue
		}
		time.Sleep(200 * time.Millisecond)
	}
	if last == nil {
		last = errors.New("deposit still on the channel")
	}
	return fmt.Errorf("not withdrawn within %s: %w", n.cfg.WithdrawDelay+30*time.Second, last)
}

func sameAddress(s string, m *member) bool {
	if s == m.peerID {
		return true
	}
	a, err := identity.ParseAddress(s)
	return err == nil && a == m.address
}

func retry(ctx context.Context, n int, f func() error) error {
	var err error
	for i := 0; i < n; i++ {
		if err = f(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}

// close stops every process and removes the providers' containers.
func (n *network) close() {
	for i := len(n.nodes) - 1; i >= 0; i-- {
		if n.nodes[i].proc != nil {
			n.nodes[i].proc.stop()
		}
	}
	if n.chain != nil {
		n.chain.stop()
	}
	for _, m := range n.nodes[min(1, len(n.nodes)):] {
		_ = exec.Command("sh", "-c", "docker rm -f $(docker ps -aq --filter label=deco.node="+m.peerID+") 2>/dev/null").Run()
		if m.mounted {
			if out, err := exec.Command("umount", "-l", m.dir).CombinedOutput(); err != nil {
				n.cfg.Logger.Warn("unmount a provider's data directory", "dir", m.dir, "err", err, "out", string(out))
			}
		}
	}
}

// clockEnv is the node's test-only clock offset variable (cmd/deco).
const clockEnv = "DECO_TEST_CLOCK_OFFSET_FILE"

// jumpClock offsets m's clock by jump for down, then puts it back.
func (n *network) jumpClock(ctx context.Context, m *member, jump, down time.Duration) {
	if err := os.WriteFile(m.clockFile(), []byte(jump.String()), 0o600); err != nil {
		n.note("%s: %v", ClockJump, err)
		return
	}
	n.count(ClockJump)
	n.cfg.Logger.Info("clock jump", "node", m.name, "by", jump)
	stepped := time.Now()
	select {
	case <-time.After(down):
	case <-ctx.Done():
	}
	if jump < 0 {
		// Its reports claim no run time while its clock is behind (a
		// report never claims less than the one before).
		m.addUnmetered(time.Since(stepped))
	}
	// Overlapping jumps of one node: the first to end puts it back.
	if err := os.Remove(m.clockFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		n.note("%s: %v", ClockJump, err)
	}
}
