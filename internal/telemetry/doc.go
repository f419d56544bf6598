// Package telemetry measures what executions really use and exposes it:
// it folds the samples a provider takes of each running execution (cgroup
// CPU time and memory from the executor, GPU utilisation and memory from
// nvidia-smi) into the cumulative figures its usage reports sign, reads
// nvidia-smi's utilisation output, and holds the node's Prometheus series
// for executions, placement, quotes and payments (registered on a registry
// the caller passes in).
package telemetry
