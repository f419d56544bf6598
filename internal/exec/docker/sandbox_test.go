package docker

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/deco-network/deco/internal/job"
)

// volumeImage is the test image with a declared VOLUME, built by
// buildVolumeImage.
const volumeImage = "deco-busybox-volume:test"

// buildVolumeImage builds an image declaring VOLUME /data on top of the
// busybox test image.
func buildVolumeImage(t *testing.T) {
	t.Helper()
	ctx := t.TempDir()
	if err := os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM "+testImage+"\nVOLUME /data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command("docker", "build", "--quiet", "--tag", volumeImage, ctx)
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker build: %v: %s", err, out)
	}
}

// TestWritablePaths tries to write into every mount of the container (the
// root file system included) and checks that exactly the places the
// README lists are writable, each with the size it states: /outputs, and
// tmpfs no larger than the task's memory for /tmp, /dev/shm and the image's
// VOLUMEs (/dev is the engine's own 64 MiB tmpfs, /dev/mqueue holds
// POSIX message queues within the kernel's per-user limit).
func TestWritablePaths(t *testing.T) {
	e := engine(t, Config{})
	buildVolumeImage(t)
	task := newTask("paths", "sh", "-c", `
for m in / $(awk '{print $2}' /proc/mounts | sort -u); do
	if touch "$m/.deco-probe" 2>/dev/null; then
		rm -f "$m/.deco-probe"
		echo "W $m $(df -k "$m" | awk 'NR==2{print $2}')"
	fi
done`)
	task.Spec.Image = volumeImage
	task.Spec.Resources.Memory = 32 << 20
	task.OutputsDir = t.TempDir()
	res, out := runTask(t, e, task)
	if res.ExitCode != 0 {
		t.Fatalf("probe exited %d: %s", res.ExitCode, out)
	}
	got := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "W" {
			t.Fatalf("unexpected output line %q", line)
		}
		kib, _ := strconv.ParseInt(f[2], 10, 64)
		got[f[1]] = kib << 10
	}
	want := []string{"/data", "/dev", "/dev/mqueue", "/dev/shm", "/outputs", "/tmp"}
	if paths := slices.Sorted(func(yield func(string) bool) {
		for p := range got {
			if !yield(p) {
				return
			}
		}
	}); !slices.Equal(paths, want) {
		t.Fatalf("writable paths %v, want %v (output %q)", paths, want, out)
	}
	for _, p := range []string{"/tmp", "/dev/shm", "/data"} {
		if got[p] != 32<<20 {
			t.Errorf("%s is %d bytes, want the task's memory (%d)", p, got[p], 32<<20)
		}
	}
	if got["/dev"] > 64<<20 {
		t.Errorf("/dev is %d bytes, want at most 64MiB", got["/dev"])
	}
}

// TestScratchCountsAgainstMemory: what a task keeps in /tmp and /dev/shm
// is charged to its memory limit, so together they cannot hold more than
// it; with room to spare the same writes pass.
func TestScratchCountsAgainstMemory(t *testing.T) {
	e := engine(t, Config{})
	script := `dd if=/dev/zero of=/tmp/a bs=1M count=20 && dd if=/dev/zero of=/dev/shm/b bs=1M count=20 && echo survived`
	for _, c := range []struct {
		memory   job.ByteSize
		survives bool
	}{{32 << 20, false}, {128 << 20, true}} {
		task := newTask("scratch", "sh", "-c", script)
		task.Spec.Resources.Memory = c.memory
		res, out := runTask(t, e, task)
		survived := strings.Contains(out, "survived") && res.ExitCode == 0
		if survived != c.survives {
			t.Errorf("memory %d: 40MiB in /tmp and /dev/shm: survived %v (result %+v, logs %q), want %v",
				c.memory, survived, res, out, c.survives)
		}
	}
}

// TestEngineLogIsCapped: a task printing without end holds no more of the
// host's disk in the engine's log file than Config.LogSize.
func TestEngineLogIsCapped(t *testing.T) {
	e := engine(t, Config{LogSize: 2 << 20})
	task := newTask("logflood", "sh", "-c", "yes 0123456789abcdef0123456789abcdef | head -c 33554432")
	start(t, e, task)
	if res := wait(t, e, task.ExecutionID); res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	info, err := e.cli.ContainerInspect(context.Background(), containerName(task.ExecutionID), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(info.Container.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("32MiB printed, engine log file holds %d bytes", fi.Size())
	// json-file wraps each line in a JSON object, about 2.5 times its size.
	if fi.Size() > 2<<20+64<<10 {
		t.Fatalf("engine log file holds %d bytes, cap 2MiB", fi.Size())
	}
}
