package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

const benchSynopsis = "bench (MODEL | --neuron NAME [--n N]) [--train] [--T T] [--B B] [--threads N] [--benchtime D] [--json] [--disable PASS,...] [--dt DT] [--max-memory SIZE]"

// networkResult is the whole network's time, with the kernels' times.
type networkResult struct {
	T           int     `json:"T"`
	B           int     `json:"B"`
	Threads     int     `json:"threads"`
	CPU         string  `json:"cpu,omitempty"`
	ForwardMs   float64 `json:"forward_ms"`
	TrainStepMs float64 `json:"train_step_ms,omitempty"` // with --train: TrainStep, cross-entropy on the max over time, SGD
	// For an input declared spikes: the same spikes given bit-packed
	// (ForwardBits, TrainStepBits).
	ForwardBitsMs   float64       `json:"forward_bits_ms,omitempty"`
	TrainStepBitsMs float64       `json:"train_step_bits_ms,omitempty"`
	Layers          []benchResult `json:"layers"`
}

// benchResult is one kernel measurement.
type benchResult struct {
	Layer        string  `json:"layer"`
	Pass         string  `json:"pass"` // "forward", or "train": forward saving tapes plus backward
	Impl         string  `json:"impl"` // avx512, avx2, generic; unfused; floor
	NsPerStep    float64 `json:"ns_per_neuron_step"`
	VsFloor      float64 `json:"times_floor,omitempty"`        // ns / the floor's ns
	VsUnfused    float64 `json:"speedup_vs_unfused,omitempty"` // the unfused loop's ns / ns
	BenchmarkRaw string  `json:"benchmark"`
}

// cmdBench compiles the model (or one neuron layer) into a temporary
// package and runs its kernel benchmarks with the go command: every neuron
// layer's fused kernel, in every implementation the CPU runs (avx512,
// avx2, generic), against the plain-Go loop that evaluates the step one op
// at a time and against the streaming floor (a copy of the same bytes).
// For a MODEL it also times the whole network's Forward and, with --train,
// TrainStep at --T, --B and --threads.
func cmdBench(args []string, stdout io.Writer) error {
	fs := newFlags("bench", benchSynopsis, stdout)
	benchtime := fs.String("benchtime", "1s", "go test -benchtime for each benchmark")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's, or 1e-3)")
	memoryFlag(fs)
	disable := fs.String("disable", "", "comma-separated optional `passes` to skip (see snnc dump --passes)")
	neuron := fs.String("neuron", "", "benchmark one layer of this neuron `model` (see snnc models) instead of a MODEL file")
	width := fs.Int("n", 1024, "with --neuron: neurons in the layer")
	train := fs.Bool("train", false, "also time a training step of each layer (forward with tapes, then backward) and of the network")
	steps := fs.Int("T", 100, "with MODEL: time steps of the network benchmarks")
	batch := fs.Int("B", 32, "with MODEL: batch entries of the network benchmarks")
	threads := fs.Int("threads", 1, "with MODEL: goroutines the network benchmarks split the batch over")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *steps < 1 || *batch < 1 || *threads < 1 {
		return usageError{fmt.Sprintf("--T, --B and --threads must be at least 1 (have %d, %d, %d)", *steps, *batch, *threads)}
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	var g *ir.Graph
	var params map[string][]float64
	var source string
	switch {
	case *neuron != "" && len(pos) == 0:
		if *width < 1 {
			return usageError{"--n must be at least 1"}
		}
		source = fmt.Sprintf("%s[%d]", *neuron, *width)
		if g, err = neuronLayer(*neuron, *width, *dt); err != nil {
			return err
		}
	case *neuron == "" && len(pos) == 1:
		source = pos[0]
		_, b, err := loadGraph(pos[0], *dt)
		if err != nil {
			return err
		}
		g, params = b.Graph, b.Params
	default:
		return usageError{"bench needs one MODEL file or --neuron NAME"}
	}
	p, err := compiler.Compile(g, params, compiler.Options{Package: "snncbench", Source: filepath.Base(source), Train: *train,
		Disable: splitList(*disable), GoldenSteps: 2, GoldenBatch: 1})
	if err != nil {
		if compiler.IsPassSetError(err) {
			return usageError{err.Error()}
		}
		return fmt.Errorf("%s: %w", source, err)
	}
	files := p.Files
	dir, cleanup, err := benchDir()
	if err != nil {
		return err
	}
	defer cleanup()
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "benchmarking %s: T=100, B=32 per kernel (go test -bench, -benchtime %s)...\n", source, *benchtime)
	}
	pattern := "Kernel$|Train$"
	network := *neuron == ""
	if network {
		pattern += "|^BenchmarkForward$|^BenchmarkTrainStep$|^BenchmarkForwardBits$|^BenchmarkTrainStepBits$"
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchtime", *benchtime, ".",
		"-args", fmt.Sprintf("-snnc.T=%d", *steps), fmt.Sprintf("-snnc.B=%d", *batch), fmt.Sprintf("-snnc.threads=%d", *threads))
	cmd.Dir = dir
	cmd.Env = compiler.ScratchEnv()
	var progress io.Writer = stdout
	if *asJSON {
		progress = io.Discard // stdout is the JSON alone
	} else {
		fmt.Fprintln(stdout, "building the package and its benchmarks...")
	}
	out, err := runStreaming(cmd, progress)
	if err != nil {
		return fmt.Errorf("go test -bench in %s: %w\n%s", dir, err, out)
	}
	results := parseBench(out)
	if len(results) == 0 && !network {
		return fmt.Errorf("no kernel benchmarks in the go test output:\n%s", out)
	}
	net := networkResult{T: *steps, B: *batch, Threads: *threads, Layers: results}
	if cpu := regexp.MustCompile(`(?m)^cpu: (.*)$`).FindSubmatch(out); cpu != nil {
		net.CPU = string(cpu[1])
	}
	if network {
		ms := parseNetworkBench(out)
		net.ForwardMs, net.TrainStepMs = ms["Forward"], ms["TrainStep"]
		net.ForwardBitsMs, net.TrainStepBitsMs = ms["ForwardBits"], ms["TrainStepBits"]
		if net.ForwardMs == 0 || *train && net.TrainStepMs == 0 {
			return fmt.Errorf("no network benchmarks in the go test output:\n%s", out)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if network {
			return enc.Encode(net)
		}
		return enc.Encode(results)
	}
	if net.CPU != "" {
		fmt.Fprintf(stdout, "cpu: %s\n", net.CPU)
	}
	if network {
		fmt.Fprintf(stdout, "network, T=%d, B=%d, %d goroutine(s): forward %.3f ms", net.T, net.B, net.Threads, net.ForwardMs)
		if *train {
			fmt.Fprintf(stdout, ", training step %.3f ms (cross-entropy on the max over time, SGD)", net.TrainStepMs)
		}
		fmt.Fprintln(stdout)
		if net.ForwardBitsMs > 0 {
			fmt.Fprintf(stdout, "the same spikes bit-packed: forward %.3f ms", net.ForwardBitsMs)
			if *train {
				fmt.Fprintf(stdout, ", training step %.3f ms", net.TrainStepBitsMs)
			}
			fmt.Fprintln(stdout)
		}
	}
	fmt.Fprintf(stdout, "%-14s %-8s %-8s %15s %10s %11s\n", "layer", "pass", "kernel", "ns/neuron-step", "× floor", "vs unfused")
	for _, r := range results {
		floor, unfused := "", ""
		if r.VsFloor > 0 {
			floor = fmt.Sprintf("%.2f", r.VsFloor)
		}
		if r.VsUnfused > 0 {
			unfused = fmt.Sprintf("%.1f×", r.VsUnfused)
		}
		fmt.Fprintf(stdout, "%-14s %-8s %-8s %15.3f %10s %11s\n", r.Layer, r.Pass, r.Impl, r.NsPerStep, floor, unfused)
	}
	return nil
}

// runStreaming runs cmd and returns its combined output; while it runs,
// every kernel measurement is printed to progress as soon as go test
// reports it (the comparison table needs them all and comes after).
func runStreaming(cmd *exec.Cmd, progress io.Writer) ([]byte, error) {
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.Close()
		done <- err
	}()
	var out bytes.Buffer
	streamBench(pr, progress, &out)
	return out.Bytes(), <-done
}

// streamBench copies the go test output r into all and prints each
// benchmark result line as a row to progress, flushed, as it arrives.
func streamBench(r io.Reader, progress io.Writer, all *bytes.Buffer) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		all.WriteString(line)
		if rs := parseBench([]byte(line)); len(rs) == 1 {
			fmt.Fprintf(progress, "  measured %-14s %-8s %-8s %10.3f ns/neuron-step\n", rs[0].Layer, rs[0].Pass, rs[0].Impl, rs[0].NsPerStep)
			if f, ok := progress.(interface{ Flush() error }); ok {
				f.Flush()
			}
		}
		if err != nil {
			io.Copy(io.Discard, br) // let the command finish writing
			return
		}
	}
}

var networkLine = regexp.MustCompile(`(?m)^Benchmark(Forward|TrainStep|ForwardBits|TrainStepBits)(?:-\d+)?\s.*?([0-9.]+) ms/(forward|train-step)`)

// parseNetworkBench reads the whole-network benchmarks' ms per call, by
// benchmark name without "Benchmark" (Forward, TrainStep, ForwardBits,
// TrainStepBits); absent ones are missing (0).
func parseNetworkBench(out []byte) map[string]float64 {
	ms := map[string]float64{}
	for _, m := range networkLine.FindAllSubmatch(out, -1) {
		if v, err := strconv.ParseFloat(string(m[2]), 64); err == nil {
			ms[string(m[1])] = v
		}
	}
	return ms
}

// neuronLayer is the graph input [n] → one layer of the named neuron model.
func neuronLayer(model string, n int, dt float64) (*ir.Graph, error) {
	m := &module.Neuron{Name: model, Model: model, DT: dt}
	b, err := module.Build(model, m, n)
	if err != nil {
		return nil, err
	}
	return b.Graph, nil
}

var benchLine = regexp.MustCompile(`^Benchmark(\w+?)(Kernel|Train)/impl=(\w+)(?:-\d+)?\s.*?([0-9.]+) ns/neuron-step`)

// parseBench reads the ns/neuron-step metric of every kernel benchmark and
// relates each implementation to its layer's floor and unfused loop.
func parseBench(out []byte) []benchResult {
	var rs []benchResult
	type key struct{ layer, pass string }
	unfused, floor := map[key]float64{}, map[key]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			continue
		}
		pass := "forward"
		if m[2] == "Train" {
			pass = "train"
		}
		rs = append(rs, benchResult{Layer: m[1], Pass: pass, Impl: m[3], NsPerStep: ns, BenchmarkRaw: strings.TrimSpace(sc.Text())})
		switch m[3] {
		case "unfused":
			unfused[key{m[1], pass}] = ns
		case "floor":
			floor[key{m[1], pass}] = ns
		}
	}
	for i := range rs {
		r := &rs[i]
		k := key{r.Layer, r.Pass}
		if u := unfused[k]; u > 0 && r.Impl != "unfused" && r.Impl != "floor" && r.NsPerStep > 0 {
			r.VsUnfused = u / r.NsPerStep
		}
		if f := floor[k]; f > 0 && r.Impl != "floor" {
			r.VsFloor = r.NsPerStep / f
		}
	}
	return rs
}

// benchDir makes a directory where the go command can build the generated
// package: inside the snnc module when run from it (its go.mod already
// requires cpuid), else a scratch module requiring the cpuid version snnc
// was built with.
func benchDir() (string, func(), error) {
	if root := snncModuleRoot(); root != "" {
		dir, err := os.MkdirTemp(root, "snncbench-")
		return dir, func() { os.RemoveAll(dir) }, err
	}
	return compiler.ScratchModule("snncbench")
}

// snncModuleRoot returns the root of the snnc module when the current
// directory is inside it.
func snncModuleRoot() string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return ""
	}
	gomod := strings.TrimSpace(string(out))
	data, err := os.ReadFile(gomod)
	if err != nil || !bytes.HasPrefix(data, []byte("module github.com/snnc/snnc\n")) {
		return ""
	}
	return filepath.Dir(gomod)
}
