package dataset_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/dataset"
	"github.com/snnc/snnc/internal/tensorio"
)

// npyBytes encodes a version 1.0 .npy file as np.save does, with header
// and data given as they are.
func npyBytes(header string, data []byte) []byte {
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	return append(append(b, header...), data...)
}

// npzOf writes an archive of the named members (member name → .npy bytes),
// deflated or stored, in the given order.
func npzOf(t *testing.T, deflate bool, members ...any) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ints.npz")
	if err := os.WriteFile(path, npzArchive(t, deflate, members...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// npzBytes is an archive of stored members, as npzOf writes it.
func npzBytes(t testing.TB, members ...any) []byte { return npzArchive(t, false, members...) }

func npzArchive(t testing.TB, deflate bool, members ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(members); i += 2 {
		method := zip.Store
		if deflate {
			method = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: members[i].(string), Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(members[i+1].([]byte)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func int64s(order binary.AppendByteOrder, v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = order.AppendUint64(b, uint64(x))
	}
	return b
}

func float32Npy(t *testing.T, shape []int, v ...float64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := tensorio.WriteNpy(&buf, &tensorio.Tensor{Shape: shape, DType: tensorio.Float32, Data: v}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadNpzIntegers(t *testing.T) {
	images := npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3, 2, 2), }", []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255})
	labels := npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", int64s(binary.LittleEndian, 2, 0, 1))
	for _, tc := range []struct {
		name    string
		members []any
		x       []float32 // the last sample
		labels  []int
	}{
		{"uint8 x, int64 y", []any{"x.npy", images, "y.npy", labels}, []float32{8, 9, 10, 255}, []int{2, 0, 1}},
		{"float32 x, big-endian int16 y", []any{
			"y.npy", npyBytes("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", []byte{0, 1, 0, 0}),
			"x.npy", float32Npy(t, []int{2, 1}, 0.5, 1.5)}, []float32{1.5}, []int{1, 0}},
		{"bool y, an extra int member", []any{
			"x.npy", float32Npy(t, []int{2, 1}, 0.5, 1.5),
			"y.npy", npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", []byte{1, 0}),
			"ids.npy", npyBytes("{'descr': '<u4', 'fortran_order': False, 'shape': (1,), }", []byte{1, 2, 3, 4})}, []float32{1.5}, []int{1, 0}},
		{"extra members tensorio cannot read", []any{
			"x.npy", float32Npy(t, []int{2, 1}, 0.5, 1.5),
			"z.npy", npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)),
			"names.npy", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", []byte{0x80, 2}),
			"notes.txt", []byte("not an array"),
			"z.npy", npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)),
			"y.npy", npyBytes("{'descr': '<b1', 'fortran_order': False, 'shape': (2,), }", []byte{0, 1})}, []float32{1.5}, []int{0, 1}},
		{"big-endian uint64 x, int8 y", []any{
			"x.npy", npyBytes("{'descr': '>u8', 'fortran_order': False, 'shape': (2, 2), }", int64s(binary.BigEndian, 1, 2, 1<<53, 0)),
			"y.npy", npyBytes("{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }", []byte{4, 0})}, []float32{1 << 53, 0}, []int{4, 0}},
		{"int32 x", []any{
			"x.npy", npyBytes("{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", []byte{0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0}),
			"y.npy", npyBytes("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", []byte{3, 0})}, []float32{-1, 7}, []int{3}},
	} {
		for _, deflate := range []bool{false, true} {
			d, err := dataset.LoadNpz(npzOf(t, deflate, tc.members...), dataset.NpzOptions{})
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			var labels []int
			for i := range d.Len() {
				labels = append(labels, d.Label(i))
			}
			if x, _ := d.Sample(d.Len() - 1); !slices.Equal(x, tc.x) || !slices.Equal(labels, tc.labels) {
				t.Errorf("%s: last sample %v, labels %v, want %v and %v", tc.name, x, labels, tc.x, tc.labels)
			}
		}
	}
}

func TestLoadNpzIntegersRejects(t *testing.T) {
	x := float32Npy(t, []int{2, 1}, 0.5, 1.5)
	y := func(descr, shape string, data []byte) []byte {
		return npyBytes("{'descr': '"+descr+"', 'fortran_order': False, 'shape': "+shape+", }", data)
	}
	for _, tc := range []struct {
		name    string
		members []any
		opt     dataset.NpzOptions
		want    string
	}{
		{"negative label", []any{"x.npy", x, "y.npy", y("<i8", "(2,)", int64s(binary.LittleEndian, 0, -1))}, dataset.NpzOptions{},
			"y[1]: label -1 is negative"},
		{"label out of range", []any{"x.npy", x, "y.npy", y("<i8", "(2,)", int64s(binary.LittleEndian, 0, 10))}, dataset.NpzOptions{Classes: 10},
			"y[1]: label 10 is out of range for 10 classes"},
		{"different N", []any{"x.npy", x, "y.npy", y("|u1", "(3,)", []byte{0, 1, 2})}, dataset.NpzOptions{},
			"x holds 2 samples but y holds 3 labels"},
		{"member shorter than its header says", []any{"x.npy", x, "y.npy", y("<i8", "(2,)", int64s(binary.LittleEndian, 0))}, dataset.NpzOptions{},
			`member "y.npy": member is 136 bytes but its .npy header describes 144`},
		{"memory limit", []any{"x.npy", x, "y.npy", y("<i8", "(2,)", int64s(binary.LittleEndian, 0, 1))}, dataset.NpzOptions{MaxMemory: 24},
			`member "y.npy": shape [2] decodes to more than the memory limit of 24 bytes`},
		{"complex dtype", []any{"x.npy", x, "y.npy", y("<c8", "(2,)", make([]byte, 16))}, dataset.NpzOptions{},
			`member "y.npy": unsupported dtype descr '<c8'`},
		{"multi-byte integer without byte order", []any{"x.npy", x, "y.npy", y("|i8", "(2,)", make([]byte, 16))}, dataset.NpzOptions{},
			`member "y.npy": unsupported dtype descr '|i8'`},
		{"Fortran order", []any{"x.npy", x, "y.npy", npyBytes("{'descr': '<i8', 'fortran_order': True, 'shape': (2,), }", make([]byte, 16))}, dataset.NpzOptions{},
			`member "y.npy": Fortran-order arrays are not supported`},
		{"label beyond 2^53", []any{"x.npy", x, "y.npy", y("<i8", "(2,)", int64s(binary.LittleEndian, 0, 1<<53+1))}, dataset.NpzOptions{},
			`member "y.npy": element 1: int64 value 9007199254740993 is beyond ±2^53`},
		{"label of 2^53", []any{"x.npy", x, "y.npy", y(">u8", "(2,)", int64s(binary.BigEndian, 1<<53, 0))}, dataset.NpzOptions{},
			"y[0]: label 9.007199254740992e+15 is too large"},
		{"x beyond 2^53", []any{"x.npy", y(">i8", "(2, 1)", int64s(binary.BigEndian, 1, -1<<60)), "y.npy", y("|u1", "(2,)", []byte{0, 1})}, dataset.NpzOptions{},
			`member "x.npy": element 1 [1 0]: int64 value -1152921504606846976 is beyond ±2^53`},
		{"bool byte 2", []any{"x.npy", x, "y.npy", y("|b1", "(2,)", []byte{1, 2})}, dataset.NpzOptions{},
			`member "y.npy": element 1: bool byte 2 is neither 0 (False) nor 1 (True)`},
		{"truncated header", []any{"x.npy", x, "y.npy", y("<i8", "(2,)", nil)[:20]}, dataset.NpzOptions{},
			`member "y.npy": file is truncated in the header`},
		{"duplicate y", []any{"x.npy", x, "y.npy", y("|u1", "(2,)", []byte{0, 1}), "y.npy", y("|u1", "(2,)", []byte{0, 1})}, dataset.NpzOptions{},
			`"y.npy": duplicate member`},
		{"duplicate x", []any{"x.npy", x, "y.npy", y("|u1", "(2,)", []byte{0, 1}), "x.npy", x}, dataset.NpzOptions{},
			`"x.npy": duplicate member`},
		{"missing y", []any{"x.npy", x, "z.npy", y("|u1", "(2,)", []byte{0, 1})}, dataset.NpzOptions{},
			`no array "y" (the archive holds x, z); a dataset needs x, the samples, and y, the labels`},
		{"missing x", []any{"y.npy", y("|u1", "(2,)", []byte{0, 1}), "notes.txt", []byte("hi")}, dataset.NpzOptions{},
			`no array "x" (the archive holds y, notes.txt); a dataset needs x`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := npzOf(t, false, tc.members...)
			_, err := dataset.LoadNpz(path, tc.opt)
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
}
