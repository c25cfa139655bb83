package amd64

import (
	"errors"
	"fmt"
	"math"

	"github.com/snnc/snnc/asm"
)

// productFeatures are what SetISA allows the product kernels of isa: the
// vector set, and BMI1 for TZCNT and BLSR (the spike scan; every CPU with
// AVX2 has BMI1). Func.Requires of the emitted functions lists them.
func productFeatures(isa ISA) []asm.Feature {
	if isa == AVX512 {
		return []asm.Feature{asm.AVX512F, asm.BMI1}
	}
	return []asm.Feature{asm.AVX2, asm.FMA3, asm.BMI1}
}

// productVecRegs is the number of vector registers of isa.
func productVecRegs(isa ISA) int {
	if isa == AVX512 {
		return 32
	}
	return 16
}

// ProductSig is the Go signature of every product kernel, that of linear
// and linearSpikes in backend/gogen/rt:
//
//	func(y, x, wT, b []float32, rows, out, in int)
var ProductSig = asm.Sig(
	asm.P("y", asm.SliceFloat32), asm.P("x", asm.SliceFloat32),
	asm.P("wT", asm.SliceFloat32), asm.P("b", asm.SliceFloat32),
	asm.P("rows", asm.Int), asm.P("out", asm.Int), asm.P("in", asm.Int))

// Blocking of the kernels, in vectors of outputs.
const (
	// denseVecsAVX2 and denseVecsAVX512 are the vectors of outputs of a
	// full column block of linear: 3×8 and 4×16 outputs, times 4 and 6
	// rows (12 and 24 accumulators; see denseRows).
	denseVecsAVX2   = 3
	denseVecsAVX512 = 4
	// denseMaxRows bounds the rows of a tile; x rows are addressed from
	// three base registers, four rows each.
	denseMaxRows = 12
	// denseFewRows is the number of rows below which linear runs single-row
	// tiles of denseRowVecs vectors (measured: from 2 rows on, 2-row tiles of
	// denseVecs vectors are faster).
	denseFewRows = 2
	// denseRowVecsAVX2 and denseRowVecsAVX512 are the vectors of outputs of a
	// single-row tile: 12 and 16 independent FMA chains.
	denseRowVecsAVX2   = 12
	denseRowVecsAVX512 = 16
	// spikeVecsAVX2 and spikeVecsAVX512 are the accumulators of one
	// output row that linearSpikes keeps in registers: 96 and 256
	// outputs. Wider layers take several passes over the input row.
	spikeVecsAVX2   = 12
	spikeVecsAVX512 = 16
)

// spikeOne is math.Float32bits(1): a spike input with these bits adds its
// weight row without a multiplication.
const spikeOne = 0x3f800000

// EmitProducts adds linear<Suffix> and linearSpikes<Suffix> (Suffix "AVX2"
// or "AVX512") to file, with ProductSig and the results of linear and
// linearSpikes in backend/gogen/rt, bit for bit:
//
//   - linear: y[r][o] = b[o] (0 if b is empty), then for i = 0..in-1 in
//     order y[r][o] = fma(x[r][i], wT[i][o], y[r][o]), one rounding per
//     input. The kernels vectorize over o and never reorder over i.
//   - linearSpikes: the same, skipping inputs equal to 0 and adding the
//     weight row when the input is exactly 1.
//
// Neither checks lengths: the caller guarantees len(y) ≥ rows·out,
// len(x) ≥ rows·in, len(wT) ≥ in·out and len(b) = 0 or ≥ out. They never
// read or write memory outside those elements. The AVX2 kernels declare a
// static mask table named productsMask in file. The returned error joins
// the builder errors of the two functions (File.Err reports them too).
func EmitProducts(file *asm.File, isa ISA) error {
	if isa != AVX2 && isa != AVX512 {
		return fmt.Errorf("amd64: EmitProducts: unknown ISA %v", isa)
	}
	var mask asm.Sym
	if isa == AVX2 {
		// productsMask+32-4*n holds n dwords of ones then zeros: the
		// VMASKMOVPS mask of the first n lanes (1 ≤ n ≤ 8).
		mask = file.DataUint32("productsMask", maskTable()...)
	}

	dense := newProductKernel(file, isa, "linear"+isa.Suffix(), mask)
	dense.f.Doc = fmt.Sprintf(`%s is linear with %s: for each of rows rows, y[r][o] = b[o]
(0 if len(b) == 0), then y[r][o] = fma(x[r][i], wT[i][o], y[r][o]) for
i = 0..in-1 in order, bit for bit. Register tiles of %d rows × %d outputs
(up to %d rows for the last, narrower column block; a single row: %d
outputs) share each broadcast input and weight load.
len(y) ≥ rows*out, len(x) ≥ rows*in, len(wT) ≥ in*out, len(b) is 0 or ≥ out
(not checked).`, dense.f.Name(), isa.Suffix(), dense.denseRows(dense.denseVecs(), false),
		dense.denseVecs()*isa.Lanes(), denseMaxRows, dense.denseRowVecs()*isa.Lanes())
	dense.emitLinear()

	spikes := newProductKernel(file, isa, "linearSpikes"+isa.Suffix(), mask)
	spikes.f.Doc = fmt.Sprintf(`%s is linearSpikes with %s: linear for mostly-zero
inputs. It finds the non-zero inputs of a row %d at a time (compare,
bit mask, TZCNT) and for each adds its weight row (x == 1) or fuses
x·weights into the row (one rounding), keeping up to %d outputs in
registers; the result equals linearSpikes bit for bit. Lengths as for
linear%s.`, spikes.f.Name(), isa.Suffix(), 4*isa.Lanes(), spikes.spikeVecs()*isa.Lanes(), isa.Suffix())
	spikes.emitLinearSpikes()

	return errors.Join(dense.f.Err(), spikes.f.Err())
}

// maskTable is 8 dwords of ones then 8 of zeros: at byte 32-4*n, the
// VMASKMOVPS mask of the first n lanes.
func maskTable() []uint32 {
	ones := make([]uint32, 16)
	for i := range 8 {
		ones[i] = math.MaxUint32
	}
	return ones
}

// productKernel emits one product function.
type productKernel struct {
	isa   ISA
	f     *asm.AMD64Func
	lanes int
	// mask is the AVX2 tail mask table (see EmitProducts).
	mask asm.Sym
	// colMask holds the mask of the last, partial vector of a column
	// block: Y15 for AVX2 (kept free of accumulators), K1 for AVX-512.
	colMask asm.Vec
	// Variants of the two kernels (see backward.go): accumulate starts
	// linear's accumulators from y instead of the bias, xT reads x
	// transposed, outer turns linearSpikes into outerSpikes.
	accumulate, xT, outer bool
}

func newProductKernel(file *asm.File, isa ISA, name string, mask asm.Sym) *productKernel {
	f := file.AMD64(name, ProductSig)
	f.SetISA(productFeatures(isa)...)
	return &productKernel{isa: isa, f: f, lanes: isa.Lanes(), mask: mask, colMask: asm.Y15}
}

func (k *productKernel) denseVecs() int {
	if k.isa == AVX512 {
		return denseVecsAVX512
	}
	return denseVecsAVX2
}

func (k *productKernel) spikeVecs() int {
	if k.isa == AVX512 {
		return spikeVecsAVX512
	}
	return spikeVecsAVX2
}

// vbytes is the size of one vector in bytes.
func (k *productKernel) vbytes() int { return 4 * k.lanes }

// zero sets v to +0 in all lanes. (VXORPS on Z registers needs
// AVX512DQ; VPXORD is AVX512F.)
func (k *productKernel) zero(v asm.Vec) {
	if k.isa == AVX512 {
		k.f.V("VPXORD", v, v, v)
		return
	}
	k.f.VXORPS(v, v, v)
}

// load loads a vector; masked loads only the lanes of colMask (the others
// read as 0) and never touches memory past them.
func (k *productKernel) load(m asm.Mem, dst asm.Vec, masked bool) {
	switch {
	case !masked:
		k.f.VMOVUPS(m, dst)
	case k.isa == AVX2:
		k.f.VMASKMOVPS(m, k.colMask, dst)
	default:
		k.f.VMOVUPS(m, dst).MaskZ(asm.K1)
	}
}

// store stores a vector; masked stores only the lanes of colMask.
func (k *productKernel) store(src asm.Vec, m asm.Mem, masked bool) {
	switch {
	case !masked:
		k.f.VMOVUPS(src, m)
	case k.isa == AVX2:
		k.f.VMASKMOVPS(src, k.colMask, m)
	default:
		k.f.VMOVUPS(src, m).Mask(asm.K1)
	}
}

// colReg are the general-purpose registers of both kernels' column
// loops.
var colReg = struct {
	wc, cols, out4, bias, y, rows asm.GP
}{
	wc:   asm.R8,  // &wT[0][c0]: the weights of the column block
	cols: asm.R15, // out - c0: columns left
	out4: asm.R10, // out*4: the row stride of y and wT in bytes
	bias: asm.BX,  // &b[c0], or 0 when b is empty
	y:    asm.DI,  // &y[r][c0] of the current row (tile)
	rows: asm.R9,  // rows left in the column block
}

// prologue loads out*4 and jumps to done when rows or out is 0.
func (k *productKernel) prologue(done asm.Label) {
	f := k.f
	f.Load("rows", asm.AX)
	f.TESTQ(asm.AX, asm.AX)
	f.JZ(done)
	f.Load("out", colReg.out4)
	f.TESTQ(colReg.out4, colReg.out4)
	f.JZ(done)
	f.SHLQ(asm.Imm(2), colReg.out4)
}

// columns emits the loop over column blocks: blocks of full vectors while
// at least full·lanes columns are left, then one block of the remaining
// 1..full·lanes−1 columns in nv = ⌈left/lanes⌉ vectors, the last masked.
// block(nv, masked, next) emits the code for all rows of one block, which
// must end with a jump to next. done is placed after the loop.
func (k *productKernel) columns(full int, done asm.Label, block func(nv int, masked bool, next asm.Label)) {
	f := k.f
	loop, partial, nextFull := f.NewLabel("columns"), f.NewLabel("partial"), f.NewLabel("nextColumns")
	f.Load("out", colReg.cols)
	f.Load("wT_base", colReg.wc)

	f.Label(loop)
	f.CMPQ(colReg.cols, asm.Imm(full*k.lanes))
	f.JL(partial)
	block(full, false, nextFull)
	f.Label(nextFull)
	f.ADDQ(asm.Imm(full*k.vbytes()), colReg.wc)
	f.SUBQ(asm.Imm(full*k.lanes), colReg.cols)
	f.JNZ(loop)
	f.JMP(done)

	// AX, CX and R14 are free between blocks.
	f.Label(partial)
	f.Comment("the last block: its last vector has (cols-1)%lanes+1 lanes")
	f.MOVQ(colReg.cols, asm.AX)
	f.DECQ(asm.AX)
	f.ANDQ(asm.Imm(k.lanes-1), asm.AX)
	if k.isa == AVX2 {
		f.LEAQ(k.mask.Offset(28), asm.R14)
		f.NEGQ(asm.AX)
		f.VMOVUPS(asm.Ptr(asm.R14).Idx(asm.AX, 4), k.colMask).Comment("productsMask+32-4*lanes")
	} else {
		f.LEAQ(asm.Ptr(asm.AX).Offset(1), asm.CX)
		f.MOVQ(asm.Imm(1), asm.AX)
		f.SHLQ(asm.CX, asm.AX)
		f.DECQ(asm.AX)
		f.KMOVW(asm.AX, asm.K1).Comment("K1 = 1<<lanes - 1")
	}
	blocks := make([]asm.Label, full+1)
	for nv := 1; nv <= full; nv++ {
		blocks[nv] = f.NewLabel(fmt.Sprintf("partial%d", nv))
	}
	for nv := 1; nv < full; nv++ {
		f.CMPQ(colReg.cols, asm.Imm(nv*k.lanes))
		f.JLE(blocks[nv])
	}
	f.JMP(blocks[full])
	for nv := 1; nv <= full; nv++ {
		f.Label(blocks[nv])
		block(nv, true, done)
	}
}

// blockStart points colReg.y at y[0][c0], colReg.bias at b[c0] (0
// without bias) and x at x[0][0], and loads rows into colReg.rows. The
// byte offset c0·4 is colReg.wc − wT_base.
func (k *productKernel) blockStart(x asm.GP) {
	f := k.f
	wT := f.Arg("wT_base")
	f.Load("y_base", colReg.y)
	f.ADDQ(colReg.wc, colReg.y)
	f.SUBQ(wT, colReg.y)
	noBias := f.NewLabel("noBias")
	f.XORQ(colReg.bias, colReg.bias)
	f.CMPQ(f.Arg("b_len"), asm.Imm(0))
	f.JE(noBias)
	f.Load("b_base", colReg.bias)
	f.ADDQ(colReg.wc, colReg.bias)
	f.SUBQ(wT, colReg.bias)
	f.Label(noBias)
	f.Load("x_base", x)
	f.Load("rows", colReg.rows)
}

// initAcc sets the accumulators of the first tile row to the bias
// (colReg.bias ≠ 0) or to zero; further rows copy the first.
func (k *productKernel) initAcc(acc [][]asm.Vec, masked bool) {
	f := k.f
	if k.accumulate {
		k.loadRows(acc, masked)
		return
	}
	zero, ready := f.NewLabel("zeroAcc"), f.NewLabel("accReady")
	nv := len(acc[0])
	f.TESTQ(colReg.bias, colReg.bias)
	f.JZ(zero)
	for v, a := range acc[0] {
		k.load(asm.Ptr(colReg.bias).Offset(v*k.vbytes()), a, masked && v == nv-1)
	}
	for _, row := range acc[1:] {
		for v, a := range row {
			f.VMOVUPS(acc[0][v], a)
		}
	}
	f.JMP(ready)
	f.Label(zero)
	for _, row := range acc {
		for _, a := range row {
			k.zero(a)
		}
	}
	f.Label(ready)
}

// storeRows stores the accumulators, one row of y after the other, and
// leaves colReg.y at the row after the tile.
func (k *productKernel) storeRows(acc [][]asm.Vec, masked bool) {
	for _, row := range acc {
		for v, a := range row {
			k.store(a, asm.Ptr(colReg.y).Offset(v*k.vbytes()), masked && v == len(row)-1)
		}
		k.f.ADDQ(colReg.out4, colReg.y)
	}
}

// ---- linear ----

// denseReg are the general-purpose registers of linear's tiles.
var denseReg = struct {
	in4, in12, x, i, wp asm.GP
	xp                  [3]asm.GP
}{
	in4:  asm.DX,  // in*4: the row stride of x in bytes
	in12: asm.R11, // 3*in*4
	x:    asm.R13, // &x[r][0] of the tile's first row
	i:    asm.CX,  // inputs left
	wp:   asm.R14, // &wT[i][c0]
	// &x[r+4k][i]: rows 4k..4k+3 of the tile are addressed off xp[k].
	xp: [3]asm.GP{asm.SI, asm.R12, asm.AX},
}

// emitLinear emits the dense product: column blocks of denseVecs vectors,
// each swept over all rows in tiles of denseRows rows; or, for a single
// row, column blocks of denseRowVecs vectors.
func (k *productKernel) emitLinear() {
	f := k.f
	done := f.NewLabel("done")
	k.prologue(done)
	if k.xT {
		// The inputs of one row are rows apart: in4 is the stride of i.
		f.Load("rows", denseReg.in4)
	} else {
		f.Load("in", denseReg.in4)
	}
	f.SHLQ(asm.Imm(2), denseReg.in4)
	f.LEAQ(asm.Ptr(denseReg.in4).Idx(denseReg.in4, 2), denseReg.in12)
	// A single row (one batch entry, streaming): a tile of denseVecs
	// vectors would have too few independent FMA chains to hide their
	// latency; single-row tiles of denseRowVecs vectors have enough.
	few := f.NewLabel("fewRows")
	f.CMPQ(f.Arg("rows"), asm.Imm(denseFewRows))
	f.JL(few)
	k.columns(k.denseVecs(), done, func(nv int, masked bool, next asm.Label) {
		k.denseBlock(nv, masked, k.denseRows(nv, masked), next)
	})
	f.Label(few)
	k.columns(k.denseRowVecs(), done, func(nv int, masked bool, next asm.Label) {
		k.denseBlock(nv, masked, 1, next)
	})
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

// denseRowVecs is the width in vectors of the column blocks of single-row
// tiles: up to 12 (AVX2) or 16 (AVX-512) accumulators next to the
// broadcast input, a temporary and the mask; the weights are FMA memory
// operands.
func (k *productKernel) denseRowVecs() int {
	if k.isa == AVX512 {
		return denseRowVecsAVX512
	}
	return denseRowVecsAVX2
}

// denseRows is the number of rows of a tile nv vectors wide: as many as
// the registers hold next to the nv weight vectors, the broadcast input
// and (AVX2, masked) the column mask, at most denseMaxRows. More rows
// reuse each weight load more often and give more independent FMA chains.
func (k *productKernel) denseRows(nv int, masked bool) int {
	free := productVecRegs(k.isa) - nv - 1
	if masked && k.isa == AVX2 {
		free--
	}
	return min(free/nv, denseMaxRows)
}

// denseBlock emits all rows of one column block nv vectors wide: tiles of
// rows rows, then the rows left over in tiles of decreasing powers of
// two.
func (k *productKernel) denseBlock(nv int, masked bool, rows int, next asm.Label) {
	f := k.f
	k.blockStart(denseReg.x)
	loop, rest := f.NewLabel("tiles"), f.NewLabel("rowsLeft")
	f.Label(loop)
	f.CMPQ(colReg.rows, asm.Imm(rows))
	f.JL(rest)
	k.denseTile(rows, nv, masked)
	f.SUBQ(asm.Imm(rows), colReg.rows)
	f.JMP(loop)
	f.Label(rest)
	// Fewer than rows rows are left: at most one tile of each power of
	// two below rows covers them.
	p := 1
	for p*2 < rows {
		p *= 2
	}
	for ; p >= 1 && p < rows; p /= 2 {
		skip := f.NewLabel("skip")
		f.CMPQ(colReg.rows, asm.Imm(p))
		f.JL(skip)
		k.denseTile(p, nv, masked)
		f.SUBQ(asm.Imm(p), colReg.rows)
		f.Label(skip)
	}
	f.JMP(next)
}

// denseXRow returns the address of x[r][i] for row j of a tile: off
// denseReg.xp[j/4], at 0, in4, 2·in4 or 3·in4; with x transposed, the
// rows' inputs are neighbours: off denseReg.xp[0] at 4·j.
func (k *productKernel) denseXRow(j int) asm.Mem {
	if k.xT {
		return asm.Ptr(denseReg.xp[0]).Offset(4 * j)
	}
	base := denseReg.xp[j/4]
	switch j % 4 {
	case 1:
		return asm.Ptr(base).Idx(denseReg.in4, 1)
	case 2:
		return asm.Ptr(base).Idx(denseReg.in4, 2)
	case 3:
		return asm.Ptr(base).Idx(denseReg.in12, 1)
	}
	return asm.Ptr(base)
}

// denseTile emits one tile of rows rows × nv vectors of outputs at
// colReg.y, inputs at denseReg.x: accumulators from the bias, then per
// input i one load of each weight vector, one broadcast of each row's
// input and rows·nv FMAs, then the stores. It advances denseReg.x and
// colReg.y past the tile.
func (k *productKernel) denseTile(rows, nv int, masked bool) {
	f := k.f
	if rows > denseMaxRows {
		panic(fmt.Sprintf("BUG: amd64: tile of %d rows", rows))
	}
	f.Comment(fmt.Sprintf("tile: %d rows × %d vectors", rows, nv))
	acc := make([][]asm.Vec, rows)
	for j := range acc {
		acc[j] = make([]asm.Vec, nv)
		for v := range acc[j] {
			acc[j][v] = k.isa.vec(j*nv + v)
		}
	}
	// One row uses each weight once: FMAs take them from memory, and the
	// masked AVX2 vector goes through tmp. More rows load them into w.
	var w []asm.Vec
	if rows > 1 {
		w = make([]asm.Vec, nv)
		for v := range w {
			w[v] = k.isa.vec(rows*nv + v)
		}
	}
	bx := k.isa.vec(rows*nv + len(w))
	last := bx // the highest register the tile uses
	var tmp asm.Vec
	if rows == 1 {
		tmp = k.isa.vec(bx.Num() + 1)
		last = tmp
	}
	if k.isa == AVX2 && masked && last.Num() >= k.colMask.Num() {
		panic("BUG: amd64: a tile overlaps the column mask register")
	}

	k.initAcc(acc, masked)
	loop, store := f.NewLabel("inputs"), f.NewLabel("store")
	f.MOVQ(denseReg.x, denseReg.xp[0])
	if rows > 4 && !k.xT {
		f.LEAQ(asm.Ptr(denseReg.xp[0]).Idx(denseReg.in4, 4), denseReg.xp[1])
	}
	if rows > 8 && !k.xT {
		f.LEAQ(asm.Ptr(denseReg.xp[1]).Idx(denseReg.in4, 4), denseReg.xp[2])
	}
	f.MOVQ(colReg.wc, denseReg.wp)
	f.Load("in", denseReg.i)
	f.TESTQ(denseReg.i, denseReg.i)
	f.JZ(store)
	f.Label(loop)
	if rows == 1 {
		f.VBROADCASTSS(k.denseXRow(0), bx)
		for v, a := range acc[0] {
			m := asm.Ptr(denseReg.wp).Offset(v * k.vbytes())
			switch {
			case !masked || v < nv-1:
				f.VFMADD231PS(m, bx, a)
			case k.isa == AVX2:
				k.load(m, tmp, true)
				f.VFMADD231PS(tmp, bx, a)
			default:
				f.VFMADD231PS(m, bx, a).Mask(asm.K1)
			}
		}
	} else {
		for v := range w {
			k.load(asm.Ptr(denseReg.wp).Offset(v*k.vbytes()), w[v], masked && v == nv-1)
		}
		for j := range rows {
			f.VBROADCASTSS(k.denseXRow(j), bx)
			for v := range w {
				f.VFMADD231PS(w[v], bx, acc[j][v])
			}
		}
	}
	switch {
	case k.xT:
		f.ADDQ(denseReg.in4, denseReg.xp[0])
	default:
		f.ADDQ(asm.Imm(4), denseReg.xp[0])
		if rows > 4 {
			f.ADDQ(asm.Imm(4), denseReg.xp[1])
		}
		if rows > 8 {
			f.ADDQ(asm.Imm(4), denseReg.xp[2])
		}
	}
	f.ADDQ(colReg.out4, denseReg.wp)
	f.DECQ(denseReg.i)
	f.JNZ(loop)
	f.Label(store)
	k.storeRows(acc, masked)
	if k.xT {
		f.ADDQ(asm.Imm(4*rows), denseReg.x) // the next rows' inputs are next
		return
	}
	// denseReg.x += rows·in4, from the scaled forms LEAQ has.
	for _, s := range []int{8, 4, 2, 1} {
		if rows&s != 0 {
			f.LEAQ(asm.Ptr(denseReg.x).Idx(denseReg.in4, s), denseReg.x)
		}
	}
}

// ---- linearSpikes ----

// spikeReg are the general-purpose registers of linearSpikes.
var spikeReg = struct {
	bits, left, tmp, x, lane, wi0, count, wi asm.GP
}{
	bits:  asm.AX,  // active inputs of the chunk, one bit each
	left:  asm.CX,  // inputs of the row not scanned yet
	tmp:   asm.DX,  // scratch
	x:     asm.SI,  // &x[r][i0]: the chunk's first input
	lane:  asm.R11, // index of an active input in the chunk
	wi0:   asm.R12, // &wT[i0][c0]
	count: asm.R13, // inputs in the chunk
	wi:    asm.R14, // &wT[i][c0] of an active input
}

// Vector registers of linearSpikes besides the accumulators (0..nv-1).
func (k *productKernel) spikeRegs() (zero, tmp, bx asm.Vec) {
	n := productVecRegs(k.isa)
	if k.isa == AVX2 {
		n-- // Y15 is the column mask
	}
	return k.isa.vec(n - 1), k.isa.vec(n - 2), k.isa.vec(n - 3)
}

// emitLinearSpikes emits the event-driven product: column blocks of up to
// spikeVecs vectors held in registers; per row, the inputs are scanned in
// chunks of 4 vectors and each active input's weights are added.
func (k *productKernel) emitLinearSpikes() {
	f := k.f
	done := f.NewLabel("done")
	k.prologue(done)
	zero, _, _ := k.spikeRegs()
	k.zero(zero)
	block := k.spikeBlock
	if k.outer {
		block = k.outerBlock
	}
	k.columns(k.spikeVecs(), done, block)
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

// chunkMask sets spikeReg.bits to the active inputs (x != 0, NaN
// included, as Go's x == 0 is false for NaN) among n vectors at
// spikeReg.x: bit j·lanes+l for lane l of vector j.
func (k *productKernel) chunkMask(n int) {
	f := k.f
	zero, tmp, _ := k.spikeRegs()
	for j := range n {
		dst := spikeReg.bits
		if j > 0 {
			dst = spikeReg.tmp
		}
		src := asm.Ptr(spikeReg.x).Offset(j * k.vbytes())
		if k.isa == AVX2 {
			f.VCMPPS(asm.CmpNEQ_UQ, src, zero, tmp)
			f.VMOVMSKPS(tmp, dst)
		} else {
			f.VCMPPS(asm.CmpNEQ_UQ, src, zero, asm.K2)
			f.KMOVW(asm.K2, dst)
		}
		if j > 0 {
			f.SHLQ(asm.Imm(j*k.lanes), spikeReg.tmp)
			f.ORQ(spikeReg.tmp, spikeReg.bits)
		}
	}
}

// tailMask sets spikeReg.bits to the active inputs among the last
// spikeReg.left (1..lanes-1) inputs at spikeReg.x, loading only those.
func (k *productKernel) tailMask() {
	f := k.f
	zero, tmp, _ := k.spikeRegs()
	if k.isa == AVX2 {
		f.LEAQ(k.mask.Offset(32), spikeReg.wi)
		f.MOVQ(spikeReg.left, spikeReg.tmp)
		f.NEGQ(spikeReg.tmp)
		f.VMOVUPS(asm.Ptr(spikeReg.wi).Idx(spikeReg.tmp, 4), tmp)
		f.VMASKMOVPS(asm.Ptr(spikeReg.x), tmp, tmp).Comment("masked-off lanes read as 0: inactive")
		f.VCMPPS(asm.CmpNEQ_UQ, tmp, zero, tmp)
		f.VMOVMSKPS(tmp, spikeReg.bits)
		return
	}
	f.MOVQ(asm.Imm(1), spikeReg.tmp)
	f.SHLQ(spikeReg.left, spikeReg.tmp)
	f.DECQ(spikeReg.tmp)
	f.KMOVW(spikeReg.tmp, asm.K2)
	f.VMOVUPS(asm.Ptr(spikeReg.x), tmp).MaskZ(asm.K2).Comment("masked-off lanes read as 0: inactive")
	f.VCMPPS(asm.CmpNEQ_UQ, tmp, zero, asm.K2)
	f.KMOVW(asm.K2, spikeReg.bits)
}

// nextActive emits the step to the next active input of the chunk whose
// bit mask is spikeReg.bits (not zero): its lane (the lowest set bit, which
// it clears), the address of its row in spikeReg.wi (spikeReg.wi0 + lane
// rows), and a jump to fma when its x is not exactly 1.
func (k *productKernel) nextActive(fma asm.Label) {
	f := k.f
	f.TZCNTQ(spikeReg.bits, spikeReg.lane)
	f.BLSRQ(spikeReg.bits, spikeReg.bits)
	f.MOVQ(spikeReg.lane, spikeReg.wi)
	f.IMULQ(colReg.out4, spikeReg.wi)
	f.ADDQ(spikeReg.wi0, spikeReg.wi)
	f.CMPL(asm.Ptr(spikeReg.x).Idx(spikeReg.lane, 4), asm.Imm(spikeOne))
	f.JNE(fma)
}

// spikeBlock emits all rows of one column block of nv vectors.
func (k *productKernel) spikeBlock(nv int, masked bool, next asm.Label) {
	f := k.f
	_, tmp, bx := k.spikeRegs()
	acc := make([]asm.Vec, nv)
	for v := range acc {
		acc[v] = k.isa.vec(v)
	}
	last := func(v int) bool { return masked && v == nv-1 }
	weights := func(v int) asm.Mem { return asm.Ptr(spikeReg.wi).Offset(v * k.vbytes()) }
	chunkW := 4 * k.lanes

	rowLoop, chunk, small, tail := f.NewLabel("row"), f.NewLabel("chunk"), f.NewLabel("small"), f.NewLabel("tail")
	bits, bitLoop, fma, advance, rowDone := f.NewLabel("bits"), f.NewLabel("active"), f.NewLabel("fma"), f.NewLabel("advance"), f.NewLabel("rowDone")

	k.blockStart(spikeReg.x) // spikeReg.x then runs through x row after row
	f.Label(rowLoop)
	k.initAcc([][]asm.Vec{acc}, masked)
	f.Load("in", spikeReg.left)
	f.MOVQ(colReg.wc, spikeReg.wi0)

	f.Label(chunk)
	f.CMPQ(spikeReg.left, asm.Imm(chunkW))
	f.JL(small)
	k.chunkMask(4)
	f.MOVQ(asm.Imm(chunkW), spikeReg.count)
	f.JMP(bits)
	f.Label(small)
	f.TESTQ(spikeReg.left, spikeReg.left)
	f.JZ(rowDone)
	f.CMPQ(spikeReg.left, asm.Imm(k.lanes))
	f.JL(tail)
	k.chunkMask(1)
	f.MOVQ(asm.Imm(k.lanes), spikeReg.count)
	f.JMP(bits)
	f.Label(tail)
	k.tailMask()
	f.MOVQ(spikeReg.left, spikeReg.count)

	// Active inputs in increasing order: the lowest set bit first.
	f.Label(bits)
	f.TESTQ(spikeReg.bits, spikeReg.bits)
	f.JZ(advance)
	f.Label(bitLoop)
	k.nextActive(fma)
	for v, a := range acc { // x == 1: y += w
		switch {
		case !last(v):
			f.VADDPS(weights(v), a, a)
		case k.isa == AVX2:
			f.VMASKMOVPS(weights(v), k.colMask, tmp)
			f.VADDPS(tmp, a, a)
		default:
			f.VADDPS(weights(v), a, a).Mask(asm.K1)
		}
	}
	f.TESTQ(spikeReg.bits, spikeReg.bits)
	f.JNZ(bitLoop)
	f.JMP(advance)
	f.Label(fma) // y = fma(x, w, y)
	f.VBROADCASTSS(asm.Ptr(spikeReg.x).Idx(spikeReg.lane, 4), bx)
	for v, a := range acc {
		switch {
		case !last(v):
			f.VFMADD231PS(weights(v), bx, a)
		case k.isa == AVX2:
			f.VMASKMOVPS(weights(v), k.colMask, tmp)
			f.VFMADD231PS(tmp, bx, a)
		default:
			f.VFMADD231PS(weights(v), bx, a).Mask(asm.K1)
		}
	}
	f.TESTQ(spikeReg.bits, spikeReg.bits)
	f.JNZ(bitLoop)

	f.Label(advance)
	f.LEAQ(asm.Ptr(spikeReg.x).Idx(spikeReg.count, 4), spikeReg.x)
	f.SUBQ(spikeReg.count, spikeReg.left)
	f.IMULQ(colReg.out4, spikeReg.count)
	f.ADDQ(spikeReg.count, spikeReg.wi0)
	f.JMP(chunk)

	f.Label(rowDone)
	k.storeRows([][]asm.Vec{acc}, masked)
	f.DECQ(colReg.rows)
	f.JNZ(rowLoop)
	f.JMP(next)
}
