package amd64

import (
	"errors"
	"fmt"

	"github.com/snnc/snnc/asm"
)

// The kernels of the spike lists (backend/gogen/rt/lists.go): the products
// of a network input declared spikes in tiles of ListBlock inputs ×
// ListCols outputs, from each row's spikes listed once.

// ListCols and ListBlock are listCols and listBlock of backend/gogen/rt:
// the outputs and inputs of a tile. A spike at input i is listed as the
// byte offset i·ListCols·4 of its row of a tile.
const (
	ListCols  = 64
	ListBlock = 256
)

// SpikeListsSig, SpikeListsBitsSig, SpikeTileSig and
// SpikeColumnsOuterSig are the Go signatures of spikeLists,
// spikeListsBits, spikeTile and spikeColumnsOuter in backend/gogen/rt and
// of their assembly twins.
var (
	SpikeListsSig = asm.Sig(
		asm.P("offs", asm.SliceInt32), asm.P("segs", asm.SliceInt32), asm.P("x", asm.SliceFloat32),
		asm.P("n", asm.Int), asm.P("rows", asm.Int), asm.P("in", asm.Int),
	).Returns(asm.P("next", asm.Int), asm.P("bad", asm.Int))
	SpikeListsBitsSig = asm.Sig(
		asm.P("offs", asm.SliceInt32), asm.P("segs", asm.SliceInt32), asm.P("x", asm.SliceUint64),
		asm.P("n", asm.Int), asm.P("rows", asm.Int), asm.P("in", asm.Int),
	).Returns(asm.P("next", asm.Int))
	SpikeTileSig = asm.Sig(
		asm.P("y", asm.SliceFloat32), asm.P("yStride", asm.Int), asm.P("rows", asm.Int),
		asm.P("offs", asm.SliceInt32), asm.P("segs", asm.SliceInt32), asm.P("segStride", asm.Int),
		asm.P("w", asm.SliceFloat32), asm.P("b", asm.SliceFloat32))
	SpikeColumnsOuterSig = asm.Sig(
		asm.P("w", asm.SliceFloat32), asm.P("starts", asm.SliceInt32), asm.P("n", asm.Int),
		asm.P("rowOffs", asm.SliceInt32), asm.P("dy", asm.SliceFloat32))
)

// listFeatures are the features of the lists kernels: those of the
// products, and POPCNT to count the spikes of a vector.
func listFeatures(isa ISA) []asm.Feature {
	return append(productFeatures(isa), asm.POPCNT)
}

// EmitSpikeLists adds spikeLists<Suffix>, spikeTile<Suffix> and
// spikeColumnsOuter<Suffix> (Suffix "AVX2" or "AVX512") to file, and
// spikeListsBits<Suffix> for the ISA ListsBitsISA names, with the
// signatures above and the results of their twins in backend/gogen/rt,
// bit for bit. Lengths are not checked: the
// caller guarantees what the twins' comments ask (spikeLists and
// spikeListsBits write whole vectors of offsets, up to 16 values past the
// last spike). The AVX2 kernels declare a table named listsPack in file.
func EmitSpikeLists(file *asm.File, isa ISA) error {
	if isa != AVX2 && isa != AVX512 {
		return fmt.Errorf("amd64: EmitSpikeLists: unknown ISA %v", isa)
	}
	var pack asm.Sym
	if isa == AVX2 {
		pack = file.DataUint32("listsPack", packTable()...)
	}
	iota := file.DataUint32("listsIota"+isa.Suffix(), laneOffsets(isa.Lanes())...)
	lists := emitListSpikes(file, isa, pack, iota)
	errs := []error{lists.Err()}
	if ListsBitsISA(isa) == isa {
		errs = append(errs, emitListBits(file, pack, iota).Err())
	}
	tile := emitListTile(file, isa)
	outer := emitColumnsOuter(file, isa)
	return errors.Join(append(errs, tile.Err(), outer.Err())...)
}

// ListsBitsISA is the instruction set of the spikeListsBits kernel the
// table of isa uses: AVX2's in both. AVX-512's VPCOMPRESSD, with 16 bits
// of a row as its mask, took 0.23 ms for 3200 rows of 784 inputs at 10 %
// on Zen 5, against 0.18 ms for AVX2's permutation per byte
// (BenchmarkSpikeTiles).
func ListsBitsISA(ISA) ISA {
	return AVX2
}

// emitListSpikes emits spikeLists: per row, one vector of inputs at a
// time is compared with 0 and with 1; a lane that is neither ends the call
// (bad); the offsets of the non-zero lanes are packed to the front of a
// vector (VPCOMPRESSD; on AVX2 VPERMD with a permutation per 8-bit mask
// from listsPack) and stored at offs[n], and n advances by their count.
// The last in mod lanes inputs of a row are loaded masked, the other lanes
// reading as 0.
func emitListSpikes(file *asm.File, isa ISA, pack, iotaSym asm.Sym) *asm.AMD64Func {
	f := file.AMD64("spikeLists"+isa.Suffix(), SpikeListsSig)
	f.Doc = fmt.Sprintf(`%s is spikeLists with %s: it lists each row's inputs
equal to 1 as offsets into a tile, one vector of %d inputs at a time
(compare, pack the offsets of the non-zero lanes, store them whole,
advance by their count), and stops at a value that is neither 0 nor 1.`, f.Name(), isa.Suffix(), isa.Lanes())
	f.SetISA(listFeatures(isa)...)
	lanes := isa.Lanes()
	var (
		offs, segs, x, n = asm.DI, asm.DX, asm.SI, asm.AX
		rows, left, i    = asm.R9, asm.CX, asm.R10 // rows left, inputs left in the row, input index
		bits, tmp, table = asm.R11, asm.R12, asm.R13
		rowX, in4        = asm.R14, asm.R15                   // &x[r][0], in·4
		cur, step, iota  = isa.vec(0), isa.vec(1), isa.vec(2) // offsets of the vector's lanes, lanes·ListCols·4, lane·ListCols·4
		packed, v        = isa.vec(3), isa.vec(4)
		zero, one, bad2  = isa.vec(5), isa.vec(6), isa.vec(7)
	)

	f.Load("offs_base", offs)
	f.Load("segs_base", segs)
	f.Load("x_base", x)
	f.Load("n", n)
	f.Load("rows", rows)
	f.Load("in", in4)
	f.SHLQ(asm.Imm(2), in4)
	f.MOVQ(x, rowX)
	done, row, vec, full, test, rowEnd, fail := f.NewLabel("done"), f.NewLabel("row"), f.NewLabel("vector"), f.NewLabel("full"), f.NewLabel("test"), f.NewLabel("rowEnd"), f.NewLabel("bad")
	f.TESTQ(rows, rows)
	f.JZ(done)
	if isa == AVX512 {
		f.V("VPXORD", zero, zero, zero)
	} else {
		f.VXORPS(zero, zero, zero)
		f.LEAQ(pack, table)
	}
	f.MOVL(asm.Imm(spikeOne), tmp)
	f.VMOVD(tmp, asm.X8)
	f.VBROADCASTSS(asm.X8, one)
	listOffsetVectors(f, lanes, iotaSym, tmp, step, iota)

	f.Label(row)
	f.VMOVUPS(iota, cur)
	f.XORQ(i, i)
	f.Load("in", left)

	f.Label(vec)
	f.TESTQ(left, left)
	f.JZ(rowEnd)
	listBlockStart(f, i, n, segs)
	f.CMPQ(left, asm.Imm(lanes))
	f.JGE(full)
	// The row's last inputs: load only those, the other lanes as 0.
	if isa == AVX512 {
		f.MOVQ(asm.Imm(1), bits)
		f.SHLQ(left, bits)
		f.DECQ(bits)
		f.KMOVW(bits, asm.K3)
		f.VMOVUPS(asm.Ptr(x), v).MaskZ(asm.K3)
	} else {
		// listsPack's row 255 (offset 255·32) holds 0..7: lane l is on
		// when l < left.
		f.MOVQ(left, tmp)
		f.VMOVD(tmp, asm.X8)
		f.VPBROADCASTD(asm.X8, packed)
		f.VMOVUPS(asm.Ptr(table).Offset(255*32), bad2)
		f.V("VPCMPGTD", bad2, packed, packed) // left > l
		f.VMASKMOVPS(asm.Ptr(x), packed, v)
	}
	f.JMP(test)
	f.Label(full)
	f.VMOVUPS(asm.Ptr(x), v)

	f.Label(test)
	if isa == AVX512 {
		f.VCMPPS(asm.CmpNEQ_UQ, v, zero, asm.K1) // active: not ±0 (NaN included)
		f.VCMPPS(asm.CmpNEQ_UQ, v, one, asm.K2)
		f.KANDW(asm.K1, asm.K2, asm.K2)
		f.KORTESTW(asm.K2, asm.K2)
		f.JNZ(fail)
		f.V("VPCOMPRESSD", cur, packed).MaskZ(asm.K1)
		f.VMOVUPS(packed, asm.Ptr(offs).Idx(n, 4))
		f.KMOVW(asm.K1, bits)
	} else {
		f.VCMPPS(asm.CmpNEQ_UQ, v, one, bad2)
		f.VCMPPS(asm.CmpNEQ_UQ, v, zero, v) // active: not ±0 (NaN included)
		f.VANDPS(v, bad2, bad2)
		f.VMOVMSKPS(bad2, bits)
		f.TESTQ(bits, bits)
		f.JNZ(fail)
		f.VMOVMSKPS(v, bits)
		f.MOVQ(bits, tmp)
		f.SHLQ(asm.Imm(5), tmp)
		f.VMOVUPS(asm.Ptr(table).Idx(tmp, 1), packed)
		f.V("VPERMD", cur, packed, packed)
		f.VMOVUPS(packed, asm.Ptr(offs).Idx(n, 4))
	}
	f.POPCNTQ(bits, bits)
	f.ADDQ(bits, n)
	f.VPADDD(step, cur, cur)
	f.ADDQ(asm.Imm(4*lanes), x)
	f.ADDQ(asm.Imm(lanes), i)
	f.SUBQ(asm.Imm(lanes), left)
	f.JG(vec) // not after the masked last vector: left ≤ 0 then

	f.Label(rowEnd)
	listRowEnd(f, n, segs, rowX, in4, x, rows, row)

	f.Label(done)
	f.Store(n, "next")
	f.MOVQ(asm.Imm(-1), tmp)
	f.Store(tmp, "bad")
	f.VZEROUPPER()
	f.RET()

	// A lane is neither 0 nor 1: its index in x is (x − x_base)/4 + lane.
	f.Label(fail)
	if isa == AVX512 {
		f.KMOVW(asm.K2, bits)
	}
	f.TZCNTQ(bits, bits)
	f.MOVQ(x, tmp)
	f.SUBQ(f.Arg("x_base"), tmp)
	f.SHRQ(asm.Imm(2), tmp)
	f.ADDQ(bits, tmp)
	f.Store(n, "next")
	f.Store(tmp, "bad")
	f.VZEROUPPER()
	f.RET()
	return f
}

// emitListBits emits spikeListsBitsAVX2: per row, one byte of bits at a
// time selects the offsets of its 8 lanes, packed to the front of a vector
// by VPERMD with listsPack's permutation for the byte and stored at
// offs[n], n advancing by their count. The bits past in are clear (the
// caller checked them), so a row's last byte needs no mask. The AVX-512
// table uses it too (ListsBitsISA).
func emitListBits(file *asm.File, pack, iotaSym asm.Sym) *asm.AMD64Func {
	isa := AVX2
	f := file.AMD64("spikeListsBits"+isa.Suffix(), SpikeListsBitsSig)
	lanes := isa.Lanes()
	f.Doc = fmt.Sprintf(`%s is spikeListsBits with %s: it lists each row's set
bits as offsets into a tile, %d bits at a time (pack the offsets of the
set bits' lanes, store them whole, advance by their count).`, f.Name(), isa.Suffix(), lanes)
	f.SetISA(listFeatures(isa)...)
	var (
		offs, segs, x, n = asm.DI, asm.DX, asm.SI, asm.AX
		rows, left, i    = asm.R9, asm.CX, asm.R10 // rows left, chunks left in the row, input index
		bits, tmp, table = asm.R11, asm.R12, asm.R13
		rowX, rowBytes   = asm.R14, asm.R15                   // the row's first word, its bytes
		cur, step, iota  = isa.vec(0), isa.vec(1), isa.vec(2) // offsets of the chunk's lanes, lanes·ListCols·4, lane·ListCols·4
		packed           = isa.vec(3)
	)
	f.Load("offs_base", offs)
	f.Load("segs_base", segs)
	f.Load("x_base", x)
	f.Load("n", n)
	f.Load("rows", rows)
	f.Load("in", rowBytes)
	f.ADDQ(asm.Imm(63), rowBytes)
	f.SHRQ(asm.Imm(6), rowBytes)
	f.SHLQ(asm.Imm(3), rowBytes) // spikeWords(in)·8
	f.MOVQ(x, rowX)
	done, row, chunk, rowEnd := f.NewLabel("done"), f.NewLabel("row"), f.NewLabel("chunk"), f.NewLabel("rowEnd")
	f.TESTQ(rows, rows)
	f.JZ(done)
	f.LEAQ(pack, table)
	listOffsetVectors(f, lanes, iotaSym, tmp, step, iota)

	f.Label(row)
	f.VMOVUPS(iota, cur)
	f.XORQ(i, i)
	f.Load("in", left)
	f.ADDQ(asm.Imm(7), left)
	f.SHRQ(asm.Imm(3), left) // bytes: ⌈in/8⌉
	f.TESTQ(left, left)
	f.JZ(rowEnd)

	f.Label(chunk)
	listBlockStart(f, i, n, segs)
	f.MOVBQZX(asm.Ptr(x), bits)
	f.MOVQ(bits, tmp)
	f.SHLQ(asm.Imm(5), tmp)
	f.VMOVUPS(asm.Ptr(table).Idx(tmp, 1), packed)
	f.V("VPERMD", cur, packed, packed)
	f.VMOVUPS(packed, asm.Ptr(offs).Idx(n, 4))
	f.POPCNTQ(bits, bits)
	f.ADDQ(bits, n)
	f.VPADDD(step, cur, cur)
	f.INCQ(x)
	f.ADDQ(asm.Imm(lanes), i)
	f.DECQ(left)
	f.JNZ(chunk)

	f.Label(rowEnd)
	listRowEnd(f, n, segs, rowX, rowBytes, x, rows, row)

	f.Label(done)
	f.Store(n, "next")
	f.VZEROUPPER()
	f.RET()
	return f
}

// listOffsetVectors sets step to lanes·ListCols·4 in every lane and iota
// to the first vector's offsets (laneOffsets, at iotaSym): the list
// kernels' offsets of a vector of inputs, advanced by step per vector.
func listOffsetVectors(f *asm.AMD64Func, lanes int, iotaSym asm.Sym, tmp asm.GP, step, iota asm.Vec) {
	f.MOVL(asm.Imm(lanes*ListCols*4), tmp)
	f.VMOVD(tmp, asm.X8)
	f.VPBROADCASTD(asm.X8, step)
	f.LEAQ(iotaSym, tmp)
	f.VMOVUPS(asm.Ptr(tmp), iota)
}

// listBlockStart records n in segs (and advances it) when input i starts
// a block of ListBlock inputs.
func listBlockStart(f *asm.AMD64Func, i, n, segs asm.GP) {
	cut := f.NewLabel("noCut")
	f.TESTQ(asm.Imm(ListBlock-1), i)
	f.JNZ(cut)
	f.MOVL(n, asm.Ptr(segs)).Comment("a block of ListBlock inputs starts")
	f.ADDQ(asm.Imm(4), segs)
	f.Label(cut)
}

// listRowEnd records n in segs as the row's end, moves x to the next row
// (rowX, stride bytes on) and jumps to row while rows are left.
func listRowEnd(f *asm.AMD64Func, n, segs, rowX, stride, x, rows asm.GP, row asm.Label) {
	f.MOVL(n, asm.Ptr(segs)).Comment("the row's end")
	f.ADDQ(asm.Imm(4), segs)
	f.ADDQ(stride, rowX)
	f.MOVQ(rowX, x)
	f.DECQ(rows)
	f.JNZ(row)
}

// laneOffsets is lane·ListCols·4 for each lane: the offsets of the first
// vector of a row.
func laneOffsets(lanes int) []uint32 {
	o := make([]uint32, lanes)
	for l := range o {
		o[l] = uint32(l * ListCols * 4)
	}
	return o
}

// packTable is, for each 8-bit mask m, the lanes of m's set bits in
// increasing order, then zeros: VPERMD with row m packs the lanes m
// selects to the front. Row 255 is 0..7, which the tail's mask compares
// with.
func packTable() []uint32 {
	t := make([]uint32, 256*8)
	for m := range 256 {
		k := 0
		for l := range 8 {
			if m&(1<<l) != 0 {
				t[m*8+k] = uint32(l)
				k++
			}
		}
	}
	return t
}

// emitListTile emits spikeTile: per row, ListCols outputs in registers (4
// zmm or 8 ymm) start from b (or y) and take the tile row of each listed
// spike. Rows go two at a time, their spikes interleaved while both rows
// have some: each output register takes one add per spike, and two rows'
// chains of adds in flight rather than one keep the adds' latency from
// bounding the loop. Each row still takes its spikes in order.
func emitListTile(file *asm.File, isa ISA) *asm.AMD64Func {
	f := file.AMD64("spikeTile"+isa.Suffix(), SpikeTileSig)
	nv := ListCols / isa.Lanes()
	vb := 4 * isa.Lanes()
	f.Doc = fmt.Sprintf(`%s is spikeTile with %s: per row, %d outputs in %d
registers start from b (or y) and take the tile row of each listed spike,
in order; two rows at a time, their spikes interleaved.`, f.Name(), isa.Suffix(), ListCols, nv)
	f.SetISA(productFeatures(isa)...)
	var (
		y, stride, rows, offs = asm.DI, asm.R8, asm.R9, asm.SI
		segs, segStride, w    = asm.DX, asm.R10, asm.R11
		bias, k, end, off     = asm.BX, asm.AX, asm.CX, asm.R12
		k2, end2, off2        = asm.R13, asm.R14, asm.R15 // the second row's
	)
	acc, acc2 := make([]asm.Vec, nv), make([]asm.Vec, nv)
	for v := range acc {
		acc[v], acc2[v] = isa.vec(v), isa.vec(nv+v)
	}
	f.Load("y_base", y)
	f.Load("yStride", stride)
	f.SHLQ(asm.Imm(2), stride)
	f.Load("rows", rows)
	f.Load("offs_base", offs)
	f.Load("segs_base", segs)
	f.Load("segStride", segStride)
	f.SHLQ(asm.Imm(2), segStride)
	f.Load("w_base", w)
	done := f.NewLabel("done")
	f.TESTQ(rows, rows)
	f.JZ(done)
	// loadBias sets bias to &b[0], or 0 when b is empty.
	loadBias := func() {
		noBias := f.NewLabel("noBias")
		f.XORQ(bias, bias)
		f.CMPQ(f.Arg("b_len"), asm.Imm(0))
		f.JE(noBias)
		f.Load("b_base", bias)
		f.Label(noBias)
	}

	// start loads a row's outputs from b, or from y at row.
	start := func(regs []asm.Vec, row asm.Mem) {
		fromY, ready := f.NewLabel("fromY"), f.NewLabel("ready")
		f.TESTQ(bias, bias)
		f.JZ(fromY)
		for v, a := range regs {
			f.VMOVUPS(asm.Ptr(bias).Offset(v*vb), a)
		}
		f.JMP(ready)
		f.Label(fromY)
		for v, a := range regs {
			f.VMOVUPS(row.Offset(v*vb), a)
		}
		f.Label(ready)
	}
	// add adds the tile row of the spike at offs[k] to regs.
	add := func(regs []asm.Vec, k, off asm.GP) {
		f.MOVLQSX(asm.Ptr(offs).Idx(k, 4), off)
		for v, a := range regs {
			f.VADDPS(asm.Ptr(w).Idx(off, 1).Offset(v*vb), a, a)
		}
		f.INCQ(k)
	}
	// rest adds the spikes k … end−1 to regs.
	rest := func(regs []asm.Vec, k, end, off asm.GP) {
		loop, over := f.NewLabel("rest"), f.NewLabel("restDone")
		f.CMPQ(k, end)
		f.JGE(over)
		f.Label(loop)
		add(regs, k, off)
		f.CMPQ(k, end)
		f.JL(loop)
		f.Label(over)
	}
	store := func(regs []asm.Vec, row asm.Mem) {
		for v, a := range regs {
			f.VMOVUPS(a, row.Offset(v*vb))
		}
	}

	pair, single := f.NewLabel("pair"), f.NewLabel("single")
	f.Label(pair)
	f.CMPQ(rows, asm.Imm(2))
	f.JL(single)
	f.MOVLQSX(asm.Ptr(segs), k)
	f.MOVLQSX(asm.Ptr(segs).Offset(4), end)
	f.MOVLQSX(asm.Ptr(segs).Idx(segStride, 1), k2)
	f.MOVLQSX(asm.Ptr(segs).Idx(segStride, 1).Offset(4), end2)
	loadBias()
	start(acc, asm.Ptr(y))
	start(acc2, asm.Ptr(y).Idx(stride, 1))
	// Both rows take min(end−k, end2−k2) spikes in one counted loop
	// (bias's register is free until the next pair).
	both, tail, shorter := f.NewLabel("both"), f.NewLabel("tail"), f.NewLabel("shorter")
	f.MOVQ(end, bias)
	f.SUBQ(k, bias)
	f.MOVQ(end2, off)
	f.SUBQ(k2, off)
	f.CMPQ(bias, off)
	f.JLE(shorter)
	f.MOVQ(off, bias)
	f.Label(shorter)
	f.TESTQ(bias, bias)
	f.JLE(tail)
	f.Label(both)
	f.MOVLQSX(asm.Ptr(offs).Idx(k, 4), off)
	f.MOVLQSX(asm.Ptr(offs).Idx(k2, 4), off2)
	for v := range acc {
		f.VADDPS(asm.Ptr(w).Idx(off, 1).Offset(v*vb), acc[v], acc[v])
		f.VADDPS(asm.Ptr(w).Idx(off2, 1).Offset(v*vb), acc2[v], acc2[v])
	}
	f.INCQ(k)
	f.INCQ(k2)
	f.DECQ(bias)
	f.JNZ(both)
	f.Label(tail)
	rest(acc, k, end, off)
	rest(acc2, k2, end2, off2)
	store(acc, asm.Ptr(y))
	store(acc2, asm.Ptr(y).Idx(stride, 1))
	f.LEAQ(asm.Ptr(y).Idx(stride, 2), y)
	f.LEAQ(asm.Ptr(segs).Idx(segStride, 2), segs)
	f.SUBQ(asm.Imm(2), rows)
	f.JMP(pair)

	f.Label(single)
	f.TESTQ(rows, rows)
	f.JZ(done)
	f.MOVLQSX(asm.Ptr(segs), k)
	f.MOVLQSX(asm.Ptr(segs).Offset(4), end)
	loadBias()
	start(acc, asm.Ptr(y))
	rest(acc, k, end, off)
	store(acc, asm.Ptr(y))
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
	return f
}

// emitColumnsOuter emits spikeColumnsOuter: per input, its tile row of w
// in registers (4 zmm or 8 ymm) takes the row of dy of each listed row,
// and is stored once.
func emitColumnsOuter(file *asm.File, isa ISA) *asm.AMD64Func {
	f := file.AMD64("spikeColumnsOuter"+isa.Suffix(), SpikeColumnsOuterSig)
	nv := ListCols / isa.Lanes()
	vb := 4 * isa.Lanes()
	f.Doc = fmt.Sprintf(`%s is spikeColumnsOuter with %s: per input, its %d
weights in %d registers take the rows of dy listed for it, in order, and
are stored once.`, f.Name(), isa.Suffix(), ListCols, nv)
	f.SetISA(productFeatures(isa)...)
	var (
		w, starts, n, rowOffs = asm.DI, asm.SI, asm.R8, asm.R9
		dy, k, end, off       = asm.R10, asm.AX, asm.CX, asm.DX
	)
	acc := make([]asm.Vec, nv)
	for v := range acc {
		acc[v] = isa.vec(v)
	}
	f.Load("w_base", w)
	f.Load("starts_base", starts)
	f.Load("n", n)
	f.Load("rowOffs_base", rowOffs)
	f.Load("dy_base", dy)
	done, input, row, next := f.NewLabel("done"), f.NewLabel("input"), f.NewLabel("row"), f.NewLabel("next")
	f.TESTQ(n, n)
	f.JZ(done)
	f.Label(input)
	f.MOVLQSX(asm.Ptr(starts), k)
	f.MOVLQSX(asm.Ptr(starts).Offset(4), end)
	f.CMPQ(k, end)
	f.JGE(next)
	for v, a := range acc {
		f.VMOVUPS(asm.Ptr(w).Offset(v*vb), a)
	}
	f.Label(row)
	f.MOVLQSX(asm.Ptr(rowOffs).Idx(k, 4), off)
	for v, a := range acc {
		f.VADDPS(asm.Ptr(dy).Idx(off, 1).Offset(v*vb), a, a)
	}
	f.INCQ(k)
	f.CMPQ(k, end)
	f.JL(row)
	for v, a := range acc {
		f.VMOVUPS(a, asm.Ptr(w).Offset(v*vb))
	}
	f.Label(next)
	f.ADDQ(asm.Imm(ListCols*4), w)
	f.ADDQ(asm.Imm(4), starts)
	f.DECQ(n)
	f.JNZ(input)
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
	return f
}
