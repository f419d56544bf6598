package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
)

type runFlags struct {
	cpu, memory, disk, timeout, maxPrice, name, gpuModel, gpuVendor, wasm, verify string
	booking                                                                       string
	gpus, tasks                                                                   int
	env                                                                           []string
	network, links, detach, service, deterministic, timeLock                      bool
	ports                                                                         []string

	image, wasmURL, wasmSHA256            string
	gitURL, gitRef                        string
	dataset, datasetSHA256, estimatedTime string
	inputs                                []string
	insecureSkipHash                      bool
}

// Conventional input names of the run flags.
const (
	codeInput    = "code"
	datasetInput = "dataset"
)

func (a *app) runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run IMAGE [-- COMMAND [ARG...]]",
		Short: "Run a container (or --wasm module) on a provider and follow it",
		Long: `Run one task on the best provider in this node's catalog, stream its logs,
and exit with the task's exit code. The spec is validated before anything
leaves the machine; when no provider fits, the error lists each one and why.
Results stay on the node: fetch them with 'deco job get ID'.`,
		Example: `  deco run deco-busybox:latest -- sh -c 'echo hi; echo 42 > /outputs/answer'
  deco run --cpu 2 --memory 4GiB --timeout 30m pytorch/pytorch:2.3 -- python train.py
  deco run --wasm hello.wasm -- world
  deco run --wasm-url https://example.org/m.wasm --wasm-sha256 HEX -- arg
  deco run --git https://example.org/model.git --ref v1.0 --dataset https://example.org/d.csv \
      --dataset-sha256 HEX --image pytorch/pytorch:2.3 --estimated-time 30m -- python3 train.py
  deco run --input data=https://example.org/d.bin#sha256=HEX deco-busybox:latest -- ls -l /inputs
  deco run --tasks 4 deco-busybox:latest -- sh -c 'echo shard $DECO_TASK_INDEX of $DECO_TASK_COUNT'
  deco run --service --port http=8080 --timeout 8h -d deco-busybox:latest -- httpd -f -p 8080

Inputs are fetched by the provider before the task starts and mounted
read-only at /inputs/NAME. With --git the repository is at /inputs/code and
the command runs there; --dataset is at /inputs/dataset. A url input needs
its SHA-256 (--dataset-sha256, or #sha256=HEX after an --input URL) unless
--insecure-skip-hash is given. --estimated-time sets the timeout to twice
the estimate.

With --tasks N the job runs as N tasks placed all or none (on N providers,
or several per provider with room for them), each with DECO_TASK_INDEX and
DECO_TASK_COUNT (and RANK, WORLD_SIZE, JOB_COMPLETION_INDEX) in its
environment; the logs are every task's, prefixed "task-I| ", and the
outputs come back as task-0/ … task-(N-1)/. See docs/multinode.md.

With --service the task is a service: it runs until 'deco job cancel ID' or
its timeout, and each --port NAME=PORT (or PORT) it listens on is reachable
from this machine with 'deco forward ID NAME' (nothing listens on the
provider's network; only this node may connect). It is paid as it runs,
like any task; cancelling it ends the bill. See docs/rentals.md.

With --verify replicate:K, K validators (staked providers that opted in,
chosen so that the provider cannot predict them) re-run the task; each
runner commits to its result digest before any reveals it, and a provider
whose result disagrees with a quorum of validators is slashed. spotcheck:P
does the same with one validator, with probability P. Only a wasm task or a
container declared --deterministic can be verified. See
docs/verification.md.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if f.wasm == "" && f.wasmURL == "" && f.image == "" && (len(args) == 0 || cmd.ArgsLenAtDash() == 0) {
				return errors.New("an IMAGE is required (or --image, --wasm FILE or --wasm-url URL)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := f.spec(args, cmd.ArgsLenAtDash())
			if err != nil {
				return err
			}
			return a.submitAndFollow(cmd.Context(), spec, f.detach)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.cpu, "cpu", "", "cores, e.g. 1, 0.5 or 500m (default 1)")
	fl.StringVar(&f.memory, "memory", "", "memory, e.g. 512MiB or 4GiB (default 512MiB)")
	fl.StringVar(&f.disk, "disk", "", "disk for outputs, e.g. 1GiB (default 1GiB)")
	fl.IntVar(&f.gpus, "gpus", 0, "number of GPUs")
	fl.StringVar(&f.gpuModel, "gpu-model", "", `GPU model substring, e.g. "A100"`)
	fl.StringVar(&f.gpuVendor, "gpu-vendor", "", "nvidia or amd")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "environment variable NAME=VALUE (repeatable)")
	fl.StringVar(&f.timeout, "timeout", "", "execution time limit, e.g. 30s or 2h (default 1h)")
	fl.StringVar(&f.maxPrice, "max-price", "", "most to pay per hour for the whole task, e.g. 0.5")
	fl.BoolVar(&f.network, "network", false, "let the task reach the network (the provider must allow it)")
	fl.IntVar(&f.tasks, "tasks", 1, "run N tasks, placed all or none; each gets DECO_TASK_INDEX and DECO_TASK_COUNT")
	fl.BoolVar(&f.links, "links", false, "put the tasks on a private job network of their own, carried between providers over libp2p (with --tasks; task-0, task-1, … in /etc/hosts, MASTER_ADDR set; needs providers that offer links)")
	fl.BoolVar(&f.service, "service", false, "run a service: until cancelled or its timeout, its --port reachable with 'deco forward'")
	fl.StringArrayVar(&f.ports, "port", nil, "a service's TCP port, NAME=PORT or PORT (named tcp-PORT) (repeatable; with --service)")
	fl.StringVar(&f.verify, "verify", "", "verification policy: none, replicate:K (K validators re-run the task) or spotcheck:P (one re-runs it with probability P); see docs/verification.md")
	fl.BoolVar(&f.deterministic, "deterministic", false, "declare the container deterministic (no network, fixed seeds) so that it can be verified by re-running it")
	fl.BoolVar(&f.timeLock, "time-lock", false, "ask for a proof of time-lock: an attestation per usage interval that no foreign process used the task's GPUs, an interval without one unpaid (service jobs always have it; see docs/rentals.md)")
	fl.StringVar(&f.name, "name", "", "a label for the job")
	fl.StringVar(&f.booking, "booking", "", "run in this booking (deco book): on its nodes, within what it holds, paid by it")
	fl.StringVar(&f.wasm, "wasm", "", "run this WebAssembly (WASI) module instead of an image")
	fl.BoolVarP(&f.detach, "detach", "d", false, "print the job ID and return without following")
	fl.StringVar(&f.image, "image", "", "the container image (instead of the IMAGE argument)")
	fl.StringVar(&f.wasmURL, "wasm-url", "", "run the WebAssembly module at this http(s) URL (needs --wasm-sha256)")
	fl.StringVar(&f.wasmSHA256, "wasm-sha256", "", "hex SHA-256 of the --wasm-url module")
	fl.StringVar(&f.gitURL, "git", "", "git repository URL, checked out at --ref into /inputs/code (the command runs there)")
	fl.StringVar(&f.gitRef, "ref", "", "commit hash (40 hex digits) or tag of --git")
	fl.StringVar(&f.dataset, "dataset", "", "http(s) URL of a dataset file, mounted at /inputs/dataset")
	fl.StringVar(&f.datasetSHA256, "dataset-sha256", "", "hex SHA-256 of the --dataset file")
	fl.StringArrayVar(&f.inputs, "input", nil, "url input NAME=URL[#sha256=HEX], mounted at /inputs/NAME (repeatable)")
	fl.BoolVar(&f.insecureSkipHash, "insecure-skip-hash", false, "accept url inputs without a SHA-256 (unchecked)")
	fl.StringVar(&f.estimatedTime, "estimated-time", "", "expected run time, e.g. 30m; the timeout is twice this")
	return cmd
}

// addService sets the kind and ports of --service and --port.
func (f *runFlags) addService(s *job.Spec) error {
	if len(f.ports) > 0 && !f.service {
		return errors.New("--port goes with --service")
	}
	if !f.service {
		return nil
	}
	s.Kind = job.KindService
	for _, p := range f.ports {
		name, num, named := strings.Cut(p, "=")
		if !named {
			num = name
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			return fmt.Errorf("--port %q: want NAME=PORT or PORT, e.g. http=8080", p)
		}
		if !named {
			name = "tcp-" + num
		}
		s.Ports = append(s.Ports, job.Port{Name: name, Port: n})
	}
	return nil
}

// spec builds the job spec from the flags and IMAGE -- CMD arguments.
func (f *runFlags) spec(args []string, dash int) (job.Spec, error) {
	s := job.Spec{APIVersion: job.APIVersion, Name: f.name, Network: job.NetworkPolicy{Outbound: f.network, Links: f.links},
		Verification: f.verify, Deterministic: f.deterministic, TimeLock: f.timeLock}
	switch {
	case f.tasks < 1:
		return s, fmt.Errorf("--tasks: must be at least 1, got %d", f.tasks)
	case f.tasks > 1:
		s.Tasks = f.tasks
	}
	if err := f.addService(&s); err != nil {
		return s, err
	}
	cmdArgs := args
	switch {
	case f.wasm != "" && f.wasmURL != "":
		return s, errors.New("give --wasm or --wasm-url, not both")
	case (f.wasm != "" || f.wasmURL != "") && f.image != "":
		return s, errors.New("give --image or a wasm module, not both")
	case f.wasmSHA256 != "" && f.wasmURL == "":
		return s, errors.New("--wasm-sha256 goes with --wasm-url")
	}
	if f.wasm != "" || f.wasmURL != "" {
		if f.wasm != "" {
			mod, err := os.ReadFile(f.wasm)
			if err != nil {
				return s, fmt.Errorf("--wasm: %w", err)
			}
			s.Executor, s.Wasm = job.ExecutorWasm, &job.WasmModule{Inline: mod}
		} else {
			s.Executor, s.Wasm = job.ExecutorWasm, &job.WasmModule{URL: f.wasmURL, SHA256: f.wasmSHA256}
		}
		if dash > 0 {
			return s, errors.New("with a wasm module, put the module's arguments after --, not an image")
		}
	} else if f.image != "" {
		s.Image = f.image
		if dash > 0 {
			return s, fmt.Errorf("with --image, put the command after --: --image %s -- %s", f.image, strings.Join(args, " "))
		}
	} else {
		s.Image = args[0]
		cmdArgs = args[1:]
		if dash < 0 && len(cmdArgs) > 0 {
			return s, fmt.Errorf("put the command after --: deco run %s -- %s", s.Image, strings.Join(cmdArgs, " "))
		}
	}
	s.Command = cmdArgs
	s.Booking = f.booking
	if err := f.addInputs(&s); err != nil {
		return s, err
	}
	if err := f.addResources(&s); err != nil {
		return s, err
	}
	return f.finishSpec(s)
}

// addResources sets the spec's resources from --cpu, --memory, --disk,
// --gpus, --gpu-vendor and --gpu-model.
func (f *runFlags) addResources(s *job.Spec) error {
	var err error
	if f.cpu != "" {
		if s.Resources.CPU, err = job.ParseMilliCPU(f.cpu); err != nil {
			return fmt.Errorf("--cpu: %w", err)
		}
		if s.Resources.CPU == 0 {
			return zeroFlagError("cpu", "resources.cpu")
		}
	}
	if f.memory != "" {
		if s.Resources.Memory, err = job.ParseByteSize(f.memory); err != nil {
			return fmt.Errorf("--memory: %w", err)
		}
		if s.Resources.Memory == 0 {
			return zeroFlagError("memory", "resources.memory")
		}
	}
	if f.disk != "" {
		if s.Resources.Disk, err = job.ParseByteSize(f.disk); err != nil {
			return fmt.Errorf("--disk: %w", err)
		}
		if s.Resources.Disk == 0 {
			return zeroFlagError("disk", "resources.disk")
		}
	}
	s.Resources.GPUs = f.gpus
	s.Resources.GPU = job.GPUSelector{Vendor: f.gpuVendor, Model: f.gpuModel}
	return nil
}

// finishSpec sets the rest of the spec from the flags: timeout, price,
// environment, defaults; and validates it.
func (f *runFlags) finishSpec(s job.Spec) (job.Spec, error) {
	var err error
	if f.timeout != "" {
		if s.Timeout, err = job.ParseDuration(f.timeout); err != nil {
			return s, fmt.Errorf("--timeout: %w", err)
		}
		if s.Timeout == 0 {
			return s, zeroFlagError("timeout", "timeout")
		}
	}
	if f.estimatedTime != "" {
		if f.timeout != "" {
			return s, errors.New("give --timeout or --estimated-time, not both")
		}
		est, err := job.ParseDuration(f.estimatedTime)
		if err != nil {
			return s, fmt.Errorf("--estimated-time: %w", err)
		}
		switch {
		case est == 0:
			def, _ := job.DefaultFor("timeout")
			return s, fmt.Errorf("--estimated-time: must not be 0 (leave the flag out for the default timeout, %s)", def)
		case est < 0:
			return s, fmt.Errorf("--estimated-time: must not be negative, got %s", est)
		case est > job.MaxTimeout/2:
			return s, fmt.Errorf("--estimated-time: must be at most %s (the timeout, twice the estimate, may be at most %s), got %s",
				job.MaxTimeout/2, job.MaxTimeout, est)
		}
		s.Timeout = 2 * est
	}
	if f.maxPrice != "" {
		if s.MaxPricePerHour, err = money.Parse(f.maxPrice); err != nil {
			return s, fmt.Errorf("--max-price: %w", err)
		}
	}
	for _, kv := range f.env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return s, fmt.Errorf("--env %q: want NAME=VALUE", kv)
		}
		if s.Env == nil {
			s.Env = map[string]string{}
		}
		s.Env[k] = v
	}
	s.ApplyDefaults()
	return s, s.Validate()
}

// zeroFlagError is the error for --flag given as zero where the spec field
// it sets has a default and zero makes no sense (see job.DefaultFor).
func zeroFlagError(flag, field string) error {
	def, _ := job.DefaultFor(field)
	return fmt.Errorf("--%s: must not be 0 (leave the flag out for the default, %s)", flag, def)
}

// addInputs turns --git, --dataset and --input into spec inputs. With
// --git the docker command runs in the checked-out repository.
func (f *runFlags) addInputs(s *job.Spec) error {
	urlInput := func(name, u, sum string) job.Input {
		in := job.Input{Name: name, URL: u, SHA256: sum}
		if sum == "" && f.insecureSkipHash {
			in.InsecureSkipHash = true
		}
		return in
	}
	if (f.gitURL == "") != (f.gitRef == "") {
		return errors.New("--git and --ref go together")
	}
	if f.gitURL != "" {
		s.Inputs = append(s.Inputs, job.Input{Name: codeInput, Git: &job.GitInput{URL: f.gitURL, Ref: f.gitRef}})
		if s.Executor != job.ExecutorWasm && len(s.Command) > 0 {
			s.Command = append([]string{"sh", "-c", `cd /inputs/` + codeInput + ` && exec "$@"`, "sh"}, s.Command...)
		}
	}
	if f.datasetSHA256 != "" && f.dataset == "" {
		return errors.New("--dataset-sha256 goes with --dataset")
	}
	if f.dataset != "" {
		s.Inputs = append(s.Inputs, urlInput(datasetInput, f.dataset, f.datasetSHA256))
	}
	for _, kv := range f.inputs {
		name, u, ok := strings.Cut(kv, "=")
		if !ok || name == "" || u == "" {
			return fmt.Errorf("--input %q: want NAME=URL[#sha256=HEX]", kv)
		}
		u, sum, _ := strings.Cut(u, "#sha256=")
		s.Inputs = append(s.Inputs, urlInput(name, u, sum))
	}
	return nil
}

// submitAndFollow submits spec, streams its logs and returns the task's exit.
func (a *app) submitAndFollow(ctx context.Context, spec job.Spec, detach bool) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	start := time.Now()
	j, err := c.Submit(ctx, spec)
	if err != nil {
		return explainSubmit(err)
	}
	if detach {
		fmt.Fprintln(a.stdout, j.ID)
		return nil
	}
	fmt.Fprintf(a.stderr, "job %s %s\n", shortID(j.ID), placedOn(submitted(ctx, c, j)))
	for _, p := range spec.Ports {
		fmt.Fprintf(a.stderr, "service port %s (%d): deco forward %s %s\n", p.Name, p.Port, shortID(j.ID), p.Name)
	}
	if err := c.Logs(ctx, j.ID, true, a.stdout); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintf(a.stderr, "\nstopped following; the job goes on (deco job cancel %s to stop it)\n", shortID(j.ID))
			return exitError{130}
		}
		return err
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		return err
	}
	took := time.Since(start).Round(time.Millisecond)
	where := d.Provider
	if len(d.Tasks) > 0 {
		where = providersOf(d)
	}
	switch d.State {
	case job.StateCompleted:
		fmt.Fprintf(a.stderr, "job %s completed on %s in %s; result %s (deco job get %s)\n", shortID(d.ID), where, took, d.ResultDigest, shortID(d.ID))
		return nil
	default:
		fmt.Fprintf(a.stderr, "job %s %s on %s after %s: %s\n", shortID(d.ID), d.State, orDash(where), took, d.Error)
		if d.ExitCode != nil && *d.ExitCode != 0 {
			return exitError{*d.ExitCode}
		}
		return exitError{1}
	}
}

// submitted is the job just submitted with its tasks (j alone if they
// cannot be read).
func submitted(ctx context.Context, c *client.Client, j store.Job) api.JobDetail {
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		return api.JobDetail{TaskDetail: api.TaskDetail{Job: j}}
	}
	return d
}

// placedOn says where a job just submitted went.
func placedOn(d api.JobDetail) string {
	switch {
	case d.Spec.TaskCount() > 1 && len(d.Tasks) == 0:
		return fmt.Sprintf("of %d tasks queued: no set of providers holds them all now", d.Spec.TaskCount())
	case len(d.Tasks) > 0:
		return fmt.Sprintf("of %d tasks placed on %s", len(d.Tasks), providersOf(d))
	case d.Provider == "":
		return "queued: no provider fits now"
	}
	return "placed on provider " + d.Provider
}

// providersOf lists the distinct providers of a job's tasks, in task order.
func providersOf(d api.JobDetail) string {
	var out []string
	seen := map[string]bool{}
	for _, t := range d.Tasks {
		if t.Provider != "" && !seen[t.Provider] {
			seen[t.Provider] = true
			out = append(out, t.Provider)
		}
	}
	return strings.Join(out, ", ")
}

// explainSubmit lists a rejected spec's problems field by field; any other
// submission error is returned as it is.
func explainSubmit(err error) error {
	var ce *client.Error
	if errors.As(err, &ce) && len(ce.Fields) > 0 {
		var b strings.Builder
		b.WriteString("invalid job spec:")
		for _, f := range ce.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Problem)
		}
		return errors.New(b.String())
	}
	return err
}

func (a *app) jobCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "job", Short: "Submit, list, inspect, follow, cancel and fetch jobs"}
	cmd.AddCommand(a.jobRunCmd(), a.jobLsCmd())
	cmd.AddCommand(withCompletion(a.completeJobID, a.jobDescribeCmd(), a.jobLogsCmd(), a.jobCancelCmd(), a.jobGetCmd(), a.jobUsageCmd())...)
	return cmd
}

func (a *app) jobRunCmd() *cobra.Command {
	var detach bool
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Submit a job spec (YAML or JSON, apiVersion: deco/v1) and follow it",
		Example: `  cat > job.yaml <<EOF
  apiVersion: deco/v1
  image: deco-busybox:latest
  command: [sh, -c, "echo hello > /outputs/hello.txt"]
  resources: {cpu: 1, memory: 256MiB}
  timeout: 5m
  EOF
  deco job run job.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := job.ParseFile(args[0])
			if err != nil {
				return err
			}
			spec.ApplyDefaults()
			if err := spec.Validate(); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			return a.submitAndFollow(cmd.Context(), spec, detach)
		},
	}
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "print the job ID and return without following")
	return cmd
}

func (a *app) jobLsCmd() *cobra.Command {
	var state string
	var limit int
	var quiet bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List jobs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			jobs, err := c.Jobs(cmd.Context(), job.State(state), limit)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, jobs)
			}
			if quiet {
				for _, j := range jobs {
					fmt.Fprintln(a.stdout, j.ID)
				}
				return nil
			}
			var rows [][]string
			for _, j := range jobs {
				what := j.Spec.Image
				if j.Spec.Executor == job.ExecutorWasm {
					what = "wasm"
				}
				where := shortPeer(j.Provider)
				if n := j.Spec.TaskCount(); n > 1 {
					where = fmt.Sprintf("%d tasks", n)
				}
				rows = append(rows, []string{shortID(j.ID), string(j.State), what, where,
					exitString(j.ExitCode), j.CreatedAt.Local().Format("2006-01-02 15:04:05")})
			}
			return table(a.stdout, []string{"JOB", "STATE", "IMAGE", "PROVIDER", "EXIT", "CREATED"}, rows)
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "only jobs in this state")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print job IDs only")
	return cmd
}

func exitString(c *int) string {
	if c == nil {
		return "-"
	}
	return fmt.Sprint(*c)
}

func (a *app) jobDescribeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "describe ID",
		Short: "Show a job: spec, placement report, state history and result",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			d, err := c.Job(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, d)
			}
			w := a.stdout
			fmt.Fprintf(w, "Job:        %s\nName:       %s\nState:      %s\n", d.ID, orDash(d.Name), d.State)
			if d.Spec.Executor == job.ExecutorWasm {
				fmt.Fprintf(w, "Executor:   wasm (%d-byte module)\n", len(d.Spec.Wasm.Inline))
			} else {
				fmt.Fprintf(w, "Image:      %s\n", d.Spec.Image)
			}
			fmt.Fprintf(w, "Command:    %s\nResources:  cpu %s, memory %s, disk %s, gpus %d\nTimeout:    %s\n",
				orDash(strings.Join(d.Spec.Command, " ")), d.Spec.Resources.CPU, d.Spec.Resources.Memory, d.Spec.Resources.Disk, d.Spec.Resources.GPUs, d.Spec.Timeout)
			if d.Spec.IsService() {
				ports := make([]string, len(d.Spec.Ports))
				for i, p := range d.Spec.Ports {
					ports[i] = fmt.Sprintf("%s (%d)", p.Name, p.Port)
				}
				fmt.Fprintf(w, "Service:    ports %s (deco forward %s PORT)\n", orDash(strings.Join(ports, ", ")), shortID(d.ID))
			}
			switch {
			case d.Spec.IsBooking():
				fmt.Fprintf(w, "Booking:    %d node(s) for %s (deco booking describe %s)\n", d.Spec.TaskCount(), d.Spec.Timeout, shortID(d.ID))
			case d.Spec.InBooking():
				fmt.Fprintf(w, "Booking:    runs in %s, on its nodes, paid by it\n", d.Spec.Booking)
			}
			fmt.Fprintf(w, "Spec:       %s\nProvider:   %s\nExecution:  %s\nExit code:  %s\n", d.SpecDigest, orDash(d.Provider), orDash(d.ExecutionID), exitString(d.ExitCode))
			if d.ResultDigest != "" {
				fmt.Fprintf(w, "Result:     %s\n", d.ResultDigest)
			}
			if d.Error != "" {
				fmt.Fprintf(w, "Error:      %s\n", d.Error)
			}
			if len(d.Placement) > 0 {
				var rep sched.Report
				if err := json.Unmarshal(d.Placement, &rep); err == nil {
					fmt.Fprintf(w, "\nPlacement: %d offers considered, %d feasible, chose %s\n", rep.Considered, rep.Feasible, orDash(rep.Chosen))
					if g := rep.Gang; g != nil {
						fmt.Fprintf(w, "  %d tasks, all or none:\n", g.Tasks)
						for _, st := range g.Sets {
							verdict := st.Reason
							if st.Chosen {
								verdict = "chosen"
							}
							fmt.Fprintf(w, "    set %s: %d nodes hold %d tasks now (%d with all free): %s\n", orDash(st.Group), st.Nodes, st.Capacity, st.Total, verdict)
						}
					}
					var rows [][]string
					for _, n := range rep.Nodes {
						verdict := fmt.Sprintf("score %.1f", n.Score)
						if !n.Feasible {
							verdict = fmt.Sprintf("rejected by %s (%s): %s", n.Filter, n.Code, n.Reason)
						}
						rows = append(rows, []string{"  " + n.Node, verdict})
					}
					table(w, []string{"  NODE", "VERDICT"}, rows)
					if rep.Compact {
						for _, g := range rep.Rejected {
							fmt.Fprintf(w, "  %d rejected by %s (%s): %s\n", g.Count, g.Filter, g.Code, g.Reason)
						}
					}
				}
			}
			if len(d.Tasks) > 0 {
				fmt.Fprintln(w, "\nTasks:")
				var rows [][]string
				for _, t := range d.Tasks {
					rows = append(rows, []string{fmt.Sprintf("  %d", t.TaskIndex), string(t.State), orDash(t.Provider), orDash(t.ExecutionID),
						exitString(t.ExitCode), strconv.Itoa(len(t.Attempts)), orDash(t.Error)})
				}
				table(w, []string{"  TASK", "STATE", "PROVIDER", "EXECUTION", "EXIT", "ATTEMPTS", "ERROR"}, rows)
			}
			if len(d.Verification) > 0 {
				describeVerification(w, "Verification", d.Verification)
			}
			describeTaskVerifications(w, d.Tasks)
			if len(d.Attempts) > 0 {
				fmt.Fprintln(w, "\nAttempts:")
				for _, at := range d.Attempts {
					fmt.Fprintf(w, "  %d  %-10s %s  %s  %s\n", at.Seq, at.State, at.ExecutionID, at.Provider, at.Error)
				}
			}
			printPayments(w, d)
			describeTimeLock(w, d)
			fmt.Fprintln(w, "\nEvents:")
			for _, e := range d.Events {
				fmt.Fprintf(w, "  %s  %-10s %s\n", e.At.Local().Format("15:04:05.000"), e.State, e.Message)
			}
			return nil
		},
	}
}

func (a *app) jobLogsCmd() *cobra.Command {
	var follow bool
	var task int
	cmd := &cobra.Command{
		Use:   "logs ID",
		Short: "Print a job's logs (stdout and stderr of the task)",
		Long: `Print a job's logs: the task's stdout and stderr. For a multi-task job,
every task's lines, each prefixed by its task ("task-1| "), or one task's
alone with --task.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("task") && task < 0 {
				return fmt.Errorf("--task: must be a task index (0 or more), got %d", task)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("task") {
				return c.TaskLogs(cmd.Context(), args[0], task, follow, a.stdout)
			}
			return c.Logs(cmd.Context(), args[0], follow, a.stdout)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep streaming until the job ends")
	cmd.Flags().IntVar(&task, "task", 0, "only this task's logs (a multi-task job's task index)")
	return cmd
}

func (a *app) jobCancelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ID",
		Short: "Stop a running job (the provider kills its sandbox)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			if err := c.Cancel(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "cancel sent for job %s\n", args[0])
			return nil
		},
	}
}

func (a *app) jobGetCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "get ID",
		Short: "Download a job's outputs, checked against the result digest",
		Long: `Download a job's outputs, checked against the result digest. A multi-task
job's outputs are one directory per task: task-0/ … task-(N-1)/.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			dir := out
			if dir == "" {
				dir = filepath.Join(".", "deco-"+shortID(args[0]))
			}
			digest, err := c.Outputs(cmd.Context(), args[0], dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "outputs of job %s in %s (digest %s verified)\n", args[0], dir, digest)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the outputs into (default ./deco-<ID>)")
	return cmd
}

// withheldOf is the payment withheld from a run that lost ("" when none).
func withheldOf(r requester.VerifiedRun) string {
	if r.Withheld == 0 {
		return ""
	}
	return r.Withheld.String()
}

// describeTaskVerifications prints the verification of each task of a
// verified multi-task job (each task is verified on its own) and what
// their validators cost in all.
func describeTaskVerifications(w io.Writer, tasks []api.TaskDetail) {
	var total money.Amount
	n := 0
	for _, t := range tasks {
		if len(t.Verification) > 0 {
			total += describeVerification(w, fmt.Sprintf("Task %d verification", t.TaskIndex), t.Verification)
			n++
		}
	}
	if n > 1 {
		fmt.Fprintf(w, "\nVerification cost of the %d tasks: %s\n", n, total)
	}
}

// describeValidatorSelection prints how each round of a verified task's
// validators was chosen: those asked, the candidates in the seed's order,
// and every validator offer left out with why.
func describeValidatorSelection(w io.Writer, rounds []sched.ValidatorReport) {
	for i, rd := range rounds {
		what := "validators"
		if i > 0 {
			what = "more validators (dispute)"
		}
		fmt.Fprintf(w, "  %s: %d wanted of %d validator offers; asked %s (by seed: %s)\n", what, rd.Wanted, rd.Considered,
			orDash(strings.Join(rd.Chosen, ", ")), orDash(strings.Join(rd.Ranked, " ")))
		for _, o := range rd.LeftOut {
			fmt.Fprintf(w, "    left out %s: %s\n", o.Node, o.Reason)
		}
	}
}

// describeVerification prints, under title, a verified job's (or one
// task's) runners, what each committed and revealed, the outcome,
// verdicts and cost, which it returns.
func describeVerification(w io.Writer, title string, raw json.RawMessage) money.Amount {
	var v requester.Verification
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	fmt.Fprintf(w, "\n%s: %s, outcome %s, validators' cost %s (quorum %d, seed from block %d)\n",
		title, v.Policy, orDash(v.Outcome), v.Cost, v.Quorum, v.Block)
	describeValidatorSelection(w, v.Selection)
	var rows [][]string
	for _, r := range v.Runs {
		what := orDash(r.Digest)
		if r.Invalid != "" {
			what = "invalid: " + r.Invalid
		}
		committed := "-"
		if r.Commitment != nil {
			committed = "0x" + hex.EncodeToString(r.Commitment.Hash[:6]) + "…"
		}
		rows = append(rows, []string{"  " + r.Role, r.Node, r.ExecutionID, committed, what, r.Paid.String(), orDash(withheldOf(r))})
	}
	if len(rows) > 0 {
		table(w, []string{"  ROLE", "NODE", "EXECUTION", "COMMITTED", "REVEALED", "PAID", "WITHHELD"}, rows)
	}
	for _, vd := range v.Verdicts {
		if vd.Error != "" {
			fmt.Fprintf(w, "  verdict against %s: not executed: %s\n", vd.Accused, vd.Error)
			continue
		}
		fmt.Fprintf(w, "  verdict against %s: slashed %s (dispute %s, %d signers, tx %s, gas %d)\n",
			vd.Accused, vd.Amount, vd.DisputeID, len(vd.Signers), vd.Tx, vd.GasUsed)
	}
	for _, n := range v.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	return v.Cost
}
