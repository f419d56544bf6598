// Command escape is a hostile WASI guest for the wasm executor's sandbox
// tests: each mode tries one way out of the /inputs and /outputs mounts
// and prints what it read ("READ:" and the bytes) or the error it got.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Println("usage: escape MODE HOSTPATH")
		os.Exit(2)
	}
	mode, host := os.Args[1], os.Args[2]
	var b []byte
	var err error
	switch mode {
	case "symlink": // a new link in /outputs to the host path
		if err = os.Symlink(host, "/outputs/l"); err == nil {
			b, err = os.ReadFile("/outputs/l")
		}
	case "symlink-relative": // the same, climbing out with ..
		if err = os.Symlink("../../../../../../../../.."+host, "/outputs/l"); err == nil {
			b, err = os.ReadFile("/outputs/l")
		}
	case "dotdot": // a path that climbs out of the mount
		b, err = os.ReadFile("/outputs/../../../../../../../../.." + host)
	case "inputs-link": // a link that came with the inputs
		b, err = os.ReadFile("/inputs/link")
	case "inputs-dirlink": // a directory link that came with the inputs
		b, err = os.ReadFile("/inputs/dirlink/secret")
	case "write-symlink": // write through a new link
		if err = os.Symlink(host, "/outputs/w"); err == nil {
			err = os.WriteFile("/outputs/w", []byte("overwritten"), 0o644)
		}
	case "write-symlink-relative": // write through a new link that climbs out
		if err = os.Symlink("../../../../../../../../.."+host, "/outputs/w"); err == nil {
			err = os.WriteFile("/outputs/w", []byte("overwritten"), 0o644)
		}
	case "inputs-link-write": // write through a link that came with the inputs, into outputs
		if err = os.Symlink("../inputs/dirlink", "/outputs/d"); err == nil {
			b, err = os.ReadFile("/outputs/d/secret")
		}
	case "inside": // a link that stays inside works
		if err = os.WriteFile("/outputs/f", []byte("inside-ok"), 0o644); err == nil {
			if err = os.Mkdir("/outputs/sub", 0o755); err == nil {
				if err = os.Symlink("../f", "/outputs/sub/l"); err == nil {
					b, err = os.ReadFile("/outputs/sub/l")
				}
			}
		}
	case "inputs-inside": // so does one that came with the inputs
		b, err = os.ReadFile("/inputs/alias")
	case "hardlink": // a hard link from outputs to a host file
		if err = os.Link("/inputs/link", "/outputs/h"); err == nil {
			b, err = os.ReadFile("/outputs/h")
		}
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Println("ERR:", err)
		return
	}
	fmt.Printf("READ:%s\n", b)
}
