package docker

import (
	"fmt"
	"testing"

	"github.com/deco-network/deco/internal/exec"
	"github.com/deco-network/deco/internal/exec/exectest"
	"github.com/deco-network/deco/internal/job"
)

// TestConformance runs the executor conformance suite against the Docker
// engine with the busybox test image. Like the other integration tests it
// skips when no engine answers, unless DECO_REQUIRE_DOCKER is set.
func TestConformance(t *testing.T) {
	exectest.Run(t, exectest.Harness{
		New: func(t *testing.T) exec.Executor {
			return engine(t, Config{})
		},
		Spec:       conformanceSpec,
		Reattaches: true,
	})
}

// conformanceSpec expresses each conformance program as a busybox shell
// command line; texts and names travel as positional arguments, so no
// quoting is needed.
func conformanceSpec(p exectest.Program) job.Spec {
	sh := func(script string, args ...string) []string {
		return append([]string{"sh", "-c", script, "sh"}, args...)
	}
	var cmd []string
	switch p.Kind {
	case exectest.KindEcho:
		cmd = sh(`echo "$1"`, p.Text)
	case exectest.KindStderr:
		cmd = sh(`echo "$1" >&2`, p.Text)
	case exectest.KindExit:
		cmd = sh(fmt.Sprintf("exit %d", p.Code))
	case exectest.KindWriteOutput:
		cmd = sh(`printf %s "$2" > /outputs/"$1"`, p.Name, p.Content)
	case exectest.KindReadInput:
		cmd = sh(`cat /inputs/"$1" || exit 1
if (printf overwritten > /inputs/"$1") 2>/dev/null; then echo "/inputs is writable" >&2; exit 5; fi`, p.Name)
	case exectest.KindSleep:
		cmd = sh(fmt.Sprintf("echo sleeping; exec sleep %d", int(p.Duration.Seconds()+1)))
	case exectest.KindAllocate:
		// dd allocates a buffer of bs bytes and fills it from /dev/zero.
		cmd = sh(fmt.Sprintf(`dd if=/dev/zero of=/dev/null bs=%dM count=1 2>/dev/null && echo "allocated %d MiB"`, p.MiB, p.MiB))
	default:
		panic(fmt.Sprintf("conformance: unknown program %v", p))
	}
	return job.Spec{
		APIVersion: job.APIVersion,
		Executor:   job.ExecutorDocker,
		Image:      testImage,
		Command:    cmd,
	}
}
