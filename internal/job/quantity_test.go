package job

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseMilliCPU(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want MilliCPU
		err  string
	}{
		{name: "whole cores", in: "2", want: 2000},
		{name: "half core", in: "0.5", want: 500},
		{name: "decimal", in: "1.5", want: 1500},
		{name: "leading dot", in: ".25", want: 250},
		{name: "trailing zeros", in: "1.5000", want: 1500},
		{name: "millicores", in: "500m", want: 500},
		{name: "one millicore", in: "0.001", want: 1},
		{name: "spaces", in: " 3 ", want: 3000},
		{name: "negative", in: "-1", want: -1000},
		{name: "too fine", in: "0.0005", err: "finer than a millicore"},
		{name: "fractional millicores", in: "1.5m", err: "whole millicores"},
		{name: "exponent", in: "1e3", err: "want cores"},
		{name: "word", in: "lots", err: "want cores"},
		{name: "empty", in: "", err: "empty"},
		{name: "dot only", in: ".", err: "want cores"},
		{name: "overflow", in: "99999999999999999999", err: "out of range"},
		{name: "too long", in: strings.Repeat("1", 100), err: "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMilliCPU(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseMilliCPU(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseMilliCPU(%q) = %v, %v; want %d", tc.in, int64(got), err, int64(tc.want))
			}
		})
	}
}

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ByteSize
		err  string
	}{
		{name: "MiB", in: "512MiB", want: 512 << 20},
		{name: "GiB", in: "4GiB", want: 4 << 30},
		{name: "SI G", in: "1G", want: 1_000_000_000},
		{name: "fractional GiB", in: "1.5GiB", want: 3 << 29},
		{name: "SI M", in: "100M", want: 100_000_000},
		{name: "plain", in: "1024", want: 1024},
		{name: "bytes suffix", in: "10B", want: 10},
		{name: "k8s Mi", in: "64Mi", want: 64 << 20},
		{name: "lower case", in: "2gib", want: 2 << 30},
		{name: "space before unit", in: "3 KiB", want: 3072},
		{name: "kB", in: "2kB", want: 2000},
		{name: "TiB", in: "1TiB", want: 1 << 40},
		{name: "EiB", in: "7EiB", want: 7 << 60},
		{name: "negative", in: "-1MiB", want: -(1 << 20)},
		{name: "not whole", in: "1.1KiB", err: "not a whole number of bytes"},
		{name: "fraction of a byte", in: "0.5", err: "not a whole number of bytes"},
		{name: "unknown unit", in: "5 parsecs", err: "unknown unit"},
		{name: "overflow", in: "8EiB", err: "out of range"},
		{name: "empty", in: "", err: "empty"},
		{name: "unit only", in: "GiB", err: "want a byte count"},
		{name: "too long", in: strings.Repeat("9", 80), err: "too long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseByteSize(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseByteSize(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseByteSize(%q) = %d, %v; want %d", tc.in, int64(got), err, int64(tc.want))
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want time.Duration
		err  string
	}{
		{name: "seconds", in: "30s", want: 30 * time.Second},
		{name: "hours and minutes", in: "1h30m", want: 90 * time.Minute},
		{name: "integer seconds", in: "90", want: 90 * time.Second},
		{name: "days unsupported", in: "2d", err: "want a value like"},
		{name: "overflow", in: "99999999999999", err: "out of range"},
		{name: "empty", in: "", err: "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseDuration(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseDuration(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got.Std() != tc.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestQuantityStrings(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "cpu whole", got: MilliCPU(2000).String(), want: "2"},
		{name: "cpu half", got: MilliCPU(500).String(), want: "0.5"},
		{name: "cpu milli", got: MilliCPU(1).String(), want: "0.001"},
		{name: "cpu negative", got: MilliCPU(-1250).String(), want: "-1.25"},
		{name: "bytes MiB", got: (512 * MiB).String(), want: "512MiB"},
		{name: "bytes 1.5GiB", got: (3 * GiB / 2).String(), want: "1536MiB"},
		{name: "bytes SI", got: ByteSize(100_000_000_000).String(), want: "100GB"},
		{name: "bytes plain", got: ByteSize(1500).String(), want: "1500"},
		{name: "bytes zero", got: ByteSize(0).String(), want: "0"},
		{name: "bytes KiB", got: ByteSize(1024).String(), want: "1KiB"},
		{name: "bytes negative", got: (-4 * MiB).String(), want: "-4MiB"},
		{name: "duration h", got: Duration(time.Hour).String(), want: "1h"},
		{name: "duration hm", got: Duration(90 * time.Minute).String(), want: "1h30m"},
		{name: "duration s", got: Duration(10 * time.Second).String(), want: "10s"},
		{name: "duration hs", got: Duration(time.Hour + time.Second).String(), want: "1h0m1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// TestQuantityRoundTrip checks that every quantity reads back from its
// String, JSON and YAML forms as the same value.
func TestQuantityRoundTrip(t *testing.T) {
	cpus := []MilliCPU{0, 1, 499, 500, 1000, 1500, 123456, -7, 1 << 50}
	for _, c := range cpus {
		if got, err := ParseMilliCPU(c.String()); err != nil || got != c {
			t.Errorf("cpu %d: String %q reads back as %d, %v", c, c.String(), got, err)
		}
		checkCodecs(t, c)
	}
	sizes := []ByteSize{0, 1, 1000, 1023, 1024, 1500, 512 * MiB, 3 * GiB / 2, 1_000_000_000, 7 * EiB, -5, 1<<63 - 1}
	for _, b := range sizes {
		if got, err := ParseByteSize(b.String()); err != nil || got != b {
			t.Errorf("size %d: String %q reads back as %d, %v", b, b.String(), got, err)
		}
		checkCodecs(t, b)
	}
	durs := []Duration{0, Duration(time.Second), Duration(90 * time.Minute), Duration(1500 * time.Millisecond), Duration(7 * 24 * time.Hour)}
	for _, d := range durs {
		if got, err := ParseDuration(d.String()); err != nil || got != d {
			t.Errorf("duration %d: String %q reads back as %d, %v", d, d.String(), got, err)
		}
		checkCodecs(t, d)
	}
}

func checkCodecs[T comparable](t *testing.T, v T) {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json %v: %v", v, err)
	}
	var fromJSON T
	if err := json.Unmarshal(j, &fromJSON); err != nil || fromJSON != v {
		t.Errorf("json %s reads back as %v, %v; want %v", j, fromJSON, err, v)
	}
	y, err := yaml.Marshal(map[string]T{"v": v})
	if err != nil {
		t.Fatalf("yaml %v: %v", v, err)
	}
	var fromYAML map[string]T
	if err := yaml.Unmarshal(y, &fromYAML); err != nil || fromYAML["v"] != v {
		t.Errorf("yaml %q reads back as %v, %v; want %v", y, fromYAML["v"], err, v)
	}
}

func TestQuantityJSONForms(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Resources
	}{
		{name: "numbers", in: `{"cpu": 0.5, "memory": 1048576}`, want: Resources{CPU: 500, Memory: MiB}},
		{name: "strings", in: `{"cpu": "500m", "memory": "1MiB", "disk": "1G"}`, want: Resources{CPU: 500, Memory: MiB, Disk: 1e9}},
		{name: "null leaves zero", in: `{"cpu": null, "memory": null}`, want: Resources{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Resources
			if err := json.Unmarshal([]byte(tc.in), &r); err != nil || !r.Equal(tc.want) {
				t.Fatalf("got %+v, %v; want %+v", r, err, tc.want)
			}
		})
	}
	var r Resources
	for _, bad := range []string{`{"cpu": true}`, `{"memory": ""}`, `{"memory": [1]}`} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
