package settle

import (
	"errors"
	"math/big"
	"testing"

	"github.com/deco-network/deco/internal/money"
)

func TestTokenUnits(t *testing.T) {
	tests := []struct {
		name  string
		money money.Amount
		units string
	}{
		{name: "zero", money: 0, units: "0"},
		{name: "one micro-unit", money: 1, units: "1000000000000"},
		{name: "one token", money: money.Unit, units: "1000000000000000000"},
		{name: "1.5 tokens", money: money.Unit * 3 / 2, units: "1500000000000000000"},
		{name: "negative", money: -2, units: "-2000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := ToTokenUnits(tc.money)
			if u.String() != tc.units {
				t.Fatalf("ToTokenUnits(%d) = %s, want %s", tc.money, u, tc.units)
			}
			back, err := FromTokenUnits(u)
			if err != nil || back != tc.money {
				t.Fatalf("FromTokenUnits(%s) = %d, %v; want %d", u, back, err, tc.money)
			}
		})
	}
}

func TestFromTokenUnitsRoundsDownAndRejectsOverflow(t *testing.T) {
	a, err := FromTokenUnits(big.NewInt(1_999_999_999_999))
	if err != nil || a != 1 {
		t.Fatalf("dust: got %d, %v; want 1", a, err)
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 200)
	if _, err := FromTokenUnits(huge); !errors.Is(err, ErrAmountRange) {
		t.Fatalf("2^200: err = %v, want ErrAmountRange", err)
	}
	if _, err := FromTokenUnits(nil); !errors.Is(err, ErrAmountRange) {
		t.Fatalf("nil: err = %v, want ErrAmountRange", err)
	}
}
