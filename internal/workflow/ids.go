package workflow

import "strings"

// compareIDs orders node ids naturally: digit runs compare as numbers, so "9" < "10" and
// subgraph ids like "4:2" sort beside "4".
func compareIDs(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		xd, yd := isDigit(x[0]), isDigit(y[0])
		switch {
		case xd && yd:
			xr, xrest := digitRun(x)
			yr, yrest := digitRun(y)
			if c := compareDigits(xr, yr); c != 0 {
				return c
			}
			x, y = xrest, yrest
		case xd != yd:
			if xd {
				return -1
			}
			return 1
		default:
			if x[0] != y[0] {
				if x[0] < y[0] {
					return -1
				}
				return 1
			}
			x, y = x[1:], y[1:]
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitRun(s string) (run, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func compareDigits(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
