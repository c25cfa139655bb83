package rt

import (
	"math"
	"math/rand/v2"
	"testing"
)

func normals(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

func sameFloats(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestBackwardProducts checks the backward products against their
// definitions one element at a time: linearAddXT and its blocked calls
// (linearGradW) against the fma32 chain over rows, outerSpikes with the
// transposed add against the same chain over the non-zero inputs,
// linearAdd against the chain over outputs, biasGrad against the sum in
// row order, for row counts around the blocks of 4, of gradRowBlock and
// of spikeRowBlock (spikeGradW).
func TestBackwardProducts(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, rows := range []int{0, 1, 3, 4, 5, 63, 64, 65, 130, spikeRowBlock + 3} {
		const out, in = 7, 13
		dy, x := normals(r, rows*out), normals(r, rows*in)
		spikes := make([]float32, rows*in)
		for i := range spikes {
			if r.IntN(5) == 0 {
				spikes[i] = []float32{1, 1, 1, 0.5}[r.IntN(4)]
			}
		}
		w, dw0, db0 := normals(r, out*in), normals(r, out*in), normals(r, out)

		wantDW := func(x []float32) []float32 {
			d := append([]float32(nil), dw0...)
			for o := range out {
				for i := range in {
					for k := range rows {
						d[o*in+i] = fma32(dy[k*out+o], x[k*in+i], d[o*in+i])
					}
				}
			}
			return d
		}
		got := append([]float32(nil), dw0...)
		linearAddXT(got, dy, x, nil, out, in, rows)
		sameFloats(t, "linearAddXT", got, wantDW(x))
		got = append([]float32(nil), dw0...)
		linearGradW(linearAddXT, got, dy, x, rows, out, in)
		sameFloats(t, "linearGradW", got, wantDW(x))

		// outerSpikes from zero, then added to dW: the chain over the
		// active inputs, then one addition.
		dwT := make([]float32, in*out)
		outerSpikes(dwT, spikes, dy, nil, rows, out, in)
		got = append([]float32(nil), dw0...)
		addTransposed(got, dwT, out, in)
		zero := make([]float32, out*in)
		want := wantDWFrom(zero, dy, spikes, rows, out, in)
		for j := range want {
			want[j] += dw0[j]
		}
		sameFloats(t, "outerSpikes+addTransposed", got, want)
		blocked := make([]float32, in*out)
		spikeGradW(outerSpikes, blocked, spikes, dy, rows, out, in)
		sameFloats(t, "spikeGradW", blocked, dwT)

		dx0 := normals(r, rows*in)
		gotDX := append([]float32(nil), dx0...)
		linearAdd(gotDX, dy, w, nil, rows, in, out)
		for k := range rows {
			for i := range in {
				v := dx0[k*in+i]
				for o := range out {
					v = fma32(dy[k*out+o], w[o*in+i], v)
				}
				if math.Float32bits(gotDX[k*in+i]) != math.Float32bits(v) {
					t.Fatalf("rows=%d: linearAdd dx[%d][%d] = %v, want %v", rows, k, i, gotDX[k*in+i], v)
				}
			}
		}

		gotDB := append([]float32(nil), db0...)
		biasGrad(gotDB, dy, rows, out)
		wantDB := append([]float32(nil), db0...)
		for k := range rows {
			for o := range out {
				wantDB[o] += dy[k*out+o]
			}
		}
		sameFloats(t, "biasGrad", gotDB, wantDB)
	}
}

// wantDWFrom is dW [out][in] = d0 + the fma32 chain over rows of the
// non-zero x, in the layout of outerSpikes transposed.
func wantDWFrom(d0, dy, x []float32, rows, out, in int) []float32 {
	d := append([]float32(nil), d0...)
	for o := range out {
		for i := range in {
			for k := range rows {
				if xi := x[k*in+i]; xi != 0 {
					d[o*in+i] = fma32(xi, dy[k*out+o], d[o*in+i])
				}
			}
		}
	}
	return d
}
