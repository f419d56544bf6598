package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) dashboardCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "dashboard",
		Short: "Print a one-time login link to the node's web dashboard",
		Long: `Print a one-time login link to the node's web dashboard, served on the
node's API address. Opening the link logs that browser in for 12 hours; the
link works once and expires after 2 minutes. Only someone who can read the
node's API token can make one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			l, err := c.DashboardLogin(cmd.Context())
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, l)
			}
			fmt.Fprintf(a.stdout, "Open this link in a browser (it works once, until %s):\n\n  %s\n",
				l.Expires.Local().Format(time.TimeOnly), l.URL)
			return nil
		},
	}
}
