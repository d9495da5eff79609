package comfytest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// objectInfoJSON is GET /object_info of a stock ComfyUI 0.3.64 without model files.
//
//go:embed object_info.json
var objectInfoJSON []byte

// catalog holds the node classes the fake knows, parsed from object_info.json.
type catalog struct {
	order   []string
	classes map[string]*class
}

type class struct {
	name       string
	info       object
	outputNode bool
	uniqueID   bool // has the hidden UNIQUE_ID input, which makes its cache key per node
	outputs    []string
	inputs     []*inputSpec
}

type inputSpec struct {
	name     string
	required bool
	kind     string // INT, FLOAT, STRING, BOOLEAN, COMBO, or a link type such as IMAGE or "*"
	v3Combo  bool   // ["COMBO", {"options": [...]}] instead of [[...], {...}]
	choices  []string
	config   []any // [type, options] as served, echoed in validation errors
	min, max json.Number
	folder   string   // model folder that fills the choice list
	accepts  []string // further link types a custom node's input takes (see CustomNode.Accepts)
}

func (c *class) input(name string) *inputSpec {
	for _, in := range c.inputs {
		if in.name == name {
			return in
		}
	}
	return nil
}

// modelFolder names the model folder whose files fill the choice list of a loader input; the
// recorded object_info.json came from a server without model files, so these lists are empty.
func modelFolder(class, input string) string {
	switch class + "." + input {
	case "CheckpointLoaderSimple.ckpt_name", "CheckpointLoader.ckpt_name", "ImageOnlyCheckpointLoader.ckpt_name",
		"unCLIPCheckpointLoader.ckpt_name", "CreateHookModelAsLora.ckpt_name", "CreateHookModelAsLoraModelOnly.ckpt_name":
		return "checkpoints"
	case "LoraLoader.lora_name", "LoraLoaderModelOnly.lora_name", "CreateHookLora.lora_name", "CreateHookLoraModelOnly.lora_name":
		return "loras"
	case "VAELoader.vae_name":
		return "vae"
	case "CLIPLoader.clip_name", "DualCLIPLoader.clip_name1", "DualCLIPLoader.clip_name2", "TripleCLIPLoader.clip_name1",
		"TripleCLIPLoader.clip_name2", "TripleCLIPLoader.clip_name3":
		return "text_encoders"
	case "UNETLoader.unet_name":
		return "diffusion_models"
	case "ControlNetLoader.control_net_name", "DiffControlNetLoader.control_net_name":
		return "controlnet"
	case "CLIPVisionLoader.clip_name":
		return "clip_vision"
	case "UpscaleModelLoader.model_name":
		return "upscale_models"
	case "StyleModelLoader.style_model_name":
		return "style_models"
	case "HypernetworkLoader.hypernetwork_name":
		return "hypernetworks"
	case "GLIGENLoader.gligen_name":
		return "gligen"
	case "PhotoMakerLoader.photomaker_model_name":
		return "photomaker"
	case "LoadImage.image", "LoadImageMask.image", "LoadAudio.audio", "LoadVideo.file":
		return inputFolder
	}
	return ""
}

// inputFolder stands for the files of the input folder in modelFolder.
const inputFolder = "<input>"

// inputFile describes the loaders of input files: the content types their list shows (the
// top-level files of the input folder of those types) and the message of their own check, which
// looks for the file in any folder instead of the list.
type inputFile struct {
	types   []string
	invalid string
}

var inputFiles = map[string]inputFile{
	"LoadImage":     {[]string{"image"}, "Invalid image file: %s"},
	"LoadImageMask": {[]string{"image"}, "Invalid image file: %s"},
	"LoadAudio":     {[]string{"audio", "video"}, "Invalid audio file: %s"},
	"LoadVideo":     {[]string{"video"}, "Invalid video file: %s"},
}

func defaultModels() map[string][]string {
	return map[string][]string{
		"checkpoints":      {"sd15.safetensors", "sdxl_base.safetensors", "flux1-dev.safetensors"},
		"loras":            {"add_detail.safetensors", "pixel_art.safetensors"},
		"vae":              {"ae.safetensors", "sdxl_vae.safetensors"},
		"text_encoders":    {"clip_l.safetensors", "t5xxl_fp16.safetensors"},
		"diffusion_models": {"flux1-dev.safetensors"},
		"upscale_models":   {"RealESRGAN_x4plus.pth"},
		"controlnet":       {},
		"clip_vision":      {},
		"style_models":     {},
		"embeddings":       {},
		"hypernetworks":    {},
		"gligen":           {},
		"photomaker":       {},
		"configs":          {},
		"diffusers":        {},
		"vae_approx":       {},
		"custom_nodes":     {},
		"classifiers":      {},
		"model_patches":    {},
		"audio_encoders":   {},
	}
}

// modelFolderOrder is the key order of GET /models on a stock server.
func modelFolderOrder() []string {
	return []string{"checkpoints", "configs", "loras", "vae", "text_encoders", "diffusion_models",
		"clip_vision", "style_models", "embeddings", "diffusers", "vae_approx", "controlnet", "gligen",
		"upscale_models", "custom_nodes", "hypernetworks", "photomaker", "classifiers", "model_patches",
		"audio_encoders"}
}

func loadCatalog() (*catalog, error) {
	v, err := decodeOrdered(objectInfoJSON)
	if err != nil {
		return nil, fmt.Errorf("parse object_info.json: %w", err)
	}
	all, ok := v.(object)
	if !ok {
		return nil, fmt.Errorf("object_info.json is not an object")
	}
	c := &catalog{classes: make(map[string]*class, len(all))}
	for _, m := range all {
		info, ok := m.Value.(object)
		if !ok {
			return nil, fmt.Errorf("class %s: info is not an object", m.Key)
		}
		cl, err := parseClass(m.Key, info)
		if err != nil {
			return nil, err
		}
		c.order = append(c.order, m.Key)
		c.classes[m.Key] = cl
	}
	return c, nil
}

func parseClass(name string, info object) (*class, error) {
	cl := &class{name: name, info: info}
	if on, _ := info.get("output_node"); on == true {
		cl.outputNode = true
	}
	if outs, ok := info.get("output"); ok {
		list, _ := outs.([]any)
		for _, o := range list {
			switch t := o.(type) {
			case string:
				cl.outputs = append(cl.outputs, t)
			default:
				cl.outputs = append(cl.outputs, "COMBO")
			}
		}
	}
	inputs, _ := info.get("input")
	inObj, _ := inputs.(object)
	for _, cat := range []string{"required", "optional"} {
		group, _ := inObj.get(cat)
		g, _ := group.(object)
		for _, m := range g {
			spec, err := parseInput(m.Key, cat == "required", m.Value)
			if err != nil {
				return nil, fmt.Errorf("class %s: %w", name, err)
			}
			spec.folder = modelFolder(name, m.Key)
			cl.inputs = append(cl.inputs, spec)
		}
	}
	hidden, _ := inObj.get("hidden")
	if h, ok := hidden.(object); ok {
		for _, m := range h {
			if m.Value == "UNIQUE_ID" {
				cl.uniqueID = true
			}
		}
	}
	return cl, nil
}

func parseInput(name string, required bool, v any) (*inputSpec, error) {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("input %s: spec is not a list", name)
	}
	var opts object
	if len(arr) > 1 {
		opts, _ = arr[1].(object)
	}
	if opts == nil {
		opts = object{}
	}
	// Validation errors echo (type, options) with empty options when the spec has none.
	spec := &inputSpec{name: name, required: required, config: []any{arr[0], opts}}
	switch t := arr[0].(type) {
	case []any:
		spec.kind = "COMBO"
		spec.choices = stringList(t)
	case string:
		spec.kind = t
		if t == "COMBO" {
			spec.v3Combo = true
			o, _ := opts.get("options")
			list, _ := o.([]any)
			spec.choices = stringList(list)
		}
	default:
		return nil, fmt.Errorf("input %s: unexpected type %T", name, arr[0])
	}
	if n, ok := numberOpt(opts, "min"); ok {
		spec.min = n
	}
	if n, ok := numberOpt(opts, "max"); ok {
		spec.max = n
	}
	return spec, nil
}

func numberOpt(o object, key string) (json.Number, bool) {
	v, ok := o.get(key)
	if !ok {
		return "", false
	}
	n, ok := v.(json.Number)
	return n, ok
}

func stringList(list []any) []string {
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, pyStr(e))
	}
	return out
}

// choicesFor returns the choice list of an input, with model folders filled in. A loader of
// input files lists the top-level files of its content types, as ComfyUI's os.listdir and
// filter_files_content_types do.
func choicesFor(class string, spec *inputSpec, models map[string][]string, uploads []string) []string {
	switch spec.folder {
	case "":
		return spec.choices
	case inputFolder:
		var names []string
		for _, u := range uploads {
			if !strings.Contains(u, "/") && contentTypeIn(u, inputFiles[class].types) {
				names = append(names, u)
			}
		}
		return names
	}
	return append(append([]string{}, models[spec.folder]...), spec.choices...)
}

// render returns the object_info entry of a class with its model lists filled in.
func (c *class) render(models map[string][]string, uploads []string) object {
	if !c.hasModelLists() {
		return c.info
	}
	inputs, _ := c.info.get("input")
	inObj, _ := inputs.(object)
	for _, cat := range []string{"required", "optional"} {
		group, ok := inObj.get(cat)
		if !ok {
			continue
		}
		g, _ := group.(object)
		for _, m := range g {
			spec := c.input(m.Key)
			if spec == nil || spec.folder == "" {
				continue
			}
			g = g.with(m.Key, withChoices(spec, choicesFor(c.name, spec, models, uploads)))
		}
		inObj = inObj.with(cat, g)
	}
	return c.info.with("input", inObj)
}

func (c *class) hasModelLists() bool {
	for _, in := range c.inputs {
		if in.folder != "" {
			return true
		}
	}
	return false
}

func withChoices(spec *inputSpec, names []string) []any {
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	out := append([]any{}, spec.config...)
	if !spec.v3Combo {
		out[0] = list
		return out
	}
	opts, _ := out[1].(object)
	out[1] = opts.with("options", list)
	return out
}
