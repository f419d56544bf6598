package devnet_test

import (
	"bytes"
	"context"
	"encoding/json"
	stdnet "net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
)

var (
	initOnce sync.Once
	initPath string
	initErr  error
)

// needLinks skips (or, with DECO_REQUIRE_ROOT, fails) where job networks
// cannot be made, and returns a static deco binary for the task init.
func needLinks(t *testing.T) string {
	t.Helper()
	needDocker(t)
	if _, err := os.Stat("/dev/net/tun"); os.Geteuid() != 0 || err != nil {
		if os.Getenv("DECO_REQUIRE_ROOT") != "" {
			t.Fatalf("DECO_REQUIRE_ROOT is set: job networks need root and /dev/net/tun (%v)", err)
		}
		t.Skip("job networks need root and /dev/net/tun")
	}
	initOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deco-init-")
		if err != nil {
			initErr = err
			return
		}
		initPath = filepath.Join(dir, "deco")
		cmd := exec.Command("go", "build", "-o", initPath, "../../cmd/deco")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			initErr = err
			t.Log(string(out))
		}
	})
	if initErr != nil {
		t.Fatalf("build the task init binary: %v", initErr)
	}
	return initPath
}

// outside serves HTTP on every address of the host and returns one that
// is not loopback (the Docker bridge's where there is one): a linked task
// must not reach it.
func outside(t *testing.T) string {
	t.Helper()
	l, err := stdnet.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	var ip string
	ifaces, _ := stdnet.Interfaces()
	for _, ifc := range ifaces {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			n, ok := a.(*stdnet.IPNet)
			if !ok || n.IP.To4() == nil || n.IP.IsLoopback() {
				continue
			}
			if ip == "" || ifc.Name == "docker0" {
				ip = n.IP.String()
			}
		}
	}
	if ip == "" {
		t.Fatal("the host has no IPv4 address but loopback")
	}
	return stdnet.JoinHostPort(ip, strconv.Itoa(l.Addr().(*stdnet.TCPAddr).Port))
}

// sendToTask1 is the part of a linked job's script in which task 0 sends
// task 1 a line over TCP on the job network, retrying until task 1
// answers "ok" (it listens, and it read the line); task 1 writes what it
// got to /outputs/got, listening again after a connection that brought
// nothing (seen once in a while: a connection closed before its line).
const sendToTask1 = `if [ "$DECO_TASK_INDEX" = 1 ]; then
	for i in $(seq 1 10); do
		timeout 30 nc -l -p 5000 -e sh -c 'read line; echo "$line" > /outputs/got; echo ok'
		if [ -s /outputs/got ]; then break; fi
	done
else
	for i in $(seq 1 100); do
		if [ "$(echo "hello from task $DECO_TASK_INDEX" | nc -w 1 task-1 5000)" = ok ]; then break; fi
		sleep 0.2
	done
fi`

// TestLinkedJobEndToEnd runs a job with links on two providers: each task
// gets its address on the job network, the names of the others in
// /etc/hosts and the rendezvous variables; task 0 sends a line over TCP
// to task 1 through the providers' libp2p connection; and neither reaches
// anything outside its job.
func TestLinkedJobEndToEnd(t *testing.T) {
	init := needLinks(t)
	net := startWith(t, devnet.Config{TaskInit: init})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	script := `set -e
ip -4 addr show deco0 | grep -o 'inet [0-9./]*' > /outputs/addr
grep task- /etc/hosts > /outputs/hosts
echo "$MASTER_ADDR $MASTER_PORT $DECO_TASK_ADDRS $GLOO_SOCKET_IFNAME" > /outputs/env
printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 ${OUTSIDE%:*} ${OUTSIDE##*:} > /outputs/outside 2>/dev/null || true
` + sendToTask1
	spec := job.Spec{APIVersion: job.APIVersion, Image: image, Tasks: 2, Network: job.NetworkPolicy{Links: true},
		Command: []string{"sh", "-c", script}, Env: map[string]string{"OUTSIDE": outside(t)}}
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var buf bytes.Buffer
	if err := c.Logs(ctx, j.ID, true, &buf); err != nil {
		d, _ := c.Job(context.Background(), j.ID)
		b, _ := json.MarshalIndent(d, "", " ")
		t.Fatalf("follow logs: %v\n%s\n%s", err, buf.String(), b)
	}
	got, logs := waitDone(t, c, j.ID)
	if got.State != job.StateCompleted {
		t.Fatalf("job ended %s: %s\n%s", got.State, got.Error, logs)
	}
	d, err := c.Job(context.Background(), j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Tasks[0].Provider == d.Tasks[1].Provider {
		t.Fatalf("both tasks on %s: the test wants the packets to cross providers", d.Tasks[0].Provider)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := c.Outputs(context.Background(), j.ID, out); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(out, "task-1", "got")); got != "hello from task 0\n" {
		t.Fatalf("task 1 received %q over the job network", got)
	}
	env := strings.Fields(readFile(t, filepath.Join(out, "task-0", "env")))
	if len(env) != 4 || env[1] != job.DefaultMasterPort || env[3] != "deco0" || !strings.HasPrefix(env[2], env[0]+",") {
		t.Fatalf("task 0's environment: %q", env)
	}
	addrs := strings.Split(env[2], ",")
	for i, a := range addrs {
		dir := filepath.Join(out, "task-"+string(rune('0'+i)))
		if got := readFile(t, filepath.Join(dir, "addr")); !strings.HasPrefix(got, "inet "+a+"/") || !strings.HasPrefix(a, "100.") {
			t.Errorf("task %d's interface: %q, want %s in 100.64.0.0/10", i, got, a)
		}
		if hosts := readFile(t, filepath.Join(dir, "hosts")); !strings.Contains(hosts, addrs[0]+"\ttask-0") || !strings.Contains(hosts, addrs[1]+"\ttask-1") {
			t.Errorf("task %d's /etc/hosts: %q", i, hosts)
		}
		if got := readFile(t, filepath.Join(dir, "outside")); got != "" {
			t.Errorf("task %d reached an address outside its job: %q", i, got)
		}
	}
}
