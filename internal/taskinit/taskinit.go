// Package taskinit is the first process of a sandbox whose program must not
// start before the provider has finished preparing it: a task on a job
// network waits until its interface, and every other task's, is up. The
// executor bind-mounts the (static) deco binary into the container and runs
// it as "deco task-init GATE -- PROGRAM ARGS…"; it waits for the file GATE
// to appear, then replaces itself with the program, so the program keeps
// PID 1's place, its environment and its signals.
package taskinit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Arg is the first argument that selects this mode of the deco binary.
const Arg = "task-init"

// poll is how often the gate is looked for: the wait is short (the other
// tasks' interfaces coming up) and a stat is cheap.
const poll = 5 * time.Millisecond

// Main runs "task-init GATE -- PROGRAM ARGS…" (args without Arg) and
// returns only on failure, with the exit status to use; the executor kills
// the sandbox if the gate never opens.
func Main(args []string) int {
	if err := run(args, syscall.Exec); err != nil {
		fmt.Fprintln(os.Stderr, "deco task-init:", err)
		return 127
	}
	return 0
}

// run waits for the gate and execs the program with execve.
func run(args []string, execve func(string, []string, []string) error) error {
	if len(args) < 3 || args[1] != "--" {
		return errors.New("usage: task-init GATE -- PROGRAM [ARG…]")
	}
	gate, argv := args[0], args[2:]
	for {
		if _, err := os.Stat(gate); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("gate: %w", err)
		}
		time.Sleep(poll)
	}
	path, err := exec.LookPath(argv[0]) // PATH as the image sets it
	if err != nil {
		return err
	}
	return execve(path, argv, os.Environ())
}
