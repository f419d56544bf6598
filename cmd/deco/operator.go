package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

// operatorPassphraseEnv holds the operator key's passphrase.
const operatorPassphraseEnv = "DECO_OPERATOR_PASSPHRASE"

// operatorScryptN is the keystore cost of a new operator key: geth's
// standard, not the light cost nodes start with, since the key certifies
// whole farms and is opened only by the CLI (about a second).
const operatorScryptN = 1 << 18

func defaultOperatorDir() string {
	if d := os.Getenv("DECO_OPERATOR_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".deco-operator"
	}
	return filepath.Join(home, ".deco-operator")
}

func (a *app) operatorCmd() *cobra.Command {
	var dir, passFile string
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Run many provider nodes as one: operator key, node certificates, pools, groups, specs",
		Long: `An operator runs many provider nodes and manages them as one.

The operator key (deco operator init) lives apart from any node, in its own
encrypted keystore (--operator-dir, DECO_OPERATOR_DIR, default
~/.deco-operator); its passphrase comes from --passphrase-file,
DECO_OPERATOR_PASSPHRASE or a terminal prompt.

  deco operator init                     make the operator key
  deco operator add-node NODE -f C.json  certify a node (its peer ID)
  deco node run --operator C.json        start the node as one of yours
  deco operator join C.json              or install it in a running node
  deco operator policy apply FILE        sign and publish pools, groups, specs
  deco operator nodes                    the nodes the network shows as yours

The policy is one signed document: pools (sets of your nodes, optionally
bound to groups of requester addresses, selling named resource specs),
groups and specs with prices per hour. Publishing it through any node
gossips it to every node; your nodes apply it (their offers then carry the
pool), and every other node uses it to check pool claims and to explain
refusals. A later policy replaces the earlier one everywhere.
See docs/operators.md.`,
	}
	cmd.PersistentFlags().StringVar(&dir, "operator-dir", defaultOperatorDir(), "the operator key's keystore directory (env DECO_OPERATOR_DIR)")
	cmd.PersistentFlags().StringVar(&passFile, "passphrase-file", "", "file holding the operator key's passphrase, readable by you only (or DECO_OPERATOR_PASSPHRASE, or a terminal prompt)")
	openKey := func(create bool) (*identity.Key, error) { return a.openOperatorKey(dir, passFile, create) }

	initCmd := &cobra.Command{
		Use:   "init",
		Short: "Make the operator key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := openKey(true)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, map[string]string{"operator": k.Address().String(), "dir": dir})
			}
			fmt.Fprintf(a.stdout, "operator %s\n  keystore %s\n", k.Address(), dir)
			return nil
		},
	}

	var ttl time.Duration
	var out string
	var install bool
	addNode := &cobra.Command{
		Use:   "add-node NODE",
		Short: "Certify a node (by its peer ID, from deco id) as one of the operator's",
		Long: `Sign a certificate that makes NODE one of this operator's nodes. Give it
to the node with 'deco node run --operator FILE' or 'deco operator join
FILE'; with --install it goes straight to the node this CLI talks to.`,
		Example: `  deco operator add-node 16Uiu2HAm... -f node1.cert.json
  deco operator add-node 16Uiu2HAm... --install`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := openKey(false)
			if err != nil {
				return err
			}
			c, err := operator.Issue(k, args[0], time.Now(), ttl)
			if err != nil {
				return err
			}
			b, _ := json.MarshalIndent(c, "", "  ")
			switch {
			case out != "":
				if err := os.WriteFile(out, append(b, '\n'), 0o600); err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "certificate for %s written to %s (valid until %s)\n", c.Node, out, c.Expires.Format(time.RFC3339))
			case !install:
				fmt.Fprintln(a.stdout, string(b))
			}
			if install {
				cl, err := a.client()
				if err != nil {
					return err
				}
				v, err := cl.SetOperatorCert(cmd.Context(), c)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stderr, "installed: node %s is now operator %s's\n", v.Cert.Node, v.Cert.Operator)
			}
			return nil
		},
	}
	addNode.Flags().DurationVar(&ttl, "ttl", 365*24*time.Hour, "how long the certificate is valid")
	addNode.Flags().StringVarP(&out, "file", "f", "", "write the certificate to this file (default: print it)")
	addNode.Flags().BoolVar(&install, "install", false, "install it in the node this CLI talks to")

	join := &cobra.Command{
		Use:   "join CERT",
		Short: "Install an operator's certificate in the running node",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := readCert(args[0])
			if err != nil {
				return err
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			v, err := cl.SetOperatorCert(cmd.Context(), *c)
			if err != nil {
				return err
			}
			return a.printOperator(v.Cert, v.PolicyVersion, v.Pool)
		},
	}

	status := &cobra.Command{
		Use:   "status",
		Short: "Show this node's operator, the version of its policy it applies and its pool",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			v, err := cl.Operator(cmd.Context())
			if err != nil {
				return err
			}
			return a.printOperator(v.Cert, v.PolicyVersion, v.Pool)
		},
	}

	nodes := &cobra.Command{
		Use:   "nodes [OPERATOR]",
		Short: "List the nodes whose offers carry the operator's certificate (default: this CLI's operator key)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var op identity.Address
			if len(args) == 1 {
				var err error
				if op, err = identity.ParseAddress(args[0]); err != nil {
					return fmt.Errorf("operator %q: %w", args[0], err)
				}
			} else {
				k, err := openKey(false)
				if err != nil {
					return err
				}
				op = k.Address()
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			offers, err := cl.Offers(cmd.Context())
			if err != nil {
				return err
			}
			var mine []offer.Offer
			for _, o := range offers {
				if got, ok := o.OperatorAddress(); ok && got == op {
					mine = append(mine, o)
				}
			}
			if a.output == "json" {
				if mine == nil {
					mine = []offer.Offer{}
				}
				return writeJSON(a.stdout, mine)
			}
			fmt.Fprintf(a.stdout, "%-56s %-16s %-16s %s\n", "NODE", "POOL", "POLICY", "FREE")
			for _, o := range mine {
				fmt.Fprintf(a.stdout, "%-56s %-16s %-16d %s cores, %s\n", o.Node, dash(o.Pool), o.PolicyVersion, o.Free.CPU, o.Free.Memory)
			}
			return nil
		},
	}

	policy := &cobra.Command{Use: "policy", Short: "Sign, publish and show operators' policies (pools, groups, specs)"}
	apply := &cobra.Command{
		Use:   "apply FILE",
		Short: "Sign the policy in FILE (YAML or JSON) and publish it to every node",
		Long: `Sign the policy in FILE with the operator key and publish it through the
node this CLI talks to; it reaches every node by gossip (and nodes that
missed it fetch it from any of your nodes). It replaces your earlier policy.

  pools:
    - name: gpu-a
      nodes: [16Uiu2HAm..., 16Uiu2HAm...]
      groups: [lab-1]          # only these requesters (none: everyone)
      specs: [4CPU-2GB]        # resource specs the pool sells
  groups:
    - name: lab-1
      members: [0x1234...]     # requester addresses (deco id)
  specs:
    - name: 4CPU-2GB
      resources: {cpu: 4, memory: 2GiB}
      pricePerHour: 1.5        # per machine hour, in DECO`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if len(raw) > operator.MaxPolicySize {
				return fmt.Errorf("%s: %d bytes, limit %d", args[0], len(raw), operator.MaxPolicySize)
			}
			var body operator.Body
			dec := yaml.NewDecoder(strings.NewReader(string(raw)))
			dec.KnownFields(true)
			if err := dec.Decode(&body); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			k, err := openKey(false)
			if err != nil {
				return err
			}
			p, err := operator.Sign(k, body, time.Now())
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			cl, err := a.client()
			if err != nil {
				return err
			}
			res, err := cl.PublishPolicy(cmd.Context(), p)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "published policy version %d of operator %s: %d pools, %d groups, %d specs\n",
				res.Version, res.Operator, len(p.Pools), len(p.Groups), len(p.Specs))
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show [OPERATOR]",
		Short: "Show the latest policy of every operator the node knows (or of one)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := a.client()
			if err != nil {
				return err
			}
			all, err := cl.OperatorPolicies(cmd.Context())
			if err != nil {
				return err
			}
			if len(args) == 1 {
				op, err := identity.ParseAddress(args[0])
				if err != nil {
					return fmt.Errorf("operator %q: %w", args[0], err)
				}
				kept := all[:0]
				for _, p := range all {
					if p.Operator == op {
						kept = append(kept, p)
					}
				}
				if all = kept; len(all) == 0 {
					return fmt.Errorf("this node knows no policy of operator %s", op)
				}
			}
			if a.output == "json" {
				if all == nil {
					all = []operator.Policy{}
				}
				return writeJSON(a.stdout, all)
			}
			for _, p := range all {
				fmt.Fprintf(a.stdout, "operator %s  version %d  issued %s\n", p.Operator, p.Version, p.IssuedAt.Format(time.RFC3339))
				for _, pl := range p.Pools {
					fmt.Fprintf(a.stdout, "  pool %s: %d nodes", pl.Name, len(pl.Nodes))
					if len(pl.Groups) > 0 {
						fmt.Fprintf(a.stdout, ", for %s", strings.Join(pl.Groups, ", "))
					}
					if len(pl.Specs) > 0 {
						fmt.Fprintf(a.stdout, ", sells %s", strings.Join(pl.Specs, ", "))
					}
					fmt.Fprintln(a.stdout)
				}
				for _, g := range p.Groups {
					fmt.Fprintf(a.stdout, "  group %s: %d members\n", g.Name, len(g.Members))
				}
				for _, s := range p.Specs {
					fmt.Fprintf(a.stdout, "  spec %s: %s cores, %s memory", s.Name, s.Resources.CPU, s.Resources.Memory)
					if s.Resources.GPUs > 0 {
						fmt.Fprintf(a.stdout, ", %d GPUs", s.Resources.GPUs)
					}
					fmt.Fprintf(a.stdout, ", %s/h\n", s.PricePerHour)
				}
			}
			return nil
		},
	}
	policy.AddCommand(apply, show)
	cmd.AddCommand(initCmd, addNode, join, status, nodes, policy)
	return cmd
}

// openOperatorKey opens (or, with create, makes) the operator key in dir.
func (a *app) openOperatorKey(dir, passFile string, create bool) (*identity.Key, error) {
	st, err := identity.Inspect(dir)
	if err != nil {
		return nil, err
	}
	if !st.Exists && !create {
		return nil, fmt.Errorf("no operator key in %s: make one with deco operator init", dir)
	}
	if st.Exists && create {
		return nil, fmt.Errorf("%s already holds an operator key", dir)
	}
	pass, err := operatorPassphrase(passFile, a, create)
	if err != nil {
		return nil, err
	}
	k, _, err := identity.OpenOrCreate(dir, identity.Options{Passphrase: pass, ScryptN: operatorScryptN})
	return k, err
}

func (a *app) printOperator(c *operator.Cert, version uint64, pool string) error {
	if a.output == "json" {
		return writeJSON(a.stdout, map[string]any{"cert": c, "policyVersion": version, "pool": pool})
	}
	if c == nil {
		fmt.Fprintln(a.stdout, "this node has no operator")
		return nil
	}
	fmt.Fprintf(a.stdout, "operator %s\n  certified until %s\n  policy version %d\n  pool %s\n",
		c.Operator, c.Expires.Format(time.RFC3339), version, dash(pool))
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// readCert reads a certificate file strictly.
func readCert(path string) (*operator.Cert, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := operator.DecodeCert([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// operatorPassphrase is the operator key's passphrase: --passphrase-file,
// DECO_OPERATOR_PASSPHRASE or a prompt (twice for a new key).
func operatorPassphrase(file string, a *app, create bool) (string, error) {
	if file != "" {
		return readSecretFile(file, "--passphrase-file", true)
	}
	if p := strings.TrimSpace(os.Getenv(operatorPassphraseEnv)); p != "" {
		return p, nil
	}
	src := osSecretSources("", a.stderr)
	if src.ask == nil {
		return "", errors.New("the operator key needs a passphrase: give --passphrase-file FILE or " + operatorPassphraseEnv + ", or run on a terminal")
	}
	p, err := src.ask("Passphrase of the operator key: ")
	if err != nil || !create {
		return p, err
	}
	if p == "" {
		return "", errors.New("the passphrase is empty")
	}
	again, err := src.ask("The same passphrase again: ")
	if err != nil {
		return "", err
	}
	if again != p {
		return "", errors.New("the two passphrases differ")
	}
	return p, nil
}
