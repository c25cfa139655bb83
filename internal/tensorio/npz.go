package tensorio

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/snnc/snnc/internal/budget"
)

// An .npz file is a zip archive whose members are .npy files; member
// "x.npy" holds the array named "x". np.savez stores members uncompressed,
// np.savez_compressed deflates them; both are read.

// npzTime is the modification time given to every member written, so that
// archives do not depend on when they were made. It is the zip epoch.
var npzTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// maxDeflateRatio is a little above the best ratio deflate can achieve
// (about 1032:1). A member claiming more is lying about its size.
const maxDeflateRatio = 1100

// ReadNpz reads every array in the .npz archive held by r, which is size
// bytes long, in archive order. Tensors are named after their members
// without the ".npy" suffix. Directory entries are skipped; any other member
// that is not a .npy file is an error.
// name identifies the archive in errors.
func ReadNpz(r io.ReaderAt, size int64, name string) ([]*Tensor, error) {
	return ReadNpzWith(r, size, name, Options{})
}

// ReadNpzWith is ReadNpz with options: all members together must decode
// within opt.MaxMemory, which is checked from each member's .npy header
// before its data is inflated.
func ReadNpzWith(r io.ReaderAt, size int64, name string, opt Options) ([]*Tensor, error) {
	b := opt.budget()
	zr, err := zip.NewReader(r, size)
	// Member paths are never used as file paths here, so names the zip
	// package considers insecure are harmless.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if isZipFormatError(err) {
			return nil, errorf(name, "not a valid zip archive: %v", err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var tensors []*Tensor
	seen := map[string]bool{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		where := fmt.Sprintf("%s: member %q", name, f.Name)
		stem, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok || stem == "" {
			return nil, errorf(where, "not a .npy file")
		}
		if seen[stem] {
			return nil, errorf(where, "duplicate member")
		}
		seen[stem] = true
		t, err := readNpzMember(f, size, where, b)
		if err != nil {
			return nil, err
		}
		t.Name = stem
		tensors = append(tensors, t)
	}
	return tensors, nil
}

// readNpzMember checks the sizes the archive declares against each other and
// against the .npy header before reading any data, so that a small archive
// cannot make us decompress or allocate much more than it could hold.
func readNpzMember(f *zip.File, archiveSize int64, where string, b *budget.Budget) (*Tensor, error) {
	if f.Flags&0x1 != 0 {
		return nil, errorf(where, "encrypted members are not supported")
	}
	compressed := min(f.CompressedSize64, uint64(archiveSize))
	switch f.Method {
	case zip.Store:
		if f.UncompressedSize64 != f.CompressedSize64 {
			return nil, errorf(where, "stored member declares %d bytes uncompressed but %d stored",
				f.UncompressedSize64, f.CompressedSize64)
		}
	case zip.Deflate:
		if f.UncompressedSize64/maxDeflateRatio > compressed {
			return nil, errorf(where, "declared size of %d bytes is impossible for %d bytes of deflated data",
				f.UncompressedSize64, compressed)
		}
	default:
		return nil, errorf(where, "unsupported compression method %d", f.Method)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, errorf(where, "%v", err)
	}
	defer rc.Close()
	r := memberReader{rc}

	h, err := readNpyHeader(r, where)
	if err != nil {
		return nil, err
	}
	if want := uint64(h.size) + uint64(h.nbytes); f.UncompressedSize64 != want {
		return nil, errorf(where, "member is %d bytes but its .npy header describes %d (%d header + %d data)",
			f.UncompressedSize64, want, h.size, h.nbytes)
	}
	if err := spend(b, where, h.shape); err != nil {
		return nil, err
	}
	data, err := readNpyData(r, h, where)
	if err != nil {
		return nil, err
	}
	// Reading to the end is what makes archive/zip verify the CRC.
	var one [1]byte
	if n, err := io.ReadFull(r, one[:]); n > 0 {
		return nil, errorf(where, "unexpected data after the array")
	} else if err != io.EOF {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &Tensor{Shape: h.shape, DType: h.dtype, Data: data}, nil
}

// memberReader marks corruption detected while decompressing a member as a
// format error, so that it is not mistaken for an I/O failure.
type memberReader struct{ r io.Reader }

func (m memberReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF && isZipFormatError(err) {
		err = &formatError{"corrupt member data: " + err.Error()}
	}
	return n, err
}

func isZipFormatError(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) ||
		errors.Is(err, zip.ErrAlgorithm) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &corrupt)
}

// WriteNpz writes tensors as an .npz archive of uncompressed members, as
// np.savez does. Members are in name order and carry a fixed timestamp, so
// the output depends only on the tensors.
func WriteNpz(w io.Writer, tensors []*Tensor) error {
	return writeNpz(w, tensors, zip.Store)
}

// WriteNpzCompressed is WriteNpz with deflated members, as
// np.savez_compressed writes them.
func WriteNpzCompressed(w io.Writer, tensors []*Tensor) error {
	return writeNpz(w, tensors, zip.Deflate)
}

func writeNpz(w io.Writer, tensors []*Tensor, method uint16) error {
	if err := checkTensors("npz", tensors); err != nil {
		return err
	}
	sorted := slices.Clone(tensors)
	slices.SortFunc(sorted, func(a, b *Tensor) int { return strings.Compare(a.Name, b.Name) })
	zw := zip.NewWriter(w)
	for _, t := range sorted {
		mw, err := zw.CreateHeader(&zip.FileHeader{Name: t.Name + ".npy", Method: method, Modified: npzTime})
		if err != nil {
			return err
		}
		if err := WriteNpy(mw, t); err != nil {
			return err
		}
	}
	return zw.Close()
}
