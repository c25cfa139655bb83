package tensorio

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/snnc/snnc/internal/budget"
)

// LoadFile reads every tensor in the file at path, choosing the format by
// the extension: .npy, .npz or .safetensors. The single tensor of a .npy
// file is named after the file, without directory or extension. Safetensors
// metadata is dropped; use ReadSafetensors to get it.
func LoadFile(path string) ([]*Tensor, error) {
	return LoadFileWith(path, Options{})
}

// LoadFileWith is LoadFile with options. The decode budget applies to
// .npy and .npz files, whose shapes are known before their data is read;
// a safetensors file is read whole and never decodes to more than twice
// its size.
func LoadFileWith(path string, opt Options) ([]*Tensor, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy":
		return loadNpy(path, opt.budget())
	case ".npz":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		return ReadNpzWith(f, st.Size(), path, opt)
	case ".safetensors":
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		sf, err := ParseSafetensors(data, path)
		if err != nil {
			return nil, err
		}
		return sf.Tensors, nil
	default:
		return nil, fmt.Errorf("%s: unsupported extension %q (want .npy, .npz or .safetensors)", path, ext)
	}
}

func loadNpy(path string, b *budget.Budget) ([]*Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	h, err := readNpyHeader(r, path)
	if err != nil {
		return nil, err
	}
	if err := spend(b, path, h.shape); err != nil {
		return nil, err
	}
	data, err := readNpyData(r, h, path)
	if err != nil {
		return nil, err
	}
	t := &Tensor{Shape: h.shape, DType: h.dtype, Data: data}
	// ReadNpy stops after the array; in a file, anything more is corruption.
	if _, err := r.ReadByte(); err == nil {
		return nil, errorf(path, "unexpected data after the array")
	} else if err != io.EOF {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return []*Tensor{t}, nil
}

// SaveFile writes tensors to path in the format its extension names: .npy
// (exactly one tensor), .npz (uncompressed) or .safetensors (no metadata).
// The file is written under a temporary name and renamed into place, so a
// failed save leaves any existing file untouched.
func SaveFile(path string, tensors ...*Tensor) error {
	var write func(io.Writer) error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".npy":
		if len(tensors) != 1 {
			return fmt.Errorf("%s: a .npy file holds exactly one tensor, got %d", path, len(tensors))
		}
		write = func(w io.Writer) error { return WriteNpy(w, tensors[0]) }
	case ".npz":
		write = func(w io.Writer) error { return WriteNpz(w, tensors) }
	case ".safetensors":
		write = func(w io.Writer) error { return WriteSafetensors(w, tensors, nil) }
	default:
		return fmt.Errorf("%s: unsupported extension %q (want .npy, .npz or .safetensors)", path, ext)
	}

	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		// CreateTemp makes the file private; give it ordinary permissions.
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("saving %s: %w", path, err)
	}
	return nil
}
