// Package rt is the runtime of generated model packages: the float32
// kernels that are the same for every model (dense products, convolution,
// pooling, the fused multiply-add). snnc compile copies these files into
// each generated package, renaming the package, so a generated package
// depends on nothing but the standard library and cpuid.
//
// The kernels follow the order of operations of the interpreter's float32
// mode (backend/interp): a dot product starts from the bias and takes one
// fused multiply-add per term in order of the input index; pooling rounds
// after every addition. Forward results therefore equal the interpreter's
// bit for bit. Backward kernels accumulate in the order that suits them and
// match the interpreter within rounding.
//
// Names are unexported because they become part of the generated package.
package rt
