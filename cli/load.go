package cli

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/snnc/snnc/internal/hdf5"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/module"
)

// loadGraph reads a model file (*.snn.json, or a NIR graph *.nir) and
// builds its graph. Every command that takes a MODEL goes through here.
// A NIR file is decoded within maxMemory.
func loadGraph(path string, dt float64) (*module.Model, *module.Builder, error) {
	if strings.EqualFold(filepath.Ext(path), ".nir") {
		m, b, err := loadNIR(path, dt, false)
		return m, b, memoryHint(err)
	}
	m, err := module.Load(path, dt)
	if err != nil {
		return nil, nil, err
	}
	b, err := m.Build()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, b, nil
}

// defaultMaxMemory is --max-memory's default: 1 GiB.
const defaultMaxMemory = tensorio.DefaultMaxMemory

// maxMemory is the decode budget of each file a command reads (NIR
// models, .npy and .npz inputs), set by --max-memory.
var maxMemory int64 = defaultMaxMemory

// dtFlag adds --dt: absent means the model file's time step; given, it
// must be a positive, finite number of seconds (checkDT says so).
func dtFlag(fs *flagSet) *float64 {
	return fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
}

// memoryFlag adds --max-memory to a command's flags and resets the budget
// to its default for this command.
func memoryFlag(fs *flagSet) {
	maxMemory = defaultMaxMemory
	fs.Var((*byteSize)(&maxMemory), "max-memory",
		"the most memory decoding one input file (or compile's golden run) may take:\na `SIZE` in bytes or with a unit, such as 512MiB or 4GiB")
}

// byteSize is a flag value of bytes, written plainly or with a unit
// (k, M, G, T with an optional B or iB: all powers of 1024).
type byteSize int64

// String writes the size with the largest binary unit that divides it.
func (b *byteSize) String() string {
	if b == nil || *b == 0 {
		return "0"
	}
	n := int64(*b)
	for _, unit := range []string{"", "KiB", "MiB", "GiB"} {
		if n%1024 != 0 || unit == "GiB" {
			return strconv.FormatInt(n, 10) + unit
		}
		n /= 1024
	}
	return ""
}

func (b *byteSize) Set(s string) error {
	text := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for i, unit := range []string{"K", "M", "G", "T"} {
		if rest, ok := cutAnySuffix(text, unit+"IB", unit+"B", unit); ok {
			text, mult = rest, int64(1)<<(10*(i+1))
			break
		}
	}
	if mult == 1 {
		text = strings.TrimSuffix(text, "B")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return fmt.Errorf("want a positive size in bytes such as 4GiB, not %q", s)
	}
	*b = byteSize(n * mult)
	return nil
}

func cutAnySuffix(s string, suffixes ...string) (string, bool) {
	for _, suf := range suffixes {
		if rest, ok := strings.CutSuffix(s, suf); ok {
			return rest, true
		}
	}
	return s, false
}

// memoryHint adds to a decode-budget error how to raise the budget; other
// errors (and nil) pass through.
func memoryHint(err error) error {
	if errors.Is(err, tensorio.ErrMemoryLimit) || errors.Is(err, hdf5.ErrMemoryLimit) {
		return fmt.Errorf("%w (raise it with --max-memory)", err)
	}
	return err
}
