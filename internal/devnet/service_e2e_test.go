package devnet_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

// TestServiceJobForward runs a service job (busybox httpd on port 8080 of
// a container with no network) on a devnet, reaches it from the
// requester's side through the node's forward upgrade and a libp2p stream
// to the provider, makes several HTTP requests over separate connections,
// checks a port the spec lacks and another node are refused, then
// cancels it: the task stops, the bill stops growing, and the port is no
// longer reachable.
func TestServiceJobForward(t *testing.T) {
	needDocker(t)
	if os.Geteuid() != 0 {
		if os.Getenv("DECO_REQUIRE_ROOT") != "" {
			t.Fatal("DECO_REQUIRE_ROOT is set: forwarding enters the task's network namespace, which needs root")
		}
		t.Skip("forwarding enters the task's network namespace, which needs root")
	}
	net := startWith(t, devnet.Config{UsageInterval: 500 * time.Millisecond})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Kind: job.KindService,
		Ports:   []job.Port{{Name: "http", Port: 8080}},
		Command: []string{"sh", "-c", `mkdir -p /tmp/www && echo "served from task $DECO_TASK_INDEX" > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www`},
		Timeout: job.Duration(10 * time.Minute)}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, j.ID, job.StateRunning)

	get := func(path string) (string, error) {
		conn, err := c.Forward(ctx, j.ID, 0, "http")
		if err != nil {
			return "", err
		}
		defer conn.Close()
		if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: task\r\n\r\n", path); err != nil {
			return "", err
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.Status + " " + string(b), err
	}
	// httpd may not listen yet when the task starts running.
	var body string
	for deadline := time.Now().Add(20 * time.Second); ; {
		if body, err = get("/"); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || body != "200 OK served from task 0\n" {
		t.Fatalf("GET / through the forward: %q, %v", body, err)
	}
	for i := range 5 { // each a connection of its own, by the port's number too
		conn, err := c.Forward(ctx, j.ID, 0, "8080")
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		fmt.Fprintf(conn, "GET /nope HTTP/1.0\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != 404 {
			t.Fatalf("connection %d: %v %v", i, resp, err)
		}
		conn.Close()
	}

	var ce *client.Error
	if _, err := c.Forward(ctx, j.ID, 0, "ssh"); !errors.As(err, &ce) || ce.Status != 409 || !strings.Contains(ce.Message, "http (8080)") {
		t.Fatalf("a port the spec lacks: %v", err)
	}
	// Another node knows nothing of the job: only its requester can reach it.
	other, err := client.FromDataDir(net.DataDir(2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Forward(ctx, j.ID, 0, "http"); !errors.As(err, &ce) || ce.Status != 404 {
		t.Fatalf("another node: %v", err)
	}

	// The bill runs while the service does.
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Usage) == 0 {
		time.Sleep(time.Second)
		d, _ = c.Job(ctx, j.ID)
	}
	if len(d.Usage) == 0 {
		t.Fatal("no usage report while the service runs")
	}
	if err := c.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	got := waitState(t, c, j.ID, job.StateCancelled)
	d, err = c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Usage[len(d.Usage)-1].Report
	time.Sleep(1500 * time.Millisecond) // three usage intervals
	d2, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after := d2.Usage[len(d2.Usage)-1].Report; after.Seq != last.Seq || after.AmountDue != last.AmountDue {
		t.Fatalf("billed after the cancel: report %d (%s) then %d (%s)", last.Seq, last.AmountDue, after.Seq, after.AmountDue)
	}
	if last.AmountDue <= 0 || last.RunMillis == 0 {
		t.Fatalf("the service ran unpaid: %+v", last)
	}
	if _, err := get("/"); !errors.As(err, &ce) || ce.Status != 409 {
		t.Fatalf("forward after the cancel: %v", err)
	}
	t.Logf("service %s ran %d ms, billed %s in %d reports", got.State, last.RunMillis, last.AmountDue, last.Seq)
}
