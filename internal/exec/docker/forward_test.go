package docker

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDialPortReachesTheSandboxLoopback starts busybox httpd on the
// loopback of a container without a network and talks HTTP to it through
// DialPort; a port nothing listens on is refused, and an execution that
// ended cannot be dialled.
func TestDialPortReachesTheSandboxLoopback(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("entering a container's network namespace needs root")
	}
	e := engine(t, Config{})
	task := newTask("forward", "sh", "-c", `mkdir -p /tmp/www && echo hi from the sandbox > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www`)
	start(t, e, task)
	ctx := t.Context()
	var body string
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		conn, derr := e.DialPort(ctx, task.ExecutionID, 8080)
		if err = derr; err != nil {
			continue
		}
		fmt.Fprintf(conn, "GET / HTTP/1.0\r\n\r\n")
		resp, rerr := http.ReadResponse(bufio.NewReader(conn), nil)
		if err = rerr; err == nil {
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
		}
		conn.Close()
		break
	}
	if err != nil || body != "hi from the sandbox\n" {
		t.Fatalf("GET / through DialPort: %q, %v", body, err)
	}
	if _, err := e.DialPort(ctx, task.ExecutionID, 9999); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("a port nothing listens on: %v", err)
	}
	if err := e.Kill(ctx, task.ExecutionID); err != nil {
		t.Fatal(err)
	}
	wait(t, e, task.ExecutionID)
	if _, err := e.DialPort(ctx, task.ExecutionID, 8080); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("an ended execution: %v", err)
	}
}
