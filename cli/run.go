package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/functional"
	"github.com/snnc/snnc/internal/tensorio"
	"github.com/snnc/snnc/ir"
)

// runChunkBytes is about how much memory one piece of a streamed run
// holds: every node's values and states for the time steps of the piece.
// (A variable so that tests can make pieces of one step.)
var runChunkBytes float64 = 32 << 20

// recordManifest is the file snnc run --record writes into its directory,
// listing the files it wrote there, so that a later --record into the same
// directory may replace them and nothing else.
const recordManifest = ".snnc-record"

func cmdRun(args []string, stdout io.Writer) (err error) {
	fs := newFlags("run", "run MODEL --input X.npy [--output Y.npy] [--record DIR] [--dt DT] [--max-memory SIZE] [--target CHIP]", stdout)
	input := fs.String("input", "", "input sequence (.npy, float32, float64, integer or bool, C order; or a one-array .npz)")
	output := fs.String("output", "", "write the network's output sequence here (.npy)")
	record := fs.String("record", "", "write every layer's output and states as .npy files into this directory\n(an empty or new one, or one an earlier --record wrote)")
	dt := dtFlag(fs)
	memoryFlag(fs)
	target := fs.String("target", "", "emulate the model bit-accurately on a chip (see snnc map) instead of the interpreter")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"run needs one MODEL file"}
	}
	if *input == "" {
		return usageError{"run needs --input X.npy"}
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	if *output != "" && !strings.EqualFold(filepath.Ext(*output), ".npy") {
		return usageError{fmt.Sprintf("run writes .npy only: --output %s should end in .npy", *output)}
	}
	// Paths are checked before the model runs, not after.
	if *output != "" {
		if err := checkWritableDir("--output", *output, filepath.Dir(*output)); err != nil {
			return err
		}
	}
	var old []string // what an earlier --record left in the directory
	if *record != "" {
		var created bool
		if old, created, err = checkRecordDir(*record); err != nil {
			return err
		}
		if created {
			// A failed run leaves no directory behind.
			defer func() {
				if err != nil {
					os.RemoveAll(*record)
				}
			}()
		}
	}
	m, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	in, err := openInput(*input, m.InputShape)
	if err != nil {
		return memoryHint(err)
	}
	defer in.close()
	T, B := in.T, in.B
	if *target != "" {
		// The integer emulation takes the whole sequence at once.
		x, err := in.next(T)
		if err != nil {
			return err
		}
		return runOnTarget(stdout, m, b, *target, x, T, B)
	}
	fmt.Fprintf(stdout, "%s: %d time steps × %d batch, input %v, dt %g s\n", m.Name, T, B, m.InputShape, m.DT)

	r := &streamRun{g: b.Graph, params: b.Params, in: in, sum: newSummary(b.Graph, B)}
	if err := r.plan(); err != nil {
		return err
	}
	// Whatever was not finished is removed if the run fails.
	defer func() {
		for _, s := range r.sinks {
			s.w.Abort()
		}
	}()
	out := b.Graph.Outputs[0].Node
	if *output != "" {
		w, err := tensorio.CreateNpy(*output, seqShape(T, B, out.Type.Shape), tensorio.Float32)
		if err != nil {
			return err
		}
		r.sinks = append(r.sinks, sink{w: w, value: func(res *interp.GraphResult) []float64 { return res.Values[out] }})
	}
	if *record != "" {
		r.record = *record
		r.oldRecord = old
	}
	if err := r.run(); err != nil {
		return err
	}
	r.sum.print(stdout)
	if err := r.finish(); err != nil {
		return err
	}
	if *output != "" {
		fmt.Fprintf(stdout, "wrote %s [%d][%d]%s\n", *output, T, B, dims(out.Type.Shape))
	}
	if *record != "" {
		fmt.Fprintf(stdout, "recorded %d arrays in %s\n", len(r.recorded), *record)
	}
	return nil
}

// inputSeq is the input sequence [T][B][features...] a run reads in time
// order: a .npy file is read piece by piece, other files whole.
type inputSeq struct {
	path    string
	T, B    int
	feat    int // values per time step and batch entry
	npy     *tensorio.NpyReader
	data    []float64
	scratch []float64
}

// openInput opens an input of shape [T][B][shape...] or [T][shape...]
// (B = 1); T and B must be at least 1.
func openInput(path string, shape []int) (*inputSeq, error) {
	in := &inputSeq{path: path, feat: 1}
	for _, d := range shape {
		in.feat *= d
	}
	var fileShape []int
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		r, err := tensorio.OpenNpy(path)
		if err != nil {
			return nil, err
		}
		in.npy, fileShape = r, r.Shape
	} else {
		ts, err := tensorio.LoadFileWith(path, tensorio.Options{MaxMemory: maxMemory})
		if err != nil {
			return nil, err
		}
		if len(ts) != 1 {
			return nil, fmt.Errorf("%s: holds %d arrays, want one input sequence", path, len(ts))
		}
		in.data, fileShape = ts[0].Data, ts[0].Shape
	}
	var err error
	if in.T, in.B, err = fitInput(path, fileShape, shape); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

// fitInput matches a file's shape against the model's input shape.
func fitInput(path string, got, shape []int) (T, B int, err error) {
	feat := fmt.Sprint(shape)
	switch {
	case len(got) == len(shape)+2 && fmt.Sprint(got[2:]) == feat:
		T, B = got[0], got[1]
	case len(got) == len(shape)+1 && fmt.Sprint(got[1:]) == feat:
		T, B = got[0], 1
	default:
		return 0, 0, fmt.Errorf("%s: shape %v does not fit the model's input: want [T][B]%s or [T]%s", path, got, dims(shape), dims(shape))
	}
	switch {
	case T == 0:
		return 0, 0, fmt.Errorf("%s: shape %v: dimension 0 (time steps T) is 0; the input needs at least one time step", path, got)
	case B == 0:
		return 0, 0, fmt.Errorf("%s: shape %v: dimension 1 (batch B) is 0; the input needs at least one batch entry", path, got)
	}
	return T, B, nil
}

// next returns the values of the next steps time steps.
func (in *inputSeq) next(steps int) ([]float64, error) {
	n := steps * in.B * in.feat
	if in.npy == nil {
		x := in.data[:n]
		in.data = in.data[n:]
		return x, nil
	}
	if cap(in.scratch) < n {
		in.scratch = make([]float64, n)
	}
	x := in.scratch[:n]
	return x, in.npy.Read(x)
}

// finish checks that the whole input was read.
func (in *inputSeq) finish() error {
	if in.npy == nil {
		return nil
	}
	err := in.npy.Finish()
	in.npy = nil
	return err
}

func (in *inputSeq) close() {
	if in.npy != nil {
		in.npy.Close()
	}
}

// readInput reads a whole input sequence [T][B][shape...] or [T][shape...]
// (B = 1).
func readInput(path string, shape []int) ([]float64, int, int, error) {
	in, err := openInput(path, shape)
	if err != nil {
		return nil, 0, 0, memoryHint(err)
	}
	defer in.close()
	if in.npy != nil {
		if need := int64(in.T) * int64(in.B) * int64(in.feat) * 8; need > maxMemory {
			return nil, 0, 0, fmt.Errorf("%s: shape %v decodes to more than the memory limit of %d bytes (raise it with --max-memory)", path, in.npy.Shape, maxMemory)
		}
	}
	x, err := in.next(in.T)
	if err == nil {
		err = in.finish()
	}
	return x, in.T, in.B, err
}

// sink receives one array of every piece of a streamed run.
type sink struct {
	w     *tensorio.NpyWriter
	value func(*interp.GraphResult) []float64
}

// streamRun runs a graph over its input in pieces of a few time steps,
// each starting from the states the previous one ended in, so that memory
// follows the piece and not the whole sequence. Outputs and recordings are
// written as each piece is computed.
type streamRun struct {
	g      *ir.Graph
	params map[string][]float64
	in     *inputSeq
	sum    *summary
	chunk  int // time steps per piece
	sinks  []sink

	record    string   // --record directory, or ""
	oldRecord []string // files an earlier --record wrote there
	recorded  []string
}

// plan chooses the piece length. Delays and reductions over time need the
// whole sequence at once; such a graph runs in one piece, if that fits in
// --max-memory.
func (r *streamRun) plan() error {
	T, B := r.in.T, r.in.B
	perStep := 0.0 // bytes of values and states per time step
	var whole *ir.Node
	for _, n := range r.g.Nodes {
		switch n.Op {
		case ir.GDelay, ir.GSumTime, ir.GMeanTime, ir.GMSE, ir.GCrossEntropy:
			whole = n
		}
		if n.Type.Kind != ir.Sequence {
			continue
		}
		arrays := 1
		if n.Step != nil {
			arrays += len(n.Step.States)
		}
		perStep += float64(B) * float64(n.Type.Size()) * float64(arrays) * 8
	}
	if whole == nil {
		r.chunk = int(min(float64(T), max(1, runChunkBytes/max(perStep, 1))))
		return nil
	}
	r.chunk = T
	if need := perStep * float64(T); need > float64(maxMemory) {
		return fmt.Errorf("%s: running %s over %d time steps needs about %.0f bytes, more than --max-memory (%d bytes): its %v layer sees the whole sequence, so it cannot run in pieces",
			r.in.path, r.g.Name, T, need, maxMemory, whole.Op)
	}
	return nil
}

func (r *streamRun) run() error {
	var init map[*ir.Node]map[string][]float64
	for t0 := 0; t0 < r.in.T; t0 += r.chunk {
		steps := min(r.chunk, r.in.T-t0)
		x, err := r.in.next(steps)
		if err != nil {
			return err
		}
		if in := r.g.NodeByName("input"); in != nil && in.Spikes {
			if err := interp.CheckSpikes(x, in.Type.Size(), r.in.B, int64(t0)); err != nil {
				return fmt.Errorf("%s: %s's input %w", r.in.path, r.g.Name, err)
			}
		}
		res, err := interp.RunGraph(r.g, &interp.GraphRun{T: steps, B: r.in.B, Inputs: map[string][]float64{"input": x}, Params: r.params, Init: init, Start: int64(t0)})
		if err != nil {
			return err
		}
		if t0 == 0 && r.record != "" {
			if err := r.openRecord(res); err != nil {
				return err
			}
		}
		r.sum.add(res, steps)
		for _, s := range r.sinks {
			if err := s.w.Write(s.value(res)); err != nil {
				return err
			}
		}
		if t0+steps < r.in.T {
			init = res.FinalStates()
		}
	}
	return r.in.finish()
}

// finish moves every written file into place.
func (r *streamRun) finish() error {
	for _, s := range r.sinks {
		if err := s.w.Close(); err != nil {
			return err
		}
	}
	return nil
}

func seqShape(T, B int, shape []int) []int { return append([]int{T, B}, shape...) }

// openRecord starts the --record files: every computed node's value and
// every neuron layer's states, named after the layer. The files of an
// earlier --record go first, and the manifest lists the new ones before
// any is written.
func (r *streamRun) openRecord(res *interp.GraphResult) error {
	T, B := r.in.T, r.in.B
	type array struct {
		name  string
		shape []int
		value func(*interp.GraphResult) []float64
	}
	var arrays []array
	for _, n := range r.g.Nodes {
		if n.Type.Kind != ir.Sequence || n.Op == ir.GInput {
			continue
		}
		name := fmt.Sprintf("%02d_%v", n.ID, n.Op)
		if n.Step != nil {
			name = fmt.Sprintf("%02d_%s", n.ID, n.Step.Name)
		}
		arrays = append(arrays, array{name, n.Type.Shape, func(res *interp.GraphResult) []float64 { return res.Values[n] }})
		keys := make([]string, 0, len(res.States[n]))
		for k := range res.States[n] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			arrays = append(arrays, array{name + "." + k, n.Type.Shape, func(res *interp.GraphResult) []float64 { return res.States[n][k] }})
		}
	}
	for _, name := range r.oldRecord {
		if err := os.Remove(filepath.Join(r.record, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	var manifest strings.Builder
	for _, a := range arrays {
		r.recorded = append(r.recorded, a.name+".npy")
		manifest.WriteString(a.name + ".npy\n")
	}
	if err := os.WriteFile(filepath.Join(r.record, recordManifest), []byte(manifest.String()), 0o644); err != nil {
		return err
	}
	for _, a := range arrays {
		w, err := tensorio.CreateNpy(filepath.Join(r.record, a.name+".npy"), seqShape(T, B, a.shape), tensorio.Float32)
		if err != nil {
			return err
		}
		r.sinks = append(r.sinks, sink{w, a.value})
	}
	return nil
}

// checkWritableDir fails unless dir is an existing directory this process
// can create files in; the error names the flag and its path.
func checkWritableDir(flagName, path, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s %s: directory %s does not exist", flagName, path, dir)
	case err != nil:
		return fmt.Errorf("%s %s: %w", flagName, path, err)
	case !fi.IsDir():
		return fmt.Errorf("%s %s: %s is not a directory", flagName, path, dir)
	}
	probe, err := os.CreateTemp(dir, ".snnc-probe*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s %s: cannot write into %s: %v", flagName, path, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// checkRecordDir makes sure --record may write into dir: a new or empty
// directory (created here, which created says), or one holding only what
// an earlier --record wrote, as its manifest lists; that list is
// returned, to be replaced.
func checkRecordDir(dir string) (listed []string, created bool, err error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := checkWritableDir("--record", dir, filepath.Dir(dir)); err != nil {
			return nil, false, err
		}
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, false, fmt.Errorf("--record %s: %w", dir, err)
		}
		return nil, true, nil
	}
	if err := checkWritableDir("--record", dir, dir); err != nil {
		return nil, false, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, fmt.Errorf("--record %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil, false, nil
	}
	listed, err = readManifest(filepath.Join(dir, recordManifest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("--record %s: the directory is not empty and snnc run did not write it (it has no %s); give a new or empty directory", dir, recordManifest)
	} else if err != nil {
		return nil, false, fmt.Errorf("--record %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.Name() != recordManifest && !slices.Contains(listed, e.Name()) {
			return nil, false, fmt.Errorf("--record %s: %s was not written by snnc run; give a new or empty directory", dir, e.Name())
		}
	}
	return listed, false, nil
}

// readManifest reads the file names a --record manifest lists; a name
// that is not a plain .npy file name makes it invalid.
func readManifest(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		name := sc.Text()
		if name != filepath.Base(name) || !strings.HasSuffix(name, ".npy") || strings.HasPrefix(name, ".") {
			return nil, fmt.Errorf("%s:%d: %q is not a .npy file name", path, line, name)
		}
		names = append(names, name)
	}
	return names, sc.Err()
}

func dims(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprintf("[%d]", d)
	}
	return strings.Join(s, "")
}

// summary accumulates, over the pieces of a run, every neuron layer's
// spike count and the readout score of each batch entry.
type summary struct {
	g      *ir.Graph
	B      int
	spikes map[*ir.Node]float64
	count  map[*ir.Node]float64
	// Readout: spikes are counted, voltages taken at their maximum over
	// time; score is [B][classes].
	out      *ir.Node
	spiking  bool
	score    []float64
	hasScore bool
}

func newSummary(g *ir.Graph, B int) *summary {
	s := &summary{g: g, B: B, spikes: map[*ir.Node]float64{}, count: map[*ir.Node]float64{}}
	out := g.Outputs[0].Node
	if out.Type.Kind == ir.Sequence && len(out.Type.Shape) == 1 {
		s.out = out
		s.spiking = out.Op == ir.GNeuron && out.Step.Outputs[0].Name == "z"
		s.score = make([]float64, B*out.Type.Shape[0])
	}
	return s
}

func (s *summary) add(res *interp.GraphResult, T int) {
	for _, n := range s.g.Nodes {
		if (n.Op == ir.GNeuron || n.Op == ir.GRecurrent) && n.Step.Outputs[0].Name == "z" {
			for _, v := range res.Values[n] {
				s.spikes[n] += v
			}
			s.count[n] += float64(len(res.Values[n]))
		}
	}
	if s.out == nil {
		return
	}
	k := s.out.Type.Shape[0]
	vals := res.Values[s.out]
	for t := 0; t < T; t++ {
		for i, v := range vals[t*s.B*k : (t+1)*s.B*k] {
			switch {
			case s.spiking:
				s.score[i] += v
			case !s.hasScore || v > s.score[i]:
				s.score[i] = v
			}
		}
		s.hasScore = true
	}
}

// print writes, for every neuron layer, its spike count and rate, and for
// the output the class each batch entry picks.
func (s *summary) print(w io.Writer) {
	for _, n := range s.g.Nodes {
		if n.Op != ir.GNeuron && n.Op != ir.GRecurrent {
			continue
		}
		if out := n.Step.Outputs[0].Name; out != "z" {
			fmt.Fprintf(w, "  %-12s %-8s output %s (not spikes)\n", n.Step.Name, dims(n.Type.Shape), out)
			continue
		}
		rate := 0.0
		if s.count[n] > 0 {
			rate = s.spikes[n] / s.count[n]
		}
		fmt.Fprintf(w, "  %-12s %-8s %8.0f spikes, rate %.4f per neuron-step\n", n.Step.Name, dims(n.Type.Shape), s.spikes[n], rate)
	}
	if s.out == nil || !s.hasScore {
		return
	}
	k := s.out.Type.Shape[0]
	how := "max voltage"
	if s.spiking {
		how = "spike count"
	}
	for b := 0; b < s.B; b++ {
		score := s.score[b*k : (b+1)*k]
		best := 0
		for c := range score {
			if score[c] > score[best] {
				best = c
			}
		}
		fmt.Fprintf(w, "  batch %d: class %d (%s %.4g)\n", b, best, how, score[best])
	}
}

func cmdModels(args []string, stdout io.Writer) error {
	fs := newFlags("models", "models", stdout)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("models", pos); err != nil {
		return err
	}
	for _, name := range functional.ModelNames() {
		m, _ := functional.LookupModel(name)
		fmt.Fprintf(stdout, "%-22s %s\n", name, m.Summary)
	}
	return nil
}
