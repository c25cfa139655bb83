package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/snnc/snnc/backend/neuro"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/module"
)

const mapSynopsis = "map MODEL --target loihi2|xylo-audio2|truenorth|speck|FILE.json [--report FILE] [--export FILE] [--input X.npy [--labels Y.npy]] [--dt DT]"

const mapSummary = "quantize a model to a neuromorphic chip's integer formats, map it onto\nthe chip's cores and print the report; --export writes a lava-dl netx\nHDF5 file (Loihi 2) or a Rockpool Xylo spec (JSON); --input also runs the\nbit-accurate emulation against the float network"

func cmdMap(args []string, stdout io.Writer) error {
	fs := newFlags("map", mapSynopsis, stdout)
	target := fs.String("target", "", "chip: "+strings.Join(neuro.BuiltinTargetNames(), ", ")+", or a target file *.json")
	report := fs.String("report", "", "also write the report to this file")
	export := fs.String("export", "", "write the chip artifact: lava-dl netx HDF5 (loihi2) or Xylo spec JSON (xylo-audio2)")
	input := fs.String("input", "", "input spikes [T][B][features] (.npy) to emulate and compare with the float network")
	labels := fs.String("labels", "", "with --input: class labels [B] (.npy) for accuracy")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"map needs one MODEL file (.snn.json or .nir)"}
	}
	if *target == "" {
		return usageError{"map needs --target (one of " + strings.Join(neuro.BuiltinTargetNames(), ", ") + ", or a target file *.json)"}
	}
	if *labels != "" && *input == "" {
		return usageError{"--labels needs --input"}
	}
	tg, err := loadTarget(*target)
	if err != nil {
		return err
	}
	m, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	p, err := neuro.CompileGraph(b.Graph, b.Params, m.DT, tg)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	var rep bytes.Buffer
	if err := p.WriteReport(&rep); err != nil {
		return err
	}
	if *input != "" {
		x, T, B, err := readInput(*input, m.InputShape)
		if err != nil {
			return err
		}
		var lab []int
		if *labels != "" {
			if lab, err = readLabels(*labels, B); err != nil {
				return err
			}
		}
		cmp, err := neuro.Compare(p, b.Graph, b.Params, x, T, B, lab)
		if err != nil {
			return err
		}
		rep.WriteString("\n")
		if err := neuro.WriteComparison(&rep, cmp); err != nil {
			return err
		}
	}
	if _, err := stdout.Write(rep.Bytes()); err != nil {
		return err
	}
	if *report != "" {
		if err := os.WriteFile(*report, rep.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if *export != "" {
		what, err := p.Export(*export)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%s)\n", *export, what)
	}
	return nil
}

// loadTarget reads --target; an unknown name is a usage error.
func loadTarget(name string) (*neuro.Target, error) {
	tg, err := neuro.LoadTarget(name)
	if errors.Is(err, neuro.ErrUnknownTarget) {
		return nil, usageError{"--target: " + err.Error()}
	}
	return tg, err
}

// readLabels reads one integer class per batch entry.
func readLabels(path string, B int) ([]int, error) {
	ts, err := tensorio.LoadFile(path)
	if err != nil {
		return nil, err
	}
	if len(ts) != 1 || len(ts[0].Data) != B {
		return nil, fmt.Errorf("%s: want one array of %d labels", path, B)
	}
	out := make([]int, B)
	for i, v := range ts[0].Data {
		if v < 0 || v != math.Trunc(v) || v > 1<<20 {
			return nil, fmt.Errorf("%s: label %d is %g, not a class index", path, i, v)
		}
		out[i] = int(v)
	}
	return out, nil
}

// runOnTarget is `snnc run --target T`: the bit-accurate integer emulation
// of the model on the chip, compared with the float network.
func runOnTarget(stdout io.Writer, m *module.Model, b *module.Builder, target string, x []float64, T, B int) error {
	tg, err := loadTarget(target)
	if err != nil {
		return err
	}
	p, err := neuro.CompileGraph(b.Graph, b.Params, m.DT, tg)
	if err != nil {
		return err
	}
	cmp, err := neuro.Compare(p, b.Graph, b.Params, x, T, B, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d time steps × %d batch on %s (integer emulation)\n", m.Name, T, B, tg.Name)
	return neuro.WriteComparison(stdout, cmp)
}
