package web

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/inventory"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// richID is a job with every part the job page draws: tasks, a gang
// placement with rejections, a verification with a verdict, payments.
const richID = "01jd5x0000000000000000000b"

// richDetail is the Job answer for richID.
func richDetail() api.JobDetail {
	at := time.Unix(1_800_000_000, 0).UTC()
	rep, _ := json.Marshal(sched.Report{Considered: 3, Feasible: 2, Chosen: "16Uiu2chosen",
		Nodes: []sched.NodeReport{{Node: "16Uiu2chosen", Feasible: true, Score: 80}, {Node: "16Uiu2other", Feasible: true, Score: 40},
			{Node: "16Uiu2small", Filter: "resources", Code: "unschedulable", Reason: "memory: wants 2GiB, has 1GiB free"}},
		Gang: &sched.GangReport{Tasks: 2, Sets: []sched.GangSet{{Nodes: 2, Capacity: 2, Total: 2, Chosen: true}}}})
	ver, _ := json.Marshal(requester.Verification{Policy: "replicate(1)", Outcome: "disputed", Quorum: 1, Cost: 5,
		Runs: []requester.VerifiedRun{{Role: "provider", Node: "16Uiu2chosen", ExecutionID: "x1", Digest: "sha256:aa", Paid: 10, Withheld: 7},
			{Role: "validator", Node: "16Uiu2other", ExecutionID: "x2", Invalid: "revealed late"}},
		Verdicts: []requester.VerdictRecord{{Accused: "16Uiu2chosen", Amount: 100}}, Notes: []string{"a note"}})
	task := func(i int, st job.State) api.TaskDetail {
		return api.TaskDetail{Job: store.Job{ID: richID, Parent: richID, TaskIndex: i, State: st, Provider: "16Uiu2chosen", CreatedAt: at},
			Attempts: []store.Attempt{{Seq: 1, State: st, Provider: "16Uiu2chosen", ExecutionID: "x1"}}}
	}
	return api.JobDetail{
		TaskDetail: api.TaskDetail{
			Job: store.Job{ID: richID, Name: "rich", State: job.StateRunning, Provider: "16Uiu2chosen", ExecutionID: "x1", Placement: rep,
				Error: "<b>bad</b>", CreatedAt: at, Spec: job.Spec{APIVersion: job.APIVersion, Image: "deco-busybox:latest", Tasks: 2}},
			Events:   []store.Event{{Seq: 1, At: at, State: job.StatePending, Message: "submitted"}, {Seq: 2, At: at, State: job.StateRunning}},
			Attempts: []store.Attempt{{Seq: 1, State: job.StateRunning, Provider: "16Uiu2chosen", ExecutionID: "x1"}},
			Usage: []store.Usage{{At: at, Report: market.UsageReport{Execution: "x1", Seq: 1, RunMillis: 2000, AmountDue: 1000, Use: market.Use{CPUMillis: 1000, MemoryPeak: 8 << 20}}},
				{At: at.Add(2 * time.Second), Report: market.UsageReport{Execution: "x1", Seq: 2, RunMillis: 4000, AmountDue: 2000, Use: market.Use{CPUMillis: 3000, MemoryPeak: 9 << 20}}}},
			Vouchers:     []store.Voucher{{Execution: "x1", Seq: 1, Voucher: settle.SignedVoucher{Cumulative: 51000}}},
			Verification: ver,
		},
		Tasks: []api.TaskDetail{task(0, job.StateRunning), verifiedTask(task(1, job.StateFailed))},
	}
}

// verifiedTask is t with a verification record of its own, as an array
// job's task has, saying how its validator was chosen.
func verifiedTask(t api.TaskDetail) api.TaskDetail {
	t.Verification, _ = json.Marshal(requester.Verification{Policy: "replicate(1)", Task: t.TaskIndex, Outcome: "accepted", Quorum: 1, Cost: 3,
		Selection: []sched.ValidatorReport{{Wanted: 1, Considered: 3, Ranked: []string{"16Uiu2other"}, Chosen: []string{"16Uiu2other"},
			LeftOut: []sched.ValidatorOut{{Node: "16Uiu2chosen", Reason: sched.OutProvider}, {Node: "16Uiu2small", Reason: sched.OutNotStaked}}}}})
	return t
}

func TestJobPageDrawsEveryPart(t *testing.T) {
	h := newHarness(t)
	h.node.details = map[string]api.JobDetail{richID: richDetail()}
	cookie, _ := h.login()
	rec := h.do("GET", "/ui/jobs/"+richID, cookie, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("job page: %d %s", rec.Code, body)
	}
	for _, want := range []string{
		"3 offers considered, 2 feasible", "rejected by the resources check</span>: memory: wants 2GiB, has 1GiB free",
		"2 tasks, placed all or none", "<strong>chosen</strong>",
		`id="verification">replicate(1): outcome <strong>disputed</strong>`, "invalid: revealed late", "Verdict against 16Uiu2chosen: slashed",
		// a task's own verification, with how its validator was chosen
		"Verification of task 1", `id="verification-task-1">replicate(1): outcome <strong>accepted</strong>`,
		"Validators, round 0: 3 offers considered, 1 wanted; chose", "</span>: " + html.EscapeString(sched.OutProvider), "</span>: " + html.EscapeString(sched.OutNotStaked),
		"<th>withheld</th>", "<td>" + money.Amount(10).String() + "</td><td>" + money.Amount(7).String() + "</td>",
		`<td>0</td><td><span class="state live">running</span>`, `<td>1</td><td><span class="state bad">failed</span>`,
		// the cost is the amount due of the latest paid report (not the
		// channel's cumulative voucher)
		`id="job-cost">0.001 DECO`, "0.051 cumulative", "unpaid",
		`hx-get="/ui/jobs/` + richID + `/logs?live=1"`, "the result files are listed once the job completed",
		"&lt;b&gt;bad&lt;/b&gt;",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("job page lacks %q", want)
		}
	}
	if strings.Contains(body, "<b>bad</b>") {
		t.Error("the job's error came back unescaped")
	}
}

func TestPaymentsCost(t *testing.T) {
	_, cost := payments(richDetail().TaskDetail)
	if cost != 1000 {
		t.Fatalf("cost %d, want 1000 (report 1's due; report 2 is unpaid)", cost)
	}
}

// FuzzSubmitForm: whatever a form carries, the submit handler answers
// without a panic or a 500, and submits only a valid spec.
func FuzzSubmitForm(f *testing.F) {
	f.Add("form", "deco-busybox:latest", "sh\n-c\ntrue", "500m", "128MiB", "", "5m", "", "")
	f.Add("yaml", "", "", "", "", "", "", "", exampleSpec)
	f.Add("form", "x", "", "1e9", "-1", "two", "0s", "replicate(0)", "")
	f.Add("yaml", "", "", "", "", "", "", "", "{\"apiVersion\":\"deco/v1\",\"image\":\"x\",\"resources\":{\"cpu\":\"\u0000\"}}")
	h := newHarness(f)
	cookie, csrf := h.login()
	f.Fuzz(func(t *testing.T, mode, image, command, cpu, memory, gpus, timeout, verification, spec string) {
		h.node.submitted = h.node.submitted[:0]
		rec := h.form("/ui/jobs", cookie, url.Values{CSRFField: {csrf}, "mode": {mode}, "image": {image}, "command": {command},
			"resources.cpu": {cpu}, "resources.memory": {memory}, "resources.gpus": {gpus}, "timeout": {timeout},
			"verification": {verification}, "spec": {spec}})
		if rec.Code >= 500 {
			t.Fatalf("%d: %s", rec.Code, rec.Body)
		}
		for _, s := range h.node.submitted {
			if err := s.Validate(); err != nil {
				t.Fatalf("submitted an invalid spec: %v", err)
			}
		}
	})
}

func TestShareUse(t *testing.T) {
	share := inventory.Share{CPU: 2000, Memory: 4 * job.GiB, Disk: 10 * job.GiB}
	running := []store.Execution{
		{Spec: job.Spec{Resources: job.Resources{CPU: 500, Memory: job.GiB, Disk: job.GiB}}},
		{Spec: job.Spec{Resources: job.Resources{CPU: 1000, Memory: job.GiB}}},
	}
	got := shareUse(share, running)
	if len(got) != 3 || got[0].Pct != 75 || got[0].Used != "1.5" || got[1].Pct != 50 || got[1].Used != "2GiB" || got[2].Pct != 10 ||
		got[0].UsedW != barWidth*3/4 {
		t.Fatalf("share use %+v", got)
	}
	if got := shareUse(inventory.Share{}, running); got[0].Pct != 0 || got[0].UsedW != 0 {
		t.Fatalf("no share: %+v", got[0])
	}
}
