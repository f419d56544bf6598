package chaos

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// proc is one OS process of the network (a node or the chain) that can be
// killed and started again with the same arguments; its output is
// appended to one log file across restarts.
type proc struct {
	name    string
	bin     string
	args    []string
	env     []string
	logPath string
	// before runs before every start (removing a stale API file).
	before func()

	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) start() error {
	if p.before != nil {
		p.before()
	}
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("%s log: %w", p.name, err)
	}
	fmt.Fprintf(logf, "=== start %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), p.name)
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a test interrupted with Ctrl-C does not
	// take the nodes down before the harness stops them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	p.cmd, p.done = cmd, done
	return nil
}

func (p *proc) alive() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to 10 s before killing.
func (p *proc) stop() {
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.kill()
	}
}

// waitFile waits until path exists while p runs.
func (p *proc) waitFile(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if !p.alive() {
			return fmt.Errorf("%s exited before writing %s (see %s)", p.name, path, p.logPath)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not write %s within %s (see %s)", p.name, path, timeout, p.logPath)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
