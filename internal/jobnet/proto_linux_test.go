package jobnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// TestUDPAndICMP checks that UDP datagrams (whose checksums the TUNs leave
// partial, like TCP's) of every size up to the largest and ICMP echo
// (whose checksum is always complete) cross the job network both ways, on
// the remote path and the local one.
func TestUDPAndICMP(t *testing.T) {
	requireRoot(t)
	hA, hB := newHost(t), newHost(t)
	connect(t, hA, hB)
	nsA, nsB, nsC := newNS(t), newNS(t), newNS(t)
	sA := New(Config{Host: hA, Logger: testLogger("A")})
	sB := New(Config{Host: hB, Logger: testLogger("B")})
	defer sA.Close()
	defer sB.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	members := []peer.ID{hA.ID(), hB.ID(), hA.ID()}
	var links [3]*Link
	for i, tc := range []struct {
		s  *Service
		ns testNS
	}{{sA, nsA}, {sB, nsB}, {sA, nsC}} {
		l, err := tc.s.Join(ctx, "job-udp", i, members, tc.ns.path)
		if err != nil {
			t.Fatal(err)
		}
		links[i] = l
	}
	for _, l := range links {
		if err := l.Ready(ctx); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name     string
		from, to testNS
		dst      *Link
	}{
		{"remote", nsA, nsB, links[1]},
		{"local", nsA, nsC, links[2]},
	} {
		t.Run("UDP "+tc.name, func(t *testing.T) {
			dst := netip.AddrPortFrom(tc.dst.Addr(), 7100)
			var srv *net.UDPConn
			if err := inNS(tc.to.h, func() (err error) { srv, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(dst)); return err }); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			go func() { // echo
				buf := make([]byte, 1<<16)
				for {
					n, from, err := srv.ReadFromUDPAddrPort(buf)
					if err != nil {
						return
					}
					srv.WriteToUDPAddrPort(buf[:n], from)
				}
			}()
			var c *net.UDPConn
			if err := inNS(tc.from.h, func() (err error) { c, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(dst)); return err }); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// 65507 is the largest UDP payload in an IPv4 packet of MTU bytes.
			for _, size := range []int{1, 1400, 9000, 65507} {
				want := make([]byte, size)
				rand.Read(want)
				got := make([]byte, 1<<16)
				var n int
				var err error
				for try := 0; try < 5; try++ { // UDP may drop; a few tries
					c.Write(want)
					c.SetReadDeadline(time.Now().Add(time.Second))
					if n, err = c.Read(got); err == nil {
						break
					}
				}
				if err != nil || !bytes.Equal(got[:n], want) {
					t.Fatalf("%d-byte datagram: echo of %d bytes, %v", size, n, err)
				}
			}
		})
		t.Run("ICMP "+tc.name, func(t *testing.T) {
			var c net.PacketConn
			if err := inNS(tc.from.h, func() (err error) { c, err = net.ListenPacket("ip4:icmp", links[0].Addr().String()); return err }); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			dst := &net.IPAddr{IP: tc.dst.Addr().AsSlice()}
			for seq, size := range []int{0, 56, 30000} {
				req := echoRequest(0x4a4e, seq, size)
				var reply []byte
				for try := 0; try < 5 && reply == nil; try++ {
					if _, err := c.WriteTo(req, dst); err != nil {
						t.Fatal(err)
					}
					c.SetReadDeadline(time.Now().Add(time.Second))
					buf := make([]byte, 1<<16)
					for {
						n, from, err := c.ReadFrom(buf)
						if err != nil {
							break
						}
						// An echo reply (type 0) to this request from the peer.
						if from.String() == dst.String() && n == len(req) && buf[0] == 0 &&
							bytes.Equal(buf[4:n], req[4:]) && icmpChecksum(buf[:n]) == 0 {
							reply = buf[:n]
							break
						}
					}
				}
				if reply == nil {
					t.Fatalf("no echo reply to a %d-byte ping from %s", size, dst)
				}
			}
		})
	}
}

// echoRequest is an ICMP echo request with identifier id, sequence seq and
// size bytes of random data.
func echoRequest(id, seq, size int) []byte {
	p := make([]byte, 8+size)
	p[0] = 8 // echo request
	binary.BigEndian.PutUint16(p[4:], uint16(id))
	binary.BigEndian.PutUint16(p[6:], uint16(seq))
	rand.Read(p[8:])
	binary.BigEndian.PutUint16(p[2:], icmpChecksum(p))
	return p
}

// icmpChecksum is the Internet checksum of p; it is 0 over a message whose
// checksum field is right.
func icmpChecksum(p []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(p); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	if len(p)%2 == 1 {
		sum += uint32(p[len(p)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}
