package gogen

import (
	"fmt"

	"github.com/snnc/snnc/backend/amd64"
	"github.com/snnc/snnc/ir"
)

// perEntry is a State buffer that carries state from one call to the next,
// [steps][B][width]: what a goroutine working on part of the batch must
// be given before the call and give back after it.
type perEntry struct {
	field        string
	steps, width int
}

// inPlaceInput reports whether the parts of a split batch read their rows
// of the caller's x in place instead of gathering them: when the input is
// declared spikes and only event-driven products (not fused into a neuron
// kernel) read it, which take rows of any stride per time step.
func (gen *generator) inPlaceInput() bool {
	if !gen.input.Spikes {
		return false
	}
	live := gen.liveNodes()
	for _, n := range gen.g.Nodes {
		if !live[n] {
			continue
		}
		for _, a := range n.Args {
			if a == gen.input && !(n.Op == ir.GLinear && n.Sched.SpikeInput && !n.Sched.Epilogue && n.Args[0] == gen.input) {
				return false
			}
		}
	}
	return true
}

// listInput reports whether the products reading the network input run
// from spike lists (rt/lists.go): they read it in place (inPlaceInput),
// and each has a multiple of amd64.ListCols outputs. The check of the
// input then lists its spikes; kernel sets without the lists kernels (nil
// in the table) check it and run the products row by row.
func (gen *generator) listInput() bool {
	if !gen.inPlaceInput() {
		return false
	}
	live, found := gen.liveNodes(), false
	for _, n := range gen.g.Nodes {
		if live[n] && gen.readsInputInPlace(n) {
			if n.Args[1].Type.Shape[0]%amd64.ListCols != 0 {
				return false
			}
			found = true
		}
	}
	return found
}

// tilesField is the Model field of node n's weights in the tiles of the
// spike lists' product (blockWeights).
func tilesField(n *ir.Node) string { return fmt.Sprintf("tiles%d", n.ID) }

// readsInputInPlace reports whether node n is a product reading the
// network input in place (see inPlaceInput).
func (gen *generator) readsInputInPlace(n *ir.Node) bool {
	return n.Op == ir.GLinear && len(n.Args) > 0 && n.Args[0] == gen.input && gen.inPlaceInput()
}

// carried lists the State buffers that carry state between calls: neuron
// states, a recurrent layer's last output, delay lines.
func (gen *generator) carried(l map[*ir.Node]bool) []perEntry {
	var c []perEntry
	for _, n := range gen.g.Nodes {
		if !l[n] {
			continue
		}
		for _, b := range gen.stateBufs(n) {
			if b.carried {
				c = append(c, perEntry{b.field, b.steps, b.width})
			}
		}
	}
	return c
}

// threadFields writes the State fields of the batch split.
func (gen *generator) threadFields(w *src) {
	w.f("\tthreads int    // goroutines a call splits the batch over (SetThreads)\n")
	w.f("\tparts   []part // their shares of the batch, made by the first split call\n")
	if gen.opt.Train {
		w.f("\tpartsTrained bool // the last ForwardTrain ran on the parts: they hold the tapes\n")
		w.f("\tty, tdy      []float32 // TrainStep's output and its loss gradient\n")
	}
}

// threadMethods writes SetThreads and the split versions of the entry
// points: the batch is cut into contiguous ranges of entries, one per
// goroutine; each range's inputs and carried state are gathered into a
// State of its own, run there and scattered back. Batch entries never
// interact in the forward pass, so the outputs do not depend on the split;
// the parameter gradients are sums over the batch, added part by part in
// the fixed order of the parts.
func (gen *generator) threadMethods(w *src, l map[*ir.Node]bool) {
	train := gen.opt.Train
	w.f(`// part is one goroutine's share of a State's batch: entries b0 …
// b0+s.Batch()−1, in a State of their own.
type part struct {
	s    *State
	b0   int
	x, y []float32 // its rows of the input (gathered unless read in place) and the output
	err  error
`)
	if gen.input.Spikes {
		w.f("\tbad  int // its first value of x that is not a spike, as an index of x, or -1\n")
	}
	if train {
		w.f("\tdy []float32 // its rows of dL/dy\n\tg  *Grads    // its gradients\n")
	}
	w.f(`}

// SetThreads sets how many goroutines Forward, Step`)
	if train {
		w.f(", ForwardTrain, Backward\n// and TrainStep")
	}
	w.f(` split the batch of s over (NewState sets
// runtime.GOMAXPROCS(0)); a batch of B entries uses at most B. Each
// goroutine runs a contiguous range of batch entries. Outputs and neuron
// states are the same bit for bit whatever n is`)
	if train {
		w.f(`; parameter gradients are
// sums over the batch, which the goroutines add in a fixed order, so for a
// given n they do not depend on scheduling, but different n round
// differently (within float32 rounding of each other)`)
	}
	w.f(`. With n = 1 the calls run
// on the calling goroutine and allocate nothing after the first`)
	if train {
		w.f(`. It
// drops the tapes: Backward then needs a new ForwardTrain`)
	}
	w.f(`.
func (s *State) SetThreads(n int) error {
	if s == nil || !s.made {
		return errorf("SetThreads", "the State is nil or not from NewState")
	}
	if n < 1 {
		return errorf("SetThreads", "n = %%d, want n >= 1", n)
	}
	s.threads, s.parts = n, nil
`)
	if train {
		w.f("\ts.trained, s.steps, s.x, s.partsTrained = nil, 0, nil, false\n")
	}
	// A part reading its rows of x in place knows the caller's batch.
	partXBatch := ""
	if gen.inPlaceInput() {
		partXBatch = "\t\tps.xBatch = s.batch\n"
	}
	w.f(`	return nil
}

// Threads is the goroutine count SetThreads set (0 for a nil State).
func (s *State) Threads() int {
	if s == nil {
		return 0
	}
	return s.threads
}

// split reports whether a call of T steps runs on several goroutines.
func (s *State) split(T int) bool { return s.threads > 1 && s.batch > 1 && T > 0 }

// makeParts cuts the batch into min(threads, B) ranges of sizes differing
// by at most one, each with a State of its own running on one goroutine.
func (s *State) makeParts(m *Model) error {
	n := min(s.threads, s.batch)
	if len(s.parts) == n {
		return nil
	}
	parts := make([]part, n)
	b0 := 0
	for i := range parts {
		size := s.batch / n
		if i < s.batch%%n {
			size++
		}
		ps, err := m.NewState(size)
		if err != nil {
			return err
		}
		ps.threads, ps.batch0 = 1, s.batch0+b0
%s		parts[i] = part{s: ps, b0: b0}
		b0 += size
	}
	s.parts = parts
	return nil
}

// exchange copies the carried state of batch entries b0 … of s into the
// part's State p (in) or back from it.
func (s *State) exchange(p *State, b0 int, in bool) {
`, partXBatch)
	c := gen.carried(l)
	if len(c) == 0 {
		w.f("\t_, _, _ = p, b0, in\n")
	}
	for _, e := range c {
		w.f("\tmoveRows(s.%s, p.%s, %d, s.batch, b0, p.batch, %d, in)\n", e.field, e.field, e.steps, e.width)
	}
	w.f(`}

// onParts runs f on every part, part 0 on the calling goroutine and the
// others on goroutines of their own, and returns the first part's error.
func (s *State) onParts(f func(p *part)) error {
	var wg sync.WaitGroup
	for i := 1; i < len(s.parts); i++ {
		p := &s.parts[i]
		wg.Go(func() { f(p) })
	}
	f(&s.parts[0])
	wg.Wait()
	for i := range s.parts {
		if err := s.parts[i].err; err != nil {
			return err
		}
	}
	return nil
}

`)
	// A part gathers its rows of x unless it reads them in place.
	rows, gather, px := "reads its rows of x in place (see xBatch)", "\t\tp.y = grow(p.y, T*n*OutputSize)\n", "x"
	if !gen.inPlaceInput() {
		rows, gather, px = "gathers its own rows", "\t\tp.x, p.y = grow(p.x, T*n*InputSize), grow(p.y, T*n*OutputSize)\n\t\tmoveRows(x, p.x, T, B, p.b0, n, InputSize, true)\n", "p.x"
	}
	w.f(`// runParts is run split over the parts. The arguments are checked and
// the sizes within maxValues, so no part's run fails. Each goroutine
// %s and scatters its results
// into rows no other one writes, so the copies run in parallel too.
func (m *Model) runParts(s *State, y, x []float32, T int, train bool) {
	B := s.batch
	s.stepCounters(true)
	s.onParts(func(p *part) {
		n := p.s.batch
%s		s.exchange(p.s, p.b0, true)
		m.forwardChunks(p.s, p.y, %s, T, train)
		moveRows(y, p.y, T, B, p.b0, n, OutputSize, false)
		s.exchange(p.s, p.b0, false)
	})
	s.stepCounters(false)
}

`, rows, gather, px)
	if gen.input.Spikes {
		check, lists := "firstNonSpikeRows(active.firstNonSpike, x, T, s.batch, p.b0, p.s.batch, InputSize)", ""
		if gen.listInput() {
			check = "checkSpikeRows(active.spikeLists, active.firstNonSpike, &p.s.lists, x, T, s.batch, p.b0, p.s.batch, InputSize)"
			lists = " (listing its spikes)"
		}
		w.f(`// firstNonSpikeParts is firstNonSpike over x, each part checking its own
// rows in place on its goroutine%s: the first index overall of a value
// other than 0 or 1, or -1.
func (s *State) firstNonSpikeParts(x []float32, T int) int {
	s.onParts(func(p *part) {
		p.bad = %s
	})
	first := -1
	for i := range s.parts {
		// A later part's first bad value may come first in x: from an
		// earlier time step.
		if bad := s.parts[i].bad; bad >= 0 && (first < 0 || bad < first) {
			first = bad
		}
	}
	return first
}

`, lists, check)
	}
	w.f(`// stepCounters gives every part the steps the State's Poisson encoders
// have drawn (in), or takes them back from part 0 (every part draws the
// same steps). It runs on the calling goroutine, before and after the
// parts run.
func (s *State) stepCounters(in bool) {
`)
	counters := gen.counters(l)
	if len(counters) == 0 {
		w.f("\t_ = in\n")
	}
	for _, c := range counters {
		f := c.field
		w.f("\tif in {\n\t\tfor i := range s.parts {\n\t\t\ts.parts[i].s.%s = s.%s\n\t\t}\n\t} else {\n\t\ts.%s = s.parts[0].s.%s\n\t}\n", f, f, f, f)
	}
	w.f(`}

`)
	if !train {
		return
	}
	// With InputGrad the parts' dL/dx are gathered into g.Input; without,
	// g.Input stays empty as in Backward.
	inputGather := map[bool][2]string{
		false: {"g.Input = g.Input[:0]", ""},
		true: {"g.Input = grow(g.Input, len(s.x))", `
		if p.err == nil {
			moveRows(g.Input, p.g.Input, T, B, p.b0, n, InputSize, false)
		}`},
	}
	w.f(`// backwardParts is Backward after a split ForwardTrain: each part
// differentiates its own entries, then the parameter gradients are added
// in the order of the parts (part 0's, plus part 1's, …), which does not
// depend on which goroutine finished first.
func (m *Model) backwardParts(s *State, g *Grads, dy []float32) error {
	T, B := s.steps, s.batch
	for i := range s.parts {
		if s.parts[i].g == nil {
			s.parts[i].g = m.NewGrads()
		}
	}
	%s
	err := s.onParts(func(p *part) {
		n := p.s.batch
		p.dy = grow(p.dy, T*n*OutputSize)
		moveRows(dy, p.dy, T, B, p.b0, n, OutputSize, true)
		p.err = m.Backward(p.s, p.g, p.dy)%s
	})
	if err != nil {
		return err
	}
`, inputGather[gen.opt.InputGrad][0], inputGather[gen.opt.InputGrad][1])
	if len(gen.params) == 0 {
		w.f("\treturn nil\n}\n\n")
		return
	}
	w.f("\tfirst := s.parts[0].g\n")
	for _, p := range gen.params {
		f := exported(gen.field[p])
		w.f("\tcopy(g.%s, first.%s)\n", f, f)
	}
	w.f("\tfor _, p := range s.parts[1:] {\n")
	for _, p := range gen.params {
		f := exported(gen.field[p])
		w.f("\t\taddInto(g.%s, p.g.%s)\n", f, f)
	}
	w.f("\t}\n\treturn nil\n}\n\n")
}
