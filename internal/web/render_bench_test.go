package web_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/node"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// Size of the benchmark's store.
const (
	benchJobs = 10_000
	// benchReports is the usage reports (and vouchers) of the job the job
	// page shows: 30 minutes of a task reporting every 5 s.
	benchReports = 360
)

// BenchmarkDashboardRender is one dashboard page served by a real node
// whose store (SQLite) holds 10,000 jobs: the jobs list (newest 50, all
// states and one state) and a job's page with 360 usage reports and
// vouchers, over HTTP on loopback with a session cookie, as a browser
// asks. It reports the p50 and p95 of the server's answer time.
func BenchmarkDashboardRender(b *testing.B) {
	ctx := context.Background()
	n, err := node.New(ctx, node.Config{DataDir: b.TempDir(), ThrowawayKey: true, NoDocker: true, NoWasm: true, NoDHT: true,
		APIAddr: "127.0.0.1:0", ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close()
	target := fillStore(b, n.Store())
	fillExecutions(b, n)
	hc := login(b, n)
	pages := []struct{ name, path string }{
		{"jobs", "/ui/jobs"},
		{"jobs-completed", "/ui/jobs?state=completed"},
		{"job", "/ui/jobs/" + target},
		{"provider", "/ui/provider"},
		{"provider-7d", "/ui/provider?span=7d"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			get(b, hc, n.APIURL()+p.path) // warm
			var took []time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				get(b, hc, n.APIURL()+p.path)
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(ms(took[len(took)/2]), "p50-ms")
			b.ReportMetric(ms(took[(len(took)*95)/100]), "p95-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fillStore writes benchJobs jobs over the last 10 days and the usage
// reports and vouchers of one running job; it returns that job's ID.
func fillStore(b *testing.B, st *store.Store) string {
	ctx := context.Background()
	now := time.Now()
	states := []job.State{job.StateCompleted, job.StateCompleted, job.StateFailed, job.StateRunning, job.StateCancelled, job.StateQueued}
	rows := make([]store.Job, 0, benchJobs)
	for i := range benchJobs {
		at := now.Add(-time.Duration(benchJobs-i) * time.Minute)
		id, err := job.NewIDAt(at, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, store.Job{ID: id, Name: fmt.Sprintf("train-%d", i), State: states[i%len(states)], CreatedAt: at, UpdatedAt: at,
			Provider: "16Uiu2HAm3Rd6mSw2t5Dwx6ejt3xaiV8u3pMf45R9GgCTdFDSELDm", ExecutionID: fmt.Sprintf("x%025d", i),
			Spec: job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Command: []string{"sh", "-c", "python train.py"},
				Resources: job.Resources{CPU: 1000, Memory: 512 * job.MiB, Disk: job.GiB}}})
	}
	if err := st.CreateJobs(ctx, rows); err != nil {
		b.Fatal(err)
	}
	target := rows[len(rows)-3] // a running one, among the newest
	req, prov := identity.Address{1}, identity.Address{2}
	for seq := uint64(1); seq <= benchReports; seq++ {
		at := target.CreatedAt.Add(time.Duration(seq) * 5 * time.Second)
		due := money.Amount(seq * 1000)
		if _, err := st.PutUsage(ctx, store.RoleRequester, store.Usage{JobID: target.ID, Requester: req, Provider: prov, At: at,
			Report: market.UsageReport{Execution: target.ExecutionID, Seq: seq, RunMillis: seq * 5000, AmountDue: due,
				Use: market.Use{CPUMillis: seq * 4000, MemoryPeak: 300 << 20}, Signature: []byte{1}}}); err != nil {
			b.Fatal(err)
		}
		if err := st.PutVoucher(ctx, store.RoleRequester, store.Voucher{Execution: target.ExecutionID, Seq: seq, At: at,
			Voucher: settle.SignedVoucher{Requester: req, Provider: prov, Cumulative: due, Signature: []byte{1}}}); err != nil {
			b.Fatal(err)
		}
	}
	return target.ID
}

// benchSamples is the usage samples of each of the benchmark's
// executions (one a minute apart, as the jobs; sampled every 10 s).
const benchSamples = 6

// fillExecutions onboards the node and writes benchJobs executions as its
// provider, one a minute (the last 7 days), a sixth of them still
// running, each with benchSamples usage samples: the provider page's
// utilisation chart reads those in its window (about 2,900 executions
// in 24 h with the running ones, all 10,000 in 7 days).
func fillExecutions(b *testing.B, n *node.Node) {
	ctx := context.Background()
	c := client.New(n.APIURL(), n.Token())
	v, err := c.Onboarding(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Onboard(ctx, provider.Policy{Share: v.Default}); err != nil {
		b.Fatal(err)
	}
	st := n.Store()
	now := time.Now()
	states := []job.State{job.StateCompleted, job.StateCompleted, job.StateFailed, job.StateRunning, job.StateCancelled, job.StateCompleted}
	for i := range benchJobs {
		at := now.Add(-time.Duration(benchJobs-i) * time.Minute)
		e := store.Execution{ID: fmt.Sprintf("p%025d", i), JobID: fmt.Sprintf("j%025d", i), Requester: "0x01", State: states[i%len(states)],
			CreatedAt: at, UpdatedAt: at.Add(benchSamples * 10 * time.Second),
			Spec: job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Resources: job.Resources{CPU: 500, Memory: 128 * job.MiB}}}
		if err := st.PutExecution(ctx, e); err != nil {
			b.Fatal(err)
		}
		for k := range uint64(benchSamples) {
			if err := st.PutUsageSample(ctx, store.UsageSample{Execution: e.ID, JobID: e.JobID, At: at.Add(time.Duration(k+1) * 10 * time.Second),
				CPUMillis: (k + 1) * 4000, Memory: 100 << 20}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// login gets a session as `deco dashboard` and a browser would.
func login(b *testing.B, n *node.Node) *http.Client {
	l, err := client.New(n.APIURL(), n.Token()).DashboardLogin(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	get(b, hc, l.URL)
	return hc
}

func get(b *testing.B, hc *http.Client, url string) {
	resp, err := hc.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %s", url, resp.Status)
	}
}
