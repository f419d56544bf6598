package devnet_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
)

// lockedBuffer collects every node's logs.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDataDirIsPrivateAndSecretsStayOut runs a paid container job with
// url and inline inputs and outputs on a devnet, capturing every log line
// and the answers of every read endpoint of every node. Then every file
// and directory in each data directory is private to the node's user
// (bar what the container must reach), and no log line or API answer holds
// a keystore passphrase, a node's private key (which also signs its
// vouchers) or an API bearer token.
func TestDataDirIsPrivateAndSecretsStayOut(t *testing.T) {
	needDocker(t)
	var logs lockedBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	net, err := devnet.Start(ctx, devnet.Config{Nodes: 3, Dir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	dataset := []byte("col\n1\n2\n")
	base := fileServer(t, map[string][]byte{"/d.csv": dataset})
	spec := job.Spec{APIVersion: job.APIVersion, Image: image,
		Inputs: []job.Input{
			{Name: "data", URL: base + "/d.csv", SHA256: hexSHA(dataset)},
			{Name: "cfg", Inline: &job.InlineInput{Files: map[string]string{"sub/a.txt": "inline"}}},
		},
		Command: []string{"sh", "-c", `cat /inputs/data /inputs/cfg/sub/a.txt; mkdir /outputs/d; cp /inputs/data /outputs/d/; echo hi > /outputs/x; echo started; sleep 2`}}
	sub, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	// While the task runs, its inputs are on the provider's disk.
	waitLog(t, c, sub.ID, "started")
	var during []string
	for i := range net.Nodes {
		during = append(during, privateModes(t, net.DataDir(i))...)
	}
	got, jobLogs := waitDone(t, c, sub.ID)
	if got.State != job.StateCompleted {
		t.Fatalf("job %s: %s\nlogs: %s", got.State, got.Error, jobLogs)
	}
	out := outputs(t, c, got.ID)
	if readFile(t, filepath.Join(out, "x")) != "hi\n" {
		t.Fatal("outputs do not hold the task's file")
	}

	// Every answer the API gives, raw, for each node.
	var answers bytes.Buffer
	for i := range net.Nodes {
		n := net.Nodes[i]
		paths := []string{"/v1/id", "/v1/peers", "/v1/offers", "/v1/onboarding", "/v1/jobs", "/v1/wallet", "/metrics",
			"/v1/jobs/" + got.ID, "/v1/jobs/" + got.ID + "/logs", "/v1/jobs/no-such-job"}
		for _, p := range paths {
			answers.WriteString(get(t, n.APIURL()+p, n.Token()))
		}
		answers.WriteString(get(t, n.APIURL()+"/v1/id", "wrong-token"))
		answers.WriteString(post(t, n.APIURL()+"/v1/wallet/redeem", n.Token(), `{}`))
	}
	if !strings.Contains(answers.String(), net.Nodes[1].PeerID()) {
		t.Fatalf("the API answers miss the providers:\n%s", answers.String())
	}

	t.Run("modes", func(t *testing.T) {
		var after []string
		for i := range net.Nodes {
			after = append(after, privateModes(t, net.DataDir(i))...)
		}
		// Inputs were checked while they existed.
		if !slices.ContainsFunc(during, func(p string) bool { return strings.Contains(p, "/inputs/cfg/sub/a.txt") }) {
			t.Errorf("the walk during the run saw no inputs: %q", during)
		}
		for _, want := range []string{"keystore/" + identity.KeyFile, "deco.db-wal", api.TokenFile, "/outputs/x"} {
			if !slices.ContainsFunc(after, func(p string) bool { return strings.HasSuffix(p, want) }) {
				t.Errorf("the walk saw no %s: %q", want, after)
			}
		}
	})

	t.Run("secrets", func(t *testing.T) {
		haystacks := map[string]string{"logs": strings.ToLower(logs.String()), "API answers": strings.ToLower(answers.String())}
		for i, n := range net.Nodes {
			ks := filepath.Join(net.DataDir(i), api.KeystoreDir)
			pass, err := identity.ReadThrowawayPassphrase(ks)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(ks, identity.KeyFile))
			if err != nil {
				t.Fatal(err)
			}
			k, err := identity.DecryptKey(raw, pass)
			if err != nil {
				t.Fatal(err)
			}
			priv := hex.EncodeToString(k.Bytes())
			secrets := map[string]string{"passphrase": pass, "private key": priv, "0x private key": "0x" + priv, "API token": n.Token()}
			for what, s := range secrets {
				for where, h := range haystacks {
					if strings.Contains(h, strings.ToLower(s)) {
						t.Errorf("node%d's %s is in the %s", i, what, where)
					}
				}
			}
		}
		if !strings.Contains(haystacks["logs"], "throwaway dev key") {
			t.Error("the log does not say the devnet keys are throwaway")
		}
	})
}

func get(t *testing.T, url, token string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return answer(t, req, token)
}

func post(t *testing.T, url, token, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return answer(t, req, token)
}

func answer(t *testing.T, req *http.Request, token string) string {
	t.Helper()
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return req.Method + " " + req.URL.Path + " " + resp.Status + "\n" + string(b) + "\n"
}

// privateModes checks that every file and directory under a node's data
// directory root is private to the node's user (mode & 0o077 == 0), bar
// the paths a task's container reaches through its bind mounts (inputs
// readable and outputs writable by a container that may run as another
// user) and the job results a requester keeps with the permission bits
// their digest covers. Those are never writable by others, and their
// parents (the data directory, executions/ and jobs/, all 0700) keep every
// other user of the host out. It returns the paths it saw.
func privateModes(t *testing.T, root string) []string {
	t.Helper()
	exempt := regexp.MustCompile(`^(executions/[^/]+/(inputs|outputs)|jobs/[^/]+/outputs)(/|$)`)
	var seen []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking (a running node)
			}
			return err
		}
		info, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		seen = append(seen, root+"/"+rel)
		perm := info.Mode().Perm()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
		case rel != "." && exempt.MatchString(rel):
			if perm&0o022 != 0 && !strings.Contains(rel, "/outputs") {
				t.Errorf("%s/%s: others may write it (mode %04o)", root, rel, perm)
			}
		case perm&0o077 != 0:
			t.Errorf("%s/%s is open to other users (mode %04o)", root, rel, perm)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seen
}
