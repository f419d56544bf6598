package devnet_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/store"
)

// notebookImage is the notebook example's image, built by
// examples/notebook/build-image.sh.
const notebookImage = "deco-notebook:latest"

// forwardPort listens on a free port of 127.0.0.1 and carries each
// connection to port of task 0 of job id through the requester node, as
// `deco forward` does. It returns the local address.
func forwardPort(t *testing.T, c *client.Client, id, port string) string {
	t.Helper()
	return pipeListener(t, func() (io.ReadWriteCloser, error) { return c.Forward(context.Background(), id, 0, port) })
}

// jupyterMsg is a message of Jupyter's messaging protocol as the
// notebook server's websocket carries it (JSON, the channel named).
type jupyterMsg struct {
	Channel      string         `json:"channel"`
	Header       jupyterHeader  `json:"header"`
	ParentHeader jupyterHeader  `json:"parent_header"`
	Metadata     map[string]any `json:"metadata"`
	Content      map[string]any `json:"content"`
	MsgType      string         `json:"msg_type,omitempty"`
}

type jupyterHeader struct {
	MsgID    string `json:"msg_id,omitempty"`
	Session  string `json:"session,omitempty"`
	Username string `json:"username,omitempty"`
	MsgType  string `json:"msg_type,omitempty"`
	Version  string `json:"version,omitempty"`
	Date     string `json:"date,omitempty"`
}

// runCell executes code on the kernel kernelID of the Jupyter server at
// addr, over the kernel's websocket channel, and returns what the cell
// printed on stdout and its result's text/plain.
func runCell(t *testing.T, addr, token, kernelID, code string) (stdout, result string) {
	t.Helper()
	url := "ws://" + addr + "/api/kernels/" + kernelID + "/channels?token=" + token
	d := websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	ws, resp, err := d.Dial(url, http.Header{"Authorization": {"token " + token}})
	if err != nil {
		if resp != nil {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("websocket %s: %v: %s %s", url, err, resp.Status, b)
		}
		t.Fatalf("websocket %s: %v", url, err)
	}
	defer ws.Close()
	msgID, session := randomHex(t, 16), randomHex(t, 16)
	req := jupyterMsg{Channel: "shell",
		Header: jupyterHeader{MsgID: msgID, Session: session, Username: "deco", MsgType: "execute_request",
			Version: "5.3", Date: time.Now().UTC().Format(time.RFC3339Nano)},
		Metadata: map[string]any{},
		Content: map[string]any{"code": code, "silent": false, "store_history": true,
			"user_expressions": map[string]any{}, "allow_stdin": false, "stop_on_error": true}}
	if err := ws.WriteJSON(req); err != nil {
		t.Fatal(err)
	}
	// The cell is done when the shell answers execute_reply and iopub says
	// the kernel went idle after it (the outputs come between).
	var out strings.Builder
	var replied, idle bool
	ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	for !replied || !idle {
		var m jupyterMsg
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatalf("reading the kernel's messages (stdout so far %q): %v", out.String(), err)
		}
		if m.ParentHeader.MsgID != msgID {
			continue
		}
		switch typ := m.Header.MsgType; {
		case typ == "stream" && m.Content["name"] == "stdout":
			text, _ := m.Content["text"].(string)
			out.WriteString(text)
		case typ == "execute_result":
			data, _ := m.Content["data"].(map[string]any)
			result, _ = data["text/plain"].(string)
		case typ == "error":
			t.Fatalf("the cell raised %v: %v\n%v", m.Content["ename"], m.Content["evalue"], m.Content["traceback"])
		case typ == "execute_reply":
			if m.Content["status"] != "ok" {
				t.Fatalf("execute_reply: %v", m.Content)
			}
			replied = true
		case typ == "status" && m.Content["execution_state"] == "idle":
			idle = true
		}
	}
	return out.String(), result
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// TestNotebookServiceEndToEnd is issue 11's notebook example: the job spec
// of examples/notebook/notebook.yaml (Debian's jupyter-notebook in
// deco-notebook:latest as a service job, a token, the dataset as a url
// input) on a devnet. The test reaches Jupyter through the requester node
// (the path `deco forward` takes), waits for /api/status, starts a python3
// kernel session with the REST API, runs a cell over the kernel's websocket
// that reads the mounted dataset, and checks its row count and digest;
// then cancels the job: it ends cancelled, the provider's vouchers paid a
// positive amount that stops growing, and the port is no longer reachable.
func TestNotebookServiceEndToEnd(t *testing.T) {
	needImage(t, notebookImage, "DECO_REQUIRE_NOTEBOOK", "examples/notebook")
	if os.Geteuid() != 0 {
		if os.Getenv("DECO_REQUIRE_ROOT") != "" || os.Getenv("DECO_REQUIRE_NOTEBOOK") == "1" {
			t.Fatal("forwarding enters the task's network namespace, which needs root")
		}
		t.Skip("forwarding enters the task's network namespace, which needs root")
	}
	dataset, err := os.ReadFile(filepath.Join("..", "..", "examples", "train", "data", "dataset.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := len(strings.Split(strings.TrimSpace(string(dataset)), "\n")) - 1 // less the header
	base := fileServer(t, map[string][]byte{"/dataset.csv": dataset})

	// The example's spec, with this test's dataset server and a fresh token.
	spec, err := job.ParseFile(filepath.Join("..", "..", "examples", "notebook", "notebook.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Inputs) != 1 || spec.Inputs[0].Name != "dataset" || spec.Inputs[0].SHA256 != hexSHA(dataset) {
		t.Fatalf("notebook.yaml's inputs are not the one dataset input of examples/train/data/dataset.csv: %+v", spec.Inputs)
	}
	spec.Inputs[0].URL = base + "/dataset.csv"
	token := randomHex(t, 24)
	spec.Env["TOKEN"] = token
	spec.ApplyDefaults()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}

	const interval = 500 * time.Millisecond
	net := startWith(t, devnet.Config{UsageInterval: interval})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	submitted := time.Now()
	j, err := c.Submit(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	// On a failure, the 8-hour notebook must not outlive the test.
	defer func() {
		if t.Failed() {
			_ = c.Cancel(context.Background(), j.ID)
			time.Sleep(time.Second)
		}
	}()
	running := waitState(t, c, j.ID, job.StateRunning)
	addr := forwardPort(t, c, j.ID, "jupyter")
	hc := &http.Client{Timeout: 10 * time.Second}

	// Ready: /api/status answers 200 with the token.
	var status map[string]any
	for deadline := time.Now().Add(60 * time.Second); ; {
		resp, err := hc.Get("http://" + addr + "/api/status?token=" + token)
		if err == nil {
			err = fmt.Errorf("%s", resp.Status)
			if resp.StatusCode == http.StatusOK {
				err = json.NewDecoder(resp.Body).Decode(&status)
			}
			resp.Body.Close()
			if err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			var logs bytes.Buffer
			_ = c.Logs(ctx, j.ID, false, &logs)
			t.Fatalf("Jupyter never answered /api/status through the forward: %v\n%s", err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	ready := time.Since(submitted)
	t.Logf("notebook ready %.2f s after submit (running after %.2f s): /api/status %v",
		ready.Seconds(), running.UpdatedAt.Sub(submitted).Seconds(), status)
	// Without the token Jupyter refuses.
	if resp, err := hc.Get("http://" + addr + "/api/status"); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("/api/status without the token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// A session with a python3 kernel.
	body := `{"path": "dataset.ipynb", "type": "notebook", "name": "", "kernel": {"name": "python3"}}`
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/sessions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "token "+token)
	r.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	var sess struct {
		ID     string `json:"id"`
		Kernel struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"kernel"`
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &sess) != nil || sess.Kernel.ID == "" {
		t.Fatalf("POST /api/sessions: %s %s", resp.Status, b)
	}

	// A cell that reads the mounted dataset.
	code := strings.Join([]string{
		"import csv, hashlib",
		"data = open('/inputs/dataset', 'rb').read()",
		"print(hashlib.sha256(data).hexdigest())",
		"sum(1 for _ in csv.DictReader(data.decode().splitlines()))",
	}, "\n")
	cellStart := time.Now()
	stdout, result := runCell(t, addr, token, sess.Kernel.ID, code)
	if want := hexSHA(dataset) + "\n"; stdout != want {
		t.Fatalf("the cell printed %q, want the dataset's SHA-256 %q", stdout, want)
	}
	if result != fmt.Sprint(rows) {
		t.Fatalf("the cell counted %q rows, want %d", result, rows)
	}
	t.Logf("cell on kernel %s (%s) counted %s rows of /inputs/dataset in %.2f s", sess.Kernel.ID, sess.Kernel.Name, result, time.Since(cellStart).Seconds())

	// The bill runs while the notebook does.
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	req, prov := net.Nodes[0], nodeByPeer(t, net, d.Provider)
	waitPaid(t, req, d.ExecutionID)
	paid := func() (requester, provider money.Amount, seq uint64) {
		t.Helper()
		due := lastDue(t, req, d.ExecutionID)
		vs, err := prov.Store().Vouchers(ctx, store.RoleProvider, d.ExecutionID)
		if err != nil || len(vs) == 0 {
			t.Fatalf("the provider holds no voucher for %s (%v)", d.ExecutionID, err)
		}
		last := vs[len(vs)-1]
		return due, last.Voucher.Cumulative, last.Seq
	}

	if err := c.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	got := waitState(t, c, j.ID, job.StateCancelled)
	due, total, seq := paid()
	time.Sleep(3 * interval)
	due2, total2, seq2 := paid()
	if due2 != due || total2 != total || seq2 != seq {
		t.Fatalf("billed after the cancel: due %s, provider's vouchers %s (seq %d), then %s, %s (seq %d)", due, total, seq, due2, total2, seq2)
	}
	if due <= 0 || total <= 0 || total < due {
		t.Fatalf("the notebook ran unpaid: due %s, provider's voucher total %s", due, total)
	}
	var ce *client.Error
	if conn, err := c.Forward(ctx, j.ID, 0, "jupyter"); !errors.As(err, &ce) || ce.Status != http.StatusConflict {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("forward after the cancel: %v", err)
	}
	dd, err := c.Job(ctx, j.ID)
	if err != nil || len(dd.Usage) == 0 {
		t.Fatalf("no usage reports: %v", err)
	}
	last := dd.Usage[len(dd.Usage)-1].Report
	t.Logf("notebook %s ran %d ms, billed %s in %d reports; the provider's voucher total %s", got.State, last.RunMillis, due, seq, total)
}
