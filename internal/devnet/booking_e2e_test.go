package devnet_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/store"
)

// waitBooking polls a booking until it is in state want.
func waitBooking(t *testing.T, c *client.Client, id string, want job.State, within time.Duration) requester.Booking {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		b, err := c.Booking(context.Background(), id)
		if err == nil && b.State == want {
			return b
		}
		if err == nil && b.State.Terminal() {
			t.Fatalf("booking %s ended %s (%s) while waiting for %s", id, b.State, b.Error, want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("booking %s never reached %s (last %+v, %v)", id, want, b, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitEnded polls a job until it is in a terminal state.
func waitEnded(t *testing.T, c *client.Client, id string, within time.Duration) store.Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		d, err := c.Job(context.Background(), id)
		if err == nil && d.State.Terminal() {
			return d.Job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end (last %v %v)", id, d.State, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// charged is what the signed usage reports of job id's executions came to
// (its tasks', for a multi-task job), with the last report of each.
func charged(t *testing.T, c *client.Client, id string) (money.Amount, []market.UsageReport) {
	t.Helper()
	u, err := c.JobUsage(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var sum money.Amount
	var last []market.UsageReport
	for _, e := range u.Executions {
		if n := len(e.Reports); n > 0 {
			sum += e.Reports[n-1].Report.AmountDue
			last = append(last, e.Reports[n-1].Report)
		}
	}
	return sum, last
}

// bookingNet starts a devnet whose tasks report usage every interval and
// returns node 0's client.
func bookingNet(t *testing.T, interval time.Duration) (*devnet.Net, *client.Client) {
	t.Helper()
	net := startWith(t, devnet.Config{UsageInterval: interval})
	t.Cleanup(net.Close)
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	return net, c
}

// book books nodes providers of 1 core each for window, and waits until
// it holds them.
func book(t *testing.T, c *client.Client, nodes int, window time.Duration) requester.Booking {
	t.Helper()
	b, err := c.Book(context.Background(), requester.BookingRequest{Nodes: nodes, Duration: job.Duration(window),
		Resources: job.Resources{CPU: 1000, Memory: 512 << 20, Disk: 512 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	return waitBooking(t, c, b.ID, job.StateRunning, 30*time.Second)
}

// refusedAsEnded checks that a job sent into ended booking id is refused
// (409, "has ended").
func refusedAsEnded(t *testing.T, c *client.Client, id string) {
	t.Helper()
	_, err := c.Submit(context.Background(), bookingSpec(id, 1, 500, "true"))
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusConflict || !strings.Contains(ce.Message, "has ended") {
		t.Fatalf("a job into the ended booking: %v", err)
	}
}

// httpGet asks GET / of job id's port through the node's forward.
func httpGet(ctx context.Context, c *client.Client, id, port string) (string, error) {
	conn, err := c.Forward(ctx, id, 0, port)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\nHost: task\r\n\r\n"); err != nil {
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

func bookingSpec(booking string, tasks int, cpu job.MilliCPU, script string) job.Spec {
	s := sleepSpec(script)
	s.Booking, s.Tasks, s.Timeout = booking, tasks, job.Duration(5*time.Minute)
	s.Resources = job.Resources{CPU: cpu, Memory: 128 << 20, Disk: 64 << 20}
	return s
}

// TestBookingEndToEnd books both providers of a devnet for ten minutes as
// one gang, runs a two-task job in the booking (on the booked nodes in
// task order, with no placement of its own, charged nothing), refuses a
// job asking more than the booking holds, runs a service job in it
// (reached through deco forward, as root), then cancels the booking early
// while that job runs: it is stopped, the bill is the time the
// booking was held (its signed reports, far below the window's price),
// and a job sent into the ended booking is refused.
func TestBookingEndToEnd(t *testing.T) {
	needDocker(t)
	net, c := bookingNet(t, 500*time.Millisecond)
	ctx := context.Background()
	window := 10 * time.Minute
	// Three nodes of their own on a devnet of two providers: refused now,
	// with the placement report, and nothing is kept (never queued).
	_, err := c.Book(ctx, requester.BookingRequest{Nodes: 3, Duration: job.Duration(window), Resources: job.Resources{CPU: 1000}})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusUnprocessableEntity {
		t.Fatalf("booking 3 nodes of 2: %v", err)
	}
	if bs, err := c.Bookings(ctx, 0); err != nil || len(bs) != 0 {
		t.Fatalf("after a refused booking: %v, %v", bs, err)
	}
	t.Logf("refused: %s", ce.Message)

	b := book(t, c, 2, window)
	providers := []string{net.Nodes[1].PeerID(), net.Nodes[2].PeerID()}
	var booked []string
	for _, n := range b.Nodes {
		booked = append(booked, n.Provider)
		if n.PerHour <= 0 {
			t.Fatalf("node %d of the booking is not priced per hour: %+v", n.Task, n)
		}
	}
	if len(booked) != 2 || !slices.Contains(booked, providers[0]) || !slices.Contains(booked, providers[1]) {
		t.Fatalf("booked %v, want both providers %v", booked, providers)
	}
	if b.EndsAt == nil || b.EndsAt.Sub(*b.StartsAt) != window {
		t.Fatalf("window %v to %v, want %s", b.StartsAt, b.EndsAt, window)
	}
	bookedAt := *b.StartsAt
	t.Logf("booking %s on %v at %s/h", b.ID, booked, b.PerHour)

	// The booking holds the providers' capacity: a job outside it waits.
	outside, err := c.Submit(ctx, sleepSpec("true"))
	if err != nil || outside.State != job.StateQueued {
		t.Fatalf("a job outside the booking while it holds every core: %+v, %v", outside, err)
	}
	if err := c.Cancel(ctx, outside.ID); err != nil {
		t.Fatal(err)
	}

	// A job into the booking runs on its nodes, in task order, unplaced.
	j, err := c.Submit(ctx, bookingSpec(b.ID, 2, 500, `echo "task $DECO_TASK_INDEX in the booking"; sleep 1`))
	if err != nil {
		t.Fatal(err)
	}
	done := waitEnded(t, c, j.ID, 60*time.Second)
	if done.State != job.StateCompleted {
		t.Fatalf("job in the booking ended %s: %s", done.State, done.Error)
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Placement) > 0 {
		t.Fatalf("the job in the booking was placed: %s", d.Placement)
	}
	for i, tk := range d.Tasks {
		if tk.Provider != booked[i] {
			t.Fatalf("task %d ran on %s, want the booking's node %d, %s", i, tk.Provider, i, booked[i])
		}
	}
	if sum, reports := charged(t, c, j.ID); sum != 0 || len(reports) != 2 {
		t.Fatalf("the job in the booking was charged %s in %d final reports, want nothing of its own in 2", sum, len(reports))
	}

	// More than the booking holds on a node is refused, with the figures.
	if _, err := c.Submit(ctx, bookingSpec(b.ID, 1, 2000, "true")); err == nil || !strings.Contains(err.Error(), "holds 1 CPU") {
		t.Fatalf("a job asking 2 cores in a booking of 1 per node: %v", err)
	}

	// A long job in the booking, then the booking is cancelled early.
	// A service job in the booking (where this node may forward: as root),
	// reached through deco forward; else a batch job that runs on.
	spec := bookingSpec(b.ID, 1, 500, "sleep 300")
	serve := os.Geteuid() == 0
	if serve {
		spec = bookingSpec(b.ID, 1, 500, `mkdir -p /tmp/www && echo "served in the booking" > /tmp/www/index.html && exec httpd -f -p 127.0.0.1:8080 -h /tmp/www`)
		spec.Kind, spec.Ports = job.KindService, []job.Port{{Name: "http", Port: 8080}}
	}
	long, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, long.ID, job.StateRunning)
	// Beside it, the provider admits only what is left of the booking.
	if _, err := c.Submit(ctx, bookingSpec(b.ID, 1, 600, "true")); err == nil || !strings.Contains(err.Error(), "free now") {
		t.Fatalf("a job asking 0.6 cores beside one of 0.5 in a booking of 1: %v", err)
	}
	if serve {
		var body string
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if body, err = httpGet(ctx, c, long.ID, "http"); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil || body != "200 OK served in the booking\n" {
			t.Fatalf("the service job in the booking through deco forward: %q, %v", body, err)
		}
	}
	time.Sleep(time.Second)
	cancelledAt := time.Now()
	if err := c.CancelBooking(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	b = waitBooking(t, c, b.ID, job.StateCancelled, 30*time.Second)
	stopped := waitEnded(t, c, long.ID, 30*time.Second)
	if stopped.State != job.StateFailed || !strings.Contains(stopped.Error, "the booking it ran in ended") {
		t.Fatalf("the job running in the cancelled booking ended %s (%q)", stopped.State, stopped.Error)
	}

	// The bill is the time held: each node's final signed report claims no
	// more than the time from the booking to its cancel (plus an interval
	// of slack), and is exactly its per-hour price for that time.
	held := cancelledAt.Sub(bookedAt)
	sum, reports := charged(t, c, b.ID)
	if len(reports) != 2 {
		t.Fatalf("%d final reports for the booking's 2 nodes", len(reports))
	}
	for i, r := range reports {
		run := time.Duration(r.RunMillis) * time.Millisecond
		if run > held+2*time.Second || run < held/2 {
			t.Fatalf("node %d reported %s held, the booking was held %s", i, run, held)
		}
	}
	full := money.Amount(int64(b.PerHour) * int64(window) / int64(time.Hour))
	if sum <= 0 || sum != b.Charged || sum*10 > full {
		t.Fatalf("charged %s (view %s) for %s held; the window would cost %s", sum, b.Charged, held, full)
	}
	t.Logf("held %s of %s: charged %s, the window would be %s", held.Round(time.Millisecond), window, sum, full)

	refusedAsEnded(t, c, b.ID)
	if len(b.Jobs) != 2 {
		t.Fatalf("the booking lists jobs %v, want the 2 that ran in it", b.Jobs)
	}
}

// TestBookingReachesItsDeadline books one node for a few seconds with a
// job running in it: at the deadline the booking completes by itself, the
// job in it is stopped, and a job sent after is refused.
func TestBookingReachesItsDeadline(t *testing.T) {
	needDocker(t)
	_, c := bookingNet(t, 500*time.Millisecond)
	ctx := context.Background()
	window := 6 * time.Second
	b := book(t, c, 1, window)
	long, err := c.Submit(ctx, bookingSpec(b.ID, 1, 1000, "sleep 300"))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, long.ID, job.StateRunning)
	b = waitBooking(t, c, b.ID, job.StateCompleted, window+20*time.Second)
	stopped := waitEnded(t, c, long.ID, 30*time.Second)
	if stopped.State != job.StateFailed || !strings.Contains(stopped.Error, "the booking it ran in ended") {
		t.Fatalf("the job running at the booking's deadline ended %s (%q)", stopped.State, stopped.Error)
	}
	_, reports := charged(t, c, b.ID)
	if len(reports) != 1 {
		t.Fatalf("%d final reports for a booking of one node", len(reports))
	}
	if run := time.Duration(reports[0].RunMillis) * time.Millisecond; run < window-time.Second || run > window+2*time.Second {
		t.Fatalf("the booking of %s reported %s held", window, run)
	}
	refusedAsEnded(t, c, b.ID)
}

// TestBookingSurvivesRestarts: the booked provider's daemon restarts and
// takes its reservation up again from its store (the requester reattaches
// to it, and a job sent into the booking after runs there), then the
// requester's daemon restarts and still has the booking, running; it is
// cancelled from there, and the bill covers the time held.
func TestBookingSurvivesRestarts(t *testing.T) {
	needDocker(t)
	// A provider stops a task its requester leaves unpaid for more than
	// an interval: the requester's restart must fit in one.
	net, c := bookingNet(t, 4*time.Second)
	ctx := context.Background()
	b := book(t, c, 1, 5*time.Minute)
	prov := 1
	if b.Nodes[0].Provider == net.Nodes[2].PeerID() {
		prov = 2
	}
	if err := net.Restart(ctx, prov); err != nil {
		t.Fatal(err)
	}
	for _, a := range net.Nodes[prov].Addrs() { // it listens on new ports
		if net.Nodes[0].Connect(ctx, a) == nil {
			break
		}
	}
	j, err := c.Submit(ctx, bookingSpec(b.ID, 1, 500, "echo after the restart"))
	if err != nil {
		t.Fatal(err)
	}
	if done := waitEnded(t, c, j.ID, 60*time.Second); done.State != job.StateCompleted || done.Provider != b.Nodes[0].Provider {
		t.Fatalf("job into the booking after its provider restarted: %s on %s (%s)", done.State, done.Provider, done.Error)
	}

	if err := net.Restart(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if c, err = client.FromDataDir(net.DataDir(0)); err != nil {
		t.Fatal(err)
	}
	after := waitBooking(t, c, b.ID, job.StateRunning, 30*time.Second)
	if after.Nodes[0].Execution != b.Nodes[0].Execution {
		t.Fatalf("the booking's execution was %s, after the restarts %s: want the same reservation", b.Nodes[0].Execution, after.Nodes[0].Execution)
	}
	time.Sleep(time.Second) // paid across the restarts
	heldFor := time.Since(*b.StartsAt)
	if err := c.CancelBooking(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	waitBooking(t, c, b.ID, job.StateCancelled, 30*time.Second)
	_, reports := charged(t, c, b.ID)
	if len(reports) != 1 {
		t.Fatalf("%d final reports", len(reports))
	}
	if run := time.Duration(reports[0].RunMillis) * time.Millisecond; run < heldFor/2 || run > heldFor+5*time.Second {
		t.Fatalf("reported %s held across the restarts, held %s", run, heldFor)
	}
}

// TestBookingEndsWhileItsProviderIsDown: the booked provider's daemon is
// down when the window ends, with a job of the booking still running in
// its container. Started again, it ends the reservation (completed, the
// time it was down not billed) and stops the job.
func TestBookingEndsWhileItsProviderIsDown(t *testing.T) {
	needDocker(t)
	net, c := bookingNet(t, 2*time.Second)
	ctx := context.Background()
	window := 3 * time.Second
	b := book(t, c, 1, window)
	long, err := c.Submit(ctx, bookingSpec(b.ID, 1, 500, "sleep 300"))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, long.ID, job.StateRunning)
	prov := 1
	if b.Nodes[0].Provider == net.Nodes[2].PeerID() {
		prov = 2
	}
	net.Stop(prov)
	down := time.Now()
	time.Sleep(window + time.Second) // the window ends meanwhile
	if err := net.Start(ctx, prov); err != nil {
		t.Fatal(err)
	}
	downFor := time.Since(down)
	for _, a := range net.Nodes[prov].Addrs() {
		if net.Nodes[0].Connect(ctx, a) == nil {
			break
		}
	}
	waitBooking(t, c, b.ID, job.StateCompleted, 20*time.Second)
	stopped := waitEnded(t, c, long.ID, 30*time.Second)
	if stopped.State != job.StateFailed || !strings.Contains(stopped.Error, "the booking it ran in ended") {
		t.Fatalf("the job whose booking ended while its provider was down ended %s (%q)", stopped.State, stopped.Error)
	}
	// The provider's last signed report (the requester, attaching after
	// the end, may not have seen it) claims the time it was up, not the
	// time it was down.
	us, err := net.Nodes[prov].Store().Usages(ctx, store.RoleProvider, b.Nodes[0].Execution)
	if err != nil || len(us) == 0 {
		t.Fatalf("the provider's reports of the reservation: %d, %v", len(us), err)
	}
	last := us[len(us)-1].Report
	if run := time.Duration(last.RunMillis) * time.Millisecond; !last.Final || run > down.Sub(*b.StartsAt)+time.Second {
		t.Fatalf("final %v report of %s held; the provider was up %s of it, then down %s", last.Final, run, down.Sub(*b.StartsAt), downFor)
	}
	refusedAsEnded(t, c, b.ID)
}
