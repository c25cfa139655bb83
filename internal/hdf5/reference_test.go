package hdf5

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/reftest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// digest is an entry of testdata/digests.json, made by gen_testdata.py
// from what h5py reads.
type digest struct {
	Lines  int    `json:"lines"`
	SHA256 string `json:"sha256"`
}

func loadDigests(t *testing.T) map[string]digest {
	b, err := os.ReadFile(filepath.Join("testdata", "digests.json"))
	require.NoError(t, err)
	var m map[string]digest
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// checkAgainstH5py opens a file, reads every value and compares the
// listing's digest with h5py's.
func checkAgainstH5py(t *testing.T, file string, want digest) []string {
	f, err := OpenFile(file)
	require.NoError(t, err)
	lines, err := listing(f)
	require.NoError(t, err)
	assert.Equal(t, want.Lines, len(lines), "number of groups, datasets and attributes")
	if !assert.Equal(t, want.SHA256, listingDigest(lines), "listing differs from h5py's") {
		t.Logf("compare with testdata/gen_testdata.py --list %s:\n%s", file, strings.Join(lines, "\n"))
	}
	return lines
}

// TestTestdataMatchesH5py runs on every checkout: the test files and the
// copies of a few reference files are always present.
func TestTestdataMatchesH5py(t *testing.T) {
	digests := loadDigests(t)
	n := 0
	for _, name := range hdf5Files(t, "testdata") {
		if strings.HasPrefix(name, "unsupported_") {
			continue
		}
		want, ok := digests["testdata/"+name]
		require.True(t, ok, "no digest for testdata/%s; rerun gen_testdata.py", name)
		t.Run(name, func(t *testing.T) { checkAgainstH5py(t, filepath.Join("testdata", name), want) })
		n++
	}
	assert.GreaterOrEqual(t, n, 6)
}

// TestReferenceFilesMatchH5py reads all NIR reference files, which live
// outside the repository (SNNC_NIR_REF or ../shared/reference/nir).
func TestReferenceFilesMatchH5py(t *testing.T) {
	dir := reftest.NIR.Dir(t)
	digests := loadDigests(t)
	files := hdf5Files(t, dir)
	require.NotEmpty(t, files)
	listings := make(map[string][]string)
	for _, name := range files {
		want, ok := digests["ref/"+name]
		if !ok {
			// A file added to the folder after digests.json was made: it
			// must still open and read completely.
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, name))
				require.NoError(t, err)
				require.NoError(t, readAll(t, data))
			})
			continue
		}
		t.Run(name, func(t *testing.T) { listings[name] = checkAgainstH5py(t, filepath.Join(dir, name), want) })
	}
	for key := range digests {
		if rest, ok := strings.CutPrefix(key, "ref/"); ok {
			assert.Contains(t, listings, rest, "reference file %s is missing", rest)
		}
	}

	// Each gzip file must read exactly like its uncompressed twin.
	pairs := 0
	for name, lines := range listings {
		if raw, ok := listings[strings.TrimSuffix(name, ".nir")+".raw.nir"]; ok && !strings.HasSuffix(name, ".raw.nir") {
			assert.Equal(t, raw, lines, "%s and its .raw variant differ", name)
			pairs++
		}
	}
	assert.GreaterOrEqual(t, pairs, 5)
}

// TestGzipAndRawAgree compares the compressed and contiguous variants kept
// in testdata, value by value.
func TestGzipAndRawAgree(t *testing.T) {
	gz, err := OpenFile("testdata/affine_if.nir")
	require.NoError(t, err)
	raw, err := OpenFile("testdata/affine_if.raw.nir")
	require.NoError(t, err)

	// The gzip file really is chunked and compressed.
	w, err := gz.Dataset("/node/nodes/affine/weight")
	require.NoError(t, err)
	assert.Equal(t, layoutChunked, w.layout.class)
	assert.Equal(t, 1, w.filters)

	var compare func(a, b *Group)
	compare = func(a, b *Group) {
		require.Equal(t, a.Members(), b.Members(), a.Path())
		for _, da := range a.Datasets() {
			db, err := b.Dataset(da.Name())
			require.NoError(t, err)
			assert.Equal(t, da.Shape(), db.Shape(), da.Path())
			assert.Equal(t, da.Type(), db.Type(), da.Path())
			if da.Type().Kind == String {
				sa, err := da.Strings()
				require.NoError(t, err)
				sb, err := db.Strings()
				require.NoError(t, err)
				assert.Equal(t, sa, sb, da.Path())
				continue
			}
			fa, err := da.Float64s()
			require.NoError(t, err)
			fb, err := db.Float64s()
			require.NoError(t, err)
			assert.Equal(t, fa, fb, da.Path())
		}
		for _, ga := range a.Groups() {
			gb, err := b.Group(path.Base(ga.Path()))
			require.NoError(t, err)
			compare(ga, gb)
		}
	}
	compare(gz.Root(), raw.Root())
}
