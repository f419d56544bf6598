package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
)

func (a *app) walletCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wallet",
		Short: "Show the node's settlement account: balance, deposits, earnings",
		Long: `Show the node's settlement account: its address, DECO balance and stake,
its channels as a requester (deposited, paid to the provider, signed in
vouchers and not yet redeemed) and as a provider (redeemed and pending
earnings), and the latest redeem transactions.

A node settles on the chain named by chain.json in its data directory
(deco devnet writes one; deco chain serve writes one to copy). Without it
the node runs and buys tasks free and has no wallet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			wl, err := c.Wallet(cmd.Context())
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, wl)
			}
			w := a.stdout
			fmt.Fprintf(w, "address  %s\nescrow   %s\nbalance  %s DECO\nstake    %s DECO\n", wl.Address, wl.Escrow, wl.Balance, wl.Stake.Amount)
			if len(wl.Deposits) > 0 {
				fmt.Fprintln(w, "\nas requester (deposits):")
				var rows [][]string
				for _, d := range wl.Deposits {
					wd := ""
					if d.WithdrawAmount > 0 {
						wd = fmt.Sprintf("%s at %s", d.WithdrawAmount, d.WithdrawAt.Local().Format(time.TimeOnly))
					}
					rows = append(rows, []string{d.Provider, d.Deposited.String(), d.Paid.String(), d.Signed.String(), d.Pending.String(), wd})
				}
				table(w, []string{"PROVIDER", "DEPOSITED", "PAID", "SIGNED", "PENDING", "WITHDRAWAL"}, rows)
			}
			if len(wl.Earnings) > 0 {
				fmt.Fprintln(w, "\nas provider (earnings):")
				var rows [][]string
				var earned, pending money.Amount
				for _, e := range wl.Earnings {
					earned += e.Redeemed
					pending += e.Pending
					rows = append(rows, []string{e.Requester, e.Redeemed.String(), e.Pending.String(), e.Balance.String()})
				}
				table(w, []string{"REQUESTER", "REDEEMED", "PENDING", "DEPOSIT LEFT"}, rows)
				fmt.Fprintf(w, "earned %s DECO, %s DECO pending\n", earned, pending)
			}
			if len(wl.Redeems) > 0 {
				fmt.Fprintln(w, "\nredeems:")
				var rows [][]string
				for _, r := range wl.Redeems {
					rows = append(rows, []string{r.At.Local().Format(time.DateTime), r.Requester.String(), r.Result.Amount.String(),
						fmt.Sprint(r.Result.GasUsed), r.Result.Tx})
				}
				table(w, []string{"AT", "REQUESTER", "AMOUNT", "GAS", "TX"}, rows)
			}
			return nil
		},
	}
	cmd.AddCommand(a.walletRedeemCmd(), a.walletStakeCmd())
	cmd.AddCommand(withCompletion(a.completeProvider, a.walletDepositCmd(), a.walletWithdrawCmd())...)
	return cmd
}

func parseAmount(s string) (money.Amount, error) {
	v, err := money.Parse(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("amount %q: want a positive number of DECO, e.g. 12.5", s)
	}
	return v, nil
}

func (a *app) printTx(what string, res settle.TxResult) error {
	if a.output == "json" {
		return writeJSON(a.stdout, res)
	}
	fmt.Fprintf(a.stdout, "%s %s DECO: tx %s (block %d, gas %d)\n", what, res.Amount, res.Tx, res.Block, res.GasUsed)
	return nil
}

func (a *app) walletDepositCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "deposit PROVIDER AMOUNT",
		Short: "Deposit DECO on the channel to a provider (peer ID or address)",
		Long: `Deposit AMOUNT DECO on this node's payment channel to PROVIDER (its peer ID
or 0x address). Tasks on that provider are paid from the deposit by signed
vouchers as they run; what is not spent can be withdrawn (deco wallet withdraw).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			res, err := c.Deposit(cmd.Context(), args[0], amount)
			if err != nil {
				return err
			}
			return a.printTx("deposited", res)
		},
	}
}

func (a *app) walletWithdrawCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "withdraw PROVIDER [AMOUNT]",
		Short: "Take back unspent deposit from a provider's channel (two steps)",
		Long: `Withdraw unspent deposit from the channel to PROVIDER in two steps. The
first call requests the withdrawal (of AMOUNT, or everything left); the
provider can still redeem the vouchers it holds until the escrow's delay
is over. Run the command again (without AMOUNT) after that to receive what
is left.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var amount money.Amount
			if len(args) == 2 {
				var err error
				if amount, err = parseAmount(args[1]); err != nil {
					return err
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			res, err := c.Withdraw(cmd.Context(), args[0], amount)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, res)
			}
			for _, tx := range []*settle.TxResult{res.Requested, res.Withdrawn} {
				if tx != nil {
					fmt.Fprintf(a.stdout, "tx %s (block %d, gas %d)\n", tx.Tx, tx.Block, tx.GasUsed)
				}
			}
			fmt.Fprintln(a.stdout, res.Message)
			return nil
		},
	}
}

func (a *app) walletRedeemCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "redeem [REQUESTER]",
		Short: "Redeem the vouchers this node holds as a provider now",
		Long: `Redeem on chain the latest voucher of every channel with unredeemed
earnings (or only REQUESTER's, an 0x address). Providers also redeem on
their own when a channel's unredeemed amount passes a threshold and before
a requester's withdrawal unlocks.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			requester := ""
			if len(args) == 1 {
				requester = args[0]
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			rs, err := c.Redeem(cmd.Context(), requester)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, rs)
			}
			if len(rs) == 0 {
				fmt.Fprintln(a.stdout, "nothing to redeem")
			}
			for _, r := range rs {
				fmt.Fprintf(a.stdout, "redeemed %s DECO from %s: tx %s (block %d, gas %d)\n",
					r.Result.Amount, r.Requester, r.Result.Tx, r.Result.Block, r.Result.GasUsed)
			}
			return nil
		},
	}
}

func (a *app) walletStakeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "stake AMOUNT",
		Short: "Stake DECO as a provider",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := parseAmount(args[0])
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			res, err := c.Stake(cmd.Context(), amount)
			if err != nil {
				return err
			}
			return a.printTx("staked", res)
		},
	}
}

// amountFlag is a DECO amount command-line flag.
type amountFlag struct{ v *money.Amount }

func (f amountFlag) String() string {
	if f.v == nil {
		return "0"
	}
	return f.v.String()
}

func (f amountFlag) Set(s string) error {
	v, err := money.Parse(s)
	if err != nil || v < 0 {
		return fmt.Errorf("want an amount of DECO, e.g. 0.5")
	}
	*f.v = v
	return nil
}

func (f amountFlag) Type() string { return "DECO" }

// printPayments lists a job's usage reports, each with the voucher that
// paid it (job describe).
func printPayments(w io.Writer, d api.JobDetail) {
	if len(d.Usage) == 0 {
		return
	}
	paid := map[uint64]money.Amount{}
	for _, v := range d.Vouchers {
		paid[v.Seq] = v.Voucher.Cumulative
	}
	fmt.Fprintln(w, "\nPayments (usage reports and the vouchers that paid them):")
	var rows [][]string
	for _, u := range d.Usage {
		voucher := "unpaid"
		if c, ok := paid[u.Report.Seq]; ok {
			voucher = c.String() + " cumulative"
		}
		final := ""
		if u.Report.Final {
			final = "final"
		}
		rows = append(rows, []string{fmt.Sprint(u.Report.Seq), u.At.Local().Format("15:04:05.000"),
			(time.Duration(u.Report.RunMillis) * time.Millisecond).String(), u.Report.AmountDue.String(), voucher, final})
	}
	table(w, []string{"  SEQ", "AT", "RUN", "DUE", "VOUCHER", ""}, rows)
}
