package tensorio

import (
	"testing"

	"github.com/snnc/snnc/internal/fuzzcorpus"
)

// TestFuzzCorpus checks that each fuzz target's corpus holds its seeds.
func TestFuzzCorpus(t *testing.T) {
	fuzzcorpus.Check(t, "FuzzSafetensors", safetensorsSeeds(t))
	fuzzcorpus.Check(t, "FuzzNpy", npySeeds(t))
	fuzzcorpus.Check(t, "FuzzNpz", npzSeeds(t))
}
