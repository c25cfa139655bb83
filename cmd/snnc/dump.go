package main

import "io"

func cmdDump(args []string, stdout io.Writer) error {
	fs := newFlags("dump", "dump MODEL [--dt DT]", stdout)
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"dump needs one MODEL file"}
	}
	_, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	return b.Graph.Print(stdout)
}
