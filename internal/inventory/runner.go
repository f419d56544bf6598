package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"time"
)

// ErrToolMissing is returned by a Runner when the program is not installed.
var ErrToolMissing = errors.New("tool not installed")

// Runner runs a detection tool and returns its standard output. It returns
// an error wrapping ErrToolMissing when the program is not installed, and a
// *ToolError when the program fails.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ToolError is a detection tool that ran and failed: it exited with a
// non-zero status, or printed nothing on standard output and an error on
// standard error (rocm-smi does that, with status 0, when the amdgpu driver
// is not loaded).
type ToolError struct {
	// Name is the program.
	Name string
	// Err is the cause, e.g. the *exec.ExitError.
	Err error
	// Output is what the tool said about its failure: its standard error, or
	// its standard output when standard error was empty.
	Output string
}

// Error says which tool failed, how, and what it said (its non-blank lines
// joined, shortened to a few hundred bytes).
func (e *ToolError) Error() string {
	msg := fmt.Sprintf("%s: %v", e.Name, e.Err)
	var lines []string
	for line := range strings.Lines(e.Output) {
		if t := strings.TrimSpace(line); t != "" {
			lines = append(lines, t)
		}
	}
	if len(lines) > 0 {
		msg += ": " + truncate(strings.Join(lines, " / "), 300)
	}
	return msg
}

// Unwrap returns the cause.
func (e *ToolError) Unwrap() error { return e.Err }

// errNoOutput is the cause of a ToolError for a tool that exited 0 but
// printed only an error.
var errNoOutput = errors.New("no output")

// DefaultToolTimeout bounds one run of a detection tool under ExecRunner.
const DefaultToolTimeout = 15 * time.Second

// ExecRunner runs programs found on PATH with os/exec.
type ExecRunner struct {
	// Timeout bounds each run; zero means DefaultToolTimeout.
	Timeout time.Duration
}

// Run runs name with args and returns its standard output.
func (r ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultToolTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", name, ErrToolMissing)
	}
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			err = fmt.Errorf("%w (after %v)", ctx.Err(), timeout)
		case ctx.Err() != nil:
			err = ctx.Err()
		}
		said := stderr.String()
		if strings.TrimSpace(said) == "" {
			said = stdout.String()
		}
		return stdout.Bytes(), &ToolError{Name: name, Err: err, Output: said}
	}
	if len(bytes.TrimSpace(stdout.Bytes())) == 0 && len(bytes.TrimSpace(stderr.Bytes())) > 0 {
		return nil, &ToolError{Name: name, Err: errNoOutput, Output: stderr.String()}
	}
	return stdout.Bytes(), nil
}

// firstLine returns the first non-blank line of s, trimmed.
func firstLine(s string) string {
	for line := range strings.Lines(s) {
		if t := strings.TrimSpace(line); t != "" {
			return t
		}
	}
	return ""
}
