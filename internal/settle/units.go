package settle

import (
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/deco-network/deco/internal/money"
)

// TokenDecimals is the number of decimals of deco's settlement token.
const TokenDecimals = 18

// unitsPerMicro is token base units per money micro-unit: 10^(18-6).
var unitsPerMicro = new(big.Int).Exp(big.NewInt(10), big.NewInt(TokenDecimals-6), nil)

// ErrAmountRange means a token amount does not fit a money.Amount.
var ErrAmountRange = errors.New("token amount out of range")

// ToTokenUnits converts a money amount to token base units (10^-18 token).
func ToTokenUnits(a money.Amount) *big.Int {
	return new(big.Int).Mul(big.NewInt(int64(a)), unitsPerMicro)
}

// FromTokenUnits converts token base units to a money amount, rounding down
// to whole micro-units (dust below 10^12 base units is not representable).
func FromTokenUnits(u *big.Int) (money.Amount, error) {
	if u == nil {
		return 0, fmt.Errorf("%w: nil", ErrAmountRange)
	}
	q := new(big.Int).Quo(u, unitsPerMicro)
	if !q.IsInt64() || q.Int64() == math.MinInt64 {
		return 0, fmt.Errorf("%w: %s", ErrAmountRange, u)
	}
	return money.Amount(q.Int64()), nil
}
