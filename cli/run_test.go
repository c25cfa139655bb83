package cli

import (
	"archive/zip"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/internal/tensorio"
)

const (
	mnistModel = "../testdata/models/mnist_lif.snn.json"
	mnistInput = "../testdata/inputs/mnist_lif.npy"
)

// TestRunStreamsInPieces runs each test model one time step at a time and
// checks the streamed output and recordings against one whole run of the
// interpreter.
func TestRunStreamsInPieces(t *testing.T) {
	defer func(old float64) { runChunkBytes = old }(runChunkBytes)
	runChunkBytes = 1 // pieces of one time step
	for _, name := range []string{"mnist_lif", "lsnn_recurrent", "conv_iaf"} {
		t.Run(name, func(t *testing.T) {
			model, input := "../testdata/models/"+name+".snn.json", "../testdata/inputs/"+name+".npy"
			dir := t.TempDir()
			out, rec := filepath.Join(dir, "y.npy"), filepath.Join(dir, "rec")
			code, stdout, stderr := snnc("run", model, "--input", input, "--output", out, "--record", rec)
			require.Equal(t, 0, code, stderr)

			m, b, err := loadGraph(model, 0)
			require.NoError(t, err)
			x, T, B, err := readInput(input, m.InputShape)
			require.NoError(t, err)
			require.Greater(t, T, 1)
			whole, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
			require.NoError(t, err)
			var want []float64
			for _, v := range whole.Values[b.Graph.Outputs[0].Node] {
				want = append(want, float64(float32(v)))
			}
			ys, err := tensorio.LoadFile(out)
			require.NoError(t, err)
			assert.Equal(t, want, ys[0].Data)

			// The summary is the one a whole run gives.
			var sb stringsBuilder
			sum := newSummary(b.Graph, B)
			sum.add(whole, T)
			sum.print(&sb)
			assert.Contains(t, stdout, sb.String())

			// Every recorded array is listed in the manifest and is as long
			// as the run.
			listed, err := readManifest(filepath.Join(rec, recordManifest))
			require.NoError(t, err)
			require.NotEmpty(t, listed)
			for _, f := range listed {
				ts, err := tensorio.LoadFile(filepath.Join(rec, f))
				require.NoError(t, err, f)
				assert.Equal(t, []int{T, B}, ts[0].Shape[:2], f)
			}
		})
	}
}

type stringsBuilder struct{ b []byte }

func (s *stringsBuilder) Write(p []byte) (int, error) { s.b = append(s.b, p...); return len(p), nil }
func (s *stringsBuilder) String() string              { return string(s.b) }

// writeNpyHeader writes a .npy file of float32 with the given shape text
// and no data.
func writeNpyHeader(t *testing.T, path, shape string) {
	t.Helper()
	writeNpyHeaderOf(t, path, "<f4", shape)
}

// writeNpyHeaderOf writes the header of a .npy file of any descr.
func writeNpyHeaderOf(t *testing.T, path, descr, shape string) {
	t.Helper()
	dict := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	require.NoError(t, os.WriteFile(path, append(b, dict...), 0o644))
}

func TestRunInputExtremes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, shape, want string }{
		{"no-steps-huge-batch", "(0, 1099511627776, 784)", "dimension 0 (time steps T) is 0"},
		{"huge-steps-no-batch", "(1099511627776, 0, 784)", "dimension 1 (batch B) is 0"},
		{"no-steps", "(0, 784)", "dimension 0 (time steps T) is 0"},
		{"no-steps-batch", "(0, 3, 784)", "dimension 0 (time steps T) is 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".npy")
			writeNpyHeader(t, path, tc.shape)
			out, rec := filepath.Join(dir, tc.name+".out.npy"), filepath.Join(dir, tc.name+".rec")
			code, stdout, stderr := snnc("run", mnistModel, "--input", path, "--output", out, "--record", rec)
			assert.Equal(t, 1, code, stderr)
			assert.Contains(t, stderr, "snnc: "+path+": ")
			if strconv.IntSize == 64 || tc.shape == "(0, 784)" || tc.shape == "(0, 3, 784)" {
				assert.Contains(t, stderr, tc.want)
			}
			assert.NotContains(t, stdout, "class")
			assert.NoFileExists(t, out)
			assert.NoDirExists(t, rec, "nothing is left behind")
		})
	}
}

func TestRunChecksPathsFirst(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope", "y.npy")
	code, stdout, stderr := snnc("run", mnistModel, "--input", mnistInput, "--output", missing)
	assert.Equal(t, 1, code)
	assert.Equal(t, "snnc: --output "+missing+": directory "+filepath.Dir(missing)+" does not exist\n", stderr)
	assert.Empty(t, stdout, "nothing ran")

	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	code, _, stderr = snnc("run", mnistModel, "--input", mnistInput, "--output", filepath.Join(file, "y.npy"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "is not a directory")

	code, _, stderr = snnc("run", mnistModel, "--input", mnistInput, "--output", filepath.Join(dir, "y.npz"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--output "+filepath.Join(dir, "y.npz")+" should end in .npy")

	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		require.NoError(t, os.Mkdir(ro, 0o555))
		code, stdout, stderr = snnc("run", mnistModel, "--input", mnistInput, "--output", filepath.Join(ro, "y.npy"))
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "snnc: --output "+filepath.Join(ro, "y.npy")+": cannot write into "+ro+": permission denied")
		assert.Empty(t, stdout)
	}
}

func TestRunRecordDirectory(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec")
	run := func() (int, string) {
		code, _, stderr := snnc("run", mnistModel, "--input", mnistInput, "--record", rec)
		return code, stderr
	}
	code, stderr := run()
	require.Equal(t, 0, code, stderr)
	listed, err := readManifest(filepath.Join(rec, recordManifest))
	require.NoError(t, err)

	// A file an earlier run recorded, and no longer records, goes.
	stale := "99_gone.npy"
	require.NoError(t, os.WriteFile(filepath.Join(rec, stale), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(rec, recordManifest), []byte(stale+"\n"+joinLines(listed)), 0o644))
	code, stderr = run()
	require.Equal(t, 0, code, stderr)
	assert.NoFileExists(t, filepath.Join(rec, stale))
	entries, err := os.ReadDir(rec)
	require.NoError(t, err)
	assert.Len(t, entries, len(listed)+1, "the arrays and the manifest")

	// A file snnc did not write stops the run before it starts.
	require.NoError(t, os.WriteFile(filepath.Join(rec, "mine.npy"), []byte("keep"), 0o644))
	code, stderr = run()
	assert.Equal(t, 1, code)
	assert.Equal(t, "snnc: --record "+rec+": mine.npy was not written by snnc run; give a new or empty directory\n", stderr)
	assert.FileExists(t, filepath.Join(rec, "mine.npy"))

	// So does a non-empty directory without a manifest.
	other := filepath.Join(dir, "other")
	require.NoError(t, os.Mkdir(other, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(other, "old.npy"), nil, 0o644))
	code, _, stderr = snnc("run", mnistModel, "--input", mnistInput, "--record", other)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "--record "+other+": the directory is not empty and snnc run did not write it")
}

func joinLines(names []string) string {
	s := ""
	for _, n := range names {
		s += n + "\n"
	}
	return s
}

func TestRunDTFlag(t *testing.T) {
	for _, dt := range []string{"0", "-1", "NaN", "Inf", "-Inf"} {
		code, _, stderr := snnc("run", mnistModel, "--input", mnistInput, "--dt", dt)
		assert.Equal(t, 2, code, dt)
		assert.Contains(t, stderr, "--dt ", dt)
		assert.Contains(t, stderr, "must be a positive number of seconds", dt)
		assert.NotContains(t, stderr, "mnist_lif.snn.json", dt)
	}
	code, stdout, stderr := snnc("run", mnistModel, "--input", mnistInput, "--dt", "0.002")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "dt 0.002 s")
	code, stdout, _ = snnc("run", mnistModel, "--input", mnistInput)
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "dt 0.001 s", "the model's")
	code, _, stderr = snnc("plot", mnistModel, "--input", mnistInput, "-o", filepath.Join(t.TempDir(), "p.png"), "--dt", "0")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--dt 0: must be a positive number of seconds")
}

func TestRunMaxMemory(t *testing.T) {
	dir := t.TempDir()
	ts, err := tensorio.LoadFile(mnistInput)
	require.NoError(t, err)
	npz := filepath.Join(dir, "x.npz")
	require.NoError(t, tensorio.SaveFile(npz, ts[0]))
	code, _, stderr := snnc("run", mnistModel, "--input", npz, "--max-memory", "1KiB")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "snnc: "+npz+`: member "mnist_lif.npy": shape`)
	assert.Contains(t, stderr, "more than the memory limit of 1024 bytes (raise it with --max-memory)")
	code, _, stderr = snnc("run", mnistModel, "--input", npz, "--max-memory", "1GiB")
	assert.Equal(t, 0, code, stderr)
	code, _, stderr = snnc("run", mnistModel, "--input", npz, "--max-memory", "lots")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `want a positive size in bytes such as 4GiB, not "lots"`)
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "2k": 2048, "3KB": 3072, "512MiB": 512 << 20, "4GiB": 4 << 30, "1T": 1 << 40, "10B": 10} {
		var b byteSize
		require.NoError(t, b.Set(in), in)
		assert.Equal(t, want, int64(b), in)
	}
	for n, want := range map[int64]string{1 << 30: "1GiB", 3 << 20: "3MiB", 3072: "3KiB", 1536: "1536", 4 << 40: "4096GiB"} {
		assert.Equal(t, want, (*byteSize)(&n).String())
	}
	for _, in := range []string{"", "0", "-1", "1.5G", "G", "9999999999T", strconv.FormatFloat(math.Inf(1), 'g', -1, 64)} {
		var b byteSize
		assert.Error(t, b.Set(in), in)
	}
}

// A delay needs the whole sequence at once: such a model runs in one
// piece, and only if that fits in --max-memory.
func TestRunDelayRunsWhole(t *testing.T) {
	defer func(old float64) { runChunkBytes = old }(runChunkBytes)
	runChunkBytes = 1
	dir := t.TempDir()
	model := filepath.Join(dir, "delayed.snn.json")
	require.NoError(t, os.WriteFile(model, []byte(`{"snnc_model": 1, "name": "delayed", "dt": 0.001, "input_shape": [4],
 "layers": [{"type": "delay", "name": "d", "steps": 2}, {"type": "neuron", "name": "lif", "model": "lif"}]}`), 0o644))
	x := make([]float64, 50*2*4)
	for i := range x {
		x[i] = float64(i%7) / 3
	}
	input := filepath.Join(dir, "x.npy")
	require.NoError(t, tensorio.SaveFile(input, &tensorio.Tensor{Shape: []int{50, 2, 4}, DType: tensorio.Float32, Data: x}))
	out := filepath.Join(dir, "y.npy")
	code, _, stderr := snnc("run", model, "--input", input, "--output", out)
	require.Equal(t, 0, code, stderr)

	_, b, err := loadGraph(model, 0)
	require.NoError(t, err)
	xs, err := tensorio.LoadFile(input)
	require.NoError(t, err)
	whole, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: 50, B: 2, Inputs: map[string][]float64{"input": xs[0].Data}, Params: b.Params})
	require.NoError(t, err)
	ys, err := tensorio.LoadFile(out)
	require.NoError(t, err)
	require.Len(t, ys[0].Data, 400)
	for i, v := range whole.Values[b.Graph.Outputs[0].Node] {
		require.Equal(t, float64(float32(v)), ys[0].Data[i], "element %d", i)
	}

	code, _, stderr = snnc("run", model, "--input", input, "--output", out, "--max-memory", "1KiB")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "its delay layer sees the whole sequence, so it cannot run in pieces")
}

// A NIR model is decoded within --max-memory, and the error says how to
// raise it.
func TestNIRMaxMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mnist.nir")
	code, _, stderr := snnc("nir", "export", mnistModel, "-o", path)
	require.Equal(t, 0, code, stderr)
	for _, args := range [][]string{
		{"nir", "info", path, "--max-memory", "64KiB"},
		{"run", path, "--input", mnistInput, "--max-memory", "64KiB"},
		{"dump", path, "--max-memory", "64KiB"},
	} {
		code, _, stderr = snnc(args...)
		assert.Equal(t, 1, code, args)
		assert.Contains(t, stderr, "snnc: "+path+": nir: hdf5: decoding", args)
		assert.Contains(t, stderr, "more than the memory limit of 65536 bytes", args)
		assert.Contains(t, stderr, "(dataset /node/nodes/", args)
		assert.Contains(t, stderr, "(raise it with --max-memory)", args)
	}
	code, _, stderr = snnc("run", path, "--input", mnistInput, "--max-memory", "4MiB")
	assert.Equal(t, 0, code, stderr)
}

// An input that ends early fails the run part way, and what the run had
// started writing is removed.
func TestRunTruncatedInputLeavesNothing(t *testing.T) {
	defer func(old float64) { runChunkBytes = old }(runChunkBytes)
	runChunkBytes = 1
	dir := t.TempDir()
	path := filepath.Join(dir, "short.npy")
	writeNpyHeader(t, path, "(1000, 784)")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(make([]byte, 5*784*4)) // 5 of 1000 steps
	require.NoError(t, err)
	require.NoError(t, f.Close())

	code, _, stderr := snnc("run", mnistModel, "--input", path, "--output", filepath.Join(dir, "y.npy"), "--record", filepath.Join(dir, "rec"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "snnc: "+path+": data is truncated")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the input is left")
}

// Spikes saved as bool or uint8 run as their float32 copy does, streamed
// from a .npy file or read whole from an .npz.
func TestRunIntegerInput(t *testing.T) {
	dir := t.TempDir()
	ts, err := tensorio.LoadFile(mnistInput)
	require.NoError(t, err)
	spikes := make([]byte, len(ts[0].Data))
	for i, v := range ts[0].Data {
		require.True(t, v == 0 || v == 1, "the input is spikes")
		spikes[i] = byte(v)
	}
	want := filepath.Join(dir, "want.npy")
	code, _, stderr := snnc("run", mnistModel, "--input", mnistInput, "--output", want)
	require.Equal(t, 0, code, stderr)
	wantBytes, err := os.ReadFile(want)
	require.NoError(t, err)

	shape := "(100, 1, 784)"
	require.Equal(t, []int{100, 1, 784}, ts[0].Shape)
	for _, descr := range []string{"|b1", "|u1"} {
		input := filepath.Join(dir, "x.npy")
		writeNpyHeaderOf(t, input, descr, shape)
		f, err := os.OpenFile(input, os.O_APPEND|os.O_WRONLY, 0)
		require.NoError(t, err)
		_, err = f.Write(spikes)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		raw, err := os.ReadFile(input)
		require.NoError(t, err)

		npz := filepath.Join(dir, "x.npz")
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("x.npy")
		require.NoError(t, err)
		_, err = w.Write(raw)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		require.NoError(t, os.WriteFile(npz, buf.Bytes(), 0o644))

		for _, in := range []string{input, npz} {
			out := filepath.Join(dir, "y.npy")
			code, _, stderr := snnc("run", mnistModel, "--input", in, "--output", out)
			require.Equal(t, 0, code, "%s %s: %s", descr, in, stderr)
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, wantBytes, got, "%s %s", descr, in)
		}
	}
}
