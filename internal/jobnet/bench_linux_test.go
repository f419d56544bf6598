package jobnet

import (
	"context"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// benchVolume is what one benchmark iteration sends.
const benchVolume = 256 << 20

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time the process used per GB sent since start.
func reportCPU(b *testing.B, start time.Duration) {
	gb := float64(b.N) * benchVolume / 1e9
	b.ReportMetric((cpuTime(b)-start).Seconds()/gb, "cpu-s/GB")
}

// sink reads everything from r, then answers one byte.
func sink(rw io.ReadWriter) {
	io.Copy(io.Discard, rw)
	rw.Write([]byte{1})
}

// send writes benchVolume bytes to c, closes its write side and waits for
// the answer that all arrived.
func send(b *testing.B, c io.ReadWriter, closeWrite func() error) {
	if err := sendVolume(c, closeWrite, benchVolume); err != nil {
		b.Fatal(err)
	}
}

// sendVolume writes n bytes (a multiple of 256 KiB) to c, closes its write
// side and waits for sink's answer that all arrived.
func sendVolume(c io.ReadWriter, closeWrite func() error, n int) error {
	buf := make([]byte, 256<<10)
	for sent := 0; sent < n; sent += len(buf) {
		if _, err := c.Write(buf); err != nil {
			return err
		}
	}
	if err := closeWrite(); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf[:1])
	return err
}

// BenchmarkJobNetTCP streams TCP from task 0 to task 1 of a job whose tasks
// run on two hosts in two namespaces.
func BenchmarkJobNetTCP(b *testing.B) {
	requireRoot(b)
	hA, hB := newHost(b), newHost(b)
	connect(b, hA, hB)
	nsA, nsB := newNS(b), newNS(b)
	sA, sB := New(Config{Host: hA}), New(Config{Host: hB})
	defer sA.Close()
	defer sB.Close()
	members := []peer.ID{hA.ID(), hB.ID()}
	ctx := context.Background()
	l0, err := sA.Join(ctx, "bench", 0, members, nsA.path)
	if err != nil {
		b.Fatal(err)
	}
	l1, err := sB.Join(ctx, "bench", 1, members, nsB.path)
	if err != nil {
		b.Fatal(err)
	}
	if err := l0.Ready(ctx); err != nil {
		b.Fatal(err)
	}
	addr := netip.AddrPortFrom(l1.Addr(), 7001).String()
	listenIn(b, nsB, addr, func(c net.Conn) { sink(c) })
	b.SetBytes(benchVolume)
	start := cpuTime(b)
	for b.Loop() {
		c, err := dialIn(nsA, addr)
		if err != nil {
			b.Fatal(err)
		}
		send(b, c, c.(*net.TCPConn).CloseWrite)
		c.Close()
	}
	reportCPU(b, start)
}

// BenchmarkRawStream sends the same volume over a plain libp2p stream
// between two hosts like BenchmarkJobNetTCP's.
func BenchmarkRawStream(b *testing.B) {
	hA, hB := newHost(b), newHost(b)
	connect(b, hA, hB)
	const proto = "/deco/jobnet-bench/1"
	hB.SetStreamHandler(proto, func(st network.Stream) {
		defer st.Close()
		sink(st)
	})
	b.SetBytes(benchVolume)
	start := cpuTime(b)
	for b.Loop() {
		st, err := hA.NewStream(context.Background(), hB.ID(), proto)
		if err != nil {
			b.Fatal(err)
		}
		send(b, st, st.CloseWrite)
		st.Close()
	}
	reportCPU(b, start)
}
