package main

import (
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/operator"
)

func (a *app) billingCmd() *cobra.Command {
	var q client.BillingQuery
	var provider, asOperator bool
	var operatorDir, passFile string
	cmd := &cobra.Command{
		Use:   "billing",
		Short: "Machine-hour statement of what this node bought (or, with --provider, ran)",
		Long: `Show the machine-hour statement of the executions this node bought as a
requester (default) or ran as a provider (--provider).

Each execution, one replica of one task, is a record: its resource spec
(or its resources, e.g. 1cpu-512MiB, for a job that named none), its
metered run time as the provider signed it in its usage reports, the
amount due by the last report and what the vouchers that answered the
reports paid. A task's machine hours are the sum of its replicas' hours,
each replica's hours its spec times (end − start); a job's are the sum
over its tasks. Lines sum records by --by: job, day (UTC), spec,
requester or provider.

--from and --to take RFC 3339 times or YYYY-MM-DD (UTC) days and select
executions by their last report. A requester's statement also lists its
recharges: the deposits on its channels that the chain recorded in the
window. --operator signs a request with the operator key (see deco
operator) and collects the statement of every node the operator
certified, as providers, summed, with each node's own total. -o csv writes the lines (or, with
--records, the records) for a spreadsheet.`,
		Example: `  deco billing
  deco billing --by day --from 2026-12-01 --to 2026-12-08
  deco billing --provider --by requester -o csv
  deco billing --records -o json`,
		Annotations: map[string]string{csvAnnotation: "true"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if provider {
				q.Role = "provider"
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if asOperator {
				return a.operatorBilling(cmd, c, q, operatorDir, passFile)
			}
			b, err := c.Billing(cmd.Context(), q)
			if err != nil {
				return err
			}
			switch a.output {
			case "json":
				return writeJSON(a.stdout, b)
			case "csv":
				w := csv.NewWriter(a.stdout)
				if q.Records {
					_ = w.Write([]string{"job", "execution", "requester", "provider", "spec", "start", "end", "run_millis", "machine_hours", "due", "paid"})
					for _, r := range b.Records {
						_ = w.Write([]string{r.JobID, r.ExecutionID, r.Requester.String(), r.Provider.String(), r.Spec,
							r.Start.Format("2006-01-02T15:04:05.000Z07:00"), r.End.Format("2006-01-02T15:04:05.000Z07:00"),
							strconv.FormatUint(r.RunMillis, 10), hours(r.Hours()), r.Due.String(), r.Paid.String()})
					}
					w.Flush()
					return w.Error()
				}
				return writeLinesCSV(a, b.By, b.Lines, b.Total)
			}
			fmt.Fprintf(a.stdout, "%s statement by %s, %s to %s\n", b.Role, b.By, b.From.Format("2006-01-02 15:04"), b.To.Format("2006-01-02 15:04"))
			writeLines(a, b.By, b.Lines, b.Total)
			if len(b.Deposits) > 0 {
				fmt.Fprintf(a.stdout, "\nrecharged %s in %d deposits (from the chain):\n", b.Deposited, len(b.Deposits))
				for _, d := range b.Deposits {
					fmt.Fprintf(a.stdout, "  %s  %14s  to %s  block %d  %s\n", d.At.Format("2006-01-02 15:04:05"), d.Amount, d.Provider, d.Block, d.Tx)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&provider, "provider", false, "the executions this node ran as a provider (default: those it bought)")
	f.StringVar(&q.From, "from", "", "from this time (RFC 3339 or YYYY-MM-DD, UTC)")
	f.StringVar(&q.To, "to", "", "to this time, exclusive (default now)")
	f.StringVar(&q.By, "by", operator.ByJob, "group lines by: "+strings.Join(operator.Groupings, ", "))
	f.BoolVar(&q.Records, "records", false, "list every execution's record (json and csv)")
	f.BoolVar(&asOperator, "operator", false, "the operator's statement over all its nodes (signed with the operator key)")
	f.StringVar(&operatorDir, "operator-dir", defaultOperatorDir(), "the operator key's keystore directory, with --operator (env DECO_OPERATOR_DIR)")
	f.StringVar(&passFile, "passphrase-file", "", "file holding the operator key's passphrase, with --operator (or DECO_OPERATOR_PASSPHRASE)")
	_ = cmd.RegisterFlagCompletionFunc("by", cobra.FixedCompletions(operator.Groupings, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// hours writes machine hours to 7 decimals (0.36 s).
func hours(h float64) string { return strconv.FormatFloat(h, 'f', 7, 64) }

// operatorBilling signs an operator billing request and prints what the
// node collected from the operator's nodes.
func (a *app) operatorBilling(cmd *cobra.Command, c *client.Client, q client.BillingQuery, dir, passFile string) error {
	if q.Records || q.Role == "provider" {
		return fmt.Errorf("--operator sums its nodes' statements as providers: --records and --provider do not apply")
	}
	now := time.Now()
	from, to := time.Unix(0, 0).UTC(), now.Add(time.Minute)
	for _, p := range []struct {
		flag, v string
		t       *time.Time
	}{{"--from", q.From, &from}, {"--to", q.To, &to}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, p.v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, p.v); err != nil {
				return fmt.Errorf("%s %q: want RFC 3339 or YYYY-MM-DD", p.flag, p.v)
			}
		}
		*p.t = t
	}
	k, err := a.openOperatorKey(dir, passFile, false)
	if err != nil {
		return err
	}
	req, err := operator.SignBillingRequest(k, from, to, q.By, now)
	if err != nil {
		return err
	}
	b, err := c.OperatorBilling(cmd.Context(), req)
	if err != nil {
		return err
	}
	switch a.output {
	case "json":
		return writeJSON(a.stdout, b)
	case "csv":
		return writeLinesCSV(a, b.By, b.Lines, b.Total)
	}
	fmt.Fprintf(a.stdout, "operator %s: %d of %d nodes answered, by %s\n", b.Operator, b.Answered, len(b.Nodes), b.By)
	writeLines(a, b.By, b.Lines, b.Total)
	fmt.Fprintln(a.stdout, "\nnodes:")
	for _, n := range b.Nodes {
		if n.Error != "" {
			fmt.Fprintf(a.stdout, "  %s  no statement: %s\n", n.Node, n.Error)
			continue
		}
		fmt.Fprintf(a.stdout, "  %s  %d executions, %s machine hours, %s paid\n", n.Node, n.Total.Executions, hours(n.Total.MachineHours), n.Total.Paid)
	}
	return nil
}

// writeLines prints a statement's lines and total as a table.
func writeLines(a *app, by string, lines []operator.Line, total operator.Line) {
	width := len(by)
	for _, l := range lines {
		width = max(width, len(l.Key))
	}
	row := func(l operator.Line) {
		fmt.Fprintf(a.stdout, "%-*s  %10d  %14s  %14s  %14s\n", width, l.Key, l.Executions, hours(l.MachineHours), l.Due, l.Paid)
	}
	fmt.Fprintf(a.stdout, "%-*s  %10s  %14s  %14s  %14s\n", width, strings.ToUpper(by), "EXECUTIONS", "MACHINE HOURS", "DUE", "PAID")
	for _, l := range lines {
		row(l)
	}
	row(total)
}

// writeLinesCSV writes a statement's lines and total as CSV.
func writeLinesCSV(a *app, by string, lines []operator.Line, total operator.Line) error {
	w := csv.NewWriter(a.stdout)
	_ = w.Write([]string{by, "executions", "machine_hours", "due", "paid"})
	for _, l := range append(lines, total) {
		_ = w.Write([]string{l.Key, strconv.Itoa(l.Executions), hours(l.MachineHours), l.Due.String(), l.Paid.String()})
	}
	w.Flush()
	return w.Error()
}
