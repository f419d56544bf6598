package job

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxQuantityLen caps the text of one quantity so parsing stays cheap on
// hostile input.
const maxQuantityLen = 64

// Binary byte units.
const (
	KiB ByteSize = 1 << (10 * (iota + 1))
	MiB
	GiB
	TiB
	PiB
	EiB
)

// splitDecimal splits s, a decimal number such as "-1.50", into its sign,
// whole digits and fractional digits (trailing zeros removed). It accepts
// no exponent, no spaces and no underscores.
func splitDecimal(s string) (neg bool, whole, frac string, ok bool) {
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && frac == "" || dot && frac == "" && whole == "" {
		return false, "", "", false
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false, "", "", false
			}
		}
	}
	frac = strings.TrimRight(frac, "0")
	if whole == "" {
		whole = "0"
	}
	return neg, whole, frac, true
}

// ParseMilliCPU reads a CPU quantity: a number of cores ("2", "0.5", "1.5")
// or a number of millicores with the suffix m ("500m"). A core count may
// have at most three decimal places.
func ParseMilliCPU(s string) (MilliCPU, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty cpu quantity")
	}
	if len(s) > maxQuantityLen {
		return 0, fmt.Errorf("cpu quantity %.20q... is too long", s)
	}
	if milli, ok := strings.CutSuffix(s, "m"); ok {
		neg, whole, frac, ok := splitDecimal(milli)
		if !ok || frac != "" {
			return 0, fmt.Errorf("cpu quantity %q: want whole millicores like 500m", s)
		}
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu quantity %q is out of range", s)
		}
		if neg {
			v = -v
		}
		return MilliCPU(v), nil
	}
	neg, whole, frac, ok := splitDecimal(s)
	if !ok {
		return 0, fmt.Errorf("cpu quantity %q: want cores like 2, 0.5 or millicores like 500m", s)
	}
	if len(frac) > 3 {
		return 0, fmt.Errorf("cpu quantity %q is finer than a millicore", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/1000-1 {
		return 0, fmt.Errorf("cpu quantity %q is out of range", s)
	}
	var f int64
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 3-len(frac)), 10, 64)
	}
	v := w*1000 + f
	if neg {
		v = -v
	}
	return MilliCPU(v), nil
}

// String formats the quantity as a number of cores, e.g. "2", "0.5" or
// "0.001"; ParseMilliCPU reads it back exactly.
func (m MilliCPU) String() string {
	sign := ""
	u := uint64(m)
	if m < 0 {
		sign, u = "-", uint64(-m)
	}
	w, f := u/1000, u%1000
	if f == 0 {
		return sign + strconv.FormatUint(w, 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%03d", f), "0")
	return sign + strconv.FormatUint(w, 10) + "." + fs
}

// Cores returns the quantity as a fractional number of cores.
func (m MilliCPU) Cores() float64 { return float64(m) / 1000 }

// MarshalJSON encodes the quantity as a JSON number of cores, e.g. 1.5.
func (m MilliCPU) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalJSON accepts a JSON number of cores or a string ("1.5", "500m").
func (m *MilliCPU) UnmarshalJSON(b []byte) error {
	s, err := jsonScalar(b)
	if err != nil || s == "" && string(b) == "null" {
		return err
	}
	v, err := ParseMilliCPU(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalYAML encodes the quantity as a YAML number of cores.
func (m MilliCPU) MarshalYAML() (any, error) {
	tag := "!!int"
	if m%1000 != 0 {
		tag = "!!float"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: m.String()}, nil
}

// UnmarshalYAML accepts a number of cores or a string ("1.5", "500m").
func (m *MilliCPU) UnmarshalYAML(n *yaml.Node) error {
	s, err := yamlScalar(n)
	if err != nil {
		return err
	}
	v, err := ParseMilliCPU(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// byteUnits maps lower-case unit suffixes to their multipliers: SI units
// (k, M, G... = powers of 1000) and binary units (Ki, Mi, Gi... = powers
// of 1024), each with or without a trailing B.
var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "ti": 1 << 40, "tib": 1 << 40,
	"p": 1e15, "pb": 1e15, "pi": 1 << 50, "pib": 1 << 50,
	"e": 1e18, "eb": 1e18, "ei": 1 << 60, "eib": 1 << 60,
}

// ParseByteSize reads a byte quantity: a plain byte count ("1024") or a
// number with a unit ("512MiB", "4GiB", "1.5GiB", "100M", "1G"). Units are
// case-insensitive; k, M, G, T, P, E are powers of 1000 and Ki, Mi, Gi, Ti,
// Pi, Ei powers of 1024, with or without a trailing B. The result must be
// a whole number of bytes.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty size")
	}
	if len(s) > maxQuantityLen {
		return 0, fmt.Errorf("size %.20q... is too long", s)
	}
	i := strings.IndexFunc(s, func(r rune) bool {
		return (r < '0' || r > '9') && r != '.' && r != '-' && r != '+'
	})
	num, unit := s, ""
	if i >= 0 {
		num, unit = s[:i], strings.TrimSpace(s[i:])
	}
	mult, ok := byteUnits[strings.ToLower(unit)]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (want B, KiB, MiB, GiB, TiB, k, M, G, T...)", s, unit)
	}
	neg, whole, frac, ok := splitDecimal(num)
	if !ok {
		return 0, fmt.Errorf("size %q: want a byte count or a number with a unit like 512MiB", s)
	}
	v, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return 0, fmt.Errorf("size %q is not a number", s)
	}
	v.Mul(v, big.NewInt(mult))
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	q, r := new(big.Int).QuoRem(v, den, new(big.Int))
	if r.Sign() != 0 {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", s)
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("size %q is out of range", s)
	}
	b := q.Int64()
	if neg {
		b = -b
	}
	return ByteSize(b), nil
}

// byteUnitNames lists the units String uses, largest first: binary units,
// then SI units.
var byteUnitNames = []struct {
	size ByteSize
	name string
}{
	{EiB, "EiB"}, {PiB, "PiB"}, {TiB, "TiB"}, {GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"},
	{1e18, "EB"}, {1e15, "PB"}, {1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"},
}

// human returns the shortest exact form of the size with a unit: a whole
// number of the largest binary unit that divides it ("512MiB") or of the
// largest SI unit ("100GB"); binary wins ties, and a unit form beats a
// plain byte count of the same length. It returns false when the plain
// byte count is shorter.
func (b ByteSize) human() (string, bool) {
	plain := strconv.FormatInt(int64(b), 10)
	best := plain
	if b == 0 {
		return "", false
	}
	binary, si := false, false
	for _, u := range byteUnitNames {
		isBinary := u.name[1] == 'i'
		if b%u.size != 0 || isBinary && binary || !isBinary && si {
			continue
		}
		if isBinary {
			binary = true
		} else {
			si = true
		}
		if h := strconv.FormatInt(int64(b/u.size), 10) + u.name; len(h) < len(best) || best == plain && len(h) == len(plain) {
			best = h
		}
	}
	return best, best != plain
}

// String formats the size in its shortest exact form: "512MiB", "100GB"
// or a plain byte count like "1500"; ParseByteSize reads each back exactly.
func (b ByteSize) String() string {
	if h, ok := b.human(); ok {
		return h
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalJSON encodes the size as a string like "512MiB" when a unit
// makes it shorter (see String), and as a JSON number of bytes otherwise.
func (b ByteSize) MarshalJSON() ([]byte, error) {
	if h, ok := b.human(); ok {
		return json.Marshal(h)
	}
	return []byte(strconv.FormatInt(int64(b), 10)), nil
}

// UnmarshalJSON accepts a JSON number of bytes or a size string.
func (b *ByteSize) UnmarshalJSON(data []byte) error {
	s, err := jsonScalar(data)
	if err != nil || s == "" && string(data) == "null" {
		return err
	}
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalYAML encodes the size like MarshalJSON does.
func (b ByteSize) MarshalYAML() (any, error) {
	if h, ok := b.human(); ok {
		return h, nil
	}
	return int64(b), nil
}

// UnmarshalYAML accepts a number of bytes or a size string.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	s, err := yamlScalar(n)
	if err != nil {
		return err
	}
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// ParseDuration reads a duration written like "30s", "1h30m" (Go syntax)
// or a whole number of seconds ("90").
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if len(s) > maxQuantityLen {
		return 0, fmt.Errorf("duration %.20q... is too long", s)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
			return 0, fmt.Errorf("duration %q is out of range", s)
		}
		return Duration(time.Duration(n) * time.Second), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want a value like 30s, 1h30m or a number of seconds", s)
	}
	return Duration(d), nil
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats the duration in Go syntax without zero trailing units,
// e.g. "1h30m", "1h", "45s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// MarshalJSON encodes the duration as a string like "1h30m".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON accepts a duration string or a JSON number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s, err := jsonScalar(b)
	if err != nil || s == "" && string(b) == "null" {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalYAML encodes the duration as a string like "1h30m".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML accepts a duration string or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	s, err := yamlScalar(n)
	if err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// jsonScalar returns the text of a JSON string or number; for null it
// returns "" and no error.
func jsonScalar(b []byte) (string, error) {
	switch {
	case string(b) == "null":
		return "", nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		if s == "" {
			return "", errors.New("empty value")
		}
		return s, nil
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		return string(b), nil
	default:
		return "", fmt.Errorf("want a number or a string, got %.20s", b)
	}
}

// yamlScalar returns the text of a YAML scalar node.
func yamlScalar(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errors.New("want a number or a string")
	}
	return n.Value, nil
}
