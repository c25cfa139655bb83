package cli

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/snnc/snnc/backend/interp"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/module"
)

const (
	plotSynopsis = "plot MODEL --input X.npy (-o | --output) OUT.png [--layer NAME] [--batch K] [--neurons N] [--dt DT] [--max-memory SIZE]"
	plotSummary  = "draw a run in the reference interpreter as a PNG: for one batch entry,\na spike raster of every spiking layer above the membrane traces v of\none layer's first neurons (default: the last neuron layer)"
)

// The PNG is plotWidth wide and plotPanelHeight high per panel, at plotDPI.
const (
	plotDPI         = 100
	plotWidth       = 9 * vg.Inch         // 900 px
	plotPanelHeight = 3 * vg.Inch         // 300 px
	plotPad         = vg.Length(6) * 0.72 // about 6 px
	plotMaxLegend   = 12                  // more traces than this get no legend
)

func cmdPlot(args []string, stdout io.Writer) error {
	fs := newFlags("plot", plotSynopsis, stdout)
	input := fs.String("input", "", "input sequence (.npy, float32, float64, integer or bool, C order)")
	var output string
	fs.StringVar(&output, "o", "", "write the PNG here")
	fs.StringVar(&output, "output", "", "same as -o")
	layer := fs.String("layer", "", "neuron layer whose membrane traces (state v) to draw (default: the last neuron layer)")
	batch := fs.Int("batch", 0, "batch entry to draw")
	neurons := fs.Int("neurons", 8, "number of neurons, from index 0, whose traces to draw")
	dt := fs.Float64("dt", 0, "time step in seconds (default: the model file's)")
	memoryFlag(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := checkDT(fs, *dt); err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return usageError{"plot needs one MODEL file"}
	case *input == "":
		return usageError{"plot needs --input X.npy"}
	case output == "":
		return usageError{"plot needs -o OUT.png"}
	case !strings.EqualFold(filepath.Ext(output), ".png"):
		return usageError{fmt.Sprintf("plot writes PNG only: -o %s should end in .png", output)}
	case *batch < 0:
		return usageError{fmt.Sprintf("--batch %d: must be 0 or more", *batch)}
	case *neurons < 1:
		return usageError{fmt.Sprintf("--neurons %d: must be 1 or more", *neurons)}
	}

	// Fail before the run, not after it, on an output folder that is not there.
	if fi, err := os.Stat(filepath.Dir(output)); err != nil {
		return fmt.Errorf("-o %s: %w", output, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("-o %s: %s is not a directory", output, filepath.Dir(output))
	}
	m, b, err := loadGraph(pos[0], *dt)
	if err != nil {
		return err
	}
	spiking, traced, err := plotLayers(b.Graph, *layer)
	if err != nil {
		return err
	}
	x, T, B, err := readInput(*input, m.InputShape)
	if err != nil {
		return err
	}
	if T == 0 {
		return fmt.Errorf("%s: the input has no time steps", *input)
	}
	if *batch >= B {
		if B == 1 {
			return fmt.Errorf("--batch %d: the input has one batch entry (0)", *batch)
		}
		return fmt.Errorf("--batch %d: the input has %d batch entries (0..%d)", *batch, B, B-1)
	}
	res, err := interp.RunGraph(b.Graph, &interp.GraphRun{T: T, B: B, Inputs: map[string][]float64{"input": x}, Params: b.Params})
	if err != nil {
		return err
	}

	pr := plotRun{model: m, res: res, T: T, B: B, batch: *batch}
	var panels []*plot.Plot
	for _, n := range spiking {
		panels = append(panels, pr.raster(n))
	}
	N := min(*neurons, traced.Type.Size())
	tp, err := pr.traces(traced, N)
	if err != nil {
		return err
	}
	panels = append(panels, tp)

	if err := writePanels(output, panels); err != nil {
		return err
	}
	layers := "layers"
	if len(spiking) == 1 {
		layers = "layer"
	}
	which := fmt.Sprintf("neurons 0..%d", N-1)
	if N == 1 {
		which = "neuron 0"
	}
	fmt.Fprintf(stdout, "wrote %s: raster of %d %s, traces of layer %s %s\n", output, len(spiking), layers, traced.Step.Name, which)
	return nil
}

// plotLayers returns the spiking neuron layers (Step output "z") in graph
// order and the layer whose state v is traced: the one named layer, or the
// last neuron layer that has a state v.
func plotLayers(g *ir.Graph, layer string) (spiking []*ir.Node, traced *ir.Node, err error) {
	var all, withV []string
	for _, n := range g.Nodes {
		if n.Op != ir.GNeuron && n.Op != ir.GRecurrent {
			continue
		}
		all = append(all, n.Step.Name)
		if n.Step.Outputs[0].Name == "z" {
			spiking = append(spiking, n)
		}
		hasV := stepHasState(n.Step, "v")
		if hasV {
			withV = append(withV, n.Step.Name)
		}
		if layer == "" && hasV {
			traced = n
		} else if layer != "" && n.Step.Name == layer && traced == nil {
			if !hasV {
				return nil, nil, fmt.Errorf("--layer %s: the layer has no state v to trace (states: %s); layers with v: %s",
					layer, stateNames(n.Step), listOrNone(withV))
			}
			traced = n
		}
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("graph %s has no neuron layers to plot", g.Name)
	}
	if traced == nil {
		if layer != "" {
			return nil, nil, fmt.Errorf("--layer %s: no such neuron layer; the neuron layers are: %s", layer, strings.Join(all, ", "))
		}
		return nil, nil, fmt.Errorf("graph %s: no neuron layer has a state v to trace (layers: %s)", g.Name, strings.Join(all, ", "))
	}
	return spiking, traced, nil
}

func stepHasState(s *ir.Step, name string) bool {
	for _, st := range s.States {
		if st.Name == name {
			return true
		}
	}
	return false
}

func stateNames(s *ir.Step) string {
	names := make([]string, len(s.States))
	for i, st := range s.States {
		names[i] = st.Name
	}
	return listOrNone(names)
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// plotRun is one interpreter run to draw.
type plotRun struct {
	model *module.Model
	res   *interp.GraphResult
	T, B  int
	batch int
}

// newPanel returns a plot with the time axis in steps and seconds.
func (pr plotRun) newPanel(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = fmt.Sprintf("time step / seconds (dt = %s s)", fmtSeconds(pr.model.DT))
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = -0.5, float64(pr.T)-0.5
	p.X.Tick.Marker = intTicks{dt: pr.model.DT}
	return p
}

// raster draws a dot at (t, i) for every spike of neuron i at step t.
func (pr plotRun) raster(n *ir.Node) *plot.Plot {
	N := n.Type.Size()
	vals := pr.res.Values[n]
	var pts plotter.XYs
	for t := 0; t < pr.T; t++ {
		row := vals[(t*pr.B+pr.batch)*N:][:N]
		for i, z := range row {
			if z != 0 {
				pts = append(pts, plotter.XY{X: float64(t), Y: float64(i)})
			}
		}
	}
	ylabel := "neuron"
	if len(n.Type.Shape) > 1 {
		ylabel = "neuron (flat index of " + dims(n.Type.Shape) + ")"
	}
	p := pr.newPanel(fmt.Sprintf("%s %s: %d spikes in batch %d (%s, %d steps)",
		n.Step.Name, dims(n.Type.Shape), len(pts), pr.batch, pr.model.Name, pr.T), ylabel)
	p.Y.Min, p.Y.Max = -0.5, float64(N)-0.5
	p.Y.Tick.Marker = intTicks{}
	if len(pts) > 0 {
		s, _ := plotter.NewScatter(pts) // only fails on NaN or Inf
		s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: rasterDot(N), Shape: draw.CircleGlyph{}}
		p.Add(s)
	}
	return p
}

// rasterDot is the dot radius: about a row's height, within 0.4..1.5 pt.
func rasterDot(N int) vg.Length {
	r := plotPanelHeight / 2 / vg.Length(N) * 0.8
	return max(vg.Points(0.4), min(r, vg.Points(1.5)))
}

// traces draws the state v of neurons 0..N-1 over time.
func (pr plotRun) traces(n *ir.Node, N int) (*plot.Plot, error) {
	size := n.Type.Size()
	v := pr.res.States[n]["v"]
	if len(v) != pr.T*pr.B*size {
		return nil, fmt.Errorf("layer %s: the interpreter recorded %d values of state v, want %d", n.Step.Name, len(v), pr.T*pr.B*size)
	}
	which := fmt.Sprintf("neurons 0..%d", N-1)
	if N == 1 {
		which = "neuron 0"
	}
	p := pr.newPanel(fmt.Sprintf("%s %s: membrane v of %s, batch %d", n.Step.Name, dims(n.Type.Shape), which, pr.batch), "v")
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.ThumbnailWidth = vg.Points(14)
	legend := N <= plotMaxLegend
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < N; i++ {
		pts := make(plotter.XYs, pr.T)
		for t := range pts {
			y := v[(t*pr.B+pr.batch)*size+i]
			pts[t] = plotter.XY{X: float64(t), Y: y}
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				lo, hi = min(lo, y), max(hi, y)
			}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("layer %s: neuron %d: state v: %w", n.Step.Name, i, err)
		}
		l.LineStyle.Color = traceColors[i%len(traceColors)]
		l.LineStyle.Width = vg.Points(1)
		if i >= len(traceColors) {
			l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		if legend {
			p.Legend.Add("neuron "+strconv.Itoa(i), l)
		}
	}
	if hi <= lo { // a flat trace: give the axis some height
		lo, hi = lo-1, hi+1
	}
	p.Y.Min, p.Y.Max = lo-0.05*(hi-lo), hi+0.05*(hi-lo)
	return p, nil
}

// traceColors are the tab10 colours, distinct enough for 10 lines.
var traceColors = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	color.RGBA{0xbc, 0xbd, 0x22, 0xff}, color.RGBA{0x17, 0xbe, 0xcf, 0xff},
}

// writePanels stacks the plots vertically, their axes aligned, into a PNG.
func writePanels(path string, panels []*plot.Plot) error {
	rows := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		rows[i] = []*plot.Plot{p}
	}
	img := vgimg.NewWith(vgimg.UseWH(plotWidth, plotPanelHeight*vg.Length(len(panels))), vgimg.UseDPI(plotDPI))
	dc := draw.New(img)
	// Legends go in a right margin that every panel keeps, so that the
	// time axes stay aligned.
	var margin vg.Length
	for _, p := range panels {
		r := p.Legend.Rectangle(dc)
		margin = max(margin, r.Max.X-r.Min.X)
	}
	if margin > 0 {
		margin += 2 * plotPad
	}
	for _, p := range panels {
		p.Legend.XOffs = margin
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: plotPad, PadBottom: plotPad, PadLeft: plotPad, PadRight: plotPad + margin, PadY: 2 * plotPad}
	canvases := plot.Align(rows, tiles, dc)
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

// intTicks marks whole numbers (time steps or neuron indices), about ten
// of them; with dt set, each label also gives the step's start in seconds.
type intTicks struct{ dt float64 }

func (tk intTicks) Ticks(lo, hi float64) []plot.Tick {
	first, last := int(math.Ceil(lo)), int(math.Floor(hi))
	if last < first {
		return nil
	}
	step := 1
	for mult := 1; ; mult *= 10 {
		found := false
		for _, s := range []int{1, 2, 5} {
			if (last-first)/(s*mult) <= 10 {
				step, found = s*mult, true
				break
			}
		}
		if found {
			break
		}
	}
	var ticks []plot.Tick
	for i := (first + step - 1) / step * step; i <= last; i += step {
		label := strconv.Itoa(i)
		if tk.dt > 0 {
			label += "\n" + fmtSeconds(float64(i)*tk.dt)
		}
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: label})
		if minor := step / 5; step >= 5 && minor > 0 {
			for j := i + minor; j < i+step && j <= last; j += minor {
				ticks = append(ticks, plot.Tick{Value: float64(j)})
			}
		}
	}
	return ticks
}

// fmtSeconds prints seconds with at most 4 significant digits.
func fmtSeconds(s float64) string {
	return strconv.FormatFloat(s, 'g', 4, 64)
}
