package arm64

import (
	"errors"
	"fmt"
	"math"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/backend/lower"
	"github.com/snnc/snnc/ir"
)

// ErrUnsupported is wrapped by the errors of kernels this backend cannot
// emit (an op without a vector form, or more live values than registers);
// the generated package then keeps the plain-Go kernel for them.
var ErrUnsupported = errors.New("not supported by the arm64 backend")

// Suffix is appended to the names of the kernels this backend emits, and
// Name is the implementation's name in a generated package's kernel table.
const (
	Suffix = "NEON"
	Name   = "neon"
	// Lanes is the number of float32 lanes of one vector.
	Lanes = 4
)

// Vector registers: the allocator's pool V0–V27 (invariants pinned for
// the whole kernel take its top registers), and four scratch registers for
// operands materialized at their use.
const (
	poolSize = 28
	scratch0 = 28
)

// GP registers of an emitted kernel, by role. None of Go's reserved
// registers (R18, R27–R30) is used; R16 and R17 are left alone too.
var ints = [lower.NumInts]asm.Reg{
	lower.TotalT: asm.R0,
	lower.TotalB: asm.R1,
	lower.Batch:  asm.R2,
	lower.Steps:  asm.R3,
	lower.Blocks: asm.R4,
	lower.Row:    asm.R5,
	lower.Stride: asm.R6,
	lower.State:  asm.R7,
	lower.Neuron: asm.R(8),
	lower.XRow:   asm.R(10),
	lower.XStep:  asm.R(11),
}

var (
	regBase  = asm.R(12) // a slice's address: leaves, states, sinks
	regLazy  = asm.R(13) // the address of an operand materialized at its use
	regBase2 = asm.R(14) // epilogue: the weights
	regCount = asm.R(15) // epilogue: inputs left; a second address; an immediate
)

// Emitter adds kernels to one assembly file.
type Emitter struct {
	file *asm.File
}

// NewEmitter returns an Emitter writing into file, an asm.ARM64 file.
func NewEmitter(file *asm.File) *Emitter { return &Emitter{file: file} }

// Kernel emits k through the shared lowering core (backend/lower), which
// chooses the unroll factor, the loop nest and the registers; this
// backend selects the instructions.
func (e *Emitter) Kernel(k *kernel.Kernel) error {
	return lower.Lower(&machine{out: e.file}, k)
}

// machine is the NEON half of lowering one kernel.
type machine struct {
	out    *asm.File
	f      *asm.ARM64Func
	accums map[string]asm.Addr // shared parameter gradients, one vector each
}

func (m *machine) Lanes() int                  { return Lanes }
func (m *machine) PoolSize() int               { return poolSize }
func (m *machine) Reg(r lower.Vec) asm.Operand { return asm.V(int(r)) }
func (m *machine) Unsupported() error          { return ErrUnsupported }

// Supports: every op but log and tanh has a vector form.
func (m *machine) Supports(op ir.Op) bool { return op != ir.OpLog && op != ir.OpTanh }

// InPlace: ops whose last instruction is the only one reading their
// arguments.
func (m *machine) InPlace(op ir.Op) bool {
	switch op {
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpNeg, ir.OpAbs, ir.OpSqrt, ir.OpDetach,
		ir.OpMin, ir.OpMax, ir.OpRelu, ir.OpCmp, ir.OpThreshold:
		return true
	}
	return false
}

// scratch returns scratch register i (0–3), outside the allocator's pool.
func scratch(i int) asm.VReg { return asm.V(scratch0 + i) }

func vreg(r lower.Vec) asm.VReg { return asm.V(int(r)) }

func (m *machine) Begin(l *lower.Lowering, dryRun bool) *asm.Func {
	k := l.Kernel()
	file := m.out
	if dryRun {
		file = asm.NewFile(asm.ARM64, "trial")
	}
	sig := []asm.Param{asm.P("T", asm.Int), asm.P("B", asm.Int)}
	for _, a := range k.Args {
		sig = append(sig, asm.P(a, asm.SliceFloat32))
	}
	m.f = file.ARM64(k.Name, asm.Sig(sig...))
	m.accums = map[string]asm.Addr{}
	return m.f.Func
}

func (m *machine) Prologue(done asm.Label) {
	f := m.f
	f.Load("T", ints[lower.TotalT])
	f.Load("B", ints[lower.TotalB])
	f.CMP(asm.Imm(1), ints[lower.TotalT])
	f.BLT(done)
	f.CMP(asm.Imm(1), ints[lower.TotalB])
	f.BLT(done)
}

func (m *machine) Frame(l *lower.Lowering) {
	f := m.f
	// Shared gradients are accumulated per lane in the frame.
	for _, arg := range l.SharedSums() {
		mem := f.AllocLocal(16, 8)
		m.accums[arg] = mem
		z := scratch(0)
		f.VEOR(z.B16(), z.B16(), z.B16())
		f.FMOVQ(z.F(), mem)
	}
	if len(m.accums) > 0 {
		f.Flags = "0" // let the assembler add the stack check
	}
}

func (m *machine) Pin(l *lower.Lowering, z lower.Invariant, r lower.Vec) {
	m.materialize(l, z, 0, vreg(r))
}

// Finish adds each shared gradient accumulator's lanes, in lane order,
// and then the argument's first element, into that element.
func (m *machine) Finish(l *lower.Lowering, done asm.Label) {
	f := m.f
	x, y := scratch(0).F(), scratch(1).F()
	for _, arg := range l.SharedSums() {
		acc := m.accums[arg]
		f.FMOVS(acc, x)
		for i := 1; i < Lanes; i++ {
			f.FMOVS(acc.Offset(4*i), y)
			f.FADDS(y, x, x)
		}
		f.Load(arg+"_base", regBase)
		f.FMOVS(asm.At(regBase), y)
		f.FADDS(y, x, x)
		f.FMOVS(x, asm.At(regBase))
	}
	f.Label(done)
	f.RET()
}

func (m *machine) SetImm(dst lower.Int, v int) {
	if v == 0 {
		m.f.MOVD(asm.ZR, ints[dst])
		return
	}
	m.f.MOVD(asm.Imm(v), ints[dst])
}

func (m *machine) Move(dst, src lower.Int) { m.f.MOVD(ints[src], ints[dst]) }

func (m *machine) AddImm(dst lower.Int, v int) {
	if v < 0 {
		m.f.SUB(asm.Imm(-v), ints[dst], ints[dst])
		return
	}
	m.f.ADD(asm.Imm(v), ints[dst], ints[dst])
}

func (m *machine) Add(dst, src lower.Int) { m.f.ADD(ints[src], ints[dst], ints[dst]) }
func (m *machine) Sub(dst, src lower.Int) { m.f.SUB(ints[src], ints[dst], ints[dst]) }
func (m *machine) Mul(dst, src lower.Int) { m.f.MUL(ints[src], ints[dst], ints[dst]) }

func (m *machine) MulImm(dst lower.Int, v int) {
	m.f.MOVD(asm.Imm(v), regCount)
	m.f.MUL(regCount, ints[dst], ints[dst])
}

func (m *machine) LoopBack(counter lower.Int, top asm.Label) {
	m.f.SUBS(asm.Imm(1), ints[counter], ints[counter])
	m.f.BNE(top)
}

func (m *machine) LoopBelow(r lower.Int, limit int, top asm.Label) {
	m.f.MOVD(asm.Imm(limit), regCount)
	m.f.CMP(regCount, ints[r])
	m.f.BLT(top)
}

// BeginGroup: per-neuron parameters are loaded at each use.
func (m *machine) BeginGroup(l *lower.Lowering) {}

func (m *machine) Load(l *lower.Lowering, arg string, off lower.Int, regs []lower.Vec) {
	m.address(arg, ints[off], regBase)
	vs := make([]asm.VReg, len(regs))
	for j, r := range regs {
		vs[j] = vreg(r)
	}
	m.loadN(l, regBase, vs)
}

// address sets dst to the address of arg's elements at byte offset off.
func (m *machine) address(arg string, off, dst asm.IntReg) {
	m.f.Load(arg+"_base", dst)
	m.f.ADD(off, dst, dst)
}

// loadN loads consecutive vectors from base (which it advances) into
// regs: runs of consecutive registers with one VLD1.P each; in the masked
// group the first rem lanes one by one into a zeroed register.
func (m *machine) loadN(l *lower.Lowering, base asm.IntReg, regs []asm.VReg) {
	f := m.f
	if l.Masked() {
		for _, r := range regs {
			f.VEOR(r.B16(), r.B16(), r.B16())
			for i := 0; i < l.Rem(); i++ {
				f.VLD1P(asm.At(base).Offset(4), r.S(i))
			}
		}
		return
	}
	for _, run := range runs(regs) {
		f.VLD1P(asm.At(base).Offset(16*len(run)), list(run))
	}
}

// storeN stores regs to consecutive vectors at base (which it advances);
// in the masked group only the first rem lanes.
func (m *machine) storeN(l *lower.Lowering, regs []asm.VReg, base asm.IntReg) {
	f := m.f
	if l.Masked() {
		for _, r := range regs {
			for i := 0; i < l.Rem(); i++ {
				f.VST1P(r.S(i), asm.At(base).Offset(4))
			}
		}
		return
	}
	for _, run := range runs(regs) {
		f.VST1P(list(run), asm.At(base).Offset(16*len(run)))
	}
}

// runs splits regs into runs of up to four consecutive registers, the
// register lists of LD1 and ST1.
func runs(regs []asm.VReg) [][]asm.VReg {
	var out [][]asm.VReg
	for i := 0; i < len(regs); {
		j := i + 1
		for j < len(regs) && j-i < 4 && regs[j].Num() == regs[j-1].Num()+1 {
			j++
		}
		out = append(out, regs[i:j])
		i = j
	}
	return out
}

func list(regs []asm.VReg) asm.VList {
	vs := make([]asm.VArr, len(regs))
	for i, r := range regs {
		vs[i] = r.S4()
	}
	return asm.List(vs...)
}

// Invariant materializes z's j-th vector into scratch register s: NEON
// arithmetic takes no memory operands.
func (m *machine) Invariant(l *lower.Lowering, z lower.Invariant, j, s int) asm.Operand {
	return m.materialize(l, z, j, scratch(s))
}

// materialize puts invariant z's j-th vector into dst.
func (m *machine) materialize(l *lower.Lowering, z lower.Invariant, j int, dst asm.VReg) asm.VReg {
	f := m.f
	switch z.Kind {
	case kernel.FromConst:
		m.constInto(z.Bits, dst)
	case kernel.FromShared:
		f.Load(z.Arg+"_base", regLazy)
		f.VLD1R(asm.At(regLazy), asm.List(dst.S4()))
	case kernel.FromPerNeuron:
		m.address(z.Arg, ints[lower.Neuron], regLazy)
		if j > 0 {
			f.ADD(asm.Imm(j*Lanes*4), regLazy, regLazy)
		}
		m.loadN(l, regLazy, []asm.VReg{dst})
	}
	return dst
}

// constInto sets every lane of r to bits.
func (m *machine) constInto(bits uint32, r asm.VReg) {
	if bits == 0 {
		m.f.VEOR(r.B16(), r.B16(), r.B16())
		return
	}
	w := uint64(bits)<<32 | uint64(bits)
	m.f.VMOVQ(w, w, r).Comment(fmt.Sprintf("%v in every lane", math.Float32frombits(bits)))
}

// konst returns a register holding c in every lane: pinned, or
// materialized into scratch register s.
func (m *machine) konst(l *lower.Lowering, c float32, s int) asm.VReg {
	return l.Invariant(lower.Const(c), 0, s).(asm.VReg)
}

// setConst sets every lane of r to c, copying from the pinned register if
// c is pinned.
func (m *machine) setConst(l *lower.Lowering, c float32, r asm.VReg) {
	if p, ok := l.Pinned(lower.Const(c)); ok {
		m.f.VMOV(vreg(p).B16(), r.B16())
		return
	}
	m.constInto(math.Float32bits(c), r)
}

// Op emits v's instructions, vector by vector; invariant arguments are
// materialized at each use into the scratch register of their position.
func (m *machine) Op(l *lower.Lowering, v *ir.Value, d []lower.Vec, operand func(a, j, s int) asm.Operand) {
	f := m.f
	arg := func(a, j int) asm.VArr { return operand(a, j, a).(asm.VReg).S4() }
	for j, r := range d {
		dr := vreg(r)
		dst := dr.S4()
		switch v.Op {
		case ir.OpAdd:
			f.VFADD(arg(1, j), arg(0, j), dst)
		case ir.OpSub:
			f.VFSUB(arg(1, j), arg(0, j), dst)
		case ir.OpMul:
			f.VFMUL(arg(1, j), arg(0, j), dst)
		case ir.OpDiv:
			f.VFDIV(arg(1, j), arg(0, j), dst)
		case ir.OpNeg:
			f.VFNEG(arg(0, j), dst)
		case ir.OpAbs:
			f.VFABS(arg(0, j), dst)
		case ir.OpSqrt:
			f.VFSQRT(arg(0, j), dst)
		case ir.OpDetach:
			f.VMOV(arg(0, j).Reg.B16(), dr.B16())
		case ir.OpFMA:
			// dst = a·b + c with one rounding: dst starts as c.
			a, b, c := arg(0, j), arg(1, j), arg(2, j)
			f.VMOV(c.Reg.B16(), dr.B16())
			f.VFMLA(b, a, dst)
		case ir.OpMin:
			// FMIN is Go's min: NaN if either is NaN, −0 below +0.
			f.VFMIN(arg(1, j), arg(0, j), dst)
		case ir.OpMax:
			f.VFMAX(arg(1, j), arg(0, j), dst)
		case ir.OpRelu:
			f.VFMAX(m.konst(l, 0, 1).S4(), arg(0, j), dst)
		case ir.OpCmp:
			m.compare(l, v.Pred, arg(0, j), arg(1, j), dst)
		case ir.OpThreshold:
			m.compare(l, ir.PredGT, arg(0, j), m.konst(l, 0, 1).S4(), dst)
		case ir.OpSelect:
			// select(c, a, b) is a where c != 0 (NaN included), else b:
			// the mask c == 0 picks b.
			c, a, b := arg(0, j), arg(1, j), arg(2, j)
			f.VFCMEQ(m.konst(l, 0, 3).S4(), c, dst)
			f.VBSL(a.Reg.B16(), b.Reg.B16(), dr.B16())
		case ir.OpExp:
			m.exp(l, arg(0, j), dr)
		default:
			l.Fail(fmt.Errorf("kernel %s: %s: %w", l.Kernel().Name, v.LongString(), ErrUnsupported))
			return
		}
	}
}

// compare sets dst to 1 where a pred b, else 0, with Go's semantics:
// false on NaN, except != (true on NaN).
func (m *machine) compare(l *lower.Lowering, pred ir.Pred, a, b, dst asm.VArr) {
	f := m.f
	switch pred {
	case ir.PredGT:
		f.VFCMGT(b, a, dst)
	case ir.PredGE:
		f.VFCMGE(b, a, dst)
	case ir.PredLT:
		f.VFCMGT(a, b, dst)
	case ir.PredLE:
		f.VFCMGE(a, b, dst)
	case ir.PredEQ, ir.PredNE:
		f.VFCMEQ(b, a, dst)
	default:
		l.Fail(fmt.Errorf("kernel %s: predicate %v: %w", l.Kernel().Name, pred, ErrUnsupported))
		return
	}
	one := m.konst(l, 1, 3).B16()
	d := dst.Reg.B16()
	if pred == ir.PredNE {
		f.VBIC(d, one, d) // 1 where not equal
		return
	}
	f.VAND(one, d, d)
}

// exp is exp32 of backend/gogen/rt, lane by lane: the same operations in
// the same order, so the bits agree with the plain-Go kernel and the
// interpreter.
func (m *machine) exp(l *lower.Lowering, x asm.VArr, dst asm.VReg) {
	f := m.f
	c, n, r, q := vreg(l.Temp()), vreg(l.Temp()), vreg(l.Temp()), vreg(l.Temp())
	if l.Failed() {
		return
	}
	cs, ns, rs := c.S4(), n.S4(), r.S4()
	f.VFMAX(m.konst(l, -104, 3).S4(), x, cs)
	f.VFMIN(m.konst(l, 89, 3).S4(), cs, cs)
	f.VFMUL(m.konst(l, 1.44269504088896340736, 3).S4(), cs, ns)
	f.VFRINTN(ns, ns)
	f.VMOV(c.B16(), r.B16())
	f.VFMLA(m.konst(l, -0.693145751953125, 3).S4(), ns, rs)
	f.VFMLA(m.konst(l, -1.428606765330187045e-06, 3).S4(), ns, rs)
	// p = 1/5040, then p = p·r + coef for the remaining coefficients: each
	// coefficient is loaded into the other register, which accumulates p·r.
	p := c
	m.setConst(l, 1.0/5040, p)
	for _, coef := range []float32{1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		m.setConst(l, coef, q)
		f.VFMLA(rs, p.S4(), q.S4())
		p, q = q, p
	}
	// 2^⌊n/2⌋ and 2^(n−⌊n/2⌋) from the exponent bits; n is integral and
	// within [−150, 128], so the conversion is exact.
	f.VFCVTZS(ns, ns)
	f.VSSHR(asm.Imm(1), ns, rs)
	f.VSUB(rs, ns, ns)
	for _, k := range []asm.VArr{rs, ns} {
		f.VADD(m.konst(l, math.Float32frombits(127), 3).S4(), k, k)
		f.VSHL(asm.Imm(23), k, k)
		f.VFMUL(k, p.S4(), p.S4())
	}
	// NaN stays NaN: the mask x == x keeps p.
	f.VFCMEQ(x, x, dst.S4())
	f.VBSL(x.Reg.B16(), p.B16(), dst.B16())
	for _, t := range []asm.VReg{c, n, r, q} {
		l.Free(lower.Vec(t.Num()))
	}
}

// Epilogue computes the product feeding the step: per lane, the bias (or
// 0) and then one fused multiply-add per input in order.
func (m *machine) Epilogue(l *lower.Lowering, ep *kernel.Epilogue, d []lower.Vec) {
	f := m.f
	regs := make([]asm.VReg, len(d))
	for j, r := range d {
		regs[j] = vreg(r)
	}
	noBias, haveBias, loop := f.NewLabel("nobias"), f.NewLabel("bias"), f.NewLabel("input")
	neuron := ints[lower.Neuron]
	f.Load(ep.Bias+"_base", regBase)
	f.CBZ(regBase, noBias)
	f.ADD(neuron, regBase, regBase)
	m.loadN(l, regBase, regs)
	f.B(haveBias)
	f.Label(noBias)
	for _, r := range regs {
		f.VEOR(r.B16(), r.B16(), r.B16())
	}
	f.Label(haveBias)
	if ep.In == 0 {
		return
	}
	m.address(ep.X, ints[lower.XRow], regBase)
	m.address(ep.WT, neuron, regBase2)
	f.MOVD(asm.Imm(ep.In), regCount)
	xi, w := scratch(0), scratch(1)
	f.Label(loop)
	f.VLD1RP(asm.At(regBase).Offset(4), asm.List(xi.S4()))
	f.MOVD(regBase2, regLazy)
	for _, r := range regs {
		m.loadN(l, regLazy, []asm.VReg{w})
		f.VFMLA(w.S4(), xi.S4(), r.S4())
	}
	f.ADD(asm.Imm(l.Kernel().N*4), regBase2, regBase2)
	f.SUBS(asm.Imm(1), regCount, regCount)
	f.BNE(loop)
}

func (m *machine) JumpIfNil(arg string, skip asm.Label) {
	m.f.Load(arg+"_base", regBase)
	m.f.CBZ(regBase, skip)
}

// Store stores v from its registers, runs of consecutive ones with one
// ST1 each, or materialized vector by vector.
func (m *machine) Store(l *lower.Lowering, arg string, off lower.Int, v *ir.Value) {
	m.address(arg, ints[off], regBase)
	rs := l.Regs(v)
	if rs == nil {
		for j := 0; j < l.U(); j++ {
			m.storeN(l, []asm.VReg{l.Operand(v, j, 0).(asm.VReg)}, regBase)
		}
		return
	}
	regs := make([]asm.VReg, len(rs))
	for j, r := range rs {
		regs[j] = vreg(r)
	}
	m.storeN(l, regs, regBase)
}

func (m *machine) AddTo(l *lower.Lowering, arg string, off lower.Int, v *ir.Value) {
	f := m.f
	m.address(arg, ints[off], regBase)
	acc := scratch(1)
	for j := 0; j < l.U(); j++ {
		x := l.Operand(v, j, 0).(asm.VReg)
		f.MOVD(regBase, regCount)
		m.loadN(l, regCount, []asm.VReg{acc})
		f.VFADD(x.S4(), acc.S4(), acc.S4())
		m.storeN(l, []asm.VReg{acc}, regBase)
	}
}

func (m *machine) Accumulate(l *lower.Lowering, arg string, v *ir.Value) {
	f := m.f
	mem := m.accums[arg]
	acc := scratch(1)
	for j := 0; j < l.U(); j++ {
		x := l.Operand(v, j, 0).(asm.VReg)
		if l.Masked() {
			// Lanes past the end hold whatever the zeroed inputs gave:
			// leave them out.
			mask := scratch(2)
			var lo, hi uint64
			for i := 0; i < l.Rem(); i++ {
				if i < 2 {
					lo |= 0xffffffff << (32 * i)
				} else {
					hi |= 0xffffffff << (32 * (i - 2))
				}
			}
			f.VMOVQ(lo, hi, mask).Comment(fmt.Sprintf("the first %d lanes", l.Rem()))
			f.VAND(mask.B16(), x.B16(), scratch(0).B16())
			x = scratch(0)
		}
		f.FMOVQ(mem, acc.F())
		f.VFADD(x.S4(), acc.S4(), acc.S4())
		f.FMOVQ(acc.F(), mem)
	}
}
