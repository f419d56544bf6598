// Package provider is the selling side of a node: the owner's offer policy,
// publishing signed offers while capacity is for sale, admitting tasks
// against real free capacity, running them through an executor, streaming
// their events and logs, and serving their outputs.
package provider

import (
	"errors"
	"fmt"

	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// Policy is what the owner chose at onboarding: the share of the machine to
// sell and its prices.
type Policy struct {
	Share  inventory.Share `json:"share"`
	Prices offer.Prices    `json:"prices"`
	// GPUModelPrices price one GPU-hour by model substring (e.g. "A100"),
	// overriding Prices.GPUHour for matching GPUs.
	GPUModelPrices map[string]money.Amount `json:"gpuModelPrices,omitempty"`
	// FixedPrice is charged once per execution.
	FixedPrice money.Amount `json:"fixedPrice,omitempty"`
	// PricingCommand, when set, prices every task instead of the linear
	// prices: the task as JSON on stdin, the price on stdout (see
	// market.Command).
	PricingCommand []string `json:"pricingCommand,omitempty"`
	// Region is a free-form location label, e.g. "eu-west".
	Region string `json:"region,omitempty"`
	// Labels are free-form key=value attributes requesters select on
	// (e.g. tier=gold, datacenter=fra1).
	Labels map[string]string `json:"labels,omitempty"`
	// Pool names the operator's pool this node belongs to.
	Pool string `json:"pool,omitempty"`
	// AllowedRequesters, when set, restricts the node to these requester
	// peer IDs (a pool reserved for a group).
	AllowedRequesters []string `json:"allowedRequesters,omitempty"`
	// AllowNetwork lets tasks that ask for it reach the network.
	AllowNetwork bool `json:"allowNetwork,omitempty"`
	// CustomCommands count custom resources on the machine: the command
	// (program and arguments) prints the count (see inventory.Options).
	// A custom resource in the share without a command is declared: the
	// owner says the machine has it.
	CustomCommands map[string][]string `json:"customCommands,omitempty"`
	// NvidiaSMI is the nvidia-smi program (and any arguments before the
	// query) the proof of time-lock samples GPUs with: "nvidia-smi" on
	// the PATH when empty; tests name a stand-in script.
	NvidiaSMI []string `json:"nvidiaSmi,omitempty"`
	// Validator opts the node in to re-running other providers' tasks
	// that a job's verification policy samples (its offer says so).
	Validator bool `json:"validator,omitempty"`
}

// Onboarding is the stored result of `deco onboard`: the machine as
// detected and the policy.
type Onboarding struct {
	Machine inventory.Machine `json:"machine"`
	Policy  Policy            `json:"policy"`
}

// SettingKey is the store setting that holds the Onboarding.
const SettingKey = "onboarding"

// Check validates the policy against the machine: the share must exist and
// sell something, and prices must not be negative.
func (o Onboarding) Check() error {
	var errs []error
	s := o.Policy.Share
	if s.CPU <= 0 {
		errs = append(errs, errors.New("cpu: share at least some CPU (e.g. --cpu 1)"))
	}
	if s.Memory <= 0 {
		errs = append(errs, errors.New("memory: share at least some memory (e.g. --memory 1GiB)"))
	}
	if err := o.Machine.CheckShare(s); err != nil {
		errs = append(errs, err)
	}
	p := o.Policy.Prices
	if p.CPUHour < 0 || p.MemoryGiBHour < 0 || p.DiskGiBHour < 0 || p.GPUHour < 0 || o.Policy.FixedPrice < 0 {
		errs = append(errs, fmt.Errorf("prices: must not be negative"))
	}
	for name, v := range p.Custom {
		if _, sold := s.Custom[name]; !sold {
			errs = append(errs, fmt.Errorf("prices.custom.%s: priced but not in the share", name))
		}
		if v < 0 {
			errs = append(errs, fmt.Errorf("prices.custom.%s: must not be negative", name))
		}
	}
	return errors.Join(errs...)
}

// Pricer is the pricing the policy asks for.
func (p Policy) Pricer() market.Pricer {
	if len(p.PricingCommand) > 0 {
		return market.Command{Path: p.PricingCommand[0], Args: p.PricingCommand[1:]}
	}
	return market.Linear{Prices: p.Prices, GPUModel: p.GPUModelPrices, Fixed: p.FixedPrice}
}
