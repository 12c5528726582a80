package eval

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sort"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/ssmde/ssmde/pipeline"
)

// SamplesFigure stacks, for each sampled frame, the input, the prediction, the ground truth and
// the relative error side by side. Depths share one inverse-depth colour range per row so that
// prediction and GT are comparable, with its colour bar in metres at the row's end; the error map
// runs from 0 (blue) to ≥ 0.5 AbsRel (red), with its own bar.
func SamplesFigure(samples []Sample) image.Image {
	if len(samples) == 0 {
		return nil
	}
	var rows [][]figPanel
	for _, s := range samples {
		rows = append(rows, []figPanel{
			{title: fmt.Sprintf("frame %d input", s.Index), kind: panelImage, img: s.Color},
			{title: "prediction", kind: panelDepth, depth: s.Pred, w: s.PW, h: s.PH},
			{title: "ground truth", kind: panelDepth, depth: s.GT, w: s.GW, h: s.GH},
			{title: "|pred-gt|/gt", kind: panelError, depth: s.Pred, w: s.PW, h: s.PH, gt: s.GT, gw: s.GW, gh: s.GH},
		})
	}
	return drawGrid(rows, samples[0].PW, samples[0].PH)
}

// CompareFigure draws the same frames as predicted by several models: per row the input, the GT,
// each model's prediction and each model's error, all depths of a row on the GT's colour range (so
// a colour means the same distance in every column). sets[i] are model i's samples; only frames
// every model kept are drawn.
func CompareFigure(names []string, sets [][]Sample) image.Image {
	if len(sets) == 0 || len(sets[0]) == 0 {
		return nil
	}
	byIndex := make([]map[int]Sample, len(sets))
	for i, set := range sets {
		byIndex[i] = map[int]Sample{}
		for _, s := range set {
			byIndex[i][s.Index] = s
		}
	}
	var rows [][]figPanel
	for _, first := range sets[0] {
		row := []figPanel{{title: fmt.Sprintf("frame %d input", first.Index), kind: panelImage, img: first.Color},
			{title: "ground truth", kind: panelDepth, depth: first.GT, w: first.GW, h: first.GH}}
		var errs []figPanel
		complete := true
		for i := range sets {
			s, ok := byIndex[i][first.Index]
			if !ok {
				complete = false
				break
			}
			row = append(row, figPanel{title: names[i], kind: panelDepth, depth: s.Pred, w: s.PW, h: s.PH})
			errs = append(errs, figPanel{title: names[i] + " error", kind: panelError, depth: s.Pred, w: s.PW, h: s.PH, gt: s.GT, gw: s.GW, gh: s.GH})
		}
		if complete {
			rows = append(rows, append(row, errs...))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	w, h := sets[0][0].PW, sets[0][0].PH
	if w > 480 { // many columns: keep the figure readable on a screen
		w, h = 480, max(1, h*480/w)
	}
	return drawGrid(rows, w, h)
}

type panelKind int

const (
	panelImage panelKind = iota // an RGB image
	panelDepth                  // depth in metres, on the row's inverse-depth colour range
	panelError                  // |depth − gt|/gt, 0..0.5
)

// figPanel is one cell of a figure grid, drawn at the grid's cell size by nearest sampling.
type figPanel struct {
	title  string
	kind   panelKind
	img    pipeline.RGBImage
	depth  []float32 // w×h
	w, h   int
	gt     []float32 // panelError: the GT, gw×gh
	gw, gh int
}

// Colour-bar geometry: a strip and its labels.
const (
	barStrip, depthBarW, errBarW = 12, 64, 52
	labelH                       = 16
)

// drawGrid draws rows of panels at cw×ch each; a row's depths share the inverse-depth range of its
// first GT-like depth panel (the first depth panel titled "ground truth", else the first depth
// panel), shown by a colour bar in metres at the row's end, followed by the error bar when the row
// has an error panel.
func drawGrid(rows [][]figPanel, cw, ch int) image.Image {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	rowH := ch + labelH
	width := cols*cw + depthBarW + errBarW
	img := image.NewRGBA(image.Rect(0, 0, width, rowH*len(rows)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for r, row := range rows {
		y0 := r*rowH + labelH
		var ref []float32
		for _, p := range row {
			if p.kind == panelDepth && (ref == nil || p.title == "ground truth") {
				ref = p.depth
				if p.title == "ground truth" {
					break
				}
			}
		}
		lo, hi := inverseRange(ref)
		hasErr := false
		for k, p := range row {
			x0 := k * cw
			for y := 0; y < ch; y++ {
				for x := 0; x < cw; x++ {
					img.SetRGBA(x0+x, y0+y, p.at(x, y, cw, ch, lo, hi))
				}
			}
			drawText(img, x0+4, y0-4, p.title)
			hasErr = hasErr || p.kind == panelError
		}
		bx := cols * cw
		depthBar(img, bx+4, y0, ch, lo, hi)
		if hasErr {
			errorBar(img, bx+depthBarW+4, y0, ch)
		}
	}
	return img
}

// at is the panel's colour at cell pixel (x, y) of a cw×ch cell.
func (p figPanel) at(x, y, cw, ch int, lo, hi float64) color.RGBA {
	switch p.kind {
	case panelImage:
		r, g, b := p.img.At(x*p.img.W/cw, y*p.img.H/ch)
		return color.RGBA{r, g, b, 255}
	case panelDepth:
		return turboInverse(p.depth[(y*p.h/ch)*p.w+x*p.w/cw], lo, hi)
	default:
		g := p.gt[(y*p.gh/ch)*p.gw+x*p.gw/cw]
		d := p.depth[(y*p.h/ch)*p.w+x*p.w/cw]
		if !(g > 0) || !(d > 0) || math.IsInf(float64(g), 0) {
			return color.RGBA{0, 0, 0, 255}
		}
		return turbo(math.Abs(float64(d-g)) / float64(g) / 0.5)
	}
}

// depthBar draws the row's inverse-depth colour range as a vertical strip, near (top) to far
// (bottom), labelled in metres at five evenly spaced inverse depths.
func depthBar(img *image.RGBA, x0, y0, h int, lo, hi float64) {
	for y := 0; y < h; y++ {
		c := turbo(1 - float64(y)/float64(max(1, h-1)))
		for x := 0; x < barStrip; x++ {
			img.SetRGBA(x0+x, y0+y, c)
		}
	}
	for k := 0; k <= 4; k++ {
		t := float64(k) / 4
		inv := hi - t*(hi-lo)
		label := "inf"
		if inv > 0 {
			label = metres(1 / inv)
		}
		y := y0 + int(t*float64(h-1))
		drawText(img, x0+barStrip+3, min(max(y+4, y0+10), y0+h), label)
	}
}

// errorBar is the error map's scale: 0 (bottom) to ≥ 0.5 AbsRel (top).
func errorBar(img *image.RGBA, x0, y0, h int) {
	for y := 0; y < h; y++ {
		c := turbo(1 - float64(y)/float64(max(1, h-1)))
		for x := 0; x < barStrip; x++ {
			img.SetRGBA(x0+x, y0+y, c)
		}
	}
	drawText(img, x0+barStrip+3, y0+10, ".5+")
	drawText(img, x0+barStrip+3, y0+h/2+4, ".25")
	drawText(img, x0+barStrip+3, y0+h, "0")
}

func metres(d float64) string {
	if d >= 10 {
		return fmt.Sprintf("%.0fm", d)
	}
	return fmt.Sprintf("%.1fm", d)
}

// inverseRange is the 2nd..98th percentile of 1/depth over valid pixels.
func inverseRange(depth []float32) (lo, hi float64) {
	var inv []float64
	for _, d := range depth {
		if d > 0 && !math.IsInf(float64(d), 0) {
			inv = append(inv, 1/float64(d))
		}
	}
	if len(inv) == 0 {
		return 0, 1
	}
	sort.Float64s(inv)
	lo, hi = inv[len(inv)*2/100], inv[len(inv)*98/100]
	if !(hi > lo) {
		hi = lo + 1e-6
	}
	return lo, hi
}

func turboInverse(d float32, lo, hi float64) color.RGBA {
	if !(d > 0) || math.IsInf(float64(d), 0) {
		return color.RGBA{0, 0, 0, 255}
	}
	return turbo((1/float64(d) - lo) / (hi - lo))
}

func turbo(t float64) color.RGBA {
	i := int(math.Round(math.Max(0, math.Min(1, t)) * 255))
	c := pipeline.TurboLUT[i]
	return color.RGBA{c[0], c[1], c[2], 255}
}

func drawText(img draw.Image, x, y int, s string) {
	d := &font.Drawer{Dst: img, Src: image.Black, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// AbsRelByDistancePlot is AbsRel per GT-distance bin.
func AbsRelByDistancePlot(bins []DistanceBin) *plot.Plot {
	p := plot.New()
	p.Title.Text = "AbsRel vs ground-truth distance"
	p.X.Label.Text = "distance (m)"
	p.Y.Label.Text = "AbsRel"
	var pts plotter.XYs
	for _, b := range bins {
		if b.Pixels > 0 {
			pts = append(pts, plotter.XY{X: (b.From + b.To) / 2, Y: b.AbsRel})
		}
	}
	if len(pts) > 0 {
		line, points, err := plotter.NewLinePoints(pts)
		if err == nil {
			points.Shape = nil
			p.Add(line, points, plotter.NewGrid())
		}
	}
	p.Y.Min = 0
	return p
}

// TrajectoryPlot draws the GT and the estimate under its SE(3) and Sim(3) alignments in the plane of
// the GT's two widest axes (x–z for camera-optical worlds, x–y for ROS odom frames), with equal
// scales on both axes fitted to the path: a 0.1 m error stays visible on a 5 m path.
func TrajectoryPlot(gt, estSE3, estSim3 [][3]float64, sim3Scale float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Trajectory from above"
	var lo, hi [3]float64
	for k := 0; k < 3; k++ {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
		for _, q := range gt {
			lo[k], hi[k] = math.Min(lo[k], q[k]), math.Max(hi[k], q[k])
		}
	}
	axes := []int{0, 1, 2}
	sort.SliceStable(axes, func(i, j int) bool { return hi[axes[i]]-lo[axes[i]] > hi[axes[j]]-lo[axes[j]] })
	ax, ay := min(axes[0], axes[1]), max(axes[0], axes[1])
	names := "xyz"
	p.X.Label.Text = string(names[ax]) + " (m)"
	p.Y.Label.Text = string(names[ay]) + " (m)"
	toXY := func(ps [][3]float64) plotter.XYs {
		out := make(plotter.XYs, len(ps))
		for i, q := range ps {
			out[i] = plotter.XY{X: q[ax], Y: q[ay]}
		}
		return out
	}
	if len(gt) > 1 {
		p.Add(plotter.NewGrid())
		for _, l := range []struct {
			name  string
			pts   [][3]float64
			color color.RGBA
			width float64
			dash  bool
		}{
			{"ground truth", gt, color.RGBA{0, 0, 0, 255}, 2, false},
			{"estimate, SE(3)-aligned (metric)", estSE3, color.RGBA{220, 50, 30, 255}, 1.5, false},
			{fmt.Sprintf("estimate, Sim(3)-aligned (×%.3f)", sim3Scale), estSim3, color.RGBA{40, 110, 220, 255}, 1.2, true},
		} {
			line, err := plotter.NewLine(toXY(l.pts))
			if err != nil {
				continue
			}
			line.Color, line.Width = l.color, vg.Points(l.width)
			if l.dash {
				line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(line)
			p.Legend.Add(l.name, line)
		}
		p.Legend.Top = true
	}
	// Equal axes fitted to everything drawn: a trajectory squashed by unequal scales misleads.
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, set := range [][][3]float64{gt, estSE3, estSim3} {
		for _, q := range set {
			minX, maxX = math.Min(minX, q[ax]), math.Max(maxX, q[ax])
			minY, maxY = math.Min(minY, q[ay]), math.Max(maxY, q[ay])
		}
	}
	if span := math.Max(maxX-minX, maxY-minY); span > 0 {
		half := span * 0.55
		cx, cy := (minX+maxX)/2, (minY+maxY)/2
		p.X.Min, p.X.Max = cx-half, cx+half
		p.Y.Min, p.Y.Max = cy-half, cy+half
	}
	return p
}

// OdometryOverTimePlot shows, over time, each frame's position error under both alignments and
// the estimate's scale per segment (right-hand story of a drifting scale).
func OdometryOverTimePlot(od *OdometryEval) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Position error over time; scale (estimate/GT) per segment"
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "error (m) · scale"
	xs := od.TimesS
	if len(xs) > 1 && xs[len(xs)-1] == 0 { // no stamps: frame numbers
		xs = make([]float64, len(od.ErrSE3))
		for i := range xs {
			xs[i] = float64(i)
		}
		p.X.Label.Text = "frame"
	}
	series := func(y []float64) plotter.XYs {
		out := make(plotter.XYs, len(y))
		for i := range y {
			out[i] = plotter.XY{X: xs[i], Y: y[i]}
		}
		return out
	}
	p.Add(plotter.NewGrid())
	for _, l := range []struct {
		name  string
		pts   plotter.XYs
		color color.RGBA
	}{
		{"position error, SE(3) (m)", series(od.ErrSE3), color.RGBA{220, 50, 30, 255}},
		{"position error, Sim(3) (m)", series(od.ErrSim3), color.RGBA{40, 110, 220, 255}},
	} {
		if line, err := plotter.NewLine(l.pts); err == nil {
			line.Color, line.Width = l.color, vg.Points(1.5)
			p.Add(line)
			p.Legend.Add(l.name, line)
		}
	}
	if s := od.Result.ScaleOverTime; len(s) > 0 {
		pts := make(plotter.XYs, len(s))
		for i, v := range s {
			pts[i] = plotter.XY{X: v.StampS, Y: v.Scale}
			if p.X.Label.Text == "frame" {
				pts[i].X = float64(i) * float64(len(xs)) / float64(len(s))
			}
		}
		if line, points, err := plotter.NewLinePoints(pts); err == nil {
			line.Color, points.Color = color.RGBA{30, 150, 60, 255}, color.RGBA{30, 150, 60, 255}
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(line, points)
			p.Legend.Add("scale per segment (1 = metric)", line, points)
		}
	}
	p.Legend.Top = true
	p.Y.Min = 0
	return p
}

func (r *Result) trajectoryPlot() *plot.Plot {
	od := r.Odometry
	return TrajectoryPlot(positions(r.GTPoses), od.EstSE3, od.EstSim3, od.Sim3.Scale)
}

func (r *Result) odometryPlot() *plot.Plot { return OdometryOverTimePlot(r.Odometry) }

// LatencyPlot is a histogram of per-frame latency.
func LatencyPlot(ms []float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Per-frame latency (decode to outputs)"
	p.X.Label.Text = "ms"
	p.Y.Label.Text = "frames"
	if len(ms) > 1 {
		h, err := plotter.NewHist(plotter.Values(ms), 30)
		if err == nil {
			p.Add(h)
		}
	}
	return p
}
