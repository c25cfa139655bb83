package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ints encodes values as elements of size bytes in the given order; each
// value is a two's complement bit pattern, cut to size.
func ints(size int, order binary.ByteOrder, vs ...int64) []byte {
	b := make([]byte, size*len(vs))
	for i, v := range vs {
		e := b[i*size:]
		switch size {
		case 1:
			e[0] = byte(v)
		case 2:
			order.PutUint16(e, uint16(v))
		case 4:
			order.PutUint32(e, uint32(v))
		case 8:
			order.PutUint64(e, uint64(v))
		}
	}
	return b
}

func intDict(descr, shape string) string {
	return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
}

// Every integer type and bool, in every byte order the format allows, with
// the extreme values of each type, decodes to exactly those values.
func TestNpyIntegerTypes(t *testing.T) {
	u64 := func(u uint64) int64 { return int64(u) }
	for _, tc := range []struct {
		code string
		dt   DType
		vals []int64 // bit patterns, written as they are
		want []float64
	}{
		{"i1", Int8, []int64{-128, -1, 0, 127}, []float64{-128, -1, 0, 127}},
		{"u1", Uint8, []int64{0, 1, 128, 255}, []float64{0, 1, 128, 255}},
		{"b1", Bool, []int64{0, 1, 1, 0}, []float64{0, 1, 1, 0}},
		{"i2", Int16, []int64{math.MinInt16, -2, 258, math.MaxInt16}, []float64{-32768, -2, 258, 32767}},
		{"u2", Uint16, []int64{0, 258, 0x8000, math.MaxUint16}, []float64{0, 258, 32768, 65535}},
		{"i4", Int32, []int64{math.MinInt32, -3, 1 << 24, math.MaxInt32}, []float64{-2147483648, -3, 16777216, 2147483647}},
		{"u4", Uint32, []int64{0, 7, 1 << 31, math.MaxUint32}, []float64{0, 7, 2147483648, 4294967295}},
		{"i8", Int64, []int64{-1 << 53, -1, 1<<40 + 3, 1 << 53}, []float64{-9007199254740992, -1, 1099511627779, 9007199254740992}},
		{"u8", Uint64, []int64{0, 123456789012, 1<<53 - 1, u64(1 << 53)}, []float64{0, 123456789012, 9007199254740991, 9007199254740992}},
	} {
		orders := map[byte]binary.ByteOrder{'<': binary.LittleEndian, '=': binary.LittleEndian, '>': binary.BigEndian}
		if tc.dt.Size() == 1 {
			orders['|'] = binary.LittleEndian
		}
		for prefix, order := range orders {
			descr := string(prefix) + tc.code
			file := npyFile(1, intDict(descr, "(2, 2)"), ints(tc.dt.Size(), order, tc.vals...))
			got, err := ReadNpy(bytes.NewReader(file), "ints.npy")
			require.NoError(t, err, descr)
			require.Equal(t, tc.dt, got.DType, descr)
			require.Equal(t, []int{2, 2}, got.Shape, descr)
			requireSameBits(t, tc.want, got.Data)

			// The same file as an .npz member, stored and deflated.
			for _, method := range []uint16{zip.Store, zip.Deflate} {
				ts, err := readNpzBytes(zipOf(t, method, "a.npy", string(file)))
				require.NoError(t, err, descr)
				require.Equal(t, tc.dt, ts[0].DType, descr)
				requireSameBits(t, tc.want, ts[0].Data)
			}
		}
	}
}

// One-byte types carry no byte order; multi-byte types need one.
func TestNpyIntegerDescrErrors(t *testing.T) {
	for _, descr := range []string{"|i2", "|u4", "|i8", "|f4", "<i3", "<u16", "<b2", ">b4", "<c8", "|O", "<i", "i8", "<U5", "|S3"} {
		_, err := ReadNpy(bytes.NewReader(npyFile(1, intDict(descr, "(2,)"), nil)), "x.npy")
		require.ErrorIs(t, err, ErrFormat, descr)
		require.ErrorContains(t, err, "x.npy: unsupported dtype descr '"+descr+"' (supported: float32 and float64", descr)
		require.ErrorContains(t, err, "bool '|b1', in either byte order", descr)
	}
}

// 2^53 is the largest magnitude at which every integer is a float64; an
// int64 or uint64 beyond it is refused, naming the file, the array and the
// element, rather than rounded.
func TestNpyInteger53BitLimit(t *testing.T) {
	for _, tc := range []struct {
		descr string
		vals  []int64
		want  string
	}{
		{"<i8", []int64{0, 1, 2, 3, 4, 1<<53 + 1}, "element 5 [1 2]: int64 value 9007199254740993 is beyond ±2^53"},
		{">i8", []int64{0, 1, 2, 3, -1<<53 - 1, 0}, "element 4 [1 1]: int64 value -9007199254740993 is beyond ±2^53"},
		{"<i8", []int64{math.MinInt64, 0, 0, 0, 0, 0}, "element 0 [0 0]: int64 value -9223372036854775808 is beyond ±2^53"},
		{"<u8", []int64{0, 0, 1<<53 + 1, 0, 0, 0}, "element 2 [0 2]: uint64 value 9007199254740993 is beyond 2^53"},
		{">u8", []int64{0, 0, 0, -1, 0, 0}, "element 3 [1 0]: uint64 value 18446744073709551615 is beyond 2^53"},
		// 2^54 is a float64, but a neighbour of it would not be: the rule
		// is the magnitude, so that no file is accepted or refused by luck.
		{"<i8", []int64{0, 0, 0, 0, 0, 1 << 54}, "element 5 [1 2]: int64 value 18014398509481984 is beyond ±2^53"},
	} {
		order := binary.ByteOrder(binary.LittleEndian)
		if tc.descr[0] == '>' {
			order = binary.BigEndian
		}
		file := npyFile(1, intDict(tc.descr, "(2, 3)"), ints(8, order, tc.vals...))
		_, err := ReadNpy(bytes.NewReader(file), "big.npy")
		require.ErrorIs(t, err, ErrFormat, tc.descr)
		require.ErrorContains(t, err, "big.npy: "+tc.want, tc.descr)

		_, err = readNpzBytes(zipOf(t, zip.Deflate, "ids.npy", string(file)))
		require.ErrorIs(t, err, ErrFormat, tc.descr)
		require.ErrorContains(t, err, `x.npz: member "ids.npy": `+tc.want, tc.descr)
	}

	// A one-dimensional array's element needs no second index.
	_, err := ReadNpy(bytes.NewReader(npyFile(1, intDict("<i8", "(2,)"), ints(8, binary.LittleEndian, 0, 1<<60))), "v.npy")
	require.ErrorContains(t, err, "v.npy: element 1: int64 value 1152921504606846976 is beyond ±2^53")
}

// The element index counts from the start of the array, not of the chunk
// being decoded, in whole files and when streaming.
func TestNpyBadElementIndexAcrossChunks(t *testing.T) {
	const n, bad = 20000, 17000 // 160000 bytes: the bad element is in the third 64 KiB chunk
	vals := make([]int64, n)
	for i := range vals {
		vals[i] = int64(i)
	}
	vals[bad] = 1 << 62
	path := filepath.Join(t.TempDir(), "long.npy")
	require.NoError(t, os.WriteFile(path, npyFile(1, intDict("<i8", fmt.Sprintf("(%d, 1000)", n/1000)), ints(8, binary.LittleEndian, vals...)), 0o644))
	want := path + ": element 17000 [17 0]: int64 value 4611686018427387904 is beyond ±2^53"

	_, err := LoadFile(path)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, want)

	r, err := OpenNpy(path)
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, Int64, r.DType)
	first := make([]float64, 16999)
	require.NoError(t, r.Read(first))
	require.Equal(t, float64(16998), first[16998])
	err = r.Read(make([]float64, 10))
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, want)
}

// numpy writes bool elements as bytes 0 and 1 only. Any other byte means
// the file is not what its header says (uint8 data labelled bool, say), so
// it is an error rather than read as True.
func TestNpyBool(t *testing.T) {
	got, err := ReadNpy(bytes.NewReader(npyFile(1, intDict("|b1", "(3,)"), []byte{1, 0, 1})), "mask.npy")
	require.NoError(t, err)
	require.Equal(t, Bool, got.DType)
	require.Equal(t, []float64{1, 0, 1}, got.Data)

	for _, b := range []byte{2, 255} {
		_, err := ReadNpy(bytes.NewReader(npyFile(1, intDict("|b1", "(2, 2)"), []byte{0, 1, 1, b})), "mask.npy")
		require.ErrorIs(t, err, ErrFormat)
		require.ErrorContains(t, err, fmt.Sprintf("mask.npy: element 3 [1 1]: bool byte %d is neither 0 (False) nor 1 (True)", b))
	}
}

func TestNpyIntegerTruncated(t *testing.T) {
	for _, tc := range []struct {
		descr string
		data  []byte
		want  string
	}{
		{"<u2", []byte{1, 0, 2, 0, 3}, "data is truncated: shape [3] of uint16 needs 6 bytes, found 5"},
		{">i4", []byte{0, 0, 0, 1}, "data is truncated: shape [3] of int32 needs 12 bytes, found 4"},
		{"<i8", nil, "data is truncated: shape [3] of int64 needs 24 bytes, found 0"},
		{"|u1", []byte{1, 2}, "data is truncated: shape [3] of uint8 needs 3 bytes, found 2"},
		{"|b1", []byte{1}, "data is truncated: shape [3] of bool needs 3 bytes, found 1"},
	} {
		file := npyFile(1, intDict(tc.descr, "(3,)"), tc.data)
		_, err := ReadNpy(bytes.NewReader(file), "t.npy")
		require.ErrorIs(t, err, ErrFormat, tc.descr)
		require.ErrorContains(t, err, "t.npy: "+tc.want, tc.descr)

		// In an archive the member's size is checked against the header
		// before any data is read.
		_, err = readNpzBytes(zipOf(t, zip.Deflate, "t.npy", string(file)))
		require.ErrorIs(t, err, ErrFormat, tc.descr)
		require.ErrorContains(t, err, `member "t.npy": member is`, tc.descr)
	}
}

// A one-byte element decodes to eight bytes, which is what the budget
// charges, before anything is allocated.
func TestIntegerDecodeBudget(t *testing.T) {
	dir := t.TempDir()
	file := npyFile(1, intDict("|u1", "(100, 10)"), make([]byte, 1000))
	for _, name := range []string{"x.npy", "x.npz"} {
		path := filepath.Join(dir, name)
		content := file
		if name == "x.npz" {
			content = zipOf(t, zip.Deflate, "x.npy", string(file))
		}
		require.NoError(t, os.WriteFile(path, content, 0o644))
		_, err := LoadFileWith(path, Options{MaxMemory: 7999})
		require.ErrorIs(t, err, ErrMemoryLimit, name)
		require.ErrorContains(t, err, "shape [100 10] decodes to more than the memory limit of 7999 bytes", name)
		ts, err := LoadFileWith(path, Options{MaxMemory: 8000})
		require.NoError(t, err, name)
		require.Equal(t, Uint8, ts[0].DType)
		require.Len(t, ts[0].Data, 1000)
	}
}

// A header claiming a huge one-byte array costs only what is present.
func TestIntegerHostileSizesAllocateLittle(t *testing.T) {
	huge := npyFile(1, intDict("|u1", "(100000000000,)"), []byte{1, 2})
	hugeShape := npyFile(1, intDict("|b1", "(1000000000000000000, 1000)"), nil)
	for name, read := range map[string]func() error{
		"npy":        func() error { _, err := ReadNpy(bytes.NewReader(huge), "x.npy"); return err },
		"npz member": func() error { _, err := readNpzBytes(zipOf(t, zip.Store, "x.npy", string(huge))); return err },
		"shape":      func() error { _, err := ReadNpy(bytes.NewReader(hugeShape), "x.npy"); return err },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := read()
		runtime.ReadMemStats(&after)
		require.ErrorIs(t, err, ErrFormat, name)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), name)
	}
}

// Integer arrays read back through LoadFile carry their type; they cannot
// be saved as they are, only as floats.
func TestIntegerLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "labels.npy")
	require.NoError(t, os.WriteFile(path, npyFile(1, intDict("<i8", "(3,)"), ints(8, binary.LittleEndian, 2, 0, 1)), 0o644))
	ts, err := LoadFile(path)
	require.NoError(t, err)
	requireSameTensor(t, &Tensor{Name: "labels", Shape: []int{3}, DType: Int64, Data: []float64{2, 0, 1}}, ts[0])
	require.ErrorContains(t, SaveFile(path, ts[0]), "unsupported dtype int64")
	ts[0].DType = Float64
	require.NoError(t, SaveFile(path, ts[0]))
}

func npzMembersOf(t *testing.T, members ...string) []byte {
	t.Helper()
	return zipOf(t, zip.Deflate, members...)
}

// manyMembers is an archive of n arrays a0, a1, ..., the twentieth of
// which has a long name instead.
func manyMembers(t *testing.T, n int) []byte {
	var members []string
	for i := range n {
		name := fmt.Sprintf("a%d", i)
		if i == 19 {
			name = strings.Repeat("n", 500)
		}
		members = append(members, name+".npy", string(npyFile(1, intDict("|u1", "()"), []byte{1})))
	}
	return npzMembersOf(t, members...)
}

func readMembers(b []byte, opt Options, arrays ...string) ([]*Tensor, error) {
	return ReadNpzMembers(bytes.NewReader(b), int64(len(b)), "d.npz", opt, arrays...)
}

func TestReadNpzMembers(t *testing.T) {
	x := string(npyFile(1, intDict("|u1", "(2, 2)"), []byte{0, 1, 2, 255}))
	y := string(npyFile(1, intDict("<i8", "(2,)"), ints(8, binary.LittleEndian, 1, 0)))
	complexNpy := string(npyFile(1, intDict("<c8", "(1,)"), make([]byte, 8)))
	object := string(npyFile(1, intDict("|O", "(1,)"), []byte{0x80}))
	archive := npzMembersOf(t,
		"z.npy", complexNpy,
		"y.npy", y,
		"notes.txt", "not an array",
		"dir/", "",
		"o.npy", object,
		"o.npy", object, // a duplicate that is not asked for
		"x.npy", x,
		"big.npy", string(npyFile(1, intDict("<i8", "(1,)"), ints(8, binary.LittleEndian, 1<<60))),
	)
	// ReadNpz refuses the whole archive.
	_, err := ReadNpz(bytes.NewReader(archive), int64(len(archive)), "d.npz")
	require.ErrorIs(t, err, ErrFormat)

	ts, err := readMembers(archive, Options{}, "x", "y")
	require.NoError(t, err)
	require.Len(t, ts, 2)
	requireSameTensor(t, &Tensor{Name: "x", Shape: []int{2, 2}, DType: Uint8, Data: []float64{0, 1, 2, 255}}, ts[0])
	requireSameTensor(t, &Tensor{Name: "y", Shape: []int{2}, DType: Int64, Data: []float64{1, 0}}, ts[1])

	// In the order asked for, whatever the archive's order; a name asked
	// for twice is read once.
	ts, err = readMembers(archive, Options{}, "y", "x", "y")
	require.NoError(t, err)
	require.Equal(t, []string{"y", "x", "y"}, []string{ts[0].Name, ts[1].Name, ts[2].Name})
	require.Same(t, ts[0], ts[2])

	// No names, no arrays; the bare member ".npy" is no array "".
	_, err = readMembers(npzMembersOf(t, ".npy", x), Options{}, "")
	require.ErrorIs(t, err, ErrMissingArray)
	require.ErrorContains(t, err, `d.npz: no array "" (the archive holds .npy)`)
	ts, err = readMembers(archive, Options{})
	require.NoError(t, err)
	require.Empty(t, ts)

	// A named member is read with every check.
	for _, tc := range []struct {
		array, want string
	}{
		{"z", `d.npz: member "z.npy": unsupported dtype descr '<c8'`},
		{"o", `d.npz: member "o.npy": duplicate member`},
		{"big", `d.npz: member "big.npy": element 0: int64 value 1152921504606846976 is beyond ±2^53`},
	} {
		_, err := readMembers(archive, Options{}, "x", tc.array)
		require.ErrorIs(t, err, ErrFormat, tc.array)
		require.NotErrorIs(t, err, ErrMissingArray, tc.array)
		require.ErrorContains(t, err, tc.want, tc.array)
	}

	// A missing array lists those there are, other members under their
	// whole name, directories left out.
	for _, tc := range []struct {
		archive []byte
		arrays  []string
		want    string
	}{
		{archive, []string{"x", "labels"}, `d.npz: no array "labels" (the archive holds z, y, notes.txt, o, x, big)`},
		{archive, []string{"notes.txt"}, `d.npz: no array "notes.txt" (the archive holds z, y, notes.txt, o, x, big)`},
		{archive, []string{"dir/"}, `no array "dir/"`},
		{npzMembersOf(t, "y.npy", y), []string{"x", "y"}, `d.npz: no array "x" (the archive holds y)`},
		{npzMembersOf(t, "x.npy", x, "y.npy", y), []string{"x", "y", "z"}, `d.npz: no array "z" (the archive holds x, y)`},
		{npzMembersOf(t), []string{"x"}, `d.npz: no array "x" (the archive holds none)`},
		{manyMembers(t, 25), []string{"x"}, `d.npz: no array "x" (the archive holds a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, ` +
			`a10, a11, a12, a13, a14, a15, a16, a17, a18, ` + strings.Repeat("n", 80) + `... and 5 more)`},
	} {
		_, err := readMembers(tc.archive, Options{}, tc.arrays...)
		require.ErrorIs(t, err, ErrMissingArray, tc.want)
		require.ErrorIs(t, err, ErrFormat, tc.want)
		require.ErrorContains(t, err, tc.want)
	}

	// Not an archive.
	_, err = readMembers([]byte("not a zip"), Options{}, "x")
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "d.npz: not a valid zip archive")
}

// The budget covers the arrays read and nothing else.
func TestReadNpzMembersBudget(t *testing.T) {
	small := string(npyFile(1, intDict("<i4", "(2,)"), ints(4, binary.LittleEndian, 1, 2)))
	large := string(npyFile(1, intDict("|u1", "(1000,)"), make([]byte, 1000)))
	archive := npzMembersOf(t, "large.npy", large, "a.npy", small, "b.npy", small)

	ts, err := readMembers(archive, Options{MaxMemory: 32}, "a", "b")
	require.NoError(t, err)
	assert.Equal(t, []float64{1, 2}, ts[1].Data)

	_, err = readMembers(archive, Options{MaxMemory: 31}, "a", "b")
	require.ErrorIs(t, err, ErrMemoryLimit)
	require.ErrorContains(t, err, `d.npz: member "b.npy": shape [2] decodes to more than the memory limit of 31 bytes`)

	_, err = readMembers(archive, Options{MaxMemory: 7999}, "large")
	require.ErrorIs(t, err, ErrMemoryLimit)
	require.ErrorContains(t, err, `member "large.npy"`)
}

func TestReadNpzMembersReadError(t *testing.T) {
	f, err := os.Open("testdata/savez.npz")
	require.NoError(t, err)
	f.Close()
	_, err = ReadNpzMembers(f, 780, "closed.npz", Options{}, "w")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrFormat)
	require.True(t, strings.HasPrefix(err.Error(), "closed.npz: "), err.Error())
}
