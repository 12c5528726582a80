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
// prediction and GT are comparable; the error map runs from 0 (blue) to ≥ 0.5 AbsRel (red).
func SamplesFigure(samples []Sample) image.Image {
	if len(samples) == 0 {
		return nil
	}
	w, h := samples[0].PW, samples[0].PH
	const label = 16
	rowH := h + label
	img := image.NewRGBA(image.Rect(0, 0, 4*w, rowH*len(samples)))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	for r, s := range samples {
		y0 := r*rowH + label
		gt := resizeNearest(s.GT, s.GW, s.GH, w, h)
		lo, hi := inverseRange(gt)
		panels := []struct {
			title string
			pix   func(x, y int) color.RGBA
		}{
			{fmt.Sprintf("frame %d input", s.Index), func(x, y int) color.RGBA {
				r, g, b := s.Color.At(x*s.Color.W/w, y*s.Color.H/h)
				return color.RGBA{r, g, b, 255}
			}},
			{"prediction", func(x, y int) color.RGBA { return turboInverse(s.Pred[y*w+x], lo, hi) }},
			{"ground truth", func(x, y int) color.RGBA { return turboInverse(gt[y*w+x], lo, hi) }},
			{"|pred-gt|/gt (0..0.5)", func(x, y int) color.RGBA {
				g, p := gt[y*w+x], s.Pred[y*w+x]
				if !(g > 0) || !(p > 0) {
					return color.RGBA{0, 0, 0, 255}
				}
				return turbo(float64(math.Abs(float64(p-g)) / float64(g) / 0.5))
			}},
		}
		for k, p := range panels {
			x0 := k * w
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					img.SetRGBA(x0+x, y0+y, p.pix(x, y))
				}
			}
			drawText(img, x0+4, y0-4, p.title)
		}
	}
	return img
}

func resizeNearest(src []float32, sw, sh, w, h int) []float32 {
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out[y*w+x] = src[(y*sh/h)*sw+x*sw/w]
		}
	}
	return out
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
