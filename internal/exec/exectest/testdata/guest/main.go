// Command guest is the WebAssembly test program of the executor conformance
// suite. It is built with GOOS=wasip1 GOARCH=wasm at test time and does one
// thing per run, chosen by its first argument:
//
//	echo TEXT...       print the arguments (space separated) to stdout
//	stderr TEXT        print TEXT to stderr
//	env NAME...        print NAME=value for each variable
//	exit N             exit with code N
//	write NAME TEXT    write TEXT to /outputs/NAME
//	read NAME          print /inputs/NAME, then try to write /inputs/NAME:
//	                   exit 5 if that write succeeds (inputs must be read-only)
//	spin               print "sleeping" and loop forever (burns CPU)
//	alloc N            allocate and touch N MiB, then print "allocated N MiB"
//	work N NAME        hash a 32-byte buffer N times over (SHA-256) and
//	                   write the final hash to /outputs/NAME: a
//	                   deterministic task that computes for a while
//	determinism        print the wall clock, the monotonic clock and random
//	                   numbers (crypto/rand and math/rand/v2), and write the
//	                   same to /outputs/determinism.txt
package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: guest MODE [ARGS...]")
		os.Exit(64)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "echo":
		fmt.Println(strings.Join(args, " "))
	case "stderr":
		fmt.Fprintln(os.Stderr, strings.Join(args, " "))
	case "env":
		for _, name := range args {
			fmt.Printf("%s=%s\n", name, os.Getenv(name))
		}
	case "exit":
		code, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			fail(err)
		}
		os.Exit(code)
	case "write":
		if err := os.WriteFile("/outputs/"+arg(args, 0), []byte(arg(args, 1)), 0o644); err != nil {
			fail(err)
		}
	case "read":
		b, err := os.ReadFile("/inputs/" + arg(args, 0))
		if err != nil {
			fail(err)
		}
		os.Stdout.Write(b)
		if err := os.WriteFile("/inputs/"+arg(args, 0), []byte("overwritten"), 0o644); err == nil {
			fmt.Fprintln(os.Stderr, "/inputs is writable")
			os.Exit(5)
		}
	case "spin":
		fmt.Println("sleeping")
		spin()
	case "alloc":
		n, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			fail(err)
		}
		b := make([]byte, n<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = byte(i)
		}
		fmt.Printf("allocated %d MiB\n", len(b)>>20)
	case "work":
		n, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			fail(err)
		}
		var h [32]byte
		for range n {
			h = sha256.Sum256(h[:])
		}
		if err := os.WriteFile("/outputs/"+arg(args, 1), []byte(hex.EncodeToString(h[:])), 0o644); err != nil {
			fail(err)
		}
	case "determinism":
		var sb strings.Builder
		now := time.Now()
		fmt.Fprintf(&sb, "walltime %s\n", now.UTC().Format(time.RFC3339Nano))
		time.Sleep(time.Hour)
		fmt.Fprintf(&sb, "after sleeping 1h %s (monotonic %s)\n", time.Now().UTC().Format(time.RFC3339Nano), time.Since(now))
		buf := make([]byte, 16)
		if _, err := rand.Read(buf); err != nil {
			fail(err)
		}
		fmt.Fprintf(&sb, "crypto/rand %s\n", hex.EncodeToString(buf))
		fmt.Fprintf(&sb, "math/rand %d %d\n", mrand.Uint64(), mrand.IntN(1000))
		os.Stdout.WriteString(sb.String())
		if err := os.WriteFile("/outputs/determinism.txt", []byte(sb.String()), 0o644); err != nil {
			fail(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown mode %q\n", os.Args[1])
		os.Exit(64)
	}
}

var sink uint64

// spin loops forever without a host call, so only the executor's
// interruption can end it.
func spin() {
	for i := uint64(0); ; i++ {
		sink += i
	}
}

func arg(args []string, i int) string {
	if i >= len(args) {
		fail(fmt.Errorf("missing argument %d", i+1))
	}
	return args[i]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "guest:", err)
	os.Exit(1)
}
