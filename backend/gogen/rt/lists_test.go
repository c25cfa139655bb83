package rt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/snnc/snnc/backend/amd64"
)

// TestListConstants checks that the assembly kernels' tiles (and the
// values adamUpdate takes at a time) are these.
func TestListConstants(t *testing.T) {
	if listCols != amd64.ListCols || listBlock != amd64.ListBlock {
		t.Errorf("listCols, listBlock = %d, %d; backend/amd64 has %d, %d", listCols, listBlock, amd64.ListCols, amd64.ListBlock)
	}
	if adamLanes != amd64.AdamLanes {
		t.Errorf("adamLanes = %d; backend/amd64 has %d", adamLanes, amd64.AdamLanes)
	}
}

// listShape is one case of the lists' tests: T time steps of the B batch
// entries xb0 … xb0+B−1 of an input [T][xB][in].
type listShape struct{ T, xB, xb0, B, in, out int }

var listShapes = []listShape{
	{1, 1, 0, 1, 1, 64},
	{2, 3, 0, 3, 17, 128},
	{3, 5, 1, 3, 255, 64},
	{1, 2, 0, 2, 256, 192},
	{2, 4, 2, 2, 257, 64},
	{3, 50, 0, 50, 784, 256}, // 150 rows: more than listRows
	{4, 40, 7, 33, 600, 128}, // a part's rows, read in place
	{2, 0, 0, 0, 784, 64},    // no batch entries
}

// spikeInput returns x [T][xB][in] of 0/1 values (some −0), density p.
func spikeInput(r *rand.Rand, sh listShape, p float64) []float32 {
	x := make([]float32, sh.T*sh.xB*sh.in)
	for i := range x {
		switch u := r.Float64(); {
		case u < p:
			x[i] = 1
		case u < p+0.01:
			x[i] = float32(math.Copysign(0, -1))
		}
	}
	return x
}

func randomValues(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// TestSpikeListsProducts checks that the products from the lists equal
// linearSpikes' (forward) and outerSpikes' (weight gradient) bit for bit,
// with and without bias, for rows read in place and rows of a State's own
// input, at densities from none to all.
func TestSpikeListsProducts(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, sh := range listShapes {
		for _, p := range []float64{0, 0.1, 0.5, 1} {
			x := spikeInput(r, sh, p)
			wT := randomValues(r, sh.in*sh.out)
			wB := make([]float32, len(wT))
			blockWeights(wB, wT, sh.in, sh.out)
			rows := sh.T * sh.B
			dy := randomValues(r, rows*sh.out)
			var l spikeListSet
			if bad := checkSpikeRows(spikeLists, firstNonSpike, &l, x, sh.T, sh.xB, sh.xb0, sh.B, sh.in); bad != -1 || !l.ok {
				t.Fatalf("%+v p=%g: checkSpikeRows = %d, ok %v; want -1, true", sh, p, bad, l.ok)
			}
			for _, b := range [][]float32{nil, randomValues(r, sh.out)} {
				want := make([]float32, rows*sh.out)
				inputRows(linearSpikes, want, x, wT, b, sh.T, sh.B, sh.xB, sh.xb0, sh.out, sh.in)
				got := randomValues(r, rows*sh.out) // whatever y held before
				inputSpikeRows(linearSpikes, spikeTile, &l, got, x, wT, wB, b, sh.T, sh.B, sh.xB, sh.xb0, sh.out, sh.in, 0)
				sameBits(t, "forward", sh, p, got, want)
				// A few steps at a time, as Forward's chunks run: from the
				// lists at row first, or, where the lists do not cover the
				// rows asked for (first past them), from x.
				for _, steps := range []int{1, 2} {
					for t0 := 0; t0 < sh.T; t0 += steps {
						n := min(steps, sh.T-t0)
						rows := want[t0*sh.B*sh.out : (t0+n)*sh.B*sh.out]
						xs := x[t0*sh.xB*sh.in:]
						for _, first := range []int{t0 * sh.B, l.rows + 1} {
							got := randomValues(r, len(rows))
							inputSpikeRows(linearSpikes, spikeTile, &l, got, xs, wT, wB, b, n, sh.B, sh.xB, sh.xb0, sh.out, sh.in, first)
							sameBits(t, fmt.Sprintf("forward, steps %d…%d from list row %d", t0, t0+n-1, first), sh, p, got, rows)
						}
					}
				}
			}
			want := randomValues(r, sh.in*sh.out)
			got := append([]float32(nil), want...)
			wg := make([]float32, sh.in*sh.out)
			inputSpikeGradW(outerSpikes, nil, &l, want, wg, x, dy, sh.T, sh.B, sh.xB, sh.xb0, sh.out, sh.in)
			inputSpikeGradW(outerSpikes, spikeColumnsOuter, &l, got, wg, x, dy, sh.T, sh.B, sh.xB, sh.xb0, sh.out, sh.in)
			sameBits(t, "weight gradient", sh, p, got, want)
		}
	}
}

func sameBits(t *testing.T, what string, sh listShape, p float64, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s %+v p=%g: [%d] = %v, want %v", what, sh, p, i, got[i], want[i])
		}
	}
}

// TestSpikeListsCheck checks that listing the spikes finds the first value
// that is not one, as firstNonSpikeRows does, and leaves the lists unused
// then; and that without a lists kernel, or lists that do not fit in
// int32, the check still runs.
func TestSpikeListsCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	sh := listShape{3, 6, 2, 3, 300, 64}
	for _, v := range []float32{2, -1, 0.5, float32(math.NaN()), float32(math.Inf(1)), math.SmallestNonzeroFloat32} {
		for _, at := range [][2]int{{0, 0}, {1, 299}, {2, 150}} { // time step, input
			x := spikeInput(r, sh, 0.2)
			row := at[0]*sh.xB + sh.xb0 + 1
			x[row*sh.in+at[1]] = v
			x[len(x)-1] = 3 // not in the State's rows
			want := firstNonSpikeRows(firstNonSpike, x, sh.T, sh.xB, sh.xb0, sh.B, sh.in)
			if want != row*sh.in+at[1] {
				t.Fatalf("firstNonSpikeRows = %d, want %d", want, row*sh.in+at[1])
			}
			var l spikeListSet
			if got := checkSpikeRows(spikeLists, firstNonSpike, &l, x, sh.T, sh.xB, sh.xb0, sh.B, sh.in); got != want || l.ok {
				t.Errorf("%v at %v: checkSpikeRows = %d, ok %v; want %d, false", v, at, got, l.ok, want)
			}
			if got := checkSpikeRows(nil, firstNonSpike, &l, x, sh.T, sh.xB, sh.xb0, sh.B, sh.in); got != want || l.ok {
				t.Errorf("%v at %v, no lists kernel: checkSpikeRows = %d, ok %v; want %d, false", v, at, got, l.ok, want)
			}
		}
	}
	for _, c := range []struct {
		rows, in int
		fit      bool
	}{{0, 1, true}, {1, 0, false}, {3200, 784, true}, {1 << 20, 1 << 11, false}, {1, 1 << 23, false}, {1, 1<<23 - 1, true}} {
		if got := listsFit(c.rows, c.in); got != c.fit {
			t.Errorf("listsFit(%d, %d) = %v, want %v", c.rows, c.in, got, c.fit)
		}
	}
}

// packBits packs x [rows][in] of 0/1 values (−0 as 0) into rows of
// spikeWords(in) words.
func packBits(x []float32, rows, in int) []uint64 {
	words := spikeWords(in)
	b := make([]uint64, rows*words)
	for r := 0; r < rows; r++ {
		for i, v := range x[r*in : (r+1)*in] {
			if v == 1 {
				b[r*words+i/64] |= 1 << (i % 64)
			}
		}
	}
	return b
}

// TestSpikeBits checks that lists made from bit-packed spikes are those of
// the same spikes as float32 (the offsets in use, and every segment), for
// a State's own rows and a part's rows read in place, at densities from
// none to all; that unpackSpikes gives the 0/1 values back; and that a bit
// set past in is found.
func TestSpikeBits(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, sh := range append(listShapes, listShape{2, 3, 1, 2, 64, 64}, listShape{1, 2, 0, 2, 65, 64}, listShape{2, 2, 0, 2, 1000, 64}) {
		for _, p := range []float64{0, 0.1, 0.5, 0.97, 1} {
			x := spikeInput(r, sh, p)
			rows := sh.T * sh.xB
			xb := packBits(x, rows, sh.in)
			var want, got spikeListSet
			if bad := checkSpikeRows(spikeLists, firstNonSpike, &want, x, sh.T, sh.xB, sh.xb0, sh.B, sh.in); bad != -1 {
				t.Fatalf("%+v: bad spike input", sh)
			}
			if bad := badSpikeBitsRow(xb, rows, sh.in); bad != -1 {
				t.Fatalf("%+v p=%g: badSpikeBitsRow = %d, want -1", sh, p, bad)
			}
			got.offs = make([]int32, 3) // grown as needed
			listSpikeBits(spikeListsBits, &got, xb, sh.T, sh.xB, sh.xb0, sh.B, sh.in)
			if !got.ok || got.rows != want.rows || got.in != want.in {
				t.Fatalf("%+v p=%g: lists ok %v rows %d in %d, want true %d %d", sh, p, got.ok, got.rows, got.in, want.rows, want.in)
			}
			segs := (listBlocks(sh.in) + 1) * want.rows
			if !slices.Equal(got.segs[:segs], want.segs[:segs]) {
				t.Fatalf("%+v p=%g: segments %v, want %v", sh, p, got.segs[:segs], want.segs[:segs])
			}
			if segs > 0 {
				if n := int(want.segs[segs-1]); !slices.Equal(got.offs[:n], want.offs[:n]) {
					t.Fatalf("%+v p=%g: offsets differ", sh, p)
				}
			}
			y := randomValues(r, rows*sh.in)
			unpackSpikes(y, xb, rows, sh.in)
			for i, v := range y {
				if v != x[i] || math.Signbit(float64(v)) {
					t.Fatalf("%+v p=%g: unpacked [%d] = %v, want %v as +0 or 1", sh, p, i, v, x[i])
				}
			}
			if sh.in%64 != 0 && rows > 1 {
				xb[2*spikeWords(sh.in)-1] |= 1 << 63
				if bad := badSpikeBitsRow(xb, rows, sh.in); bad != 1 {
					t.Errorf("%+v: a bit past in on row 1: badSpikeBitsRow = %d, want 1", sh, bad)
				}
			}
		}
	}
}
