package asm

import (
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// An Arch is a target architecture: its GOARCH and what the shared core
// needs to know about its assembly.
type Arch struct {
	// Name is the GOARCH, e.g. "amd64".
	Name string
	// terminators are the mnemonics after which control does not fall
	// through (a function must end with one).
	terminators map[string]bool
}

// String returns the GOARCH.
func (a *Arch) String() string { return a.Name }

// An Operand is anything an instruction takes: registers, memory,
// immediates, argument references, labels. Its String is its Go assembly
// spelling.
type Operand interface {
	String() string
}

// Imm is an immediate operand, printed "$n".
type Imm int64

// String returns "$n".
func (i Imm) String() string { return fmt.Sprintf("$%d", int64(i)) }

// A Label names a position in a function, the target of jumps. Labels are
// local to their function (Go assembler rule). Make unique ones with
// Func.NewLabel; a plain conversion Label("loop") works too.
type Label string

// String returns the label's name.
func (l Label) String() string { return string(l) }

// An Arg references a variable of the function's argument frame through the
// FP pseudo-register: "x_base+8(FP)". Get one from Func.Arg; go vet checks
// both the name and the offset against the stub's signature.
type Arg struct {
	v ArgVar
}

// String returns "name+offset(FP)".
func (a Arg) String() string { return fmt.Sprintf("%s+%d(FP)", a.v.Name, a.v.Offset) }

// Var describes the referenced variable.
func (a Arg) Var() ArgVar { return a.v }

// A Sym references static read-only data of the file, declared with
// File.Data: "name<>+off(SB)".
type Sym struct {
	name string
	off  int
}

// String returns "name<>+off(SB)".
func (s Sym) String() string {
	if s.off == 0 {
		return s.name + "<>(SB)"
	}
	return fmt.Sprintf("%s<>%+d(SB)", s.name, s.off)
}

// Offset returns the reference d bytes further into the data.
func (s Sym) Offset(d int) Sym { s.off += d; return s }

// An Inst is one instruction of a function. Builders return it so that
// modifiers (AVX-512 masking, a comment) can be chained:
//
//	f.VMOVUPS(Ptr(SI), Z0).MaskZ(K1).Comment("tail")
//
// Its exported fields are for inspection; change an instruction only
// through its methods, which re-check it.
type Inst struct {
	Op     string    // mnemonic, e.g. "VFMADD231PS"
	Suffix string    // e.g. ".Z", ".BCST" (AVX-512)
	Args   []Operand // in Go order: sources first, destination last
	// Opmask is the AVX-512 opmask, printed just before the last operand,
	// or nil.
	Opmask Operand

	comment   string
	fn        *Func
	feat      Features
	vinfo     *vecInfo // amd64 vector instructions: encoding facts
	forceEVEX bool     // an operand only the EVEX form takes (VPBROADCASTD AX, …)
	zeroing   bool     // AVX-512 zeroing-masking (".Z")
	bcst      bool     // AVX-512 embedded broadcast (".BCST")
}

// Comment sets a trailing comment, printed after the instruction.
func (in *Inst) Comment(text string) *Inst {
	in.comment = strings.ReplaceAll(text, "\n", " ")
	return in
}

// Features returns the instruction-set extensions the instruction needs.
func (in *Inst) Features() Features { return in.feat }

// String returns the instruction as it is printed, without comment.
func (in *Inst) String() string {
	args := make([]string, 0, len(in.Args)+1)
	for i, a := range in.Args {
		if in.Opmask != nil && i == len(in.Args)-1 {
			args = append(args, in.Opmask.String())
		}
		if a == nil {
			args = append(args, "<nil>")
			continue
		}
		args = append(args, a.String())
	}
	if len(args) == 0 {
		return in.Op + in.Suffix
	}
	return in.Op + in.Suffix + " " + strings.Join(args, ", ")
}

// dst returns the destination operand (the last), or nil.
func (in *Inst) dst() Operand {
	if len(in.Args) == 0 {
		return nil
	}
	return in.Args[len(in.Args)-1]
}

// line is one line of a function body: an instruction, a label or a
// comment.
type line struct {
	inst    *Inst
	label   Label
	comment string
}

// A Func is an assembly function under construction: its name, Go
// signature and argument frame, its body, and the errors found while
// building it. Arch-specific builders (AMD64Func) embed it and add the
// instructions.
//
// Misuse of the builder — a wrong operand kind, a memory-to-memory move, an
// AVX-512 mask on an AVX2-only instruction, an unknown argument name, a
// label placed twice — does not panic: the Func records an error naming
// the caller's file:line and the instruction, keeps building, and Err (and
// File.WriteAsm) return all of them. Only constructors of values without a
// Func to report to (X(40), KReg(9)) panic.
type Func struct {
	// Doc is the doc comment of the Go stub, without "//" (may be several
	// lines). It should describe the function as the Go loop it computes.
	Doc string
	// Flags are the TEXT flags; NOSPLIT by default. Frames of NOSPLIT
	// functions must stay small (a few hundred bytes).
	Flags string

	name      string
	sig       Signature
	layout    *Layout
	arch      *Arch
	file      *File
	frameSize int
	body      []line
	errs      []error
	placed    map[Label]bool
	used      map[Label]string // label → where first used
	issued    map[Label]bool
	isa       Features
	isaSet    bool
	extra     Features
}

func newFunc(file *File, arch *Arch, name string, sig Signature) *Func {
	f := &Func{
		Flags:  "NOSPLIT",
		name:   name,
		sig:    sig,
		arch:   arch,
		file:   file,
		placed: map[Label]bool{},
		used:   map[Label]string{},
		issued: map[Label]bool{},
	}
	if !token.IsIdentifier(name) {
		f.errorf("function name %q is not a Go identifier", name)
	}
	l, err := ABI0(sig)
	if err != nil {
		f.errorf("signature: %v", err)
		l = &Layout{}
	}
	f.layout = l
	return f
}

// Name returns the function's name (the TEXT symbol and the stub's name).
func (f *Func) Name() string { return f.name }

// Signature returns the function's Go signature.
func (f *Func) Signature() Signature { return f.sig }

// Layout returns the function's ABI0 argument frame.
func (f *Func) Layout() *Layout { return f.layout }

// Arch returns the function's target architecture.
func (f *Func) Arch() *Arch { return f.arch }

// FrameSize returns the size of the local frame (see AllocLocal).
func (f *Func) FrameSize() int { return f.frameSize }

// Arg returns the reference to the argument-frame variable called name, in
// go vet's naming: "n", "x_base", "x_len", "x_cap", "ret". Naming a slice
// or string parameter itself is an error (say which word you mean).
func (f *Func) Arg(name string) Arg {
	v, ok := f.layout.Var(name)
	if !ok {
		if _, isSlice := f.layout.Var(name + "_base"); isSlice {
			f.errorf("argument %s is a slice or string: use %s_base, %s_len or %s_cap", name, name, name, name)
		} else {
			f.errorf("no argument %s in func %s%s", name, f.name, f.sig.GoString())
		}
		return Arg{v: ArgVar{Name: name}}
	}
	return Arg{v: v}
}

// SetISA declares the instruction-set extensions the function may use, for
// example SetISA(AVX2, FMA3) for a kernel dispatched on those. Using an
// instruction or register that needs more (a Z register, a K mask, X16…)
// is then an error. AVX2 and FMA3 include AVX, and AVX-512 features
// include AVX512F, AVX2, FMA3 and AVX. Without SetISA anything goes, and
// Requires reports what was used.
func (f *Func) SetISA(features ...Feature) {
	f.isa = FeatureSet(features...)
	f.isaSet = true
	for _, l := range f.body {
		if l.inst != nil {
			f.checkISA(l.inst)
		}
	}
}

// Require adds features to the function's requirements, for instructions
// emitted with Raw.
func (f *Func) Require(features ...Feature) { f.extra |= FeatureSet(features...) }

// Requires returns the features the function's instructions need: the
// "// Requires:" line of the stub and the .s file, and what dispatch code
// must check before calling it.
func (f *Func) Requires() Features {
	s := f.extra
	for _, l := range f.body {
		if l.inst != nil {
			s |= l.inst.feat
		}
	}
	return s
}

func (f *Func) checkISA(in *Inst) {
	if !f.isaSet {
		return
	}
	if missing := in.feat &^ f.isa.implied(); missing != 0 {
		f.errorf("%s needs %s, outside the function's ISA (%s)", in, missing, f.isa)
	}
}

// NewLabel returns a label named prefix that no other NewLabel call of f
// returned: "loop", then "loop1", "loop2", …. Place it with Label.
func (f *Func) NewLabel(prefix string) Label {
	l := Label(prefix)
	for i := 1; f.issued[l]; i++ {
		l = Label(fmt.Sprintf("%s%d", prefix, i))
	}
	f.issued[l] = true
	return l
}

// Label places l at the current position.
func (f *Func) Label(l Label) {
	if !token.IsIdentifier(string(l)) {
		f.errorf("label %q is not an identifier", l)
	}
	if f.placed[l] {
		f.errorf("label %s placed twice", l)
	}
	f.placed[l] = true
	f.issued[l] = true
	f.body = append(f.body, line{label: l})
}

// Comment adds a comment line to the body.
func (f *Func) Comment(text string) {
	for _, s := range strings.Split(text, "\n") {
		f.body = append(f.body, line{comment: s})
	}
}

// Raw appends an instruction without any check, for mnemonics the builder
// does not know yet. Declare its features with Require.
func (f *Func) Raw(op string, args ...Operand) *Inst {
	return f.add(&Inst{Op: op, Args: args})
}

// add appends in to the body.
func (f *Func) add(in *Inst) *Inst {
	in.fn = f
	for _, a := range in.Args {
		if l, ok := a.(Label); ok {
			if _, seen := f.used[l]; !seen {
				f.used[l] = callerPos()
			}
		}
	}
	f.checkISA(in)
	f.body = append(f.body, line{inst: in})
	return in
}

// Insts returns the function's instructions in order, e.g. for tests that
// check a kernel uses some instruction. Do not modify them.
func (f *Func) Insts() []*Inst {
	var ins []*Inst
	for _, l := range f.body {
		if l.inst != nil {
			ins = append(ins, l.inst)
		}
	}
	return ins
}

// reserveFrame reserves size bytes aligned to align in the local frame and
// returns their offset.
func (f *Func) reserveFrame(size, align int) int {
	if align <= 0 {
		align = 1
	}
	if align > ptrSize {
		f.errorf("local alignment %d: the Go stack is only %d-byte aligned (use unaligned moves)", align, ptrSize)
		align = ptrSize
	}
	if size <= 0 {
		f.errorf("local of size %d", size)
		size = 1
	}
	off := alignUp(f.frameSize, align)
	f.frameSize = alignUp(off+size, ptrSize)
	return off
}

// errorf records a builder error at the caller's position.
func (f *Func) errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Errorf("asm: %s: %s: %s", f.name, callerPos(), fmt.Sprintf(format, args...)))
}

// callerPos returns file:line of the first caller outside this package.
func callerPos() string {
	pcs := make([]uintptr, 16)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		fr, more := frames.Next()
		if !strings.HasPrefix(fr.Function, thisPackage+".") {
			return fmt.Sprintf("%s:%d", filepath.Base(fr.File), fr.Line)
		}
		if !more {
			return "?"
		}
	}
}

const thisPackage = "github.com/snnc/snnc/asm"

// Err returns the errors found while building f, and those only visible
// once it is complete: jumps to labels never placed, a body that does not
// end in RET or JMP, results never written. It returns nil if f is ready
// to print.
func (f *Func) Err() error {
	errs := append([]error(nil), f.errs...)
	final := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("asm: %s: %s", f.name, fmt.Sprintf(format, args...)))
	}
	var missing []string
	for l, pos := range f.used {
		if !f.placed[l] {
			missing = append(missing, fmt.Sprintf("%s: jump to label %s, which is never placed", pos, l))
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		final("%s", m)
	}
	var last *Inst
	written := map[string]bool{}
	for _, l := range f.body {
		if l.inst == nil {
			continue
		}
		last = l.inst
		if a, ok := l.inst.dst().(Arg); ok {
			written[a.v.Name] = true
		}
	}
	if last == nil || !f.arch.terminators[last.Op] {
		final("body does not end with RET or JMP; it would run into the next function")
	}
	for _, v := range f.layout.Vars {
		if v.Result && !written[v.Name] {
			final("result %s is never written", v.Name)
		}
	}
	return errors.Join(errs...)
}
