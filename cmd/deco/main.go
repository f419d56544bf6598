// Command deco is the deco node and its command-line interface: run a node,
// onboard a machine as a provider, find peers and offers, and submit and
// follow jobs. Every command except `node run` and `devnet` talks to a
// running node through its REST API.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/taskinit"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries a process exit status (e.g. a task's exit code).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	if len(os.Args) > 1 && os.Args[1] == taskinit.Arg {
		// The first process of a linked task's container (see taskinit).
		os.Exit(taskinit.Main(os.Args[2:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		fmt.Fprintln(os.Stderr, "deco:", err)
		os.Exit(1)
	}
}

// app holds the global flags every command sees.
type app struct {
	stdout, stderr io.Writer
	dataDir        string
	apiURL         string
	output         string
	logLevel       string
}

func defaultDataDir() string {
	if d := os.Getenv("DECO_DATA_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ".deco"
	}
	return filepath.Join(home, ".deco")
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "deco",
		Short: "deco: a decentralized compute network in one binary",
		Long: `deco runs jobs (containers or WebAssembly) on other people's idle machines.

Run a node with 'deco node run'. Sell this machine's capacity with
'deco onboard'. Run a job on the network with 'deco run IMAGE -- CMD'.
Try it all on one machine with 'deco devnet'.

The CLI finds its node through the data directory (--data-dir, or
DECO_DATA_DIR, default ~/.deco): the node writes its API address and
bearer token there.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Every command that prints takes --output: check it once.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.checkOutput(cmd) },
	}
	// Cobra's own commands (completion, help) write here too.
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dataDir, "data-dir", defaultDataDir(), "node data directory (env DECO_DATA_DIR)")
	pf.StringVar(&a.apiURL, "api", os.Getenv("DECO_API"), "node API URL, overriding the one in the data directory (env DECO_API; token from DECO_API_TOKEN)")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table or json")
	pf.StringVar(&a.logLevel, "log-level", "info", "log level for the node: debug, info, warn, error")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("log-level", cobra.FixedCompletions([]string{"debug", "info", "warn", "error"}, cobra.ShellCompDirectiveNoFileComp))
	root.AddCommand(a.nodeCmd(), a.idCmd(), a.onboardCmd(), a.offboardCmd(), a.peersCmd(), a.offersCmd(), a.servicesCmd(), a.serviceCmd(),
		a.chainCmd(), a.walletCmd(), withCompletion(a.completeProvider, a.reputationCmd())[0],
		a.runCmd(), a.jobCmd(), a.bookCmd(), a.bookingsCmd(), a.bookingCmd(), a.operatorCmd(), a.billingCmd(), withCompletion(a.completeJobID, a.forwardCmd())[0], a.devnetCmd(), a.dashboardCmd(), a.versionCmd())
	return root
}

// client returns the API client for the selected node.
func (a *app) client() (*client.Client, error) {
	if a.apiURL != "" {
		return client.New(a.apiURL, os.Getenv("DECO_API_TOKEN")), nil
	}
	return client.FromDataDir(a.dataDir)
}

func (a *app) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(a.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: lvl}))
}

// csvAnnotation marks a command that also writes CSV (-o csv).
const csvAnnotation = "csv"

func (a *app) checkOutput(cmd *cobra.Command) error {
	switch a.output {
	case "table", "json":
		return nil
	case "csv":
		if cmd.Annotations[csvAnnotation] != "" {
			return nil
		}
	}
	if cmd.Annotations[csvAnnotation] != "" {
		return fmt.Errorf("--output must be table, json or csv, not %q", a.output)
	}
	return fmt.Errorf("--output must be table or json, not %q", a.output)
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, args []string) { fmt.Fprintln(a.stdout, "deco", version) },
	}
}

// shortID is the first 12 characters of a job ID: its time prefix and
// some randomness; the store resolves it as a prefix (and says when two
// jobs share it).
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func shortPeer(id string) string {
	if len(id) > 12 {
		return "…" + id[len(id)-8:]
	}
	return id
}

func joinOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ",")
}
