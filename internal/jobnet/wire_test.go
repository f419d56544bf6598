package jobnet

import (
	"bufio"
	"bytes"
	"io"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	var b bytes.Buffer
	if err := writeHeader(&b, "01jobid"); err != nil {
		t.Fatal(err)
	}
	if got, err := readHeader(&b); err != nil || got != "01jobid" {
		t.Fatalf("readHeader = %q, %v", got, err)
	}
	for _, bad := range []string{"", strings.Repeat("x", maxJobID+1)} {
		if err := writeHeader(&b, bad); err == nil {
			t.Errorf("writeHeader(%d bytes) succeeded", len(bad))
		}
	}
	if _, err := readHeader(bytes.NewReader([]byte{5, 'a'})); err == nil {
		t.Error("readHeader of a short header succeeded")
	}
}

func TestFrames(t *testing.T) {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	big := bytes.Repeat([]byte{0x45}, MTU)
	payloads := [][]byte{joinedMsg([]int{0, 2, 300}), big, {0x45, 1, 2}}
	for _, p := range payloads {
		if err := writeFrame(w, p); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	r := bufio.NewReaderSize(&b, bufSize)
	for i, want := range payloads {
		got, err := readFrame(r)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("frame %d: got %d bytes, %v", i, len(got), err)
		}
	}
	if _, err := readFrame(r); err != io.EOF {
		t.Errorf("read past the last frame: %v, want EOF", err)
	}
	if _, err := readFrame(bufio.NewReader(bytes.NewReader([]byte{0, 5, 0x45}))); err != io.ErrUnexpectedEOF {
		t.Errorf("read a truncated frame: %v, want ErrUnexpectedEOF", err)
	}
	tasks, err := parseJoined(payloads[0])
	if err != nil || !slices.Equal(tasks, []int{0, 2, 300}) {
		t.Errorf("parseJoined = %v, %v", tasks, err)
	}
	for _, bad := range [][]byte{nil, {ctlJoined, 1}, {0x45, 0, 1}} {
		if _, err := parseJoined(bad); err == nil {
			t.Errorf("parseJoined(%x) succeeded", bad)
		}
	}
}

func TestIPv4Addrs(t *testing.T) {
	p := make([]byte, 20)
	p[0] = 0x45
	copy(p[12:], []byte{100, 64, 0, 1})
	copy(p[16:], []byte{100, 64, 0, 2})
	src, dst, ok := ipv4Addrs(p)
	if !ok || src != netip.MustParseAddr("100.64.0.1") || dst != netip.MustParseAddr("100.64.0.2") {
		t.Errorf("ipv4Addrs = %s, %s, %v", src, dst, ok)
	}
	v6 := append([]byte{0x60}, make([]byte, 39)...)
	for _, bad := range [][]byte{p[:19], v6, nil} {
		if _, _, ok := ipv4Addrs(bad); ok {
			t.Errorf("ipv4Addrs(%d bytes, %x...) ok", len(bad), bad[:min(1, len(bad))])
		}
	}
}
