package amd64

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// ErrUnsupported is wrapped by the errors of kernels this backend cannot
// emit (an op without a vector form, or more live values than registers);
// the generated package then keeps the plain-Go kernel for them.
var ErrUnsupported = errors.New("not supported by the amd64 backend")

// errNoRegs ends a try at some unroll factor; a smaller one may fit.
var errNoRegs = fmt.Errorf("%w: not enough vector registers", ErrUnsupported)

// Emitter adds kernels to one assembly file, sharing its constants.
type Emitter struct {
	file   *asm.File
	consts map[string]asm.Sym
}

// NewEmitter returns an Emitter writing into file.
func NewEmitter(file *asm.File) *Emitter {
	return &Emitter{file: file, consts: map[string]asm.Sym{}}
}

// Kernel emits k for isa. It unrolls by the largest number of vectors per
// block (4, 2 or 1) whose registers fit, for independent dependency chains.
func (e *Emitter) Kernel(k *kernel.Kernel, isa ISA) error {
	if err := check(k); err != nil {
		return err
	}
	for _, u := range []int{4, 2, 1} {
		// A dry run in a scratch file finds out whether u fits, how many
		// registers stay free, and which constants are used most.
		trial := NewEmitter(asm.NewFile(asm.AMD64, "trial"))
		t, err := trial.emit(k, isa, u, nil)
		if errors.Is(err, errNoRegs) {
			continue
		}
		if err != nil {
			return err
		}
		_, err = e.emit(k, isa, u, t.pinnable())
		return err
	}
	return fmt.Errorf("kernel %s: %w", k.Name, errNoRegs)
}

// pinnable lists the constants to keep in registers for the whole kernel,
// most used first, as many as the registers the dry run left free.
func (l *lowering) pinnable() []uint32 {
	var cs []uint32
	for c := range l.constUses {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if l.constUses[cs[i]] != l.constUses[cs[j]] {
			return l.constUses[cs[i]] > l.constUses[cs[j]]
		}
		return cs[i] < cs[j]
	})
	return cs[:min(len(cs), l.isa.pool()-l.peak)]
}

// check rejects ops the lowering has no vector form for.
func check(k *kernel.Kernel) error {
	for _, v := range k.Step.Values {
		switch v.Op {
		case ir.OpLog, ir.OpTanh:
			return fmt.Errorf("kernel %s: %s: %w", k.Name, v.LongString(), ErrUnsupported)
		}
	}
	return nil
}

// GP registers of an emitted kernel.
var (
	regB      = asm.BX  // batch entries left in the time step
	regT      = asm.CX  // time steps left
	regBlocks = asm.DX  // blocks left
	regRow    = asm.R8  // byte offset of the block's lanes in a [T][B][N] slice at step t
	regStride = asm.R9  // B·N·4: one time step
	regState  = asm.R10 // byte offset of the block in a [B][N] slice: (b·N + n0)·4
	regNeuron = asm.R11 // byte offset of the block in an [N] slice: n0·4
	regTotalT = asm.R12 // T
	regTotalB = asm.R13 // B
	regBase   = asm.R14 // a slice's base, loaded when used
	regBase2  = asm.R15
	regXRow   = asm.DI // epilogue: byte offset of row (t, b) of X
	regXStep  = asm.SI // epilogue: B·In·4
)

// lowering is the state of emitting one kernel.
type lowering struct {
	e   *Emitter
	k   *kernel.Kernel
	isa ISA
	f   *asm.AMD64Func
	u   int // vectors per block
	w   int // lanes per vector

	order   []*ir.Value       // live values, in IR order
	lastUse map[*ir.Value]int // position of the last use; len(order) for the end of a step

	// Per block.
	masked bool                    // the block is the partial last vector
	locals map[string]asm.Mem      // per-neuron params (per block), shared params
	accums map[string]asm.Mem      // shared parameter gradients
	regs   map[*ir.Value][]asm.Vec // values in registers
	mems   map[*ir.Value][]asm.Operand
	free   []bool
	err    error

	peak      int                // the most registers in use at once
	constUses map[uint32]int     // uses of each constant, by bits
	pinned    map[uint32]asm.Vec // constants held in registers throughout
}

// emit emits k unrolled by u, with the constants pins in registers.
func (e *Emitter) emit(k *kernel.Kernel, isa ISA, u int, pins []uint32) (*lowering, error) {
	sig := []asm.Param{asm.P("T", asm.Int), asm.P("B", asm.Int)}
	for _, a := range k.Args {
		sig = append(sig, asm.P(a, asm.SliceFloat32))
	}
	l := &lowering{e: e, k: k, isa: isa, u: u, w: isa.Lanes(), f: e.file.AMD64(k.Name, asm.Sig(sig...)),
		locals: map[string]asm.Mem{}, accums: map[string]asm.Mem{}, constUses: map[uint32]int{}, pinned: map[uint32]asm.Vec{}}
	for i, c := range pins {
		l.pinned[c] = isa.vec(isa.pool() - 1 - i)
	}
	l.f.Doc = k.Doc
	if isa == AVX512 {
		l.f.SetISA(asm.AVX512F)
	} else {
		l.f.SetISA(asm.AVX2, asm.FMA3)
	}
	l.analyze()
	l.body()
	if l.err != nil {
		return nil, l.err
	}
	return l, l.f.Err()
}

// analyze orders the live values and finds their last uses.
func (l *lowering) analyze() {
	l.order, l.lastUse = l.k.Order()
}

func (l *lowering) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// body emits the whole function. The loops run time steps outermost,
// then batch entries, then groups of u vectors of neurons: each time step
// streams through its [B][N] row of every sequence once, contiguously, and
// the states ([B][N], read and written once per step) stay in L2 or L3
// between steps. Measured on this project's machines, this beats carrying
// a tile of neurons through all time steps (T short runs per tile, at a
// stride of B·N, which the prefetchers follow badly).
func (l *lowering) body() {
	f, k, w := l.f, l.k, l.w
	n := k.N
	done := f.NewLabel("done")
	f.Load("T", regTotalT)
	f.Load("B", regTotalB)
	f.TESTQ(regTotalT, regTotalT)
	f.JLE(done)
	f.TESTQ(regTotalB, regTotalB)
	f.JLE(done)
	f.MOVQ(regTotalB, regStride)
	f.IMUL3Q(asm.Imm(n*4), regStride, regStride)
	if ep := k.Epilogue; ep != nil {
		f.MOVQ(regTotalB, regXStep)
		f.IMUL3Q(asm.Imm(ep.In*4), regXStep, regXStep)
	}
	// Locals: shared params broadcast once; per-neuron params per group;
	// shared gradients accumulated per lane.
	vb := l.isa.Lanes() * 4
	for _, src := range l.sortedSources(kernel.FromShared) {
		m := f.AllocLocal(vb, 8)
		l.locals[src] = m
		f.Load(src+"_base", regBase)
		f.VBROADCASTSS(asm.Ptr(regBase), l.scratch(0))
		f.VMOVUPS(l.scratch(0), m)
	}
	for _, src := range l.sortedSources(kernel.FromPerNeuron) {
		l.locals[src] = f.AllocLocal(l.u*vb, 8)
	}
	for _, sk := range k.Sinks {
		if sk.Kind == kernel.AddToShared && l.accums[sk.Arg].Base == (asm.GP{}) {
			m := f.AllocLocal(vb, 8)
			l.accums[sk.Arg] = m
			l.zero(l.scratch(0))
			f.VMOVUPS(l.scratch(0), m)
		}
	}
	if len(l.locals)+len(l.accums) > 0 {
		// A frame of locals may outgrow what NOSPLIT functions may use:
		// let the assembler add the stack check.
		f.Flags = "0"
	}
	rem := n % w
	if rem > 0 {
		l.setTailMask(rem)
	}
	for c, r := range l.sortedPins() {
		f.VMOVUPS(l.constData(c), r)
	}
	// regRow walks the sequences' rows: forward it just runs on, since
	// row t+1 follows row t; in reverse it starts at the last row and
	// steps back two rows after each.
	f.XORQ(regRow, regRow)
	if k.Reverse {
		f.MOVQ(regTotalT, regRow)
		f.DECQ(regRow)
		f.IMULQ(regStride, regRow)
	}
	if k.Epilogue != nil {
		f.XORQ(regXRow, regXRow) // row (t, b) of X, running on likewise
	}
	f.MOVQ(regTotalT, regT)
	tloop := f.NewLabel("step")
	f.Label(tloop)
	f.XORQ(regState, regState)
	f.MOVQ(regTotalB, regB)
	bloop := f.NewLabel("batch")
	f.Label(bloop)
	f.XORQ(regNeuron, regNeuron)
	groups := n / (l.u * w)
	if groups > 0 {
		f.MOVQ(asm.Imm(groups), regBlocks)
		g := f.NewLabel("group")
		f.Label(g)
		l.group(l.u)
		f.DECQ(regBlocks)
		f.JNZ(g)
	}
	for range (n - groups*l.u*w) / w {
		l.group(1)
	}
	if rem > 0 {
		l.masked = true
		l.group(1)
		l.masked = false
		f.ADDQ(asm.Imm(rem*4), regState)
		f.ADDQ(asm.Imm(rem*4), regRow)
	}
	if ep := k.Epilogue; ep != nil {
		f.ADDQ(asm.Imm(ep.In*4), regXRow)
	}
	f.DECQ(regB)
	f.JNZ(bloop)
	if k.Reverse {
		f.SUBQ(regStride, regRow)
		f.SUBQ(regStride, regRow)
	}
	f.DECQ(regT)
	f.JNZ(tloop)

	l.sumShared()
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

// sortedPins yields the pinned constants in register order.
func (l *lowering) sortedPins() func(yield func(uint32, asm.Vec) bool) {
	return func(yield func(uint32, asm.Vec) bool) {
		cs := make([]uint32, 0, len(l.pinned))
		for c := range l.pinned {
			cs = append(cs, c)
		}
		sort.Slice(cs, func(i, j int) bool { return l.pinned[cs[i]].Num() > l.pinned[cs[j]].Num() })
		for _, c := range cs {
			if !yield(c, l.pinned[c]) {
				return
			}
		}
	}
}

// sortedSources lists the arguments leaves read as kind, once each, in
// argument order.
func (l *lowering) sortedSources(kind kernel.SourceKind) []string {
	var out []string
	for _, a := range l.k.Args {
		for _, src := range l.k.Leaves {
			if src.Kind == kind && src.Arg == a {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// setTailMask makes the mask of the last, partial vector: rem lanes.
func (l *lowering) setTailMask(rem int) {
	if l.isa == AVX512 {
		l.f.MOVL(asm.Imm(1<<rem-1), asm.AX)
		l.f.KMOVW(asm.AX, asm.K1)
		return
	}
	table := l.e.data("tailmask", func() asm.Sym {
		ones := make([]uint32, 16)
		for i := range 8 {
			ones[i] = 0xffffffff
		}
		return l.e.file.DataUint32("tailmask", ones...)
	})
	l.f.VMOVUPS(table.Offset((8-rem)*4), asm.Y(15))
}

// group emits one time step of u vectors of neurons (u = 1 when masked):
// their states and parameters in, the step, the states out, and the
// offsets advanced past the group (a masked group is the layer's last).
func (l *lowering) group(u int) {
	f := l.f
	saved := l.u
	l.u = u
	defer func() { l.u = saved }()
	l.free = make([]bool, l.isa.pool()-len(l.pinned))
	for i := range l.free {
		l.free[i] = true
	}
	l.regs = map[*ir.Value][]asm.Vec{}
	l.mems = map[*ir.Value][]asm.Operand{}
	for _, a := range l.sortedSources(kernel.FromPerNeuron) {
		f.Load(a+"_base", regBase)
		for j := 0; j < u; j++ {
			l.load(asm.Ptr(regBase).Idx(regNeuron, 1).Offset(j*l.w*4), l.scratch(0))
			f.VMOVUPS(l.scratch(0), l.locals[a].Offset(j*l.w*4))
		}
	}
	l.step()
	if !l.masked {
		width := asm.Imm(u * l.w * 4)
		f.ADDQ(width, regState)
		f.ADDQ(width, regNeuron)
		f.ADDQ(width, regRow)
	}
}

// step emits one time step of the block: every live value, the sinks, the
// state updates.
func (l *lowering) step() {
	for i, v := range l.order {
		l.value(v, i)
		if l.err != nil {
			return
		}
		seen := map[*ir.Value]bool{}
		for _, a := range v.Args {
			if !seen[a] && l.lastUse[a] == i {
				l.release(a)
			}
			seen[a] = true
		}
	}
	l.sinks()
	l.storeStates()
	for v := range l.regs {
		l.release(v)
	}
}

// value computes v into registers (or notes its memory operand).
func (l *lowering) value(v *ir.Value, i int) {
	k := l.k
	if ep := k.Epilogue; ep != nil && v == ep.Input {
		l.epilogue(v, ep)
		return
	}
	if src, ok := k.Leaves[v]; ok {
		switch src.Kind {
		case kernel.FromState:
			rs := l.alloc()
			if rs == nil {
				return
			}
			l.f.Load(k.States[src.State].Arg+"_base", regBase)
			for j, r := range rs {
				l.load(asm.Ptr(regBase).Idx(regState, 1).Offset(j*l.w*4), r)
			}
			l.regs[v] = rs
		case kernel.FromSeq:
			rs := l.alloc()
			if rs == nil {
				return
			}
			l.f.Load(src.Arg+"_base", regBase)
			for j, r := range rs {
				l.load(asm.Ptr(regBase).Idx(regRow, 1).Offset(j*l.w*4), r)
			}
			l.regs[v] = rs
		case kernel.FromPerNeuron:
			for j := 0; j < l.u; j++ {
				l.mems[v] = append(l.mems[v], l.locals[src.Arg].Offset(j*l.w*4))
			}
		case kernel.FromShared:
			for j := 0; j < l.u; j++ {
				l.mems[v] = append(l.mems[v], l.locals[src.Arg])
			}
		case kernel.FromConst:
			c := l.constant(float32(src.Const))
			for j := 0; j < l.u; j++ {
				l.mems[v] = append(l.mems[v], c)
			}
		}
		return
	}
	if v.Op.IsLeaf() {
		l.fail(fmt.Errorf("kernel %s: %s has no source", k.Name, v.LongString()))
		return
	}
	l.op(v, i)
}

// operand returns v's j-th vector: its register or memory operand.
func (l *lowering) operand(v *ir.Value, j int) asm.Operand {
	if r, ok := l.regs[v]; ok {
		return r[j]
	}
	if m, ok := l.mems[v]; ok {
		return m[j]
	}
	l.fail(fmt.Errorf("kernel %s: %s is not computed", l.k.Name, v.LongString()))
	return l.scratch(0)
}

// inReg returns v's j-th vector in a register, loading it into scratch
// register s if it lives in memory.
func (l *lowering) inReg(v *ir.Value, j, s int) asm.Vec { return l.toReg(l.operand(v, j), s) }

func isReg(o asm.Operand) bool { _, ok := o.(asm.Vec); return ok }

// op emits non-leaf value v at position i of the step. Ops of one
// instruction may write over an argument that dies with them (VEX reads
// its sources before it writes), so their dying arguments give their
// registers back before the result takes one; longer sequences keep
// results and arguments apart.
func (l *lowering) op(v *ir.Value, i int) {
	f := l.f
	ops := make([][]asm.Operand, len(v.Args))
	for a := range v.Args {
		for j := 0; j < l.u; j++ {
			ops[a] = append(ops[a], l.operand(v.Args[a], j))
		}
	}
	switch v.Op {
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpNeg, ir.OpAbs, ir.OpSqrt, ir.OpDetach, ir.OpCmp, ir.OpThreshold:
		l.releaseDying(v, i)
	}
	d := l.alloc()
	if d == nil {
		return
	}
	l.regs[v] = d
	arg := func(a, j int) asm.Operand { return ops[a][j] }
	inReg := func(a, j, s int) asm.Vec { return l.toReg(ops[a][j], s) }
	for j, dst := range d {
		switch v.Op {
		case ir.OpAdd, ir.OpMul:
			a, b := arg(0, j), arg(1, j)
			if !isReg(a) {
				a, b = b, a
			}
			if !isReg(a) {
				a, b = inReg(0, j, 0), arg(1, j)
			}
			if v.Op == ir.OpAdd {
				f.VADDPS(b.(asm.VecMem), a.(asm.Vec), dst)
			} else {
				f.VMULPS(b.(asm.VecMem), a.(asm.Vec), dst)
			}
		case ir.OpSub:
			f.VSUBPS(arg(1, j).(asm.VecMem), inReg(0, j, 0), dst)
		case ir.OpDiv:
			f.VDIVPS(arg(1, j).(asm.VecMem), inReg(0, j, 0), dst)
		case ir.OpNeg:
			l.bitop("xor", l.bits(0x80000000), inReg(0, j, 0), dst)
		case ir.OpAbs:
			l.bitop("and", l.bits(0x7fffffff), inReg(0, j, 0), dst)
		case ir.OpSqrt:
			f.VSQRTPS(arg(0, j).(asm.VecMem), dst)
		case ir.OpDetach:
			f.VMOVUPS(arg(0, j).(asm.VecMem), dst)
		case ir.OpFMA:
			// dst = a·b + c: dst starts as c.
			f.VMOVUPS(arg(2, j).(asm.VecMem), dst)
			a, b := arg(0, j), arg(1, j)
			if !isReg(a) {
				a, b = b, a
			}
			if !isReg(a) {
				a, b = inReg(0, j, 0), arg(1, j)
			}
			f.VFMADD231PS(b.(asm.VecMem), a.(asm.Vec), dst)
		case ir.OpMin, ir.OpMax:
			l.minmax(v.Op == ir.OpMin, inReg(0, j, 0), arg(1, j).(asm.VecMem), dst)
		case ir.OpRelu:
			l.minmax(false, inReg(0, j, 0), l.constant(0), dst)
		case ir.OpCmp:
			l.compare(goPred[v.Pred], inReg(0, j, 0), arg(1, j).(asm.VecMem), dst)
		case ir.OpThreshold:
			l.compare(asm.CmpGT_OQ, inReg(0, j, 0), l.constant(0), dst)
		case ir.OpSelect:
			l.sel(inReg(0, j, 0), arg(1, j).(asm.VecMem), inReg(2, j, 1), dst)
		case ir.OpExp:
			l.exp(inReg(0, j, 0), dst)
		default:
			l.fail(fmt.Errorf("kernel %s: %s: %w", l.k.Name, v.LongString(), ErrUnsupported))
			return
		}
	}
}

// releaseDying frees the registers of v's arguments whose last use is v
// (at position i).
func (l *lowering) releaseDying(v *ir.Value, i int) {
	for _, a := range v.Args {
		if l.lastUse[a] == i {
			l.release(a)
		}
	}
}

// toReg returns operand o in a register, loading it into scratch register
// s if it is in memory.
func (l *lowering) toReg(o asm.Operand, s int) asm.Vec {
	if r, ok := o.(asm.Vec); ok {
		return r
	}
	r := l.scratch(s)
	l.f.VMOVUPS(o.(asm.VecMem), r)
	return r
}

// goPred maps IR comparisons to VCMPPS predicates with Go's semantics:
// ordered (false on NaN) except !=, which is true on NaN.
var goPred = map[ir.Pred]asm.CmpPred{
	ir.PredGT: asm.CmpGT_OQ, ir.PredGE: asm.CmpGE_OQ, ir.PredLT: asm.CmpLT_OQ,
	ir.PredLE: asm.CmpLE_OQ, ir.PredEQ: asm.CmpEQ_OQ, ir.PredNE: asm.CmpNEQ_UQ,
}

// bitop emits a bitwise and/or/xor; AVX-512F has only the integer forms.
func (l *lowering) bitop(op string, b asm.VecMem, a, dst asm.Vec) {
	if l.isa == AVX512 {
		l.f.V("VP"+strings.ToUpper(op)+"D", b, a, dst)
		return
	}
	switch op {
	case "and":
		l.f.VANDPS(b, a, dst)
	case "or":
		l.f.VORPS(b, a, dst)
	default:
		l.f.VXORPS(b, a, dst)
	}
}

// minmax is Go's min or max: NaN if either is NaN, −0 below +0. VMINPS and
// VMAXPS return b when the values are equal or either is NaN, so equal
// values (only ±0 differ then) are merged bitwise (or for min, and for
// max) and a NaN a is put back.
func (l *lowering) minmax(isMin bool, a asm.Vec, b asm.VecMem, dst asm.Vec) {
	f := l.f
	t := l.temp()
	merge := "and"
	if isMin {
		f.VMINPS(b, a, dst)
		merge = "or"
	} else {
		f.VMAXPS(b, a, dst)
	}
	l.bitop(merge, b, a, t)
	if l.isa == AVX512 {
		f.VCMPPS(asm.CmpEQ_OQ, b, a, asm.K2)
		f.VBLENDMPS(asm.K2, t, dst, dst)
		f.VCMPPS(asm.CmpUNORD_Q, a, a, asm.K3)
		f.VBLENDMPS(asm.K3, a, dst, dst)
	} else {
		m := l.temp()
		f.VCMPPS(asm.CmpEQ_OQ, b, a, m)
		f.VBLENDVPS(m, t, dst, dst)
		f.VCMPPS(asm.CmpUNORD_Q, a, a, m)
		f.VBLENDVPS(m, a, dst, dst)
		l.freeReg(m)
	}
	l.freeReg(t)
}

// compare sets dst to 1 where a pred b, else 0.
func (l *lowering) compare(pred asm.CmpPred, a asm.Vec, b asm.VecMem, dst asm.Vec) {
	one := l.constant(1)
	if l.isa == AVX512 {
		l.f.VCMPPS(pred, b, a, asm.K2)
		l.f.VMOVUPS(one, dst).MaskZ(asm.K2)
		return
	}
	l.f.VCMPPS(pred, b, a, dst)
	l.f.VANDPS(one, dst, dst)
}

// sel is select(c, a, b): a where c != 0 (NaN included), else b.
func (l *lowering) sel(c asm.Vec, a asm.VecMem, b, dst asm.Vec) {
	f := l.f
	zero := l.constant(0)
	if l.isa == AVX512 {
		f.VCMPPS(asm.CmpNEQ_UQ, zero, c, asm.K2)
		f.VBLENDMPS(asm.K2, a, b, dst)
		return
	}
	m := l.temp()
	f.VCMPPS(asm.CmpNEQ_UQ, zero, c, m)
	f.VBLENDVPS(m, a, b, dst)
	l.freeReg(m)
}

// exp is exp32 of backend/gogen/rt, lane by lane: the same operations in
// the same order, so the bits agree with the plain-Go kernel and the
// interpreter.
func (l *lowering) exp(x, dst asm.Vec) {
	f := l.f
	c, n, r := l.temp(), l.temp(), l.temp()
	f.VMAXPS(l.constant(-104), x, c)
	f.VMINPS(l.constant(89), c, c)
	f.VMULPS(l.constant(1.44269504088896340736), c, n)
	if l.isa == AVX512 {
		f.V("VRNDSCALEPS", asm.Imm(0), n, n)
	} else {
		f.V("VROUNDPS", asm.Imm(0), n, n)
	}
	f.VMOVUPS(c, r)
	f.VFMADD231PS(l.constant(-0.693145751953125), n, r)
	f.VFMADD231PS(l.constant(-1.428606765330187045e-06), n, r)
	// p = 1/5040, then p = p·r + c for the remaining coefficients.
	p := c
	f.VMOVUPS(l.constant(1.0/5040), p)
	for _, coef := range []float32{1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		f.VFMADD213PS(l.constant(coef), r, p)
	}
	// 2^⌊n/2⌋ and 2^(n−⌊n/2⌋) from the exponent bits.
	f.V("VCVTPS2DQ", n, n)
	f.VPSRAD(asm.Imm(1), n, r)
	f.VPSUBD(r, n, n)
	bias := l.e.data("i127", func() asm.Sym { return l.e.intVector(l.isa, "i127", 127) })
	for _, k := range []asm.Vec{r, n} {
		f.VPADDD(bias, k, k)
		f.VPSLLD(asm.Imm(23), k, k)
		f.VMULPS(k, p, p)
	}
	// NaN stays NaN.
	if l.isa == AVX512 {
		f.VCMPPS(asm.CmpUNORD_Q, x, x, asm.K2)
		f.VBLENDMPS(asm.K2, x, p, dst)
	} else {
		f.VCMPPS(asm.CmpUNORD_Q, x, x, n)
		f.VBLENDVPS(n, x, p, dst)
	}
	l.freeReg(c)
	l.freeReg(n)
	l.freeReg(r)
}

// epilogue computes the product feeding the step: per lane, the bias (or
// 0) and then one fused multiply-add per input in order.
func (l *lowering) epilogue(v *ir.Value, ep *kernel.Epilogue) {
	f := l.f
	d := l.alloc()
	if d == nil {
		return
	}
	l.regs[v] = d
	noBias, loop := f.NewLabel("nobias"), f.NewLabel("input")
	haveBias := f.NewLabel("bias")
	f.Load(ep.Bias+"_base", regBase)
	f.TESTQ(regBase, regBase)
	f.JE(noBias)
	for j, r := range d {
		l.load(asm.Ptr(regBase).Idx(regNeuron, 1).Offset(j*l.w*4), r)
	}
	f.JMP(haveBias)
	f.Label(noBias)
	for _, r := range d {
		l.zero(r)
	}
	f.Label(haveBias)
	f.Load(ep.X+"_base", regBase)
	f.ADDQ(regXRow, regBase)
	f.Load(ep.WT+"_base", regBase2)
	f.ADDQ(regNeuron, regBase2)
	f.MOVQ(asm.Imm(ep.In), asm.AX)
	if ep.In == 0 {
		return
	}
	xi := l.scratch(0)
	f.Label(loop)
	f.VBROADCASTSS(asm.Ptr(regBase), xi)
	for j, r := range d {
		m := asm.Ptr(regBase2).Offset(j * l.w * 4)
		if l.masked {
			l.load(m, l.scratch(1))
			f.VFMADD231PS(l.scratch(1), xi, r)
		} else {
			f.VFMADD231PS(m, xi, r)
		}
	}
	f.ADDQ(asm.Imm(4), regBase)
	f.ADDQ(asm.Imm(l.k.N*4), regBase2)
	f.DECQ(asm.AX)
	f.JNZ(loop)
}

// sinks stores or accumulates the step's results.
func (l *lowering) sinks() {
	f := l.f
	for _, sk := range l.k.Sinks {
		switch sk.Kind {
		case kernel.ToSeq, kernel.ToSeqIfSet:
			skip := f.NewLabel("unset")
			f.Load(sk.Arg+"_base", regBase)
			if sk.Kind == kernel.ToSeqIfSet {
				f.TESTQ(regBase, regBase)
				f.JE(skip)
			}
			for j := 0; j < l.u; j++ {
				l.store(l.inReg(sk.Value, j, 0), asm.Ptr(regBase).Idx(regRow, 1).Offset(j*l.w*4))
			}
			if sk.Kind == kernel.ToSeqIfSet {
				f.Label(skip)
			}
		case kernel.AddToSeq, kernel.AddToPerNeuron:
			idx := regRow
			if sk.Kind == kernel.AddToPerNeuron {
				idx = regNeuron
			}
			f.Load(sk.Arg+"_base", regBase)
			for j := 0; j < l.u; j++ {
				m := asm.Ptr(regBase).Idx(idx, 1).Offset(j * l.w * 4)
				l.load(m, l.scratch(1))
				f.VADDPS(l.operand(sk.Value, j).(asm.VecMem), l.scratch(1), l.scratch(1))
				l.store(l.scratch(1), m)
			}
		case kernel.AddToShared:
			acc := l.accums[sk.Arg]
			for j := 0; j < l.u; j++ {
				v := l.inReg(sk.Value, j, 0)
				if l.masked && l.isa == AVX2 {
					// Lanes past the end hold garbage: leave them out.
					f.VANDPS(asm.Y(15), v, l.scratch(0))
					v = l.scratch(0)
				}
				f.VMOVUPS(acc, l.scratch(1))
				if l.masked && l.isa == AVX512 {
					f.VADDPS(v, l.scratch(1), l.scratch(1)).Mask(asm.K1)
				} else {
					f.VADDPS(v, l.scratch(1), l.scratch(1))
				}
				f.VMOVUPS(l.scratch(1), acc)
			}
		}
	}
}

// storeStates writes every state's next value back to its [B][N] slice:
// the states of a tile stay in L1 between time steps.
func (l *lowering) storeStates() {
	for _, st := range l.k.States {
		l.f.Load(st.Arg+"_base", regBase)
		for j := 0; j < l.u; j++ {
			l.store(l.inReg(st.Next, j, 0), asm.Ptr(regBase).Idx(regState, 1).Offset(j*l.w*4))
		}
	}
}

// sumShared adds each shared gradient accumulator's lanes, in lane order,
// into its argument's first element.
func (l *lowering) sumShared() {
	f := l.f
	done := map[string]bool{}
	for _, sk := range l.k.Sinks {
		if sk.Kind != kernel.AddToShared || done[sk.Arg] {
			continue
		}
		done[sk.Arg] = true
		acc := l.accums[sk.Arg]
		x := asm.X(0)
		f.VMOVSS(acc, x)
		for i := 1; i < l.w; i++ {
			f.VADDSS(acc.Offset(4*i), x, x)
		}
		f.Load(sk.Arg+"_base", regBase)
		f.VADDSS(asm.Ptr(regBase), x, x)
		f.VMOVSS(x, asm.Ptr(regBase))
	}
}

// load and store move one vector, masked in the tail block.
func (l *lowering) load(m asm.Mem, dst asm.Vec) {
	switch {
	case !l.masked:
		l.f.VMOVUPS(m, dst)
	case l.isa == AVX512:
		l.f.VMOVUPS(m, dst).MaskZ(asm.K1)
	default:
		l.f.VMASKMOVPS(m, asm.Y(15), dst)
	}
}

func (l *lowering) store(src asm.Vec, m asm.Mem) {
	switch {
	case !l.masked:
		l.f.VMOVUPS(src, m)
	case l.isa == AVX512:
		l.f.VMOVUPS(src, m).Mask(asm.K1)
	default:
		l.f.VMASKMOVPS(src, asm.Y(15), m)
	}
}

func (l *lowering) zero(r asm.Vec) {
	if l.isa == AVX512 {
		l.f.V("VPXORD", r, r, r)
		return
	}
	l.f.VXORPS(r, r, r)
}

// scratch returns scratch register i (0 or 1), outside the allocator's
// pool.
func (l *lowering) scratch(i int) asm.Vec { return l.isa.vec(l.isa.pool() + i) }

// alloc takes u registers for a value, or fails with errNoRegs.
func (l *lowering) alloc() []asm.Vec {
	rs := make([]asm.Vec, l.u)
	for j := range rs {
		r := l.temp()
		if l.err != nil {
			return nil
		}
		rs[j] = r
	}
	return rs
}

// temp takes one register.
func (l *lowering) temp() asm.Vec {
	for i, ok := range l.free {
		if ok {
			l.free[i] = false
			used := 0
			for _, f := range l.free {
				if !f {
					used++
				}
			}
			l.peak = max(l.peak, used)
			return l.isa.vec(i)
		}
	}
	l.fail(errNoRegs)
	return l.scratch(0)
}

func (l *lowering) freeReg(r asm.Vec) {
	if n := r.Num(); n < len(l.free) {
		l.free[n] = true
	}
}

// release frees v's registers, unless they are a state's.
func (l *lowering) release(v *ir.Value) {
	rs, ok := l.regs[v]
	if !ok {
		return
	}
	delete(l.regs, v)
	for _, r := range rs {
		l.freeReg(r)
	}
}

// constant returns a vector of c in every lane: a register if the kernel
// keeps c in one, else read-only data.
func (l *lowering) constant(c float32) asm.VecMem {
	bits := math.Float32bits(c)
	l.constUses[bits]++
	if r, ok := l.pinned[bits]; ok {
		return r
	}
	return l.constData(bits)
}

// constData is the read-only vector of the bit pattern bits in every lane.
func (l *lowering) constData(bits uint32) asm.Sym {
	name := fmt.Sprintf("f%s%08x", l.isa.Suffix(), bits)
	return l.e.data(name, func() asm.Sym {
		vals := make([]uint32, l.isa.Lanes())
		for i := range vals {
			vals[i] = bits
		}
		return l.e.file.DataUint32(name, vals...)
	})
}

// bits is a vector of the bit pattern b in every lane.
func (l *lowering) bits(b uint32) asm.VecMem { return l.constant(math.Float32frombits(b)) }

func (e *Emitter) intVector(isa ISA, name string, v uint32) asm.Sym {
	vals := make([]uint32, isa.Lanes())
	for i := range vals {
		vals[i] = v
	}
	return e.file.DataUint32(name+isa.Suffix(), vals...)
}

// data returns the file's symbol called name, making it once.
func (e *Emitter) data(name string, make func() asm.Sym) asm.Sym {
	if s, ok := e.consts[name]; ok {
		return s
	}
	s := make()
	e.consts[name] = s
	return s
}
