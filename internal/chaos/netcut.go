package chaos

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// loopbackIP is the address node i of the schedule with seed listens on:
// an address of 127.0.0.0/8 of its own (Linux routes the whole block to
// the loopback interface), so that kernel rules can tell the nodes apart.
// Schedules that run at once get different addresses.
func loopbackIP(seed uint64, i int) string {
	return fmt.Sprintf("127.%d.%d.%d", 1+seed/250%250, seed%250, 1+i)
}

// IPTablesWorks reports whether this process can add and remove iptables
// rules (root, with the iptables tool), which NetCut faults need.
func IPTablesWorks() error {
	out, err := exec.Command("iptables", "-w", "-S", "INPUT").CombinedOutput()
	if err != nil {
		return fmt.Errorf("iptables: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cutRules are the iptables rules that cut the node at ip off: every
// packet from or to it on the loopback interface is dropped. The node's
// API (on 127.0.0.1) and its connections to the chain (whose source is
// 127.0.0.1 as well) are not touched.
func cutRules(ip string) [][]string {
	return [][]string{
		{"INPUT", "-i", "lo", "-s", ip, "-j", "DROP", "-m", "comment", "--comment", "deco-chaos"},
		{"INPUT", "-i", "lo", "-d", ip, "-j", "DROP", "-m", "comment", "--comment", "deco-chaos"},
	}
}

func iptables(op string, rule []string) error {
	args := append([]string{"-w", op}, rule...)
	if out, err := exec.Command("iptables", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("iptables %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// cut drops m's traffic with its peers for down, then lets it through
// again. Overlapping cuts of one node each add and remove their own copy
// of the rules, so the node is reachable again when the last one ends.
func (n *network) cut(ctx context.Context, m *member, down time.Duration) {
	if !n.cfg.NetCut {
		return
	}
	var added [][]string
	defer func() {
		for _, r := range added {
			if err := iptables("-D", r); err != nil {
				n.note("%s: %v", NetCut, err)
			}
		}
	}()
	for _, r := range cutRules(m.ip) {
		if err := iptables("-I", r); err != nil {
			n.note("%s: %v", NetCut, err)
			return
		}
		added = append(added, r)
	}
	n.count(NetCut)
	n.cfg.Logger.Info("network cut", "node", m.name, "ip", m.ip)
	select {
	case <-time.After(down):
	case <-ctx.Done():
	}
}
