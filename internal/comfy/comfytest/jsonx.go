package comfytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// object is a JSON object that keeps its key order. ComfyUI answers with Python dicts, whose order
// is meaningful (history is oldest first, progress_state lists nodes in start order).
type object []member

type member struct {
	Key   string
	Value any
}

// MarshalJSON serves values that reach json.Marshal directly; the server itself uses appendJSON.
func (o object) MarshalJSON() ([]byte, error) { return appendObject(nil, o) }

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// set replaces the value of key or appends it.
func (o *object) set(key string, v any) {
	for i := range *o {
		if (*o)[i].Key == key {
			(*o)[i].Value = v
			return
		}
	}
	*o = append(*o, member{key, v})
}

// with returns a copy of o with key set to v; o itself is not modified.
func (o object) with(key string, v any) object {
	c := make(object, len(o), len(o)+1)
	copy(c, o)
	c.set(key, v)
	return c
}

// decodeOrdered parses JSON into object, []any, string, json.Number, bool or nil.
func decodeOrdered(data []byte) (any, error) {
	if v, ok := parseOrdered(string(data)); ok {
		return v, nil
	}
	return decodeTokens(data)
}

// decodeTokens is decodeOrdered by encoding/json's tokenizer: slow, but the reference, and the
// judge of input parseOrdered does not take. It ignores trailing bytes that do not start a
// value, a quirk kept as it always was.
func decodeTokens(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				// Python keeps the last duplicate key, in the position of the first.
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for dec.More() {
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %v", t)
	default:
		return tok, nil
	}
}

// num is a ComfyUI number: written as an int when it has no fraction, as Python does for ints.
type num float64

func (n num) MarshalJSON() ([]byte, error) { return n.appendJSON(nil), nil }

func (n num) appendJSON(b []byte) []byte {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// pyRepr renders a value the way Python's repr/str shows it in ComfyUI error texts.
func pyRepr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case string:
		return pyQuote(t)
	case json.Number:
		return t.String()
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return pyFloat(t)
	case []string:
		var b bytes.Buffer
		b.WriteByte('[')
		for i, s := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyQuote(s))
		}
		b.WriteByte(']')
		return b.String()
	case []any:
		var b bytes.Buffer
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyRepr(e))
		}
		b.WriteByte(']')
		return b.String()
	default:
		data, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(data)
	}
}

// pyStr is str(v): like repr but strings are not quoted.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

func pyQuote(s string) string {
	q := byte('\'')
	if bytes.ContainsRune([]byte(s), '\'') && !bytes.ContainsRune([]byte(s), '"') {
		q = '"'
	}
	var b bytes.Buffer
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == math.Trunc(f) && math.Abs(f) < 1e16:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
