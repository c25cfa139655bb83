package hdf5

import "fmt"

// readChunked assembles a chunked dataset from the leaves of its chunk
// B-tree. Chunks that were never written keep the fill value.
func (di *datasetInfo) readChunked() ([]byte, error) {
	f, l := di.f, di.layout
	out := di.filled()
	if l.addr == undefAddr || di.nbytes == 0 {
		return out, nil
	}
	rank := len(di.space.shape)
	chunkBytes := uint64(di.dtype.Size)
	for _, c := range l.chunk {
		chunkBytes *= uint64(c) // bounded by checkLayout
	}

	// In a valid file the B-tree nodes and the chunks are disjoint, so the
	// bytes scanned and decompressed are bounded by the file size and by
	// maxDataBytes. A hostile file that reuses them runs out of budget.
	scanBudget := int64(len(f.data)) + 4096
	inflateBudget := f.maxDataBytes()
	seen := make(map[string]bool)
	offsets := make([]int, rank)

	w := &btreeWalk{
		f:       f,
		typ:     btreeChunk,
		keySize: 8 + 8*(rank+1),
		spend: func(n int, off int64) error {
			if scanBudget -= int64(n); scanBudget < 0 {
				return errorf("chunk B-tree at offset %#x revisits the same bytes too often", off)
			}
			return nil
		},
		visit: func(key []byte, child uint64) error {
			kd := f.newDecoder(key, 0, "chunk key")
			size := uint64(kd.u32())
			mask := kd.u32()
			for i := range offsets {
				o := kd.u64()
				if o%uint64(l.chunk[i]) != 0 || o >= uint64(di.space.shape[i]) {
					return errorf("chunk at offset %#x has invalid position %d in dimension %d",
						f.fileOffset(child), o, i)
				}
				offsets[i] = int(o)
			}
			id := string(key[8:]) // the chunk's position
			if seen[id] {
				return errorf("chunk at offset %#x is stored twice", f.fileOffset(child))
			}
			seen[id] = true
			if inflateBudget < chunkBytes {
				return errorf("chunks decompress to more data than the file could hold")
			}
			inflateBudget -= chunkBytes
			stored, err := f.at(child, size, "chunk")
			if err != nil {
				return err
			}
			data, err := di.unfilter(stored, mask, chunkBytes)
			if err != nil {
				return fmt.Errorf("hdf5: chunk at offset %#x: %w", f.fileOffset(child), err)
			}
			di.copyChunk(out, data, offsets)
			return nil
		},
	}
	if err := w.run(l.addr); err != nil {
		return nil, err
	}
	return out, nil
}

// unfilter undoes the filter pipeline for one chunk. Bit i of mask set
// means filter i was skipped when the chunk was written.
func (di *datasetInfo) unfilter(stored []byte, mask uint32, chunkBytes uint64) ([]byte, error) {
	// Filters run in pipeline order when writing, so undo them backwards.
	// Every filter is deflate (readFilters rejects others), so it is enough
	// to count the stages that apply to this chunk.
	stages := 0
	for i := range di.filters {
		if i >= 32 || mask&(1<<i) == 0 {
			stages++
		}
	}
	if stages == 0 {
		if uint64(len(stored)) < chunkBytes {
			return nil, fmt.Errorf("stored %d bytes, want %d", len(stored), chunkBytes)
		}
		return stored[:chunkBytes], nil
	}
	// Refuse before allocating if deflate could not produce this much.
	if chunkBytes > uint64(len(stored))*maxInflateRatio+1024 {
		return nil, fmt.Errorf("%d stored bytes cannot decompress to %d", len(stored), chunkBytes)
	}
	data := stored
	for n := range stages {
		want := -1
		if n == stages-1 {
			want = int(chunkBytes)
		}
		// Deflate barely expands incompressible input, so an intermediate
		// stage never needs more than twice the chunk.
		var err error
		if data, err = inflate(data, want, 2*int(chunkBytes)+1024); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// copyChunk copies the part of a chunk at the given element offsets that
// lies inside the dataset into out. Edge chunks are stored full-size.
func (di *datasetInfo) copyChunk(out, chunk []byte, offsets []int) {
	shape, cshape := di.space.shape, di.layout.chunk
	rank, esize := len(shape), di.dtype.Size
	// Element strides of the dataset and of the chunk, row-major.
	dstride := make([]int, rank)
	cstride := make([]int, rank)
	ds, cs := 1, 1
	for i := rank - 1; i >= 0; i-- {
		dstride[i], cstride[i] = ds, cs
		ds *= shape[i]
		cs *= cshape[i]
	}
	// extent[i] is how much of the chunk lies inside the dataset.
	extent := make([]int, rank)
	for i := range extent {
		extent[i] = min(cshape[i], shape[i]-offsets[i])
	}
	rowBytes := extent[rank-1] * esize
	idx := make([]int, rank) // position within the chunk; the last stays 0
	for {
		src, dst := 0, 0
		for i := range idx {
			src += idx[i] * cstride[i]
			dst += (offsets[i] + idx[i]) * dstride[i]
		}
		copy(out[dst*esize:dst*esize+rowBytes], chunk[src*esize:])
		// Advance the odometer over all but the last dimension.
		i := rank - 2
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < extent[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}
