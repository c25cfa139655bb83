package nir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/snnc/snnc/internal/hdf5"
)

// maxFileSize bounds the files Read accepts (1 GiB).
const maxFileSize = 1 << 30

// DefaultMaxMemory is the decode budget of a file read with a zero
// ReadOptions.MaxMemory: 1 GiB.
const DefaultMaxMemory = hdf5.DefaultMaxMemory

// ErrMemoryLimit is wrapped by the error returned when a file decodes to
// more than ReadOptions.MaxMemory.
var ErrMemoryLimit = hdf5.ErrMemoryLimit

// ReadOptions tunes reading a file.
type ReadOptions struct {
	// MaxMemory bounds the memory that decoding the file's datasets may
	// take in all. Zero means DefaultMaxMemory; negative means no limit.
	// A dataset is decoded once however many links it has.
	MaxMemory int64
}

// ReadFile reads the NIR graph stored in the file at path. Errors name the
// file.
func ReadFile(path string) (*Graph, error) { return ReadFileWith(path, ReadOptions{}) }

// ReadFileWith is ReadFile with options.
func ReadFileWith(path string, opt ReadOptions) (*Graph, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	g, err := DecodeWith(data, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// Read reads a NIR graph from the size bytes of r.
func Read(r io.ReaderAt, size int64) (*Graph, error) {
	if size < 0 || size > maxFileSize {
		return nil, fmt.Errorf("nir: file size %d is out of range", size)
	}
	data := make([]byte, size)
	if n, err := r.ReadAt(data, 0); n < len(data) {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("nir: %w", err)
	}
	return Decode(data)
}

// Decode reads a NIR graph from the bytes of an HDF5 file as nir.write
// stores it: a root "version" string and a group "node" holding the top
// NIRGraph.
//
// Decode reads the file faithfully and checks only its layout: every node
// needs a string "type", a NIRGraph node a "nodes" group, and edges must be
// pairs of names. Missing neuron parameters with a documented default are
// filled in (v_reset = 0, w_in = 1) and listed in Node.Defaulted. Whether
// the graph is consistent (parameters present and of matching shapes, edges
// naming existing nodes) is for Check to say.
//
// Nodes whose parameters are hard links to one dataset share its values.
func Decode(data []byte) (*Graph, error) { return DecodeWith(data, ReadOptions{}) }

// DecodeWith is Decode with options.
func DecodeWith(data []byte, opt ReadOptions) (*Graph, error) {
	f, err := hdf5.OpenWith(data, hdf5.Options{MaxMemory: opt.MaxMemory})
	if err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	root := f.Root()
	top, err := root.Group("node")
	if err != nil {
		if a, e := root.Attr("__type__"); e == nil {
			if s, e := a.Strings(); e == nil && len(s) == 1 {
				return nil, fmt.Errorf("nir: the file holds %s (recorded data), not a NIR graph", s[0])
			}
		}
		if _, e := root.Dataset("edges"); e == nil {
			return nil, errors.New("nir: the file has the NIR 0.0.x layout (root groups nodes/edges), which is not supported")
		}
		return nil, errors.New("nir: the file has no /node group: not a NIR graph")
	}
	typ, err := nodeType(top)
	if err != nil {
		return nil, err
	}
	if typ != TypeGraph {
		return nil, fmt.Errorf("nir: /node is a %s node; a NIR file's top node must be a NIRGraph", typ)
	}
	g, err := readGraph(top)
	if err != nil {
		return nil, err
	}
	if d, err := root.Dataset("version"); err == nil {
		if g.Version, err = scalarString(d); err != nil {
			return nil, fmt.Errorf("nir: /version: %w", err)
		}
	}
	return g, nil
}

// nodeType reads a node group's "type" string.
func nodeType(grp *hdf5.Group) (string, error) {
	d, err := grp.Dataset("type")
	if err != nil {
		return "", fmt.Errorf("nir: node %s has no type dataset", grp.Path())
	}
	s, err := scalarString(d)
	if err != nil {
		return "", fmt.Errorf("nir: node %s: type: %w", grp.Path(), err)
	}
	return s, nil
}

// scalarString reads a dataset holding one string.
func scalarString(d *hdf5.Dataset) (string, error) {
	if d.Type().Kind != hdf5.String || d.Len() != 1 {
		return "", fmt.Errorf("want one string, have %s %v", d.Type(), d.Shape())
	}
	s, err := d.Strings()
	if err != nil {
		return "", err
	}
	return s[0], nil
}

// readGraph reads a NIRGraph group: nodes/, edges and metadata/.
func readGraph(grp *hdf5.Group) (*Graph, error) {
	g := NewGraph()
	nodes, err := grp.Group("nodes")
	if err != nil {
		return nil, fmt.Errorf("nir: graph %s has no nodes group", grp.Path())
	}
	for _, ng := range nodes.Groups() {
		n, err := readNode(ng)
		if err != nil {
			return nil, err
		}
		g.Nodes[ng.Name()] = n
	}
	if d, err := grp.Dataset("edges"); err == nil {
		if g.Edges, err = readEdges(d); err != nil {
			return nil, err
		}
	}
	if mg, err := grp.Group("metadata"); err == nil {
		if g.Metadata, err = readMetadata(mg); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// readEdges reads an (N,2) string dataset; an empty list may be stored as
// an empty array of any type.
func readEdges(d *hdf5.Dataset) ([]Edge, error) {
	if d.Len() == 0 {
		return nil, nil
	}
	shape := d.Shape()
	if d.Type().Kind != hdf5.String || len(shape) != 2 || shape[1] != 2 {
		return nil, fmt.Errorf("nir: %s is %s %v, want (N,2) strings", d.Path(), d.Type(), shape)
	}
	s, err := d.Strings()
	if err != nil {
		return nil, fmt.Errorf("nir: %w", err)
	}
	edges := make([]Edge, 0, len(s)/2)
	for i := 0; i+1 < len(s); i += 2 {
		edges = append(edges, Edge{From: s[i], To: s[i+1]})
	}
	return edges, nil
}

// readNode reads a node group.
func readNode(grp *hdf5.Group) (*Node, error) {
	typ, err := nodeType(grp)
	if err != nil {
		return nil, err
	}
	n := NewNode(typ)
	if typ == TypeGraph {
		if n.Graph, err = readGraph(grp); err != nil {
			return nil, err
		}
	} else {
		for _, d := range grp.Datasets() {
			if d.Name() == "type" {
				continue
			}
			if d.Type().Kind == hdf5.String {
				if n.Strings[d.Name()], err = scalarString(d); err != nil {
					return nil, fmt.Errorf("nir: %s: %w", d.Path(), err)
				}
				continue
			}
			v, err := d.Float64s()
			if err != nil {
				return nil, fmt.Errorf("nir: %w", err)
			}
			n.Params[d.Name()] = Tensor{Shape: d.Shape(), Data: v}
		}
		fillDefaults(n)
	}
	if mg, err := grp.Group("metadata"); err == nil {
		if n.Metadata, err = readMetadata(mg); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// fillDefaults adds the missing parameters that have a documented default,
// in the shape of the node's other neuron parameters.
func fillDefaults(n *Node) {
	var shape []int
	found := false
	for _, p := range schemas[n.Type] {
		if t, ok := n.Params[p.name]; ok && p.kind == floatParam && !p.hasDefault {
			shape, found = t.Shape, true
			break
		}
	}
	if !found {
		return
	}
	for _, p := range schemas[n.Type] {
		if _, ok := n.Params[p.name]; !ok && p.hasDefault {
			n.Params[p.name] = Fill(shape, p.def)
			n.Defaulted = append(n.Defaulted, p.name)
		}
	}
}

// readMetadata reads a metadata group recursively.
func readMetadata(grp *hdf5.Group) (Metadata, error) {
	m := Metadata{}
	for _, d := range grp.Datasets() {
		v, err := metadataValue(d)
		if err != nil {
			return nil, fmt.Errorf("nir: %s: %w", d.Path(), err)
		}
		m[d.Name()] = v
	}
	for _, sub := range grp.Groups() {
		v, err := readMetadata(sub)
		if err != nil {
			return nil, err
		}
		m[sub.Name()] = v
	}
	return m, nil
}

// metadataValue converts a metadata dataset: scalars become string, bool,
// int64 or float64; arrays keep their element type in an Array.
func metadataValue(d *hdf5.Dataset) (any, error) {
	t := d.Type()
	shape := d.Shape()
	scalar := len(shape) == 0
	var data any
	switch {
	case t.Kind == hdf5.String:
		s, err := d.Strings()
		if err != nil {
			return nil, err
		}
		if scalar {
			return s[0], nil
		}
		data = s
	case t.IsBool():
		v, err := d.Int64s()
		if err != nil {
			return nil, err
		}
		b := make([]bool, len(v))
		for i, x := range v {
			b[i] = x != 0
		}
		if scalar {
			return b[0], nil
		}
		data = b
	case t.Kind == hdf5.Float:
		v, err := d.Float64s()
		if err != nil {
			return nil, err
		}
		if scalar {
			return v[0], nil
		}
		data = v
		if t.Size == 4 {
			data = convertSlice[float32](v)
		}
	default: // integers and other enums
		v, err := d.Int64s()
		if err != nil {
			return nil, err
		}
		if scalar {
			return v[0], nil
		}
		data = intSlice(t, v)
	}
	return Array{Shape: shape, Data: data}, nil
}

// intSlice converts integers to a slice of the stored integer type.
func intSlice(t hdf5.DType, v []int64) any {
	if t.Kind == hdf5.Uint || t.Kind == hdf5.Enum && !t.Signed {
		switch t.Size {
		case 1:
			return convertSlice[uint8](v)
		case 2:
			return convertSlice[uint16](v)
		case 4:
			return convertSlice[uint32](v)
		}
		return convertSlice[uint64](v)
	}
	switch t.Size {
	case 1:
		return convertSlice[int8](v)
	case 2:
		return convertSlice[int16](v)
	case 4:
		return convertSlice[int32](v)
	}
	return slices.Clone(v)
}

type number interface {
	~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64 | ~int
}

func convertSlice[T, S number](v []S) []T {
	out := make([]T, len(v))
	for i, x := range v {
		out[i] = T(x)
	}
	return out
}
