package cli

import (
	"io"

	"github.com/snnc/snnc/compiler"
)

const checkSynopsis = "check DIR [--purego]"

// cmdCheck vets and tests a generated package (compiler.Check).
func cmdCheck(args []string, stdout io.Writer) error {
	fs := newFlags("check", checkSynopsis, stdout)
	purego := fs.Bool("purego", false, "also test with the purego build tag (plain-Go kernels only)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"check needs one DIR holding a package written by snnc compile"}
	}
	return compiler.Check(pos[0], compiler.CheckOptions{Purego: *purego, Out: stdout})
}
