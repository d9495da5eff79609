package comfytest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fake encodes every WebSocket message and REST answer, thousands per second under load.
// json.Marshal would reflect over each value and, for every nested object (a json.Marshaler),
// validate and compact the bytes again at each enclosing level. appendJSON writes the same bytes
// in one pass into one buffer; json.Marshal remains the reference and the fallback.

// rawJSON is a value encoded already, exactly as appendJSON would encode it. It lets state that
// changes rarely (a node's progress entry, a submitted prompt) be encoded once instead of on
// every message that repeats it.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r, nil
}

// appendJSON appends v encoded byte for byte as json.Marshal(v) would: keys of an object in
// order, map keys sorted, strings HTML-escaped, floats in ES6 style. Types it does not know go
// through json.Marshal.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, t), nil
	case bool:
		return strconv.AppendBool(b, t), nil
	case int:
		return strconv.AppendInt(b, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(b, t, 10), nil
	case uint64:
		return strconv.AppendUint(b, t, 10), nil
	case float64:
		return appendFloat(b, t)
	case num:
		return t.appendJSON(b), nil
	case json.Number:
		return appendNumber(b, t)
	case rawJSON:
		if t == nil {
			return append(b, "null"...), nil
		}
		return append(b, t...), nil
	case object:
		return appendObject(b, t)
	case []any:
		return appendSlice(b, t, appendJSON)
	case []string:
		return appendSlice(b, t, appendStringElem)
	case []object:
		return appendSlice(b, t, appendObject)
	case map[string]any:
		return appendMap(b, t)
	}
	return appendMarshal(b, v)
}

// appendMarshal is the fallback; json.Marshal's output is already compact and escaped.
func appendMarshal(b []byte, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, data...), nil
}

func appendObject(b []byte, o object) ([]byte, error) {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.Key)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, m.Value); err != nil {
			return nil, fmt.Errorf("key %q: %w", m.Key, err)
		}
	}
	return append(b, '}'), nil
}

// appendMap sorts the keys, as json.Marshal does for maps.
func appendMap(b []byte, m map[string]any) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendSlice writes a nil slice as null and an empty one as [], like json.Marshal.
func appendSlice[T any](b []byte, list []T, elem func([]byte, T) ([]byte, error)) ([]byte, error) {
	if list == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = elem(b, e); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func appendStringElem(b []byte, s string) ([]byte, error) { return appendString(b, s), nil }

// appendMessage appends a WebSocket message, {"type": typ, "data": data}, as
// object{{"type", typ}, {"data", data}} encodes, without building that object.
func appendMessage(b []byte, typ string, data any) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"data":`...)
	b, err := appendJSON(b, data)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", "data", err)
	}
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString quotes s like json.Marshal: <, > and & escaped for HTML, invalid UTF-8 replaced
// by \ufffd, U+2028 and U+2029 escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafe(c) {
				i++
				continue
			}
			b = appendEscapedASCII(append(b, s[start:i]...), c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func htmlSafe(c byte) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

func appendEscapedASCII(b []byte, c byte) []byte {
	switch c {
	case '\\', '"':
		return append(b, '\\', c)
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// appendFloat formats like json.Marshal: exponent form only below 1e-6 or from 1e21 on, with
// e-7 rather than e-07. NaN and infinities are json.Marshal's error.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return appendMarshal(b, f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n-start >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, nil
}

// appendNumber writes a json.Number as is; like json.Marshal it writes "" as 0 and refuses
// anything that is not a JSON number literal.
func appendNumber(b []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if s == "" {
		s = "0"
	}
	if !validNumber(s) {
		return appendMarshal(b, n)
	}
	return append(b, s...), nil
}

// validNumber reports whether s is a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s string) bool {
	s, _ = strings.CutPrefix(s, "-")
	whole, s := leadingDigits(s)
	if whole == "" || (len(whole) > 1 && whole[0] == '0') {
		return false
	}
	if rest, ok := strings.CutPrefix(s, "."); ok {
		var frac string
		if frac, s = leadingDigits(rest); frac == "" {
			return false
		}
	}
	if len(s) > 0 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		var exp string
		if exp, s = leadingDigits(s); exp == "" {
			return false
		}
	}
	return s == ""
}

func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}
