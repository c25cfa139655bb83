// Package fuzzcorpus checks the seed corpora of the fuzz targets: they
// live in each package's testdata/fuzz/<FuzzName>/, in Go's corpus format,
// so that the targets keep their seeds wherever the tests run (a clone has
// no ../shared). SNNC_UPDATE_FUZZ_CORPUS=1 go test -run TestFuzzCorpus
// rewrites them.
package fuzzcorpus

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

// MaxSeedBytes keeps seeds small: every fuzz iteration mutates one. (A
// corpus file is larger: Go's format escapes most bytes of a binary seed.)
const MaxSeedBytes = 50 << 10

// Check checks that every seed is in the corpus of the fuzz
// target name (or writes it there when SNNC_UPDATE_FUZZ_CORPUS=1), and
// that every corpus file is a small []byte seed. It runs in the package
// directory of the fuzz target, as tests do.
func Check(t *testing.T, name string, seeds [][]byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", name)
	update := Update()
	for _, seed := range seeds {
		require.LessOrEqual(t, len(seed), MaxSeedBytes, "%s seed of %d bytes", name, len(seed))
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
		require.LessOrEqual(t, len(b), 4*MaxSeedBytes+64, "%s is too large", e.Name())
	}
}

// Update reports whether SNNC_UPDATE_FUZZ_CORPUS=1 asks to rewrite the
// corpora.
func Update() bool { return os.Getenv("SNNC_UPDATE_FUZZ_CORPUS") == "1" }
