package lifc

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// _lif_fwd and _lif_fwd_tiled are the clang kernels lif_fwd and
// lif_fwd_tiled of _csrc/lif.c, converted to Go assembly by c2goasm
// (lif_amd64.s), which reads these declarations to name the arguments. x,
// z, v and i point at the first elements of the [T][B][N] input, the
// [T][B][N] spikes and the [B][N] states.
//
//go:noescape
func _lif_fwd(T, B, N int64, x, z, v, i unsafe.Pointer)

//go:noescape
func _lif_fwd_tiled(T, B, N int64, x, z, v, i unsafe.Pointer)

func available() bool { return cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) }

// forward calls a kernel on non-empty slices of the right lengths.
func forward(tiled bool, T, B, N int, x, z, v, i []float32) {
	k := _lif_fwd
	if tiled {
		k = _lif_fwd_tiled
	}
	k(int64(T), int64(B), int64(N), unsafe.Pointer(&x[0]), unsafe.Pointer(&z[0]), unsafe.Pointer(&v[0]), unsafe.Pointer(&i[0]))
}
