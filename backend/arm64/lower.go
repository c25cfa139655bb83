package arm64

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// ErrUnsupported is wrapped by the errors of kernels this backend cannot
// emit (an op without a vector form, or more live values than registers);
// the generated package then keeps the plain-Go kernel for them.
var ErrUnsupported = errors.New("not supported by the arm64 backend")

// errNoRegs ends a try at some unroll factor; a smaller one may fit.
var errNoRegs = fmt.Errorf("%w: not enough vector registers", ErrUnsupported)

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

// GP registers of an emitted kernel. None of Go's reserved registers
// (R18, R27–R30) is used; R16 and R17 are left alone too.
var (
	regTotalT = asm.R0    // T
	regTotalB = asm.R1    // B
	regB      = asm.R2    // batch entry b
	regT      = asm.R3    // time steps left
	regBlocks = asm.R4    // groups left
	regRow    = asm.R5    // byte offset of the group's lanes in a [T][B][N] slice at step t
	regStride = asm.R6    // B·N·4: one time step
	regState  = asm.R7    // byte offset of the group in a [B][N] slice: (b·N + n0)·4
	regNeuron = asm.R(8)  // byte offset of the group in an [N] slice: n0·4
	regTiles  = asm.R(9)  // full tiles left
	regXRow   = asm.R(10) // epilogue: byte offset of row (t, b) of X
	regXStep  = asm.R(11) // epilogue: B·In·4
	regBase   = asm.R(12) // a slice's address: leaves, states, sinks
	regLazy   = asm.R(13) // the address of an operand materialized at its use
	regBase2  = asm.R(14) // epilogue: the weights
	regCount  = asm.R(15) // epilogue: inputs left; a second address
)

// Emitter adds kernels to one assembly file.
type Emitter struct {
	file *asm.File
}

// NewEmitter returns an Emitter writing into file, an asm.ARM64 file.
func NewEmitter(file *asm.File) *Emitter { return &Emitter{file: file} }

// Kernel emits k. It unrolls by the largest number of vectors per group
// (4, 2 or 1) whose registers fit, for independent dependency chains, and
// keeps the most used constants and shared parameters in the registers
// left over for the whole kernel.
func (e *Emitter) Kernel(k *kernel.Kernel) error {
	if err := check(k); err != nil {
		return err
	}
	for _, u := range []int{4, 2, 1} {
		// A dry run in a scratch file finds out whether u fits, how many
		// registers it needs and which invariants it rematerializes most.
		trial := &lowering{k: k, u: u, f: asm.NewFile(asm.ARM64, "trial").ARM64(k.Name, signature(k)), uses: map[string]int{}}
		trial.run()
		if errors.Is(trial.err, errNoRegs) {
			continue
		}
		if trial.err != nil {
			return trial.err
		}
		l := &lowering{k: k, u: u, f: e.file.ARM64(k.Name, signature(k)), uses: map[string]int{}}
		l.pins = choosePins(trial.uses, poolSize-trial.peak)
		l.run()
		if l.err != nil {
			return l.err
		}
		return l.f.Err()
	}
	return fmt.Errorf("kernel %s: %w", k.Name, errNoRegs)
}

// signature is the kernel's Go signature: (T, B int, <Args> []float32).
func signature(k *kernel.Kernel) asm.Signature {
	sig := []asm.Param{asm.P("T", asm.Int), asm.P("B", asm.Int)}
	for _, a := range k.Args {
		sig = append(sig, asm.P(a, asm.SliceFloat32))
	}
	return asm.Sig(sig...)
}

// check rejects what the lowering has no form for.
func check(k *kernel.Kernel) error {
	for _, v := range k.Step.Values {
		switch v.Op {
		case ir.OpLog, ir.OpTanh:
			return fmt.Errorf("kernel %s: %s: %w", k.Name, v.LongString(), ErrUnsupported)
		}
	}
	if k.Epilogue != nil && k.Reverse {
		return fmt.Errorf("kernel %s: an epilogue in a reverse-time kernel: %w", k.Name, ErrUnsupported)
	}
	return nil
}

// choosePins picks up to n invariants to keep in registers, most used
// first (ties by key, so that the output is deterministic).
func choosePins(uses map[string]int, n int) map[string]asm.VReg {
	keys := make([]string, 0, len(uses))
	for key := range uses {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		if uses[keys[i]] != uses[keys[j]] {
			return uses[keys[i]] > uses[keys[j]]
		}
		return keys[i] < keys[j]
	})
	pins := map[string]asm.VReg{}
	for i, key := range keys {
		if i >= n {
			break
		}
		pins[key] = asm.V(poolSize - 1 - i)
	}
	return pins
}

// A lazy value is not kept in registers: it is materialized into a
// scratch register (or read from its pinned register) at every use.
type lazy struct {
	kind kernel.SourceKind // FromPerNeuron, FromShared or FromConst
	arg  string
	bits uint32
}

// key names an invariant for pinning: constants by their bits, shared
// parameters by their argument. Per-neuron values vary per group.
func (z lazy) key() string {
	switch z.kind {
	case kernel.FromShared:
		return "p:" + z.arg
	case kernel.FromConst:
		return fmt.Sprintf("c:%08x", z.bits)
	}
	return ""
}

// lowering is the state of emitting one kernel.
type lowering struct {
	k    *kernel.Kernel
	f    *asm.ARM64Func
	u    int                 // vectors per group
	pins map[string]asm.VReg // invariants kept in registers
	uses map[string]int      // materializations per invariant (dry run)
	peak int                 // pool registers needed

	order   []*ir.Value       // live values, in IR order
	lastUse map[*ir.Value]int // position of the last use; len(order) for the end of a step
	states  map[*ir.Value]int // state read → state index

	accums map[string]asm.Addr // shared parameter gradients, one vector each
	rem    int                 // lanes of the partial last vector, 0 if none

	// Per group.
	masked bool         // the group is the partial last vector
	homes  [][]asm.VReg // per state, its registers
	regs   map[*ir.Value][]asm.VReg
	lazies map[*ir.Value]lazy
	free   []bool
	err    error
}

func (l *lowering) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *lowering) run() {
	l.f.Doc = l.k.Doc
	l.states = map[*ir.Value]int{}
	l.accums = map[string]asm.Addr{}
	l.rem = l.k.N % Lanes
	l.analyze()
	l.body()
}

// analyze orders the live values and finds their last uses.
func (l *lowering) analyze() {
	l.order, l.lastUse = l.k.Order()
	for v, src := range l.k.Leaves {
		if src.Kind == kernel.FromState {
			l.states[v] = src.State
		}
	}
}

// tileLanes is how many neurons a kernel carries through all time steps at
// once (as backend/amd64): their states stay in L1 between steps, and each
// row of a step is a contiguous run of tileLanes·4 bytes.
const tileLanes = 1024

// body emits the whole function: loops over batch entries, tiles of
// neurons, time steps, and groups of u vectors within the tile.
func (l *lowering) body() {
	f, k := l.f, l.k
	n := k.N
	done := f.NewLabel("done")
	f.Load("T", regTotalT)
	f.Load("B", regTotalB)
	f.CMP(asm.Imm(1), regTotalT)
	f.BLT(done)
	f.CMP(asm.Imm(1), regTotalB)
	f.BLT(done)
	f.MOVD(asm.Imm(n*4), regStride)
	f.MUL(regTotalB, regStride, regStride)
	if ep := k.Epilogue; ep != nil {
		f.MOVD(asm.Imm(ep.In*4), regXStep)
		f.MUL(regTotalB, regXStep, regXStep)
	}
	// Pinned invariants, loaded once; shared gradients accumulated per
	// lane in the frame.
	pinKeys := make([]string, 0, len(l.pins))
	for key := range l.pins {
		pinKeys = append(pinKeys, key)
	}
	sort.Strings(pinKeys)
	for _, key := range pinKeys {
		l.loadInvariant(key, l.pins[key])
	}
	for _, sk := range k.Sinks {
		if sk.Kind == kernel.AddToShared {
			if _, ok := l.accums[sk.Arg]; !ok {
				m := f.AllocLocal(16, 8)
				l.accums[sk.Arg] = m
				z := l.scratch(0)
				f.VEOR(z.B16(), z.B16(), z.B16())
				f.FMOVQ(z.F(), m)
			}
		}
	}
	if len(l.accums) > 0 {
		f.Flags = "0" // let the assembler add the stack check
	}

	f.MOVD(asm.ZR, regB)
	bloop := f.NewLabel("batch")
	f.Label(bloop)
	f.MOVD(asm.Imm(n*4), regState)
	f.MUL(regB, regState, regState)
	f.MOVD(asm.ZR, regNeuron)
	if full := n / tileLanes; full > 0 {
		f.MOVD(asm.Imm(full), regTiles)
		top := f.NewLabel("tile")
		f.Label(top)
		l.tile(tileLanes)
		f.SUBS(asm.Imm(1), regTiles, regTiles)
		f.BNE(top)
	}
	if last := n % tileLanes; last > 0 {
		l.tile(last)
	}
	f.ADD(asm.Imm(1), regB, regB)
	f.CMP(regTotalB, regB)
	f.BLT(bloop)

	l.sumShared()
	f.Label(done)
	f.RET()
}

// loadInvariant loads a pinned invariant into r.
func (l *lowering) loadInvariant(key string, r asm.VReg) {
	switch key[0] {
	case 'p':
		l.f.Load(key[2:]+"_base", regLazy)
		l.f.VLD1R(asm.At(regLazy), asm.List(r.S4()))
	default:
		var bits uint32
		fmt.Sscanf(key[2:], "%08x", &bits)
		l.constInto(bits, r)
	}
}

// constInto sets every lane of r to bits.
func (l *lowering) constInto(bits uint32, r asm.VReg) {
	if bits == 0 {
		l.f.VEOR(r.B16(), r.B16(), r.B16())
		return
	}
	w := uint64(bits)<<32 | uint64(bits)
	l.f.VMOVQ(w, w, r).Comment(fmt.Sprintf("%v in every lane", math.Float32frombits(bits)))
}

// tile emits the time loop over a tile of lanes neurons starting at the
// current offsets, and leaves the offsets at the next tile. Each time step
// runs the tile's groups of u vectors, then single vectors, then the
// partial vector at the very end of the layer.
func (l *lowering) tile(lanes int) {
	f, k := l.f, l.k
	f.MOVD(regState, regRow)
	if k.Reverse {
		f.SUB(asm.Imm(1), regTotalT, regBlocks)
		f.MUL(regStride, regBlocks, regBlocks)
		f.ADD(regBlocks, regRow, regRow)
	}
	if ep := k.Epilogue; ep != nil {
		f.MOVD(asm.Imm(ep.In*4), regXRow)
		f.MUL(regB, regXRow, regXRow)
	}
	f.MOVD(regTotalT, regT)
	top := f.NewLabel("step")
	f.Label(top)
	groups := lanes / (l.u * Lanes)
	if groups > 0 {
		f.MOVD(asm.Imm(groups), regBlocks)
		g := f.NewLabel("group")
		f.Label(g)
		l.group(l.u)
		f.SUBS(asm.Imm(1), regBlocks, regBlocks)
		f.BNE(g)
	}
	for range (lanes - groups*l.u*Lanes) / Lanes {
		l.group(1)
	}
	if lanes%Lanes > 0 {
		l.masked = true
		l.group(1)
		l.masked = false
	}
	// Back to the tile's first lane, on to the next time step.
	back := asm.Imm(lanes / Lanes * Lanes * 4)
	f.SUB(back, regState, regState)
	f.SUB(back, regNeuron, regNeuron)
	f.SUB(back, regRow, regRow)
	if k.Reverse {
		f.SUB(regStride, regRow, regRow)
	} else {
		f.ADD(regStride, regRow, regRow)
	}
	if k.Epilogue != nil {
		f.ADD(regXStep, regXRow, regXRow)
	}
	f.SUBS(asm.Imm(1), regT, regT)
	f.BNE(top)
	f.ADD(back, regState, regState)
	f.ADD(back, regNeuron, regNeuron)
}

// group emits one time step of u vectors of neurons (u = 1 when masked):
// their states in, the step, the states out, and the offsets advanced
// past the group (a masked group is the layer's last).
func (l *lowering) group(u int) {
	f, k := l.f, l.k
	saved := l.u
	l.u = u
	defer func() { l.u = saved }()
	l.free = make([]bool, poolSize-len(l.pins))
	for i := range l.free {
		l.free[i] = true
	}
	l.regs = map[*ir.Value][]asm.VReg{}
	l.lazies = map[*ir.Value]lazy{}
	l.homes = make([][]asm.VReg, len(k.States))
	for i, st := range k.States {
		l.homes[i] = l.alloc()
		if l.err != nil {
			return
		}
		l.address(st.Arg, regState, regBase)
		l.loadN(regBase, l.homes[i])
	}
	l.step()
	if l.err != nil {
		return
	}
	for i, st := range k.States {
		l.address(st.Arg, regState, regBase)
		l.storeN(l.homes[i], regBase)
	}
	if !l.masked {
		width := asm.Imm(u * Lanes * 4)
		f.ADD(width, regState, regState)
		f.ADD(width, regNeuron, regNeuron)
		f.ADD(width, regRow, regRow)
	}
}

// address sets dst to the address of arg's elements at byte offset off.
func (l *lowering) address(arg string, off, dst asm.IntReg) {
	l.f.Load(arg+"_base", dst)
	l.f.ADD(off, dst, dst)
}

// loadN loads consecutive vectors from base (which it advances) into
// regs: runs of consecutive registers with one VLD1.P each; in the masked
// group the first rem lanes one by one into a zeroed register.
func (l *lowering) loadN(base asm.IntReg, regs []asm.VReg) {
	f := l.f
	if l.masked {
		for _, r := range regs {
			f.VEOR(r.B16(), r.B16(), r.B16())
			for i := 0; i < l.rem; i++ {
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
func (l *lowering) storeN(regs []asm.VReg, base asm.IntReg) {
	f := l.f
	if l.masked {
		for _, r := range regs {
			for i := 0; i < l.rem; i++ {
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

// step emits one time step of the group: every live value, the sinks, the
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
	l.updateStates()
	for v := range l.regs {
		l.release(v)
	}
}

// value computes v into registers, or notes how to materialize it.
func (l *lowering) value(v *ir.Value, i int) {
	k := l.k
	if ep := k.Epilogue; ep != nil && v == ep.Input {
		l.epilogue(v, ep)
		return
	}
	if src, ok := k.Leaves[v]; ok {
		switch src.Kind {
		case kernel.FromState:
			l.regs[v] = l.homes[src.State]
		case kernel.FromSeq:
			rs := l.alloc()
			if rs == nil {
				return
			}
			l.address(src.Arg, regRow, regBase)
			l.loadN(regBase, rs)
			l.regs[v] = rs
		case kernel.FromPerNeuron, kernel.FromShared:
			l.lazies[v] = lazy{kind: src.Kind, arg: src.Arg}
		case kernel.FromConst:
			l.lazies[v] = lazy{kind: kernel.FromConst, bits: math.Float32bits(float32(src.Const))}
		}
		return
	}
	if v.Op.IsLeaf() {
		l.fail(fmt.Errorf("kernel %s: %s has no source", k.Name, v.LongString()))
		return
	}
	l.op(v, i)
}

// operand returns v's j-th vector in a register: its own, its pinned one,
// or scratch register s, into which it is materialized.
func (l *lowering) operand(v *ir.Value, j, s int) asm.VReg {
	if r, ok := l.regs[v]; ok {
		return r[j]
	}
	z, ok := l.lazies[v]
	if !ok {
		l.fail(fmt.Errorf("kernel %s: %s is not computed", l.k.Name, v.LongString()))
		return l.scratch(s)
	}
	return l.materialize(z, j, l.scratch(s))
}

// materialize puts lazy value z's j-th vector into dst, or returns its
// pinned register.
func (l *lowering) materialize(z lazy, j int, dst asm.VReg) asm.VReg {
	f := l.f
	if key := z.key(); key != "" {
		if r, ok := l.pins[key]; ok {
			return r
		}
		l.uses[key]++
	}
	switch z.kind {
	case kernel.FromConst:
		l.constInto(z.bits, dst)
	case kernel.FromShared:
		f.Load(z.arg+"_base", regLazy)
		f.VLD1R(asm.At(regLazy), asm.List(dst.S4()))
	case kernel.FromPerNeuron:
		l.address(z.arg, regNeuron, regLazy)
		if j > 0 {
			f.ADD(asm.Imm(j*Lanes*4), regLazy, regLazy)
		}
		l.loadN(regLazy, []asm.VReg{dst})
	}
	return dst
}

// konst returns a register holding c in every lane: pinned, or
// materialized into scratch register s.
func (l *lowering) konst(c float32, s int) asm.VReg {
	return l.materialize(lazy{kind: kernel.FromConst, bits: math.Float32bits(c)}, 0, l.scratch(s))
}

// kbits is konst of a bit pattern (an int32 constant).
func (l *lowering) kbits(b uint32, s int) asm.VReg { return l.konst(math.Float32frombits(b), s) }

// op emits non-leaf value v at position i of the step. Ops whose last
// instruction is the only one reading their arguments let dying arguments
// give their registers back before the result takes one; longer sequences
// keep results and arguments apart.
func (l *lowering) op(v *ir.Value, i int) {
	f := l.f
	// The registers of the arguments, taken before dying ones are
	// released; lazy arguments are materialized at each use.
	argRegs := make([][]asm.VReg, len(v.Args))
	for a, x := range v.Args {
		argRegs[a] = l.regs[x]
	}
	switch v.Op {
	case ir.OpAdd, ir.OpSub, ir.OpMul, ir.OpDiv, ir.OpNeg, ir.OpAbs, ir.OpSqrt, ir.OpDetach,
		ir.OpMin, ir.OpMax, ir.OpRelu, ir.OpCmp, ir.OpThreshold:
		l.releaseDying(v, i)
	}
	d := l.alloc()
	if d == nil {
		return
	}
	l.regs[v] = d
	arg := func(a, j int) asm.VArr {
		if argRegs[a] != nil {
			return argRegs[a][j].S4()
		}
		return l.operand(v.Args[a], j, a).S4()
	}
	for j, dr := range d {
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
			f.VFMAX(l.konst(0, 1).S4(), arg(0, j), dst)
		case ir.OpCmp:
			l.compare(v.Pred, arg(0, j), arg(1, j), dst)
		case ir.OpThreshold:
			l.compare(ir.PredGT, arg(0, j), l.konst(0, 1).S4(), dst)
		case ir.OpSelect:
			// select(c, a, b) is a where c != 0 (NaN included), else b:
			// the mask c == 0 picks b.
			c, a, b := arg(0, j), arg(1, j), arg(2, j)
			f.VFCMEQ(l.konst(0, 3).S4(), c, dst)
			f.VBSL(a.Reg.B16(), b.Reg.B16(), dr.B16())
		case ir.OpExp:
			l.exp(arg(0, j), dr)
		default:
			l.fail(fmt.Errorf("kernel %s: %s: %w", l.k.Name, v.LongString(), ErrUnsupported))
			return
		}
	}
}

// releaseDying frees the registers of v's arguments whose last use is v
// (at position i), before v's result is allocated. Every op that calls it
// reads the j-th vectors of its arguments before it writes the j-th vector
// of the result, and writes the result only after that (or only the
// result). Register sets are allocated in ascending order, so the j-th
// result register is never the j'-th (j' > j) of a released argument.
func (l *lowering) releaseDying(v *ir.Value, i int) {
	for _, a := range v.Args {
		if l.lastUse[a] == i {
			l.release(a)
		}
	}
}

// compare sets dst to 1 where a pred b, else 0, with Go's semantics:
// false on NaN, except != (true on NaN).
func (l *lowering) compare(pred ir.Pred, a, b, dst asm.VArr) {
	f := l.f
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
		l.fail(fmt.Errorf("kernel %s: predicate %v: %w", l.k.Name, pred, ErrUnsupported))
		return
	}
	one := l.konst(1, 3).B16()
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
func (l *lowering) exp(x asm.VArr, dst asm.VReg) {
	f := l.f
	c, n, r, q := l.temp(), l.temp(), l.temp(), l.temp()
	if l.err != nil {
		return
	}
	cs, ns, rs := c.S4(), n.S4(), r.S4()
	f.VFMAX(l.konst(-104, 3).S4(), x, cs)
	f.VFMIN(l.konst(89, 3).S4(), cs, cs)
	f.VFMUL(l.konst(1.44269504088896340736, 3).S4(), cs, ns)
	f.VFRINTN(ns, ns)
	f.VMOV(c.B16(), r.B16())
	f.VFMLA(l.konst(-0.693145751953125, 3).S4(), ns, rs)
	f.VFMLA(l.konst(-1.428606765330187045e-06, 3).S4(), ns, rs)
	// p = 1/5040, then p = p·r + coef for the remaining coefficients: each
	// coefficient is loaded into the other register, which accumulates p·r.
	p := c
	l.setConst(1.0/5040, p)
	for _, coef := range []float32{1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1} {
		l.setConst(coef, q)
		f.VFMLA(rs, p.S4(), q.S4())
		p, q = q, p
	}
	// 2^⌊n/2⌋ and 2^(n−⌊n/2⌋) from the exponent bits; n is integral and
	// within [−150, 128], so the conversion is exact.
	f.VFCVTZS(ns, ns)
	f.VSSHR(asm.Imm(1), ns, rs)
	f.VSUB(rs, ns, ns)
	for _, k := range []asm.VArr{rs, ns} {
		f.VADD(l.kbits(127, 3).S4(), k, k)
		f.VSHL(asm.Imm(23), k, k)
		f.VFMUL(k, p.S4(), p.S4())
	}
	// NaN stays NaN: the mask x == x keeps p.
	f.VFCMEQ(x, x, dst.S4())
	f.VBSL(x.Reg.B16(), p.B16(), dst.B16())
	for _, t := range []asm.VReg{c, n, r, q} {
		l.freeReg(t)
	}
}

// setConst sets every lane of r to c, copying from the pinned register if
// c is pinned.
func (l *lowering) setConst(c float32, r asm.VReg) {
	src := l.materialize(lazy{kind: kernel.FromConst, bits: math.Float32bits(c)}, 0, r)
	if src != r {
		l.f.VMOV(src.B16(), r.B16())
	}
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
	noBias, haveBias, loop := f.NewLabel("nobias"), f.NewLabel("bias"), f.NewLabel("input")
	f.Load(ep.Bias+"_base", regBase)
	f.CBZ(regBase, noBias)
	f.ADD(regNeuron, regBase, regBase)
	l.loadN(regBase, d)
	f.B(haveBias)
	f.Label(noBias)
	for _, r := range d {
		f.VEOR(r.B16(), r.B16(), r.B16())
	}
	f.Label(haveBias)
	if ep.In == 0 {
		return
	}
	l.address(ep.X, regXRow, regBase)
	l.address(ep.WT, regNeuron, regBase2)
	f.MOVD(asm.Imm(ep.In), regCount)
	xi, w := l.scratch(0), l.scratch(1)
	f.Label(loop)
	f.VLD1RP(asm.At(regBase).Offset(4), asm.List(xi.S4()))
	f.MOVD(regBase2, regLazy)
	for _, r := range d {
		l.loadN(regLazy, []asm.VReg{w})
		f.VFMLA(w.S4(), xi.S4(), r.S4())
	}
	f.ADD(asm.Imm(l.k.N*4), regBase2, regBase2)
	f.SUBS(asm.Imm(1), regCount, regCount)
	f.BNE(loop)
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
				f.CBZ(regBase, skip)
			}
			f.ADD(regRow, regBase, regBase)
			if rs, ok := l.regs[sk.Value]; ok {
				l.storeN(rs, regBase)
			} else {
				for j := 0; j < l.u; j++ {
					l.storeN([]asm.VReg{l.operand(sk.Value, j, 0)}, regBase)
				}
			}
			if sk.Kind == kernel.ToSeqIfSet {
				f.Label(skip)
			}
		case kernel.AddToSeq, kernel.AddToPerNeuron:
			idx := regRow
			if sk.Kind == kernel.AddToPerNeuron {
				idx = regNeuron
			}
			l.address(sk.Arg, idx, regBase)
			acc := l.scratch(1)
			for j := 0; j < l.u; j++ {
				v := l.operand(sk.Value, j, 0)
				f.MOVD(regBase, regCount)
				l.loadN(regCount, []asm.VReg{acc})
				f.VFADD(v.S4(), acc.S4(), acc.S4())
				l.storeN([]asm.VReg{acc}, regBase)
			}
		case kernel.AddToShared:
			m := l.accums[sk.Arg]
			acc := l.scratch(1)
			for j := 0; j < l.u; j++ {
				v := l.operand(sk.Value, j, 0)
				if l.masked {
					// Lanes past the end hold whatever the zeroed inputs
					// gave: leave them out.
					mask := l.scratch(2)
					var lo, hi uint64
					for i := 0; i < l.rem; i++ {
						if i < 2 {
							lo |= 0xffffffff << (32 * i)
						} else {
							hi |= 0xffffffff << (32 * (i - 2))
						}
					}
					f.VMOVQ(lo, hi, mask).Comment(fmt.Sprintf("the first %d lanes", l.rem))
					f.VAND(mask.B16(), v.B16(), l.scratch(0).B16())
					v = l.scratch(0)
				}
				f.FMOVQ(m, acc.F())
				f.VFADD(v.S4(), acc.S4(), acc.S4())
				f.FMOVQ(acc.F(), m)
			}
		}
	}
}

// updateStates moves every state's next value into its registers. A next
// value held in another state's registers is copied aside first, so that
// swaps work.
func (l *lowering) updateStates() {
	f := l.f
	type move struct {
		from asm.VReg
		lz   *lazy
		to   asm.VReg
		j    int
	}
	var moves []move
	var temps []asm.VReg
	for i, st := range l.k.States {
		for j := 0; j < l.u; j++ {
			if z, ok := l.lazies[st.Next]; ok {
				moves = append(moves, move{lz: &z, to: l.homes[i][j], j: j})
				continue
			}
			rs, ok := l.regs[st.Next]
			if !ok {
				l.fail(fmt.Errorf("kernel %s: %s is not computed", l.k.Name, st.Next.LongString()))
				return
			}
			from := rs[j]
			if l.isHome(from) && from != l.homes[i][j] {
				t := l.temp()
				f.VMOV(from.B16(), t.B16())
				temps = append(temps, t)
				from = t
			}
			moves = append(moves, move{from: from, to: l.homes[i][j], j: j})
		}
	}
	for _, m := range moves {
		switch {
		case m.lz != nil:
			if r := l.materialize(*m.lz, m.j, m.to); r != m.to {
				f.VMOV(r.B16(), m.to.B16())
			}
		case m.from != m.to:
			f.VMOV(m.from.B16(), m.to.B16())
		}
	}
	for _, t := range temps {
		l.freeReg(t)
	}
}

func (l *lowering) isHome(r asm.VReg) bool {
	for _, h := range l.homes {
		for _, x := range h {
			if x == r {
				return true
			}
		}
	}
	return false
}

// sumShared adds each shared gradient accumulator's lanes, in lane order,
// and then the argument's first element, into that element.
func (l *lowering) sumShared() {
	f := l.f
	done := map[string]bool{}
	x, y := l.scratch(0).F(), l.scratch(1).F()
	for _, sk := range l.k.Sinks {
		if sk.Kind != kernel.AddToShared || done[sk.Arg] {
			continue
		}
		done[sk.Arg] = true
		m := l.accums[sk.Arg]
		f.FMOVS(m, x)
		for i := 1; i < Lanes; i++ {
			f.FMOVS(m.Offset(4*i), y)
			f.FADDS(y, x, x)
		}
		f.Load(sk.Arg+"_base", regBase)
		f.FMOVS(asm.At(regBase), y)
		f.FADDS(y, x, x)
		f.FMOVS(x, asm.At(regBase))
	}
}

// scratch returns scratch register i (0–3), outside the allocator's pool.
func (l *lowering) scratch(i int) asm.VReg { return asm.V(scratch0 + i) }

// alloc takes u registers for a value, or fails with errNoRegs.
func (l *lowering) alloc() []asm.VReg {
	rs := make([]asm.VReg, l.u)
	for j := range rs {
		r := l.temp()
		if l.err != nil {
			return nil
		}
		rs[j] = r
	}
	return rs
}

// temp takes the lowest free pool register.
func (l *lowering) temp() asm.VReg {
	for i, ok := range l.free {
		if ok {
			l.free[i] = false
			l.peak = max(l.peak, i+1)
			return asm.V(i)
		}
	}
	l.fail(errNoRegs)
	return l.scratch(0)
}

func (l *lowering) freeReg(r asm.VReg) {
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
	if _, isState := l.states[v]; isState {
		return
	}
	for _, r := range rs {
		l.freeReg(r)
	}
}
