// Package neuro is snnc's neuromorphic backend: it quantizes a float
// network to a chip's integer formats, maps it onto the chip's cores within
// their limits, emulates the chip's integer dynamics bit for bit and exports
// the result in the vendor toolchain's own format.
//
// Chips are described as data (testdata/targets/*.json, schema
// "snnc.target/v0", docs/targets.md §6), read by [LoadTarget] or
// [BuiltinTarget]. Three integer datapaths are implemented, each following
// the vendor's bit-accurate reference code:
//
//   - [LavaLIF] and [LavaDense]: Loihi 2 CUBA LIF and Dense synapses as
//     Lava's PyLifModelBitAcc and PyDenseModelBitAcc compute them
//     (mantissa12 decays truncated toward zero, u wraps once by ±2^24, v
//     saturates at ±(2^23−1), strict threshold, reset to 0, one step of
//     delay per Dense hop);
//   - [XyloNet]: the Xylo Audio 2 core as xylosim v2 computes it (int8
//     weights shifted into int16, bit-shift decays that remove at least one
//     LSB, int16 saturation after every spike, the int16 wrap of −decay(v),
//     at most 15 input and 31 hidden spikes per step, subtractive reset);
//   - TrueNorth's deterministic linear-leak neuron is described by its
//     target file and checked by the mapper, but has no emulator yet.
//
// [Compile] turns a graph built by package module (or imported from NIR)
// into a [Program]: per-layer integer parameters, a [QuantReport] of what
// was clipped or rounded, and a [Mapping] of neurons onto cores. A network
// that does not fit fails with a [*LimitError] naming the limit and the
// layer. [Program.Run] emulates the integer network and [Compare] runs it
// next to the float interpreter.
//
// The chip reference traces (../shared/reference/neuro, or the directory in
// SNNC_CHIP_REF) are the ground truth for the emulators: TestChipTraces
// replays every one of them.
package neuro
