package hdf5

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/snnc/snnc/internal/fuzzcorpus"
	"github.com/snnc/snnc/internal/reftest"
	"github.com/stretchr/testify/require"
)

// fuzzRefSeeds are small NIR files of ../shared/reference/nir whose bytes
// the corpus keeps.
var fuzzRefSeeds = []string{"lif_mlp.raw.nir", "cubalif_rnn.raw.nir"}

// TestFuzzCorpus checks that FuzzOpen's corpus holds the seeds it would
// otherwise take from ../shared (which a clone does not have).
func TestFuzzCorpus(t *testing.T) {
	var seeds [][]byte
	if fuzzcorpus.Update() {
		for _, name := range fuzzRefSeeds {
			b, err := os.ReadFile(filepath.Join(reftest.NIR.Path(), name))
			require.NoError(t, err)
			seeds = append(seeds, b)
		}
	}
	fuzzcorpus.Check(t, "FuzzOpen", seeds)
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzOpen"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(entries), len(fuzzRefSeeds))
}
