package jobnet

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestSubnet(t *testing.T) {
	for _, rng := range []netip.Prefix{DefaultRange, netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.0/22")} {
		seen := map[netip.Prefix]bool{}
		for i := range 100 {
			id := fmt.Sprintf("job-%d", i)
			sub := Subnet(rng, id)
			if !sub.IsValid() || sub.Bits() != 22 || sub != sub.Masked() {
				t.Fatalf("Subnet(%s, %q) = %v, want a masked /22", rng, id, sub)
			}
			if !rng.Contains(sub.Addr()) || !rng.Contains(Addr(sub, capacity(sub)-1)) {
				t.Fatalf("Subnet(%s, %q) = %s, outside the range", rng, id, sub)
			}
			if again := Subnet(rng, id); again != sub {
				t.Fatalf("Subnet(%s, %q) = %s then %s", rng, id, sub, again)
			}
			seen[sub] = true
		}
		if rng.Bits() <= 10 && len(seen) < 95 {
			t.Errorf("range %s: 100 jobs got only %d subnets", rng, len(seen))
		}
	}
	if Subnet(netip.MustParsePrefix("100.64.0.1/10"), "x") != Subnet(DefaultRange, "x") {
		t.Error("an unmasked range gives another subnet")
	}
}

func TestSubnetBadRange(t *testing.T) {
	for _, tc := range []struct {
		name string
		rng  netip.Prefix
	}{
		{"zero", netip.Prefix{}},
		{"ipv6", netip.MustParsePrefix("fd00::/8")},
		{"too small", netip.MustParsePrefix("10.0.0.0/24")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Subnet(tc.rng, "job"); got.IsValid() {
				t.Errorf("Subnet(%v) = %s, want the zero prefix", tc.rng, got)
			}
		})
	}
}

func TestAddr(t *testing.T) {
	sub := Subnet(DefaultRange, "job")
	if got, want := Addr(sub, 0), sub.Addr().Next(); got != want {
		t.Errorf("Addr(%s, 0) = %s, want %s", sub, got, want)
	}
	seen := map[netip.Addr]bool{}
	for i := range 256 {
		a := Addr(sub, i)
		if !sub.Contains(a) || seen[a] {
			t.Fatalf("Addr(%s, %d) = %s: outside the subnet or repeated", sub, i, a)
		}
		seen[a] = true
		if back, ok := taskOf(sub, a); !ok || back != i {
			t.Fatalf("taskOf(%s) = %d, %v; want %d", a, back, ok, i)
		}
	}
	last := Addr(sub, 1021)
	if !sub.Contains(last) || last.Next() == sub.Addr() || !sub.Contains(last.Next()) {
		t.Errorf("Addr(%s, 1021) = %s, want the address below broadcast", sub, last)
	}
	for _, tc := range []struct {
		name   string
		subnet netip.Prefix
		task   int
	}{
		{"negative task", sub, -1},
		{"broadcast", sub, 1022},
		{"zero subnet", netip.Prefix{}, 0},
		{"ipv6 subnet", netip.MustParsePrefix("fd00::/64"), 0},
		{"no host room", netip.MustParsePrefix("10.0.0.0/31"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a := Addr(tc.subnet, tc.task); a.IsValid() {
				t.Errorf("Addr(%v, %d) = %s, want the zero address", tc.subnet, tc.task, a)
			}
		})
	}
	for _, a := range []netip.Addr{sub.Addr(), netip.MustParseAddr("1.2.3.4"), netip.MustParseAddr("::1"), {}} {
		if task, ok := taskOf(sub, a); ok {
			t.Errorf("taskOf(%v) = %d, want none", a, task)
		}
	}
}
