package job

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxTasks caps Spec.Tasks.
const MaxTasks = 256

// Split modes of an input shared out among a job's tasks.
const (
	// SplitLines gives task i lines i, i+N, i+2N, … of a file input.
	SplitLines = "lines"
	// SplitFiles gives task i files i, i+N, i+2N, … of a directory input,
	// in the byte order of their slash-separated paths.
	SplitFiles = "files"
)

// TaskCount is how many tasks the job runs: Tasks, or 1 when unset.
func (s Spec) TaskCount() int { return max(s.Tasks, 1) }

// Environment variables every task is given, the contract that lets array
// jobs pick their shard and unmodified PyTorch, Horovod-style and MPI-style
// programs find their rank. A spec must not set them itself.
const (
	EnvTaskIndex       = "DECO_TASK_INDEX"
	EnvTaskCount       = "DECO_TASK_COUNT"
	EnvCompletionIndex = "JOB_COMPLETION_INDEX"
	EnvRank            = "RANK"
	EnvWorldSize       = "WORLD_SIZE"
	EnvLocalRank       = "LOCAL_RANK"
)

// The job network's part of the contract, given to the tasks of a job whose
// tasks are linked (LinkEnv): task 0's address as the rendezvous, the
// interface to bind collective traffic to, and every task's address. A
// spec may set MASTER_PORT; the others are deco's.
const (
	EnvMasterAddr     = "MASTER_ADDR"
	EnvMasterPort     = "MASTER_PORT"
	EnvGlooIfname     = "GLOO_SOCKET_IFNAME"
	EnvNCCLIfname     = "NCCL_SOCKET_IFNAME"
	EnvTaskAddrs      = "DECO_TASK_ADDRS"
	DefaultMasterPort = "29500"
)

// linkEnvNames lists the names LinkEnv sets that a spec may not.
var linkEnvNames = []string{EnvMasterAddr, EnvGlooIfname, EnvNCCLIfname, EnvTaskAddrs}

// LinkEnv adds the job network's variables to env (a TaskEnv result):
// MASTER_ADDR is addrs[0], DECO_TASK_ADDRS all of them comma-separated in
// task order, GLOO_SOCKET_IFNAME and NCCL_SOCKET_IFNAME the job interface,
// and MASTER_PORT DefaultMasterPort unless the spec set one.
func LinkEnv(env map[string]string, addrs []string, iface string) {
	if len(addrs) > 0 {
		env[EnvMasterAddr] = addrs[0]
	}
	env[EnvTaskAddrs] = strings.Join(addrs, ",")
	env[EnvGlooIfname], env[EnvNCCLIfname] = iface, iface
	if _, ok := env[EnvMasterPort]; !ok {
		env[EnvMasterPort] = DefaultMasterPort
	}
}

// taskEnvNames lists the names TaskEnv sets, for validation.
var taskEnvNames = []string{EnvTaskIndex, EnvTaskCount, EnvCompletionIndex, EnvRank, EnvWorldSize, EnvLocalRank}

// TaskEnv returns the spec's environment with the task contract added for
// task index of the job: DECO_TASK_INDEX and JOB_COMPLETION_INDEX and RANK
// are the index, DECO_TASK_COUNT and WORLD_SIZE the task count, LOCAL_RANK
// 0 (every task has its own sandbox). The spec's map is not changed.
func (s Spec) TaskEnv(index int) map[string]string {
	env := make(map[string]string, len(s.Env)+len(taskEnvNames))
	for k, v := range s.Env {
		env[k] = v
	}
	i, n := strconv.Itoa(index), strconv.Itoa(s.TaskCount())
	env[EnvTaskIndex], env[EnvCompletionIndex], env[EnvRank] = i, i, i
	env[EnvTaskCount], env[EnvWorldSize] = n, n
	env[EnvLocalRank] = "0"
	return env
}

// validateTasks checks the task count, the split inputs and that the spec
// leaves the task contract's variables to deco.
func validateTasks(v *validator, s Spec) {
	if s.Tasks < 0 || s.Tasks > MaxTasks {
		v.add("tasks", "must be between 1 and %d, got %d", MaxTasks, s.Tasks)
	}
	for _, k := range taskEnvNames {
		if _, ok := s.Env[k]; ok {
			v.add("env."+k, "is set by deco for each task (the task index and count); leave it out")
		}
	}
	if s.Network.Links {
		for _, k := range linkEnvNames {
			if _, ok := s.Env[k]; ok {
				v.add("env."+k, "is set by deco for each task of a job with links (the job network); leave it out")
			}
		}
	}
	if s.Network.Links && s.Executor == ExecutorWasm {
		v.add("network.links", "needs the docker executor: a wasm task has no network")
	}
	if s.Network.Links && s.TaskCount() < 2 {
		v.add("network.links", "needs tasks of 2 or more: links connect a job's tasks to each other")
	}
	for i, in := range s.Inputs {
		p := fmt.Sprintf("inputs[%d].split", i)
		switch in.Split {
		case "":
		case SplitLines:
			if k := in.Kind(); k != "url" && k != "" {
				v.add(p, "%q splits a file: it needs a url input, not %s", SplitLines, k)
			}
		case SplitFiles:
			if in.Kind() == "url" {
				v.add(p, "%q splits a directory: a url input is one file (use %q)", SplitFiles, SplitLines)
			}
		default:
			v.add(p, "must be %q or %q, got %q", SplitLines, SplitFiles, in.Split)
		}
	}
}

// NetworkPolicy is the network a job's tasks get. In a spec it is written
// as a boolean (outbound access only, as before tasks could be linked) or
// as a mapping:
//
//	network: true                          # outbound access
//	network: {links: true}                 # tasks reach each other
//	network: {outbound: true, links: true}
type NetworkPolicy struct {
	// Outbound lets the tasks reach the internet; the provider's policy
	// must allow it too. Off by default.
	Outbound bool `json:"outbound,omitempty" yaml:"outbound,omitempty"`
	// Links puts the job's tasks on a private network of their own, each
	// reaching the others by address and by the names task-0 … task-(N-1).
	Links bool `json:"links,omitempty" yaml:"links,omitempty"`
}

// IsZero reports whether the policy asks for no network at all.
func (n NetworkPolicy) IsZero() bool { return !n.Outbound && !n.Links }

// networkFields is NetworkPolicy without its methods, for strict decoding.
type networkFields struct {
	Outbound bool `json:"outbound,omitempty" yaml:"outbound,omitempty"`
	Links    bool `json:"links,omitempty" yaml:"links,omitempty"`
}

// MarshalJSON writes the boolean form when only outbound access is asked
// for, so the canonical encoding (and digest) of a spec written before
// links existed is unchanged.
func (n NetworkPolicy) MarshalJSON() ([]byte, error) {
	if !n.Links {
		return json.Marshal(n.Outbound)
	}
	return json.Marshal(networkFields(n))
}

// UnmarshalJSON reads the boolean or the mapping form, refusing unknown
// fields.
func (n *NetworkPolicy) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		var on bool
		if err := json.Unmarshal(b, &on); err != nil {
			return fmt.Errorf("expected true, false or an object {outbound, links}, got %.40s", b)
		}
		*n = NetworkPolicy{Outbound: on}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f networkFields
	if err := dec.Decode(&f); err != nil {
		return err
	}
	*n = NetworkPolicy(f)
	return nil
}

// MarshalYAML writes the same forms as MarshalJSON.
func (n NetworkPolicy) MarshalYAML() (any, error) {
	if !n.Links {
		return n.Outbound, nil
	}
	return networkFields(n), nil
}

// UnmarshalYAML reads the boolean or the mapping form, refusing unknown
// fields.
func (n *NetworkPolicy) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		var on bool
		if err := node.Decode(&on); err != nil {
			return fmt.Errorf("line %d: expected true, false or a mapping {outbound, links}, got %q", node.Line, node.Value)
		}
		*n = NetworkPolicy{Outbound: on}
		return nil
	}
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: expected true, false or a mapping {outbound, links}", node.Line)
	}
	var f networkFields
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, val := node.Content[i].Value, node.Content[i+1]
		var dst *bool
		switch k {
		case "outbound":
			dst = &f.Outbound
		case "links":
			dst = &f.Links
		default:
			return fmt.Errorf("line %d: %s: unknown field", node.Content[i].Line, k)
		}
		if err := val.Decode(dst); err != nil {
			return fmt.Errorf("line %d: %s: expected a boolean", val.Line, k)
		}
	}
	*n = NetworkPolicy(f)
	return nil
}
