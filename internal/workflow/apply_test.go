package workflow

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	tests := []struct {
		file   string
		params Params
		want   map[Target]any
	}{
		{"sd15_hires.json", Params{Prompt: new("a red fox in snow"), Seed: new(uint64(math.MaxUint64)),
			Steps: new(30), CFG: new(6.5), Width: new(640), Height: new(384), Denoise: new(0.75),
			BatchSize: new(4), Checkpoint: new("other.safetensors"), Negative: new("")},
			map[Target]any{
				{"6", "text"}: "a red fox in snow", {"7", "text"}: "",
				{"3", "seed"}: json.Number("18446744073709551615"), {"11", "seed"}: json.Number("18446744073709551615"),
				{"3", "steps"}: json.Number("30"), {"11", "steps"}: json.Number("14"),
				{"3", "cfg"}: json.Number("6.5"), {"3", "denoise"}: json.Number("0.75"), {"11", "denoise"}: json.Number("0.5"),
				{"5", "width"}: json.Number("640"), {"5", "height"}: json.Number("384"), {"5", "batch_size"}: json.Number("4"),
				{"10", "width"}: json.Number("1152"), {"16", "ckpt_name"}: "other.safetensors",
			}},
		{"sdxl_refiner.json", Params{Prompt: new("a lighthouse"), Steps: new(40)},
			map[Target]any{
				{"75", "text_g"}: "a lighthouse", {"75", "text_l"}: "a lighthouse",
				{"120", "text"}: "a lighthouse", // the refiner's encoder gets the prompt too
				{"10", "steps"}: json.Number("40"), {"11", "steps"}: json.Number("40"),
			}},
		{"flux.json", Params{Prompt: new("a cat"), CFG: new(2.0), Seed: new(uint64(7)), Negative: new("ignored")},
			map[Target]any{
				{"6", "text"}: "a cat", {"26", "guidance"}: json.Number("2"), {"25", "noise_seed"}: json.Number("7"),
			}},
		{"primitive_prompt.json", Params{Prompt: new("a harbour"), Seed: new(uint64(9))},
			map[Target]any{
				{"20", "value"}: "a harbour", {"21", "value"}: json.Number("9"),
				{"6", "text"}: Link{Node: "20", Output: 0}, {"3", "seed"}: Link{Node: "21", Output: 0},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			w := mustParse(t, readTestdata(t, tt.file))
			before, err := w.Encode()
			if err != nil {
				t.Fatal(err)
			}
			out, err := Apply(w, Bind(w, nil), tt.params)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			for tg, v := range tt.want {
				if got := inputValue(t, out, tg.Node, tg.Input); got != v {
					t.Errorf("%s.%s = %#v, want %#v", tg.Node, tg.Input, got, v)
				}
			}
			after, err := w.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if string(before) != string(after) {
				t.Error("Apply changed its argument")
			}
			// The result is a valid workflow again.
			enc, err := out.Encode()
			if err != nil {
				t.Fatal(err)
			}
			mustParse(t, enc)
		})
	}
}

func TestApplyErrors(t *testing.T) {
	w := mustParse(t, readTestdata(t, "primitive_prompt.json"))
	tests := []struct {
		name    string
		binding Binding
		param   Param
		params  Params
		node    string
		input   string
		message string
	}{
		{"linked target", Binding{Targets: []Target{{"3", "seed"}}}, ParamSeed, Params{Seed: new(uint64(1))},
			"3", "seed", "linked to node 21"},
		{"text into number", Binding{Targets: []Target{{"3", "steps"}}}, ParamPrompt, Params{Prompt: new("x")},
			"3", "steps", "holds 25, not text"},
		{"number into text", Binding{Targets: []Target{{"7", "text"}}}, ParamSteps, Params{Steps: new(3)},
			"7", "text", "not a number"},
		{"missing node", Binding{Targets: []Target{{"77", "text"}}}, ParamPrompt, Params{Prompt: new("x")},
			"77", "text", "no such node"},
		{"nan cfg", Binding{Targets: []Target{{"3", "cfg"}}}, ParamCFG, Params{CFG: new(math.NaN())},
			"", "", "finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Bindings{Params: map[Param]Binding{tt.param: tt.binding}}
			_, err := Apply(w, b, tt.params)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Param != tt.param || e.Node != tt.node || e.Input != tt.input || !strings.Contains(e.Message, tt.message) {
				t.Errorf("got %q (param %q node %q input %q), want param %q node %q input %q message ~%q",
					e.Error(), e.Param, e.Node, e.Input, tt.param, tt.node, tt.input, tt.message)
			}
			if !strings.Contains(e.Error(), "parameter "+string(tt.param)) {
				t.Errorf("message %q does not name the parameter", e.Error())
			}
		})
	}
}

func TestApplyAddsMissingInput(t *testing.T) {
	w := mustParse(t, []byte(`{"1": {"class_type": "CustomNode", "inputs": {"a": 1}}}`))
	b := Bindings{Params: map[Param]Binding{ParamSteps: {Targets: []Target{{"1", "steps"}}, Via: ViaSidecar}}}
	out, err := Apply(w, b, Params{Steps: new(12)})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustNode(t, out, "1").InputNames(); !slices.Equal(got, []string{"a", "steps"}) {
		t.Errorf("inputs = %v", got)
	}
}

func TestBindingsMissing(t *testing.T) {
	b := Bind(mustParse(t, readTestdata(t, "flux.json")), nil)
	got := b.Missing(Params{Prompt: new("x"), Negative: new("y"), Seed: new(uint64(1))})
	if !slices.Equal(got, []Param{ParamNegative}) {
		t.Errorf("Missing = %v, want [negative]", got)
	}
}

func TestParamsWith(t *testing.T) {
	base := Params{Steps: new(20), CFG: new(7.0), Prompt: new("base")}
	got := base.With(Params{Steps: new(30), Negative: new("")})
	if *got.Steps != 30 || *got.CFG != 7 || *got.Prompt != "base" || got.Negative == nil || *got.Negative != "" {
		t.Errorf("With = %+v", got)
	}
	if *base.Steps != 20 {
		t.Error("With changed its receiver")
	}
	if set := got.Set(); !slices.Equal(set, []Param{ParamPrompt, ParamNegative, ParamSteps, ParamCFG}) {
		t.Errorf("Set = %v", set)
	}
}
