package eval

import (
	"fmt"
	"math"
	"sort"

	"github.com/ssmde/ssmde/fileio"
)

// DepthMetrics are the seven standard error and accuracy measures.
type DepthMetrics struct {
	AbsRel  float64 `json:"abs_rel"`
	SqRel   float64 `json:"sq_rel"`
	RMSE    float64 `json:"rmse"`
	RMSELog float64 `json:"rmse_log"`
	Delta1  float64 `json:"delta1"` // fraction with max(gt/pred, pred/gt) < 1.25
	Delta2  float64 `json:"delta2"` // < 1.25²
	Delta3  float64 `json:"delta3"` // < 1.25³
	Pixels  int     `json:"pixels"`
}

// Names of the metrics in table order.
var MetricNames = []string{"abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3"}

// Values returns the metrics in MetricNames order.
func (m DepthMetrics) Values() []float64 {
	return []float64{m.AbsRel, m.SqRel, m.RMSE, m.RMSELog, m.Delta1, m.Delta2, m.Delta3}
}

// ComputeDepthMetrics scores pred against gt over the pixels where use[i] is true (nil: all).
// Both must already be valid and positive there (see Prepare). Sums run in float64.
func ComputeDepthMetrics(pred, gt []float32, use []bool) DepthMetrics {
	var m DepthMetrics
	var absRel, sqRel, se, seLog float64
	var d1, d2, d3 int
	for i := range gt {
		if use != nil && !use[i] {
			continue
		}
		g, p := float64(gt[i]), float64(pred[i])
		diff := g - p
		absRel += math.Abs(diff) / g
		sqRel += diff * diff / g
		se += diff * diff
		l := math.Log(g) - math.Log(p)
		seLog += l * l
		r := math.Max(g/p, p/g)
		if r < 1.25 {
			d1++
		}
		if r < 1.25*1.25 {
			d2++
		}
		if r < 1.25*1.25*1.25 {
			d3++
		}
		m.Pixels++
	}
	if m.Pixels == 0 {
		return m
	}
	n := float64(m.Pixels)
	m.AbsRel, m.SqRel = absRel/n, sqRel/n
	m.RMSE, m.RMSELog = math.Sqrt(se/n), math.Sqrt(seLog/n)
	m.Delta1, m.Delta2, m.Delta3 = float64(d1)/n, float64(d2)/n, float64(d3)/n
	return m
}

// Scaling says how prediction scale is matched to ground truth.
type Scaling string

// Scaling modes (DESIGN §8).
const (
	// ScaleAuto is none for a pipeline whose depth claims metres (pipeline.MetricClaim), with the
	// median-scaled numbers beside it, and median otherwise: Run resolves it.
	ScaleAuto   Scaling = "auto"
	ScaleMedian Scaling = "median" // per image: median(gt)/median(pred) over valid pixels
	ScaleFixed  Scaling = "fixed"  // one factor for all images
	ScaleNone   Scaling = "none"   // metric models
	// ScaleAffineOracle fits, per image, the least-squares scale AND shift of the prediction's
	// disparity against the ground truth's: the best any scale-and-shift recovery of a relative
	// network could do. An oracle (it reads the ground truth), the reference row for a scale mode.
	ScaleAffineOracle Scaling = "affine_oracle"
)

// ParseScaling checks a --scaling flag value.
func ParseScaling(s string) (Scaling, error) {
	switch Scaling(s) {
	case ScaleAuto, ScaleMedian, ScaleFixed, ScaleNone, ScaleAffineOracle:
		return Scaling(s), nil
	}
	return "", fmt.Errorf("scaling %q unknown; want auto, median, fixed, none or affine_oracle", s)
}

// Crop is a window in fractions of the image size: rows [Top, Bottom), columns [Left, Right).
type Crop struct{ Top, Bottom, Left, Right float64 }

// Crop presets of the literature.
var Crops = map[string]*Crop{
	"none": nil,
	// Garg et al.'s crop, used by Monodepth2's eval on the Eigen split.
	"kitti-garg": {Top: 0.40810811, Bottom: 0.99189189, Left: 0.03594771, Right: 0.96405229},
	// Eigen et al.'s crop.
	"kitti-eigen": {Top: 0.3324324, Bottom: 0.91351351, Left: 0.0359477, Right: 0.96405229},
	// NYU-v2's Eigen crop: rows 45..471, columns 41..601 of 480×640.
	"nyu": {Top: 45.0 / 480, Bottom: 471.0 / 480, Left: 41.0 / 640, Right: 601.0 / 640},
}

// Protocol is how a frame is scored.
type Protocol struct {
	MinDepth, MaxDepth float64 // valid GT range, exclusive (KITTI 1e-3..80)
	Crop               *Crop
	Scaling            Scaling
	FixedScale         float64
}

// Validate names the first bad field.
func (p Protocol) Validate() error {
	if !(p.MinDepth >= 0) || !(p.MaxDepth > p.MinDepth) {
		return fmt.Errorf("eval: depth range %v..%v is not a range", p.MinDepth, p.MaxDepth)
	}
	if _, err := ParseScaling(string(p.Scaling)); err != nil {
		return err
	}
	if p.Scaling == ScaleFixed && !(p.FixedScale > 0) {
		return fmt.Errorf("eval: fixed scale %v must be positive", p.FixedScale)
	}
	return nil
}

// FrameScore is one frame's result: all valid pixels, and apart those inside (dynamic) and
// outside (static) the motion mask when one was given. The dynamic pixels split further by mask
// value (fileio.SeqMask*): 1..191 are followers (movers keeping pace with the camera, which look
// static), 192..255 the other movers.
type FrameScore struct {
	All, Dynamic, Static   DepthMetrics
	Followers, OtherMovers DepthMetrics
	Ratio                  float64 // the scale applied to the prediction
}

// Scorer scores frames with a protocol, reusing its buffers across frames.
type Scorer struct {
	p            Protocol
	resized      []float32
	use, dyn, st []bool
	fol, oth     []bool
	scratchA     []float64
	scratchB     []float64
}

// NewScorer validates p.
func NewScorer(p Protocol) (*Scorer, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Scaling == ScaleAuto {
		return nil, fmt.Errorf("eval: scaling auto depends on the model; resolve it first (Run does)")
	}
	return &Scorer{p: p}, nil
}

// Score resizes pred (pw×ph) to the gt size (gw×gh) bilinearly, selects valid GT pixels in the
// crop, scales pred per the protocol, clamps it to [MinDepth, MaxDepth], and scores it. mask,
// when not nil, is gw×gh with non-zero on moving objects, followers and other movers told apart
// by value as FrameScore says. ok is false when no pixel is valid.
func (s *Scorer) Score(pred []float32, pw, ph int, gt []float32, gw, gh int, mask []byte) (FrameScore, bool, error) {
	if len(pred) != pw*ph || pw <= 0 || ph <= 0 {
		return FrameScore{}, false, fmt.Errorf("eval: prediction has %d values for %dx%d", len(pred), pw, ph)
	}
	if len(gt) != gw*gh || gw <= 0 || gh <= 0 {
		return FrameScore{}, false, fmt.Errorf("eval: ground truth has %d values for %dx%d", len(gt), gw, gh)
	}
	if mask != nil && len(mask) != gw*gh {
		return FrameScore{}, false, fmt.Errorf("eval: motion mask has %d values, ground truth is %dx%d", len(mask), gw, gh)
	}
	n := gw * gh
	s.resized = grow(s.resized, n)
	ResizeBilinear(s.resized, gw, gh, pred, pw, ph)
	s.use, s.dyn, s.st = growBool(s.use, n), growBool(s.dyn, n), growBool(s.st, n)
	y0, y1, x0, x1 := 0, gh, 0, gw
	if c := s.p.Crop; c != nil {
		y0, y1 = int(c.Top*float64(gh)), int(c.Bottom*float64(gh))
		x0, x1 = int(c.Left*float64(gw)), int(c.Right*float64(gw))
	}
	s.scratchA, s.scratchB = s.scratchA[:0], s.scratchB[:0]
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			i := y*gw + x
			g, p := float64(gt[i]), float64(s.resized[i])
			ok := y >= y0 && y < y1 && x >= x0 && x < x1 && g > s.p.MinDepth && g < s.p.MaxDepth && p > 0 && !math.IsInf(p, 0)
			s.use[i] = ok
			if ok {
				s.scratchA = append(s.scratchA, g)
				s.scratchB = append(s.scratchB, p)
			}
		}
	}
	if len(s.scratchA) == 0 {
		return FrameScore{}, false, nil
	}
	ratio, shift := 1.0, 0.0
	switch s.p.Scaling {
	case ScaleMedian:
		ratio = Median(s.scratchA) / Median(s.scratchB)
	case ScaleFixed:
		ratio = s.p.FixedScale
	case ScaleAffineOracle:
		ratio, shift = FitDisparityAffine(s.scratchA, s.scratchB)
	}
	lo, hi := float32(s.p.MinDepth), float32(s.p.MaxDepth)
	for i := range s.resized {
		if !s.use[i] {
			continue
		}
		v := s.resized[i] * float32(ratio)
		if s.p.Scaling == ScaleAffineOracle {
			// Beyond the fitted horizon (disparity ≤ 0) the depth is as far as GT can be.
			if disp := ratio/float64(s.resized[i]) + shift; disp > 0 {
				v = float32(1 / disp)
			} else {
				v = hi
			}
		}
		s.resized[i] = min(max(v, lo), hi)
	}
	fs := FrameScore{Ratio: ratio, All: ComputeDepthMetrics(s.resized, gt, s.use)}
	if mask != nil {
		s.fol, s.oth = growBool(s.fol, n), growBool(s.oth, n)
		for i, u := range s.use {
			m := mask[i]
			s.dyn[i] = u && m != 0
			s.st[i] = u && m == 0
			s.fol[i] = u && m != 0 && m <= fileio.SeqMaskFollowerMax
			s.oth[i] = u && m > fileio.SeqMaskFollowerMax
		}
		fs.Dynamic = ComputeDepthMetrics(s.resized, gt, s.dyn)
		fs.Static = ComputeDepthMetrics(s.resized, gt, s.st)
		fs.Followers = ComputeDepthMetrics(s.resized, gt, s.fol)
		fs.OtherMovers = ComputeDepthMetrics(s.resized, gt, s.oth)
	}
	return fs, true, nil
}

// FitDisparityAffine is the least-squares fit 1/gt ≈ a·(1/pred) + b over paired depths.
func FitDisparityAffine(gt, pred []float64) (a, b float64) {
	var sx, sy, sxx, sxy float64
	n := float64(len(gt))
	for i := range gt {
		x, y := 1/pred[i], 1/gt[i]
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	den := n*sxx - sx*sx
	if !(math.Abs(den) > 0) || n < 2 {
		return 1, 0
	}
	a = (n*sxy - sx*sy) / den
	return a, (sy - a*sx) / n
}

// Scaled returns the last Score's prediction at the GT size after scaling and clamping, and which
// pixels were scored. Both are reused by the next Score.
func (s *Scorer) Scaled() ([]float32, []bool) { return s.resized, s.use }

// Median sorts vals in place and returns the median (mean of the middle two for even counts,
// numpy's convention).
func Median(vals []float64) float64 {
	sort.Float64s(vals)
	n := len(vals)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}

// ResizeBilinear resizes src (sw×sh) into dst (dw×dh) with OpenCV's INTER_LINEAR convention
// (pixel centres aligned, edges clamped). NaN in a contributing source pixel gives NaN.
func ResizeBilinear(dst []float32, dw, dh int, src []float32, sw, sh int) {
	if dw == sw && dh == sh {
		copy(dst, src)
		return
	}
	fx, fy := float64(sw)/float64(dw), float64(sh)/float64(dh)
	for y := 0; y < dh; y++ {
		sy := (float64(y)+0.5)*fy - 0.5
		sy = math.Max(sy, 0)
		y0 := int(sy)
		if y0 > sh-1 {
			y0 = sh - 1
		}
		y1 := min(y0+1, sh-1)
		wy := float32(sy - float64(y0))
		if y0 == sh-1 {
			wy = 0
		}
		for x := 0; x < dw; x++ {
			sx := (float64(x)+0.5)*fx - 0.5
			sx = math.Max(sx, 0)
			x0 := int(sx)
			if x0 > sw-1 {
				x0 = sw - 1
			}
			x1 := min(x0+1, sw-1)
			wx := float32(sx - float64(x0))
			if x0 == sw-1 {
				wx = 0
			}
			a, b := src[y0*sw+x0], src[y0*sw+x1]
			c, d := src[y1*sw+x0], src[y1*sw+x1]
			top := a + (b-a)*wx
			bot := c + (d-c)*wx
			dst[y*dw+x] = top + (bot-top)*wy
		}
	}
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func growBool(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	return b[:n]
}
