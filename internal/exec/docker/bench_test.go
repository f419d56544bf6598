package docker

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// BenchmarkTrivialExecution measures the executor's overhead per execution:
// Prepare (image present), Start, Wait, Logs and Remove of `sh -c 'echo hi'`.
func BenchmarkTrivialExecution(b *testing.B) {
	e := engine(b, Config{Logger: slog.New(slog.DiscardHandler)})
	ctx := context.Background()
	for b.Loop() {
		task := newTask("bench", "sh", "-c", "echo hi")
		if err := e.Prepare(ctx, task); err != nil {
			b.Fatal(err)
		}
		if err := e.Start(ctx, task); err != nil {
			b.Fatal(err)
		}
		res, err := e.Wait(ctx, task.ExecutionID)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("Wait = %+v, %v", res, err)
		}
		rc, err := e.Logs(ctx, task.ExecutionID, false)
		if err != nil {
			b.Fatal(err)
		}
		out, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil || string(out) != "hi\n" {
			b.Fatalf("logs = %q, %v", out, err)
		}
		if err := e.Remove(ctx, task.ExecutionID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/execution")
}
