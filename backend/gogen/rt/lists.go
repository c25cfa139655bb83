package rt

import (
	"math"
	"math/bits"
)

// Spike lists: the event-driven products of a network input declared
// spikes, in tiles.
//
// linearSpikes adds, for every spike of a row, a whole row of wT (out
// float32 values), and the in·out weights (784 KiB for 784 × 256) do not
// fit in L1: every spike reads 1 KiB from L2 or further. Here the check of
// the input (every value 0 or 1) also lists each row's spikes once, as
// weight offsets cut into blocks of listBlock inputs; the product then
// runs over tiles of listBlock inputs × listCols outputs of the weights (64
// KiB, copied into tiles by blockWeights so that a tile is contiguous),
// each row adding the tile rows of its spikes in that block. The weight
// gradient dWᵀ += xᵀ·dy runs in the same layout from the same lists,
// turned into lists by input listRows rows at a time, so that each weight
// is loaded and stored once per listRows rows rather than once per spike.
// Every output still takes its inputs (every weight its rows) in
// increasing order: the results equal linearSpikes' and outerSpikes' bit
// for bit.

const (
	// listCols is the outputs of a tile: 4 AVX-512 or 8 AVX2 vectors.
	listCols = 64
	// listBlock is the inputs of a tile: listBlock·listCols float32 is 64
	// KiB.
	listBlock = 256
	// listRows is the rows a tile runs over before the next tile: their
	// outputs, or their gradients for the weight gradient
	// (listRows·listCols·4 = 32 KiB), stay in L1 meanwhile.
	listRows = 128
)

// spikeListSet is a State's lists of the spikes of its rows of the input.
type spikeListSet struct {
	offs []int32 // per spike, rows in order and inputs in order: i·listCols·4
	segs []int32 // per row, listBlocks(in)+1 indices into offs: where each block's spikes start, and the row's end
	// the lists of listRows rows by input, for the weight gradient (spikeColumns)
	starts, rowOffs []int32
	rows            int  // rows listed (T·B)
	in              int  // inputs per row
	ok              bool // built for the input of the last call
}

// listBlocks is the number of blocks of listBlock inputs of a row.
func listBlocks(in int) int { return (in + listBlock - 1) / listBlock }

// listsFit reports whether the lists of rows rows of in inputs (and their
// offsets) fit in int32, with room for a vector written past the last.
func listsFit(rows, in int) bool {
	const limit = math.MaxInt32 - 64
	if in <= 0 || rows < 0 || in > limit/(listCols*4) {
		return false
	}
	if rows > 0 && (in > limit/rows || listBlocks(in)+1 > limit/rows) {
		return false
	}
	return true
}

// spikeLists lists the spikes of rows rows of x [rows][in] into offs from
// offs[n] on: for row r, segs[r·(nb+1)+j] is the index in offs of its
// first spike at an input ≥ j·listBlock (nb = listBlocks(in)) and
// segs[r·(nb+1)+nb] the end of its spikes; a spike at input i is stored as
// the byte offset i·listCols·4 of its row in a tile. It returns the new n,
// and the index in x of the first value that is neither 0 (either sign)
// nor 1 (NaN included), or -1; at such a value it stops, and what it
// listed of that row and next mean nothing. The caller
// guarantees len(offs) ≥ n+rows·in+16 (the assembly twins write whole
// vectors) and len(segs) ≥ rows·(nb+1).
func spikeLists(offs, segs []int32, x []float32, n, rows, in int) (next, bad int) {
	nb := listBlocks(in)
	for r := 0; r < rows; r++ {
		s := segs[r*(nb+1) : (r+1)*(nb+1)]
		for i, v := range x[r*in : (r+1)*in] {
			if i%listBlock == 0 {
				s[i/listBlock] = int32(n)
			}
			if v == 0 {
				continue
			}
			if v != 1 {
				return n, r*in + i
			}
			offs[n] = int32(i * listCols * 4)
			n++
		}
		s[nb] = int32(n)
	}
	return n, -1
}

// spikeTile adds, for rows rows, the tile rows of w listed in each row's
// segment to its listCols outputs: y[r][o] starts at b[o] (or at y[r][o]
// when b is empty), then y[r][o] += w[off/4+o] for the offsets
// offs[segs[r·segStride]] … offs[segs[r·segStride+1]−1] in order. Row r
// of y starts at y[r·yStride].
func spikeTile(y []float32, yStride, rows int, offs, segs []int32, segStride int, w, b []float32) {
	for r := 0; r < rows; r++ {
		acc := y[r*yStride : r*yStride+listCols]
		if len(b) > 0 {
			copy(acc, b[:listCols])
		}
		for _, off := range offs[segs[r*segStride]:segs[r*segStride+1]] {
			wr := w[off/4 : off/4+listCols]
			for o := range acc {
				acc[o] += wr[o]
			}
		}
	}
}

// spikeColumns turns the lists of rows rows (segs of the first row at
// segs[0], nb+1 per row) into lists by input: the rows with a spike at
// input i are rowOffs[starts[i]] … rowOffs[starts[i+1]−1], in increasing
// order, each as the byte offset r·stride·4 of its row r of dy. The
// caller guarantees len(starts) ≥ in+2, len(rowOffs) ≥ the rows' spikes,
// and rows·stride·4 ≤ MaxInt32.
func spikeColumns(starts, rowOffs, offs, segs []int32, rows, nb, in, stride int) {
	// Counts at starts[i+2]; after the sums starts[i+1] is where input i's
	// rows begin, and the scatter advances it to where they end.
	clear(starts[:in+2])
	if rows == 0 {
		return
	}
	first, end := segs[0], segs[(rows-1)*(nb+1)+nb]
	for _, off := range offs[first:end] {
		starts[uint32(off)/(listCols*4)+2]++
	}
	for i := 2; i < in+2; i++ {
		starts[i] += starts[i-1]
	}
	for r := 0; r < rows; r++ {
		ro := int32(r * stride * 4)
		for _, off := range offs[segs[r*(nb+1)]:segs[r*(nb+1)+nb]] {
			i := uint32(off)/(listCols*4) + 1
			rowOffs[starts[i]] = ro
			starts[i]++
		}
	}
}

// spikeColumnsOuter is the tiles' weight gradient from lists by input
// (spikeColumns): for each of the n inputs i, w[i·listCols+o] += dy[ro/4+o]
// for the row offsets ro of rowOffs[starts[i]] … rowOffs[starts[i+1]−1] in
// order. Each weight takes its rows in increasing order, so the sums are
// those of adding dy row by row, bit for bit; but a tile row is loaded and
// stored once, where row by row it was once per spike.
func spikeColumnsOuter(w []float32, starts []int32, n int, rowOffs []int32, dy []float32) {
	for i := 0; i < n; i++ {
		k, end := starts[i], starts[i+1]
		if k == end {
			continue
		}
		var acc [listCols]float32
		copy(acc[:], w[i*listCols:(i+1)*listCols])
		for _, ro := range rowOffs[k:end] {
			d := dy[ro/4 : ro/4+listCols]
			for o := range acc {
				acc[o] += d[o]
			}
		}
		copy(w[i*listCols:(i+1)*listCols], acc[:])
	}
}

// The kernel types of the lists (spikeLists, spikeListsBits, spikeTile,
// spikeColumnsOuter and their assembly twins).
type (
	listsFunc        func(offs, segs []int32, x []float32, n, rows, in int) (next, bad int)
	listsBitsFunc    func(offs, segs []int32, x []uint64, n, rows, in int) (next int)
	tileFunc         func(y []float32, yStride, rows int, offs, segs []int32, segStride int, w, b []float32)
	columnsOuterFunc func(w []float32, starts []int32, n int, rowOffs []int32, dy []float32)
)

// checkSpikeRows checks that the State's rows of x [T][xB][in] (entries
// xb0 … xb0+B−1) are spikes and returns the index in x of the first value
// that is not, or -1, as firstNonSpikeRows does with check. With a lists
// kernel (not nil) and lists that fit, it lists the spikes into l as it
// goes, and marks them built when every value passed.
func checkSpikeRows(lists listsFunc, check func(x []float32) int, l *spikeListSet, x []float32, T, xB, xb0, B, in int) int {
	l.ok = false
	if B == 0 {
		l.rows, l.in, l.ok = 0, in, true // nothing to list, however large T is
		return -1
	}
	rows := T * B
	if lists == nil || !listsFit(rows, in) {
		return firstNonSpikeRows(check, x, T, xB, xb0, B, in)
	}
	nb := listBlocks(in)
	l.segs = growInt32(l.segs, rows*(nb+1), false)
	n := 0
	for t := range T {
		r := t*xB + xb0
		l.offs = growInt32(l.offs, n+B*in+16, true)
		var bad int
		n, bad = lists(l.offs, l.segs[t*B*(nb+1):], x[r*in:(r+B)*in], n, B, in)
		if bad >= 0 {
			return r*in + bad
		}
	}
	l.rows, l.in, l.ok = rows, in, true
	return -1
}

// growInt32 returns buf with length at least n (exactly n unless keep),
// reallocating when its capacity is short; keep copies the old contents
// and leaves room to grow again.
func growInt32(buf []int32, n int, keep bool) []int32 {
	if cap(buf) >= n {
		if keep {
			return buf[:cap(buf)]
		}
		return buf[:n]
	}
	if !keep {
		return make([]int32, n)
	}
	nb := make([]int32, max(n, 2*cap(buf)))
	copy(nb, buf)
	return nb
}

// blockWeights copies wT [in][out] (out a multiple of listCols) into the
// tiles of the lists' product: wB[c·in+i·listCols+o] = wT[i][c+o] for each
// column block c. Tile (c, block j) is then listBlock contiguous rows.
func blockWeights(wB, wT []float32, in, out int) {
	for c := 0; c < out; c += listCols {
		for i := 0; i < in; i++ {
			copy(wB[c*in+i*listCols:c*in+(i+1)*listCols], wT[i*out+c:i*out+c+listCols])
		}
	}
}

// listZeros is the initial value of outputs without bias.
var listZeros [listCols]float32

// inputSpikeRows is inputRows for the network input declared spikes: with
// lists built for x (checkSpikeRows) and a tile kernel, y = x·wT + b from
// the tiles wB (blockWeights of wT), else f (linearSpikes or a twin) row
// by row. The T·B rows of y are rows first … first+T·B−1 of the lists (a
// call's lists cover all its steps; Forward runs them a few steps at a
// time, see chunkSteps). out is a multiple of listCols. Either way each
// output is the same bit for bit.
func inputSpikeRows(f func(y, x, wT, b []float32, rows, out, in int), tile tileFunc, l *spikeListSet, y, x, wT, wB, b []float32, T, B, xB, xb0, out, in, first int) {
	if !l.ok || tile == nil || first < 0 || l.rows-first < T*B || l.in != in {
		inputRows(f, y, x, wT, b, T, B, xB, xb0, out, in)
		return
	}
	nb := listBlocks(in)
	ss := nb + 1
	for r0 := 0; r0 < T*B; r0 += listRows {
		rb := min(listRows, T*B-r0)
		for j := 0; j < nb; j++ {
			for c := 0; c < out; c += listCols {
				var init []float32
				if j == 0 {
					init = listZeros[:]
					if b != nil {
						init = b[c : c+listCols]
					}
				}
				tile(y[r0*out+c:], out, rb, l.offs, l.segs[(first+r0)*ss+j:], ss, wB[c*in:], init)
			}
		}
	}
}

// inputSpikeGradW adds the weight gradient of the product inputSpikeRows
// ran to dw [out][in]: dWᵀ += xᵀ·dy accumulated in wg (in·out values,
// overwritten), then added transposed. With the lists it accumulates in
// the layout of blockWeights, listRows rows at a time: their lists turned
// by input (spikeColumns), then each column block's weights with outer
// (spikeColumnsOuter or a twin), the rows' listCols values of dy staying
// in L1. Else it runs outerSpikes (or a twin) row by row as spikeGradWRows
// does; the sums are the same bit for bit.
func inputSpikeGradW(outer func(y, x, wT, b []float32, rows, out, in int), columnsOuter columnsOuterFunc, l *spikeListSet, dw, wg, x, dy []float32, T, B, xB, xb0, out, in int) {
	clear(wg)
	if !l.ok || columnsOuter == nil || l.rows != T*B || l.in != in || !columnsFit(out) {
		spikeGradWRows(outer, wg, x, dy, T, B, xB, xb0, out, in)
		addTransposed(dw, wg, out, in)
		return
	}
	nb := listBlocks(in)
	ss := nb + 1
	// As many as listRows rows can have spikes: sized once, whatever the
	// spikes of a call.
	l.starts = growInt32(l.starts, in+2, false)
	l.rowOffs = growInt32(l.rowOffs, min(l.rows, listRows)*in, false)
	for r0 := 0; r0 < l.rows; r0 += listRows {
		rb := min(listRows, l.rows-r0)
		segs := l.segs[r0*ss:]
		spikeColumns(l.starts, l.rowOffs, l.offs, segs, rb, nb, in, out)
		for c := 0; c < out; c += listCols {
			columnsOuter(wg[c*in:], l.starts, in, l.rowOffs, dy[r0*out+c:])
		}
	}
	for c := 0; c < out; c += listCols {
		addTransposed(dw[c*in:(c+listCols)*in], wg[c*in:(c+listCols)*in], listCols, in)
	}
}

// columnsFit reports whether the byte offsets of listRows rows of out
// values fit in int32 (spikeColumns).
func columnsFit(out int) bool { return out <= math.MaxInt32/(listRows*4) }

// Bit-packed spikes: a row of in inputs as spikeWords(in) words, input i
// being bit i%64 of word i/64, the bits past in clear. A network input
// declared spikes can be given this way (ForwardBits and its kin): 32
// times smaller than float32 0/1 values, and listed without reading them.

// spikeWords is the uint64 words of a row of in bit-packed spikes.
func spikeWords(in int) int { return in/64 + min(in%64, 1) }

// wordsPerBlock is the words of a list block: listBlock is a multiple of 64.
const wordsPerBlock = listBlock / 64

// padBits returns the bits of a row's last word past in, which must be
// clear (0 when in is a multiple of 64).
func padBits(in int) uint64 {
	if in%64 == 0 {
		return 0
	}
	return ^uint64(0) << (in % 64)
}

// badSpikeBitsRow returns the first of rows rows of x [rows][spikeWords(in)]
// with a bit set past in, or -1.
func badSpikeBitsRow(x []uint64, rows, in int) int {
	pad, words := padBits(in), spikeWords(in)
	if pad == 0 {
		return -1
	}
	for r := 0; r < rows; r++ {
		if x[(r+1)*words-1]&pad != 0 {
			return r
		}
	}
	return -1
}

// unpackSpikes writes rows rows of bit-packed spikes x as float32 0/1
// values into y [rows][in].
func unpackSpikes(y []float32, x []uint64, rows, in int) {
	words := spikeWords(in)
	for r := 0; r < rows; r++ {
		row := y[r*in : (r+1)*in]
		for i := range row {
			row[i] = float32(x[r*words+i/64] >> (i % 64) & 1)
		}
	}
}

// spikeListsBits is spikeLists for rows of bit-packed spikes x
// [rows][spikeWords(in)] whose bits past in are clear: the same offsets
// and segments, and the new n. Each word's spikes are written eight at a
// time, so that a word of up to eight spikes takes one pass of a loop
// whose end the branch predictor learns; the entries written past a
// word's last spike are overwritten by the next word's or lie past the
// end. The caller guarantees len(offs) ≥ n+rows·in+16 (the assembly
// twins write whole vectors).
func spikeListsBits(offs, segs []int32, x []uint64, n, rows, in int) int {
	nb, words := listBlocks(in), spikeWords(in)
	for r := 0; r < rows; r++ {
		s := segs[r*(nb+1) : (r+1)*(nb+1)]
		for w, b := range x[r*words : (r+1)*words] {
			if w%wordsPerBlock == 0 {
				s[w/wordsPerBlock] = int32(n)
			}
			// TrailingZeros64(0) is 64: the entries past the word's last
			// spike hold an offset of no spike, never read.
			base := int32(w * 64 * listCols * 4)
			k := n
			n += bits.OnesCount64(b)
			for b != 0 {
				o := offs[k : k+8 : k+8]
				o[0] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[1] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[2] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[3] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[4] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[5] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[6] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				o[7] = base + int32(bits.TrailingZeros64(b))*(listCols*4)
				b &= b - 1
				k += 8
			}
		}
		s[nb] = int32(n)
	}
	return n
}

// listSpikeBits lists the State's rows of bit-packed spikes x
// [T][xB][spikeWords(in)] (entries xb0 … xb0+B−1) into l with lists
// (spikeListsBits or a twin), as checkSpikeRows lists float32 spikes. The
// caller has checked the bits past in (badSpikeBitsRow) and that the
// lists fit (listsFit).
func listSpikeBits(lists listsBitsFunc, l *spikeListSet, x []uint64, T, xB, xb0, B, in int) {
	l.ok = false
	if B == 0 {
		l.rows, l.in, l.ok = 0, in, true
		return
	}
	rows, nb, words := T*B, listBlocks(in), spikeWords(in)
	l.segs = growInt32(l.segs, rows*(nb+1), false)
	n := 0
	for t := range T {
		r := t*xB + xb0
		l.offs = growInt32(l.offs, n+B*in+16, true)
		n = lists(l.offs, l.segs[t*B*(nb+1):], x[r*words:(r+B)*words], n, B, in)
	}
	l.rows, l.in, l.ok = rows, in, true
}
