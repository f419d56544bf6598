package sched

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

func mkOffer(node string, cpu job.MilliCPU, mem job.ByteSize, cpuHour money.Amount) offer.Offer {
	r := job.Resources{CPU: cpu, Memory: mem, Disk: 10 << 30}
	return offer.Offer{Node: node, Free: r, Total: r, Executors: []string{"docker"}, Prices: offer.Prices{CPUHour: cpuHour}}
}

func spec(cpu job.MilliCPU, mem job.ByteSize) job.Spec {
	return job.Spec{Executor: "docker", Image: "x", Resources: job.Resources{CPU: cpu, Memory: mem, Disk: 1 << 30}}
}

// fakeReputation is a fixed table of reputations.
type fakeReputation map[string]float64

func (f fakeReputation) Reputation(node string) (float64, bool) { v, ok := f[node]; return v, ok }

// fakeRTT is a fixed table of round-trip times.
type fakeRTT map[string]time.Duration

func (f fakeRTT) RTT(node string) (time.Duration, bool) { v, ok := f[node]; return v, ok }

// filterCase is one row of a filter table: the job (spec and requester),
// the offer, and the expected code, reason and detail (substrings).
type filterCase struct {
	name      string
	spec      job.Spec
	requester string
	o         offer.Offer
	code      Code
	reason    string
	detail    string
}

func runFilterCases(t *testing.T, f Filter, tests []filterCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRequest(tc.spec, tc.requester)
			st := f.Filter(r, &tc.o)
			if st.Code != tc.code || st.Reason != tc.reason || st.Detail != "" {
				t.Fatalf("got %v %q %q, want %v %q without detail", st.Code, st.Reason, st.Detail, tc.code, tc.reason)
			}
			r.Explain = true
			st = f.Filter(r, &tc.o)
			if st.Code != tc.code || st.Reason != tc.reason || !strings.Contains(st.Detail, tc.detail) {
				t.Fatalf("explained: got %v %q %q, want %v %q with detail %q", st.Code, st.Reason, st.Detail, tc.code, tc.reason, tc.detail)
			}
		})
	}
}

func TestExecutorFilter(t *testing.T) {
	wasmOnly := mkOffer("w", 8000, 32<<30, 0)
	wasmOnly.Executors = []string{"wasm"}
	net := spec(1000, 1<<30)
	net.Network.Outbound = true
	netOK := mkOffer("n", 8000, 32<<30, 0)
	netOK.Network = true
	noExecutor := spec(1000, 1<<30)
	noExecutor.Executor = ""
	service := spec(1000, 1<<30)
	service.Kind, service.Ports = job.KindService, []job.Port{{Name: "http", Port: 8080}}
	portsOK := mkOffer("p", 8000, 32<<30, 0)
	portsOK.Ports = true
	runFilterCases(t, ExecutorFilter{}, []filterCase{
		{name: "docker runs", spec: spec(1000, 1<<30), o: mkOffer("d", 8000, 32<<30, 0), code: Fits},
		{name: "empty executor means docker", spec: noExecutor, o: wasmOnly, code: UnschedulableForever, reason: "does not run the docker executor", detail: "(runs: wasm)"},
		{name: "executor missing", spec: spec(1000, 1<<30), o: wasmOnly, code: UnschedulableForever, reason: "does not run the docker executor", detail: "does not run the docker executor (runs: wasm)"},
		{name: "network refused", spec: net, o: mkOffer("d", 8000, 32<<30, 0), code: UnschedulableForever, reason: "job needs network access; provider does not allow it"},
		{name: "network allowed", spec: net, o: netOK, code: Fits},
		{name: "ports refused", spec: service, o: mkOffer("d", 8000, 32<<30, 0), code: UnschedulableForever, reason: "job exposes ports; provider cannot forward to them (no ports capability)"},
		{name: "ports forwarded", spec: service, o: portsOK, code: Fits},
	})
}

func TestResourcesFilter(t *testing.T) {
	busy := mkOffer("b", 1000, 1<<30, 0)
	busy.Total = job.Resources{CPU: 8000, Memory: 32 << 30, Disk: 10 << 30}
	noTotal := busy
	noTotal.Total = job.Resources{}
	bigDisk := spec(1000, 1<<30)
	bigDisk.Resources.Disk = 20 << 30
	runFilterCases(t, ResourcesFilter{}, []filterCase{
		{name: "fits exactly", spec: spec(1000, 1<<30), o: busy, code: Fits},
		{name: "cpu busy now", spec: spec(2000, 1<<30), o: busy, code: Unschedulable, reason: "not enough free cpu", detail: "cpu: needs 2 cores, 1 cores free"},
		{name: "cpu never", spec: spec(16000, 1<<30), o: busy, code: UnschedulableForever, reason: "cpu request larger than the provider's whole share", detail: "cpu: needs 16 cores, 1 cores free, 8 cores in total"},
		{name: "no total: only now", spec: spec(16000, 1<<30), o: noTotal, code: Unschedulable, reason: "not enough free cpu", detail: "needs 16 cores"},
		{name: "memory", spec: spec(1000, 4<<30), o: busy, code: Unschedulable, reason: "not enough free memory", detail: "memory: needs 4GiB, 1GiB free"},
		{name: "disk never", spec: bigDisk, o: busy, code: UnschedulableForever, reason: "disk request larger than the provider's whole share", detail: "disk: needs 20GiB, 10GiB free, 10GiB in total"},
	})
}

func TestResourcesFilterMatchesCustomResources(t *testing.T) {
	tpu := mkOffer("t", 8000, 8<<30, 0)
	tpu.Total.Custom = map[string]int64{"tpu1684x": 4}
	tpu.Free.Custom = map[string]int64{"tpu1684x": 1}
	want := func(n int64) job.Spec {
		s := spec(1000, 1<<30)
		s.Resources.Custom = map[string]int64{"tpu1684x": n}
		return s
	}
	runFilterCases(t, ResourcesFilter{}, []filterCase{
		{name: "one free", spec: want(1), o: tpu, code: Fits},
		{name: "busy now", spec: want(2), o: tpu, code: Unschedulable, reason: "not enough free custom resources", detail: "tpu1684x: needs 2, 1 free, 4 in total"},
		{name: "never", spec: want(5), o: tpu, code: UnschedulableForever, reason: "custom resource request larger than the provider's whole share"},
		{name: "provider without it", spec: want(1), o: mkOffer("x", 8000, 8<<30, 0), code: UnschedulableForever, reason: "custom resource request larger than the provider's whole share"},
	})
	priced := offer.Prices{CPUHour: money.Unit, Custom: map[string]money.Amount{"tpu1684x": 2 * money.Unit}}
	if got := priced.PerHour(want(3).Resources); got != money.Unit+6*money.Unit {
		t.Fatalf("price per hour %s, want 1 core + 3 tpu at 2", got)
	}
}

func TestGPUFilter(t *testing.T) {
	gpuOffer := mkOffer("g", 8000, 32<<30, money.Unit)
	gpuOffer.GPUs = []offer.GPU{{Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 << 30}, {Vendor: "nvidia", Model: "NVIDIA T4", VRAM: 16 << 30}}
	gpuOffer.Total.GPUs = 2
	withGPU := func(n int, sel job.GPUSelector) job.Spec {
		s := spec(1000, 1<<30)
		s.Resources.GPUs, s.Resources.GPU = n, sel
		return s
	}
	runFilterCases(t, GPUFilter{}, []filterCase{
		{name: "no gpu asked", spec: spec(1000, 1<<30), o: mkOffer("c", 8000, 32<<30, 0), code: Fits},
		{name: "model pattern ignores case", spec: withGPU(1, job.GPUSelector{Model: "a100-sxm4"}), o: gpuOffer, code: Fits},
		{name: "vendor ignores case", spec: withGPU(2, job.GPUSelector{Vendor: "NVIDIA"}), o: gpuOffer, code: Fits},
		{name: "wrong vendor", spec: withGPU(1, job.GPUSelector{Vendor: "amd"}), o: gpuOffer, code: Unschedulable, reason: "not enough free matching GPUs", detail: `gpu: needs 1 GPUs matching vendor "amd", 0 free`},
		{name: "only one matches model", spec: withGPU(2, job.GPUSelector{Model: "A100"}), o: gpuOffer, code: Unschedulable, reason: "not enough free matching GPUs", detail: `gpu: needs 2 GPUs matching model "A100", 1 free`},
		{name: "vram too small", spec: withGPU(2, job.GPUSelector{MinVRAM: 40 << 30}), o: gpuOffer, code: Unschedulable, reason: "not enough free matching GPUs", detail: "gpu: needs 2 GPUs matching at least 40GiB VRAM, 1 free"},
		{name: "more than total", spec: withGPU(4, job.GPUSelector{}), o: gpuOffer, code: UnschedulableForever, reason: "more GPUs than the provider has", detail: "gpu: needs 4 GPUs, 2 free"},
		{name: "none", spec: withGPU(1, job.GPUSelector{}), o: mkOffer("c", 8000, 32<<30, 0), code: Unschedulable, reason: "not enough free matching GPUs", detail: "gpu: needs 1 GPUs, 0 free"},
	})
}

func TestPriceFilter(t *testing.T) {
	priced := spec(2000, 1<<30)
	priced.MaxPricePerHour = money.Unit
	runFilterCases(t, PriceFilter{}, []filterCase{
		{name: "no ceiling", spec: spec(2000, 1<<30), o: mkOffer("p", 8000, 8<<30, 100*money.Unit), code: Fits},
		{name: "above max", spec: priced, o: mkOffer("p", 8000, 8<<30, money.Unit), code: Unschedulable, reason: "price above the job's maximum", detail: "price: 2/h for this task, above the job's maximum 1/h"},
		{name: "exactly max", spec: priced, o: mkOffer("p", 8000, 8<<30, money.Unit/2), code: Fits},
	})
}

func TestPoolFilter(t *testing.T) {
	claimed := mkOffer("a", 8000, 8<<30, 0)
	claimed.Pool = "farm-a"
	reserved := mkOffer("r", 8000, 8<<30, 0)
	reserved.AllowedRequesters = []string{"req-1"}
	pooled := spec(1000, 1<<30)
	pooled.Constraints.Pool = "farm-a"
	allow := spec(1000, 1<<30)
	allow.Constraints.Providers = []string{"a", "b"}
	runFilterCases(t, PoolFilter{}, []filterCase{
		{name: "no constraints", spec: spec(1000, 1<<30), o: claimed, code: Fits},
		{name: "pool claimed, not certified", spec: pooled, o: claimed, code: UnschedulableForever, reason: reasonUncertifiedPool},
		{name: "other pool", spec: pooled, o: mkOffer("b", 8000, 8<<30, 0), code: UnschedulableForever, reason: `not in pool "farm-a"`, detail: `(in pool "")`},
		{name: "allow-listed", spec: allow, o: claimed, code: Fits},
		{name: "not allow-listed", spec: allow, o: mkOffer("c", 8000, 8<<30, 0), code: UnschedulableForever, reason: "not in the job's provider allow-list"},
		{name: "reserved, admitted", spec: spec(1000, 1<<30), requester: "req-1", o: reserved, code: Fits},
		{name: "reserved, other requester", spec: spec(1000, 1<<30), requester: "req-2", o: reserved, code: UnschedulableForever, reason: "reserved to other requesters"},
	})
}

// farm is an operator with two certified nodes: one in pool gpu-a (bound
// to group lab-1, selling spec small), one in open pool cpu; and a
// requester in lab-1 and one outside it.
type farm struct {
	book             *operator.Book
	policy           *operator.Policy
	gpu, cpu, rogue  offer.Offer
	member, stranger string
	operatorAddress  string
}

func newFarm(t *testing.T) farm {
	t.Helper()
	key := func() *identity.Key {
		k, err := identity.Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	op, gpuKey, cpuKey, rogueKey, member, stranger := key(), key(), key(), key(), key(), key()
	now := time.Now()
	pol, err := operator.Sign(op, operator.Body{
		Groups: []operator.Group{{Name: "lab-1", Members: []identity.Address{member.Address()}}},
		Specs:  []operator.Spec{{Name: "small", Resources: job.Resources{CPU: 1000, Memory: 1 << 30}, PricePerHour: 3 * money.Unit}},
		Pools: []operator.Pool{{Name: "gpu-a", Nodes: []string{gpuKey.PeerID()}, Groups: []string{"lab-1"}, Specs: []string{"small"}},
			{Name: "cpu", Nodes: []string{cpuKey.PeerID()}}},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	book := operator.NewBook()
	book.Put(pol)
	certified := func(k *identity.Key, pool string) offer.Offer {
		o := mkOffer(k.PeerID(), 8000, 8<<30, money.Unit)
		c, err := operator.Issue(op, k.PeerID(), now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		o.Operator, o.Pool = &c, pool
		return o
	}
	return farm{book: book, policy: pol, gpu: certified(gpuKey, "gpu-a"), cpu: certified(cpuKey, "cpu"),
		rogue: certified(rogueKey, "gpu-a"), member: member.PeerID(), stranger: stranger.PeerID(), operatorAddress: op.Address().String()}
}

func TestPoolFilterUsesTheOperatorsPolicy(t *testing.T) {
	f := newFarm(t)
	inPool := func(pool string) job.Spec {
		s := spec(1000, 1<<30)
		s.Constraints.Pool = pool
		return s
	}
	bySpec := spec(0, 0)
	bySpec.ResourceSpec = "small"
	ofOperator := spec(1000, 1<<30)
	ofOperator.Constraints.Operator = f.operatorAddress
	otherOperator := spec(1000, 1<<30)
	otherOperator.Constraints.Operator = "0x00000000000000000000000000000000000000aa"
	runFilterCases(t, PoolFilter{Operators: f.book}, []filterCase{
		{name: "member in group pool", spec: inPool("gpu-a"), requester: f.member, o: f.gpu, code: Fits},
		{name: "stranger refused with the reason", spec: inPool("gpu-a"), requester: f.stranger, o: f.gpu, code: UnschedulableForever,
			reason: reasonGroup, detail: "pool gpu-a is for group lab-1; you (" + mustAddr(t, f.stranger) + ") are not a member"},
		{name: "stranger refused without a pool constraint", spec: spec(1000, 1<<30), requester: f.stranger, o: f.gpu, code: UnschedulableForever, reason: reasonGroup},
		{name: "open pool", spec: inPool("cpu"), requester: f.stranger, o: f.cpu, code: Fits},
		{name: "certified node claiming a pool the policy does not give it", spec: inPool("gpu-a"), requester: f.member, o: f.rogue,
			code: UnschedulableForever, reason: `not in pool "gpu-a"`, detail: "does not put it there"},
		{name: "spec sold", spec: bySpec, requester: f.member, o: f.gpu, code: Fits},
		{name: "spec not sold", spec: bySpec, requester: f.member, o: f.cpu, code: UnschedulableForever, reason: reasonNoSpec},
		{name: "spec on an uncertified node", spec: bySpec, requester: f.member, o: mkOffer("x", 8000, 8<<30, 0), code: UnschedulableForever, reason: reasonNoSpec},
		{name: "job's operator", spec: ofOperator, requester: f.stranger, o: f.cpu, code: Fits},
		{name: "other operator", spec: otherOperator, requester: f.stranger, o: f.cpu, code: UnschedulableForever, reason: reasonOtherOperator},
		{name: "operator required, node uncertified", spec: ofOperator, o: mkOffer("x", 8000, 8<<30, 0), code: UnschedulableForever, reason: reasonOtherOperator},
	})
	// Without the policy, a certified node's pool waits for it.
	r := NewRequest(inPool("gpu-a"), f.member)
	if st := (PoolFilter{Operators: operator.NewBook()}).Filter(r, &f.gpu); st.Code != Unschedulable || st.Reason != reasonPolicyUnknown {
		t.Fatalf("unknown policy: %+v", st)
	}
}

func mustAddr(t *testing.T, peer string) string {
	t.Helper()
	a, err := identity.PeerAddress(peer)
	if err != nil {
		t.Fatal(err)
	}
	return a.String()
}

func TestPriceFilterPricesBySpec(t *testing.T) {
	f := newFarm(t)
	bySpec := spec(1000, 1<<30)
	bySpec.ResourceSpec = "small"
	bySpec.MaxPricePerHour = 2 * money.Unit
	runFilterCases(t, PriceFilter{Operators: f.book}, []filterCase{
		// The node's linear price would be 1/h; the spec costs 3/h.
		{name: "spec price above max", spec: bySpec, requester: f.member, o: f.gpu, code: Unschedulable, reason: "price above the job's maximum", detail: "price: 3/h"},
	})
	bySpec.MaxPricePerHour = 3 * money.Unit
	runFilterCases(t, PriceFilter{Operators: f.book}, []filterCase{
		{name: "spec price at max", spec: bySpec, requester: f.member, o: f.gpu, code: Fits},
	})
}

func TestRegionFilter(t *testing.T) {
	eu := mkOffer("e", 8000, 8<<30, 0)
	eu.Region = "eu-west"
	in := spec(1000, 1<<30)
	in.Constraints.Regions = []string{"eu-west", "eu-central"}
	notIn := spec(1000, 1<<30)
	notIn.Constraints.NotRegions = []string{"eu-west"}
	runFilterCases(t, RegionFilter{}, []filterCase{
		{name: "any region", spec: spec(1000, 1<<30), o: eu, code: Fits},
		{name: "region accepted", spec: in, o: eu, code: Fits},
		{name: "no region, regions required", spec: in, o: mkOffer("x", 8000, 8<<30, 0), code: UnschedulableForever, reason: "region not accepted", detail: `region "" not in ["eu-west" "eu-central"]`},
		{name: "region refused", spec: notIn, o: eu, code: UnschedulableForever, reason: "region refused", detail: `region "eu-west" is refused`},
		{name: "other region not refused", spec: notIn, o: mkOffer("x", 8000, 8<<30, 0), code: Fits},
	})
}

func TestLabelsFilter(t *testing.T) {
	gold := mkOffer("g", 8000, 8<<30, 0)
	gold.Labels = map[string]string{"tier": "gold", "spot": "true"}
	silver := mkOffer("s", 8000, 8<<30, 0)
	silver.Labels = map[string]string{"tier": "silver"}
	want := spec(1000, 1<<30)
	want.Constraints.Labels = map[string]string{"tier": "gold"}
	refuse := spec(1000, 1<<30)
	refuse.Constraints.NotLabels = map[string]string{"spot": "true"}
	runFilterCases(t, LabelsFilter{}, []filterCase{
		{name: "no selectors", spec: spec(1000, 1<<30), o: gold, code: Fits},
		{name: "label matches", spec: want, o: gold, code: Fits},
		{name: "label differs", spec: want, o: silver, code: UnschedulableForever, reason: "lacks label tier=gold", detail: "(has tier=silver)"},
		{name: "label missing", spec: want, o: mkOffer("x", 8000, 8<<30, 0), code: UnschedulableForever, reason: "lacks label tier=gold", detail: "(no tier label)"},
		{name: "refused label present", spec: refuse, o: gold, code: UnschedulableForever, reason: "has refused label spot=true"},
		{name: "refused label absent", spec: refuse, o: silver, code: Fits},
	})
}

func TestReputationFilter(t *testing.T) {
	src := fakeReputation{"good": 0.9, "bad": 0.2, "broken": 7}
	min := func(v float64) job.Spec { s := spec(1000, 1<<30); s.Constraints.MinReputation = v; return s }
	f := ReputationFilter{Source: src}
	runFilterCases(t, f, []filterCase{
		{name: "no minimum", spec: spec(1000, 1<<30), o: mkOffer("bad", 8000, 8<<30, 0), code: Fits},
		{name: "good enough", spec: min(0.8), o: mkOffer("good", 8000, 8<<30, 0), code: Fits},
		{name: "too low", spec: min(0.8), o: mkOffer("bad", 8000, 8<<30, 0), code: Unschedulable, reason: "reputation below the job's minimum", detail: "reputation 0.20 below the job's minimum 0.80"},
		{name: "unknown is neutral, below", spec: min(0.6), o: mkOffer("new", 8000, 8<<30, 0), code: Unschedulable, reason: "reputation below the job's minimum", detail: "unknown (neutral 0.50)"},
		{name: "unknown is neutral, enough", spec: min(0.5), o: mkOffer("new", 8000, 8<<30, 0), code: Fits},
		{name: "out of range answer is neutral", spec: min(0.6), o: mkOffer("broken", 8000, 8<<30, 0), code: Unschedulable, reason: "reputation below the job's minimum", detail: "unknown"},
	})
	runFilterCases(t, ReputationFilter{}, []filterCase{
		{name: "nil source is neutral", spec: min(0.5), o: mkOffer("good", 8000, 8<<30, 0), code: Fits},
	})
}
