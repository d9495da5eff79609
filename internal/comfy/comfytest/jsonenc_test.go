package comfytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// legacyObject is object as it was encoded before appendJSON: json.Marshal on every key and value,
// its output validated and compacted again by each enclosing level. It is the reference the
// encoder must match byte for byte.
type legacyObject []legacyMember

type legacyMember struct {
	Key   string
	Value any
}

func (o legacyObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", m.Key, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// legacyNum is num's former MarshalJSON.
type legacyNum float64

func (n legacyNum) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return []byte(strconv.FormatInt(int64(f), 10)), nil
	}
	return []byte(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// legacy rewrites a value so that json.Marshal encodes it the old way.
func legacy(v any) any {
	switch t := v.(type) {
	case object:
		out := make(legacyObject, len(t))
		for i, m := range t {
			out[i] = legacyMember{m.Key, legacy(m.Value)}
		}
		return out
	case num:
		return legacyNum(t)
	case []any:
		if t == nil {
			return t
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = legacy(e)
		}
		return out
	case []object:
		if t == nil {
			return []legacyObject(nil)
		}
		out := make([]legacyObject, len(t))
		for i, e := range t {
			out[i] = legacy(e).(legacyObject)
		}
		return out
	case map[string]any:
		if t == nil {
			return t
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = legacy(e)
		}
		return out
	}
	return v
}

type namedString string

var encoderCases = []struct {
	name string
	v    any
}{
	{"nil", nil},
	{"true", true},
	{"false", false},
	{"empty string", ""},
	{"plain string", "hello world"},
	{"html", "<script>a && b</script>"},
	{"quotes and backslashes", `say "hi" \ C:\path`},
	{"control characters", "\x00\x01\b\f\n\r\t\x1f\x7f end"},
	{"unicode", "é 日本語 🎉 ñ"},
	{"line separators", "a\u2028b\u2029c"},
	{"invalid utf-8", "a\xffb\xfe\xc3"},
	{"truncated rune", "x\xe6\x97"},
	{"int zero", 0},
	{"int", -42},
	{"int extremes", []any{math.MaxInt64, math.MinInt64}},
	{"int64", int64(1796536471018)},
	{"uint64 max", uint64(math.MaxUint64)},
	{"float zero", 0.0},
	{"float negative zero", math.Copysign(0, -1)},
	{"float 0.1", 0.1},
	{"float integral", 20.0},
	{"float 1e20", 1e20},
	{"float 1e21", 1e21},
	{"float 1e-6", 1e-6},
	{"float 1e-7", 1e-7},
	{"float -1.5e-10", -1.5e-10},
	{"float tiny", 5e-324},
	{"float huge", math.MaxFloat64},
	{"float 123456789.125", 123456789.125},
	{"num ints", []any{num(0), num(1), num(-3), num(1 << 53), num(1<<53 - 1)}},
	{"num fractions", []any{num(0.5), num(1e21), num(1e-7), num(-2.25)}},
	{"num not finite", []any{num(math.NaN()), num(math.Inf(1)), num(math.Inf(-1))}},
	{"json numbers", []any{json.Number("0"), json.Number("-0"), json.Number("12"), json.Number("1.5"),
		json.Number("1e5"), json.Number("1.5E+10"), json.Number("-2.5e-3"), json.Number("18446744073709551615")}},
	{"empty json number", json.Number("")},
	{"nil object", object(nil)},
	{"empty object", object{}},
	{"object", object{{"b", 1}, {"a", "x"}, {"<k>&", nil}, {"é\u2028", true}}},
	{"nested objects", object{{"status", object{{"exec_info", object{{"queue_remaining", 3}}}}}, {"sid", "abc"}}},
	{"nil any slice", []any(nil)},
	{"empty any slice", []any{}},
	{"nil string slice", []string(nil)},
	{"empty string slice", []string{}},
	{"string slice", []string{"a", "<b>", "\n"}},
	{"nil object slice", []object(nil)},
	{"object slice", []object{{{"a", 1}}, nil, {}}},
	{"map", map[string]any{"z": 1, "a": object{{"y", 2}, {"x", 3}}, "<": nil, "é": []any{}}},
	{"nil map", map[string]any(nil)},
	{"history entry", object{
		{"prompt", []any{num(3), "id", object{{"1", object{{"inputs", object{{"seed", json.Number("5")}}}}}}, object{{"client_id", "c"}}, []string{"9"}}},
		{"outputs", object{{"9", object{{"images", []any{object{{"filename", "a_00001_.png"}, {"subfolder", ""}, {"type", "output"}}}}}}}},
		{"status", object{{"status_str", "success"}, {"completed", true}, {"messages", []any{[]any{"execution_start", object{{"timestamp", int64(17)}}}}}}},
	}},
	// Types appendJSON leaves to json.Marshal.
	{"raw message", object{{"raw", json.RawMessage(`{ "a" : [1, 2] ,"<":"&" }`)}}},
	{"bytes", object{{"b", []byte("hi")}}},
	{"ints slice", []int{1, 2, 3}},
	{"float32", object{{"f", float32(0.1)}}},
	{"small ints", []any{int8(-8), int16(16), int32(32), uint8(8), uint(7), uint32(32)}},
	{"duration", time.Duration(1500)},
	{"named string", namedString("<n>")},
	{"pointer to object", &object{{"a", 1}}},
	{"map of objects", map[string]object{"k": {{"b", 2}, {"a", 1}}}},
	{"struct", struct {
		A int    `json:"a"`
		B object `json:"b"`
	}{1, object{{"z", "<"}}}},
}

func TestAppendJSONMatchesLegacyEncoding(t *testing.T) {
	for _, tc := range encoderCases {
		t.Run(tc.name, func(t *testing.T) {
			assertSameEncoding(t, tc.v)
		})
	}
}

func assertSameEncoding(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(legacy(v))
	got, err := appendJSON(nil, v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("error %v, want %v", err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("appendJSON\n got %s\nwant %s", got, want)
	}
	viaMarshal, err := json.Marshal(v)
	if (err != nil) != (wantErr != nil) || !bytes.Equal(viaMarshal, want) {
		t.Fatalf("json.Marshal\n got %s (%v)\nwant %s (%v)", viaMarshal, err, want, wantErr)
	}
}

func TestAppendJSONErrorsLikeJSONMarshal(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"NaN", math.NaN()},
		{"infinity", object{{"x", math.Inf(-1)}}},
		{"python infinity as number", object{{"cfg", json.Number("inf")}}},
		{"leading zero", []any{json.Number("01")}},
		{"dangling point", json.Number("1.")},
		{"dangling exponent", json.Number("1e+")},
		{"channel", object{{"c", make(chan int)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := json.Marshal(legacy(tt.v)); err == nil {
				t.Fatal("the reference accepts the value")
			}
			if b, err := appendJSON(nil, tt.v); err == nil {
				t.Fatalf("appendJSON = %s, want an error", b)
			}
		})
	}
}

func TestValidNumberAgreesWithJSONMarshal(t *testing.T) {
	for _, s := range []string{"0", "-0", "7", "-12", "10", "01", "-01", "00", ".5", "1.", "1.0", "-1.25", "1e5", "1E5",
		"1e+5", "1e-5", "1.5e05", "1e", "1e+", "1e-", "e5", "-", "+1", "1.e5", "0x10", "1_000", "inf", "NaN", " 1", "1 ", "1.2.3"} {
		_, err := json.Marshal(json.Number(s))
		if got := validNumber(s); got != (err == nil) {
			t.Errorf("validNumber(%q) = %v, json.Marshal error %v", s, got, err)
		}
	}
}

func TestAppendMessageMatchesObject(t *testing.T) {
	for _, tc := range encoderCases {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := json.Marshal(legacy(object{{"type", "progress<&>"}, {"data", tc.v}}))
			got, err := appendMessage([]byte("stale"), "progress<&>", tc.v)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, want %v", err, wantErr)
			}
			if err == nil && !bytes.Equal(got[len("stale"):], want) {
				t.Fatalf("got %s\nwant %s", got[len("stale"):], want)
			}
		})
	}
}

func TestRawJSONStandsForItsValue(t *testing.T) {
	for _, tc := range encoderCases {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := appendJSON(nil, tc.v)
			if err != nil {
				t.Skip("not encodable")
			}
			want, _ := json.Marshal(legacy(object{{"k", tc.v}, {"l", []any{tc.v}}}))
			got, err := appendJSON(nil, object{{"k", rawJSON(enc)}, {"l", []any{rawJSON(enc)}}})
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("got %s (%v)\nwant %s", got, err, want)
			}
			viaMarshal, err := json.Marshal(rawJSON(enc))
			if err != nil || !bytes.Equal(viaMarshal, enc) {
				t.Fatalf("json.Marshal(rawJSON) = %s (%v), want %s", viaMarshal, err, enc)
			}
		})
	}
}

// TestAppendJSONRandomValues compares the encoders on random trees of the value types the fake
// builds, with strings full of characters that need escaping.
func TestAppendJSONRandomValues(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		v := randomValue(r, 4)
		t.Run(strconv.Itoa(i), func(t *testing.T) { assertSameEncoding(t, v) })
		if t.Failed() {
			return
		}
	}
}

func randomValue(r *rand.Rand, depth int) any {
	kind := r.IntN(16)
	if depth == 0 {
		kind %= 9
	}
	switch kind {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return randomString(r)
	case 3:
		return r.IntN(2000) - 1000
	case 4:
		return int64(r.Uint64())
	case 5:
		return randomFloat(r)
	case 6:
		return num(randomFloat(r))
	case 7:
		return json.Number(strconv.FormatFloat(randomFloat(r), 'g', -1, 64))
	case 8:
		return []string{randomString(r), randomString(r)}
	case 9, 10, 11:
		o := object{}
		for range r.IntN(5) {
			o = append(o, member{randomString(r), randomValue(r, depth-1)})
		}
		return o
	case 12, 13:
		var a []any
		if r.IntN(4) > 0 {
			a = []any{}
		}
		for range r.IntN(4) {
			a = append(a, randomValue(r, depth-1))
		}
		return a
	case 14:
		m := map[string]any{}
		for range r.IntN(4) {
			m[randomString(r)] = randomValue(r, depth-1)
		}
		return m
	}
	return []object{{{"filename", randomString(r)}, {"n", randomValue(r, depth-1)}}}
}

func randomFloat(r *rand.Rand) float64 {
	switch r.IntN(4) {
	case 0:
		return float64(r.IntN(100))
	case 1:
		return r.Float64()
	case 2:
		return r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
	}
	return math.Float64frombits(r.Uint64() &^ (0x7ff << 52)) // subnormal
}

func randomString(r *rand.Rand) string {
	pieces := []string{"a", "Z", "9", " ", `"`, `\`, "<", ">", "&", "\x00", "\x1f", "\n", "\t", "\b", "\x7f",
		"é", "日", "🎉", "\u2028", "\u2029", "\xff", "\xc3", "'", "/", "\ufffd"}
	var b strings.Builder
	for range r.IntN(8) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// FuzzAppendJSON encodes arbitrary strings, and whatever JSON the input decodes to, both ways.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{"", "<&>", "\u2028", "\xff", `{"a": [1, "b\u0000", {"c": null}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertSameEncoding(t, object{{s, s}, {"list", []string{s}}})
		if v, err := decodeOrdered([]byte(s)); err == nil {
			assertSameEncoding(t, v)
		}
	})
}

func TestAppendStateEntryMatchesObject(t *testing.T) {
	tests := []struct {
		id, state, promptID string
		value, max          float64
	}{
		{"3", "running", "2f6bd4a2-3e0c-4a53-a4a6-0f0e1c1d3b51", 0, 1},
		{"3", "running", "p", 7, 20},
		{"12:4", "finished", "<p&>", 1, 1},
		{"é\u2028", "running", "\x00", 0.5, 1e21},
		{"n", "running", "p", 1e-7, math.Copysign(0, -1)},
	}
	for _, tt := range tests {
		want, err := json.Marshal(legacy(stateEntry(tt.id, tt.state, tt.promptID, tt.value, tt.max)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendStateEntry(nil, tt.id, tt.state, tt.promptID, tt.value, tt.max)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("got %s (%v)\nwant %s", got, err, want)
		}
	}
	if _, err := appendStateEntry(nil, "1", "running", "p", math.NaN(), 1); err == nil {
		t.Error("NaN encoded")
	}
}

// BenchmarkAppendJSON is the server's own encoding of the values BenchmarkEncode gives to
// json.Marshal.
func BenchmarkAppendJSON(b *testing.B) {
	for _, bc := range encodeCases() {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				var err error
				if buf, err = appendJSON(buf[:0], bc.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
