package query

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

func offers() map[string]offer.Offer {
	a100 := offer.GPU{Vendor: "nvidia", Model: "NVIDIA A100-SXM4-80GB", VRAM: 80 << 30}
	t4 := offer.GPU{Vendor: "nvidia", Model: "NVIDIA T4", VRAM: 16 << 30}
	return map[string]offer.Offer{
		"a100x2": {Node: "a100x2", Free: job.Resources{CPU: 32000, Memory: 256 << 30, Disk: 1 << 40}, GPUs: []offer.GPU{a100, a100},
			Prices: offer.Prices{CPUHour: money.Unit / 10, MemoryGiBHour: money.Unit / 100, GPUHour: money.Unit + money.Unit/5}, Executors: []string{"docker"},
			Region: "eu-west", Labels: map[string]string{"tier": "gold"}, Pool: "farm-a"},
		"mixed": {Node: "mixed", Free: job.Resources{CPU: 8000, Memory: 32 << 30, Disk: 100 << 30}, GPUs: []offer.GPU{a100, t4},
			Prices: offer.Prices{CPUHour: money.Unit / 20, GPUHour: 2 * money.Unit}, Executors: []string{"docker", "wasm"}, Region: "us-east"},
		"cpu": {Node: "cpu", Free: job.Resources{CPU: 500, Memory: 512 << 20, Disk: 10 << 30},
			Prices: offer.Prices{CPUHour: money.Unit / 50}, Executors: []string{"wasm"}, Labels: map[string]string{"tier": "bronze", "spot": "true"}},
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want string // matching nodes, sorted, comma separated
	}{
		{"issue example", `gpu.model ~ "A100" and gpus >= 2 and price.gpu_hour <= 1.5`, "a100x2"},
		{"regex ignores case", `gpu.model ~ "a100-sxm4"`, "a100x2,mixed"},
		{"regex anchors", `gpu.model ~ "^nvidia t4$"`, "mixed"},
		{"== string", `region == "eu-west"`, "a100x2"},
		{"!= string", `region != "eu-west"`, "cpu,mixed"},
		{"cpu cores", `cpu > 8`, "a100x2"},
		{"cpu millicores", `cpu <= 500m`, "cpu"},
		{"cpu ==", `cpu == 8`, "mixed"},
		{"cpu !=", `cpu != 8`, "a100x2,cpu"},
		{"memory units", `memory >= 16GiB`, "a100x2,mixed"},
		{"memory quoted", `memory < "1GiB"`, "cpu"},
		{"disk", `disk >= 1TiB`, "a100x2"},
		{"gpu vram any GPU", `gpu.vram <= 16GiB`, "mixed"},
		{"gpu vendor", `gpu.vendor == "nvidia"`, "a100x2,mixed"},
		{"no gpus", `gpus == 0`, "cpu"},
		{"price decimal", `price.cpu_hour < 0.06`, "cpu,mixed"},
		{"price memory", `price.memory_gib_hour > 0`, "a100x2"},
		{"price disk", `price.disk_gib_hour == 0`, "a100x2,cpu,mixed"},
		{"executor any", `executor == "wasm"`, "cpu,mixed"},
		{"label", `label.tier == "gold"`, "a100x2"},
		{"missing label is empty", `label.tier == ""`, "mixed"},
		{"pool", `pool == "farm-a"`, "a100x2"},
		{"node", `node in ["cpu", "mixed"]`, "cpu,mixed"},
		{"in strings", `region in ["us-east", "eu-west"]`, "a100x2,mixed"},
		{"not in", `region not in ["us-east", "eu-west"]`, "cpu"},
		{"in numbers", `cpu in [8, 32]`, "a100x2,mixed"},
		{"not", `not executor == "docker"`, "cpu"},
		{"and binds tighter than or", `region == "us-east" or region == "eu-west" and gpus > 5`, "mixed"},
		{"parentheses", `(region == "us-east" or region == "eu-west") and gpus == 2`, "a100x2,mixed"},
		{"not binds tighter than and", `not gpus == 0 and cpu >= 8`, "a100x2,mixed"},
		{"keywords any case", `gpus == 0 OR label.tier == "bronze" AND NOT cpu > 1`, "cpu"},
		{"escapes", `label.tier != "\"\\"`, "a100x2,cpu,mixed"},
	}
	all := offers()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, name := range []string{"a100x2", "cpu", "mixed"} {
				o := all[name]
				if q.Match(&o) {
					got = append(got, name)
				}
			}
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("%s matched %v, want %s (canonical %s)", tc.expr, got, tc.want, q)
			}
			// The canonical form parses to the same query.
			back, err := Parse(q.String())
			if err != nil || back.String() != q.String() {
				t.Fatalf("canonical %q: %v %v", q, err, back)
			}
		})
	}
}

func TestLabelsKeyCaseAndCanonical(t *testing.T) {
	tests := []struct{ expr, canonical string }{
		{`a == "x"`, ""},
		{`cpu>=2 and memory>=16GiB or not gpus==0`, `((cpu >= 2 and memory >= 16GiB) or not gpus == 0)`},
		{`cpu >= 1500m`, `cpu >= 1.5`},
		{`memory >= 17179869184`, `memory >= 16GiB`},
		{`region not in ["a","b"]`, `region not in ["a", "b"]`},
		{`label.gen == 3`, `label.gen == "3"`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			q, err := Parse(tc.expr)
			if tc.canonical == "" {
				if err == nil {
					t.Fatalf("parsed %q", tc.expr)
				}
				return
			}
			if err != nil || q.String() != tc.canonical {
				t.Fatalf("got %v %v, want %s", q, err, tc.canonical)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		column int
		msg    string
	}{
		{"empty", "   ", 1, "empty expression"},
		{"unknown field", `gpu.modle ~ "A100"`, 1, `unknown field "gpu.modle"`},
		{"missing operator", `gpus 2`, 6, "expected an operator"},
		{"single =", `gpus = 2`, 6, `unexpected '=' (did you mean "=="?)`},
		{"bare word value", `region == eu-west`, 11, `quote text: "eu-west"`},
		{"bad quantity", `memory >= 16XB`, 11, "bad value 16XB for memory"},
		{"bad price", `price.gpu_hour <= 1.2.3`, 19, "bad value 1.2.3 for price.gpu_hour"},
		{"regex on a number", `cpu ~ "2"`, 5, "~ matches text; cpu is a quantity"},
		{"ordering text", `region < "b"`, 8, "region is text"},
		{"bad regex", `gpu.model ~ "(A100"`, 13, "missing closing )"},
		{"unterminated string", `region == "eu`, 11, "unterminated string"},
		{"bad escape", `region == "a\n"`, 13, "unknown escape"},
		{"unclosed paren", `(cpu > 1 and gpus > 0`, 1, "unclosed parenthesis"},
		{"stray paren", `cpu > 1)`, 8, `expected and, or or the end, got ")"`},
		{"dangling and", `cpu > 1 and`, 12, "expected a field name"},
		{"in without list", `region in "a"`, 11, "expected [ after in"},
		{"unclosed list", `region in ["a", "b"`, 11, "unclosed ["},
		{"list separator", `region in ["a" "b"]`, 16, "expected , or ]"},
		{"not without in", `region not == "a"`, 12, "expected in after not"},
		{"negative count", `gpus >= "-1"`, 9, "not a whole number"},
		{"odd character", `cpu > 1 & gpus > 0`, 9, "unexpected character '&'"},
		{"column counts characters", `region == "ü" and cpu $ 1`, 23, "unexpected character '$'"},
		{"too deep", strings.Repeat("(", MaxDepth+1) + "cpu > 1" + strings.Repeat(")", MaxDepth+1), MaxDepth + 1, "nested deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.expr)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want *SyntaxError", err)
			}
			if se.Column != tc.column || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("column %d %q, want column %d with %q", se.Column, se.Msg, tc.column, tc.msg)
			}
		})
	}
}

func TestSyntaxErrorShowsCaret(t *testing.T) {
	_, err := Parse("cpu >= 2 and\tgpus ^ 1")
	want := "unexpected character '^' at column 19\n  cpu >= 2 and\tgpus ^ 1\n  " + strings.Repeat(" ", 12) + "\t     ^"
	if err == nil || err.Error() != want {
		t.Fatalf("got\n%v\nwant\n%s", err, want)
	}
}

func TestFilter(t *testing.T) {
	all := offers()
	list := []offer.Offer{all["cpu"], all["mixed"], all["a100x2"]}
	q, err := Parse(`gpus >= 1`)
	if err != nil {
		t.Fatal(err)
	}
	got := q.Filter(list)
	if len(got) != 2 || got[0].Node != "mixed" || got[1].Node != "a100x2" {
		t.Fatalf("filter %v", got)
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		`gpu.model ~ "A100" and gpus >= 2 and price.gpu_hour <= 1.5`,
		`(region == "us-east" or region == "eu-west") and not gpus == 0`,
		`region not in ["a", "b"] or label.tier != "gold"`,
		`memory >= 16GiB and cpu > 500m`, `cpu >`, `"`, `((`, `label. == 1`,
	} {
		f.Add(s)
	}
	all := offers()
	f.Fuzz(func(t *testing.T, expr string) {
		q, err := Parse(expr)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Column < 1 || se.Column > utf8.RuneCountInString(expr)+1 {
				t.Fatalf("column %d outside %q", se.Column, expr)
			}
			_ = se.Error()
			return
		}
		back, err := Parse(q.String())
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", q, expr, err)
		}
		if back.String() != q.String() {
			t.Fatalf("canonical form not stable: %q -> %q", q, back)
		}
		for _, o := range all {
			if q.Match(&o) != back.Match(&o) {
				t.Fatalf("%q and its canonical form %q disagree on %s", expr, q, o.Node)
			}
		}
	})
}
