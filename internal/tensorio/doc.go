// Package tensorio reads and writes tensors in the safetensors, .npy and .npz
// formats, in which trained weights and reference data are commonly
// exchanged.
//
// Every format is decoded into the same [Tensor] value: a dense, row-major
// (C-order) array whose elements are held as float64 whatever their on-disk
// type, which [Tensor.DType] records. float32 and float64 are read and
// written in every format. The .npy and .npz readers also read numpy's
// integer types (int8 to int64, uint8 to uint64) and bool, in either byte
// order, so that labels and images saved by numpy load as they are; every
// such value is held exactly, so an int64 or uint64 beyond ±2^53 or a bool
// byte other than 0 or 1 is an error naming the element, and the writers
// refuse these types. Any other type (float16, complex, strings, objects,
// structured dtypes, safetensors' BF16 and integers) is reported as an
// error naming it rather than converted.
//
// Readers treat their input as untrusted. Lengths, shapes and offsets are
// checked against the bytes actually present before anything is allocated,
// and every problem with the input is reported as an error that wraps
// [ErrFormat] and names the file and, where there is one, the tensor.
// [LoadFileWith], [ReadNpzWith] and [ReadNpzMembers] also bound what one
// file decodes to ([Options.MaxMemory], default 1 GiB, charged at 8 bytes
// per element whatever the on-disk type), so that a small compressed
// archive cannot inflate without limit. [ReadNpzMembers] reads only the
// named arrays of an archive and leaves the other members unread.
// [OpenNpy] and [CreateNpy] read and write a .npy array in pieces, for
// arrays larger than memory.
//
// Writers are deterministic: the same tensors always produce the same bytes.
// Multi-tensor files are laid out in name order, and .npy files are written
// byte for byte as numpy's np.save writes them. Each tensor is written in its
// DType, which must be Float32 or Float64; for Float32 every value is rounded to the nearest float32 (ties to
// even), so values beyond the float32 range become infinities.
package tensorio
