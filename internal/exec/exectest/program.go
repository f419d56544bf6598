// Package exectest is the conformance suite every exec.Executor passes: the
// same behaviours (exit codes, logs, outputs, inputs, timeouts, kill,
// cancellation, memory limits, removal, and what happens after a daemon
// restart) checked against docker and wasm alike.
//
// An executor's test calls Run with a Harness that says how to build a
// fresh executor and how that executor expresses each Program (a shell
// command line for docker, arguments to the guest module for wasm).
package exectest

import (
	"fmt"
	"time"
)

// Kind is what a Program does.
type Kind int

// The behaviours a Harness expresses.
const (
	// KindEcho prints Text and a newline to stdout and exits 0.
	KindEcho Kind = iota + 1
	// KindStderr prints Text and a newline to stderr and exits 0.
	KindStderr
	// KindExit exits with Code.
	KindExit
	// KindWriteOutput writes Content to /outputs/Name and exits 0.
	KindWriteOutput
	// KindReadInput prints the content of /inputs/Name to stdout, then
	// tries to overwrite /inputs/Name: it exits 0 when that write fails
	// (inputs are read-only) and 5 when it succeeds.
	KindReadInput
	// KindSleep prints "sleeping" and a newline, then runs for at least
	// Duration without exiting (an executor may run it longer, or forever:
	// the suite always ends it by a timeout or Kill).
	KindSleep
	// KindAllocate allocates and touches MiB mebibytes of memory, prints
	// "allocated N MiB" and exits 0.
	KindAllocate
)

// Program is one behaviour the suite asks an executor to run. Build it with
// Echo, Stderr, Exit, WriteOutput, ReadInput, Sleep or AllocateMiB.
type Program struct {
	Kind     Kind
	Text     string
	Code     int
	Name     string
	Content  string
	Duration time.Duration
	MiB      int
}

// Echo prints text to stdout.
func Echo(text string) Program { return Program{Kind: KindEcho, Text: text} }

// Stderr prints text to stderr.
func Stderr(text string) Program { return Program{Kind: KindStderr, Text: text} }

// Exit exits with code.
func Exit(code int) Program { return Program{Kind: KindExit, Code: code} }

// WriteOutput writes content to /outputs/name.
func WriteOutput(name, content string) Program {
	return Program{Kind: KindWriteOutput, Name: name, Content: content}
}

// ReadInput prints /inputs/name and checks that /inputs is read-only.
func ReadInput(name string) Program { return Program{Kind: KindReadInput, Name: name} }

// Sleep runs for at least d.
func Sleep(d time.Duration) Program { return Program{Kind: KindSleep, Duration: d} }

// AllocateMiB allocates n MiB of memory.
func AllocateMiB(n int) Program { return Program{Kind: KindAllocate, MiB: n} }

// String describes p for test messages.
func (p Program) String() string {
	switch p.Kind {
	case KindEcho:
		return fmt.Sprintf("Echo(%q)", p.Text)
	case KindStderr:
		return fmt.Sprintf("Stderr(%q)", p.Text)
	case KindExit:
		return fmt.Sprintf("Exit(%d)", p.Code)
	case KindWriteOutput:
		return fmt.Sprintf("WriteOutput(%q, %q)", p.Name, p.Content)
	case KindReadInput:
		return fmt.Sprintf("ReadInput(%q)", p.Name)
	case KindSleep:
		return fmt.Sprintf("Sleep(%s)", p.Duration)
	case KindAllocate:
		return fmt.Sprintf("AllocateMiB(%d)", p.MiB)
	}
	return fmt.Sprintf("Program(kind %d)", p.Kind)
}
