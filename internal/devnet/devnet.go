// Package devnet starts a local deco network in one process: N nodes on
// loopback, node 0 a requester and the others providers already onboarded
// with a small share of the machine (each on a throwaway dev key), joined
// through node 0 and ready once the requester's catalog holds every
// provider's offer. Its dev chain registers every node as a validator and
// the providers stake, so a quorum's verdict can slash them. Some providers
// may be firewalled, reaching the others only through a relay on node 0. It
// serves `deco devnet` and the end-to-end tests.
package devnet

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/service"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/verify"
	"github.com/deco-network/deco/internal/volume"
)

// Config configures a devnet.
type Config struct {
	// Nodes is the number of nodes (at least 2).
	Nodes int
	// Dir holds node0, node1, ... data directories.
	Dir string
	// Logger receives every node's logs.
	Logger *slog.Logger
	// NoDocker runs providers without the docker executor.
	NoDocker bool
	// OfferTTL overrides the offer lifetime (tests use short ones).
	OfferTTL time.Duration
	// HeartbeatTimeout overrides the provider-loss timeout.
	HeartbeatTimeout time.Duration
	// Share is what each provider sells (default 1 core, 1 GiB memory,
	// 2 GiB disk, no GPU).
	Share *job.Resources
	// Prices, when set, are node1's prices; node i charges i times its
	// CPU price (default 3.6 DECO per core-hour times i).
	Prices *offer.Prices
	// NoChain runs without the dev settlement chain: tasks run free.
	NoChain bool
	// WithdrawDelay is the escrow's withdrawal delay (devchain default
	// when zero).
	WithdrawDelay time.Duration
	// Quorum is how many validators' signatures a verdict needs; every
	// node is a validator. Zero means DefaultQuorum(Nodes).
	Quorum int
	// Stake is what each provider stakes once funded (default
	// DefaultStake; negative: none).
	Stake money.Amount
	// UsageInterval is how often running tasks report usage and are paid
	// (default DefaultUsageInterval).
	UsageInterval time.Duration
	// AutoDeposit is what the requester deposits on a provider's channel
	// when short (default DefaultAutoDeposit).
	AutoDeposit money.Amount
	// RedeemThreshold and RedeemPoll tune the providers' automatic redeem
	// (defaults DefaultRedeemThreshold, DefaultRedeemPoll).
	RedeemThreshold money.Amount
	RedeemPoll      time.Duration
	// PayHook is node 0's pay hook (see node.Config.PayHook).
	PayHook func(market.UsageReport) bool
	// WrapExecutors are nodes' node.Config.WrapExecutor by node index.
	WrapExecutors map[int]func(exec.Executor) exec.Executor
	// TamperOutputs are providers' node.Config.TamperOutputs by node
	// index (tests: providers that return wrong results).
	TamperOutputs map[int]func(dir string) error
	// TamperCommitments are nodes' node.Config.TamperCommitment by node
	// index (tests: runners that copy another's commitment).
	TamperCommitments map[int]func(jobID string, own verify.Commitment) verify.Commitment
	// ServiceSignHooks and ServiceRequestHooks are nodes'
	// node.Config.ServiceSignHook and ServiceRequestHook by node index.
	ServiceSignHooks    map[int]func(*service.Response)
	ServiceRequestHooks map[int]func(*service.Request)
	// ServicePaymentHooks are nodes' node.Config.ServicePaymentHook by
	// node index.
	ServicePaymentHooks map[int]func(service.Payment) bool
	// ServiceOfferHooks are nodes' node.Config.ServiceOfferHook by index.
	ServiceOfferHooks map[int]func(service.Offer) bool
	// DiskQuota is the providers' node.Config.DiskQuota.
	DiskQuota string
	// TaskInit is the nodes' node.Config.TaskInit: a static deco binary,
	// with which (as root) they run jobs with links.
	TaskInit string
	// Firewalled are providers (node indices from 1) that cannot accept
	// connections: each listens nowhere and connects directly only to
	// node 0 (node.Config.Firewalled). With any, node 0 also runs a relay
	// (node.Config.RelayService) and is every other node's relay
	// (node.Config.Relays), so the other providers reach a firewalled one,
	// and it them, only through node 0's relay.
	Firewalled []int
	// InputAllowHosts is the providers' input policy
	// (node.Config.InputAllowHosts). Nil allows loopback
	// (DefaultInputAllowHosts): a devnet's inputs are served from this
	// machine. An empty, non-nil slice keeps the default policy of a real
	// node, which refuses loopback.
	InputAllowHosts []string
}

// DefaultInputAllowHosts is a devnet's input policy when
// Config.InputAllowHosts is nil: loopback, where its inputs are served.
func DefaultInputAllowHosts() []string { return []string{"127.0.0.0/8", "::1", "localhost"} }

// Payment defaults of a devnet.
const (
	DefaultUsageInterval   = 2 * time.Second
	DefaultAutoDeposit     = 50 * money.Unit
	DefaultRedeemThreshold = money.Unit / 10
	DefaultRedeemPoll      = time.Second
	// DefaultStake is what each provider stakes, slashable on a verdict.
	DefaultStake = 100 * money.Unit
)

// DefaultQuorum is the quorum of a devnet of n nodes, all of them
// validators: max(1, (n-1)/2), so 3 nodes need 1 signature, 5 need 2 and 7
// need 3: from 3 nodes on, the nodes other than a disputed task's
// requester and provider can reach it on their own.
func DefaultQuorum(n int) int { return max(1, (n-1)/2) }

// Net is a running devnet.
type Net struct {
	cfg   Config
	Nodes []*node.Node
	// Chain is the dev settlement chain (nil with NoChain).
	Chain *devchain.Chain
	// Validators is the chain's validator set: every node, and the quorum
	// (zero with NoChain).
	Validators settle.ValidatorSet
	// nodeCfgs are the configurations the nodes started with (Restart
	// reuses them).
	nodeCfgs []node.Config
}

// DataDir is node i's data directory.
func (n *Net) DataDir(i int) string { return dataDir(n.cfg.Dir, i) }

func dataDir(dir string, i int) string { return filepath.Join(dir, fmt.Sprintf("node%d", i)) }

// Start starts the nodes, onboards the providers and waits until the
// requester sees every provider's offer (or ctx ends).
func Start(ctx context.Context, cfg Config) (*Net, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.InputAllowHosts == nil {
		cfg.InputAllowHosts = DefaultInputAllowHosts()
	}
	share := job.Resources{CPU: 1000, Memory: 1 << 30, Disk: 2 << 30}
	if cfg.Share != nil {
		share = *cfg.Share
	}
	for _, i := range cfg.Firewalled {
		if i < 1 || i >= cfg.Nodes {
			return nil, fmt.Errorf("firewalled node %d: want a provider, 1 to %d", i, cfg.Nodes-1)
		}
	}
	net := &Net{cfg: cfg}
	if !cfg.NoChain {
		// Every node is a validator: its address, hence its key, must be
		// known before the Escrow is deployed. The keys are made here, as
		// node.New would (a throwaway key in the data directory), and the
		// nodes open them.
		addrs, err := nodeAddresses(cfg.Dir, cfg.Nodes)
		if err != nil {
			return nil, err
		}
		if err := net.startChain(ctx, addrs); err != nil {
			return nil, err
		}
	}
	for i := 0; i < cfg.Nodes; i++ {
		// Every devnet node has a throwaway key (its passphrase beside it,
		// marked so): nothing on a dev network is worth a real secret.
		nc := node.Config{DataDir: dataDir(cfg.Dir, i), ThrowawayKey: true, ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"},
			APIAddr: "127.0.0.1:0", Logger: cfg.Logger.With("devnet", i), NoDocker: cfg.NoDocker, OfferTTL: cfg.OfferTTL,
			HeartbeatTimeout: cfg.HeartbeatTimeout, DiskQuota: cfg.DiskQuota, InputAllowHosts: cfg.InputAllowHosts,
			TaskInit: cfg.TaskInit}
		net.payments(&nc, i)
		if err := net.writeSettlement(nc.DataDir); err != nil {
			net.Close()
			return nil, err
		}
		net.joinThroughNode0(&nc, i)
		n, err := node.New(ctx, nc)
		if err != nil {
			net.Close()
			return nil, fmt.Errorf("start node%d: %w", i, err)
		}
		net.Nodes = append(net.Nodes, n)
		net.nodeCfgs = append(net.nodeCfgs, nc)
	}
	if err := net.stake(ctx); err != nil {
		net.Close()
		return nil, err
	}
	for i, n := range net.Nodes[1:] {
		m, _, err := n.Detect(ctx)
		if err != nil {
			net.Close()
			return nil, err
		}
		pol := provider.Policy{
			Share: inventoryShare(share),
			// Providers differ in price so the scheduler has a choice; the
			// figures make a few seconds of work cost visible money
			// (node1: 3.6 DECO per core-hour = 0.001 DECO per core-second).
			Prices: offer.Prices{CPUHour: money.Amount(3_600_000 * (i + 1)), MemoryGiBHour: 360_000, DiskGiBHour: 3_600},
			Region: fmt.Sprintf("devnet-%c", 'a'+i),
			// Every devnet provider is staked and one of the escrow's
			// validators: it may be asked to re-run verified tasks.
			Validator: true,
		}
		if cfg.Prices != nil {
			pol.Prices = *cfg.Prices
			pol.Prices.CPUHour *= money.Amount(i + 1)
		}
		if err := n.Provider().SetOnboarding(ctx, provider.Onboarding{Machine: m, Policy: pol}); err != nil {
			net.Close()
			return nil, fmt.Errorf("onboard node%d: %w", i+1, err)
		}
	}
	if err := net.WaitForOffers(ctx, 0, cfg.Nodes-1); err != nil {
		net.Close()
		return nil, err
	}
	return net, nil
}

// WaitForOffers waits until node i's catalog holds at least want offers
// from other nodes.
func (n *Net) WaitForOffers(ctx context.Context, i, want int) error {
	self := n.Nodes[i].PeerID()
	for {
		got := 0
		for _, o := range n.Nodes[i].Catalog().List() {
			if o.Node != self {
				got++
			}
		}
		if got >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("node%d sees %d of %d provider offers: %w", i, got, want, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Restart stops node i and starts it again on the same data directory (a
// daemon restart: same identity, store and executions).
func (n *Net) Restart(ctx context.Context, i int) error {
	n.Stop(i)
	return n.Start(ctx, i)
}

// Stop stops node i (Start starts it again; Close closes what is running).
func (n *Net) Stop(i int) { n.Nodes[i].Close() }

// Start starts node i, stopped, again on the same data directory.
func (n *Net) Start(ctx context.Context, i int) error {
	cfg := n.nodeCfgs[i]
	n.joinThroughNode0(&cfg, i)
	nd, err := node.New(ctx, cfg)
	if err != nil {
		return fmt.Errorf("restart node%d: %w", i, err)
	}
	n.Nodes[i] = nd
	if i == 0 {
		// The others reconnect to the new node 0 through the bootstrap
		// addresses they know; connect them directly to be quick.
		for _, other := range n.Nodes[1:] {
			for _, a := range nd.Addrs() {
				if other.Connect(ctx, a) == nil {
					break
				}
			}
		}
	}
	return nil
}

// joinThroughNode0 points node i (from 1) at node 0 as its bootstrap peer
// and, on a devnet with firewalled providers, its relay; node 0 then runs
// the relay service.
func (n *Net) joinThroughNode0(nc *node.Config, i int) {
	relay := len(n.cfg.Firewalled) > 0
	if i == 0 {
		nc.RelayService = relay
		return
	}
	nc.Bootstrap = n.Nodes[0].Addrs()
	if relay {
		nc.Relays = n.Nodes[0].Addrs()
		nc.Firewalled = slices.Contains(n.cfg.Firewalled, i)
	}
}

// Firewalled reports whether node i cannot accept connections
// (Config.Firewalled).
func (n *Net) Firewalled(i int) bool { return slices.Contains(n.cfg.Firewalled, i) }

// HasDocker reports whether the providers run container tasks.
func (n *Net) HasDocker() bool {
	return len(n.Nodes) > 1 && slices.Contains(n.Nodes[1].ExecutorNames(), job.ExecutorDocker)
}

// Close stops every node, providers first, then the chain.
func (n *Net) Close() {
	for i := len(n.Nodes) - 1; i >= 0; i-- {
		n.Nodes[i].Close()
	}
	if n.Chain != nil {
		_ = n.Chain.Close()
	}
	// Sandboxes still running when the network stops keep their outputs
	// volumes mounted; they go with the network (the images stay).
	_ = volume.New(n.cfg.Logger).UnmountUnder(context.Background(), n.cfg.Dir)
}

// nodeAddresses opens (or creates) the throwaway key of each of n nodes
// in their data directories under dir and returns their addresses.
func nodeAddresses(dir string, n int) ([]identity.Address, error) {
	addrs := make([]identity.Address, n)
	for i := range addrs {
		k, _, err := identity.OpenOrCreate(filepath.Join(dataDir(dir, i), api.KeystoreDir), identity.Options{Throwaway: true})
		if err != nil {
			return nil, fmt.Errorf("node%d key: %w", i, err)
		}
		addrs[i] = k.Address()
	}
	return addrs, nil
}

// startChain starts the dev settlement chain with every node (addrs) a
// validator and funded.
func (n *Net) startChain(ctx context.Context, addrs []identity.Address) error {
	set := settle.ValidatorSet{Validators: addrs, Quorum: cmp.Or(n.cfg.Quorum, DefaultQuorum(len(addrs)))}
	c, err := devchain.Start(ctx, devchain.Config{Logger: n.cfg.Logger.With("devnet", "chain"), WithdrawDelay: n.cfg.WithdrawDelay,
		Validators: set.Validators, Quorum: set.Quorum, Fund: addrs})
	if err != nil {
		return fmt.Errorf("start the dev chain: %w", err)
	}
	n.Chain, n.Validators = c, set
	return nil
}

// stake has every provider stake Config.Stake through its own settlement,
// all at once, so that a verdict can slash it.
func (n *Net) stake(ctx context.Context) error {
	amount := cmp.Or(n.cfg.Stake, DefaultStake)
	if n.Chain == nil || amount < 0 {
		return nil
	}
	errs := make(chan error, len(n.Nodes))
	for i, nd := range n.Nodes[1:] {
		go func() {
			if _, err := nd.Settlement().Stake(ctx, amount); err != nil {
				errs <- fmt.Errorf("node%d stakes %s DECO: %w", i+1, amount, err)
				return
			}
			errs <- nil
		}()
	}
	var first error
	for range n.Nodes[1:] {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Stake is what each provider staked at start (zero with NoChain or a
// negative Config.Stake).
func (n *Net) Stake() money.Amount {
	if amount := cmp.Or(n.cfg.Stake, DefaultStake); n.Chain != nil && amount > 0 {
		return amount
	}
	return 0
}

// writeSettlement points a node's data directory at the chain.
func (n *Net) writeSettlement(dir string) error {
	if n.Chain == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return n.Chain.WriteSettlement(filepath.Join(dir, node.SettlementFile))
}

// payments fills node i's payment settings from the devnet's.
func (n *Net) payments(nc *node.Config, i int) {
	c := n.cfg
	nc.UsageInterval = cmp.Or(c.UsageInterval, DefaultUsageInterval)
	nc.AutoDeposit = cmp.Or(c.AutoDeposit, DefaultAutoDeposit)
	nc.RedeemThreshold = cmp.Or(c.RedeemThreshold, DefaultRedeemThreshold)
	nc.RedeemPoll = cmp.Or(c.RedeemPoll, DefaultRedeemPoll)
	if i == 0 {
		nc.PayHook = c.PayHook
	}
	nc.TamperOutputs = c.TamperOutputs[i]
	nc.WrapExecutor = c.WrapExecutors[i]
	nc.TamperCommitment = c.TamperCommitments[i]
	nc.ServiceSignHook = c.ServiceSignHooks[i]
	nc.ServiceRequestHook = c.ServiceRequestHooks[i]
	nc.ServicePaymentHook = c.ServicePaymentHooks[i]
	nc.ServiceOfferHook = c.ServiceOfferHooks[i]
}

func inventoryShare(r job.Resources) inventory.Share {
	return inventory.Share{CPU: r.CPU, Memory: r.Memory, Disk: r.Disk}
}
