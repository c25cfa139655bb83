package nir

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"

	"github.com/snnc/snnc/internal/hdf5"
)

// WriterVersion is stored in the root "version" dataset of the files Write
// produces when the graph has no Version: the NIR release whose layout the
// writer follows.
const WriterVersion = "1.0.7"

// Encode serializes g the way released NIR (nir.write with h5py) does:
// superblock v0, symbol-table groups, contiguous datasets, variable-length
// UTF-8 strings. Floating-point parameters are stored as float64 and
// integer ones (shapes, strides, dims) as int64, so nothing is rounded.
func Encode(g *Graph) ([]byte, error) {
	w := hdf5.NewWriter()
	root := w.Root()
	version := g.Version
	if version == "" {
		version = WriterVersion
	}
	if _, err := root.CreateDataset("version", nil, version); err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	top, err := root.CreateGroup("node")
	if err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	if err := writeGraph(top, g); err != nil {
		return nil, err
	}
	b, err := w.Bytes()
	if err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	return b, nil
}

// Write writes g as a NIR file to w.
func Write(w io.Writer, g *Graph) error {
	b, err := Encode(g)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFile writes g as a NIR file at path.
func WriteFile(path string, g *Graph) error {
	b, err := Encode(g)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, b, 0o644)
}

// writeGraph fills a NIRGraph group.
func writeGraph(grp *hdf5.WriterGroup, g *Graph) error {
	if _, err := grp.CreateDataset("type", nil, TypeGraph); err != nil {
		return fmt.Errorf("nir: %w", err)
	}
	var err error
	if len(g.Edges) == 0 {
		// nir.write stores an empty edge list as a float64 array of shape (0,).
		_, err = grp.CreateDataset("edges", []int{0}, []float64{})
	} else {
		names := make([]string, 0, 2*len(g.Edges))
		for _, e := range g.Edges {
			names = append(names, e.From, e.To)
		}
		_, err = grp.CreateDataset("edges", []int{len(g.Edges), 2}, names)
	}
	if err != nil {
		return fmt.Errorf("nir: %w", err)
	}
	nodes, err := grp.CreateGroup("nodes")
	if err != nil {
		return fmt.Errorf("nir: %w", err)
	}
	for _, name := range g.Names() {
		ng, err := nodes.CreateGroup(name)
		if err != nil {
			return fmt.Errorf("nir: node %q: %w", name, err)
		}
		if err := writeNode(ng, g.Nodes[name]); err != nil {
			return err
		}
	}
	return writeMetadata(grp, g.Metadata)
}

// writeNode fills a node group.
func writeNode(grp *hdf5.WriterGroup, n *Node) error {
	if n.Type == TypeGraph {
		if n.Graph == nil {
			return fmt.Errorf("nir: %s: NIRGraph node without a graph", grp.Path())
		}
		if err := writeGraph(grp, n.Graph); err != nil {
			return err
		}
		return writeMetadata(grp, n.Metadata)
	}
	if _, err := grp.CreateDataset("type", nil, n.Type); err != nil {
		return fmt.Errorf("nir: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(n.Params)) {
		t := n.Params[name]
		if size(t.Shape) != len(t.Data) {
			return fmt.Errorf("nir: %s/%s: shape %v holds %d values, have %d", grp.Path(), name, t.Shape, size(t.Shape), len(t.Data))
		}
		var data any = t.Data
		if intParams(n.Type, name) {
			ints := make([]int64, len(t.Data))
			for i, v := range t.Data {
				if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
					return fmt.Errorf("nir: %s/%s: %v is not an integer", grp.Path(), name, v)
				}
				ints[i] = int64(v)
			}
			data = ints
		}
		if _, err := grp.CreateDataset(name, shapeOrScalar(t.Shape), data); err != nil {
			return fmt.Errorf("nir: %w", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(n.Strings)) {
		if _, err := grp.CreateDataset(name, nil, n.Strings[name]); err != nil {
			return fmt.Errorf("nir: %w", err)
		}
	}
	return writeMetadata(grp, n.Metadata)
}

// shapeOrScalar returns shape, with a nil shape meaning a scalar.
func shapeOrScalar(shape []int) []int {
	if shape == nil {
		return []int{}
	}
	return shape
}

// writeMetadata writes a non-empty metadata group.
func writeMetadata(parent *hdf5.WriterGroup, m Metadata) error {
	if len(m) == 0 {
		return nil
	}
	grp, err := parent.CreateGroup("metadata")
	if err != nil {
		return fmt.Errorf("nir: %w", err)
	}
	return writeMetadataGroup(grp, m)
}

func writeMetadataGroup(grp *hdf5.WriterGroup, m Metadata) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var err error
		switch v := m[k].(type) {
		case Metadata:
			var sub *hdf5.WriterGroup
			if sub, err = grp.CreateGroup(k); err == nil {
				err = writeMetadataGroup(sub, v)
			}
		case Array:
			_, err = grp.CreateDataset(k, shapeOrScalar(v.Shape), v.Data)
		case int:
			_, err = grp.CreateDataset(k, nil, int64(v))
		default:
			_, err = grp.CreateDataset(k, nil, v)
		}
		if err != nil {
			return fmt.Errorf("nir: metadata %s/%s: %w", grp.Path(), k, err)
		}
	}
	return nil
}
