package kernel

// Loop is the order in which a kernel walks its [T][B][N] data.
type Loop struct {
	// TileLanes = 0 runs time steps outermost, then batch entries, then
	// groups of vectors of neurons: each time step streams through its
	// [B][N] row of every sequence once, contiguously, and the [B][N]
	// states are read and written once per step (from L1, L2 or L3,
	// depending on B·N).
	//
	// TileLanes > 0 runs batch entries outermost, then tiles of TileLanes
	// neurons carried through all time steps: a tile's states stay in L1
	// between steps, but each step of a tile reads a short run of each
	// sequence at a stride of B·N·4 bytes.
	TileLanes int
}

// TimeOutermost is the loop order with time steps outermost.
var TimeOutermost = Loop{}

// LoopFor returns the loop order of a kernel over n neurons per batch
// entry, for every instruction set, as measured on amd64
// (docs/performance.md, "Loop order"):
//
//   - from 32 neurons on, tiles of 1024 neurons carried through all time
//     steps (a layer of at most 1024 neurons is one tile per batch entry):
//     at T = 100, B = 32 up to 32 % faster than time steps outermost
//     (N = 33, 1024, 4096, every model and ISA), even or mixed at N = 100
//     and 256, and faster than tiles of 256;
//   - below, time steps outermost: a tile of a few vectors is one chain of
//     dependent steps through its states, while the batch entries of one
//     time step are independent (LIF at N = 8 in AVX2: 0.27 against 1.14
//     ns per neuron-step).
func LoopFor(n int) Loop {
	if n < minTiledLanes {
		return TimeOutermost
	}
	return Loop{TileLanes: TileLanes}
}

const (
	// TileLanes is the tile of LoopFor, a whole number of vectors of every
	// instruction set (16 lanes for AVX-512). The plain-Go kernels tile
	// by it too (a smaller layer is one tile).
	TileLanes = 1024
	// minTiledLanes is the smallest layer LoopFor tiles.
	minTiledLanes = 32
)
