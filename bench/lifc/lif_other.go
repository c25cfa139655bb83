//go:build !amd64

package lifc

// The clang kernels are amd64 assembly; elsewhere Forward panics.

func available() bool { return false }

func forward(tiled bool, T, B, N int, x, z, v, i []float32) {
	panic("lifc: no clang kernel on this architecture")
}
