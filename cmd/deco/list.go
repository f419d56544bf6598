package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/offer/query"
	"github.com/deco-network/deco/internal/operator"
)

func (a *app) peersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "peers",
		Short: "List the peers this node knows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			peers, err := c.Peers(cmd.Context())
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, peers)
			}
			var rows [][]string
			for _, p := range peers {
				lat := "-"
				if p.Latency > 0 {
					lat = p.Latency.Round(10 * time.Microsecond).String()
				}
				rows = append(rows, []string{p.ID, fmt.Sprint(p.Connected), lat, yesNo(p.HasOffer), joinOr(p.Addrs, "-")})
			}
			return table(a.stdout, []string{"PEER", "CONNECTED", "LATENCY", "OFFER", "ADDRS"}, rows)
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (a *app) offersCmd() *cobra.Command {
	var where string
	cmd := &cobra.Command{
		Use:   "offers",
		Short: "List the live offers in this node's catalog",
		Long: `List the live offers in this node's catalog, optionally only those matching
an expression, e.g.

  deco offers --where 'gpu.model ~ "A100" and gpus >= 2 and price.gpu_hour <= 1.5'

Fields: cpu, memory, disk (free), gpus, gpu.model, gpu.vendor, gpu.vram,
price.cpu_hour, price.memory_gib_hour, price.disk_gib_hour, price.gpu_hour,
region, executor, pool, node, label.<key>. Operators: == != < <= > >=,
~ (regular expression, ignoring case), in [..], not in [..], and, or, not,
parentheses. Quantities take units ("16GiB", "500m").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var q *query.Query
			if where != "" {
				var err error
				if q, err = query.Parse(where); err != nil {
					return fmt.Errorf("--where: %w", err)
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			offers, err := c.Offers(cmd.Context())
			if err != nil {
				return err
			}
			if q != nil {
				offers = q.Filter(offers)
			}
			if a.output == "json" {
				if offers == nil {
					offers = []offer.Offer{}
				}
				return writeJSON(a.stdout, offers)
			}
			var rows [][]string
			for _, o := range offers {
				var gpus []string
				for _, g := range o.GPUs {
					gpus = append(gpus, fmt.Sprintf("%s(%s)", g.Model, g.VRAM))
				}
				rows = append(rows, []string{shortPeer(o.Node),
					fmt.Sprintf("%s/%s", o.Free.CPU, o.Total.CPU),
					fmt.Sprintf("%s/%s", o.Free.Memory, o.Total.Memory),
					o.Free.Disk.String(), joinOr(gpus, "-"),
					fmt.Sprintf("%s/%s/%s", o.Prices.CPUHour, o.Prices.MemoryGiBHour, o.Prices.GPUHour),
					strings.Join(o.Executors, ","), yesNo(o.Links), orDash(o.Region),
					time.Until(o.Expires).Round(time.Second).String()})
			}
			if err := table(a.stdout, []string{"NODE", "CPU FREE/TOTAL", "MEMORY FREE/TOTAL", "DISK", "GPUS", "PRICE CPU/GIB/GPU-H", "EXECUTORS", "LINKS", "REGION", "EXPIRES IN"}, rows); err != nil {
				return err
			}
			return a.printSpecs(cmd.Context(), c, offers)
		},
	}
	cmd.Flags().StringVar(&where, "where", "", "only offers matching this expression (see the command's help)")
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printSpecs lists the resource specs the listed offers' operators sell
// there (from the operators' policies the node holds), with their pools,
// how many of the listed nodes sell each, and custom resources on offer.
func (a *app) printSpecs(ctx context.Context, c *client.Client, offers []offer.Offer) error {
	policies, err := c.OperatorPolicies(ctx)
	if err != nil {
		return err
	}
	byOp := map[identity.Address]*operator.Policy{}
	for i := range policies {
		if policies[i].Verify() == nil {
			byOp[policies[i].Operator] = &policies[i]
		}
	}
	type key struct {
		op         identity.Address
		pool, spec string
	}
	count := map[key]int{}
	var keys []key
	custom := map[string]int64{}
	for _, o := range offers {
		for name, n := range o.Free.Custom {
			custom[name] += n
		}
		op, ok := o.OperatorAddress()
		if !ok || byOp[op] == nil {
			continue
		}
		pl := byOp[op].PoolOf(o.Node)
		if pl == nil {
			continue
		}
		for _, sp := range pl.Specs {
			k := key{op, pl.Name, sp}
			if count[k] == 0 {
				keys = append(keys, k)
			}
			count[k]++
		}
	}
	if len(keys) > 0 {
		fmt.Fprintln(a.stdout, "\nResource specs (spec: NAME in a job):")
		var rows [][]string
		for _, k := range keys {
			sp := byOp[k.op].Spec(k.spec)
			res := fmt.Sprintf("%s cores, %s", sp.Resources.CPU, sp.Resources.Memory)
			if sp.Resources.GPUs > 0 {
				res += fmt.Sprintf(", %d GPUs", sp.Resources.GPUs)
			}
			for _, name := range slices.Sorted(maps.Keys(sp.Resources.Custom)) {
				res += fmt.Sprintf(", %d %s", sp.Resources.Custom[name], name)
			}
			rows = append(rows, []string{k.spec, res, sp.PricePerHour.String() + "/h", k.pool, shortPeer(k.op.String()), strconv.Itoa(count[k])})
		}
		if err := table(a.stdout, []string{"SPEC", "RESOURCES", "PRICE", "POOL", "OPERATOR", "NODES"}, rows); err != nil {
			return err
		}
	}
	if len(custom) > 0 {
		fmt.Fprintln(a.stdout, "\nCustom resources free (resources.custom in a job):")
		for _, name := range slices.Sorted(maps.Keys(custom)) {
			fmt.Fprintf(a.stdout, "  %s: %d\n", name, custom[name])
		}
	}
	return nil
}
