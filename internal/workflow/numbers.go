package workflow

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
)

// maxExponent bounds the exponent of numbers parsed exactly: "1e999999999" is valid JSON but
// would take big.Rat gigabytes. No ComfyUI input needs more than a few hundred digits.
const maxExponent = 1000

// rat parses a JSON number exactly; float64 would round seeds above 2^53.
func rat(n json.Number) (*big.Rat, bool) {
	s := string(n)
	if !decimal(s) {
		return nil, false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || exp > maxExponent || exp < -maxExponent {
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// compareNumbers compares two JSON numbers exactly; an unparsable number compares as equal.
func compareNumbers(a, b json.Number) int {
	x, ok1 := rat(a)
	y, ok2 := rat(b)
	if !ok1 || !ok2 {
		return 0
	}
	return x.Cmp(y)
}

// decimal tells whether s is a number in JSON syntax (no hex, no fractions, no Inf/NaN).
func decimal(s string) bool {
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if digits() == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}
