package gogen

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Golden is what the float32 interpreter computed for one input at compile
// time; the package's model_test.go and train_test.go (testrt/) check the
// compiled package against it.
type Golden struct {
	T, B   int
	Arrays []GoldenArray // "x", "y", and with gradients "dy", "grad.input", "grad.<param>"
}

// GoldenArray is one named array of a Golden.
type GoldenArray struct {
	Name string
	Data []float64
}

// goldenMagic starts a golden file; the version is its last byte.
const goldenMagic = "SNNCGLD1"

// encode writes the golden file: the magic, T and B as uint32, the array
// count, then per array a uint16 name length, the name, a uint32 length
// and float32 values, all little-endian.
func (gd *Golden) encode() []byte {
	var b bytes.Buffer
	b.WriteString(goldenMagic)
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, uint32(gd.T)))
	b.Write(le.AppendUint32(nil, uint32(gd.B)))
	b.Write(le.AppendUint32(nil, uint32(len(gd.Arrays))))
	for _, a := range gd.Arrays {
		b.Write(le.AppendUint16(nil, uint16(len(a.Name))))
		b.WriteString(a.Name)
		b.Write(le.AppendUint32(nil, uint32(len(a.Data))))
		for _, v := range a.Data {
			b.Write(le.AppendUint32(nil, math.Float32bits(float32(v))))
		}
	}
	return b.Bytes()
}
