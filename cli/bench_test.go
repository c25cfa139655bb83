package cli

import (
	"bytes"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lineWriter sends each write to a channel, so that a test sees when the
// writer was called.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) { w <- string(p); return len(p), nil }

// TestBenchStreamsRows checks that each benchmark row is printed as soon
// as go test reports it, before the rest of the output exists.
func TestBenchStreamsRows(t *testing.T) {
	pr, pw := io.Pipe()
	rows := make(lineWriter, 10)
	var all bytes.Buffer
	done := make(chan struct{})
	go func() { streamBench(pr, rows, &all); close(done) }()

	_, err := io.WriteString(pw, "goos: linux\nBenchmarkLif1Kernel/impl=avx2-2   20  1692741 ns/op  2.000 ns/neuron-step\n")
	require.NoError(t, err)
	select {
	case row := <-rows:
		assert.Regexp(t, `measured Lif1 +forward +avx2 +2\.000 ns/neuron-step`, row)
	case <-time.After(10 * time.Second):
		t.Fatal("the first row was not printed while go test was still running")
	}
	_, err = io.WriteString(pw, "BenchmarkLif1Kernel/impl=floor-2   20  1692741 ns/op  0.500 ns/neuron-step\nPASS\n")
	require.NoError(t, err)
	assert.Contains(t, <-rows, "floor")
	pw.Close()
	<-done
	assert.Len(t, rows, 0)
	assert.Equal(t, 2, len(parseBench(all.Bytes())), "the whole output is kept for the table")
}

// TestRunStreamingOutput runs a real command through runStreaming: its
// output is kept whole, and its exit status is returned.
func TestRunStreamingOutput(t *testing.T) {
	var progress strings.Builder
	out, err := runStreaming(exec.Command("sh", "-c", "echo 'BenchmarkAKernel/impl=generic 1 1 ns/op 3.5 ns/neuron-step'; echo oops >&2; exit 3"), &progress)
	require.Error(t, err)
	assert.Contains(t, string(out), "oops")
	assert.Contains(t, progress.String(), "measured A")
}

func TestParseNetworkBench(t *testing.T) {
	out := []byte("cpu: X\nBenchmarkForward-2   \t3\t10471635 ns/op\t 10.47 ms/forward\nBenchmarkTrainStep-2 \t3\t641102669 ns/op\t 641.1 ms/train-step\n" +
		"BenchmarkForwardBits-2 \t3\t1 ns/op\t 9.5 ms/forward\nBenchmarkTrainStepBits-2 \t3\t1 ns/op\t 600.5 ms/train-step\nBenchmarkLif1Kernel/impl=avx2-2 20 1 ns/op 2.000 ns/neuron-step\n")
	assert.Equal(t, map[string]float64{"Forward": 10.47, "TrainStep": 641.1, "ForwardBits": 9.5, "TrainStepBits": 600.5}, parseNetworkBench(out))
	assert.Empty(t, parseNetworkBench([]byte("BenchmarkLif1Kernel/impl=avx2-2 20 1 ns/op 2.000 ns/neuron-step\n")))
}

func TestBenchNetworkFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "../testdata/models/mnist_lif.snn.json", "--T", "0"},
		{"bench", "../testdata/models/mnist_lif.snn.json", "--B", "-1"},
		{"bench", "../testdata/models/mnist_lif.snn.json", "--threads", "0"},
	} {
		code, _, stderr := snnc(args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Contains(t, stderr, "--T, --B and --threads must be at least 1", "%v", args)
	}
}
