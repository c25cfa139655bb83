package passes_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/passes"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGoldenModels runs the pipeline over every functional model's step and
// every testdata model's graph. For each pass P and case C,
// testdata/P/C.snnir holds the IR P gets (what the passes before it made
// of C) and the IR it returns. -update rewrites these files.
func TestGoldenModels(t *testing.T) {
	written := map[string]bool{}
	for _, c := range append(modelCases(t), graphCases(t)...) {
		t.Run(c.name, func(t *testing.T) {
			names, gs := runObserved(t, c, passes.Options{})
			require.Equal(t, passes.Names(passes.Pipeline), names)
			before := c.text(c.g)
			for i, pass := range names {
				after := c.text(gs[i])
				path := filepath.Join("testdata", pass, c.name+".snnir")
				header := fmt.Sprintf("# %s on %s, after the passes before it. Generated: go test ./passes -update\n", pass, strings.SplitN(c.name, "_", 2)[1])
				checkGolden(t, path, header+beforeMark+before+afterMark+after)
				written[path] = true
				before = after
			}
		})
	}
	// Goldens of models that no longer exist.
	for _, p := range passes.Pipeline {
		files, err := filepath.Glob(filepath.Join("testdata", p.Name, "*.snnir"))
		require.NoError(t, err)
		for _, f := range files {
			if generated(f) && !written[f] {
				if *update {
					require.NoError(t, os.Remove(f))
				} else {
					t.Errorf("%s: no model or graph of that name; go test ./passes -update removes it", f)
				}
			}
		}
	}
}

// generated reports whether a golden file is written by TestGoldenModels
// rather than by hand.
func generated(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, "model_") || strings.HasPrefix(base, "graph_")
}

// TestGoldenCases runs each pass alone over the hand-written cases in
// testdata/<pass>/ (the files not called model_* or graph_*): the before
// section is a step or a graph, the after section what the pass must make
// of it (-update rewrites it). On special inputs (±0, ±Inf, NaN, ...) the
// results must be the same before and after, bit for bit.
func TestGoldenCases(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 0
	for _, p := range passes.Pipeline {
		files, err := filepath.Glob(filepath.Join("testdata", p.Name, "*.snnir"))
		require.NoError(t, err)
		for _, f := range files {
			if generated(f) {
				continue
			}
			n++
			t.Run(p.Name+"/"+filepath.Base(f), func(t *testing.T) {
				data, err := os.ReadFile(f)
				require.NoError(t, err)
				header, before, _, err := sectionsOf(string(data))
				require.NoError(t, err, f)
				c := parseCase(t, f, before)
				out, err := passes.Run(c.g, only(p.Name))
				require.NoError(t, err)
				checkGolden(t, f, header+beforeMark+before+afterMark+c.text(out))
				for range 20 {
					checkSame(t, c, c.g, out, rng, true)
				}
			})
		}
	}
	assert.NotZero(t, n, "no hand-written cases")
}

// only returns options that disable every optional pass but name.
func only(name string) passes.Options {
	opt := passes.Options{}
	for _, p := range passes.Pipeline {
		if p.Optional && p.Name != name {
			opt.Disable = append(opt.Disable, p.Name)
		}
	}
	return opt
}

// parseCase reads the IR of a hand-written case: a step, which it wraps in
// a graph, or a graph.
func parseCase(t *testing.T, name, src string) irCase {
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "step ") {
			s, err := ir.ParseStep(src)
			require.NoError(t, err, name)
			return irCase{name: name, g: wrapStep(t, s), step: true}
		}
		break
	}
	g, err := ir.ParseGraph(src)
	require.NoError(t, err, name)
	return irCase{name: name, g: g}
}

// checkGolden compares text with the file at path, or writes it there
// under -update.
func checkGolden(t *testing.T, path, text string) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./passes -update to create it")
	assert.Equal(t, string(want), text, "%s differs; go test ./passes -update rewrites it", path)
}

// TestPassesKeepResults checks, for every model step and testdata graph,
// that the IR after each pass of the pipeline, and after each pass run
// alone, computes what the unoptimized IR computes, bit for bit, in
// float64 and float32.
func TestPassesKeepResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range append(modelCases(t), graphCases(t)...) {
		t.Run(c.name, func(t *testing.T) {
			names, gs := runObserved(t, c, passes.Options{})
			for i, g := range gs {
				t.Run("pipeline-to-"+names[i], func(t *testing.T) {
					checkSame(t, c, c.g, g, rng, false)
					if c.step {
						checkSame(t, c, c.g, g, rng, true)
					}
				})
			}
			for _, p := range passes.Pipeline {
				t.Run("alone-"+p.Name, func(t *testing.T) {
					g, err := passes.Run(c.g, only(p.Name))
					require.NoError(t, err)
					checkSame(t, c, c.g, g, rng, false)
				})
			}
		})
	}
}

// TestPipelineIsIdempotent: running the pipeline over its own output
// changes nothing, so no pass leaves work for a second round on the
// models.
func TestPipelineIsIdempotent(t *testing.T) {
	for _, c := range append(modelCases(t), graphCases(t)...) {
		once, err := passes.Run(c.g, passes.Options{})
		require.NoError(t, err)
		twice, err := passes.Run(once, passes.Options{})
		require.NoError(t, err)
		assert.Equal(t, once.String(), twice.String(), c.name)
	}
}
