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
// entry, for every instruction set: time steps outermost, which measured
// faster than tiles of 1024 or 256 neurons on amd64 (docs/performance.md,
// "Loop order").
func LoopFor(n int) Loop { return TimeOutermost }
