package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/provider"
)

func (a *app) nodeCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "node", Short: "Run and manage the deco daemon"}
	var cfg node.Config
	var passFile string
	var noMDNS bool
	var weights []string
	var certFile string
	run := &cobra.Command{
		Use:   "run",
		Short: "Run the node daemon (peer-to-peer host, provider, requester, REST API)",
		Long: `Run the node daemon in the foreground until SIGINT or SIGTERM.

On first start it creates the data directory with the node key (an
encrypted keystore), the SQLite database and the API token. A restart keeps
identity, offers and job history.

The key's passphrase is never stored beside it. It comes from the first of:
--passphrase-file FILE (a file only the node's user can read: chmod 600),
DECO_PASSPHRASE, systemd's credential store ($CREDENTIALS_DIRECTORY/
deco-passphrase, from LoadCredential= or LoadCredentialEncrypted= in the
unit), or a prompt when stdin is a terminal (asked twice on first start).
With none of them a first start fails. A key whose passphrase an older
version stored beside it (keystore/passphrase) still starts, with a warning
each time saying how to move it out.

Behind a NAT or firewall, name a relay with --relay (a node run with
--relay-service, publicly reachable): AutoNAT tells the node it is not
reachable, it reserves a slot on the relay, other nodes reach it through
the relay, and hole punching upgrades such connections to direct ones
where the NATs allow.

--dev-throwaway-key is for dev networks only: the node gets a throwaway key
whose generated passphrase is kept beside it (keystore/THROWAWAY-passphrase),
and the log, the API and 'deco id' say so. Never keep real funds on it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.DataDir, cfg.Logger, cfg.Version, cfg.MDNS = a.dataDir, a.logger(), version, !noMDNS
			cfg.OperatorDir = defaultOperatorDir() // the dashboard's farm form offers the keystore deco billing --operator uses
			pass, err := osSecretSources(passFile, a.stderr).forNode(filepath.Join(a.dataDir, api.KeystoreDir), cfg.ThrowawayKey)
			if err != nil {
				return err
			}
			// Read once: the commands the node runs (mount, mkfs) need not
			// inherit it.
			os.Unsetenv(passphraseEnv)
			cfg.Passphrase = pass
			if cfg.Scheduler.Weights, err = parseWeights(weights); err != nil {
				return err
			}
			if certFile != "" {
				if cfg.OperatorCert, err = readCert(certFile); err != nil {
					return err
				}
			}
			if path := os.Getenv(testClockEnv); path != "" {
				oc := &offsetClock{path: path}
				go oc.run(cmd.Context())
				cfg.Clock = oc.now
				fmt.Fprintf(a.stderr, "TEST ONLY: the node's clock is offset by the duration in %s (%s)\n", path, testClockEnv)
			}
			if exe, err := os.Executable(); err == nil {
				cfg.TaskInit = exe // linked tasks start under this binary's task-init
			}
			n, err := node.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "deco node %s\n  address  %s\n  api      %s\n  web      %s/ (log in with: deco dashboard)\n",
				n.PeerID(), n.Address(), n.APIURL(), n.APIURL())
			for _, addr := range n.Addrs() {
				fmt.Fprintf(a.stderr, "  listen   %s\n", addr)
			}
			// Start-up leaves a few MB of garbage (package initialisers,
			// migrations, key derivation) that an idle node would otherwise
			// hold until its heap doubles: collect it and give it back.
			debug.FreeOSMemory()
			<-cmd.Context().Done()
			fmt.Fprintln(a.stderr, "shutting down")
			return n.Close()
		},
	}
	f := run.Flags()
	f.StringSliceVar(&cfg.ListenAddrs, "listen", nil, "libp2p listen multiaddrs (default: TCP and QUIC on all interfaces, random ports)")
	f.StringSliceVar(&cfg.Bootstrap, "bootstrap", nil, "multiaddrs (with /p2p/ID) of peers to join the network through")
	f.StringSliceVar(&cfg.Relays, "relay", nil, "`MULTIADDR` (with /p2p/ID) of a circuit relay, a node run with --relay-service (repeatable): when this node is not publicly reachable (behind a NAT or firewall) it reserves a slot there so that others reach it through the relay, and it reaches through the relay peers it cannot dial directly; a job network between two such providers then runs through the relay, end-to-end encrypted")
	f.BoolVar(&cfg.RelayService, "relay-service", false, "relay connections for other nodes (circuit relay v2) that cannot dial each other directly; give this node's address to them with --relay. Relayed connections have no time or data limit, as job networks live for the whole job; at most 32 per peer and 128 reservations")
	f.BoolVar(&noMDNS, "no-mdns", false, "do not discover peers on the local network")
	f.BoolVar(&cfg.NoDHT, "no-dht", false, "disable the Kademlia DHT")
	f.StringVar(&cfg.APIAddr, "api-addr", node.DefaultAPIAddr, "REST API listen address (keep it on loopback)")
	f.StringVar(&cfg.DockerHost, "docker-host", "", "Docker engine address (default DOCKER_HOST or the local socket)")
	f.BoolVar(&cfg.NoDocker, "no-docker", false, "do not run container tasks")
	f.BoolVar(&cfg.NoWasm, "no-wasm", false, "do not run WebAssembly tasks")
	f.DurationVar(&cfg.OfferTTL, "offer-ttl", 0, "lifetime of published offers (default 60s)")
	f.DurationVar(&cfg.UsageInterval, "usage-interval", 0, "how often running tasks report usage and are paid for (default 10s)")
	f.Var(amountFlag{&cfg.AutoDeposit}, "auto-deposit", "as a requester, deposit this much on a provider's channel that cannot cover a deal (0: never on its own)")
	f.Var(amountFlag{&cfg.RedeemThreshold}, "redeem-threshold", "as a provider, redeem a channel's vouchers once this much is unredeemed (default 1)")
	f.DurationVar(&cfg.RedeemPoll, "redeem-poll", 0, "as a provider, how often channels are checked for redeeming (default 30s)")
	f.DurationVar(&cfg.HeartbeatTimeout, "heartbeat-timeout", 0, "declare a silent provider lost after this long and retry elsewhere (default 10s)")
	f.StringVar(&cfg.DiskQuota, "disk-quota", provider.DiskQuotaAuto, "how tasks are held to their disk requests: volume (each task's /outputs is a file system of its size; needs root, loop devices, mkfs.ext4), check (measured every 2s, a fast writer may overshoot), auto (volume where possible)")
	f.StringSliceVar(&cfg.InputAllowHosts, "input-allow-host", nil, "as a provider, fetch url and git inputs from this host although it is this machine, on its local network or otherwise refused: a host name, IP address or CIDR prefix (repeatable; see docs/security.md)")
	f.DurationVar(&cfg.ResultRetention, "result-retention", provider.DefaultResultRetention, "how long results of executions run here are kept before they are collected")
	f.StringVar(&passFile, "passphrase-file", "", "file holding the node key's passphrase, readable by the node's user only (or DECO_PASSPHRASE, a systemd credential deco-passphrase, a terminal prompt)")
	f.BoolVar(&cfg.ThrowawayKey, "dev-throwaway-key", false, "dev networks only: a throwaway node key with its passphrase stored beside it (never for real funds)")
	f.StringVar(&certFile, "operator", "", "`CERT`: the operator certificate (from deco operator add-node) that makes this node one of an operator's nodes; kept, so later starts need it no more")
	f.StringSliceVar(&weights, "scheduler-weight", nil, "scorer weight NAME=W (price, reputation, free, latency; repeatable; 0 turns one off)")
	cmd.AddCommand(run)
	return cmd
}

func (a *app) idCmd() *cobra.Command {
	var passFile string
	cmd := &cobra.Command{
		Use:   "id",
		Short: "Print this node's peer ID and EVM address",
		Long:  "Print the node's libp2p peer ID and EVM address, both derived from its one secp256k1 key. Asks the running node, or reads the keystore when none runs.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			peerID, addr, throwaway := "", "", false
			c, err := a.client()
			if err == nil {
				id, err2 := c.Identity(cmd.Context())
				if err2 == nil {
					peerID, addr, throwaway = id.PeerID, id.Address, id.ThrowawayKey
				}
				err = err2
			}
			if err != nil {
				if !errors.Is(err, client.ErrNoNode) {
					return err
				}
				keyPath := filepath.Join(a.dataDir, api.KeystoreDir, identity.KeyFile)
				data, rerr := os.ReadFile(keyPath)
				if rerr != nil {
					return fmt.Errorf("no node identity in %s yet: start the node once with `deco node run`", a.dataDir)
				}
				pass, tw, perr := osSecretSources(passFile, a.stderr).forID(filepath.Dir(keyPath), a.stderr)
				if perr != nil {
					return perr
				}
				throwaway = tw
				k, derr := identity.DecryptKey(data, pass)
				if derr != nil {
					return fmt.Errorf("open %s: %w", keyPath, derr)
				}
				peerID, addr = k.PeerID(), k.Address().String()
			}
			if a.output == "json" {
				out := map[string]any{"peerId": peerID, "address": addr}
				if throwaway {
					out["throwawayKey"] = true
				}
				return writeJSON(a.stdout, out)
			}
			fmt.Fprintf(a.stdout, "peer ID  %s\naddress  %s\n", peerID, addr)
			if throwaway {
				fmt.Fprintln(a.stdout, "key      THROWAWAY dev key (its passphrase is stored beside it): never send it real funds")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&passFile, "passphrase-file", "", "file holding the node key's passphrase when no node runs (or DECO_PASSPHRASE, a systemd credential deco-passphrase, a terminal prompt)")
	return cmd
}

// parseWeights reads NAME=W pairs.
func parseWeights(kvs []string) (map[string]float64, error) {
	if len(kvs) == 0 {
		return nil, nil
	}
	out := map[string]float64{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		w, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("--scheduler-weight %q: want NAME=NUMBER", kv)
		}
		out[k] = w
	}
	return out, nil
}

// testClockEnv names a file holding a duration ("90s", "-2m", empty or
// missing: none) that is added to the node's clock and re-read every
// 100 ms. It is for tests only: the chaos harness jumps a node's clock
// with it, as faketime cannot reach a static Go binary.
const testClockEnv = "DECO_TEST_CLOCK_OFFSET_FILE"

// offsetClock is the node's clock shifted by the duration in a file.
type offsetClock struct {
	path string
	off  atomic.Int64
}

func (c *offsetClock) now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

func (c *offsetClock) run(ctx context.Context) {
	for {
		var d time.Duration
		if b, err := os.ReadFile(c.path); err == nil {
			d, _ = time.ParseDuration(strings.TrimSpace(string(b)))
		}
		c.off.Store(int64(d))
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
