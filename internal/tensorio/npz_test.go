package tensorio

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeNpzBytes(t *testing.T, tensors []*Tensor, compressed bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	if compressed {
		require.NoError(t, WriteNpzCompressed(&buf, tensors))
	} else {
		require.NoError(t, WriteNpz(&buf, tensors))
	}
	return buf.Bytes()
}

func readNpzBytes(b []byte) ([]*Tensor, error) {
	return ReadNpz(bytes.NewReader(b), int64(len(b)), "x.npz")
}

// zipOf builds an archive from raw members, which may be anything.
func zipOf(t testing.TB, method uint16, members ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(members); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: members[i], Method: method})
		require.NoError(t, err)
		_, err = w.Write([]byte(members[i+1]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// patchCentral overwrites a field of the first central directory entry.
// Field offsets are from the zip specification.
const (
	cdFlags            = 8
	cdMethod           = 10
	cdUncompressedSize = 24
)

func patchCentral(t *testing.T, b []byte, field int, value uint32) []byte {
	t.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte("PK\x01\x02"))
	require.GreaterOrEqual(t, i, 0)
	if field == cdUncompressedSize {
		binary.LittleEndian.PutUint32(b[i+field:], value)
	} else {
		binary.LittleEndian.PutUint16(b[i+field:], uint16(value))
	}
	return b
}

func TestNpzRoundTrip(t *testing.T) {
	for _, compressed := range []bool{false, true} {
		tensors := sampleTensors()
		tensors = append(tensors, &Tensor{Name: "dir/edges", Shape: []int{len(float64Edges)}, DType: Float64, Data: float64Edges})
		rand.New(rand.NewPCG(5, 6)).Shuffle(len(tensors), func(i, j int) { tensors[i], tensors[j] = tensors[j], tensors[i] })
		b := writeNpzBytes(t, tensors, compressed)

		got, err := readNpzBytes(b)
		require.NoError(t, err)
		require.Len(t, got, len(tensors))
		for i := 1; i < len(got); i++ {
			require.Less(t, got[i-1].Name, got[i].Name, "members are written in name order")
		}
		byName := map[string]*Tensor{}
		for _, g := range got {
			byName[g.Name] = g
		}
		for _, want := range tensors {
			requireSameTensor(t, want, byName[want.Name])
		}

		// The bytes depend only on the set of tensors.
		rand.New(rand.NewPCG(7, 8)).Shuffle(len(tensors), func(i, j int) { tensors[i], tensors[j] = tensors[j], tensors[i] })
		require.Equal(t, b, writeNpzBytes(t, tensors, compressed))
	}
}

func TestNpzMembersAreNpyFiles(t *testing.T) {
	b := writeNpzBytes(t, []*Tensor{{Name: "arange", Shape: []int{3}, DType: Float32, Data: []float64{0, 1, 2}}}, false)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	require.Equal(t, "arange.npy", zr.File[0].Name)
	require.Equal(t, zip.Store, zr.File[0].Method)
	rc, err := zr.File[0].Open()
	require.NoError(t, err)
	defer rc.Close()
	var member bytes.Buffer
	_, err = member.ReadFrom(rc)
	require.NoError(t, err)
	require.Equal(t, npyArange3, member.Bytes())
}

func TestNpzFloat32Rounding(t *testing.T) {
	in := &Tensor{Name: "x", Shape: []int{len(float32Cases)}, DType: Float32}
	var want []float64
	for _, c := range float32Cases {
		in.Data = append(in.Data, c.in)
		want = append(want, c.want)
	}
	got, err := readNpzBytes(writeNpzBytes(t, []*Tensor{in}, true))
	require.NoError(t, err)
	requireSameBits(t, want, got[0].Data)
}

// The fixtures are written the way numpy writes archives (Python's zipfile
// with zip64 extra fields); see testdata/gen_npz.py.
func TestNpzFromPython(t *testing.T) {
	for _, path := range []string{"testdata/savez.npz", "testdata/savez_compressed.npz"} {
		got, err := LoadFile(path)
		require.NoError(t, err, path)
		require.Len(t, got, 3)
		requireSameTensor(t, &Tensor{Name: "w", Shape: []int{2, 3}, DType: Float32,
			Data: []float64{0.5, -1, 2.25, 3, float64(float32(1e-3)), negZero()}}, got[0])
		requireSameTensor(t, &Tensor{Name: "b", Shape: []int{3}, DType: Float64, Data: []float64{0.1, -2.5, 1e300}}, got[1])
		requireSameTensor(t, &Tensor{Name: "s", Shape: []int{}, DType: Float64, Data: []float64{42}}, got[2])
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}

func TestNpzErrors(t *testing.T) {
	one := &Tensor{Name: "x", Shape: []int{2}, DType: Float64, Data: []float64{1, 2}}
	stored := writeNpzBytes(t, []*Tensor{one}, false)
	deflated := writeNpzBytes(t, []*Tensor{one}, true)
	npy := func(dict string, data []byte) string { return string(npyFile(1, dict, data)) }
	validNpy := npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", le64(1, 2))

	corruptData := bytes.Clone(stored)
	corruptData[bytes.Index(corruptData, []byte("\x93NUMPY"))+128] ^= 1

	corruptDeflate := bytes.Clone(deflated)
	start := bytes.Index(corruptDeflate, []byte("x.npy")) + len("x.npy")
	for i := start + 30; i < start+60; i++ {
		corruptDeflate[i] = 0xff
	}

	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "x.npz: not a valid zip archive"},
		{"not zip", npyArange3, "x.npz: not a valid zip archive"},
		{"truncated", stored[:len(stored)-10], "not a valid zip archive"},
		{"not npy", zipOf(t, zip.Store, "readme.txt", "hello"), `x.npz: member "readme.txt": not a .npy file`},
		{"bare suffix", zipOf(t, zip.Store, ".npy", validNpy), `member ".npy": not a .npy file`},
		{"duplicate", zipOf(t, zip.Store, "x.npy", validNpy, "x.npy", validNpy), `member "x.npy": duplicate member`},
		{"bad member", zipOf(t, zip.Deflate, "x.npy", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", le64(1, 2))),
			`x.npz: member "x.npy": unsupported dtype descr '<c8'`},
		{"member not npy data", zipOf(t, zip.Store, "x.npy", "hello, world"), `member "x.npy": not a .npy file`},
		{"trailing data", zipOf(t, zip.Deflate, "x.npy", validNpy+"!"), `member "x.npy": member is 145 bytes but its .npy header describes 144 (128 header + 16 data)`},
		{"short member", zipOf(t, zip.Deflate, "x.npy", validNpy[:140]), `member "x.npy": member is 140 bytes but its .npy header describes 144`},
		{"checksum", corruptData, `member "x.npy": corrupt member data: zip: checksum error`},
		{"corrupt deflate", corruptDeflate, `member "x.npy"`},
		{"stored size lie", patchCentral(t, stored, cdUncompressedSize, 100), `member "x.npy": stored member declares 100 bytes uncompressed but 144 stored`},
		{"deflate ratio lie", patchCentral(t, deflated, cdUncompressedSize, 0xfffffff0), `member "x.npy": declared size of 4294967280 bytes is impossible for`},
		{"deflate size lie", patchCentral(t, deflated, cdUncompressedSize, 143), `member "x.npy": member is 143 bytes but its .npy header describes 144`},
		{"encrypted", patchCentral(t, stored, cdFlags, 0x9), `member "x.npy": encrypted members are not supported`},
		{"bzip2", patchCentral(t, stored, cdMethod, 12), `member "x.npy": unsupported compression method 12`},
	} {
		_, err := readNpzBytes(tc.file)
		require.ErrorIs(t, err, ErrFormat, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestNpzDirectoriesSkipped(t *testing.T) {
	validNpy := string(npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", le64(3)))
	got, err := readNpzBytes(zipOf(t, zip.Store, "layer/", "", "layer/bias.npy", validNpy))
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "layer/bias", got[0].Name)
	require.Equal(t, []float64{3}, got[0].Data)
}

func TestNpzWriteErrors(t *testing.T) {
	a := &Tensor{Name: "a", Shape: []int{}, DType: Float32, Data: []float64{1}}
	require.ErrorContains(t, WriteNpz(discard{}, []*Tensor{a, a}), `duplicate tensor name "a"`)
	require.ErrorContains(t, WriteNpz(discard{}, []*Tensor{{Shape: []int{}, DType: Float32, Data: []float64{1}}}), "empty name")
}

// Inputs of a few hundred bytes that claim enormous arrays must be rejected
// without allocating anything like the claimed size.
func TestHostileSizesAllocateLittle(t *testing.T) {
	hugeNpy := npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000,), }", le64(1, 2))

	deflated := writeNpzBytes(t, []*Tensor{{Name: "x", Shape: []int{100000}, DType: Float64, Data: make([]float64, 100000)}}, true)
	require.Less(t, len(deflated), 4096)
	claims := patchCentral(t, deflated, cdUncompressedSize, 0xffffffff)

	st := stFile(`{"x":{"dtype":"F64","shape":[100000000000],"data_offsets":[0,800000000000]}}`, le64(1))

	for name, read := range map[string]func() error{
		"npy": func() error { _, err := ReadNpy(bytes.NewReader(hugeNpy), "x.npy"); return err },
		"npz": func() error { _, err := readNpzBytes(claims); return err },
		"npz member": func() error {
			_, err := readNpzBytes(zipOf(t, zip.Store, "x.npy", string(hugeNpy)))
			return err
		},
		"safetensors": func() error { _, err := ParseSafetensors(st, "x.safetensors"); return err },
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := read()
		runtime.ReadMemStats(&after)
		require.ErrorIs(t, err, ErrFormat, name)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), name)
	}
}

func TestNpzReadErrorFromFile(t *testing.T) {
	f, err := os.Open("testdata/savez.npz")
	require.NoError(t, err)
	f.Close()
	_, err = ReadNpz(f, 780, "closed.npz")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrFormat)
}
