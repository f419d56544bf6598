package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// completionTimeout bounds how long a Tab press waits for the node.
const completionTimeout = 2 * time.Second

// completionLimit is how many recent jobs are offered as completions.
const completionLimit = 50

// completeJobID completes a job ID (the first argument) from the running
// node's recent jobs, each described by its state and name. Without a
// node it offers nothing, and never file names.
func (a *app) completeJobID(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := a.client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	jobs, err := c.Jobs(ctx, "", completionLimit)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, j := range jobs {
		if strings.HasPrefix(j.ID, toComplete) {
			desc := string(j.State)
			if j.Name != "" {
				desc += " " + j.Name
			}
			out = append(out, j.ID+"\t"+desc)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeProvider completes a provider's peer ID (the first argument)
// from the peers the running node knows with a live offer.
func (a *app) completeProvider(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := a.client()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	peers, err := c.Peers(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range peers {
		if p.HasOffer && strings.HasPrefix(p.ID, toComplete) {
			out = append(out, p.ID+"\tprovider")
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// withCompletion sets fn as the argument completion of every command in cmds.
func withCompletion(fn cobra.CompletionFunc, cmds ...*cobra.Command) []*cobra.Command {
	for _, c := range cmds {
		c.ValidArgsFunction = fn
	}
	return cmds
}
