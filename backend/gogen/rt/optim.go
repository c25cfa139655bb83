package rt

import "math"

// adamLanes is the values the assembly adamUpdate takes at a time
// (backend/amd64.AdamLanes).
const adamLanes = 8

// adamUpdate is Adam's update of the values p with their gradients g and
// moments first and second, c holding β1, 1−β1, β2, 1−β2, the step, the
// root and ε: in float64, one operation at a time (the assembly twins do
// the same, adamLanes values at a time, bit for bit on amd64).
func adamUpdate(p, g, first, second []float32, c []float64) {
	b1, c1, b2, c2, step, root, eps := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
	g, first, second = g[:len(p)], first[:len(p)], second[:len(p)]
	for j := range p {
		gj := float64(g[j])
		a := b1*float64(first[j]) + c1*gj
		b := b2*float64(second[j]) + c2*gj*gj
		first[j], second[j] = float32(a), float32(b)
		p[j] = float32(float64(p[j]) - step*a/(math.Sqrt(b)*root+eps))
	}
}
