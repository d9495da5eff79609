package workflow

import (
	"reflect"
	"testing"
)

func TestValuesReadsWhatTheGraphRunsWith(t *testing.T) {
	ptr := func(v int) *int { return &v }
	fl := func(v float64) *float64 { return &v }
	str := func(v string) *string { return &v }
	seed := func(v uint64) *uint64 { return &v }
	tests := []struct {
		file  string
		given Params
		want  Params
	}{
		{"sd15_basic.json", Params{}, Params{
			Seed: seed(156680208700286), Steps: ptr(20), CFG: fl(8), Width: ptr(512), Height: ptr(512),
			Denoise: fl(1), BatchSize: ptr(1), Checkpoint: str("v1-5-pruned-emaonly-fp16.safetensors"),
		}},
		{"sd15_basic.json", Params{Steps: ptr(30), CFG: fl(6.5), Width: ptr(768), Seed: seed(7)}, Params{
			Seed: seed(7), Steps: ptr(30), CFG: fl(6.5), Width: ptr(768), Height: ptr(512),
			Denoise: fl(1), BatchSize: ptr(1), Checkpoint: str("v1-5-pruned-emaonly-fp16.safetensors"),
		}},
		// The main sampler's values, not the hires pass's.
		{"sd15_hires.json", Params{}, Params{
			Seed: seed(89848141647836), Steps: ptr(12), CFG: fl(8), Width: ptr(768), Height: ptr(768),
			Denoise: fl(1), BatchSize: ptr(1), Checkpoint: str("v2-1_768-ema-pruned.safetensors"),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			w := mustParse(t, readTestdata(t, tc.file))
			b := Bind(w, nil)
			built, err := Apply(w, b, tc.given)
			if err != nil {
				t.Fatal(err)
			}
			if got := Values(built, b); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Values = %s, want %s", describeParams(got), describeParams(tc.want))
			}
		})
	}
}

func TestValuesLeavesUnboundAndLinkedParametersUnset(t *testing.T) {
	w := mustParse(t, []byte(`{
		"1": {"class_type": "PrimitiveInt", "inputs": {"value": 25}},
		"2": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": ["1", 0], "cfg": 7}}
	}`))
	b := Bindings{Params: map[Param]Binding{
		ParamSteps: {Targets: []Target{{Node: "2", Input: "steps"}}},
		ParamCFG:   {Targets: []Target{{Node: "2", Input: "cfg"}}},
		ParamWidth: {Targets: []Target{{Node: "9", Input: "width"}}},
	}}
	got := Values(w, b)
	if got.Steps != nil || got.Width != nil || got.Seed != nil {
		t.Errorf("linked steps, a missing node and an unbound seed gave values: %s", describeParams(got))
	}
	if got.CFG == nil || *got.CFG != 7 {
		t.Errorf("cfg = %v, want 7", got.CFG)
	}
}

func describeParams(p Params) string {
	s := ""
	for _, q := range AllParams() {
		if v, ok := p.value(q); ok {
			s += " " + string(q) + "=" + toString(v)
		}
	}
	return "{" + s + " }"
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	n, _ := number(v)
	return n.String()
}
