package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/settle/devchain"
)

func (a *app) devnetCmd() *cobra.Command {
	var cfg devnet.Config
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Start a local network of nodes on loopback (one requester, the rest providers)",
		Long: `Start N nodes in this process on 127.0.0.1, each with its own data directory
and ports. Node 0 is a requester; the others are providers, already
onboarded with a small share of this machine. A dev settlement chain runs
in the same process (token and escrow deployed, every node funded, its
chain.json written): the requester deposits on first use of a provider and
pays by vouchers while tasks run; providers redeem. Nothing leaves the machine
and no account is needed. Stop it with Ctrl-C; a restart with the same
--dir keeps identities and job history.

With --firewalled I (repeatable), provider I accepts no connection and
connects directly only to node 0, which then also runs a circuit relay: the
other providers reach it, and it them, only through that relay (a job
network between them included), as with a provider behind a NAT.

Every node is a validator of the dev chain's escrow, and a verdict signed
by --quorum of them (default max(1, (nodes-1)/2): 1 of 3, 2 of 5, 3 of 7)
slashes a provider's stake; each provider stakes ` + devnet.DefaultStake.String() + ` DECO once funded.

Point the CLI at a node with DECO_DATA_DIR (printed once the network is up).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfg.Nodes < 2 {
				return errors.New("--nodes must be at least 2 (a requester and a provider)")
			}
			dir, err := filepath.Abs(cfg.Dir)
			if err != nil {
				return err
			}
			cfg.Dir, cfg.Logger = dir, a.logger()
			if exe, err := os.Executable(); err == nil {
				cfg.TaskInit = exe // jobs with links start under this binary's task-init
			}
			ready := filepath.Join(dir, "ready")
			_ = os.Remove(ready)
			ctx, cancel := context.WithTimeout(cmd.Context(), 60*time.Second)
			net, err := devnet.Start(ctx, cfg)
			cancel()
			if err != nil {
				return err
			}
			defer net.Close()
			fmt.Fprintf(a.stdout, "deco devnet: %d nodes on loopback in %s\n\n", len(net.Nodes), dir)
			for i, n := range net.Nodes {
				role := "provider"
				switch {
				case i == 0 && len(cfg.Firewalled) > 0:
					role = "requester, relay"
				case i == 0:
					role = "requester"
				case net.Firewalled(i):
					role = "provider, firewalled"
				}
				fmt.Fprintf(a.stdout, "  node%d  %-20s  %s  api %s\n", i, role, n.PeerID(), n.APIURL())
			}
			if net.Chain != nil {
				info := net.Chain.Info()
				fmt.Fprintf(a.stdout, "\n  dev chain   %s  token %s  escrow %s\n  every node holds %s DECO; tasks are paid as they run (deco wallet)\n",
					info.RPCURL, info.Token, info.Escrow, devchain.DefaultFundTokens)
				fmt.Fprintf(a.stdout, "  validators  every node, %s\n", validatorSummary(net.Validators.Validators, net.Validators.Quorum))
				if st := net.Stake(); st > 0 {
					fmt.Fprintf(a.stdout, "  every provider staked %s DECO of it: a verdict signed by %d validators slashes it\n", st, net.Validators.Quorum)
				}
			}
			fmt.Fprintf(a.stdout, "\nPoint the CLI at a node, e.g. the requester:\n\n  export DECO_DATA_DIR=%s\n  deco offers\n  deco run deco-busybox:latest -- sh -c 'echo hi'\n  deco dashboard    # a login link to its web dashboard\n\n", net.DataDir(0))
			if !net.HasDocker() {
				fmt.Fprintln(a.stdout, "Note: no Docker engine is reachable, so providers run only WebAssembly tasks.\nStart one (sudo systemctl start docker, or dockerd &) and restart the devnet for container jobs.")
			}
			fmt.Fprintln(a.stdout, "Every devnet node has a throwaway dev key (its passphrase beside it in keystore/THROWAWAY-passphrase): never send it real funds.")
			fmt.Fprintln(a.stdout, "Ctrl-C stops the network.")
			if err := os.WriteFile(ready, []byte(net.DataDir(0)+"\n"), 0o644); err != nil {
				return err
			}
			<-cmd.Context().Done()
			_ = os.Remove(ready)
			fmt.Fprintln(a.stderr, "stopping devnet")
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Nodes, "nodes", 3, "number of nodes (node 0 is the requester)")
	f.StringVar(&cfg.Dir, "dir", ".devnet", "directory holding each node's data directory")
	f.BoolVar(&cfg.NoChain, "no-chain", false, "run without the dev settlement chain (tasks run free)")
	f.IntVar(&cfg.Quorum, "quorum", 0, "validators' signatures a slashing verdict needs; every node is a validator (default max(1, (nodes-1)/2))")
	f.DurationVar(&cfg.UsageInterval, "usage-interval", 0, "how often running tasks report usage and are paid (default 2s)")
	f.IntSliceVar(&cfg.Firewalled, "firewalled", nil, "provider `I` (1 to nodes-1) accepts no connection and reaches the others only through a relay on node 0 (repeatable)")
	f.StringVar(&cfg.DiskQuota, "disk-quota", provider.DiskQuotaAuto, "how the providers hold tasks to their disk requests: volume, check or auto (see deco node run --help)")
	return cmd
}
