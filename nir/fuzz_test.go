package nir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds arbitrary bytes to Decode and converts whatever decodes,
// strictly and leniently: errors are fine, panics are not. It is seeded
// with the reference files. Run it with: go test -fuzz FuzzRead ./nir/
func FuzzRead(f *testing.F) {
	dir := os.Getenv("SNNC_NIR_REF")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "reference", "nir")
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.nir"))
	field, _ := filepath.Glob(filepath.Join(dir, "field", "*.nir"))
	for _, p := range append(paths, field...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) < 1<<16 { // big files slow every fuzz iteration down
			f.Add(data)
		}
	}
	small, err := Encode(braille38(12))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Decode(data)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("reader panicked: %v", err)
			}
			return
		}
		var sb strings.Builder
		if err := Summary(&sb, g); err != nil {
			t.Fatal(err)
		}
		for _, lenient := range []bool{false, true} {
			imp, err := Convert(g, Options{Lenient: lenient})
			if err != nil {
				continue
			}
			if _, err := Export(imp.Model); err != nil {
				t.Fatalf("exporting an imported graph: %v", err)
			}
		}
		if _, err := Encode(g); err != nil && !strings.Contains(err.Error(), "nir:") {
			t.Fatal(err)
		}
	})
}
