package devnet_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	stdnet "net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/job"
)

// TestMonitoringEndToEnd runs a container job that burns CPU and holds
// 16 MiB of memory on a paying devnet, then checks what monitoring sees of
// it: the measured use in the signed usage reports and the provider's
// samples (GET /v1/jobs/{id}/usage), the /metrics series of the requester
// and the provider, and, with Debian's prometheus, every PromQL expression
// of deploy/grafana/deco.json answered through Prometheus's HTTP API.
func TestMonitoringEndToEnd(t *testing.T) {
	needDocker(t)
	net := startWith(t, devnet.Config{UsageInterval: 500 * time.Millisecond})
	t.Cleanup(net.Close)
	ctx := context.Background()
	req, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	prov, err := client.FromDataDir(net.DataDir(1))
	if err != nil {
		t.Fatal(err)
	}
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Timeout: job.Duration(time.Minute),
		Resources: job.Resources{CPU: 1000, Memory: 128 << 20},
		Command: []string{"sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; " +
			"dd if=/dev/zero of=/dev/shm/hold bs=1M count=16 2>/dev/null; sleep 3; echo done"}}
	spec.Constraints.Providers = []string{net.Nodes[1].PeerID()}
	j, err := req.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	done, logs := waitDone(t, req, j.ID)
	if done.State != job.StateCompleted {
		t.Fatalf("job %s: %s (%s); logs %q", j.ID, done.State, done.Error, logs)
	}

	t.Run("usage", func(t *testing.T) {
		u, err := req.JobUsage(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(u.Executions) != 1 || len(u.Executions[0].Reports) == 0 {
			t.Fatalf("requester's usage: %+v, want one execution with signed reports", u)
		}
		reps := u.Executions[0].Reports
		last := reps[len(reps)-1].Report
		if last.CPUMillis < 300 || last.MemoryPeak < 16<<20 || last.MemoryPeak > 128<<20+8<<20 {
			t.Fatalf("final report's use %+v: want >= 300 ms of CPU and a memory peak between 16 and 136 MiB", last.Use)
		}
		for i := 1; i < len(reps); i++ {
			if reps[i].Report.CPUMillis < reps[i-1].Report.CPUMillis {
				t.Fatalf("CPU time fell from report %d to %d", i, i+1)
			}
		}
		pu, err := prov.JobUsage(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(pu.Executions) != 1 || len(pu.Executions[0].Samples) < 2 {
			t.Fatalf("provider's usage: %+v, want one execution with >= 2 samples", pu)
		}
		ss := pu.Executions[0].Samples
		if s := ss[len(ss)-1]; s.CPUMillis != last.CPUMillis || s.MemoryPeak != last.MemoryPeak {
			t.Fatalf("provider's last sample %+v does not match the final signed report %+v", s, last.Use)
		}
		t.Logf("%d reports, %d samples; final: %d ms CPU, %d MiB peak", len(reps), len(ss), last.CPUMillis, last.MemoryPeak>>20)
	})

	t.Run("wasm", func(t *testing.T) {
		// wazero tells a guest's linear memory, not its CPU time.
		ws := job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Wasm: &job.WasmModule{Inline: exectest.GuestModule(t)},
			Command: []string{"alloc", "24"}, Resources: job.Resources{CPU: 1000, Memory: 256 << 20}, Timeout: job.Duration(time.Minute)}
		ws.Constraints.Providers = []string{net.Nodes[1].PeerID()}
		wj, err := req.Submit(ctx, ws)
		if err != nil {
			t.Fatal(err)
		}
		if done, logs := waitDone(t, req, wj.ID); done.State != job.StateCompleted {
			t.Fatalf("wasm job: %s (%s); logs %q", done.State, done.Error, logs)
		}
		u, err := req.JobUsage(ctx, wj.ID)
		if err != nil || len(u.Executions) != 1 || len(u.Executions[0].Reports) == 0 {
			t.Fatalf("wasm job's usage: %+v %v", u, err)
		}
		reps := u.Executions[0].Reports
		if last := reps[len(reps)-1].Report; last.MemoryPeak < 24<<20 || last.CPUMillis != 0 {
			t.Fatalf("wasm job's final report: %+v, want a linear memory peak >= 24 MiB and no CPU time", last.Use)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		rm := scrape(t, net.Nodes[0].APIURL())
		pm := scrape(t, net.Nodes[1].APIURL())
		checks := []struct {
			m      map[string]float64
			series string
			min    float64
		}{
			{rm, `deco_jobs{state="completed"}`, 1},
			{rm, `deco_job_transitions_total{state="completed"}`, 1},
			{rm, `deco_placements_total{outcome="placed"}`, 1},
			{rm, `deco_placement_seconds_count`, 1},
			{rm, `deco_usage_reports_total{role="requester"}`, 1},
			{rm, `deco_spent_deco`, 1e-9},
			{rm, `deco_peers`, 2},
			{rm, `deco_catalog_offers`, 2},
			{pm, `deco_executions{state="completed"}`, 1},
			{pm, `deco_execution_duration_seconds_count{executor="docker",state="completed"}`, 1},
			{pm, `deco_execution_duration_seconds_sum{executor="docker",state="completed"}`, 3},
			{pm, `deco_quotes_total{outcome="issued"}`, 1},
			{pm, `deco_usage_reports_total{role="provider"}`, 1},
			{pm, `deco_usage_samples_total{result="ok"}`, 2},
			{pm, `deco_execution_cpu_seconds_total`, 0.3},
			{pm, `deco_earned_deco`, 1e-9},
			{pm, `deco_resource_capacity{resource="cpu"}`, 1},
			{pm, `deco_resource_capacity{resource="memory"}`, 1 << 20},
			{pm, `deco_gossip_offers_received_total`, 0},
		}
		for _, c := range checks {
			v, ok := c.m[c.series]
			if !ok || v < c.min {
				t.Errorf("%s = %v (present %v), want >= %v", c.series, v, ok, c.min)
			}
		}
		if rm[`deco_spent_deco`] != pm[`deco_earned_deco`] {
			t.Errorf("requester spent %v DECO, provider earned %v: want the same vouchers", rm[`deco_spent_deco`], pm[`deco_earned_deco`])
		}
		if v := pm[`deco_resource_used{resource="cpu"}`]; v != 0 {
			t.Errorf("cpu in use after the job ended = %v, want 0", v)
		}
		balance := false
		for k, v := range rm {
			if strings.HasPrefix(k, `deco_channel_balance_deco{`) && strings.Contains(k, `role="requester"`) && v > 0 {
				balance = true
			}
		}
		rcmgr := false
		for k := range pm {
			rcmgr = rcmgr || strings.HasPrefix(k, "libp2p_rcmgr_")
		}
		if !balance || !rcmgr {
			t.Errorf("requester's channel balance present: %v; libp2p resource-manager series present: %v", balance, rcmgr)
		}
	})

	t.Run("prometheus", func(t *testing.T) { checkDashboard(t, net) })
}

// scrape reads a node's /metrics (text format) into series -> value.
func scrape(t *testing.T, apiURL string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(apiURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// checkDashboard runs Debian's prometheus against the devnet's nodes and
// checks that every PromQL expression of the Grafana dashboard returns
// data. Only an expression about GPUs may come back empty, and only when
// no node offers a GPU.
func checkDashboard(t *testing.T, net *devnet.Net) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("DECO_REQUIRE_PROMETHEUS") != "" {
			t.Fatalf("DECO_REQUIRE_PROMETHEUS is set and there is no prometheus binary: %v", err)
		}
		t.Skipf("no prometheus binary (apt-get install prometheus): %v", err)
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "deco.json"))
	if err != nil {
		t.Fatal(err)
	}
	exprs := dashboardExprs(t, raw)
	if len(exprs) < 20 {
		t.Fatalf("the dashboard has %d expressions; want the farm and requester views (>= 20)", len(exprs))
	}
	var targets []string
	for _, n := range net.Nodes {
		u, err := url.Parse(n.APIURL())
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, strconv.Quote(u.Host))
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: deco\n    static_configs:\n      - targets: [%s]\n",
		strings.Join(targets, ", "))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:"+port)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	base := "http://127.0.0.1:" + port
	query := func(q string) ([]json.RawMessage, error) {
		resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var v struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []json.RawMessage `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			return nil, err
		}
		if v.Status != "success" {
			return nil, fmt.Errorf("%s", v.Error)
		}
		return v.Data.Result, nil
	}
	// Every node scraped at least five times: rates over 30 s have points.
	deadline := time.Now().Add(60 * time.Second)
	want := fmt.Sprintf("count(count_over_time(up{job=\"deco\"}[1m]) >= 5) == %d", len(net.Nodes))
	for {
		res, err := query(want)
		if err == nil && len(res) == 1 {
			if up, _ := query(`min(up{job="deco"})`); len(up) == 1 && strings.Contains(string(up[0]), `"1"`) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus did not scrape every node 5 times in 60 s (last: %v); stderr:\n%s", err, stderr.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	gpus, err := query(`max(deco_resource_capacity{resource="gpus"}) > 0`)
	if err != nil {
		t.Fatal(err)
	}
	noGPU := len(gpus) == 0
	vars := strings.NewReplacer(`$instance`, `.*`, `$__rate_interval`, `30s`)
	for _, e := range exprs {
		q := vars.Replace(e)
		res, err := query(q)
		switch {
		case err != nil:
			t.Errorf("%s: %v", q, err)
		case len(res) == 0 && noGPU && strings.Contains(q, "deco_gpu_"):
			t.Logf("no GPU on this machine's devnet: %s returns no data (it must where a node has GPUs)", q)
		case len(res) == 0:
			t.Errorf("%s: no data", q)
		}
	}
	t.Logf("%d dashboard expressions checked through prometheus", len(exprs))
}

// dashboardExprs returns every target expression of a Grafana dashboard,
// rows' nested panels included.
func dashboardExprs(t *testing.T, raw []byte) []string {
	t.Helper()
	type panel struct {
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels json.RawMessage `json:"panels"`
	}
	var walk func(json.RawMessage) []string
	walk = func(b json.RawMessage) []string {
		var ps []panel
		if len(b) == 0 {
			return nil
		}
		if err := json.Unmarshal(b, &ps); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			for _, tg := range p.Targets {
				if tg.Expr != "" {
					out = append(out, tg.Expr)
				}
			}
			out = append(out, walk(p.Panels)...)
		}
		return out
	}
	var d struct {
		Panels json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return walk(d.Panels)
}

// freePort returns a loopback TCP port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*stdnet.TCPAddr).Port)
}
