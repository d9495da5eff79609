package workflow

import (
	"math"
	"math/big"
)

// RandomSeed draws a seed uniformly from the non-negative part of r using next (for example
// a math/rand/v2 generator's Uint64 method). KSampler's seed range is 0..2^64-1, which is
// kept exactly; an empty range yields its lower end.
func RandomSeed(next func() uint64, r Range) uint64 {
	lo, hi := seedBounds(r)
	if lo == 0 && hi == math.MaxUint64 {
		return next()
	}
	if lo >= hi {
		return lo
	}
	n := hi - lo + 1
	// Rejection sampling removes the modulo bias; the bound on tries only matters for a
	// degenerate source that keeps returning rejected values.
	threshold := -n % n
	v := next()
	for range 64 {
		if v >= threshold {
			break
		}
		v = next()
	}
	return lo + v%n
}

func seedBounds(r Range) (lo, hi uint64) {
	lo, hi = 0, math.MaxUint64
	if m, ok := rat(r.Min); ok && m.Sign() > 0 {
		lo = clampUint(ceil(m))
	}
	if m, ok := rat(r.Max); ok {
		if m.Sign() < 0 {
			return lo, 0
		}
		hi = clampUint(floor(m))
	}
	return lo, hi
}

func floor(r *big.Rat) *big.Int {
	q := new(big.Int)
	m := new(big.Int)
	q.DivMod(r.Num(), r.Denom(), m) // Euclidean division floors for a positive denominator
	return q
}

func ceil(r *big.Rat) *big.Int {
	q := floor(r)
	if !r.IsInt() {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func clampUint(i *big.Int) uint64 {
	if i.Sign() < 0 {
		return 0
	}
	if !i.IsUint64() {
		return math.MaxUint64
	}
	return i.Uint64()
}
