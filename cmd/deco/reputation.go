package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) reputationCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "reputation NODE",
		Short: "Show a node's reputation and the latest attestations about it",
		Long: `Show NODE's reputation (a peer ID) as this node derives it, and the
latest signed attestations about it this node holds.

Requesters attest about the providers they deal with: an execution
verified, an execution lost mid-run, a dispute lost. Attestations are
gossiped; every node scores from those it can verify, so two nodes may
answer differently.

The score runs from 0 (worst) to 1 (best):

  score = (2 + P) / (4 + P + N)

a node nobody attested about is neutral (0.5). P adds up verified
executions and N lost ones and lost disputes, each counted once per
attester and execution, at most 10 per attester each way, and each
weighted by the attester's stake: its stake over 100 DECO, at most 1;
this node's own attestations weigh 1; attesters staked under 10 DECO
(unstaked ones, and every attester on a node without settlement) weigh
0.1 each and together at most 1. So one lost execution reported by a
staked attester takes a new provider to 0.40, a verified one to 0.60.
A provider whose dispute the chain shows executed (it was slashed)
scores 0, whatever its history.

A job's constraints.minReputation refuses providers below it (unknown
ones count as 0.5), and the scheduler prefers better-scored providers.`,
		Example: `  deco reputation 16Uiu2HAm...
  deco reputation 16Uiu2HAm... --limit 50 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return fmt.Errorf("--limit %d: want 0 or more", limit)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			r, err := c.Reputation(cmd.Context(), args[0], limit)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, r)
			}
			w := a.stdout
			what := fmt.Sprintf("%d attestations", r.Count)
			switch {
			case !r.Known:
				what = "unknown: no attestations, neutral"
			case r.Slashed:
				what += "; slashed on chain"
			}
			fmt.Fprintf(w, "node   %s\nscore  %.2f (%s)\n", r.Node, r.Score, what)
			if len(r.Attestations) == 0 {
				return nil
			}
			fmt.Fprintln(w)
			var rows [][]string
			for _, at := range r.Attestations {
				rows = append(rows, []string{at.IssuedAt.Local().Format(time.DateTime), string(at.Kind), shortPeer(at.Attester),
					shortID(at.JobID), shortID(at.ExecutionID)})
			}
			return table(w, []string{"ISSUED", "KIND", "ATTESTER", "JOB", "EXECUTION"}, rows)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "list at most this many recent attestations")
	return cmd
}
