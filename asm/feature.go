package asm

import (
	"math/bits"
	"strings"
)

// A Feature is an optional instruction-set extension an instruction needs.
// Its String is the name of the matching github.com/klauspost/cpuid/v2
// FeatureID constant, so generated dispatch code can spell
// cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) from it.
type Feature uint8

// The features the amd64 instructions of this package can need. (Baseline
// amd64 — SSE2 — needs none.)
const (
	AVX Feature = iota
	AVX2
	FMA3
	BMI1
	BMI2
	POPCNT
	LZCNT
	AVX512F
	AVX512VL
	AVX512DQ
	AVX512BW
	numFeatures
)

var featureNames = [numFeatures]string{
	AVX: "AVX", AVX2: "AVX2", FMA3: "FMA3", BMI1: "BMI1", BMI2: "BMI2",
	POPCNT: "POPCNT", LZCNT: "LZCNT", AVX512F: "AVX512F", AVX512VL: "AVX512VL",
	AVX512DQ: "AVX512DQ", AVX512BW: "AVX512BW",
}

// String returns the cpuid/v2 name of f, e.g. "FMA3".
func (f Feature) String() string {
	if f < numFeatures {
		return featureNames[f]
	}
	return "Feature(?)"
}

// Features is a set of Features.
type Features uint32

// FeatureSet returns the set of the given features.
func FeatureSet(fs ...Feature) Features {
	var s Features
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// Has reports whether f is in s.
func (s Features) Has(f Feature) bool { return s&(1<<f) != 0 }

// List returns the features of s in a fixed order (AVX, AVX2, FMA3, BMI1,
// …, AVX512F, AVX512VL, AVX512DQ, AVX512BW).
func (s Features) List() []Feature {
	var fs []Feature
	for s != 0 {
		f := Feature(bits.TrailingZeros32(uint32(s)))
		fs = append(fs, f)
		s &^= 1 << f
	}
	return fs
}

// String returns the features as a comma-separated list, "AVX, AVX2, FMA3",
// or "" for the empty set.
func (s Features) String() string {
	names := make([]string, 0, bits.OnesCount32(uint32(s)))
	for _, f := range s.List() {
		names = append(names, f.String())
	}
	return strings.Join(names, ", ")
}

// implied returns s with what every CPU having s also has. AVX2 and FMA3
// imply AVX; every AVX-512 feature implies AVX512F; AVX512F implies AVX2
// and FMA3 (no CPU has AVX-512 without them).
func (s Features) implied() Features {
	if s&FeatureSet(AVX512VL, AVX512DQ, AVX512BW) != 0 {
		s |= FeatureSet(AVX512F)
	}
	if s.Has(AVX512F) {
		s |= FeatureSet(AVX2, FMA3)
	}
	if s&FeatureSet(AVX2, FMA3) != 0 {
		s |= FeatureSet(AVX)
	}
	return s
}
