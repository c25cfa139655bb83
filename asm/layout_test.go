package asm_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/snnc/snnc/asm"
)

// TestABI0 checks argument frames against what go vet's asmdecl expects.
// The first cases are TEXT lines of the Go tree (runtime, internal/runtime/atomic,
// math/big), which vet checks on every build of Go.
func TestABI0(t *testing.T) {
	p := asm.P
	for _, tc := range []struct {
		name    string
		sig     asm.Signature
		argSize int
		offsets string // "name@offset/size ..." in frame order
	}{
		{
			name:    "runtime.exit", // TEXT runtime·exit(SB),NOSPLIT,$0-4
			sig:     asm.Sig(p("code", asm.Int32)),
			argSize: 4,
			offsets: "code@0/4",
		},
		{
			name:    "runtime.open", // TEXT runtime·open(SB),NOSPLIT,$0-20
			sig:     asm.Sig(p("name", asm.Pointer("byte")), p("mode", asm.Int32), p("perm", asm.Int32)).Returns(p("", asm.Int32)),
			argSize: 20,
			offsets: "name@0/8 mode@8/4 perm@12/4 ret@16/4",
		},
		{
			name:    "runtime.write1", // $0-28
			sig:     asm.Sig(p("fd", asm.Uintptr), p("p", asm.UnsafePointer), p("n", asm.Int32)).Returns(p("", asm.Int32)),
			argSize: 28,
			offsets: "fd@0/8 p@8/8 n@16/4 ret@24/4",
		},
		{
			name:    "atomic.Cas", // $0-17
			sig:     asm.Sig(p("ptr", asm.PointerTo(asm.Uint32)), p("old", asm.Uint32), p("new", asm.Uint32)).Returns(p("", asm.Bool)),
			argSize: 17,
			offsets: "ptr@0/8 old@8/4 new@12/4 ret@16/1",
		},
		{
			name:    "atomic.Store8", // $0-9
			sig:     asm.Sig(p("ptr", asm.PointerTo(asm.Uint8)), p("val", asm.Uint8)),
			argSize: 9,
			offsets: "ptr@0/8 val@8/1",
		},
		{
			name:    "big.addVV", // func addVV(z, x, y []Word) (c Word): $0-80
			sig:     asm.Sig(p("z", asm.SliceOf(asm.Uint)), p("x", asm.SliceOf(asm.Uint)), p("y", asm.SliceOf(asm.Uint))).Returns(p("c", asm.Uint)),
			argSize: 80,
			offsets: "z_base@0/8 z_len@8/8 z_cap@16/8 x_base@24/8 x_len@32/8 x_cap@40/8 y_base@48/8 y_len@56/8 y_cap@64/8 c@72/8",
		},
		{
			name:    "float32 then slices",
			sig:     asm.Sig(p("a", asm.Float32), p("x", asm.SliceFloat32), p("y", asm.SliceFloat32)),
			argSize: 56,
			offsets: "a@0/4 x_base@8/8 x_len@16/8 x_cap@24/8 y_base@32/8 y_len@40/8 y_cap@48/8",
		},
		{
			name:    "slice then scalars",
			sig:     asm.Sig(p("x", asm.SliceFloat32), p("n", asm.Int), p("a", asm.Float32)),
			argSize: 36,
			offsets: "x_base@0/8 x_len@8/8 x_cap@16/8 n@24/8 a@32/4",
		},
		{
			name:    "small scalars packed",
			sig:     asm.Sig(p("b", asm.Byte), p("h", asm.Int16), p("u", asm.Uint32), p("f", asm.Float32), p("d", asm.Float64)),
			argSize: 24,
			offsets: "b@0/1 h@2/2 u@4/4 f@8/4 d@16/8",
		},
		{
			name:    "results aligned to 8",
			sig:     asm.Sig(p("a", asm.Float32)).Returns(p("", asm.Float32), p("", asm.Int)),
			argSize: 24,
			offsets: "a@0/4 ret@8/4 ret1@16/8",
		},
		{
			name:    "no params",
			sig:     asm.Sig().Returns(p("", asm.Int)),
			argSize: 8,
			offsets: "ret@0/8",
		},
		{
			name:    "empty",
			sig:     asm.Sig(),
			argSize: 0,
			offsets: "",
		},
		{
			name:    "string",
			sig:     asm.Sig(p("s", asm.String), p("b", asm.Bool)),
			argSize: 17,
			offsets: "s_base@0/8 s_len@8/8 b@16/1",
		},
		{
			name:    "kernel signature",
			sig:     asm.Sig(p("T", asm.Int), p("B", asm.Int), p("x0", asm.SliceFloat32), p("y", asm.SliceFloat32), p("s0", asm.SliceFloat32)),
			argSize: 88,
			offsets: "T@0/8 B@8/8 x0_base@16/8 x0_len@24/8 x0_cap@32/8 y_base@40/8 y_len@48/8 y_cap@56/8 s0_base@64/8 s0_len@72/8 s0_cap@80/8",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := asm.ABI0(tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range l.Vars {
				got = append(got, v.Name+"@"+strconv.Itoa(v.Offset)+"/"+strconv.Itoa(v.Size))
			}
			if s := strings.Join(got, " "); s != tc.offsets {
				t.Errorf("vars\n got %s\nwant %s", s, tc.offsets)
			}
			if l.ArgSize != tc.argSize {
				t.Errorf("argsize %d, want %d", l.ArgSize, tc.argSize)
			}
		})
	}
}

func TestABI0Errors(t *testing.T) {
	p := asm.P
	for _, tc := range []struct {
		name string
		sig  asm.Signature
		want string
	}{
		{"unnamed param", asm.Sig(p("", asm.Int)), "parameter 0 is unnamed"},
		{"blank param", asm.Sig(p("_", asm.Int)), "not a usable identifier"},
		{"duplicate", asm.Sig(p("x", asm.Int), p("x", asm.Float32)), "duplicate argument name x"},
		{"component clash", asm.Sig(p("x", asm.SliceFloat32), p("x_len", asm.Int)), "duplicate argument name x_len"},
		{"mixed results", asm.Sig().Returns(p("a", asm.Int), p("", asm.Int)), "all named or all unnamed"},
		{"zero type", asm.Sig(p("x", asm.Type{})), "invalid (zero) type"},
		{"result named like param", asm.Sig(p("ret", asm.Int)).Returns(p("", asm.Int)), "duplicate argument name ret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := asm.ABI0(tc.sig)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSignatureGoString(t *testing.T) {
	p := asm.P
	for _, tc := range []struct {
		sig  asm.Signature
		want string
	}{
		{asm.Sig(), "()"},
		{asm.Sig(p("a", asm.Float32), p("x", asm.SliceFloat32), p("y", asm.SliceFloat32)), "(a float32, x, y []float32)"},
		{asm.Sig(p("x", asm.SliceFloat32)).Returns(p("", asm.Float32)), "(x []float32) float32"},
		{asm.Sig().Returns(p("", asm.Int), p("", asm.Bool)), "() (int, bool)"},
		{asm.Sig(p("p", asm.Pointer("LIFParams"))).Returns(p("n", asm.Int), p("m", asm.Int)), "(p *LIFParams) (n, m int)"},
	} {
		if got := tc.sig.GoString(); got != tc.want {
			t.Errorf("GoString = %q, want %q", got, tc.want)
		}
	}
}
