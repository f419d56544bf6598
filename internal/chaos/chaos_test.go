package chaos

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dockerexec "github.com/deco-network/deco/internal/exec/docker"
)

var (
	flagSeed     = flag.Uint64("chaos.seed", 0, "replay this one schedule seed")
	flagN        = flag.Int("chaos.n", 0, "run this many schedules (seeds chaos.first, chaos.first+1, ...); 0: the short CI set")
	flagFirst    = flag.Uint64("chaos.first", 1000, "first seed of a chaos.n run")
	flagParallel = flag.Int("chaos.parallel", 2, "schedules run at once")
)

// ciSeeds is the short set that runs in the normal test suite: 2009
// steps a provider's clock back 70 s mid-job (its reports must not claim
// less run time than before) and fills its disk; 1 fills a disk, cuts the
// requester off the network and kills it while it withdraws; 2 kills a
// provider while it redeems and the requester mid-job; 21 cuts a provider
// off the network mid-job; 3015 cuts the requester off long enough that
// its provider stops the task unpaid, which must then run elsewhere while
// the first provider's late vouchers take back its write-off.
func ciSeeds() []uint64 { return []uint64{1, 2, 21, 2009, 3015} }

func TestGenerateIsAFunctionOfTheSeed(t *testing.T) {
	a, b, c := Generate(7), Generate(7), Generate(8)
	if a.String() != b.String() {
		t.Fatalf("same seed, different schedules:\n%s\n%s", a, b)
	}
	if a.String() == c.String() {
		t.Fatalf("seeds 7 and 8 give the same schedule %s", a)
	}
	kinds := map[Kind]bool{}
	for seed := uint64(0); seed < 200; seed++ {
		s := Generate(seed)
		if len(s.Jobs) == 0 || len(s.Faults) == 0 {
			t.Fatalf("seed %d: %s", seed, s)
		}
		for _, f := range s.Faults {
			kinds[f.Kind] = true
		}
	}
	if len(kinds) != len(Kinds()) {
		t.Fatalf("200 seeds inject only %v", kinds)
	}
}

func requireDocker(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := dockerexec.New(ctx, dockerexec.Config{})
	if err != nil {
		if os.Getenv("DECO_REQUIRE_DOCKER") != "" {
			t.Fatalf("DECO_REQUIRE_DOCKER is set: %v", err)
		}
		t.Skipf("no Docker engine: %v", err)
	}
	d.Close()
	if out, err := exec.Command(filepath.Join("..", "..", "scripts", "build-busybox-image.sh")).CombinedOutput(); err != nil {
		t.Fatalf("build image: %v\n%s", err, out)
	}
}

func buildDeco(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "deco")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/deco").CombinedOutput(); err != nil {
		t.Fatalf("build deco: %v\n%s", err, out)
	}
	return bin
}

// TestChaos runs seeded fault schedules over full job lifecycles of a
// network of separate processes and fails on any broken invariant, printing
// the seed to replay (go test -run TestChaos -chaos.seed=N, or make chaos
// SEED=N). Without flags it runs the short CI set.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node and chain processes")
	}
	requireDocker(t)
	seeds := ciSeeds()
	switch {
	case *flagSeed != 0:
		seeds = []uint64{*flagSeed}
	case *flagN > 0:
		seeds = nil
		for i := 0; i < *flagN; i++ {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	// Disk-full faults need a tmpfs per provider, so root.
	diskFull := os.Geteuid() == 0
	if !diskFull {
		if os.Getenv("DECO_REQUIRE_ROOT") != "" {
			t.Fatal("DECO_REQUIRE_ROOT is set and the test is not root: disk-full faults need a tmpfs")
		}
		t.Log("not root: disk-full faults are skipped")
	}
	// Network cuts drop packets with iptables, so root and the tool.
	netCut := IPTablesWorks()
	if netCut != nil {
		if os.Getenv("DECO_REQUIRE_ROOT") != "" {
			t.Fatalf("DECO_REQUIRE_ROOT is set and network cuts cannot work: %v", netCut)
		}
		t.Logf("network cuts are skipped: %v", netCut)
	}
	bin := buildDeco(t)
	root := t.TempDir()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var (
		mu      sync.Mutex
		results []Result
		failed  []string
	)
	sem := make(chan struct{}, max(1, *flagParallel))
	var wg sync.WaitGroup
	for _, seed := range seeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := Generate(seed)
			dir := filepath.Join(root, fmt.Sprintf("seed-%d", seed))
			res, err := Run(context.Background(), Config{Binary: bin, Dir: dir, Logger: logger.With("seed", seed), DiskFull: diskFull, NetCut: netCut == nil}, s)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s\n  harness: %v\n%s", s, err, tails(dir)))
			case len(res.Violations) > 0:
				var b strings.Builder
				for _, v := range res.Violations {
					fmt.Fprintf(&b, "\n  VIOLATION %s", v)
				}
				failed = append(failed, fmt.Sprintf("%s%s\n%s", s, b.String(), tails(dir)))
				results = append(results, res)
			default:
				results = append(results, res)
				t.Logf("seed %d passed in %s: %s; jobs %v\n  %s", seed, res.Duration.Round(time.Millisecond), s, res.Jobs,
					strings.Join(res.Outcomes, "\n  "))
			}
		}()
	}
	wg.Wait()
	report(t, results)
	for _, f := range failed {
		t.Errorf("schedule failed (replay with -chaos.seed=N / make chaos SEED=N):\n%s", f)
	}
}

// report logs the figures BENCHMARKS.md quotes.
func report(t *testing.T, rs []Result) {
	if len(rs) == 0 {
		return
	}
	byKind := map[Kind]int{}
	violations := 0
	var ds []time.Duration
	for _, r := range rs {
		for k, n := range r.Injected {
			byKind[k] += n
		}
		violations += len(r.Violations)
		ds = append(ds, r.Duration)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	var kinds []string
	for _, k := range Kinds() {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, byKind[k]))
	}
	t.Logf("chaos: %d schedules, faults %s, %d invariant violations, median schedule %s, max %s",
		len(rs), strings.Join(kinds, " "), violations, ds[len(ds)/2].Round(100*time.Millisecond), slices.Max(ds).Round(100*time.Millisecond))
}

// tails returns the last lines of a schedule's process logs.
func tails(dir string) string {
	var b strings.Builder
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		fmt.Fprintf(&b, "--- %s (last 15 lines)\n%s\n", filepath.Base(l), strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
	return b.String()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
