package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle/devchain"
)

func (a *app) chainCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "chain",
		Short: "Run deco's dev settlement chain",
	}
	cmd.AddCommand(a.chainServeCmd())
	return cmd
}

func (a *app) chainServeCmd() *cobra.Command {
	var (
		cfg        devchain.Config
		out        string
		fund       []string
		tokens     string
		validators []string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve an in-process EVM dev chain with the token, escrow and service registry deployed",
		Long: `Start an EVM dev chain in this process, served over JSON-RPC HTTP on
loopback (it mines a block for each transaction), deploy the DECO token and
the Escrow contract, and fund the --fund addresses with gas money and DECO.

The RPC URL, chain ID and contract addresses are printed and written, as a
node's settlement config, to --out (chain.json); copy that file into a
node's data directory to have the node settle on this chain (a devnet of
separate processes). The chain lives in memory: stopping it (Ctrl-C) loses its
state.

The Escrow registers the --validator addresses (repeatable): a verdict
signed by --quorum of them slashes a provider's stake. The quorum defaults
to a majority of the validators given (half of them, rounded down, plus
one). With no --validator, slashing is disabled (quorum 0) and --quorum
must not be given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range fund {
				addr, err := identity.ParseAddress(f)
				if err != nil {
					return fmt.Errorf("--fund %q: %w", f, err)
				}
				cfg.Fund = append(cfg.Fund, addr)
			}
			seen := map[identity.Address]bool{}
			for _, v := range validators {
				addr, err := identity.ParseAddress(v)
				if err != nil {
					return fmt.Errorf("--validator %q: %w", v, err)
				}
				if seen[addr] {
					return fmt.Errorf("--validator %s given twice", addr)
				}
				seen[addr] = true
				cfg.Validators = append(cfg.Validators, addr)
			}
			switch n := len(cfg.Validators); {
			case !cmd.Flags().Changed("quorum"):
				cfg.Quorum = majority(n)
			case n == 0:
				return errors.New("--quorum needs validators (--validator); with none, slashing is disabled")
			case cfg.Quorum < 1 || cfg.Quorum > n:
				return fmt.Errorf("--quorum %d: want 1 to %d (the number of validators)", cfg.Quorum, n)
			}
			amount, err := money.Parse(tokens)
			if err != nil || amount <= 0 {
				return fmt.Errorf("--tokens %q: want a positive amount", tokens)
			}
			cfg.FundTokens = amount
			cfg.Logger = a.logger()
			chain, err := devchain.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer chain.Close()
			info := chain.Info()
			if out != "" {
				if err := chain.WriteSettlement(out); err != nil {
					return err
				}
			}
			if a.output == "json" {
				out := struct {
					devchain.Info
					Validators []identity.Address `json:"validators"`
					Quorum     int                `json:"quorum"`
				}{info, cfg.Validators, cfg.Quorum}
				if out.Validators == nil {
					out.Validators = []identity.Address{}
				}
				if err := json.NewEncoder(a.stdout).Encode(out); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.stdout, "deco dev chain\n\n  rpc         %s\n  chain id    %d\n  token       %s\n  escrow      %s\n  services    %s\n  funded      %d accounts with %s DECO each\n",
					info.RPCURL, info.ChainID, info.Token, info.Escrow, info.ServiceRegistry, len(cfg.Fund), cfg.FundTokens)
				fmt.Fprintf(a.stdout, "  validators  %s\n", validatorSummary(cfg.Validators, cfg.Quorum))
				if out != "" {
					fmt.Fprintf(a.stdout, "  written     %s\n", out)
				}
				fmt.Fprintln(a.stdout, "\nCtrl-C stops the chain (its state is lost).")
			}
			<-cmd.Context().Done()
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:8545", "host:port to serve JSON-RPC on (keep it on loopback: no authentication)")
	f.Uint64Var(&cfg.ChainID, "chain-id", devchain.DefaultChainID, "chain ID")
	f.DurationVar(&cfg.WithdrawDelay, "withdraw-delay", devchain.DefaultWithdrawDelay, "Escrow withdrawal delay")
	f.DurationVar(&cfg.UnstakeDelay, "unstake-delay", devchain.DefaultUnstakeDelay, "Escrow unstake delay")
	f.StringArrayVar(&fund, "fund", nil, "address to fund with gas money and DECO (repeatable)")
	f.StringVar(&tokens, "tokens", devchain.DefaultFundTokens.String(), "DECO each funded address receives")
	f.StringArrayVar(&validators, "validator", nil, "address of a validator whose verdicts can slash stake (repeatable; none: slashing disabled)")
	f.IntVar(&cfg.Quorum, "quorum", 0, "validators' signatures a verdict needs (default: a majority, len/2+1, of the --validator addresses)")
	f.StringVar(&out, "out", "chain.json", "file to write the RPC URL, chain ID and contract addresses to (empty: none)")
	return cmd
}

// majority is the default quorum of n validators: more than half of them
// (0 for none: slashing disabled).
func majority(n int) int {
	if n == 0 {
		return 0
	}
	return n/2 + 1
}

// validatorSummary says who decides disputes: the quorum and the validators.
func validatorSummary(vals []identity.Address, quorum int) string {
	if len(vals) == 0 {
		return "none (slashing disabled)"
	}
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = v.String()
	}
	return fmt.Sprintf("quorum %d of %d: %s", quorum, len(vals), strings.Join(s, ", "))
}
