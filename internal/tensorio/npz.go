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
// that is not a .npy file, or one in a dtype ReadNpy does not read, is an
// error: use ReadNpzMembers to read some arrays of such an archive.
// name identifies the archive in errors.
func ReadNpz(r io.ReaderAt, size int64, name string) ([]*Tensor, error) {
	return ReadNpzWith(r, size, name, Options{})
}

// ReadNpzWith is ReadNpz with options: all members together must decode
// within opt.MaxMemory, which is checked from each member's .npy header
// before its data is inflated.
func ReadNpzWith(r io.ReaderAt, size int64, name string, opt Options) ([]*Tensor, error) {
	zr, err := openNpz(r, size, name)
	if err != nil {
		return nil, err
	}
	b := opt.budget()
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

// ErrMissingArray is wrapped, together with ErrFormat, by the error
// ReadNpzMembers returns when the archive lacks an array asked for.
var ErrMissingArray = errors.New("array not in archive")

type missingArrayError struct{ msg string }

func (e *missingArrayError) Error() string { return e.msg }
func (e *missingArrayError) Is(target error) bool {
	return target == ErrMissingArray || target == ErrFormat
}

// ReadNpzMembers reads only the named arrays of an .npz archive and returns
// them in the order named. The other members are not read at all, so an
// archive whose other members hold a dtype tensorio cannot read, or are
// not .npy files, still serves the arrays it has. An array whose member
// appears twice is an error; so is a missing one, whose error wraps
// ErrMissingArray and lists the arrays the archive holds. opt.MaxMemory
// bounds the named arrays together, as in ReadNpzWith.
func ReadNpzMembers(r io.ReaderAt, size int64, name string, opt Options, arrays ...string) ([]*Tensor, error) {
	zr, err := openNpz(r, size, name)
	if err != nil {
		return nil, err
	}
	files := make(map[string]*zip.File, len(arrays))
	for _, a := range arrays {
		files[a] = nil
	}
	var held []string // what the archive holds, for the error about a missing array
	listed := map[string]bool{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		// Other members are listed under their whole name.
		stem, isNpy := strings.CutSuffix(f.Name, ".npy")
		if isNpy = isNpy && stem != ""; !isNpy {
			stem = f.Name
		}
		if !listed[stem] {
			listed[stem] = true
			held = append(held, stem)
		}
		prev, wanted := files[stem]
		if !isNpy || !wanted {
			continue
		}
		if prev != nil {
			return nil, errorf(fmt.Sprintf("%s: member %q", name, f.Name), "duplicate member")
		}
		files[stem] = f
	}
	b := opt.budget()
	tensors := make([]*Tensor, len(arrays))
	read := make(map[string]*Tensor, len(arrays))
	for i, a := range arrays {
		if t := read[a]; t != nil {
			tensors[i] = t // named twice
			continue
		}
		f := files[a]
		if f == nil {
			return nil, &missingArrayError{fmt.Sprintf("%s: no array %q (the archive holds %s)", name, a, nameList(held))}
		}
		t, err := readNpzMember(f, size, fmt.Sprintf("%s: member %q", name, f.Name), b)
		if err != nil {
			return nil, err
		}
		t.Name = a
		tensors[i], read[a] = t, t
	}
	return tensors, nil
}

// nameList lists names for an error message, shortened so that a hostile
// archive of many members or long names cannot make it huge.
func nameList(names []string) string {
	const most = 20
	if len(names) == 0 {
		return "none"
	}
	shown := make([]string, 0, min(len(names), most))
	for _, n := range names[:min(len(names), most)] {
		shown = append(shown, excerpt(n))
	}
	list := strings.Join(shown, ", ")
	if len(names) > most {
		list += fmt.Sprintf(" and %d more", len(names)-most)
	}
	return list
}

// openNpz opens the zip archive of an .npz file.
func openNpz(r io.ReaderAt, size int64, name string) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	// Member paths are never used as file paths here, so names the zip
	// package considers insecure are harmless.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if isZipFormatError(err) {
			return nil, errorf(name, "not a valid zip archive: %v", err)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return zr, nil
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
