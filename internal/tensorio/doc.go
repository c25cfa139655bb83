// Package tensorio reads and writes tensors in the safetensors, .npy and .npz
// formats, in which trained weights and reference data are commonly
// exchanged.
//
// Every format is decoded into the same [Tensor] value: a dense, row-major
// (C-order) array whose elements are held as float64 whatever their on-disk
// type. Only float32 and float64 elements are supported; anything else is
// reported as an error naming the offending type rather than converted.
//
// Readers treat their input as untrusted. Lengths, shapes and offsets are
// checked against the bytes actually present before anything is allocated,
// and every problem with the input is reported as an error that wraps
// [ErrFormat] and names the file and, where there is one, the tensor.
// [LoadFileWith] and [ReadNpzWith] also bound what one file decodes to
// ([Options.MaxMemory], default 1 GiB), so that a small compressed archive
// cannot inflate without limit. [OpenNpy] and [CreateNpy] read and write
// a .npy array in pieces, for arrays larger than memory.
//
// Writers are deterministic: the same tensors always produce the same bytes.
// Multi-tensor files are laid out in name order, and .npy files are written
// byte for byte as numpy's np.save writes them. Each tensor is written in its
// DType; for Float32 every value is rounded to the nearest float32 (ties to
// even), so values beyond the float32 range become infinities.
package tensorio
