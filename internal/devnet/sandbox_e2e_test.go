package devnet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/provider"
)

// needVolumes skips (fails under DECO_REQUIRE_VOLUMES) when the devnet's
// providers could not use size-limited volumes.
func needVolumes(t *testing.T, net *devnet.Net) {
	t.Helper()
	for _, n := range net.Nodes[1:] {
		if q := n.Provider().DiskQuota(); q != provider.DiskQuotaVolume {
			if os.Getenv("DECO_REQUIRE_VOLUMES") != "" {
				t.Fatalf("DECO_REQUIRE_VOLUMES is set and the provider holds disk by %q, not volumes (needs root, loop devices, mkfs.ext4)", q)
			}
			t.Skipf("providers use %q: no volumes here", q)
		}
	}
}

// execDir finds the execution directory of a job's execution on whichever
// provider ran it.
func execDir(t *testing.T, net *devnet.Net, executionID string) string {
	t.Helper()
	for i := 1; i < len(net.Nodes); i++ {
		d := filepath.Join(net.DataDir(i), "executions", executionID)
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	t.Fatalf("no provider holds execution %s", executionID)
	return ""
}

// allocated is what a file or tree really takes on the host's disk.
func allocated(t *testing.T, root string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(root, func(_ string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n += fi.Sys().(*syscall.Stat_t).Blocks * 512
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDiskRequestHoldsAFullSpeedWriter: a task writing to /outputs as fast
// as it can (and to every other place it might) holds no more of the
// provider's disk than its request, and fails saying its disk is full.
func TestDiskRequestHoldsAFullSpeedWriter(t *testing.T) {
	needDocker(t)
	net := start(t, t.TempDir())
	defer net.Close()
	needVolumes(t, net)
	c, _ := client.FromDataDir(net.DataDir(0))
	const disk = 64 << 20
	t0 := time.Now()
	got, logs := submitWait(t, c, job.Spec{APIVersion: job.APIVersion, Image: image,
		Resources: job.Resources{Disk: disk},
		Command: []string{"sh", "-c", `dd if=/dev/zero of=/outputs/big bs=1M 2>&1 | tail -1
dd if=/dev/zero of=/outputs/more bs=4k 2>&1 | tail -1
sync
dd if=/dev/zero of=/outputs/last bs=1M count=1`}})
	took := time.Since(t0)
	if got.State != job.StateFailed || !strings.Contains(got.Error, "/outputs is full: the job asked for 64MiB of disk") {
		t.Fatalf("job %s (%q), want failed for its full disk; logs %s", got.State, got.Error, logs)
	}
	dir := execDir(t, net, got.ExecutionID)
	img := allocated(t, filepath.Join(dir, "outputs.img"))
	// The outputs directory is the image's file system, counted in img.
	all := allocated(t, dir) - allocated(t, filepath.Join(dir, "logs")) - allocated(t, filepath.Join(dir, "outputs"))
	t.Logf("request %d: outputs.img takes %d (%.1f%%), execution dir without logs %d, job took %s; logs %s",
		disk, img, 100*float64(img)/disk, all, took, logs)
	if img > disk || all > disk+(64<<10) {
		t.Fatalf("the execution holds %d bytes of the provider's disk (image %d), request %d", all, img, disk)
	}
	if img < disk*85/100 {
		t.Fatalf("the task could write only %d of its %d bytes", img, disk)
	}
	for _, n := range net.Nodes[1:] {
		if r := n.Provider().Running(); r != 0 {
			t.Fatalf("provider still runs %d executions", r)
		}
	}
}

// TestErrorsShowNoHostPaths runs a job down every way a task fails on a
// provider and checks that no error or event its requester sees names a
// provider's host paths.
func TestErrorsShowNoHostPaths(t *testing.T) {
	needDocker(t)
	dir := t.TempDir()
	net := start(t, dir)
	defer net.Close()
	c, _ := client.FromDataDir(net.DataDir(0))
	srv := fileServer(t, map[string][]byte{"/data.txt": []byte("twelve bytes"), "/big": make([]byte, 4<<20)})
	small := job.Resources{CPU: 100, Memory: 32 << 20, Disk: 2 << 20}
	spec := func(script string) job.Spec {
		s := sleepSpec(script)
		s.Resources = small
		return s
	}
	cases := map[string]struct {
		spec job.Spec
		want string // a part of the job's error
	}{
		"fifo in outputs": {spec("mkfifo /outputs/pipe"), "pipe is a named pipe"},
		"symlink out":     {spec("ln -s /etc/passwd /outputs/link"), "link"},
		"exit code":       {spec("exit 3"), "exit code 3"},
		"timeout":         {func() job.Spec { s := spec("sleep 30"); s.Timeout = job.Duration(2 * time.Second); return s }(), "timed out after 2s"},
		"out of memory": {func() job.Spec {
			s := spec("dd if=/dev/zero of=/dev/null bs=64M count=1")
			s.Resources.Memory = 16 << 20
			return s
		}(), "out of memory"},
		"disk full":         {spec("dd if=/dev/zero of=/outputs/f bs=1M"), ""},
		"no such command":   {func() job.Spec { s := spec(""); s.Command = []string{"/no/such/program"}; return s }(), ""},
		"image not present": {func() job.Spec { s := spec("true"); s.Image = "deco-no-such-image:never"; return s }(), "deco-no-such-image"},
		"input not found": {func() job.Spec {
			s := spec("true")
			s.Inputs = []job.Input{{Name: "x", URL: srv + "/missing", InsecureSkipHash: true}}
			return s
		}(), "fetch input x"},
		"input digest": {func() job.Spec {
			s := spec("true")
			s.Inputs = []job.Input{{Name: "x", URL: srv + "/data.txt", SHA256: strings.Repeat("0", 64)}}
			return s
		}(), "fetch input x"},
		"input over disk": {func() job.Spec {
			s := spec("true")
			s.Inputs = []job.Input{{Name: "x", URL: srv + "/big", InsecureSkipHash: true}}
			return s
		}(), "fetch input x"},
		"wasm module absent": {job.Spec{APIVersion: job.APIVersion, Executor: job.ExecutorWasm, Resources: small, Wasm: &job.WasmModule{URL: srv + "/missing.wasm", SHA256: strings.Repeat("0", 64)}}, "wasm module"},
	}
	hostPaths := []string{dir, "/executions/", "outputs.img", "/var/lib/docker"}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		hostPaths = append(hostPaths, real)
	}
	var wg sync.WaitGroup
	for name, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			tc.spec.MaxAttempts = 1
			j, err := c.Submit(ctx, tc.spec)
			if err != nil {
				t.Errorf("%s: submit: %v", name, err)
				return
			}
			for {
				d, err := c.Job(ctx, j.ID)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					return
				}
				if !d.State.Terminal() {
					time.Sleep(200 * time.Millisecond)
					continue
				}
				texts := []string{d.Error}
				for _, e := range d.Events {
					texts = append(texts, e.Message)
				}
				for _, a := range d.Attempts {
					texts = append(texts, fmt.Sprint(a))
				}
				t.Logf("%s: %s: %q", name, d.State, d.Error)
				if d.State == job.StateCompleted {
					t.Errorf("%s: completed, want a failure", name)
				}
				if !strings.Contains(d.Error, tc.want) {
					t.Errorf("%s: error %q, want it to say %q", name, d.Error, tc.want)
				}
				for _, text := range texts {
					for _, p := range hostPaths {
						if strings.Contains(text, p) {
							t.Errorf("%s: %q shows the provider's host path %q", name, text, p)
						}
					}
				}
				return
			}
		}()
	}
	wg.Wait()
}

// TestDataDirIsPrivate: a node makes its data directory (even one that
// existed world-readable) and its database private to its user.
func TestDataDirIsPrivate(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "node0"), 0o755); err != nil {
		t.Fatal(err)
	}
	net := startWith(t, devnet.Config{Dir: dir, NoDocker: true, NoChain: true, Nodes: 2})
	defer net.Close()
	for _, p := range []string{net.DataDir(0), filepath.Join(net.DataDir(0), "deco.db"), filepath.Join(net.DataDir(1), "deco.db")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want it private to the node's user", p, fi.Mode().Perm())
		}
	}
}
