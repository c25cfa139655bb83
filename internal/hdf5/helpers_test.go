package hdf5

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/reftest"
	"github.com/stretchr/testify/require"
)

// refDir returns the directory of the NIR reference files, or "" if it does
// not exist (e.g. on a checkout without the shared folder); under
// SNNC_REQUIRE_REF=1 a missing folder fails the test.
func refDir(t testing.TB) string { return reftest.NIR.Optional(t) }

// hdf5Files lists the HDF5 files under dir, recursively, relative to dir.
func hdf5Files(t testing.TB, dir string) []string {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch filepath.Ext(path) {
		case ".nir", ".nird", ".h5":
			rel, err := filepath.Rel(dir, path)
			out = append(out, filepath.ToSlash(rel))
			return err
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// listing walks the whole file, reads every value and returns the canonical
// listing that gen_testdata.py computes with h5py: one sorted line per
// group, dataset and attribute.
func listing(f *File) ([]string, error) {
	var lines []string
	attrLines := func(path string, attrs []*Attribute) error {
		for _, a := range attrs {
			sum, err := valueDigest(a.Type(), func() ([]byte, error) { return a.Raw(), nil }, a.Strings)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("A %s@%s %s %s %s", path, a.Name(), numpyType(a.Type()), shapeString(a.Shape()), sum))
		}
		return nil
	}
	var walk func(g *Group) error
	walk = func(g *Group) error {
		lines = append(lines, "G "+g.Path())
		if err := attrLines(g.Path(), g.Attrs()); err != nil {
			return err
		}
		for _, d := range g.Datasets() {
			sum, err := valueDigest(d.Type(), d.Raw, d.Strings)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("D %s %s %s %s", d.Path(), numpyType(d.Type()), shapeString(d.Shape()), sum))
			if err := attrLines(d.Path(), d.Attrs()); err != nil {
				return err
			}
		}
		for _, c := range g.Groups() {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	err := walk(f.Root())
	slices.Sort(lines)
	return lines, err
}

// valueDigest hashes values as gen_testdata.py does: raw bytes for numbers,
// length-prefixed bytes for strings.
func valueDigest(t DType, raw func() ([]byte, error), strs func() ([]string, error)) (string, error) {
	var payload []byte
	if t.Kind == String {
		ss, err := strs()
		if err != nil {
			return "", err
		}
		for _, s := range ss {
			payload = binary.LittleEndian.AppendUint64(payload, uint64(len(s)))
			payload = append(payload, s...)
		}
	} else {
		var err error
		if payload, err = raw(); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256(payload)
	return hex.EncodeToString(sum[:]), nil
}

// numpyType spells a DType the way numpy's dtype.str does.
func numpyType(t DType) string {
	order := "<"
	if t.BigEndian {
		order = ">"
	}
	if t.Size == 1 {
		order = "|"
	}
	switch {
	case t.IsBool():
		return "|b1"
	case t.Kind == String && t.VarLen:
		return "|O"
	case t.Kind == String:
		return fmt.Sprintf("|S%d", t.Size)
	case t.Kind == Float:
		return fmt.Sprintf("%sf%d", order, t.Size)
	case t.Kind == Uint || t.Kind == Enum && !t.Signed:
		return fmt.Sprintf("%su%d", order, t.Size)
	default:
		return fmt.Sprintf("%si%d", order, t.Size)
	}
}

func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = fmt.Sprint(n)
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// listingDigest hashes a listing like gen_testdata.py.
func listingDigest(lines []string) string {
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

// readAll opens data and reads every value in it, as a NIR reader would.
// It fails the test if the reader panicked (Open and the readers turn
// panics into "internal error").
func readAll(t testing.TB, data []byte) error {
	t.Helper()
	return readAllLimit(t, data, math.MaxInt)
}

// readAllLimit is readAll that skips datasets of more than maxBytes.
func readAllLimit(t testing.TB, data []byte, maxBytes int) error {
	t.Helper()
	f, err := Open(data)
	if err == nil {
		err = readGroup(f.Root(), maxBytes)
	}
	if err != nil && strings.Contains(err.Error(), "internal error") {
		t.Fatalf("reader panicked: %v", err)
	}
	return err
}

func readGroup(g *Group, maxBytes int) error {
	var errs []error
	read := func(t DType, f64 func() ([]float64, error), strs func() ([]string, error)) {
		var err error
		if t.Kind == String {
			_, err = strs()
		} else {
			_, err = f64()
		}
		errs = append(errs, err)
	}
	for _, a := range g.Attrs() {
		read(a.Type(), a.Float64s, a.Strings)
	}
	for _, d := range g.Datasets() {
		if d.Len() <= maxBytes/d.Type().Size {
			read(d.Type(), d.Float64s, d.Strings)
		}
		for _, a := range d.Attrs() {
			read(a.Type(), a.Float64s, a.Strings)
		}
	}
	for _, c := range g.Groups() {
		errs = append(errs, readGroup(c, maxBytes))
	}
	return errors.Join(errs...)
}
