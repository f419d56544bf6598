package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
)

// bookFlags are deco book's flags: the resource flags of deco run, each
// node's, and the window.
type bookFlags struct {
	run      runFlags
	nodes    int
	hours    float64
	duration string
}

// request builds the booking request from the flags.
func (f *bookFlags) request() (requester.BookingRequest, error) {
	br := requester.BookingRequest{Name: f.run.name, Nodes: f.nodes}
	if f.nodes < 1 {
		return br, fmt.Errorf("--nodes: must be at least 1, got %d", f.nodes)
	}
	switch {
	case f.hours != 0 && f.duration != "":
		return br, errors.New("give --hours or --duration, not both")
	case f.duration != "":
		d, err := job.ParseDuration(f.duration)
		if err != nil {
			return br, fmt.Errorf("--duration: %w", err)
		}
		br.Duration = d
	case f.hours > 0 && f.hours <= job.MaxTimeout.Std().Hours():
		br.Duration = job.Duration(math.Round(f.hours * float64(time.Hour)))
	case f.hours != 0:
		return br, fmt.Errorf("--hours: must be more than 0 and at most %g, got %g", job.MaxTimeout.Std().Hours(), f.hours)
	default:
		return br, errors.New("how long? give --hours H (or --duration, e.g. 90m)")
	}
	var s job.Spec
	if err := f.run.addResources(&s); err != nil {
		return br, err
	}
	br.Resources = s.Resources
	if f.run.maxPrice != "" {
		var err error
		if br.MaxPricePerHour, err = money.Parse(f.run.maxPrice); err != nil {
			return br, fmt.Errorf("--max-price: %w", err)
		}
	}
	spec := br.Spec()
	spec.ApplyDefaults()
	return br, spec.Validate()
}

func (a *app) bookCmd() *cobra.Command {
	var f bookFlags
	cmd := &cobra.Command{
		Use:   "book --nodes N --hours H [--gpus G ...]",
		Short: "Book N providers for a window, billed by the hour",
		Long: `Book N providers, each of its own, with the resources given (each
node's), for a window of H hours from now: placed all or none, each node
quoted per hour from its offer's prices and paid as it goes, like a task.
Nothing fitting now is refused with the placement report (a booking is
never queued). Run jobs in it with 'deco run --booking ID …' (or
booking: ID in a spec): they go to its nodes without placement, within
what it holds, at no charge of their own. The booking ends at the end of
its window or with 'deco booking cancel ID'; the time not used is not
charged. See docs/rentals.md.`,
		Example: `  deco book --nodes 2 --gpus 1 --gpu-model A100 --hours 8
  deco book --nodes 4 --cpu 8 --memory 32GiB --duration 90m --max-price 2
  deco run --booking ID --tasks 2 deco-busybox:latest -- sh -c 'echo $DECO_TASK_INDEX'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			br, err := f.request()
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			b, err := c.Book(cmd.Context(), br)
			if err != nil {
				return err
			}
			return a.printBooking(b)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.nodes, "nodes", 1, "how many providers, each of its own")
	fl.Float64Var(&f.hours, "hours", 0, "the window in hours, e.g. 8 or 0.5")
	fl.StringVar(&f.duration, "duration", "", "the window as a duration, e.g. 90m (instead of --hours)")
	fl.StringVar(&f.run.cpu, "cpu", "", "cores per node, e.g. 8 or 0.5 (default 1)")
	fl.StringVar(&f.run.memory, "memory", "", "memory per node, e.g. 32GiB (default 512MiB)")
	fl.StringVar(&f.run.disk, "disk", "", "disk per node for the jobs' outputs, e.g. 10GiB (default 1GiB)")
	fl.IntVar(&f.run.gpus, "gpus", 0, "GPUs per node")
	fl.StringVar(&f.run.gpuModel, "gpu-model", "", `GPU model substring, e.g. "A100"`)
	fl.StringVar(&f.run.gpuVendor, "gpu-vendor", "", "nvidia or amd")
	fl.StringVar(&f.run.maxPrice, "max-price", "", "most to pay per hour for one node, e.g. 0.5")
	fl.StringVar(&f.run.name, "name", "", "a label for the booking")
	return cmd
}

func (a *app) bookingsCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "bookings",
		Short: "List this node's bookings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			bs, err := c.Bookings(cmd.Context(), limit)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, bs)
			}
			var rows [][]string
			for _, b := range bs {
				rows = append(rows, []string{b.ID, orDash(b.Name), string(b.State), strconv.Itoa(len(b.Nodes)), b.PerHour.String(),
					b.Charged.String(), timeOrDash(b.EndsAt)})
			}
			return table(a.stdout, []string{"ID", "NAME", "STATE", "NODES", "PER HOUR", "CHARGED", "ENDS"}, rows)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (default 100)")
	return cmd
}

func (a *app) bookingCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "booking", Short: "Inspect and cancel bookings"}
	describe := &cobra.Command{
		Use:   "describe ID",
		Short: "A booking: its nodes, price per hour, charges so far, window and jobs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			b, err := c.Booking(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return a.printBooking(b)
		},
	}
	cancel := &cobra.Command{
		Use:   "cancel ID",
		Short: "End a booking now: the jobs in it stop, the time not used is not charged",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.CancelBooking(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "cancelling booking %s\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(withCompletion(a.completeJobID, describe, cancel)...)
	return cmd
}

// printBooking writes a booking (as JSON with -o json).
func (a *app) printBooking(b requester.Booking) error {
	if a.output == "json" {
		return writeJSON(a.stdout, b)
	}
	writeBooking(a.stdout, b)
	return nil
}

func writeBooking(w io.Writer, b requester.Booking) {
	fmt.Fprintf(w, "Booking:   %s\n", b.ID)
	if b.Name != "" {
		fmt.Fprintf(w, "Name:      %s\n", b.Name)
	}
	fmt.Fprintf(w, "State:     %s\n", b.State)
	fmt.Fprintf(w, "Each node: %s\n", b.Resources.Summary())
	fmt.Fprintf(w, "Window:    %s, from %s to %s\n", b.Duration, timeOrDash(b.StartsAt), timeOrDash(b.EndsAt))
	fmt.Fprintf(w, "Price:     %s DECO per hour; charged so far %s\n", b.PerHour, b.Charged)
	if b.Error != "" {
		fmt.Fprintf(w, "Error:     %s\n", b.Error)
	}
	var rows [][]string
	for _, n := range b.Nodes {
		rows = append(rows, []string{strconv.Itoa(n.Task), n.Provider, string(n.State), n.PerHour.String(), n.Charged.String()})
	}
	fmt.Fprintln(w)
	_ = table(w, []string{"NODE", "PROVIDER", "STATE", "PER HOUR", "CHARGED"}, rows)
	if len(b.Jobs) > 0 {
		fmt.Fprintf(w, "\nJobs in it: %d (deco job describe ID)\n", len(b.Jobs))
		for _, id := range b.Jobs {
			fmt.Fprintf(w, "  %s\n", id)
		}
	}
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}
