package main

import (
	"encoding/json"
	"fmt"

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
		cfg    devchain.Config
		out    string
		fund   []string
		tokens string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve an in-process EVM dev chain with the token and escrow deployed",
		Long: `Start an EVM dev chain in this process, served over JSON-RPC HTTP on
loopback (it mines a block for each transaction), deploy the DECO token and
the Escrow contract, and fund the --fund addresses with gas money and DECO.

The RPC URL, chain ID and contract addresses are printed and written, as a
node's settlement config, to --out (chain.json); copy that file into a
node's data directory to have the node settle on this chain. For a devnet of separate processes. The chain
lives in memory: stopping it (Ctrl-C) loses its state.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range fund {
				addr, err := identity.ParseAddress(f)
				if err != nil {
					return fmt.Errorf("--fund %q: %w", f, err)
				}
				cfg.Fund = append(cfg.Fund, addr)
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
				if err := json.NewEncoder(a.stdout).Encode(info); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(a.stdout, "deco dev chain\n\n  rpc       %s\n  chain id  %d\n  token     %s\n  escrow    %s\n  funded    %d accounts with %s DECO each\n",
					info.RPCURL, info.ChainID, info.Token, info.Escrow, len(cfg.Fund), cfg.FundTokens)
				if out != "" {
					fmt.Fprintf(a.stdout, "  written   %s\n", out)
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
	f.StringVar(&out, "out", "chain.json", "file to write the RPC URL, chain ID and contract addresses to (empty: none)")
	return cmd
}
