package neuro

import (
	"fmt"
	"math"
)

// roundHalfEven is numpy's and torch's round: ties go to the even integer.
// math.Round (ties away from zero) would not match the vendor toolchains.
func roundHalfEven(x float64) float64 { return math.RoundToEven(x) }

// toInt rounds half to even and clamps into [lo, hi], saying whether it
// had to clamp. NaN clamps to 0.
func toInt(x float64, lo, hi int64) (int64, bool) {
	r := roundHalfEven(x)
	switch {
	case math.IsNaN(r):
		return 0, true
	case r < float64(lo):
		return lo, true
	case r > float64(hi):
		return hi, true
	}
	return int64(r), false
}

// WeightStats is what quantizing one weight matrix did.
type WeightStats struct {
	Count   int     // weights
	NonZero int     // non-zero float weights
	Clipped int     // weights beyond the representable range
	Zeroed  int     // non-zero weights that became 0
	MaxAbs  float64 // largest |w| (float)
	MaxErr  float64 // largest |w − ŵ|, ŵ the float value of the integer weight
	RMSErr  float64 // root-mean-square error over all weights
}

// RelErr is the RMS error relative to the largest weight.
func (s WeightStats) RelErr() float64 {
	if s.MaxAbs == 0 {
		return 0
	}
	return s.RMSErr / s.MaxAbs
}

func (s *WeightStats) add(w, back float64, clipped bool) {
	s.Count++
	if w != 0 {
		s.NonZero++
		if back == 0 {
			s.Zeroed++
		}
	}
	if clipped {
		s.Clipped++
	}
	s.MaxAbs = max(s.MaxAbs, math.Abs(w))
	e := math.Abs(w - back)
	s.MaxErr = max(s.MaxErr, e)
	s.RMSErr += e * e // summed here, rooted in finish
}

func (s *WeightStats) finish() {
	if s.Count > 0 {
		s.RMSErr = math.Sqrt(s.RMSErr / float64(s.Count))
	}
}

// LayerQuant reports one layer's integer parameters and what they cost.
type LayerQuant struct {
	Layer     string
	Kind      NeuronKind
	N         int
	Scale     float64  // state units per float unit of voltage
	Params    []string // "du=818", "dv=410", "vth=4096", ... in display order
	FF, Rec   *WeightStats
	BiasClip  int
	Threshold struct {
		Float, Back float64 // θ and the float value of its integer form
		Clipped     bool
	}
	Notes []string // approximations the target forces, in words
}

// QuantReport is the quantization of a whole network.
type QuantReport struct {
	Target string
	Layers []LayerQuant
	Notes  []string
}

func (q *LayerQuant) note(format string, args ...any) {
	q.Notes = append(q.Notes, fmt.Sprintf(format, args...))
}
