package gogen

import "fmt"

// bitsAPI writes, for a network input declared spikes, the entry points
// that take it bit-packed (ForwardBits, ForwardTrainBits; TrainStepBits
// is in train.go): [T][B][InputWords] words, input i of an entry being
// bit i%64 of its word i/64. When the input products run from spike lists
// (listInput) and this CPU has the lists kernels, the lists are made from
// the bits directly (rt/lists.go, spikeListsBits), each part of a split
// batch listing its own rows; otherwise the bits are unpacked into the
// State's float32 buffer and the float32 path runs. Either way the
// results are those of the same spikes given as float32, bit for bit.
func (gen *generator) bitsAPI(w *src) {
	if !gen.input.Spikes {
		return
	}
	w.f(`// InputWords is the uint64 words of one batch entry's input at one time
// step for ForwardBits and its kin: input i is bit i%%64 of word i/64, and
// the bits past InputSize are 0.
const InputWords = %d

// ForwardBits is Forward with the input as bit-packed spikes: x is
// [T][B][InputWords] words (see InputWords), 32 times smaller than float32
// values. y and the states are those Forward gives for the same spikes,
// bit for bit. A bit set past InputSize is an error naming its row.
func (m *Model) ForwardBits(s *State, y []float32, x []uint64, T int) error {
	return m.runBits("ForwardBits", s, y, x, T, false)
}

`, (gen.input.Type.Size()+63)/64)
	if gen.opt.Train {
		w.f(`// ForwardTrainBits is ForwardTrain with the input as bit-packed spikes
// (see ForwardBits). Backward does not read x: it may change as soon as
// ForwardTrainBits returns.
func (m *Model) ForwardTrainBits(s *State, y []float32, x []uint64, T int) error {
	return m.runBits("ForwardTrainBits", s, y, x, T, true)
}

`)
	}
	w.f(`// checkBitsSizes is checkSizes for bit-packed spikes x: it returns the
// length y must have.
func (m *Model) checkBitsSizes(op string, s *State, x []uint64, T int) (int, error) {
	_, ny, err := m.sizes(op, s, T)
	if err != nil {
		return 0, err
	}
	// T*B*InputSize fits, so T*B*InputWords does too.
	rows := T * s.batch
	if nx := rows * InputWords; len(x) != nx {
		return 0, errorf(op, "len(x) = %%d, want T*B*InputWords = %%d (T=%%d, B=%%d)", len(x), nx, T, s.batch)
	}
	if r := badSpikeBitsRow(x, rows, InputSize); r >= 0 {
		return 0, errorf(op, "x row %%d (t=%%d, b=%%d) has bits set past InputSize = %%d in its last word", r, r/s.batch, r%%s.batch, InputSize)
	}
	return ny, nil
}

// runBits is run for bit-packed spikes x.
func (m *Model) runBits(op string, s *State, y []float32, x []uint64, T int, train bool) error {
	ny, err := m.checkBitsSizes(op, s, x, T)
	if err != nil {
		return err
	}
	if len(y) != ny {
		return errorf(op, "len(y) = %%d, want T*B*OutputSize = %%d (T=%%d, B=%%d)", len(y), ny, T, s.batch)
	}
	B := s.batch
`)
	if gen.listInput() {
		w.f("\tif !bitsListed(T*B, train) {\n")
	}
	w.f(`	s.unpacked = grow(s.unpacked, T*B*InputSize)
	unpackSpikes(s.unpacked, x, T*B, InputSize)
	return m.run(op, s, y, s.unpacked, T, train)
`)
	if !gen.listInput() {
		w.f("}\n\n")
		return
	}
	w.f(`	}
	split := s.split(T)
	if split {
		if err := s.makeParts(m); err != nil {
			return err
		}
		s.onParts(func(p *part) { listSpikeBits(active.spikeListsBits, &p.s.lists, x, T, B, p.b0, p.s.batch, InputSize) })
	} else {
		listSpikeBits(active.spikeListsBits, &s.lists, x, T, B, 0, B, InputSize)
	}
	m.runChecked(s, y, nil, T, train, split)
	return nil
}

`)
	// The products and weight gradients of the input read x only when
	// their lists are missing (inputSpikeRows, inputSpikeGradW): lists
	// made from bits must be usable by all of them.
	cond := "active.spikeListsBits != nil && active.spikeTile != nil && listsFit(rows, InputSize)"
	if gen.opt.Train {
		cond += " &&\n\t\t(!train || active.spikeColumnsOuter != nil"
		live := gen.liveNodes()
		for _, n := range gen.g.Nodes {
			if live[n] && gen.readsInputInPlace(n) {
				cond += fmt.Sprintf(" && columnsFit(%d)", n.Args[1].Type.Shape[0])
			}
		}
		cond += ")"
	}
	w.f(`// bitsListed reports whether the products of the input (and, to train,
// their weight gradients) can run from lists of rows rows made from
// bit-packed spikes: this CPU's kernels have the lists kernels and the
// lists fit. Otherwise the bits are unpacked.
func bitsListed(rows int, train bool) bool {
	return %s
}

`, cond)
}
