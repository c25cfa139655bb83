package amd64

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/backend/lower"
	"github.com/snnc/snnc/ir"
)

// ErrUnsupported is wrapped by the errors of kernels this backend cannot
// emit (an op without a vector form, or more live values than registers);
// the generated package then keeps the plain-Go kernel for them.
var ErrUnsupported = errors.New("not supported by the amd64 backend")

// Emitter adds kernels to one assembly file, sharing its constants.
type Emitter struct {
	file   *asm.File
	consts map[string]asm.Sym
}

// NewEmitter returns an Emitter writing into file.
func NewEmitter(file *asm.File) *Emitter {
	return &Emitter{file: file, consts: map[string]asm.Sym{}}
}

// Kernel emits k for isa through the shared lowering core
// (backend/lower), which chooses the unroll factor, the loop nest and the
// registers; this backend selects the instructions.
func (e *Emitter) Kernel(k *kernel.Kernel, isa ISA) error {
	return lower.Lower(&machine{out: e, isa: isa}, k)
}

// GP registers of an emitted kernel, by role.
var ints = [lower.NumInts]asm.GP{
	lower.TotalT: asm.R12,
	lower.TotalB: asm.R13,
	lower.Steps:  asm.CX,
	lower.Batch:  asm.BX,
	lower.Blocks: asm.DX,
	lower.Row:    asm.R8,
	lower.Stride: asm.R9,
	lower.State:  asm.R10,
	lower.Neuron: asm.R11,
	lower.XRow:   asm.DI,
	lower.XStep:  asm.SI,
}

var (
	regBase  = asm.R14 // a slice's base, loaded when used
	regBase2 = asm.R15 // epilogue: the weights
	regCount = asm.AX  // epilogue: inputs left
)

// machine is the AVX2 or AVX-512 half of lowering one kernel.
type machine struct {
	out    *Emitter
	e      *Emitter // out, or a scratch file's in a dry run
	isa    ISA
	f      *asm.AMD64Func
	locals map[string]asm.Mem // shared params broadcast; per-neuron params of the group
	accums map[string]asm.Mem // shared parameter gradients, per lane
	// tailBuf is a vector in the frame through which the partial last
	// vector of a layer is stored lane by lane.
	tailBuf asm.Mem
}

func (m *machine) Lanes() int                  { return m.isa.Lanes() }
func (m *machine) PoolSize() int               { return m.isa.pool() }
func (m *machine) Reg(r lower.Vec) asm.Operand { return m.vec(r) }
func (m *machine) Unsupported() error          { return ErrUnsupported }

func (m *machine) vec(r lower.Vec) asm.Vec { return m.isa.vec(int(r)) }

// scratch returns scratch register i (0 or 1), outside the pool.
func (m *machine) scratch(i int) asm.Vec { return m.isa.vec(m.isa.pool() + i) }

// Supports: every op but log and tanh has a vector form.
func (m *machine) Supports(op ir.Op) bool { return op != ir.OpLog && op != ir.OpTanh }

// InPlace: ops of one instruction may write over an argument that dies
// with them (VEX and EVEX read their sources before they write).
func (m *machine) InPlace(op ir.Op) bool {
	switch op {
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpNeg, ir.OpAbs, ir.OpSqrt, ir.OpDetach, ir.OpCmp, ir.OpThreshold:
		return true
	}
	return false
}

func (m *machine) Begin(l *lower.Lowering, dryRun bool) *asm.Func {
	k := l.Kernel()
	m.e = m.out
	if dryRun {
		m.e = NewEmitter(asm.NewFile(asm.AMD64, "trial"))
	}
	sig := []asm.Param{asm.P("T", asm.Int), asm.P("B", asm.Int)}
	for _, a := range k.Args {
		sig = append(sig, asm.P(a, asm.SliceFloat32))
	}
	m.f = m.e.file.AMD64(k.Name, asm.Sig(sig...))
	if m.isa == AVX512 {
		m.f.SetISA(asm.AVX512F)
	} else {
		m.f.SetISA(asm.AVX2, asm.FMA3)
	}
	m.locals, m.accums, m.tailBuf = map[string]asm.Mem{}, map[string]asm.Mem{}, asm.Mem{}
	return m.f.Func
}

func (m *machine) Prologue(done asm.Label) {
	f := m.f
	f.Load("T", ints[lower.TotalT])
	f.Load("B", ints[lower.TotalB])
	f.TESTQ(ints[lower.TotalT], ints[lower.TotalT])
	f.JLE(done)
	f.TESTQ(ints[lower.TotalB], ints[lower.TotalB])
	f.JLE(done)
}

func (m *machine) Frame(l *lower.Lowering) {
	f := m.f
	// Shared params broadcast once; per-neuron params copied per group;
	// shared gradients accumulated per lane.
	vb := m.isa.Lanes() * 4
	for _, src := range l.Sources(kernel.FromShared) {
		mem := f.AllocLocal(vb, 8)
		m.locals[src] = mem
		f.Load(src+"_base", regBase)
		f.VBROADCASTSS(asm.Ptr(regBase), m.scratch(0))
		f.VMOVUPS(m.scratch(0), mem)
	}
	for _, src := range l.Sources(kernel.FromPerNeuron) {
		m.locals[src] = f.AllocLocal(l.U()*vb, 8)
	}
	for _, arg := range l.SharedSums() {
		mem := f.AllocLocal(vb, 8)
		m.accums[arg] = mem
		m.zero(m.scratch(0))
		f.VMOVUPS(m.scratch(0), mem)
	}
	if l.Rem() > 0 && singleLanes(l) {
		m.tailBuf = f.AllocLocal(m.isa.Lanes()*4, 8)
	}
	if len(m.locals)+len(m.accums) > 0 || m.tailBuf != (asm.Mem{}) {
		// A frame of locals may outgrow what NOSPLIT functions may use:
		// let the assembler add the stack check.
		f.Flags = "0"
	}
	if rem := l.Rem(); rem > 0 {
		m.setTailMask(l, rem)
	}
}

func (m *machine) Pin(l *lower.Lowering, z lower.Invariant, r lower.Vec) {
	if z.Kind == kernel.FromShared {
		m.f.Load(z.Arg+"_base", regBase)
		m.f.VBROADCASTSS(asm.Ptr(regBase), m.vec(r))
		return
	}
	m.f.VMOVUPS(m.constData(z.Bits), m.vec(r))
}

// Finish adds each shared gradient accumulator's lanes, in lane order,
// into its argument's first element.
func (m *machine) Finish(l *lower.Lowering, done asm.Label) {
	f := m.f
	for _, arg := range l.SharedSums() {
		acc := m.accums[arg]
		x := asm.X(0)
		f.VMOVSS(acc, x)
		for i := 1; i < m.isa.Lanes(); i++ {
			f.VADDSS(acc.Offset(4*i), x, x)
		}
		f.Load(arg+"_base", regBase)
		f.VADDSS(asm.Ptr(regBase), x, x)
		f.VMOVSS(x, asm.Ptr(regBase))
	}
	f.Label(done)
	f.VZEROUPPER()
	f.RET()
}

func (m *machine) SetImm(dst lower.Int, v int) {
	if v == 0 {
		m.f.XORQ(ints[dst], ints[dst])
		return
	}
	m.f.MOVQ(asm.Imm(v), ints[dst])
}

func (m *machine) Move(dst, src lower.Int) { m.f.MOVQ(ints[src], ints[dst]) }

func (m *machine) AddImm(dst lower.Int, v int) {
	if v < 0 {
		m.f.SUBQ(asm.Imm(-v), ints[dst])
		return
	}
	m.f.ADDQ(asm.Imm(v), ints[dst])
}

func (m *machine) Add(dst, src lower.Int)      { m.f.ADDQ(ints[src], ints[dst]) }
func (m *machine) Sub(dst, src lower.Int)      { m.f.SUBQ(ints[src], ints[dst]) }
func (m *machine) Mul(dst, src lower.Int)      { m.f.IMULQ(ints[src], ints[dst]) }
func (m *machine) MulImm(dst lower.Int, v int) { m.f.IMUL3Q(asm.Imm(v), ints[dst], ints[dst]) }

func (m *machine) LoopBack(counter lower.Int, top asm.Label) {
	m.f.DECQ(ints[counter])
	m.f.JNZ(top)
}

func (m *machine) LoopBelow(r lower.Int, limit int, top asm.Label) {
	m.f.CMPQ(ints[r], asm.Imm(limit))
	m.f.JL(top)
}

// setTailMask makes the mask of the last, partial vector's rem lanes: K1
// (AVX-512), or for AVX2's masked moves Y15 (tailMaskReg).
func (m *machine) setTailMask(l *lower.Lowering, rem int) {
	switch {
	case m.isa == AVX512:
		m.f.MOVL(asm.Imm(1<<rem-1), asm.AX)
		m.f.KMOVW(asm.AX, asm.K1)
	case !singleLanes(l):
		m.f.VMOVUPS(m.tailMask(rem), m.tailMaskReg())
	}
}

// tailMaskReg is the register of AVX2's tail mask: the lane temporary,
// which masked moves do not need.
func (m *machine) tailMaskReg() asm.Vec { return m.laneTemp() }

// tailMask is a read-only vector with all bits set in the first rem
// lanes and clear in the others (AVX2).
func (m *machine) tailMask(rem int) asm.Sym {
	table := m.e.data("tailmask", func() asm.Sym {
		ones := make([]uint32, 16)
		for i := range 8 {
			ones[i] = 0xffffffff
		}
		return m.e.file.DataUint32("tailmask", ones...)
	})
	return table.Offset((8 - rem) * 4)
}

// laneMask is a read-only vector with all bits set in lane i only.
func (m *machine) laneMask(i int) asm.Sym {
	w := m.isa.Lanes()
	name := "lanemask" + m.isa.Suffix()
	table := m.e.data(name, func() asm.Sym {
		vals := make([]uint32, 2*w-1)
		vals[w-1] = 0xffffffff
		return m.e.file.DataUint32(name, vals...)
	})
	return table.Offset((w - 1 - i) * 4)
}

// laneTemp is the register in which loadLanes builds a lane, or AVX2's
// tail mask for masked moves: Y15 (AVX2), Z31 (AVX-512), outside the pool
// and the scratch registers.
func (m *machine) laneTemp() asm.Vec { return m.isa.vec(m.isa.pool() + 2) }

// BeginGroup copies the group's per-neuron parameters into the frame,
// where ops read them as memory operands.
func (m *machine) BeginGroup(l *lower.Lowering) {
	for _, a := range l.Sources(kernel.FromPerNeuron) {
		m.f.Load(a+"_base", regBase)
		for j := 0; j < l.U(); j++ {
			m.load(l, asm.Ptr(regBase).Idx(ints[lower.Neuron], 1).Offset(j*m.isa.Lanes()*4), m.scratch(0))
			m.f.VMOVUPS(m.scratch(0), m.locals[a].Offset(j*m.isa.Lanes()*4))
		}
	}
}

func (m *machine) Load(l *lower.Lowering, arg string, off lower.Int, regs []lower.Vec) {
	m.f.Load(arg+"_base", regBase)
	for j, r := range regs {
		m.load(l, asm.Ptr(regBase).Idx(ints[off], 1).Offset(j*m.isa.Lanes()*4), m.vec(r))
	}
}

// Invariant: parameters are read from the frame, constants from
// read-only data, as memory operands.
func (m *machine) Invariant(l *lower.Lowering, z lower.Invariant, j, s int) asm.Operand {
	switch z.Kind {
	case kernel.FromPerNeuron:
		return m.locals[z.Arg].Offset(j * m.isa.Lanes() * 4)
	case kernel.FromShared:
		return m.locals[z.Arg]
	}
	return m.constData(z.Bits)
}

// inReg returns operand o in a register, loading it into scratch register
// s if it is in memory.
func (m *machine) inReg(o asm.Operand, s int) asm.Vec {
	if r, ok := o.(asm.Vec); ok {
		return r
	}
	r := m.scratch(s)
	m.f.VMOVUPS(o.(asm.VecMem), r)
	return r
}

func isReg(o asm.Operand) bool { _, ok := o.(asm.Vec); return ok }

// Op emits v's instructions, vector by vector.
func (m *machine) Op(l *lower.Lowering, v *ir.Value, d []lower.Vec, arg func(a, j, s int) asm.Operand) {
	f := m.f
	in := func(a, j, s int) asm.Vec { return m.inReg(arg(a, j, s), s) }
	mem := func(a, j int) asm.VecMem { return arg(a, j, 1).(asm.VecMem) }
	for j, r := range d {
		dst := m.vec(r)
		switch v.Op {
		case ir.OpAdd, ir.OpMul, ir.OpFMA:
			// Commutative: the register operand first, the other may be
			// memory.
			a, b := arg(0, j, 0), arg(1, j, 1)
			if !isReg(a) {
				a, b = b, a
			}
			if !isReg(a) {
				a = m.inReg(a, 0)
			}
			switch v.Op {
			case ir.OpAdd:
				f.VADDPS(b.(asm.VecMem), a.(asm.Vec), dst)
			case ir.OpMul:
				f.VMULPS(b.(asm.VecMem), a.(asm.Vec), dst)
			default:
				// dst = a·b + c: dst starts as c.
				f.VMOVUPS(arg(2, j, 1).(asm.VecMem), dst)
				f.VFMADD231PS(b.(asm.VecMem), a.(asm.Vec), dst)
			}
		case ir.OpSub:
			f.VSUBPS(mem(1, j), in(0, j, 0), dst)
		case ir.OpDiv:
			f.VDIVPS(mem(1, j), in(0, j, 0), dst)
		case ir.OpNeg:
			m.bitop("xor", m.bits(l, 0x80000000), in(0, j, 0), dst)
		case ir.OpAbs:
			m.bitop("and", m.bits(l, 0x7fffffff), in(0, j, 0), dst)
		case ir.OpSqrt:
			f.VSQRTPS(mem(0, j), dst)
		case ir.OpDetach:
			f.VMOVUPS(mem(0, j), dst)
		case ir.OpMin, ir.OpMax:
			m.minmax(l, v.Op == ir.OpMin, in(0, j, 0), mem(1, j), dst)
		case ir.OpRelu:
			m.minmax(l, false, in(0, j, 0), m.constant(l, 0), dst)
		case ir.OpCmp:
			m.compare(l, goPred[v.Pred], in(0, j, 0), mem(1, j), dst)
		case ir.OpThreshold:
			m.compare(l, asm.CmpGT_OQ, in(0, j, 0), m.constant(l, 0), dst)
		case ir.OpSelect:
			m.sel(l, in(0, j, 0), arg(1, j, 1).(asm.VecMem), in(2, j, 1), dst)
		case ir.OpExp:
			m.exp(l, in(0, j, 0), dst)
		default:
			l.Fail(fmt.Errorf("kernel %s: %s: %w", l.Kernel().Name, v.LongString(), ErrUnsupported))
			return
		}
	}
}

// goPred maps IR comparisons to VCMPPS predicates with Go's semantics:
// ordered (false on NaN) except !=, which is true on NaN.
var goPred = map[ir.Pred]asm.CmpPred{
	ir.PredGT: asm.CmpGT_OQ, ir.PredGE: asm.CmpGE_OQ, ir.PredLT: asm.CmpLT_OQ,
	ir.PredLE: asm.CmpLE_OQ, ir.PredEQ: asm.CmpEQ_OQ, ir.PredNE: asm.CmpNEQ_UQ,
}

// bitop emits a bitwise and/or/xor; AVX-512F has only the integer forms.
func (m *machine) bitop(op string, b asm.VecMem, a, dst asm.Vec) {
	if m.isa == AVX512 {
		m.f.V("VP"+strings.ToUpper(op)+"D", b, a, dst)
		return
	}
	switch op {
	case "and":
		m.f.VANDPS(b, a, dst)
	case "or":
		m.f.VORPS(b, a, dst)
	default:
		m.f.VXORPS(b, a, dst)
	}
}

// temp takes a pool register for the instructions of one op.
func (m *machine) temp(l *lower.Lowering) asm.Vec { return m.vec(l.Temp()) }

func (m *machine) free(l *lower.Lowering, rs ...asm.Vec) {
	for _, r := range rs {
		l.Free(lower.Vec(r.Num()))
	}
}

// minmax is Go's min or max: NaN if either is NaN, −0 below +0. VMINPS and
// VMAXPS return b when the values are equal or either is NaN, so equal
// values (only ±0 differ then) are merged bitwise (or for min, and for
// max) and a NaN a is put back.
func (m *machine) minmax(l *lower.Lowering, isMin bool, a asm.Vec, b asm.VecMem, dst asm.Vec) {
	f := m.f
	t := m.temp(l)
	merge := "and"
	if isMin {
		f.VMINPS(b, a, dst)
		merge = "or"
	} else {
		f.VMAXPS(b, a, dst)
	}
	m.bitop(merge, b, a, t)
	if m.isa == AVX512 {
		f.VCMPPS(asm.CmpEQ_OQ, b, a, asm.K2)
		f.VBLENDMPS(asm.K2, t, dst, dst)
		f.VCMPPS(asm.CmpUNORD_Q, a, a, asm.K3)
		f.VBLENDMPS(asm.K3, a, dst, dst)
	} else {
		mask := m.temp(l)
		f.VCMPPS(asm.CmpEQ_OQ, b, a, mask)
		f.VBLENDVPS(mask, t, dst, dst)
		f.VCMPPS(asm.CmpUNORD_Q, a, a, mask)
		f.VBLENDVPS(mask, a, dst, dst)
		m.free(l, mask)
	}
	m.free(l, t)
}

// compare sets dst to 1 where a pred b, else 0.
func (m *machine) compare(l *lower.Lowering, pred asm.CmpPred, a asm.Vec, b asm.VecMem, dst asm.Vec) {
	one := m.constant(l, 1)
	if m.isa == AVX512 {
		m.f.VCMPPS(pred, b, a, asm.K2)
		m.f.VMOVUPS(one, dst).MaskZ(asm.K2)
		return
	}
	m.f.VCMPPS(pred, b, a, dst)
	m.f.VANDPS(one, dst, dst)
}

// sel is select(c, a, b): a where c != 0 (NaN included), else b.
func (m *machine) sel(l *lower.Lowering, c asm.Vec, a asm.VecMem, b, dst asm.Vec) {
	f := m.f
	zero := m.constant(l, 0)
	if m.isa == AVX512 {
		f.VCMPPS(asm.CmpNEQ_UQ, zero, c, asm.K2)
		f.VBLENDMPS(asm.K2, a, b, dst)
		return
	}
	mask := m.temp(l)
	f.VCMPPS(asm.CmpNEQ_UQ, zero, c, mask)
	f.VBLENDVPS(mask, a, b, dst)
	m.free(l, mask)
}

// exp is exp32 of backend/gogen/rt, lane by lane: the same operations in
// the same order, so the bits agree with the plain-Go kernel and the
// interpreter.
func (m *machine) exp(l *lower.Lowering, x, dst asm.Vec) {
	f := m.f
	c, n, r := m.temp(l), m.temp(l), m.temp(l)
	f.VMAXPS(m.constant(l, -104), x, c)
	f.VMINPS(m.constant(l, 89), c, c)
	f.VMULPS(m.constant(l, 1.44269504088896340736), c, n)
	if m.isa == AVX512 {
		f.V("VRNDSCALEPS", asm.Imm(0), n, n)
	} else {
		f.V("VROUNDPS", asm.Imm(0), n, n)
	}
	f.VMOVUPS(c, r)
	f.VFMADD231PS(m.constant(l, -0.693145751953125), n, r)
	f.VFMADD231PS(m.constant(l, -1.428606765330187045e-06), n, r)
	// p = 1/5040, then p = p·r + c for the remaining coefficients.
	p := c
	f.VMOVUPS(m.constant(l, 1.0/5040), p)
	for _, coef := range []float32{1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		f.VFMADD213PS(m.constant(l, coef), r, p)
	}
	// 2^⌊n/2⌋ and 2^(n−⌊n/2⌋) from the exponent bits.
	f.V("VCVTPS2DQ", n, n)
	f.VPSRAD(asm.Imm(1), n, r)
	f.VPSUBD(r, n, n)
	bias := m.e.data("i127", func() asm.Sym { return m.e.intVector(m.isa, "i127", 127) })
	for _, k := range []asm.Vec{r, n} {
		f.VPADDD(bias, k, k)
		f.VPSLLD(asm.Imm(23), k, k)
		f.VMULPS(k, p, p)
	}
	// NaN stays NaN.
	if m.isa == AVX512 {
		f.VCMPPS(asm.CmpUNORD_Q, x, x, asm.K2)
		f.VBLENDMPS(asm.K2, x, p, dst)
	} else {
		f.VCMPPS(asm.CmpUNORD_Q, x, x, n)
		f.VBLENDVPS(n, x, p, dst)
	}
	m.free(l, c, n, r)
}

// Epilogue computes the product feeding the step: per lane, the bias (or
// 0) and then one fused multiply-add per input in order.
func (m *machine) Epilogue(l *lower.Lowering, ep *kernel.Epilogue, d []lower.Vec) {
	f := m.f
	noBias, loop := f.NewLabel("nobias"), f.NewLabel("input")
	haveBias := f.NewLabel("bias")
	neuron := ints[lower.Neuron]
	f.Load(ep.Bias+"_base", regBase)
	f.TESTQ(regBase, regBase)
	f.JE(noBias)
	for j, r := range d {
		m.load(l, asm.Ptr(regBase).Idx(neuron, 1).Offset(j*m.isa.Lanes()*4), m.vec(r))
	}
	f.JMP(haveBias)
	f.Label(noBias)
	for _, r := range d {
		m.zero(m.vec(r))
	}
	f.Label(haveBias)
	if ep.In == 0 {
		return
	}
	f.Load(ep.X+"_base", regBase)
	f.ADDQ(ints[lower.XRow], regBase)
	f.Load(ep.WT+"_base", regBase2)
	f.ADDQ(neuron, regBase2)
	f.MOVQ(asm.Imm(ep.In), regCount)
	xi := m.scratch(0)
	f.Label(loop)
	f.VBROADCASTSS(asm.Ptr(regBase), xi)
	for j, r := range d {
		w := asm.Ptr(regBase2).Offset(j * m.isa.Lanes() * 4)
		if l.Masked() {
			m.load(l, w, m.scratch(1))
			f.VFMADD231PS(m.scratch(1), xi, m.vec(r))
		} else {
			f.VFMADD231PS(w, xi, m.vec(r))
		}
	}
	f.ADDQ(asm.Imm(4), regBase)
	f.ADDQ(asm.Imm(l.Kernel().N*4), regBase2)
	f.DECQ(regCount)
	f.JNZ(loop)
}

func (m *machine) JumpIfNil(arg string, skip asm.Label) {
	m.f.Load(arg+"_base", regBase)
	m.f.TESTQ(regBase, regBase)
	m.f.JE(skip)
}

func (m *machine) Store(l *lower.Lowering, arg string, off lower.Int, v *ir.Value) {
	m.f.Load(arg+"_base", regBase)
	for j := 0; j < l.U(); j++ {
		m.store(l, m.inReg(l.Operand(v, j, 0), 0), asm.Ptr(regBase).Idx(ints[off], 1).Offset(j*m.isa.Lanes()*4))
	}
}

func (m *machine) AddTo(l *lower.Lowering, arg string, off lower.Int, v *ir.Value) {
	f := m.f
	f.Load(arg+"_base", regBase)
	for j := 0; j < l.U(); j++ {
		mem := asm.Ptr(regBase).Idx(ints[off], 1).Offset(j * m.isa.Lanes() * 4)
		m.load(l, mem, m.scratch(1))
		f.VADDPS(l.Operand(v, j, 0).(asm.VecMem), m.scratch(1), m.scratch(1))
		m.store(l, m.scratch(1), mem)
	}
}

func (m *machine) Accumulate(l *lower.Lowering, arg string, v *ir.Value) {
	f := m.f
	acc := m.accums[arg]
	for j := 0; j < l.U(); j++ {
		x := m.inReg(l.Operand(v, j, 0), 0)
		if l.Masked() && m.isa == AVX2 {
			// Lanes past the end hold garbage: leave them out.
			f.VANDPS(m.tailMask(l.Rem()), x, m.scratch(0))
			x = m.scratch(0)
		}
		f.VMOVUPS(acc, m.scratch(1))
		if l.Masked() && m.isa == AVX512 {
			f.VADDPS(x, m.scratch(1), m.scratch(1)).Mask(asm.K1)
		} else {
			f.VADDPS(x, m.scratch(1), m.scratch(1))
		}
		f.VMOVUPS(m.scratch(1), acc)
	}
}

// load and store move one vector: in the tail group only its first
// l.Rem() lanes, a load leaving the lanes past the end zero.
func (m *machine) load(l *lower.Lowering, mem asm.Mem, dst asm.Vec) {
	switch {
	case !l.Masked():
		m.f.VMOVUPS(mem, dst)
	case singleLanes(l):
		m.loadLanes(l, mem, dst)
	case m.isa == AVX512:
		m.f.VMOVUPS(mem, dst).MaskZ(asm.K1)
	default:
		m.f.VMASKMOVPS(mem, m.tailMaskReg(), dst)
	}
}

func (m *machine) store(l *lower.Lowering, src asm.Vec, mem asm.Mem) {
	switch {
	case !l.Masked():
		m.f.VMOVUPS(src, mem)
	case singleLanes(l):
		m.storeLanes(l, src, mem)
	case m.isa == AVX512:
		m.f.VMOVUPS(src, mem).Mask(asm.K1)
	default:
		m.f.VMASKMOVPS(src, m.tailMaskReg(), mem)
	}
}

// singleLanes reports whether the tail moves lane by lane rather than
// masked. Masked loads and stores (VMASKMOVPS, K-masked VMOVUPS) that
// overlap recent stores stall for tens of cycles; with time steps
// outermost (layers under 32 neurons) the tails of neighbouring batch
// entries lie within one vector of each other and little else runs
// between them, so single lanes win there (LIF at N = 1: 3.0 against 14
// ns per neuron-step in AVX2). In tiles the stores have long retired,
// and the masked move's one instruction wins (N = 100: 0.52 against 0.71).
func singleLanes(l *lower.Lowering) bool { return l.Kernel().Loop.TileLanes == 0 }

// loadLanes loads lane by lane: broadcast, keep lane i, merge.
func (m *machine) loadLanes(l *lower.Lowering, mem asm.Mem, dst asm.Vec) {
	f, t := m.f, m.laneTemp()
	f.VBROADCASTSS(mem, dst)
	m.bitop("and", m.laneMask(0), dst, dst)
	for i := 1; i < l.Rem(); i++ {
		f.VBROADCASTSS(mem.Offset(4*i), t)
		m.bitop("and", m.laneMask(i), t, t)
		m.bitop("or", t, dst, dst)
	}
}

// storeLanes stores lane by lane through the frame: each 4-byte load is
// inside the one vector store just made, which forwards it.
func (m *machine) storeLanes(l *lower.Lowering, src asm.Vec, mem asm.Mem) {
	m.f.VMOVUPS(src, m.tailBuf)
	for i := 0; i < l.Rem(); i++ {
		m.f.MOVL(m.tailBuf.Offset(4*i), asm.AX)
		m.f.MOVL(asm.AX, mem.Offset(4*i))
	}
}

func (m *machine) zero(r asm.Vec) {
	if m.isa == AVX512 {
		m.f.V("VPXORD", r, r, r)
		return
	}
	m.f.VXORPS(r, r, r)
}

// constant returns a vector of c in every lane: a pinned register or
// read-only data.
func (m *machine) constant(l *lower.Lowering, c float32) asm.VecMem {
	return l.Invariant(lower.Const(c), 0, 1).(asm.VecMem)
}

// bits is a vector of the bit pattern b in every lane.
func (m *machine) bits(l *lower.Lowering, b uint32) asm.VecMem {
	return m.constant(l, math.Float32frombits(b))
}

// constData is the read-only vector of the bit pattern bits in every lane.
func (m *machine) constData(bits uint32) asm.Sym {
	name := fmt.Sprintf("f%s%08x", m.isa.Suffix(), bits)
	return m.e.data(name, func() asm.Sym {
		vals := make([]uint32, m.isa.Lanes())
		for i := range vals {
			vals[i] = bits
		}
		return m.e.file.DataUint32(name, vals...)
	})
}

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
