package workflow

import (
	_ "embed"
	"fmt"
)

// defaultJSON is the built-in text-to-image workflow (SD 1.5 shape: checkpoint, two text
// encoders titled "Positive Prompt"/"Negative Prompt", 512×512 latent, KSampler, VAE decode,
// SaveImage "discordsend").
//
//go:embed default.json
var defaultJSON string

// DefaultName is the library name of the built-in workflow.
const DefaultName = "default"

// Default returns a fresh copy of the built-in workflow.
func Default() *Workflow {
	w, err := Parse([]byte(defaultJSON))
	if err != nil {
		panic(fmt.Sprintf("embedded default workflow: %v", err)) // caught by the package tests
	}
	return w
}
