package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/offer"
)

func (a *app) peersCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "peers",
		Short: "List the peers this node knows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
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
	return &cobra.Command{
		Use:   "offers",
		Short: "List the live offers in this node's catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.checkOutput(); err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			offers, err := c.Offers(cmd.Context())
			if err != nil {
				return err
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
					strings.Join(o.Executors, ","), orDash(o.Region),
					time.Until(o.Expires).Round(time.Second).String()})
			}
			return table(a.stdout, []string{"NODE", "CPU FREE/TOTAL", "MEMORY FREE/TOTAL", "DISK", "GPUS", "PRICE CPU/GIB/GPU-H", "EXECUTORS", "REGION", "EXPIRES IN"}, rows)
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
