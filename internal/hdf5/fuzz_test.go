package hdf5

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open and reads everything that opens.
// It is seeded with the test files and, when present, the NIR reference
// files. Run it with: go test -fuzz FuzzOpen ./internal/hdf5/
func FuzzOpen(f *testing.F) {
	add := func(dir string) {
		for _, name := range hdf5Files(f, dir) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	add("testdata")
	if dir := refDir(f); dir != "" {
		add(dir)
	}
	w, err := nirLikeWriterFor(f).Bytes()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(w)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Huge datasets are legal up to deflate's ratio times the file
		// size; skipping them keeps fuzzing fast.
		_ = readAllLimit(t, data, 1<<22) // fails the test on a panic
	})
}
