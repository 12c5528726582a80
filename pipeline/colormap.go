package pipeline

import (
	"fmt"
	"math"

	"github.com/ssmde/ssmde/msgs"
)

// ColormapConfig configures a Colorizer.
type ColormapConfig struct {
	// Inverse colours 1/depth instead of depth: near things get the warm end and the far field
	// does not swallow the range. Usually the better picture.
	Inverse bool
	// Min and Max fix the range of the coloured quantity (depth in metres, or 1/depth in 1/m
	// with Inverse). When both are 0 the range is taken per frame from the percentiles below.
	Min, Max float32
	// LowPercentile and HighPercentile (0..100) pick the automatic range; 0 and 0 mean 2 and 98.
	LowPercentile, HighPercentile float64
}

// Validate reports fields out of range.
func (c ColormapConfig) Validate() error {
	fixed := c.Min != 0 || c.Max != 0
	if fixed && !(c.Max > c.Min) {
		return fmt.Errorf("colormap: max %v must be greater than min %v", c.Max, c.Min)
	}
	if math.IsInf(float64(c.Min), 0) || math.IsInf(float64(c.Max), 0) {
		return fmt.Errorf("colormap: range [%v, %v] must be finite", c.Min, c.Max)
	}
	lo, hi := c.LowPercentile, c.HighPercentile
	if lo != 0 || hi != 0 {
		if !(lo >= 0 && hi <= 100 && hi > lo) {
			return fmt.Errorf("colormap: percentiles %v..%v must satisfy 0 ≤ low < high ≤ 100", lo, hi)
		}
	}
	return nil
}

// turboAnchors are hand-placed control points of a turbo-like rainbow (dark blue → cyan →
// green → yellow → red → dark red), bright in the middle and dark at both ends so that both
// extremes stay readable. Interpolated linearly into a 256-entry table once.
var turboAnchors = [...]struct {
	t       float64
	r, g, b float64
}{
	{0.00, 48, 18, 59},
	{0.10, 68, 81, 191},
	{0.20, 62, 140, 250},
	{0.30, 30, 195, 225},
	{0.40, 40, 235, 160},
	{0.50, 120, 254, 90},
	{0.60, 190, 240, 50},
	{0.70, 245, 195, 45},
	{0.80, 250, 125, 30},
	{0.90, 215, 55, 10},
	{1.00, 122, 4, 3},
}

// TurboLUT is the 256-entry colour table: index 0 is the low end of the range, 255 the high end.
var TurboLUT = buildTurboLUT()

func buildTurboLUT() (lut [256][3]byte) {
	a := turboAnchors
	k := 0
	for i := range lut {
		t := float64(i) / 255
		for k+1 < len(a)-1 && t > a[k+1].t {
			k++
		}
		f := (t - a[k].t) / (a[k+1].t - a[k].t)
		lut[i] = [3]byte{
			byte(math.Round(a[k].r + f*(a[k+1].r-a[k].r))),
			byte(math.Round(a[k].g + f*(a[k+1].g-a[k].g))),
			byte(math.Round(a[k].b + f*(a[k+1].b-a[k].b))),
		}
	}
	return lut
}

// histogramBins resolves the automatic range to 1/4096 of the frame's span.
const histogramBins = 4096

// Colorizer renders a depth image as an rgb8 image for people (~/depth/colormap). Invalid
// depth is black. Not safe for concurrent use.
type Colorizer struct {
	cfg    ColormapConfig
	vals   []float32 // the coloured quantity per pixel, NaN invalid; reused
	hist   [histogramBins]int32
	lo, hi float32
}

// NewColorizer validates cfg and returns a Colorizer.
func NewColorizer(cfg ColormapConfig) (*Colorizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.LowPercentile == 0 && cfg.HighPercentile == 0 {
		cfg.LowPercentile, cfg.HighPercentile = 2, 98
	}
	return &Colorizer{cfg: cfg}, nil
}

// Range returns the range of the coloured quantity used by the last Render.
func (c *Colorizer) Range() (lo, hi float32) { return c.lo, c.hi }

// Render fills dst (rgb8, reused like EncodeDepth32FC1's) with the colour of each depth.
// Depth increases toward the red end; with Inverse, nearness does.
func (c *Colorizer) Render(dst *msgs.Image, header msgs.Header, depth []float32, w, h int) error {
	if err := checkDepthSize(depth, w, h); err != nil {
		return fmt.Errorf("colormap: %w", err)
	}
	depth = depth[:w*h]
	if cap(c.vals) < len(depth) {
		c.vals = make([]float32, len(depth))
	}
	vals := c.vals[:len(depth)]
	mn, mx := float32(math.Inf(1)), float32(math.Inf(-1))
	n := 0
	for i, d := range depth {
		if !(d > 0) || d > math.MaxFloat32 {
			vals[i] = nan32
			continue
		}
		if c.cfg.Inverse {
			d = 1 / d
		}
		vals[i] = d
		if d < mn {
			mn = d
		}
		if d > mx {
			mx = d
		}
		n++
	}
	lo, hi := c.cfg.Min, c.cfg.Max
	if lo == 0 && hi == 0 {
		lo, hi = c.autoRange(vals, n, mn, mx)
	}
	c.lo, c.hi = lo, hi
	scale := float32(0)
	if hi > lo {
		scale = 255 / (hi - lo)
	}
	data := setImage(dst, header, w, h, "rgb8", 3)
	for i, v := range vals {
		o := data[3*i : 3*i+3 : 3*i+3]
		if v != v { // NaN
			o[0], o[1], o[2] = 0, 0, 0
			continue
		}
		idx := (v - lo) * scale
		k := 0
		switch {
		case idx >= 255:
			k = 255
		case idx > 0:
			k = int(idx + 0.5)
		}
		col := &TurboLUT[k]
		o[0], o[1], o[2] = col[0], col[1], col[2]
	}
	return nil
}

// autoRange finds the configured percentiles of the n valid values (NaN elsewhere) lying in
// [mn, mx] with a fixed histogram: no sorting, no allocation.
func (c *Colorizer) autoRange(vals []float32, n int, mn, mx float32) (lo, hi float32) {
	if n == 0 {
		return 0, 1
	}
	if !(mx > mn) {
		return mn, mn + 1
	}
	c.hist = [histogramBins]int32{}
	binScale := float32(histogramBins) / (mx - mn)
	for _, v := range vals {
		if v != v {
			continue
		}
		b := int((v - mn) * binScale)
		if b >= histogramBins {
			b = histogramBins - 1
		}
		c.hist[b]++
	}
	binWidth := (mx - mn) / histogramBins
	at := func(p float64) float32 {
		target := max(int32(math.Ceil(p/100*float64(n))), 1)
		var sum int32
		for i, cnt := range c.hist {
			sum += cnt
			if sum >= target {
				return mn + (float32(i)+0.5)*binWidth
			}
		}
		return mx
	}
	lo, hi = at(c.cfg.LowPercentile), at(c.cfg.HighPercentile)
	if !(hi > lo) {
		hi = lo + binWidth
	}
	return lo, hi
}
