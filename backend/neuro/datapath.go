package neuro

import "fmt"

// The emulators implement two fixed integer datapaths: Lava's Loihi LIF
// (decay repr mantissa12) and xylosim's Xylo v2 neuron (bitshift). A target
// file may set any limits, but the fields that define the datapath must
// say what the emulator computes, or its numbers would describe another
// chip. checkDatapath names the first field that differs.
func checkDatapath(t *Target) error {
	n, s := &t.Neuron, &t.Synapse
	type field struct {
		path      string
		got, want any
	}
	var fields []field
	switch n.Decay.Repr {
	case "mantissa12":
		fields = []field{
			{"neuron.decay.bits", n.Decay.Bits, 12},
			{"neuron.decay.offset.i", n.Decay.Offset.I, 1},
			{"neuron.decay.offset.v", n.Decay.Offset.V, 0},
			{"neuron.decay.rounding", n.Decay.Rounding, "toward_zero"},
			{"neuron.decay.order", n.Decay.Order, "decay_then_add"},
			{"neuron.state.i_bits", n.State.IBits, 24},
			{"neuron.state.v_bits", n.State.VBits, 24},
			{"neuron.state.i_overflow", n.State.IOverflow, "wrap"},
			{"neuron.state.v_overflow", n.State.VOverflow, "saturate"},
			{"neuron.threshold.bits", n.Threshold.Bits, 17},
			{"neuron.threshold.shift", n.Threshold.Shift, 6},
			{"neuron.threshold.compare", n.Threshold.Compare, "gt"},
			{"neuron.bias.mant_bits", n.Bias.MantBits, 13},
			{"neuron.reset", n.Reset, "zero"},
			{"neuron.max_spikes_per_step", n.MaxSpikesPerStep, 1},
			{"synapse.weight_bits", s.WeightBits, 8},
			{"synapse.input_shift", s.InputShift, 6},
		}
	case "bitshift":
		fields = []field{
			{"neuron.decay.bits", n.Decay.Bits, 4},
			{"neuron.decay.rounding", n.Decay.Rounding, "floor"},
			{"neuron.decay.order", n.Decay.Order, "add_then_decay"},
			{"neuron.decay.min_step", n.Decay.MinStep, 1},
			{"neuron.state.i_bits", n.State.IBits, 16},
			{"neuron.state.v_bits", n.State.VBits, 16},
			{"neuron.state.i_overflow", n.State.IOverflow, "saturate"},
			{"neuron.state.v_overflow", n.State.VOverflow, "saturate"},
			{"neuron.threshold.bits", n.Threshold.Bits, 16},
			{"neuron.threshold.compare", n.Threshold.Compare, "ge"},
			{"neuron.reset", n.Reset, "subtract"},
			{"neuron.max_spikes_per_step", n.MaxSpikesPerStep, xyloMaxHiddenSpikes},
			{"synapse.weight_bits", s.WeightBits, 8},
			{"synapse.weight_min", s.WeightMin, int64(-128)},
			{"synapse.weight_max", s.WeightMax, int64(127)},
			{"synapse.per_spike_accumulate", s.PerSpikeAccumulate, true},
		}
	}
	for _, f := range fields {
		if f.got != f.want {
			return fmt.Errorf("%s: %s: %v, but the %s emulator computes %v (the datapath fields of decay repr %s are fixed; limits are free): %w",
				t.at(f.path), f.path, f.got, t.Name, f.want, n.Decay.Repr, ErrUnsupported)
		}
	}
	return nil
}
