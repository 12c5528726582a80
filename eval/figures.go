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

// TrajectoryPlot is the top view (x right, z forward) of the GT and the Sim(3)-aligned estimate.
func TrajectoryPlot(est, gt [][3]float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Trajectory from above (estimate Sim(3)-aligned)"
	p.X.Label.Text = "x (m)"
	p.Y.Label.Text = "z (m)"
	toXY := func(ps [][3]float64) plotter.XYs {
		out := make(plotter.XYs, len(ps))
		for i, q := range ps {
			out[i] = plotter.XY{X: q[0], Y: q[2]}
		}
		return out
	}
	if len(gt) > 1 {
		g, _ := plotter.NewLine(toXY(gt))
		g.Color = color.RGBA{0, 0, 0, 255}
		g.Width = vg.Points(2)
		e, _ := plotter.NewLine(toXY(est))
		e.Color = color.RGBA{220, 50, 30, 255}
		e.Width = vg.Points(1.5)
		p.Add(plotter.NewGrid(), g, e)
		p.Legend.Add("ground truth", g)
		p.Legend.Add("ssmde", e)
		p.Legend.Top = true
	}
	// Equal axes: a trajectory squashed by unequal scales misleads.
	minX, maxX, minZ, maxZ := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, q := range append(append([][3]float64{}, gt...), est...) {
		minX, maxX = math.Min(minX, q[0]), math.Max(maxX, q[0])
		minZ, maxZ = math.Min(minZ, q[2]), math.Max(maxZ, q[2])
	}
	if span := math.Max(maxX-minX, maxZ-minZ); span > 0 {
		cx, cz := (minX+maxX)/2, (minZ+maxZ)/2
		p.X.Min, p.X.Max = cx-span/2-1, cx+span/2+1
		p.Y.Min, p.Y.Max = cz-span/2-1, cz+span/2+1
	}
	return p
}

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
