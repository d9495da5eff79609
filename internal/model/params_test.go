package model

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestParamsMerge(t *testing.T) {
	tests := []struct {
		name       string
		base, over Params
		want       Params
	}{
		{name: "empty over keeps base",
			base: Params{Prompt: "cat", Steps: Ptr(20), Checkpoint: "sd15"},
			want: Params{Prompt: "cat", Steps: Ptr(20), Checkpoint: "sd15"}},
		{name: "over wins where set",
			base: Params{Prompt: "cat", Negative: "blurry", Steps: Ptr(20), CFG: Ptr(7.0)},
			over: Params{Prompt: "dog", Steps: Ptr(30)},
			want: Params{Prompt: "dog", Negative: "blurry", Steps: Ptr(30), CFG: Ptr(7.0)}},
		{name: "zero values in over still win",
			base: Params{Seed: Ptr(uint64(5)), Denoise: Ptr(0.5)},
			over: Params{Seed: Ptr(uint64(0)), Denoise: Ptr(0.0)},
			want: Params{Seed: Ptr(uint64(0)), Denoise: Ptr(0.0)}},
		{name: "every field",
			over: Params{Prompt: "p", Negative: "n", Seed: Ptr(uint64(1)), Steps: Ptr(2), Width: Ptr(3),
				Height: Ptr(4), BatchSize: Ptr(5), CFG: Ptr(6.5), Denoise: Ptr(0.7), Checkpoint: "c", Workflow: "w"},
			want: Params{Prompt: "p", Negative: "n", Seed: Ptr(uint64(1)), Steps: Ptr(2), Width: Ptr(3),
				Height: Ptr(4), BatchSize: Ptr(5), CFG: Ptr(6.5), Denoise: Ptr(0.7), Checkpoint: "c", Workflow: "w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.base.Merge(tt.over); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Merge = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParamsMergeDoesNotAlias(t *testing.T) {
	base := Params{Steps: Ptr(20)}
	over := Params{Width: Ptr(512)}
	got := base.Merge(over)
	*got.Steps, *got.Width = 99, 99
	if *base.Steps != 20 || *over.Width != 512 {
		t.Errorf("changing the merge result changed its inputs: base steps %d, over width %d", *base.Steps, *over.Width)
	}
}

func TestParamsJSON(t *testing.T) {
	p := Params{Prompt: "a robot", Seed: Ptr(uint64(math.MaxUint64)), BatchSize: Ptr(2), CFG: Ptr(7.5)}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"prompt":"a robot","seed":18446744073709551615,"batch_size":2,"cfg":7.5}`
	if string(b) != want {
		t.Errorf("marshal = %s, want %s", b, want)
	}
	var back Params
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip = %+v, want %+v", back, p)
	}
	if !(Params{}).IsZero() || p.IsZero() {
		t.Error("IsZero is wrong")
	}
}
