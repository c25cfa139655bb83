package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/snnc/snnc/internal/tensorio"
)

const mnistSpikesModel = "../testdata/models/mnist_lif_spikes.snn.json"

// snnc run takes spike input for a model whose input is declared as spikes,
// gives what the same model without the declaration gives, and refuses
// any other value, naming the input file, the time step, batch entry and
// feature, and the value.
func TestRunSpikeInput(t *testing.T) {
	code, stdout, stderr := snnc("run", mnistSpikesModel, "--input", mnistInput)
	require.Equal(t, 0, code, stderr)
	_, plain, _ := snnc("run", mnistModel, "--input", mnistInput)
	assert.Equal(t, strings.Replace(plain, "mnist_lif:", "mnist_lif_spikes:", 1), stdout, "declaring the input as spikes changes nothing for spike input")

	ins, err := tensorio.LoadFile(mnistInput)
	require.NoError(t, err)
	bad := ins[0]
	bad.Data = append([]float64(nil), bad.Data...)
	k := 5*784 + 300 // t = 5 (B = 1), feature 300
	bad.Data[k] = 0.25
	path := filepath.Join(t.TempDir(), "bad.npy")
	require.NoError(t, tensorio.SaveFile(path, bad))
	code, _, stderr = snnc("run", mnistSpikesModel, "--input", path)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "snnc: "+path+": mnist_lif_spikes's input declared spikes, but the value at t=5, b=0, i=300 (flat index 4220) is 0.25, not 0 or 1")
}
