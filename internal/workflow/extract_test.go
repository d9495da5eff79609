package workflow

import "testing"

func TestExtractPrompts(t *testing.T) {
	tests := []struct {
		file     string
		positive string
		negative string
	}{
		{"sd15_basic.json", "beautiful scenery nature glass bottle landscape, , purple galaxy bottle,", "text, watermark"},
		{"sd15_hires.json", "masterpiece HDR victorian portrait painting of woman, blonde hair, mountain nature, blue sky",
			"bad hands, text, watermark"},
		{"sdxl_refiner.json", "a photo of an astronaut riding a horse on mars", "blurry, low quality"},
		{"sd3.json", "a female character with long, flowing hair that appears to be made of ethereal, swirling patterns resembling the Northern Lights",
			"bad quality, poor quality, doll, disfigured, jpg, toy, bad anatomy"},
		{"flux.json", "cute anime girl with massive fluffy fennec ears and a big fluffy tail blonde messy long hair blue eyes wearing a maid outfit", ""},
		{"primitive_prompt.json", "portrait of an old fisherman, dramatic rim light,\nweathered skin, 85mm", "lowres, bad anatomy, worst quality"},
		{"custom_seed.json", "", "cartoon, 3d render"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pos, neg := ExtractPrompts(mustParse(t, readTestdata(t, tt.file)))
			if pos != tt.positive || neg != tt.negative {
				t.Errorf("ExtractPrompts = %q, %q\nwant %q, %q", pos, neg, tt.positive, tt.negative)
			}
		})
	}
}

func TestExtractPromptsJoinsEncoders(t *testing.T) {
	graph := `{
		"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["9", 0]}},
		"2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a hat", "clip": ["9", 0]}},
		"3": {"class_type": "ConditioningConcat", "inputs": {"conditioning_to": ["1", 0], "conditioning_from": ["2", 0]}},
		"4": {"class_type": "KSampler", "inputs": {"positive": ["3", 0], "latent_image": ["5", 0]}},
		"5": {"class_type": "EmptyLatentImage", "inputs": {"width": 8, "height": 8, "batch_size": 1}},
		"9": {"class_type": "CLIPLoader", "inputs": {"clip_name": "c"}}
	}`
	pos, _ := ExtractPrompts(mustParse(t, []byte(graph)))
	if pos != "a cat\na hat" {
		t.Errorf("positive = %q", pos)
	}
}
