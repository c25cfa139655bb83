package lower

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/snnc/snnc/asm"
	"github.com/snnc/snnc/backend/kernel"
	"github.com/snnc/snnc/ir"
)

// ErrNoRegs is wrapped, next to the Machine's unsupported error, by the
// error of a kernel with more live values than vector registers.
var ErrNoRegs = errors.New("not enough vector registers")

// Int names a general-purpose register by its role in the loop nest; each
// Machine maps the roles to registers of its own.
type Int int

const (
	TotalT Int = iota // T
	TotalB            // B
	Steps             // time steps left
	Batch             // batch entries left
	Blocks            // groups left; scratch outside the group loop
	Row               // byte offset of the group's lanes in a [T][B][N] slice at step t
	Stride            // B·N·4: one time step of a [T][B][N] slice
	State             // byte offset of the group in a [B][N] slice: (b·N + n0)·4
	Neuron            // byte offset of the group in an [N] slice: n0·4
	XRow              // epilogue: byte offset of row (t, b) of X
	XStep             // epilogue: B·In·4
	NumInts
)

// Vec is a vector register: 0 to PoolSize()−1 are the allocator's pool,
// whose top registers hold the pinned invariants; a Machine numbers its
// scratch registers from PoolSize() on.
type Vec int

// An Invariant is a leaf value that is the same at every time step and
// is not kept in the pool: a constant, a shared parameter, or a
// per-neuron parameter (the same at every step, but not in every group).
type Invariant struct {
	Kind kernel.SourceKind // FromConst, FromShared or FromPerNeuron
	Arg  string            // the parameter's argument
	Bits uint32            // the constant's float32 bits
}

// Key names an invariant that can be pinned in a register for the whole
// kernel: constants by their bits, shared parameters by their argument;
// "" for per-neuron parameters, which change from group to group.
func (z Invariant) Key() string {
	switch z.Kind {
	case kernel.FromShared:
		return "p:" + z.Arg
	case kernel.FromConst:
		return fmt.Sprintf("c:%08x", z.Bits)
	}
	return ""
}

// Const is the invariant of the float32 constant c.
func Const(c float32) Invariant {
	return Invariant{Kind: kernel.FromConst, Bits: math.Float32bits(c)}
}

// A Machine is one instruction set's half of the lowering: instruction
// selection and addressing. Its methods emit into the function Begin
// returned last.
type Machine interface {
	// Lanes is the number of float32 lanes of a vector; PoolSize the
	// number of vector registers the allocator hands out.
	Lanes() int
	PoolSize() int
	// Reg is vector register r as an operand.
	Reg(r Vec) asm.Operand
	// Unsupported is the error that the errors of kernels the machine
	// cannot emit wrap.
	Unsupported() error
	// Supports reports whether the machine has instructions for op.
	Supports(op ir.Op) bool
	// InPlace reports whether op's instructions read the j-th vectors of
	// its arguments before they write the j-th vector of the result, and
	// write nothing else, so that dying arguments may give their
	// registers to the result.
	InPlace(op ir.Op) bool

	// Begin starts k's function (k's Go signature, the ISA's features)
	// in the output file, or in a scratch file for a dry run.
	Begin(l *Lowering, dryRun bool) *asm.Func
	// Prologue loads TotalT and TotalB and jumps to done when either is
	// below 1.
	Prologue(done asm.Label)
	// Frame prepares what the loops read besides the arguments: the
	// invariants' memory, the tail mask, the zeroed accumulators of
	// l.SharedSums().
	Frame(l *Lowering)
	// Pin loads invariant z into register r for the whole kernel.
	Pin(l *Lowering, z Invariant, r Vec)
	// Finish adds each accumulator of l.SharedSums() into its argument's
	// first element, binds done and returns.
	Finish(l *Lowering, done asm.Label)

	// General-purpose arithmetic on the Int roles and loop control.
	SetImm(dst Int, v int)
	Move(dst, src Int)
	AddImm(dst Int, v int) // v may be negative
	Add(dst, src Int)
	Sub(dst, src Int)
	Mul(dst, src Int)
	MulImm(dst Int, v int)
	// LoopBack decrements counter and jumps to top unless it is zero;
	// LoopBelow jumps to top while r < limit.
	LoopBack(counter Int, top asm.Label)
	LoopBelow(r Int, limit int, top asm.Label)

	// BeginGroup prepares a group of l.U() vectors at the current offsets
	// (per-neuron parameters, for a machine that reads them from the
	// frame).
	BeginGroup(l *Lowering)
	// Load loads l.U() consecutive vectors of arg at byte offset off into
	// regs: masked (or lane by lane) in the partial last vector.
	Load(l *Lowering, arg string, off Int, regs []Vec)
	// Invariant returns the j-th vector of an invariant that is not
	// pinned: a memory operand, or its value in scratch register s.
	Invariant(l *Lowering, z Invariant, j, s int) asm.Operand
	// Op emits non-leaf value v into dst; arg(a, j, s) is the j-th vector
	// of argument a (s picks the scratch register of an invariant that
	// must be loaded).
	Op(l *Lowering, v *ir.Value, dst []Vec, arg func(a, j, s int) asm.Operand)
	// Epilogue emits the product ep into dst (Kernel.Epilogue).
	Epilogue(l *Lowering, ep *kernel.Epilogue, dst []Vec)
	// JumpIfNil jumps to skip if arg is a nil slice.
	JumpIfNil(arg string, skip asm.Label)
	// Store stores v's vectors to arg at byte offset off; AddTo adds them
	// into arg at off; Accumulate adds them, per lane, into arg's
	// accumulator (only lanes of the layer).
	Store(l *Lowering, arg string, off Int, v *ir.Value)
	AddTo(l *Lowering, arg string, off Int, v *ir.Value)
	Accumulate(l *Lowering, arg string, v *ir.Value)
}

// Lowering is the state of emitting one kernel, shared by the core and
// the Machine.
type Lowering struct {
	m      Machine
	k      *kernel.Kernel
	u      int // vectors per group, at this point of the emission
	dryRun bool
	f      *asm.Func

	order   []*ir.Value       // live values, in IR order
	lastUse map[*ir.Value]int // position of the last use; len(order) for the end of a step

	pins map[string]Vec // invariants kept in registers
	uses map[string]int // reads of each unpinned invariant
	peak int            // the most pool registers in use at once

	// Per group.
	masked     bool // the group is the partial last vector of the layer
	free       []bool
	regs       map[*ir.Value][]Vec
	invariants map[*ir.Value]Invariant
	err        error
}

// Lower emits k through m. It unrolls by the largest number of vectors per
// group (4, 2 or 1) whose registers fit, for independent dependency
// chains, and keeps the most used invariants in the registers left over.
func Lower(m Machine, k *kernel.Kernel) error {
	if err := check(m, k); err != nil {
		return err
	}
	for _, u := range []int{4, 2, 1} {
		// A dry run finds out whether u fits, how many registers it
		// needs and which invariants it reads most.
		trial := &Lowering{m: m, k: k, u: u, dryRun: true}
		trial.run()
		if errors.Is(trial.err, ErrNoRegs) {
			continue
		}
		if trial.err != nil {
			return trial.err
		}
		l := &Lowering{m: m, k: k, u: u, pins: choosePins(trial.uses, m.PoolSize()-trial.peak, m.PoolSize())}
		l.run()
		if l.err != nil {
			return l.err
		}
		return l.f.Err()
	}
	return fmt.Errorf("kernel %s: %w: %w", k.Name, m.Unsupported(), ErrNoRegs)
}

// check rejects what m has no instructions for.
func check(m Machine, k *kernel.Kernel) error {
	for _, v := range k.Step.Values {
		if !v.Op.IsLeaf() && !m.Supports(v.Op) {
			return fmt.Errorf("kernel %s: %s: %w", k.Name, v.LongString(), m.Unsupported())
		}
	}
	if k.Epilogue != nil && k.Reverse {
		return fmt.Errorf("kernel %s: an epilogue in a reverse-time kernel: %w", k.Name, m.Unsupported())
	}
	return nil
}

// choosePins picks up to n invariants to keep in registers, most used
// first (ties by key, so that the output is deterministic), in the pool's
// top registers.
func choosePins(uses map[string]int, n, pool int) map[string]Vec {
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
	pins := map[string]Vec{}
	for i, key := range keys[:min(len(keys), max(n, 0))] {
		pins[key] = Vec(pool - 1 - i)
	}
	return pins
}

// Kernel is the kernel being lowered.
func (l *Lowering) Kernel() *kernel.Kernel { return l.k }

// U is the number of vectors of the group being emitted.
func (l *Lowering) U() int { return l.u }

// Masked reports whether the group is the partial last vector of a layer.
func (l *Lowering) Masked() bool { return l.masked }

// Rem is the number of lanes of the partial last vector, 0 if none.
func (l *Lowering) Rem() int { return l.k.N % l.m.Lanes() }

// DryRun reports whether this is the dry run, emitting into a scratch file.
func (l *Lowering) DryRun() bool { return l.dryRun }

// Fail records the first error of the emission.
func (l *Lowering) Fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

// Failed reports whether the emission has failed.
func (l *Lowering) Failed() bool { return l.err != nil }

// SharedSums lists the arguments of the AddToShared sinks, once each.
func (l *Lowering) SharedSums() []string {
	var out []string
	seen := map[string]bool{}
	for _, sk := range l.k.Sinks {
		if sk.Kind == kernel.AddToShared && !seen[sk.Arg] {
			seen[sk.Arg] = true
			out = append(out, sk.Arg)
		}
	}
	return out
}

// Sources lists the arguments that leaves of kind read, once each, in
// argument order.
func (l *Lowering) Sources(kind kernel.SourceKind) []string {
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

func (l *Lowering) run() {
	l.f = l.m.Begin(l, l.dryRun)
	l.f.Doc = l.k.Doc
	if l.uses == nil {
		l.uses = map[string]int{}
	}
	l.order, l.lastUse = l.k.Order()
	l.body()
}

// body emits the whole function: the prologue, the pinned invariants, the
// loop nest of k.Loop, the shared sums.
func (l *Lowering) body() {
	m, k := l.m, l.k
	done := l.f.NewLabel("done")
	m.Prologue(done)
	m.Move(Stride, TotalB)
	m.MulImm(Stride, k.N*4)
	if ep := k.Epilogue; ep != nil {
		m.Move(XStep, TotalB)
		m.MulImm(XStep, ep.In*4)
	}
	m.Frame(l)
	keys := make([]string, 0, len(l.pins))
	for key := range l.pins {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		m.Pin(l, l.invariantOf(key), l.pins[key])
	}
	if k.Loop.TileLanes > 0 {
		l.tiled()
	} else {
		l.timeOutermost()
	}
	m.Finish(l, done)
}

// invariantOf is the invariant a pin key names.
func (l *Lowering) invariantOf(key string) Invariant {
	if key[0] == 'p' {
		return Invariant{Kind: kernel.FromShared, Arg: key[2:]}
	}
	var bits uint32
	fmt.Sscanf(key[2:], "%08x", &bits)
	return Invariant{Kind: kernel.FromConst, Bits: bits}
}

// timeOutermost emits the loops over time steps, batch entries and groups
// of neurons. Row runs on from one (t, b) row to the next; in reverse it
// starts at the last time step and steps back two rows' worth after each.
func (l *Lowering) timeOutermost() {
	m, k := l.m, l.k
	m.SetImm(State, 0)
	l.firstRow()
	if k.Epilogue != nil {
		m.SetImm(XRow, 0)
	}
	m.Move(Steps, TotalT)
	step := l.f.NewLabel("step")
	l.f.Label(step)
	m.SetImm(State, 0)
	m.Move(Batch, TotalB)
	batch := l.f.NewLabel("batch")
	l.f.Label(batch)
	m.SetImm(Neuron, 0)
	l.lanes(k.N)
	if rem := l.Rem(); rem > 0 {
		m.AddImm(State, rem*4)
		m.AddImm(Row, rem*4)
	}
	if ep := k.Epilogue; ep != nil {
		m.AddImm(XRow, ep.In*4)
	}
	m.LoopBack(Batch, batch)
	if k.Reverse {
		m.Sub(Row, Stride)
		m.Sub(Row, Stride)
	}
	m.LoopBack(Steps, step)
}

// firstRow sets Row to State's lanes at the first time step: T−1 in
// reverse.
func (l *Lowering) firstRow() {
	m := l.m
	m.Move(Row, State)
	if l.k.Reverse {
		m.Move(Blocks, TotalT)
		m.AddImm(Blocks, -1)
		m.Mul(Blocks, Stride)
		m.Add(Row, Blocks)
	}
}

// tiled emits the loops over batch entries, tiles of neurons, time steps
// and the groups of a tile.
func (l *Lowering) tiled() {
	m, k := l.m, l.k
	tile := k.Loop.TileLanes
	m.SetImm(State, 0)
	m.Move(Batch, TotalB)
	batch := l.f.NewLabel("batch")
	l.f.Label(batch)
	m.SetImm(Neuron, 0)
	if full := k.N / tile; full > 0 {
		top := l.f.NewLabel("tile")
		l.f.Label(top)
		l.tile(tile, false)
		m.LoopBelow(Neuron, full*tile*4, top)
	}
	if last := k.N % tile; last > 0 {
		l.tile(last, true)
	}
	m.LoopBack(Batch, batch)
}

// tile emits the time loop over a tile of lanes neurons at the current
// offsets and leaves State and Neuron at the next tile; last says it is
// the layer's last, where the partial vector is.
func (l *Lowering) tile(lanes int, last bool) {
	m, k := l.m, l.k
	l.firstRow()
	if ep := k.Epilogue; ep != nil {
		// Row (0, b) of X: b = B − batch entries left.
		m.Move(XRow, TotalB)
		m.Sub(XRow, Batch)
		m.MulImm(XRow, ep.In*4)
	}
	m.Move(Steps, TotalT)
	step := l.f.NewLabel("step")
	l.f.Label(step)
	if last {
		l.lanes(lanes)
	} else {
		l.groups(lanes)
	}
	// Back to the tile's first lane, on to the next time step.
	back := -(lanes / l.m.Lanes() * l.m.Lanes() * 4)
	m.AddImm(State, back)
	m.AddImm(Neuron, back)
	m.AddImm(Row, back)
	if k.Reverse {
		m.Sub(Row, Stride)
	} else {
		m.Add(Row, Stride)
	}
	if k.Epilogue != nil {
		m.Add(XRow, XStep)
	}
	m.LoopBack(Steps, step)
	m.AddImm(State, lanes*4)
	m.AddImm(Neuron, lanes*4)
}

// lanes emits one time step of lanes neurons from the current offsets,
// the partial last vector included; groups advance the offsets, the
// partial vector does not.
func (l *Lowering) lanes(lanes int) {
	l.groups(lanes)
	if lanes%l.m.Lanes() > 0 {
		l.masked = true
		l.group(1)
		l.masked = false
	}
}

// groups emits one time step of the whole vectors of lanes neurons: a
// loop over groups of u vectors, then single vectors.
func (l *Lowering) groups(lanes int) {
	w := l.m.Lanes()
	groups := lanes / (l.u * w)
	if groups > 0 {
		l.m.SetImm(Blocks, groups)
		top := l.f.NewLabel("group")
		l.f.Label(top)
		l.group(l.u)
		l.m.LoopBack(Blocks, top)
	}
	for range (lanes - groups*l.u*w) / w {
		l.group(1)
	}
}

// group emits one time step of u vectors of neurons (u = 1 when masked)
// and advances the offsets past them (unless masked).
func (l *Lowering) group(u int) {
	saved := l.u
	l.u = u
	defer func() { l.u = saved }()
	l.free = make([]bool, l.m.PoolSize()-len(l.pins))
	for i := range l.free {
		l.free[i] = true
	}
	l.regs = map[*ir.Value][]Vec{}
	l.invariants = map[*ir.Value]Invariant{}
	l.m.BeginGroup(l)
	l.step()
	if !l.masked {
		width := u * l.m.Lanes() * 4
		l.m.AddImm(State, width)
		l.m.AddImm(Neuron, width)
		l.m.AddImm(Row, width)
	}
}

// step emits one time step of the group: every live value, each argument
// released after its last use; the sinks; the next states.
func (l *Lowering) step() {
	for i, v := range l.order {
		l.value(v, i)
		if l.err != nil {
			return
		}
		for _, a := range v.Args {
			if l.lastUse[a] == i {
				l.release(a)
			}
		}
	}
	m := l.m
	for _, sk := range l.k.Sinks {
		switch sk.Kind {
		case kernel.ToSeq:
			m.Store(l, sk.Arg, Row, sk.Value)
		case kernel.ToSeqIfSet:
			skip := l.f.NewLabel("unset")
			m.JumpIfNil(sk.Arg, skip)
			m.Store(l, sk.Arg, Row, sk.Value)
			l.f.Label(skip)
		case kernel.AddToSeq:
			m.AddTo(l, sk.Arg, Row, sk.Value)
		case kernel.AddToPerNeuron:
			m.AddTo(l, sk.Arg, Neuron, sk.Value)
		case kernel.AddToShared:
			m.Accumulate(l, sk.Arg, sk.Value)
		}
	}
	for _, st := range l.k.States {
		m.Store(l, st.Arg, State, st.Next)
	}
	for v := range l.regs {
		l.release(v)
	}
}

// value computes v into registers, or notes it as an invariant.
func (l *Lowering) value(v *ir.Value, i int) {
	k := l.k
	if ep := k.Epilogue; ep != nil && v == ep.Input {
		if d := l.Alloc(); d != nil {
			l.regs[v] = d
			l.m.Epilogue(l, ep, d)
		}
		return
	}
	if src, ok := k.Leaves[v]; ok {
		switch src.Kind {
		case kernel.FromState, kernel.FromSeq:
			rs := l.Alloc()
			if rs == nil {
				return
			}
			arg, off := src.Arg, Row
			if src.Kind == kernel.FromState {
				arg, off = k.States[src.State].Arg, State
			}
			l.m.Load(l, arg, off, rs)
			l.regs[v] = rs
		case kernel.FromPerNeuron, kernel.FromShared:
			l.invariants[v] = Invariant{Kind: src.Kind, Arg: src.Arg}
		case kernel.FromConst:
			l.invariants[v] = Const(float32(src.Const))
		}
		return
	}
	if v.Op.IsLeaf() {
		l.Fail(fmt.Errorf("kernel %s: %s has no source", k.Name, v.LongString()))
		return
	}
	// The arguments' registers, taken before dying ones are released.
	argRegs := make([][]Vec, len(v.Args))
	for a, x := range v.Args {
		argRegs[a] = l.regs[x]
	}
	if l.m.InPlace(v.Op) {
		for _, a := range v.Args {
			if l.lastUse[a] == i {
				l.release(a)
			}
		}
	}
	d := l.Alloc()
	if d == nil {
		return
	}
	l.regs[v] = d
	l.m.Op(l, v, d, func(a, j, s int) asm.Operand {
		if argRegs[a] != nil {
			return l.Reg(argRegs[a][j])
		}
		return l.Operand(v.Args[a], j, s)
	})
}

// Regs returns v's registers, or nil if v is an invariant.
func (l *Lowering) Regs(v *ir.Value) []Vec { return l.regs[v] }

// Reg is register r as an operand: the machine's register numbered r.
func (l *Lowering) Reg(r Vec) asm.Operand { return l.m.Reg(r) }

// Operand returns v's j-th vector: its register, its pinned register, or
// what the machine reads an invariant from (scratch register s, if it
// must be loaded).
func (l *Lowering) Operand(v *ir.Value, j, s int) asm.Operand {
	if r, ok := l.regs[v]; ok {
		return l.Reg(r[j])
	}
	z, ok := l.invariants[v]
	if !ok {
		l.Fail(fmt.Errorf("kernel %s: %s is not computed", l.k.Name, v.LongString()))
		return l.Reg(0)
	}
	return l.Invariant(z, j, s)
}

// Invariant returns invariant z's j-th vector: its pinned register, or
// what the machine reads it from, counted for pinning.
func (l *Lowering) Invariant(z Invariant, j, s int) asm.Operand {
	if r, ok := l.Pinned(z); ok {
		return l.Reg(r)
	}
	return l.m.Invariant(l, z, j, s)
}

// Pinned returns the register invariant z is pinned in, or counts a read
// of z for pinning and returns false.
func (l *Lowering) Pinned(z Invariant) (Vec, bool) {
	key := z.Key()
	if key == "" {
		return 0, false
	}
	if r, ok := l.pins[key]; ok {
		return r, true
	}
	l.uses[key]++
	return 0, false
}

// Alloc takes u registers for a value, or fails with ErrNoRegs.
func (l *Lowering) Alloc() []Vec {
	rs := make([]Vec, l.u)
	for j := range rs {
		rs[j] = l.Temp()
		if l.err != nil {
			return nil
		}
	}
	return rs
}

// Temp takes the lowest free pool register. With the lowest always taken,
// the highest register in use is the number in use, so the registers the
// dry run's peak leaves free are the top ones.
func (l *Lowering) Temp() Vec {
	for i, ok := range l.free {
		if ok {
			l.free[i] = false
			l.peak = max(l.peak, i+1)
			return Vec(i)
		}
	}
	l.Fail(fmt.Errorf("kernel %s: %w: %w", l.k.Name, l.m.Unsupported(), ErrNoRegs))
	return 0
}

// Free gives pool register r back; other registers are ignored.
func (l *Lowering) Free(r Vec) {
	if int(r) < len(l.free) {
		l.free[r] = true
	}
}

// release frees v's registers.
func (l *Lowering) release(v *ir.Value) {
	rs, ok := l.regs[v]
	if !ok {
		return
	}
	delete(l.regs, v)
	for _, r := range rs {
		l.Free(r)
	}
}
