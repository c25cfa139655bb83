package dataset

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// Batch is a run of consecutive samples of a dataset view: one call of a
// compiled network with B = Len() batch entries.
type Batch struct {
	d          *Dataset
	start, end int
}

// Batches cuts d, in its order, into batches of size samples. When Len is
// not a multiple of size, the last batch holds the remaining samples if
// keepPartial is true and is dropped otherwise; dropping keeps every batch
// the same size, which a network state made for B entries needs.
func (d *Dataset) Batches(size int, keepPartial bool) ([]Batch, error) {
	if size <= 0 {
		return nil, fmt.Errorf("%s: batch size %d is not positive", d.name, size)
	}
	n := d.Len()
	count := n / size
	if keepPartial && n%size != 0 {
		count++
	}
	batches := make([]Batch, count)
	for k := range batches {
		batches[k] = Batch{d: d, start: k * size, end: min((k+1)*size, n)}
	}
	return batches, nil
}

// Len returns the number of samples in the batch, B.
func (b Batch) Len() int { return b.end - b.start }

// Index returns the position in the original data of the batch's j-th
// sample, for reports that name a sample.
func (b Batch) Index(j int) int { return b.d.Index(b.start + j) }

// Labels returns the labels of the batch's samples, in dst if it has room.
func (b Batch) Labels(dst []int) []int {
	dst = dst[:0]
	for i := b.start; i < b.end; i++ {
		dst = append(dst, b.d.Label(i))
	}
	return dst
}

// Inputs returns the batch's samples as one [B][features] array, in dst if
// it has room.
func (b Batch) Inputs(dst []float32) []float32 {
	dst = dst[:0]
	for i := b.start; i < b.end; i++ {
		x, _ := b.d.Sample(i)
		dst = append(dst, x...)
	}
	return dst
}

// maxEncoded bounds the values of one encoded batch, so that a T or batch
// size given by mistake cannot ask for unbounded memory: 2^31-1 float32
// values, 8 GiB.
const maxEncoded = math.MaxInt32

// Encode returns the batch encoded over T time steps as the [T][B][features]
// float32 array a compiled network takes as input, in dst if it has room.
// Large batches are encoded on GOMAXPROCS goroutines, so enc.Encode must be
// safe to call concurrently for different samples.
// epoch is passed to the encoder with each sample's original position, so
// that a random encoder gives each sample in each epoch spikes of its own
// that do not depend on the batch it is in or on which goroutine encodes it.
func (b Batch) Encode(enc Encoder, T int, epoch uint64, dst []float32) ([]float32, error) {
	B, F := b.Len(), b.d.features
	if err := b.checkEncoded(T); err != nil {
		return nil, err
	}
	n := T * B * F
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	b.encode(n, epoch, func(j int, x []float32, key SampleKey) { enc.Encode(dst[j*F:], B*F, x, T, key) })
	return dst, nil
}

// EncodeBits is Encode for an encoder of spikes, bit-packed: the
// [T][B][Words(features)] words a compiled package's ForwardBits and
// TrainStepBits take, the spikes Encode gives for the same arguments.
func (b Batch) EncodeBits(enc BitsEncoder, T int, epoch uint64, dst []uint64) ([]uint64, error) {
	B, W := b.Len(), Words(b.d.features)
	if err := b.checkEncoded(T); err != nil {
		return nil, err
	}
	n := T * B * W
	if cap(dst) < n {
		dst = make([]uint64, n)
	}
	dst = dst[:n]
	b.encode(n, epoch, func(j int, x []float32, key SampleKey) { enc.EncodeBits(dst[j*W:], B*W, x, T, key) })
	return dst, nil
}

// checkEncoded refuses a negative T and encoded batches of more than
// maxEncoded values.
func (b Batch) checkEncoded(T int) error {
	B, F := b.Len(), b.d.features
	if T < 0 {
		return fmt.Errorf("%s: negative number of time steps %d", b.d.name, T)
	}
	if n := int64(T) * int64(B) * int64(F); n > maxEncoded {
		return fmt.Errorf("%s: T=%d × B=%d × %d features = %d values is more than the limit of %d",
			b.d.name, T, B, F, n, maxEncoded)
	}
	return nil
}

// encode calls one(j, x, key) for each sample j of the batch, x its values
// and key its SampleKey in epoch; n is the size of the result. The
// samples are independent (their spikes depend only on their key), so
// large batches are encoded on every core, in parts of consecutive
// samples, with the same result.
func (b Batch) encode(n int, epoch uint64, one func(j int, x []float32, key SampleKey)) {
	B := b.Len()
	part := func(j0, j1 int) {
		for j := j0; j < j1; j++ {
			x, _ := b.d.Sample(b.start + j)
			one(j, x, SampleKey{Epoch: epoch, Index: b.Index(j)})
		}
	}
	parts := min(runtime.GOMAXPROCS(0), B, max(1, n/minEncodePart))
	if parts <= 1 {
		part(0, B)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { part(p*B/parts, (p+1)*B/parts) })
	}
	wg.Wait()
}

// minEncodePart is the fewest values a goroutine of Encode writes: below
// that, starting it costs more than it saves.
const minEncodePart = 1 << 16
