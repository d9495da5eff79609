package workflow

import "strings"

// What the package knows about node classes without /object_info. Tracing relies mostly on
// input names (positive, conditioning, samples, model …), which custom nodes tend to share;
// these tables cover the classes whose shape the names do not reveal.

const maxDepth = 64 // longest chain followed; guards against cycles in hostile graphs

// conditioningInputs are the inputs a conditioning pass-through node takes its output from.
// Nodes with both positive and negative inputs (ControlNetApplyAdvanced and the like) map
// output 0 to positive and output 1 to negative.
func conditioningInputs(n *Node, output int) []string {
	if n.Class == "ConditioningZeroOut" {
		return nil // its output carries no text: the negative is empty
	}
	_, pos := n.Link("positive")
	_, neg := n.Link("negative")
	if pos && neg {
		switch output {
		case 0:
			return []string{"positive"}
		case 1:
			return []string{"negative"}
		}
		return nil
	}
	var ins []string
	for _, name := range n.InputNames() {
		if _, ok := n.Link(name); ok && (strings.HasPrefix(name, "conditioning") || strings.HasPrefix(name, "cond")) {
			ins = append(ins, name)
		}
	}
	if len(ins) == 0 && pos {
		ins = append(ins, "positive")
	}
	if len(ins) == 0 {
		if name, ok := onlyLink(n); ok {
			ins = append(ins, name)
		}
	}
	return ins
}

// onlyLink returns the input of a node fed by exactly one link and holding no values, such
// as a Reroute, which passes whatever it gets through.
func onlyLink(n *Node) (string, bool) {
	if len(n.inputs) != 1 {
		return "", false
	}
	for name, v := range n.inputs {
		if !literal(v) {
			return name, true
		}
	}
	return "", false
}

// latentInput is the LATENT input a latent pass-through node (LatentUpscale, RepeatLatentBatch,
// SetLatentNoiseMask …) transforms.
func latentInput(n *Node) (string, bool) {
	for _, name := range []string{"samples", "latent", "latent_image", "destination"} {
		if _, ok := n.Link(name); ok {
			return name, true
		}
	}
	return onlyLink(n)
}

// valueInput picks the input holding a primitive-like node's value: its only input, or its
// one value/string/text-like input.
func valueInput(n *Node) (string, bool) {
	if len(n.inputs) == 1 {
		for name := range n.inputs {
			return name, true
		}
	}
	found := ""
	for _, name := range []string{"value", "string", "text", "seed", "noise_seed", "int", "float", "number"} {
		if _, ok := n.inputs[name]; ok {
			if found != "" {
				return "", false
			}
			found = name
		}
	}
	return found, found != ""
}

// loaderInputs are the inputs of a loader naming the model file the checkpoint binds to.
func loaderInputs() []string { return []string{"ckpt_name", "unet_name"} }

// paramInputs are the inputs a titled node may hold a parameter in, tried in order.
func paramInputs(p Param) []string {
	switch p {
	case ParamPrompt, ParamNegative:
		return nil // text inputs are found by titledText, by polarity
	case ParamSeed:
		return []string{"seed", "noise_seed"}
	case ParamSteps:
		return []string{"steps"}
	case ParamCFG:
		return []string{"cfg", "cfg_conds", "guidance"}
	case ParamWidth:
		return []string{"width"}
	case ParamHeight:
		return []string{"height"}
	case ParamDenoise:
		return []string{"denoise"}
	case ParamBatchSize:
		return []string{"batch_size"}
	case ParamCheckpoint:
		return loaderInputs()
	case ParamImage, ParamImage2:
		return []string{"image"}
	}
	return nil
}

// titleParam maps a node title to the parameter it marks ("Positive Prompt" → prompt).
func titleParam(title string) (Param, bool) {
	switch strings.ToLower(strings.Join(strings.Fields(title), " ")) {
	case "positive prompt", "positive", "prompt":
		return ParamPrompt, true
	case "negative prompt", "negative":
		return ParamNegative, true
	case "seed":
		return ParamSeed, true
	case "steps":
		return ParamSteps, true
	case "cfg", "cfg scale":
		return ParamCFG, true
	case "width":
		return ParamWidth, true
	case "height":
		return ParamHeight, true
	case "denoise":
		return ParamDenoise, true
	case "batch size", "batch_size":
		return ParamBatchSize, true
	case "checkpoint":
		return ParamCheckpoint, true
	// "Load Image" is LoadImage's own title, on every such node: it marks nothing.
	case "image", "input image", "image 1", "input image 1", "first image", "source image":
		return ParamImage, true
	case "image 2", "input image 2", "second image", "reference image":
		return ParamImage2, true
	}
	return "", false
}

// classCandidate tells whether n is one of the usual holders of p, for the last-resort rule
// "the only node of its kind holds the parameter".
func (t *tracer) classCandidate(n *Node, p Param) bool {
	switch p {
	case ParamPrompt:
		return t.encoder(n) && len(t.promptInputs(n, positive)) > 0
	case ParamSeed:
		return n.Class == "KSampler" || n.Class == "KSamplerAdvanced" || n.Class == "SamplerCustom" ||
			n.Class == "RandomNoise"
	case ParamSteps:
		return n.Class == "KSampler" || n.Class == "KSamplerAdvanced" || n.Class == "BasicScheduler"
	case ParamCFG:
		return n.Class == "KSampler" || n.Class == "KSamplerAdvanced" || n.Class == "SamplerCustom" ||
			n.Class == "CFGGuider"
	case ParamDenoise:
		return n.Class == "KSampler" || n.Class == "BasicScheduler"
	case ParamWidth, ParamHeight, ParamBatchSize:
		_, ok := n.inputs[string(p)]
		return ok && strings.HasPrefix(n.Class, "Empty") && strings.Contains(n.Class, "Latent")
	case ParamImage, ParamImage2:
		return n.Class == "LoadImage"
	case ParamCheckpoint:
		for _, name := range loaderInputs() {
			if _, ok := n.inputs[name]; ok {
				return true
			}
		}
	}
	return false
}

// outputClass tells whether a class is an output node (saves or shows something), for
// reports made without /object_info.
func outputClass(class string) bool {
	switch class {
	case "SaveImage", "PreviewImage", "SaveImageWebsocket", "SaveAnimatedWEBP", "SaveAnimatedPNG",
		"SaveVideo", "SaveWEBM", "SaveAudio", "PreviewAudio", "SaveLatent", "PreviewAny", "SaveGLB":
		return true
	}
	return strings.HasPrefix(class, "Save") || strings.HasPrefix(class, "Preview") ||
		strings.Contains(class, "SaveImage")
}

// modelKind names the kind of model file an input selects, for reports.
func modelKind(input string) (string, bool) {
	switch input {
	case "ckpt_name":
		return "checkpoint", true
	case "unet_name":
		return "unet", true
	case "lora_name":
		return "lora", true
	case "vae_name":
		return "vae", true
	case "clip_name", "clip_name1", "clip_name2", "clip_name3", "clip_name4":
		return "clip", true
	case "control_net_name":
		return "controlnet", true
	case "style_model_name":
		return "style_model", true
	case "model_name":
		return "model", true
	}
	return "", false
}
