// Package money defines the token amount type used for prices, quotes and
// payments. Amounts are whole micro-units of the settlement token (1 DECO =
// 1,000,000 micro-DECO) so arithmetic is exact and cheap.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Unit is the number of micro-units in one token.
const Unit Amount = 1_000_000

// Amount is a non-fractional count of micro-units of the settlement token.
type Amount int64

// Parse reads a decimal token amount such as "1.5", "0.000001" or "3".
// At most six fractional digits are accepted; negative amounts are refused.
func Parse(s string) (Amount, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty amount")
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("amount %q is negative", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if len(frac) > 6 {
		return 0, fmt.Errorf("amount %q has more than 6 decimal places", s)
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("amount %q is not a decimal number", s)
	}
	var f uint64
	if frac != "" {
		f, err = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 63)
		if err != nil {
			return 0, fmt.Errorf("amount %q is not a decimal number", s)
		}
	}
	if w > uint64(math.MaxInt64/int64(Unit)) {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	return Amount(w)*Unit + Amount(f), nil
}

// String formats the amount as a decimal token figure without trailing zeros.
func (a Amount) String() string {
	sign := ""
	if a < 0 {
		sign, a = "-", -a
	}
	w, f := a/Unit, a%Unit
	if f == 0 {
		return sign + strconv.FormatInt(int64(w), 10)
	}
	fs := strings.TrimRight(fmt.Sprintf("%06d", int64(f)), "0")
	return fmt.Sprintf("%s%d.%s", sign, int64(w), fs)
}

// MarshalJSON encodes the amount as a decimal string, e.g. "1.25".
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON accepts a decimal string or a JSON number.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else {
		s = string(b)
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalYAML encodes the amount as a decimal string.
func (a Amount) MarshalYAML() (any, error) { return a.String(), nil }

// UnmarshalYAML accepts a decimal string or number.
func (a *Amount) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MulRatio returns a*num/den rounded up, saturating instead of overflowing.
// It prices a quantity: per-hour price times used resource-seconds / 3600.
func (a Amount) MulRatio(num, den int64) Amount {
	if den == 0 || a == 0 || num == 0 {
		return 0
	}
	hi, lo := mul64(uint64(a), uint64(num))
	if hi >= uint64(den) {
		return Amount(math.MaxInt64)
	}
	q, r := div128(hi, lo, uint64(den))
	if r != 0 {
		q++
	}
	if q > math.MaxInt64 {
		return Amount(math.MaxInt64)
	}
	return Amount(q)
}
