package dataset_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/dataset"
	"github.com/snnc/snnc/internal/tensorio"
)

// idxBytes encodes an IDX file of unsigned bytes.
func idxBytes(dims []uint32, data []byte) []byte {
	b := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, data...)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadIDX(t *testing.T) {
	file := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for name, b := range map[string][]byte{"plain": file, "gzip": gzipped(t, file)} {
		m, err := dataset.ReadIDX(bytes.NewReader(b), name, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(m.Dims, []int{2, 3}) || !slices.Equal(m.Data, []byte{1, 2, 3, 4, 5, 6}) {
			t.Errorf("%s: got %v %v", name, m.Dims, m.Data)
		}
	}
}

func TestReadIDXRejects(t *testing.T) {
	good := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	corrupt := gzipped(t, good)
	corrupt[len(corrupt)-6] ^= 0xff // a byte of the CRC-32
	for _, tc := range []struct {
		name     string
		b        []byte
		maxBytes int64
		want     string
	}{
		{"empty", nil, 0, "f: byte offset 0: file is truncated in the magic number"},
		{"magic", []byte{1, 0, 8, 1, 0, 0, 0, 0}, 0, "f: byte offset 0: magic number 01 00 08 01 is not an IDX file's"},
		{"float elements", []byte{0, 0, 0x0d, 1, 0, 0, 0, 0}, 0, "f: byte offset 2: element type 0x0d is not supported"},
		{"no dimensions", []byte{0, 0, 8, 0}, 0, "f: byte offset 3: 0 dimensions"},
		{"truncated dims", []byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0}, 0, "f: byte offset 10: file is truncated in the dimension 1"},
		{"truncated data", good[:len(good)-2], 0, "f: byte offset 16: file is truncated: shape [2 3] needs 6 bytes of data, found 4"},
		{"trailing data", append(slices.Clone(good), 9), 0, "f: byte offset 18: unexpected data after the 6 bytes"},
		{"over the limit", idxBytes([]uint32{60000, 28, 28}, nil), 1 << 20, "f: byte offset 8: dimension 1 of 28 makes the data larger than the limit of 1048576 bytes"},
		{"huge dimensions", idxBytes([]uint32{1 << 31, 1 << 31, 1 << 31}, nil), 0, "f: byte offset 4: dimension 0 of 2147483648 makes the data larger"},
		{"corrupt gzip", corrupt, 0, "f (decompressed): byte offset 18: corrupt gzip data in the data: gzip: invalid checksum"},
		{"truncated gzip", gzipped(t, good)[:20], 0, "f (decompressed): byte offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dataset.ReadIDX(bytes.NewReader(tc.b), "f", tc.maxBytes)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// writeMNIST writes a small MNIST-like directory: n images of 28×28 and
// the given labels, for both halves.
func writeMNIST(t *testing.T, labels []byte, gz bool) string {
	t.Helper()
	dir := t.TempDir()
	n := uint32(len(labels))
	images := make([]byte, int(n)*28*28)
	for i := range images {
		images[i] = byte(i)
	}
	for _, part := range []string{"train", "t10k"} {
		for name, b := range map[string][]byte{
			part + "-images-idx3-ubyte": idxBytes([]uint32{n, 28, 28}, images),
			part + "-labels-idx1-ubyte": idxBytes([]uint32{n}, labels),
		} {
			if gz {
				name, b = name+".gz", gzipped(t, b)
			}
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func TestMNISTFrom(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := writeMNIST(t, []byte{5, 0, 9}, gz)
		train, test, err := dataset.MNISTFrom(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []*dataset.Dataset{train, test} {
			if d.Len() != 3 || d.Classes() != 10 || !slices.Equal(d.Shape(), []int{28, 28}) {
				t.Errorf("Len %d Classes %d Shape %v", d.Len(), d.Classes(), d.Shape())
			}
			x, label := d.Sample(1)
			// Pixel 784+k holds byte(784+k), scaled to [0, 1].
			if label != 0 || x[0] != float32(784%256)/255 || x[255-16] != 1 {
				t.Errorf("sample 1: label %d, pixels %v %v", label, x[0], x[255-16])
			}
		}
	}

	dir := writeMNIST(t, []byte{5, 10, 9}, false)
	_, _, err := dataset.MNISTFrom(dir)
	if want := "train-labels-idx1-ubyte: label 1 (byte offset 9): 10 is not a digit"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("label 10: got error %v, want one containing %q", err, want)
	}
	dir = writeMNIST(t, []byte{5, 0, 9}, false)
	if err := os.WriteFile(filepath.Join(dir, "t10k-labels-idx1-ubyte"), idxBytes([]uint32{2}, []byte{1, 2}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = dataset.MNISTFrom(dir)
	if want := "t10k-labels-idx1-ubyte: 2 labels for the 3 images"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("2 labels for 3 images: got error %v, want one containing %q", err, want)
	}
	_, _, err = dataset.MNISTFrom(t.TempDir())
	if !errors.Is(err, dataset.ErrMNISTNotFound) {
		t.Errorf("empty directory: got error %v, want ErrMNISTNotFound", err)
	}
}

func TestMNISTDirFromEnvironment(t *testing.T) {
	dir := writeMNIST(t, []byte{1}, true)
	t.Setenv(dataset.MNISTDirEnv, dir)
	if got, err := dataset.MNISTDir(); err != nil || got != dir {
		t.Errorf("MNISTDir() = %q, %v, want %q", got, err, dir)
	}
	t.Setenv(dataset.MNISTDirEnv, t.TempDir())
	if _, err := dataset.MNISTDir(); !errors.Is(err, dataset.ErrMNISTNotFound) || !strings.Contains(err.Error(), "$SNNC_MNIST_DIR") {
		t.Errorf("a directory without the files: got error %v", err)
	}
}

// TestMNIST reads the real files, from the module cache or downloaded.
func TestMNIST(t *testing.T) {
	if _, err := dataset.MNISTDir(); errors.Is(err, dataset.ErrMNISTNotFound) {
		t.Skipf("MNIST unavailable: %v", err)
	}
	train, test, err := dataset.MNIST()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d        *dataset.Dataset
		n, first int
		name     string
	}{{train, 60000, 5, "train"}, {test, 10000, 7, "test"}} {
		d := tc.d
		if d.Len() != tc.n || d.Classes() != 10 || !slices.Equal(d.Shape(), []int{28, 28}) || d.Features() != 784 {
			t.Errorf("%s: Len %d Classes %d Shape %v Features %d", tc.name, d.Len(), d.Classes(), d.Shape(), d.Features())
		}
		if d.Label(0) != tc.first {
			t.Errorf("%s: first label %d, want %d", tc.name, d.Label(0), tc.first)
		}
		var counts [10]int
		lo, hi := float32(1), float32(0)
		for i := range d.Len() {
			x, label := d.Sample(i)
			counts[label]++
			lo, hi = min(lo, slices.Min(x)), max(hi, slices.Max(x))
		}
		for digit, c := range counts {
			// Every digit is between 8 % and 12 % of both sets.
			if c < d.Len()*8/100 || c > d.Len()*12/100 {
				t.Errorf("%s: %d samples of digit %d", tc.name, c, digit)
			}
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: intensities span [%v, %v], want [0, 1]", tc.name, lo, hi)
		}
	}
}

// writeNpz saves tensors as an .npz file in a temporary directory.
func writeNpz(t *testing.T, tensors ...*tensorio.Tensor) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data.npz")
	if err := tensorio.SaveFile(path, tensors...); err != nil {
		t.Fatal(err)
	}
	return path
}

func tensor(name string, dt tensorio.DType, shape []int, data ...float64) *tensorio.Tensor {
	return &tensorio.Tensor{Name: name, DType: dt, Shape: shape, Data: data}
}

func TestLoadNpz(t *testing.T) {
	path := writeNpz(t,
		tensor("x", tensorio.Float32, []int{3, 2, 2}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
		tensor("y", tensorio.Float64, []int{3}, 2, 0, 1),
		tensor("extra", tensorio.Float64, []int{1}, 7))
	d, err := dataset.LoadNpz(path, dataset.NpzOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Classes() != 3 || !slices.Equal(d.Shape(), []int{2, 2}) || d.Name() != path {
		t.Fatalf("Len %d Classes %d Shape %v Name %q", d.Len(), d.Classes(), d.Shape(), d.Name())
	}
	if x, label := d.Sample(2); !slices.Equal(x, []float32{8, 9, 10, 11}) || label != 1 {
		t.Errorf("Sample(2) = %v, %d", x, label)
	}
	d, err = dataset.LoadNpz(path, dataset.NpzOptions{Classes: 10})
	if err != nil || d.Classes() != 10 {
		t.Errorf("Classes: 10 gave %v classes, error %v", d.Classes(), err)
	}
}

func TestLoadNpzRejects(t *testing.T) {
	f32, f64 := tensorio.Float32, tensorio.Float64
	x := tensor("x", f32, []int{2, 3}, 0, 1, 2, 3, 4, 5)
	y := tensor("y", f64, []int{2}, 0, 1)
	for _, tc := range []struct {
		name    string
		tensors []*tensorio.Tensor
		opt     dataset.NpzOptions
		want    string
	}{
		{"no y", []*tensorio.Tensor{x}, dataset.NpzOptions{}, `no array "y" (the archive holds x)`},
		{"no x", []*tensorio.Tensor{y}, dataset.NpzOptions{}, `no array "x" (the archive holds y)`},
		{"x of rank 1", []*tensorio.Tensor{tensor("x", f32, []int{2}, 0, 1), y}, dataset.NpzOptions{},
			"x has shape [2], want [N, features...]"},
		{"y of rank 2", []*tensorio.Tensor{x, tensor("y", f64, []int{2, 1}, 0, 1)}, dataset.NpzOptions{},
			"y has shape [2 1], want [N]"},
		{"different N", []*tensorio.Tensor{x, tensor("y", f64, []int{3}, 0, 1, 1)}, dataset.NpzOptions{},
			"x holds 2 samples but y holds 3 labels"},
		{"no samples", []*tensorio.Tensor{tensor("x", f32, []int{0, 3}), tensor("y", f64, []int{0})}, dataset.NpzOptions{},
			"x holds no samples"},
		{"empty sample", []*tensorio.Tensor{tensor("x", f32, []int{2, 0}), y}, dataset.NpzOptions{},
			"sample shape [0] has a dimension that is not positive"},
		{"negative label", []*tensorio.Tensor{x, tensor("y", f64, []int{2}, 0, -1)}, dataset.NpzOptions{},
			"y[1]: label -1 is negative"},
		{"label out of range", []*tensorio.Tensor{x, tensor("y", f64, []int{2}, 4, 1)}, dataset.NpzOptions{Classes: 4},
			"y[0]: label 4 is out of range for 4 classes [0, 4)"},
		{"fractional label", []*tensorio.Tensor{x, tensor("y", f32, []int{2}, 0, 1.5)}, dataset.NpzOptions{},
			"y[1]: label 1.5 is not a whole number"},
		{"NaN label", []*tensorio.Tensor{x, tensor("y", f64, []int{2}, math.NaN(), 1)}, dataset.NpzOptions{},
			"y[0]: label NaN is not finite"},
		{"huge label", []*tensorio.Tensor{x, tensor("y", f64, []int{2}, 0, 1e12)}, dataset.NpzOptions{},
			"y[1]: label 1e+12 is too large"},
		{"NaN in x", []*tensorio.Tensor{tensor("x", f32, []int{2, 3}, 0, 1, 2, 3, math.NaN(), 5), y}, dataset.NpzOptions{},
			"x[1,1]: value NaN is not finite"},
		{"Inf in x", []*tensorio.Tensor{tensor("x", f64, []int{2, 1, 3}, 0, 1, math.Inf(1), 3, 4, 5), y}, dataset.NpzOptions{},
			"x[0,0,2]: value +Inf is not finite"},
		{"too large for float32", []*tensorio.Tensor{tensor("x", f64, []int{2, 3}, 0, 1, 2, 3, 4, 1e300), y}, dataset.NpzOptions{},
			"x[1,2]: value 1e+300 is too large for float32"},
		{"memory limit", []*tensorio.Tensor{x, y}, dataset.NpzOptions{MaxMemory: 40},
			"decodes to more than the memory limit of 40 bytes"},
		{"negative classes", []*tensorio.Tensor{x, y}, dataset.NpzOptions{Classes: -2},
			"negative number of classes -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeNpz(t, tc.tensors...)
			_, err := dataset.LoadNpz(path, tc.opt)
			if err == nil || !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
}

func TestLoadNpzTruncated(t *testing.T) {
	path := writeNpz(t, tensor("x", tensorio.Float32, []int{2, 3}, 0, 1, 2, 3, 4, 5), tensor("y", tensorio.Float64, []int{2}, 0, 1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 10, len(b) / 2, len(b) - 1} {
		if err := os.WriteFile(path, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := dataset.LoadNpz(path, dataset.NpzOptions{}); err == nil || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("truncated to %d of %d bytes: got error %v, want one naming the file", n, len(b), err)
		}
	}
}
