package hdf5

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hardLinkBomb is a small file whose group "links" holds n links to one
// dataset of 100,000 float64 values (800 KB): read once per link, it would
// decode n·800 KB.
func hardLinkBomb(t *testing.T, n int) []byte {
	b, f := writerFile(t, func(r *WriterGroup) {
		g, _ := r.CreateGroup("links")
		_, _ = g.CreateDataset("big", []int{100_000}, make([]float64, 100_000))
		for i := range n {
			_, _ = g.CreateDataset(fmt.Sprintf("l%04d", i), nil, float64(i))
		}
	})
	big, err := f.Dataset("/links/big")
	require.NoError(t, err)
	for i := range n {
		d, err := f.Dataset(fmt.Sprintf("/links/l%04d", i))
		require.NoError(t, err)
		patch(b, symbolEntryOffset(t, b, d.off)+8, uint64(big.off))
	}
	return b
}

func TestHardLinksDecodeOnce(t *testing.T) {
	const n = 300 // 240 MB if every link were decoded again
	b := hardLinkBomb(t, n)
	require.Less(t, len(b), 1<<20)
	f, err := OpenWith(b, Options{MaxMemory: 2 << 20})
	require.NoError(t, err)
	g, err := f.Group("/links")
	require.NoError(t, err)
	ds := g.Datasets()
	require.Len(t, ds, n+1)
	first, err := ds[0].Float64s()
	require.NoError(t, err)
	for _, d := range ds {
		v, err := d.Float64s()
		require.NoError(t, err, d.Path())
		require.Len(t, v, 100_000)
		assert.Same(t, &first[0], &v[0], "%s decoded again", d.Path())
	}

	// Below the size of one decode, the budget stops the first read and
	// the error names the dataset.
	f, err = OpenWith(b, Options{MaxMemory: 100_000})
	require.NoError(t, err)
	d, err := f.Dataset("/links/l0007")
	require.NoError(t, err)
	_, err = d.Float64s()
	require.ErrorIs(t, err, ErrMemoryLimit)
	assert.Contains(t, err.Error(), "more than the memory limit of 100000 bytes")
	assert.Contains(t, err.Error(), "(dataset /links/l0007)")
}

// TestVlenStringsDecodeOnce points 1,200 variable-length strings at one
// 10 KB heap object: 12 MB if each reference were copied.
func TestVlenStringsDecodeOnce(t *testing.T) {
	const n = 1200
	long := strings.Repeat("s", 10_000)
	strs := make([]string, n)
	strs[0] = long
	for i := 1; i < n; i++ {
		strs[i] = "x"
	}
	b, f := writerFile(t, func(r *WriterGroup) {
		_, _ = r.CreateDataset("refs", []int{n}, strs)
	})
	d, err := f.Dataset("/refs")
	require.NoError(t, err)
	require.Equal(t, layoutContiguous, d.layout.class)
	data := int(d.layout.addr)
	ref := b[data : data+16]
	for i := 1; i < n; i++ {
		copy(b[data+16*i:], ref)
	}
	require.Equal(t, uint32(10_000), binary.LittleEndian.Uint32(b[data+16*(n-1):]))

	f, err = OpenWith(b, Options{MaxMemory: 1 << 20})
	require.NoError(t, err)
	d, err = f.Dataset("/refs")
	require.NoError(t, err)
	got, err := d.Strings()
	require.NoError(t, err)
	for i := range got {
		require.Equal(t, long, got[i], "string %d", i)
	}

	f, err = OpenWith(b, Options{MaxMemory: 5_000 + 16*n})
	require.NoError(t, err)
	d, err = f.Dataset("/refs")
	require.NoError(t, err)
	_, err = d.Strings()
	require.ErrorIs(t, err, ErrMemoryLimit)
	assert.Contains(t, err.Error(), "string 0 (10000 bytes)")
	assert.Contains(t, err.Error(), "(dataset /refs)")
}

// TestChunkedDecodeBudget reads a deflated dataset within and beyond the
// budget: assembling its chunks is charged before anything is inflated.
func TestChunkedDecodeBudget(t *testing.T) {
	b := readTestdata(t, "types.h5")
	f, err := Open(b)
	require.NoError(t, err)
	d, err := f.Dataset("/layout/gzip_edge")
	require.NoError(t, err)
	require.Equal(t, layoutChunked, d.layout.class)
	size := int64(d.nbytes)

	f, err = OpenWith(b, Options{MaxMemory: size - 1})
	require.NoError(t, err)
	d, err = f.Dataset("/layout/gzip_edge")
	require.NoError(t, err)
	_, err = d.Raw()
	require.ErrorIs(t, err, ErrMemoryLimit)
	assert.Contains(t, err.Error(), "(dataset /layout/gzip_edge)")

	f, err = OpenWith(b, Options{MaxMemory: size})
	require.NoError(t, err)
	d, err = f.Dataset("/layout/gzip_edge")
	require.NoError(t, err)
	_, err = d.Raw()
	require.NoError(t, err)
}
