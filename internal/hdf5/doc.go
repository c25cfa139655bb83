// Package hdf5 reads and writes the subset of HDF5 that NIR
// (neuromorphic intermediate representation) files use.
//
// The reader understands what h5py writes with its default
// libver=('earliest', 'latest') setting, plus a little more:
//
//   - superblock versions 0 and 1, any base address (user block);
//   - version-1 object headers, including continuation blocks;
//   - symbol-table groups: version-1 B-trees of any depth, symbol nodes
//     (SNOD) and local heaps;
//   - contiguous, compact and chunked dataset layouts; chunked data may be
//     deflate-compressed, partial edge chunks and per-chunk filter masks are
//     honoured, and missing chunks read as the fill value;
//   - integers of 1, 2, 4 and 8 bytes (signed or unsigned), IEEE float32 and
//     float64, both byte orders; fixed-length and variable-length strings
//     (ASCII or UTF-8, the latter stored in the global heap); integer enums,
//     such as the FALSE/TRUE enum h5py uses for bool;
//   - attributes on groups and datasets; scalar and simple dataspaces.
//
// Anything else (superblock v2/v3, version-2 object headers, link-message
// groups, soft and external links, filters other than deflate, compound and
// other datatypes, ...) is reported as an error that wraps [ErrUnsupported]
// and names the feature. Groups must form a tree: a group linked from two
// places is rejected, which rules out cycles. A dataset may have several
// links.
//
// [Open] parses and checks all metadata up front, so a file that opens can
// be walked without further errors: [Group.Members], [Group.Groups] and
// [Group.Datasets] list a group's children in byte-wise name order, and
// [Group.Group] and [Group.Dataset] resolve slash-separated paths. Reading
// values ([Dataset.Float64s], [Dataset.Int64s], [Dataset.Strings],
// [Dataset.Raw]) decodes the stored data on demand. Any numeric type reads
// as float64; Int64s accepts floating-point data only if it is integral.
//
// The reader treats its input as hostile: corrupt or truncated files yield
// errors, never panics, and no allocation exceeds what the file could hold
// (for compressed data, its size times deflate's maximum expansion ratio).
// Values are decoded once per object, whatever the number of links or
// references to it, and all decoding of one file shares one memory budget
// ([Options.MaxMemory], default 1 GiB; [OpenWith]); going past it is an
// error wrapping [ErrMemoryLimit].
//
// [Writer] builds a file in memory and serializes it the way h5py does by
// default: superblock v0, version-1 object headers, symbol-table groups
// (of any size), contiguous storage, variable-length strings in the global
// heap. HDF5's own tools (h5dump, h5py) read its output, and HDF5 can modify
// it.
//
//	w := hdf5.NewWriter()
//	node, err := w.Root().CreateGroup("node")
//	...
//	_, err = node.CreateDataset("type", nil, "NIRGraph")
//	_, err = node.CreateDataset("weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
//	data, err := w.Bytes()
//
// All errors begin with "hdf5: ". Structural problems carry the file offset
// at which they were found.
package hdf5
