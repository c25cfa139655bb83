package main

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
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/snnc/snnc/backend/gogen"
)

const benchSynopsis = "bench MODEL [--benchtime D] [--json] [--disable PASS,...] [--dt DT]"

// benchResult is one kernel measurement.
type benchResult struct {
	Layer        string  `json:"layer"`
	Impl         string  `json:"impl"`
	NsPerStep    float64 `json:"ns_per_neuron_step"`
	VsUnfused    float64 `json:"speedup_vs_unfused,omitempty"`
	BenchmarkRaw string  `json:"benchmark"`
}

// cmdBench compiles the model into a temporary package and runs its kernel
// benchmarks with the go command: every neuron layer's fused kernel, in
// every implementation the CPU runs (avx512, avx2, generic), against the
// plain-Go baseline that evaluates the step one op at a time.
func cmdBench(args []string, stdout io.Writer) error {
	fs := newFlags("bench", benchSynopsis, stdout)
	benchtime := fs.String("benchtime", "1s", "go test -benchtime for each benchmark")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	disable := fs.String("disable", "", "comma-separated optional passes to skip (see snnc dump --passes)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"bench needs one MODEL file"}
	}
	_, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	g, err := optimize(b.Graph, false, *disable)
	if err != nil {
		return err
	}
	files, err := gogen.Generate(g, b.Params, gogen.Options{Package: "snncbench", Source: filepath.Base(pos[0])})
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
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
		fmt.Fprintf(stdout, "benchmarking %s: T=100, B=32 per kernel (go test -bench, -benchtime %s)...\n", pos[0], *benchtime)
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "Kernel", "-benchtime", *benchtime, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -bench in %s: %w\n%s", dir, err, out)
	}
	results := parseBench(out)
	if len(results) == 0 {
		return fmt.Errorf("no kernel benchmarks in the go test output:\n%s", out)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	if cpu := regexp.MustCompile(`(?m)^cpu: (.*)$`).FindSubmatch(out); cpu != nil {
		fmt.Fprintf(stdout, "cpu: %s\n", cpu[1])
	}
	fmt.Fprintf(stdout, "%-16s %-10s %16s %12s\n", "layer", "kernel", "ns/neuron-step", "vs unfused")
	for _, r := range results {
		ratio := ""
		if r.VsUnfused > 0 {
			ratio = fmt.Sprintf("%.2f×", r.VsUnfused)
		}
		fmt.Fprintf(stdout, "%-16s %-10s %16.3f %12s\n", r.Layer, r.Impl, r.NsPerStep, ratio)
	}
	return nil
}

var benchLine = regexp.MustCompile(`^Benchmark(\w+)Kernel/impl=(\w+)(?:-\d+)?\s.*?([0-9.]+) ns/neuron-step`)

// parseBench reads the ns/neuron-step metric of every kernel benchmark and
// relates each fused kernel to its layer's unfused baseline.
func parseBench(out []byte) []benchResult {
	var rs []benchResult
	unfused := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			continue
		}
		rs = append(rs, benchResult{Layer: m[1], Impl: m[2], NsPerStep: ns, BenchmarkRaw: strings.TrimSpace(sc.Text())})
		if m[2] == "unfused" {
			unfused[m[1]] = ns
		}
	}
	for i := range rs {
		if u := unfused[rs[i].Layer]; u > 0 && rs[i].Impl != "unfused" && rs[i].NsPerStep > 0 {
			rs[i].VsUnfused = u / rs[i].NsPerStep
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
	dir, err := os.MkdirTemp("", "snncbench-")
	if err != nil {
		return "", nil, err
	}
	version := "v2.4.2"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/klauspost/cpuid/v2" {
				version = d.Version
			}
		}
	}
	mod := fmt.Sprintf("module snncbench\n\ngo 1.26\n\nrequire github.com/klauspost/cpuid/v2 %s\n", version)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
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
