package lifc

//go:generate go run ../../cmd/snnc compile ../models/lif1024.snn.json -o snnclif

import "fmt"

// Available reports whether the clang kernels run on this machine: amd64
// with AVX2 and FMA, the instruction sets clang compiled for.
var Available = available()

// Forward runs the clang kernel lif_fwd, the natural loop (t outer, all
// B·N neurons of a time step inner): N LIF neurons (Norse's default
// parameters, dt = 0.001 s) of B batch entries over T time steps. x (the
// input currents) and z (the spikes it writes, 0 or 1) are [T][B][N]; v
// and i (membrane voltage and synaptic current) are [B][N], read at the
// start and updated in place, so calls continue a sequence. The four
// slices must not overlap. It panics on wrong lengths, and when the
// kernels are not Available.
func Forward(T, B, N int, x, z, v, i []float32) { run(false, T, B, N, x, z, v, i) }

// ForwardTiled is Forward with the clang kernel lif_fwd_tiled, which runs
// the loop of snnc's generated kernels: per batch entry, tiles of 256
// neurons whose states stay in L1 while t runs over all T steps. It gives
// the same results.
func ForwardTiled(T, B, N int, x, z, v, i []float32) { run(true, T, B, N, x, z, v, i) }

func run(tiled bool, T, B, N int, x, z, v, i []float32) {
	if T < 0 || B < 0 || N < 0 || len(x) != T*B*N || len(z) != T*B*N || len(v) != B*N || len(i) != B*N {
		panic(fmt.Sprintf("lifc: T=%d, B=%d, N=%d: got len(x)=%d, len(z)=%d, len(v)=%d, len(i)=%d; want T·B·N, T·B·N, B·N, B·N",
			T, B, N, len(x), len(z), len(v), len(i)))
	}
	if !Available {
		panic("lifc: the clang kernels need amd64 with AVX2 and FMA")
	}
	if T*B*N == 0 {
		return
	}
	forward(tiled, T, B, N, x, z, v, i)
}
