package main

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/provider"
)

type onboardFlags struct {
	cpu, memory, disk, gpus                 string
	cpuPrice, memPrice, diskPrice, gpuPrice string
	region, pool                            string
	labels, allowRequesters                 []string
	custom, customCommands, customPrices    []string
	allowNetwork, yes, validator            bool
}

func (a *app) onboardCmd() *cobra.Command {
	var f onboardFlags
	cmd := &cobra.Command{
		Use:   "onboard",
		Short: "Sell part of this machine: choose the share and the prices",
		Long: `Detect this machine (CPU, memory, disk, NVIDIA and AMD GPUs), choose the
share to sell and the prices per resource-hour, and start publishing the
node's offer. With a terminal attached and no share flags, it asks; otherwise
flags decide and anything not given takes the default shown by the prompts
(all cores but one, 75% of memory, half the free disk, every GPU).

Asking for more than the machine has is refused with what it has.`,
		Example: `  deco onboard
  deco onboard --cpu 4 --memory 8GiB --disk 20GiB --gpus all --cpu-price 0.02 --gpu-price 1.2
  deco onboard -y --custom tpu1684x=2 --custom-command 'tpu1684x=ls /dev/bm-sophon* | wc -l' --custom-price tpu1684x=0.8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			view, err := c.Onboarding(cmd.Context())
			if err != nil {
				return err
			}
			printMachine(a.stdout, view)
			interactive := !f.yes && !cmd.Flags().Changed("cpu") && !cmd.Flags().Changed("memory") &&
				term.IsTerminal(int(os.Stdin.Fd()))
			if interactive {
				if err := promptOnboard(os.Stdin, a.stdout, view, &f); err != nil {
					return err
				}
			}
			pol, err := f.policy(view)
			if err != nil {
				return err
			}
			ob, err := c.Onboard(cmd.Context(), pol)
			if err != nil {
				return err
			}
			s := ob.Policy.Share
			fmt.Fprintf(a.stdout, "\nSelling %s cores, %s memory, %s disk, %d GPUs at %s/cpu-hour, %s/GiB-hour, %s/GPU-hour.\n",
				s.CPU, s.Memory, s.Disk, len(s.GPUs), ob.Policy.Prices.CPUHour, ob.Policy.Prices.MemoryGiBHour, ob.Policy.Prices.GPUHour)
			for _, name := range slices.Sorted(maps.Keys(s.Custom)) {
				fmt.Fprintf(a.stdout, "Selling %d %s (counted: %d) at %s/unit-hour.\n", s.Custom[name], name, ob.Machine.Custom[name], ob.Policy.Prices.Custom[name])
			}
			fmt.Fprintln(a.stdout, "The offer is published now; `deco offboard` withdraws it.")
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cpu, "cpu", "", "cores to sell, e.g. 4 or 2.5 (default: all but one)")
	fl.StringVar(&f.memory, "memory", "", "memory to sell, e.g. 8GiB (default: 75%)")
	fl.StringVar(&f.disk, "disk", "", "disk to sell, e.g. 50GiB (default: half the free space)")
	fl.StringVar(&f.gpus, "gpus", "all", `GPUs to sell: "all", "none" or a comma list of indexes or UUIDs`)
	fl.StringVar(&f.cpuPrice, "cpu-price", "0.01", "price per core-hour")
	fl.StringVar(&f.memPrice, "memory-price", "0.005", "price per GiB-hour of memory")
	fl.StringVar(&f.diskPrice, "disk-price", "0", "price per GiB-hour of disk")
	fl.StringVar(&f.gpuPrice, "gpu-price", "0.5", "price per GPU-hour")
	fl.StringVar(&f.region, "region", "", "location label shown to requesters, e.g. eu-west")
	fl.StringArrayVar(&f.labels, "label", nil, "attribute KEY=VALUE requesters can select on (repeatable)")
	fl.StringVar(&f.pool, "pool", "", "the pool this node claims; schedulers count it only for a node certified by an operator whose policy puts it in that pool (deco operator)")
	fl.StringSliceVar(&f.allowRequesters, "allow-requester", nil, "serve only these requester peer IDs (repeatable)")
	fl.BoolVar(&f.allowNetwork, "allow-network", false, "let tasks that ask for it reach the network")
	fl.BoolVar(&f.validator, "validator", false, "also re-run other providers' tasks to verify them, paid like any task (needs a stake; slashed if it lies)")
	fl.StringArrayVar(&f.custom, "custom", nil, "sell NAME=N of a custom resource (e.g. an accelerator, tpu1684x=2; repeatable): jobs ask for it in resources.custom")
	fl.StringArrayVar(&f.customCommands, "custom-command", nil, "NAME=COMMAND: a shell command that prints how many NAME the machine has (checked against --custom at each onboarding); without one, --custom declares it")
	fl.StringArrayVar(&f.customPrices, "custom-price", nil, "NAME=PRICE per unit-hour of a custom resource (repeatable)")
	fl.BoolVarP(&f.yes, "yes", "y", false, "do not prompt; use flags and defaults")
	return cmd
}

func printMachine(w io.Writer, v api.OnboardingView) {
	m := v.Machine
	model := m.CPUModel
	if model == "" {
		model = "unknown model"
	}
	fmt.Fprintf(w, "This machine: %d cores (%s), %s memory, %s free of %s disk\n", m.CPUCores, model, m.Memory, m.DiskFree, m.DiskTotal)
	if len(m.GPUs) == 0 {
		fmt.Fprintln(w, "GPUs: none found")
	}
	for _, g := range m.GPUs {
		fmt.Fprintf(w, "GPU %d: %s, %s VRAM, driver %s (%s)\n", g.Index, g.Model, g.VRAM, g.Driver, g.UUID)
	}
	for _, warn := range v.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
}

// policy turns the flags into a policy, defaults filled from the view.
func (f *onboardFlags) policy(v api.OnboardingView) (provider.Policy, error) {
	share := v.Default
	var err error
	if f.cpu != "" {
		if share.CPU, err = job.ParseMilliCPU(f.cpu); err != nil {
			return provider.Policy{}, fmt.Errorf("--cpu: %w", err)
		}
	}
	if f.memory != "" {
		if share.Memory, err = job.ParseByteSize(f.memory); err != nil {
			return provider.Policy{}, fmt.Errorf("--memory: %w", err)
		}
	}
	if f.disk != "" {
		if share.Disk, err = job.ParseByteSize(f.disk); err != nil {
			return provider.Policy{}, fmt.Errorf("--disk: %w", err)
		}
	}
	switch strings.TrimSpace(f.gpus) {
	case "all", "":
		share.GPUs = nil
		for _, g := range v.Machine.GPUs {
			share.GPUs = append(share.GPUs, g.UUID)
		}
	case "none":
		share.GPUs = nil
	default:
		share.GPUs = strings.Split(f.gpus, ",")
	}
	var p offer.Prices
	for _, x := range []struct {
		flag, val string
		dst       *money.Amount
	}{{"--cpu-price", f.cpuPrice, &p.CPUHour}, {"--memory-price", f.memPrice, &p.MemoryGiBHour},
		{"--disk-price", f.diskPrice, &p.DiskGiBHour}, {"--gpu-price", f.gpuPrice, &p.GPUHour}} {
		if *x.dst, err = money.Parse(x.val); err != nil {
			return provider.Policy{}, fmt.Errorf("%s: %w", x.flag, err)
		}
	}
	var labels map[string]string
	for _, kv := range f.labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return provider.Policy{}, fmt.Errorf("--label %q: want KEY=VALUE", kv)
		}
		if labels == nil {
			labels = map[string]string{}
		}
		labels[k] = v
	}
	var cmds map[string][]string
	for _, kv := range f.custom {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseInt(v, 10, 64)
		if !ok || err != nil || !job.ValidCustomName(k) || n < 1 {
			return provider.Policy{}, fmt.Errorf("--custom %q: want NAME=N (a lower-case name, N at least 1)", kv)
		}
		if share.Custom == nil {
			share.Custom = map[string]int64{}
		}
		share.Custom[k] = n
	}
	for _, kv := range f.customCommands {
		k, v, ok := strings.Cut(kv, "=")
		if _, sold := share.Custom[k]; !ok || strings.TrimSpace(v) == "" || !sold {
			return provider.Policy{}, fmt.Errorf("--custom-command %q: want NAME=COMMAND for a NAME sold with --custom", kv)
		}
		if cmds == nil {
			cmds = map[string][]string{}
		}
		cmds[k] = []string{"sh", "-c", v}
	}
	for _, kv := range f.customPrices {
		k, v, ok := strings.Cut(kv, "=")
		price, err := money.Parse(v)
		if !ok || err != nil {
			return provider.Policy{}, fmt.Errorf("--custom-price %q: want NAME=PRICE", kv)
		}
		if p.Custom == nil {
			p.Custom = map[string]money.Amount{}
		}
		p.Custom[k] = price
	}
	return provider.Policy{Share: share, Prices: p, Region: f.region, AllowNetwork: f.allowNetwork, Validator: f.validator,
		Labels: labels, Pool: f.pool, AllowedRequesters: f.allowRequesters, CustomCommands: cmds}, nil
}

// promptOnboard asks for each choice, showing the default in brackets.
func promptOnboard(in io.Reader, out io.Writer, v api.OnboardingView, f *onboardFlags) error {
	r := bufio.NewReader(in)
	ask := func(q, def string) (string, error) {
		fmt.Fprintf(out, "%s [%s]: ", q, def)
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read answer: %w", err)
		}
		if line = strings.TrimSpace(line); line == "" {
			return def, nil
		}
		return line, nil
	}
	d := v.Default
	gpuDef := "none"
	if len(v.Machine.GPUs) > 0 {
		gpuDef = "all"
	}
	steps := []struct {
		q, def string
		dst    *string
	}{
		{"Cores to sell", d.CPU.String(), &f.cpu},
		{"Memory to sell", d.Memory.String(), &f.memory},
		{"Disk to sell", d.Disk.String(), &f.disk},
		{"GPUs to sell (all, none, or indexes)", gpuDef, &f.gpus},
		{"Price per core-hour", f.cpuPrice, &f.cpuPrice},
		{"Price per GiB-hour of memory", f.memPrice, &f.memPrice},
		{"Price per GPU-hour", f.gpuPrice, &f.gpuPrice},
		{"Region label (optional)", f.region, &f.region},
	}
	for _, s := range steps {
		if s.q == "GPUs to sell (all, none, or indexes)" && len(v.Machine.GPUs) == 0 {
			continue
		}
		ans, err := ask(s.q, s.def)
		if err != nil {
			return err
		}
		*s.dst = ans
	}
	return nil
}

func (a *app) offboardCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "offboard",
		Short: "Withdraw this node's offer; running tasks finish",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.Offboard(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, "Offer withdrawn: this node no longer sells capacity.")
			return nil
		},
	}
}
