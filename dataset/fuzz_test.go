package dataset_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/snnc/snnc/dataset"
)

// FuzzReadIDX checks that no input makes the IDX reader panic, hang or
// allocate more than its limit, and that what it accepts is consistent.
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(idxBytes([]uint32{1 << 20}, nil))
	f.Add([]byte{0x1f, 0x8b, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := dataset.ReadIDX(bytes.NewReader(b), "fuzz", 1<<20)
		if err != nil {
			return
		}
		n := 1
		for _, d := range m.Dims {
			n *= d
		}
		if n != len(m.Data) {
			t.Fatalf("dims %v hold %d bytes, data has %d", m.Dims, n, len(m.Data))
		}
	})
}

// FuzzLoadNpz checks that no archive makes LoadNpz panic, and that a
// dataset it accepts has labels within its classes.
func FuzzLoadNpz(f *testing.F) {
	var b []byte
	for _, v := range []int64{2, 0, 1} {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	f.Add(npzBytes(f, "x.npy", npyBytes("{'descr': '|u1', 'fortran_order': False, 'shape': (3, 1), }", []byte{0, 1, 2}),
		"y.npy", npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", b)))
	f.Add(npzBytes(f, "x.npy", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", []byte{0, 0, 0x80, 0x3f}),
		"y.npy", npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", []byte{1})))
	f.Fuzz(func(t *testing.T, archive []byte) {
		path := filepath.Join(t.TempDir(), "f.npz")
		if err := os.WriteFile(path, archive, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := dataset.LoadNpz(path, dataset.NpzOptions{MaxMemory: 1 << 20})
		if err != nil {
			return
		}
		for i := range d.Len() {
			if l := d.Label(i); l < 0 || l >= d.Classes() {
				t.Fatalf("label %d of sample %d is outside %d classes", l, i, d.Classes())
			}
		}
	})
}
