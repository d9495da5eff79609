package workflow

import "testing"

// benchParams are a /generate's parameters: everything a user may set.
func benchParams() Params {
	prompt, negative := "a lighthouse at dusk, volumetric light, 35mm", "blurry, low quality"
	seed := uint64(123456789)
	steps, width, height, batch := 30, 1024, 768, 1
	cfg := 7.5
	return Params{Prompt: &prompt, Negative: &negative, Seed: &seed, Steps: &steps, CFG: &cfg,
		Width: &width, Height: &height, BatchSize: &batch}
}

// BenchmarkBind finds the parameters of the default workflow.
func BenchmarkBind(b *testing.B) {
	w := Default()
	b.ReportAllocs()
	for b.Loop() {
		_ = Bind(w, nil)
	}
}

// BenchmarkApply writes a job's parameters into the default workflow.
func BenchmarkApply(b *testing.B) {
	w := Default()
	bind := Bind(w, nil)
	params := benchParams()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Apply(w, bind, params); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate checks the built graph against a stock object_info, as
// the dispatcher does for every job it sends.
func BenchmarkValidate(b *testing.B) {
	w := Default()
	built, err := Apply(w, Bind(w, nil), benchParams())
	if err != nil {
		b.Fatal(err)
	}
	info := withChoices(objectInfo(b), "CheckpointLoaderSimple", "ckpt_name", "v1-5-pruned-emaonly-fp16.safetensors")
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(built, info); err != nil {
			b.Fatal(err)
		}
	}
}
