package jobnet

import (
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
)

// DefaultRange is the range job subnets are taken from when Config.Range is
// zero: the shared address space of RFC 6598, which no task's real network
// should use.
var DefaultRange = netip.MustParsePrefix("100.64.0.0/10")

// subnetBits is the prefix length of a job's subnet: 1022 task addresses,
// room for the 256 tasks a job may have and spare.
const subnetBits = 22

// Subnet returns job jobID's subnet inside rng: the /22 chosen by the first
// eight bytes of the SHA-256 of jobID, so that every node computes the same
// one. It returns the zero Prefix if rng is not a valid IPv4 prefix of at
// most 22 bits.
func Subnet(rng netip.Prefix, jobID string) netip.Prefix {
	if !rng.IsValid() || !rng.Addr().Is4() || rng.Bits() > subnetBits {
		return netip.Prefix{}
	}
	h := sha256.Sum256([]byte(jobID))
	slots := uint64(1) << (subnetBits - rng.Bits())
	slot := uint32(binary.BigEndian.Uint64(h[:8]) % slots)
	base := u32(rng.Masked().Addr()) + slot<<(32-subnetBits)
	return netip.PrefixFrom(addr4(base), subnetBits)
}

// Addr returns task task's address in subnet: the subnet's base + 1 + task.
// It returns the zero Addr if subnet is not a valid IPv4 prefix or task is
// negative or beyond the subnet's last host address.
func Addr(subnet netip.Prefix, task int) netip.Addr {
	if task < 0 || task >= capacity(subnet) {
		return netip.Addr{}
	}
	return addr4(u32(subnet.Masked().Addr()) + 1 + uint32(task))
}

// capacity is how many task addresses subnet holds: all but the network
// and broadcast addresses; 0 for a prefix that is not IPv4 or too long.
func capacity(subnet netip.Prefix) int {
	if !subnet.IsValid() || !subnet.Addr().Is4() || subnet.Bits() > 30 {
		return 0
	}
	return 1<<(32-subnet.Bits()) - 2
}

// taskOf is the inverse of Addr: the task whose address in subnet is a.
func taskOf(subnet netip.Prefix, a netip.Addr) (int, bool) {
	if !a.Is4() || !subnet.Contains(a) {
		return 0, false
	}
	task := int(u32(a)-u32(subnet.Masked().Addr())) - 1
	return task, task >= 0 && task < capacity(subnet)
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func addr4(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}
