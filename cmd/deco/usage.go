package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/job"
)

// jobUsageCmd prints a job's measured use: the signed usage reports this
// node accepted and the samples it took as their provider.
func (a *app) jobUsageCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "usage ID",
		Short: "Show what a job's executions used (CPU, memory, GPU): signed usage reports and the provider's samples",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			u, err := c.JobUsage(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, u)
			}
			ms := func(v uint64) string { return (time.Duration(v) * time.Millisecond).String() }
			bytes := func(v uint64) string { return job.ByteSize(v).String() }
			var rows [][]string
			for _, e := range u.Executions {
				for _, r := range e.Reports {
					rows = append(rows, []string{shortID(e.Execution), fmt.Sprint(e.TaskIndex), fmt.Sprintf("report %d", r.Report.Seq),
						r.At.Local().Format("15:04:05"), ms(r.Report.RunMillis), ms(r.Report.CPUMillis), "-", bytes(r.Report.MemoryPeak),
						ms(r.Report.GPUMillis), bytes(r.Report.GPUMemoryPeak)})
				}
				for _, s := range e.Samples {
					rows = append(rows, []string{shortID(e.Execution), fmt.Sprint(e.TaskIndex), "sample",
						s.At.Local().Format("15:04:05"), "-", ms(s.CPUMillis), bytes(s.Memory), bytes(s.MemoryPeak),
						ms(s.GPUMillis), bytes(s.GPUMemory)})
				}
			}
			return table(a.stdout, []string{"EXECUTION", "TASK", "FROM", "AT", "RUN", "CPU", "MEMORY", "PEAK", "GPU", "GPU MEMORY"}, rows)
		},
	}
}
