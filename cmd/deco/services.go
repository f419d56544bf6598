package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer/query"
	"github.com/deco-network/deco/internal/service"
)

func (a *app) servicesCmd() *cobra.Command {
	var where, source string
	cmd := &cobra.Command{
		Use:   "services",
		Short: "List the pay-per-request services this node knows",
		Long: `List the pay-per-request services this node knows: the signed offers heard
on gossip and the services the chain's registry contract lists (from its
logs), merged one row per provider and service (--source gossip or chain
for one of them). Optionally only those matching an expression, in the
language of 'deco offers', e.g.

  deco services --where 'name == "llm" and price <= 0.01 and verification != "none"'

Fields: ` + service.Query.Names() + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var q *query.Query
			if where != "" {
				var err error
				if q, err = service.Query.Parse(where); err != nil {
					return fmt.Errorf("--where: %w", err)
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ls, err := c.Services(cmd.Context(), source)
			if err != nil {
				return err
			}
			ls = service.Filter(q, ls)
			if a.output == "json" {
				if ls == nil {
					ls = []service.Listing{}
				}
				return writeJSON(a.stdout, ls)
			}
			var rows [][]string
			for _, l := range ls {
				unit := "-"
				if l.UnitPrice > 0 {
					unit = fmt.Sprintf("%s (at most %d)", l.UnitPrice, l.MaxUnits)
				}
				expires := "-"
				if l.Gossiped {
					expires = time.Until(l.Expires).Round(time.Second).String()
				}
				rows = append(rows, []string{l.Name, l.Type, l.Price.String(), unit, l.Verification, orDash(l.Provider), l.Address.String(),
					yesNo(l.Gossiped), yesNo(l.OnChain), expires})
			}
			return table(a.stdout, []string{"SERVICE", "TYPE", "PRICE", "PER UNIT", "VERIFICATION", "PROVIDER", "ADDRESS", "GOSSIPED", "ON CHAIN", "EXPIRES IN"}, rows)
		},
	}
	cmd.Flags().StringVar(&where, "where", "", "only services matching this expression (see the command's help)")
	cmd.Flags().StringVar(&source, "source", api.SourceAll, "where from: all, gossip or chain (the registry's logs)")
	return cmd
}

func (a *app) serviceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Serve, stop serving and call pay-per-request services",
	}
	cmd.AddCommand(a.serviceRegisterCmd(), a.serviceRemoveCmd(), a.serviceProxyCmd())
	return cmd
}

func (a *app) serviceRegisterCmd() *cobra.Command {
	var r api.ServiceRegistration
	var price, unitPrice string
	cmd := &cobra.Command{
		Use:   "register NAME --price AMOUNT (--endpoint URL | --job JOB --port PORT)",
		Short: "Serve a pay-per-request service from this node",
		Long: `Serve the HTTP server at --endpoint (on this machine), or a port of a
running service job of this node (--job, --port), as the paid service NAME.
The node signs and gossips the service's offer and registers it in the
chain's service registry; requesters call it through 'deco service proxy'
and pay --price DECO a request (plus --unit-price per unit the response
reports in its X-Deco-Units header, at most --max-units), with vouchers on
their channel to this node. Redeem them with 'deco wallet redeem'.`,
		Example: `  deco service register echo --price 0.001 --endpoint http://127.0.0.1:8080
  deco service register digits --price 0.01 --job JOB --port http --verification replicate`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r.Name = args[0]
			var err error
			if r.Price, err = money.Parse(price); err != nil {
				return fmt.Errorf("--price: %w", err)
			}
			if unitPrice != "" {
				if r.UnitPrice, err = money.Parse(unitPrice); err != nil {
					return fmt.Errorf("--unit-price: %w", err)
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			res, err := c.RegisterService(cmd.Context(), r)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "serving %s at %s DECO a request (verification %s), offer gossiped until %s\n",
				res.Offer.Name, res.Offer.Price, res.Offer.Verification, res.Offer.Expires.Format(time.RFC3339))
			if res.Registry != nil {
				fmt.Fprintf(a.stdout, "registered on chain: transaction %s, block %d, %d gas\n", res.Registry.Tx, res.Registry.Block, res.Registry.GasUsed)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&price, "price", "0", "price of one request, in DECO")
	f.StringVar(&unitPrice, "unit-price", "", "price of one unit the response reports (X-Deco-Units), in DECO")
	f.Uint64Var(&r.MaxUnits, "max-units", 0, "the most units one request may use (with --unit-price)")
	f.StringVar(&r.Verification, "verification", service.VerifySignature, "how requesters check responses: none, signature or replicate")
	f.StringVar(&r.Endpoint, "endpoint", "", "base URL of the server on this machine (with --job: a path prefix)")
	f.StringVar(&r.Job, "job", "", "a running service job of this node that serves the service")
	f.StringVar(&r.Port, "port", "", "the job's port (name or number)")
	_ = cmd.RegisterFlagCompletionFunc("verification", cobra.FixedCompletions([]string{service.VerifyNone, service.VerifySignature, service.VerifyReplicate}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func (a *app) serviceRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Stop serving a service (its offer lapses; its registry entry is removed)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.RemoveService(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "stopped serving %s\n", args[0])
			return nil
		},
	}
}

func (a *app) serviceProxyCmd() *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "proxy SERVICE [--listen 127.0.0.1:PORT]",
		Short: "Call a paid service with plain HTTP clients (curl, SDKs) through this node",
		Long: `Listen on --listen and hand every connection to this node's paid proxy of
SERVICE: each HTTP request is signed by this node, carries a voucher for
the new total on the channel to a provider of the service, and goes to it
over libp2p; the provider's signed response is verified and answered. A
provider that signs wrongly or overcharges is dropped and the request is
retried on another. The proxy answers 402 when no channel's deposit covers
a request ('deco wallet deposit PROVIDER AMOUNT'). Clients need no token.
Runs until interrupted (Ctrl-C).`,
		Example: `  deco service proxy echo --listen 127.0.0.1:8085
  curl -d hello http://127.0.0.1:8085/anything`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx, name := cmd.Context(), args[0]
			host, port, err := net.SplitHostPort(listen)
			if err != nil {
				return fmt.Errorf("--listen %q: want HOST:PORT: %w", listen, err)
			}
			if _, err := strconv.Atoi(port); err != nil {
				return fmt.Errorf("--listen %q: want a port number", listen)
			}
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return fmt.Errorf("--listen %q: the proxy pays from this node's deposits: listen on loopback only", listen)
			}
			// Check once that the node proxies the service before listening.
			probe, err := c.ServiceProxy(ctx, name)
			if err != nil {
				return err
			}
			probe.Close()
			l, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			defer l.Close()
			context.AfterFunc(ctx, func() { l.Close() })
			fmt.Fprintf(a.stderr, "proxying http://%s/ to service %s through this node; Ctrl-C stops\n", l.Addr(), name)
			return a.pipeEach(ctx, l, func() (io.ReadWriteCloser, error) { return c.ServiceProxy(ctx, name) })
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8085", "the local address to listen on (loopback)")
	return cmd
}
