package hdf5

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eofField is the offset of the end-of-file address in a version-0
// superblock with 8-byte addresses.
const eofField = 40

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return b
}

func TestTruncatedFiles(t *testing.T) {
	for _, name := range []string{"affine_if.raw.nir", "affine_if.nir"} {
		data := readTestdata(t, name)
		for n := range len(data) {
			cut := bytes.Clone(data[:n])
			// As is, the superblock notices the truncation.
			require.Error(t, readAll(t, cut), "%s cut at %d", name, n)
			// With the end-of-file address patched, parsing gets as far as
			// the missing bytes. It must fail there without panicking.
			if n >= eofField+8 {
				binary.LittleEndian.PutUint64(cut[eofField:], uint64(n))
				_ = readAll(t, cut)
			}
		}
	}
}

func TestCorruptedBytes(t *testing.T) {
	// Every byte of a contiguous NIR file and every third byte of a
	// compressed one, changed in turn.
	for _, tc := range []struct {
		name string
		step int
	}{{"affine_if.raw.nir", 1}, {"affine_if.nir", 3}} {
		data := readTestdata(t, tc.name)
		for i := 0; i < len(data); i += tc.step {
			orig := data[i]
			for _, v := range []byte{orig ^ 0xFF, orig + 1} {
				data[i] = v
				_ = readAll(t, data)
			}
			data[i] = orig
		}
	}
	// Random multi-byte damage to every test file.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range hdf5Files(t, "testdata") {
		data := readTestdata(t, name)
		for range 100 {
			bad := bytes.Clone(data)
			for range 1 + rng.IntN(8) {
				bad[rng.IntN(len(bad))] = byte(rng.Uint32())
			}
			_ = readAll(t, bad)
		}
	}
}

// patch overwrites b at off with the little-endian encoding of v.
func patch(b []byte, off int, v any) {
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
		panic(err)
	}
	copy(b[off:], buf.Bytes())
}

// writerFile builds a small file with the writer for the hostile tests.
func writerFile(t *testing.T, build func(r *WriterGroup)) ([]byte, *File) {
	t.Helper()
	w := NewWriter()
	build(w.Root())
	b, err := w.Bytes()
	require.NoError(t, err)
	f, err := Open(b)
	require.NoError(t, err)
	return b, f
}

// symbolEntryOffset finds the symbol table entry whose object header
// address is header.
func symbolEntryOffset(t *testing.T, b []byte, header int64) int {
	t.Helper()
	for i := bytes.Index(b, []byte("SNOD")); i >= 0; {
		n := int(binary.LittleEndian.Uint16(b[i+6:]))
		for e := range n {
			off := i + 8 + e*wEntrySize
			if int64(binary.LittleEndian.Uint64(b[off+8:])) == header {
				return off
			}
		}
		next := bytes.Index(b[i+4:], []byte("SNOD"))
		if next < 0 {
			break
		}
		i += 4 + next
	}
	t.Fatalf("no symbol table entry for header %#x", header)
	return 0
}

func TestHostileFiles(t *testing.T) {
	wide := func(r *WriterGroup) {
		g, _ := r.CreateGroup("many")
		for i := range 300 {
			_, _ = g.CreateDataset(fmt.Sprintf("m%03d", i), nil, int64(i))
		}
	}
	twoGroups := func(r *WriterGroup) {
		a, _ := r.CreateGroup("a")
		_, _ = a.CreateGroup("inner")
		_, _ = r.CreateGroup("b")
		_, _ = r.CreateDataset("s", []int{2}, []string{"x", "y"})
		_, _ = r.CreateDataset("v", []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	}
	groupHeader := func(f *File, path string) int64 {
		g, err := f.Group(path)
		require.NoError(t, err)
		return g.off
	}

	tests := []struct {
		name  string
		build func(r *WriterGroup)
		edit  func(b []byte, f *File)
		want  string
	}{{
		name:  "B-tree node points to itself",
		build: wide,
		edit: func(b []byte, f *File) {
			root := bytes.Index(b, []byte("TREE\x00\x01"))
			patch(b, root+24+8, uint64(root)) // first child
		},
		want: "is referenced twice",
	}, {
		name:  "B-tree levels skip",
		build: wide,
		edit: func(b []byte, f *File) {
			root := bytes.Index(b, []byte("TREE\x00\x01"))
			b[root+5] = 2
		},
		want: "has level 0 below a node of level 2",
	}, {
		name:  "B-tree node shared by two parents",
		build: wide,
		edit: func(b []byte, f *File) {
			root := bytes.Index(b, []byte("TREE\x00\x01"))
			first := binary.LittleEndian.Uint64(b[root+24+8:])
			patch(b, root+24+8+16, first) // second child = first child
		},
		want: "is referenced twice",
	}, {
		name:  "B-tree claims to be very deep",
		build: wide,
		edit: func(b []byte, f *File) {
			root := bytes.Index(b, []byte("TREE\x00\x01"))
			b[root+5] = 200
		},
		want: "levels deep",
	}, {
		name:  "group linked from two places",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			a, bb := groupHeader(f, "/a"), groupHeader(f, "/b")
			patch(b, symbolEntryOffset(t, b, bb)+8, uint64(a))
		},
		want: "is linked more than once",
	}, {
		name:  "group contains itself",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			a, inner := groupHeader(f, "/a"), groupHeader(f, "/a/inner")
			patch(b, symbolEntryOffset(t, b, inner)+8, uint64(a))
		},
		want: "is linked more than once",
	}, {
		name:  "continuation block loops back",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			d, _ := f.Dataset("/v")
			// Turn the layout message into a continuation that points at
			// the header's own first block.
			m := int(d.layout.off) - 8
			patch(b, m, uint16(msgContinuation))
			patch(b, m+8, uint64(d.off+16))
			patch(b, m+16, uint64(16))
		},
		want: "overlaps another block",
	}, {
		name:  "dataspace larger than the file could hold",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			d, _ := f.Dataset("/v")
			patch(b, int(d.off)+16+8+8, uint64(1)<<62) // first dimension
		},
		want: "too large for the file",
	}, {
		name:  "contiguous data outside the file",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			d, _ := f.Dataset("/v")
			patch(b, int(d.layout.off)+2, uint64(len(b)-8))
		},
		want: "extends past the end of the file",
	}, {
		name:  "missing global heap object",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			d, _ := f.Dataset("/s")
			patch(b, int(d.layout.addr)+12, uint32(999))
		},
		want: "has no object 999",
	}, {
		name:  "global heap collection larger than the file",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			patch(b, bytes.Index(b, []byte("GCOL"))+8, uint64(1)<<40)
		},
		want: "extends past the end of the file",
	}, {
		name:  "name outside the local heap",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			patch(b, symbolEntryOffset(t, b, groupHeader(f, "/b")), uint64(1)<<30)
		},
		want: "is outside the local heap",
	}, {
		name:  "object header of unknown version",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			b[groupHeader(f, "/b")] = 7
		},
		want: "unknown object header version 7",
	}, {
		name:  "version 2 object header",
		build: twoGroups,
		edit: func(b []byte, f *File) {
			copy(b[groupHeader(f, "/b"):], "OHDR")
		},
		want: "version 2 object header (at offset",
	}, {
		name:  "superblock version 2",
		build: twoGroups,
		edit:  func(b []byte, f *File) { b[8] = 2 },
		want:  "hdf5: superblock version 2 is not supported",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, f := writerFile(t, tc.build)
			tc.edit(b, f)
			err := readAll(t, b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestHostileChunks(t *testing.T) {
	tests := []struct {
		name string
		edit func(b []byte, d *Dataset)
		want string
	}{{
		name: "chunks larger than the file could hold",
		edit: func(b []byte, d *Dataset) {
			patch(b, int(d.layout.off)+11, []uint32{65535, 65535})
		},
		want: "has chunks larger than the file could hold",
	}, {
		name: "chunk inflating beyond deflate's ratio",
		edit: func(b []byte, d *Dataset) {
			patch(b, int(d.layout.off)+11, []uint32{2, 3000})
		},
		want: "cannot decompress to",
	}, {
		name: "chunk at a position off the chunk grid",
		edit: func(b []byte, d *Dataset) {
			patch(b, int(d.layout.addr)+24+8, uint64(1)) // first key, dimension 0
		},
		want: "has invalid position 1 in dimension 0",
	}, {
		name: "chunk stored past the end of the file",
		edit: func(b []byte, d *Dataset) {
			patch(b, int(d.layout.addr)+24, uint32(1<<31)) // first key: stored size
		},
		want: "extends past the end of the file",
	}, {
		name: "corrupt deflate stream",
		edit: func(b []byte, d *Dataset) {
			key := int(d.layout.addr) + 24
			chunk := binary.LittleEndian.Uint64(b[key+8+8*3:])
			b[chunk+4] ^= 0xFF
		},
		want: "chunk at offset",
	}, {
		name: "chunk B-tree node of the wrong type",
		edit: func(b []byte, d *Dataset) {
			b[d.layout.addr+4] = btreeGroup
		},
		want: "has type 0, want 1",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := readTestdata(t, "types.h5")
			f, err := Open(b)
			require.NoError(t, err)
			d, err := f.Dataset("/layout/gzip_edge")
			require.NoError(t, err)
			tc.edit(b, d)
			err = readAll(t, b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
