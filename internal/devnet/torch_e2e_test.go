package devnet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/store"
)

// torchImage is the torch example's image, built by
// examples/torch/build-image.sh.
const torchImage = "deco-torch:latest"

// lossTolerance is how far, relatively, the data-parallel run's final loss
// may be from the single process's: both train in float64 on the same
// rows, so only the order of the gradient sums differs.
const lossTolerance = 1e-9

// torchRun submits spec and follows it to its end, for jobs that import
// torch in several containers at once on a small machine (longer than
// waitDone allows).
func torchRun(t *testing.T, c *client.Client, spec job.Spec) (store.Job, string) {
	t.Helper()
	spec.ApplyDefaults()
	if err := spec.Validate(); err != nil {
		t.Fatal(err)
	}
	j, err := c.Submit(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var logs strings.Builder
	if err := c.Logs(ctx, j.ID, true, &logs); err != nil {
		t.Fatalf("follow logs of %s: %v\n%s", j.ID, err, logs.String())
	}
	d, err := c.Job(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != job.StateCompleted {
		t.Fatalf("job %s ended %s: %s\n%s", j.ID, d.State, d.Error, logs.String())
	}
	if n := spec.TaskCount(); n > 1 {
		seen := map[string]bool{}
		for _, tk := range d.Tasks {
			seen[tk.Provider] = true
		}
		if len(seen) != n {
			t.Fatalf("the %d tasks ran on %d providers, want one each", n, len(seen))
		}
	}
	return d.Job, logs.String()
}

// ddpMetrics is ddp.py's metrics.json.
type ddpMetrics struct {
	Rank       int     `json:"rank"`
	WorldSize  int     `json:"world_size"`
	ShardRows  int     `json:"shard_rows"`
	FinalLoss  float64 `json:"final_loss"`
	Accuracy   float64 `json:"accuracy"`
	StepMedian float64 `json:"median_step_seconds"`
	Params     string  `json:"parameters_sha256"`
}

// TestTorchDistributedEndToEnd is issue 9's example: Debian's python3-torch
// in examples/torch's image, on 3 providers of a devnet, linked by the job
// network. A gloo all-reduce across the 3 containers; a
// DistributedDataParallel training, each rank on its shard, whose final
// loss matches a single process trained on all the rows; and a split
// inference (an array job) with the trained model, whose per-task
// predictions, combined in task order, score what the training measured.
func TestTorchDistributedEndToEnd(t *testing.T) {
	init := needLinks(t)
	needImage(t, torchImage, "DECO_REQUIRE_TORCH", "examples/torch")
	code := map[string]string{}
	for _, name := range []string{"allreduce.py", "ddp.py", "infer.py"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "torch", name))
		if err != nil {
			t.Fatal(err)
		}
		code[name] = string(b)
	}
	dataset, err := os.ReadFile(filepath.Join("..", "..", "examples", "train", "data", "dataset.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// The inference input: the dataset's points without header and labels.
	var points strings.Builder
	var labels []string
	for i, line := range strings.Split(strings.TrimSpace(string(dataset)), "\n") {
		if f := strings.Split(line, ","); i > 0 && len(f) == 3 {
			points.WriteString(f[0] + "," + f[1] + "\n")
			labels = append(labels, f[2])
		}
	}
	base := fileServer(t, map[string][]byte{"/dataset.csv": dataset, "/points.csv": []byte(points.String())})

	share := job.Resources{CPU: 1000, Memory: 1 << 30, Disk: 2 << 30}
	net := startWith(t, devnet.Config{Nodes: 4, TaskInit: init, Share: &share})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	spec := func(tasks int, links bool, script string, inputs ...job.Input) job.Spec {
		return job.Spec{APIVersion: job.APIVersion, Image: torchImage, Tasks: tasks,
			Network:     job.NetworkPolicy{Links: links},
			Constraints: job.Constraints{Group: job.Group{DistinctProviders: true}},
			Resources:   job.Resources{CPU: 500, Memory: 768 << 20, Disk: 256 << 20},
			Inputs:      append([]job.Input{{Name: "code", Inline: &job.InlineInput{Files: code}}}, inputs...),
			Command:     []string{"sh", "-c", "cd /inputs/code && exec python3 " + script},
			Timeout:     job.Duration(10 * time.Minute)}
	}
	data := job.Input{Name: "dataset", URL: base + "/dataset.csv", SHA256: hexSHA(dataset)}

	// 1. The all-reduce.
	j, logs := torchRun(t, c, spec(3, true, "allreduce.py"))
	out := outputs(t, c, j.ID)
	for i := range 3 {
		var r struct {
			Rank   int       `json:"rank"`
			World  int       `json:"world_size"`
			Sum    []float64 `json:"sum"`
			OK     bool      `json:"ok"`
			Median float64   `json:"median_seconds"`
		}
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, fmt.Sprintf("task-%d", i), "allreduce.json"))), &r); err != nil {
			t.Fatal(err)
		}
		if r.Rank != i || r.World != 3 || !r.OK || len(r.Sum) == 0 || r.Sum[0] != 6 {
			t.Fatalf("task %d's all-reduce: %+v\n%s", i, r, logs)
		}
		t.Logf("task %d: all-reduce of 1M floats across 3 providers: median %.2f ms", i, r.Median*1000)
	}

	// 2. Data-parallel training, and the single process it must match.
	j, logs = torchRun(t, c, spec(3, true, "ddp.py", data))
	ddpOut := outputs(t, c, j.ID)
	var ranks [3]ddpMetrics
	for i := range ranks {
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(ddpOut, fmt.Sprintf("task-%d", i), "metrics.json"))), &ranks[i]); err != nil {
			t.Fatal(err)
		}
		if m := ranks[i]; m.Rank != i || m.WorldSize != 3 || m.ShardRows != 1000 || m.Params != ranks[0].Params {
			t.Fatalf("rank %d: %+v (rank 0 has parameters %s)\n%s", i, m, ranks[0].Params, logs)
		}
	}
	j, logs = torchRun(t, c, spec(1, false, "ddp.py", data))
	var single ddpMetrics
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(outputs(t, c, j.ID), "metrics.json"))), &single); err != nil {
		t.Fatal(err)
	}
	if single.WorldSize != 1 || single.ShardRows != 3000 {
		t.Fatalf("single process: %+v\n%s", single, logs)
	}
	if d := math.Abs(ranks[0].FinalLoss-single.FinalLoss) / single.FinalLoss; d > lossTolerance || ranks[0].Accuracy < 0.9 {
		t.Fatalf("data-parallel final loss %.12f (accuracy %.4f), single process %.12f: relative difference %.2g, tolerance %g",
			ranks[0].FinalLoss, ranks[0].Accuracy, single.FinalLoss, d, lossTolerance)
	}
	t.Logf("final loss: 3 ranks %.12f, one process %.12f; accuracy %.4f; median step %.2f ms (3 ranks) vs %.2f ms (one)",
		ranks[0].FinalLoss, single.FinalLoss, ranks[0].Accuracy, ranks[0].StepMedian*1000, single.StepMedian*1000)

	// 3. Split inference with rank 0's model: task i predicts lines i, i+3, ...
	model := job.Input{Name: "model", Inline: &job.InlineInput{Files: map[string]string{
		"model.json": readFile(t, filepath.Join(ddpOut, "task-0", "model.json"))}}}
	pts := job.Input{Name: "points", URL: base + "/points.csv", SHA256: hexSHA([]byte(points.String())), Split: job.SplitLines}
	j, logs = torchRun(t, c, spec(3, false, "infer.py", model, pts))
	out = outputs(t, c, j.ID)
	var parts [3][]string
	for i := range parts {
		parts[i] = strings.Fields(readFile(t, filepath.Join(out, fmt.Sprintf("task-%d", i), "predictions.txt")))
		if len(parts[i]) != 1000 {
			t.Fatalf("task %d predicted %d points, want its 1000\n%s", i, len(parts[i]), logs)
		}
	}
	right := 0
	for k, label := range labels {
		if parts[k%3][k/3] == label {
			right++
		}
	}
	if got := float64(right) / float64(len(labels)); math.Abs(got-ranks[0].Accuracy) > 1e-12 {
		t.Fatalf("the combined predictions score %.4f against the labels; the training measured %.4f", got, ranks[0].Accuracy)
	}
}
