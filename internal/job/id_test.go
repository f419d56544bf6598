package job

import (
	"bytes"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNewIDAt(t *testing.T) {
	zero := bytes.NewReader(make([]byte, 10))
	id, err := NewIDAt(time.UnixMilli(0), zero)
	if err != nil || id != strings.Repeat("0", IDLen) {
		t.Fatalf("epoch, zero bits: %q, %v", id, err)
	}
	ones := bytes.NewReader(bytes.Repeat([]byte{0xff}, 10))
	id, err = NewIDAt(time.UnixMilli(1<<48-1), ones)
	if err != nil || id != "7"+strings.Repeat("z", IDLen-1) {
		t.Fatalf("max time, all-one bits: %q, %v", id, err)
	}
	// 1 ms and the lowest random bit set: the ULID layout puts the timestamp
	// in the first 10 characters and the random bits in the other 16.
	id, err = NewIDAt(time.UnixMilli(1), bytes.NewReader(append(make([]byte, 9), 1)))
	if err != nil || id != "0000000001"+strings.Repeat("0", 15)+"1" {
		t.Fatalf("1ms, bit 0: %q, %v", id, err)
	}
}

func TestNewIDErrors(t *testing.T) {
	if _, err := NewIDAt(time.UnixMilli(-1), rand.Reader); err == nil {
		t.Error("time before 1970 accepted")
	}
	if _, err := NewIDAt(time.UnixMilli(1<<48), rand.Reader); err == nil {
		t.Error("time past 48 bits accepted")
	}
	if _, err := NewIDAt(time.Now(), bytes.NewReader(make([]byte, 9))); err == nil {
		t.Error("short random reader accepted")
	}
}

func TestIDsSortByTime(t *testing.T) {
	base := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 1000 {
		// Later IDs get smaller random bits, so only the time orders them.
		r := bytes.NewReader(bytes.Repeat([]byte{byte(255 - i%256)}, 10))
		id, err := NewIDAt(base.Add(time.Duration(i)*time.Millisecond*7), r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Fatal("IDs made at increasing times do not sort in that order")
	}
	for i, id := range ids {
		got, err := IDTime(id)
		want := base.Add(time.Duration(i) * time.Millisecond * 7)
		if err != nil || !got.Equal(want) {
			t.Fatalf("IDTime(%q) = %v, %v; want %v", id, got, err, want)
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		id := NewID()
		if err := CheckID(id); err != nil {
			t.Fatal(err)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestCheckID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		ok   bool
	}{
		{name: "valid", id: "01jd8z3k7m" + "0123456789abcdef", ok: true},
		{name: "too short", id: "01jd8z3k7m"},
		{name: "upper case", id: "01JD8Z3K7M" + "0123456789abcdef"},
		{name: "excluded letter", id: "01jd8z3k7m" + "0123456789abcdei"},
		{name: "overflow", id: "8" + strings.Repeat("0", 25)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckID(tc.id)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidID) {
				t.Fatalf("error %v is not ErrInvalidID", err)
			}
		})
	}
}
