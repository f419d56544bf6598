package p2p

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

type testMsg struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// frame builds a frame with an explicit length prefix and body.
func frame(n uint32, body string) []byte {
	b := binary.BigEndian.AppendUint32(nil, n)
	return append(b, body...)
}

func TestProtocolID(t *testing.T) {
	if got := ProtocolID("quote", 1); got != "/deco/quote/1" {
		t.Fatalf("ProtocolID = %q, want /deco/quote/1", got)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	in := []testMsg{{Name: "a", Count: 1}, {Name: strings.Repeat("x", 1000), Count: -7}}
	for _, m := range in {
		if err := WriteMsg(&buf, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range in {
		var got testMsg
		if err := ReadMsg(&buf, &got, 4096); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
	var m testMsg
	if err := ReadMsg(&buf, &m, 4096); !errors.Is(err, io.EOF) {
		t.Fatalf("read at end: err = %v, want io.EOF", err)
	}
}

func TestWriteMsgFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMsg(&buf, testMsg{Name: "q", Count: 2}); err != nil {
		t.Fatal(err)
	}
	want := frame(22, `{"name":"q","count":2}`)
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("frame = %q, want %q", buf.Bytes(), want)
	}
}

func TestReadMsgRejects(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		max   int
		want  error
	}{
		{name: "oversized", input: frame(100, strings.Repeat(" ", 100)), max: 99, want: ErrTooLarge},
		{name: "huge length, no body", input: frame(0xFFFFFFFF, ""), max: 1 << 20, want: ErrTooLarge},
		{name: "negative max", input: frame(2, "{}"), max: -1, want: ErrTooLarge},
		{name: "empty stream", input: nil, max: 100, want: io.EOF},
		{name: "truncated header", input: []byte{0, 0}, max: 100, want: io.ErrUnexpectedEOF},
		{name: "truncated body", input: frame(30, `{"name":"q"`), max: 100, want: io.ErrUnexpectedEOF},
		{name: "empty body", input: frame(0, ""), max: 100, want: ErrMalformed},
		{name: "malformed json", input: frame(11, `{"name":q"}`), max: 100, want: ErrMalformed},
		{name: "wrong type", input: frame(13, `{"count":"1"}`), max: 100, want: ErrMalformed},
		{name: "unknown field", input: frame(21, `{"name":"q","evil":1}`), max: 100, want: ErrMalformed},
		{name: "trailing value", input: frame(14, `{"name":"q"}{}`), max: 100, want: ErrMalformed},
		{name: "trailing garbage", input: frame(15, `{"name":"q"} xx`), max: 100, want: ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m testMsg
			err := ReadMsg(bytes.NewReader(tc.input), &m, tc.max)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestReadMsgAccepts(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		max   int
		want  testMsg
	}{
		{name: "exactly max", input: frame(12, `{"name":"q"}`), max: 12, want: testMsg{Name: "q"}},
		{name: "trailing whitespace", input: frame(13, `{"count":3} `+"\n"), max: 100, want: testMsg{Count: 3}},
		{name: "null", input: frame(4, `null`), max: 100, want: testMsg{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m testMsg
			if err := ReadMsg(bytes.NewReader(tc.input), &m, tc.max); err != nil {
				t.Fatal(err)
			}
			if m != tc.want {
				t.Fatalf("got %+v, want %+v", m, tc.want)
			}
		})
	}
}

// countingReader counts bytes read, to show an oversized frame's body is
// never read.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestReadMsgTooLargeReadsOnlyHeader(t *testing.T) {
	cr := &countingReader{r: bytes.NewReader(frame(1000, strings.Repeat("a", 1000)))}
	var m testMsg
	if err := ReadMsg(cr, &m, 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if cr.n != 4 {
		t.Fatalf("read %d bytes, want only the 4-byte header", cr.n)
	}
}

func FuzzReadMsg(f *testing.F) {
	f.Add(frame(22, `{"name":"q","count":2}`), 100)
	f.Add(frame(21, `{"name":"q","evil":1}`), 100)
	f.Add(frame(0xFFFFFFFF, ""), 1<<20)
	f.Add([]byte{0, 0, 0}, 10)
	f.Add(frame(4, "null"), 4)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		var m testMsg
		err := ReadMsg(bytes.NewReader(data), &m, max)
		if err != nil {
			return
		}
		// Whatever was accepted must round-trip and fit the cap.
		n := binary.BigEndian.Uint32(data)
		if max < 0 || uint64(n) > uint64(max) {
			t.Fatalf("accepted a %d-byte frame with max %d", n, max)
		}
		var buf bytes.Buffer
		if err := WriteMsg(&buf, m); err != nil {
			t.Fatal(err)
		}
		var again testMsg
		if err := ReadMsg(&buf, &again, buf.Len()); err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if again != m {
			t.Fatalf("round trip: %+v != %+v", again, m)
		}
	})
}
