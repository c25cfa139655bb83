package main

import (
	"errors"
	"io"
)

const (
	plotSynopsis = "plot MODEL --input X.npy -o OUT.png"
	plotSummary  = "draw a spike raster and membrane traces as PNG (not built yet)"
)

func cmdPlot(args []string, stdout io.Writer) error {
	return errors.New("plot: not built yet")
}
