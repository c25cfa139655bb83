package nir

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fuzz targets keep their seeds in testdata/fuzz/<FuzzName>/, in Go's
// corpus format, so that they have them wherever the tests run.
// SNNC_UPDATE_FUZZ_CORPUS=1 go test -run TestFuzzCorpus rewrites them.

// maxSeedBytes keeps seeds small: every fuzz iteration mutates one. (A
// corpus file is larger: Go's format escapes most bytes of a binary seed.)
const maxSeedBytes = 50 << 10

// checkFuzzCorpus checks that every seed is in the corpus of the fuzz
// target name (or writes it there when SNNC_UPDATE_FUZZ_CORPUS=1), and
// that every corpus file is a small []byte seed.
func checkFuzzCorpus(t *testing.T, name string, seeds [][]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", name)
	update := os.Getenv("SNNC_UPDATE_FUZZ_CORPUS") == "1"
	for _, seed := range seeds {
		require.LessOrEqual(t, len(seed), maxSeedBytes, "%s seed of %d bytes", name, len(seed))
		sum := sha256.Sum256(seed)
		path := filepath.Join(dir, hex.EncodeToString(sum[:8]))
		text := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", seed)
		if update {
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
			continue
		}
		got, err := os.ReadFile(path)
		require.NoError(t, err, "seed missing from the corpus: run SNNC_UPDATE_FUZZ_CORPUS=1 go test -run TestFuzzCorpus")
		require.Equal(t, text, string(got), path)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(b), "go test fuzz v1\n[]byte("), "%s is not a []byte corpus file", e.Name())
		require.LessOrEqual(t, len(b), 4*maxSeedBytes+64, "%s is too large", e.Name())
	}
}

// fuzzRefSeeds are small NIR files of ../shared/reference/nir whose bytes
// the corpus keeps.
var fuzzRefSeeds = []string{"affine_if.raw.nir", "lif_mlp.raw.nir", "cubalif_rnn.raw.nir"}

// TestFuzzCorpus checks that FuzzRead's corpus holds the seeds it would
// otherwise take from ../shared (which a clone does not have).
func TestFuzzCorpus(t *testing.T) {
	var seeds [][]byte
	if os.Getenv("SNNC_UPDATE_FUZZ_CORPUS") == "1" {
		for _, name := range fuzzRefSeeds {
			b, err := os.ReadFile(filepath.Join("..", "..", "shared", "reference", "nir", name))
			require.NoError(t, err)
			seeds = append(seeds, b)
		}
	}
	checkFuzzCorpus(t, "FuzzRead", seeds)
	entries, err := os.ReadDir(filepath.Join("testdata", "fuzz", "FuzzRead"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(entries), len(fuzzRefSeeds))
}
