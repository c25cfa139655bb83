package hdf5_test

import (
	"fmt"
	"log"

	"github.com/snnc/snnc/internal/hdf5"
)

// A NIR-style file: a group per node with a "type" string dataset and
// parameter arrays.
func ExampleWriter() {
	w := hdf5.NewWriter()
	node, err := w.Root().CreateGroup("node")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := node.CreateDataset("type", nil, "Linear"); err != nil {
		log.Fatal(err)
	}
	if _, err := node.CreateDataset("weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		log.Fatal(err)
	}
	data, err := w.Bytes()
	if err != nil {
		log.Fatal(err)
	}

	f, err := hdf5.Open(data)
	if err != nil {
		log.Fatal(err)
	}
	g, err := f.Group("/node")
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range g.Datasets() {
		fmt.Println(d.Path(), d.Type(), d.Shape())
	}
	typ, err := f.Dataset("/node/type")
	if err != nil {
		log.Fatal(err)
	}
	s, err := typ.Strings()
	if err != nil {
		log.Fatal(err)
	}
	weight, err := g.Dataset("weight")
	if err != nil {
		log.Fatal(err)
	}
	v, err := weight.Float64s()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s[0], v)
	// Output:
	// /node/type string(vlen,utf8) []
	// /node/weight float32 [2 3]
	// Linear [1 2 3 4 5 6]
}
