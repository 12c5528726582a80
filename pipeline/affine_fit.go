package pipeline

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ssmde/ssmde/calibration"
)

// An affine-invariant network (models.OutputAffineDisparity, models.OutputAffineDepth) knows the
// shape of the scene but neither its scale nor its offset: the metric value y (disparity 1/z for
// affine_disparity, depth z for affine_depth) is s·x + t of its output x for an unknown (s, t)
// that changes from frame to frame. AffineFitter estimates (s, t) from pairs (x, y) where y is a
// metric reference (GroundTargets' ground disparities, or sparse depths the caller has), and
// AffineSmoother steadies it over time.

// AffineFitConfig configures AffineFitter. The zero value of each field takes the default given
// in its comment.
type AffineFitConfig struct {
	Iterations        int     // most RANSAC hypotheses per fit (default 64); fewer when the inlier ratio allows
	InlierThreshold   float64 // inlier if |s·x + t − y| < InlierThreshold·y (default 0.05)
	MinPoints         int     // valid pairs needed to try (default 20)
	MinInlierFraction float64 // of the pairs used (default 0.3)
	MaxSamples        int     // fit at most this many valid pairs, spread evenly over the input (default 4096)
	Seed              uint64  // RANSAC random seed; fits are reproducible for a given seed and input
}

func (c AffineFitConfig) withDefaults() AffineFitConfig {
	if c.Iterations == 0 {
		c.Iterations = 64
	}
	if c.InlierThreshold == 0 {
		c.InlierThreshold = 0.05
	}
	if c.MinPoints == 0 {
		c.MinPoints = 20
	}
	if c.MinInlierFraction == 0 {
		c.MinInlierFraction = 0.3
	}
	if c.MaxSamples == 0 {
		c.MaxSamples = 4096
	}
	return c
}

// Validate reports fields out of range (after defaults are applied).
func (c AffineFitConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Iterations < 1:
		return fmt.Errorf("affine fit: iterations %d must be at least 1", c.Iterations)
	case !(c.InlierThreshold > 0 && c.InlierThreshold < 1):
		return fmt.Errorf("affine fit: inlier threshold %v must be in (0, 1)", c.InlierThreshold)
	case c.MinPoints < 3:
		// Two points always fit a line exactly; a third is the first that can disagree.
		return fmt.Errorf("affine fit: min points %d must be at least 3", c.MinPoints)
	case !(c.MinInlierFraction > 0 && c.MinInlierFraction <= 1):
		return fmt.Errorf("affine fit: min inlier fraction %v must be in (0, 1]", c.MinInlierFraction)
	case c.MaxSamples < c.MinPoints:
		return fmt.Errorf("affine fit: max samples %d must be at least min points %d", c.MaxSamples, c.MinPoints)
	}
	return nil
}

// Reasons an affine fit fails; AffineResult.Err holds one, AffineResult.Reason says it with
// this fit's numbers.
var (
	ErrAffineTooFewPoints  = errors.New("affine fit: too few valid reference pairs")
	ErrAffineNoFit         = errors.New("affine fit: no affine hypothesis")
	ErrAffineTooFewInliers = errors.New("affine fit: too few pairs on the fitted line")
	ErrAffineNegativeScale = errors.New("affine fit: scale is not positive")
)

// AffineResult is the outcome of one AffineFitter.Fit.
type AffineResult struct {
	// Scale and Shift give the metric value Scale·x + Shift. Meaningful only when Err is nil; on
	// ErrAffineTooFewInliers and ErrAffineNegativeScale they are the rejected line, for logging.
	Scale, Shift float64
	// Points counts the valid pairs the fit used (at most MaxSamples; for ErrAffineTooFewPoints,
	// all valid pairs), Inliers those on the line; MinInliers is what was required.
	Points, Inliers, MinInliers int
	// RMSRel is the RMS of the inliers' relative residuals (s·x + t − y)/y.
	RMSRel float64
	// RefX is the median x of the inliers: where AffineSmoother compares this fit with the
	// smoothed one, since it is where this frame's references say the line is right.
	RefX float64
	// Err is nil when the fit succeeded, else one of the ErrAffine… reasons.
	Err error
}

// Reason describes the failure with this fit's numbers ("" when it succeeded).
// It formats a string, so call it when logging, not per frame.
func (r AffineResult) Reason() string {
	switch r.Err {
	case nil:
		return ""
	case ErrAffineTooFewPoints:
		return fmt.Sprintf("%v: %d < %d", r.Err, r.Points, r.MinInliers)
	case ErrAffineNoFit:
		return fmt.Sprintf("%v: no sampled pair of the %d points has distinct x", r.Err, r.Points)
	case ErrAffineTooFewInliers:
		return fmt.Sprintf("%v: %d of %d < %d", r.Err, r.Inliers, r.Points, r.MinInliers)
	case ErrAffineNegativeScale:
		return fmt.Sprintf("%v: best line y = %.4g·x %+.4g has %d of %d points (wrong output kind?)",
			r.Err, r.Scale, r.Shift, r.Inliers, r.Points)
	}
	return r.Err.Error()
}

// AffineFitter fits y ≈ s·x + t robustly: RANSAC over 2-point lines, then weighted least squares
// on the inliers.
//
// Residuals are relative, both in the inlier test (|s·x + t − y| < τ·y) and in the refinement
// (weights 1/(s·x + t)² of the previous line): a network's error, and a reference's, grows with the value, so a fixed absolute
// tolerance would be too strict near the camera (large disparity) and admit anything far away.
// It also makes the test independent of the metric unit.
//
// The fit subsamples at most MaxSamples valid pairs with a deterministic, even stride, so its cost
// is bounded whatever the image size, and its buffers are sized once: after the first Fit it does
// not allocate. Not safe for concurrent use.
type AffineFitter struct {
	cfg     AffineFitConfig
	rng     *rand.Rand
	xs, ys  []float64 // the pairs of the current fit
	scratch []float64 // inlier x for the median
}

// NewAffineFitter validates cfg (after defaults) and returns an AffineFitter.
func NewAffineFitter(cfg AffineFitConfig) (*AffineFitter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	f := &AffineFitter{cfg: cfg}
	f.Reset()
	return f, nil
}

// Reset reseeds RANSAC, so a fitter replays the same fits for the same inputs.
func (f *AffineFitter) Reset() {
	f.rng = rand.New(rand.NewPCG(f.cfg.Seed, f.cfg.Seed^0x9e3779b97f4a7c15))
}

// affineRefineRounds bounds the refinement rounds; they usually converge in 3 to 6.
const affineRefineRounds = 10

// affineDegenerate: a sample whose two x differ by less than this fraction of the x range
// is skipped; its slope would be mostly noise.
const affineDegenerate = 1e-3

// Fit fits y ≈ s·x + t over the pairs (x[i], y[i]) with finite x and finite y > 0; others are
// skipped. x and y must have the same length (if not, nothing is fitted: ErrAffineTooFewPoints).
func (f *AffineFitter) Fit(x, y []float32) AffineResult {
	c := f.cfg
	res := AffineResult{MinInliers: c.MinPoints}
	if len(x) != len(y) {
		res.Err = ErrAffineTooFewPoints
		return res
	}
	if f.xs == nil {
		f.xs = make([]float64, 0, c.MaxSamples)
		f.ys = make([]float64, 0, c.MaxSamples)
		f.scratch = make([]float64, 0, c.MaxSamples)
	}
	valid, xmin, xmax := f.collect(x, y)
	xs, ys := f.xs, f.ys
	n := len(xs)
	res.Points = n
	if valid < c.MinPoints {
		res.Points, res.Err = valid, ErrAffineTooFewPoints
		return res
	}
	res.MinInliers = max(3, int(math.Ceil(c.MinInlierFraction*float64(n))))
	if !(xmax > xmin) {
		res.Err = ErrAffineNoFit
		return res
	}

	// RANSAC. Lines with s ≤ 0 cannot be the answer (metric value would fall as the network's
	// rises), but their support is counted: if the best of them beats every increasing line,
	// the output is probably of another kind (depth taken for disparity), which deserves its
	// own error rather than "too few inliers".
	tau := c.InlierThreshold
	minDX := affineDegenerate * (xmax - xmin)
	bestCount, bestS, bestT := 0, 0.0, 0.0
	negCount, negS, negT := 0, 0.0, 0.0
	hypotheses := 0
	need := math.Inf(1) // hypotheses enough at the best inlier ratio so far
	for it := 0; it < c.Iterations && float64(it) < need; it++ {
		i, j := f.rng.IntN(n), f.rng.IntN(n)
		dx := xs[j] - xs[i]
		if !(math.Abs(dx) > minDX) {
			continue
		}
		hypotheses++
		s := (ys[j] - ys[i]) / dx
		t := ys[i] - s*xs[i]
		count := countAffineInliers(xs, ys, s, t, tau)
		if !(s > 0) {
			if count > negCount {
				negCount, negS, negT = count, s, t
			}
			continue
		}
		if count > bestCount {
			bestCount, bestS, bestT = count, s, t
			// Adaptive stop: enough hypotheses for ransacConfidence that one drew two inliers,
			// at the inlier ratio seen so far (an underestimate, so conservative). Checked on
			// every draw, not only when the best improves, or a good early best that is never
			// beaten would run all Iterations.
			w := float64(count) / float64(n)
			need = math.Log(1-ransacConfidence) / math.Log(1-w*w)
		}
	}
	switch {
	case hypotheses == 0:
		res.Err = ErrAffineNoFit
		return res
	case negCount > bestCount && negCount >= res.MinInliers:
		res.Scale, res.Shift, res.Inliers = negS, negT, negCount
		res.Err = ErrAffineNegativeScale
		return res
	case bestCount == 0:
		res.Scale, res.Shift, res.Inliers = negS, negT, negCount
		res.Err = ErrAffineTooFewInliers
		return res
	}

	// Refine: weighted least squares on the inliers of the current line, re-selecting the
	// inliers each round. Two rounds are not always enough: the band ±τ·y around a rough
	// 2-point line cuts the noise asymmetrically, so each refit moves only part of the way to
	// the true line (t off by 7 % after two rounds where it converges to 2 %, at 2 % noise).
	// Stop when the inlier count no longer changes (the set then almost surely has not).
	s, t := bestS, bestT
	prev := -1
	for round := 0; round < affineRefineRounds; round++ {
		rs, rt, cnt, ok := refineAffine(xs, ys, s, t, tau)
		if !ok {
			break
		}
		s, t = rs, rt
		if cnt == prev {
			break
		}
		prev = cnt
	}
	res.Scale, res.Shift = s, t
	res.Inliers, res.RMSRel, res.RefX = f.finalInliers(s, t, tau)
	switch {
	case !(s > 0) || math.IsInf(s, 0) || math.IsNaN(t) || math.IsInf(t, 0):
		res.Err = ErrAffineNegativeScale
	case res.Inliers < res.MinInliers:
		res.Err = ErrAffineTooFewInliers
	}
	return res
}

// collect copies the valid pairs into f.xs, f.ys: all of them, or, when there are more than
// MaxSamples, the valid pairs number ⌊k·valid/MaxSamples⌋ for k = 0, 1, …, so the samples
// spread evenly over the input (the image, for pixel references) without a regular pixel
// stride that could alias with it. It returns the number of valid pairs and the x range of
// those taken.
func (f *AffineFitter) collect(x, y []float32) (valid int, xmin, xmax float64) {
	for i := range x {
		if affinePairValid(x[i], y[i]) {
			valid++
		}
	}
	xmin, xmax = math.Inf(1), math.Inf(-1)
	f.xs, f.ys = f.xs[:0], f.ys[:0]
	m := f.cfg.MaxSamples
	if valid < f.cfg.MinPoints {
		return valid, xmin, xmax
	}
	k, next, seen := int64(0), int64(0), int64(0)
	for i := range x {
		if !affinePairValid(x[i], y[i]) {
			continue
		}
		if valid > m {
			this := seen
			seen++
			if this != next {
				continue
			}
			k++
			next = k * int64(valid) / int64(m)
		}
		xv := float64(x[i])
		f.xs = append(f.xs, xv)
		f.ys = append(f.ys, float64(y[i]))
		xmin, xmax = min(xmin, xv), max(xmax, xv)
	}
	return valid, xmin, xmax
}

func affinePairValid(x, y float32) bool {
	return x-x == 0 && y > 0 && y <= math.MaxFloat32 // finite x; finite positive y
}

// countAffineInliers counts the pairs with |s·x + t − y| < tau·y.
func countAffineInliers(xs, ys []float64, s, t, tau float64) int {
	count := 0
	ys = ys[:len(xs)]
	for i, x := range xs {
		y := ys[i]
		if math.Abs(s*x+t-y) < tau*y {
			count++
		}
	}
	return count
}

// refineAffine fits s, t to the cnt inliers of (s, t) by least squares with weights 1/ŷ², ŷ = s·x + t
// the current line's value: the sum of squared relative residuals. Weighting by the measured y
// instead would favour the pairs whose noise made y small and pull the scale down by about
// 2σ² for relative noise σ; ŷ is inside (1 ± τ)·y for an inlier, so it is positive. Moments are
// taken about the weighted means so that a large offset in x does not cost precision.
func refineAffine(xs, ys []float64, s, t, tau float64) (float64, float64, int, bool) {
	ys = ys[:len(xs)]
	var sw, swx, swy float64
	cnt := 0
	for i, x := range xs {
		y := ys[i]
		if r := s*x + t - y; math.Abs(r) < tau*y {
			p := s*x + t
			w := 1 / (p * p)
			sw += w
			swx += w * x
			swy += w * y
			cnt++
		}
	}
	if cnt < 2 {
		return s, t, cnt, false
	}
	mx, my := swx/sw, swy/sw
	var sxx, sxy float64
	for i, x := range xs {
		y := ys[i]
		if r := s*x + t - y; math.Abs(r) < tau*y {
			p := s*x + t
			w := 1 / (p * p)
			dx := x - mx
			sxx += w * dx * dx
			sxy += w * dx * (y - my)
		}
	}
	if !(sxx > 0) {
		return s, t, cnt, false
	}
	ns := sxy / sxx
	return ns, my - ns*mx, cnt, true
}

// finalInliers counts the inliers of (s, t) and returns their RMS relative residual and
// median x.
func (f *AffineFitter) finalInliers(s, t, tau float64) (int, float64, float64) {
	xs, ys := f.xs, f.ys[:len(f.xs)]
	f.scratch = f.scratch[:0]
	var ss float64
	for i, x := range xs {
		y := ys[i]
		if r := s*x + t - y; math.Abs(r) < tau*y {
			ss += (r / y) * (r / y)
			f.scratch = append(f.scratch, x)
		}
	}
	cnt := len(f.scratch)
	if cnt == 0 {
		return 0, 0, 0
	}
	return cnt, math.Sqrt(ss / float64(cnt)), selectKth(f.scratch, cnt/2)
}

// selectKth returns the k-th smallest of a (reordering a) by quickselect with a median-of-three
// pivot; for even lengths k = len/2 gives the upper median.
func selectKth(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for hi > lo {
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// AffineSmoother steadies per-frame affine fits: (scale, shift) is the median of the scales and
// the median of the shifts of the last Window accepted fits, each median taken separately.
//
// Scale and shift trade off against each other (a line can turn about the middle of its data
// with little change in fit), so a jump is judged on what matters, the metric value predicted
// at a reference x where the frame has data (AffineResult.RefX), not on s or t alone. A fit whose
// prediction there differs from the smoothed one's by more than maxJump (relative) is rejected,
// unless maxRejects fits in a row were, in which case the level has really changed and the
// smoother starts over from the new fit, as GroundScaler does. Update does not allocate.
// Not safe for concurrent use.
type AffineSmoother struct {
	window, maxRejects int
	maxJump            float64

	s, t    [maxGroundWindow]float64 // rings of accepted fits
	sorted  [maxGroundWindow]float64
	count   int // filled entries
	next    int // ring position of the next entry
	scale   float64
	shift   float64
	valid   bool
	rejects int
}

// NewAffineSmoother returns a smoother over the last window accepted fits (0: 9, at most 64)
// that rejects jumps of more than maxJump (0: 0.25) until maxRejects (0: window) came in a row.
func NewAffineSmoother(window int, maxJump float64, maxRejects int) (*AffineSmoother, error) {
	if window == 0 {
		window = 9
	}
	if maxJump == 0 {
		maxJump = 0.25
	}
	if maxRejects == 0 {
		maxRejects = window
	}
	switch {
	case window < 1 || window > maxGroundWindow:
		return nil, fmt.Errorf("affine fit: smoother window %d must be in 1..%d", window, maxGroundWindow)
	case !(maxJump > 0) || math.IsInf(maxJump, 0):
		return nil, fmt.Errorf("affine fit: smoother max jump %v must be positive and finite", maxJump)
	case maxRejects < 1:
		return nil, fmt.Errorf("affine fit: smoother max rejects %d must be at least 1", maxRejects)
	}
	return &AffineSmoother{window: window, maxJump: maxJump, maxRejects: maxRejects}, nil
}

// Update folds fit into the running medians and returns the smoothed line. A failed fit (Err
// set, or a non-positive or non-finite scale, or a non-finite refX) leaves the state as it was
// and is not counted as a rejection; rejected reports a fit turned down as a jump.
func (a *AffineSmoother) Update(fit AffineResult, refX float64) (scale, shift float64, valid, rejected bool) {
	if fit.Err != nil || !(fit.Scale > 0) || math.IsInf(fit.Scale, 0) ||
		math.IsNaN(fit.Shift) || math.IsInf(fit.Shift, 0) || math.IsNaN(refX) || math.IsInf(refX, 0) {
		return a.scale, a.shift, a.valid, false
	}
	if a.valid {
		cur := a.scale*refX + a.shift
		pred := fit.Scale*refX + fit.Shift
		// A current line that predicts no positive value where this frame has references is
		// wrong there whatever the new one says: count it as a jump.
		if !(cur > 0) || math.Abs(pred-cur) > a.maxJump*cur {
			a.rejects++
			if a.rejects < a.maxRejects {
				return a.scale, a.shift, a.valid, true
			}
			a.count, a.next = 0, 0
		}
	}
	a.rejects = 0
	a.s[a.next], a.t[a.next] = fit.Scale, fit.Shift
	a.next = (a.next + 1) % a.window
	a.count = min(a.count+1, a.window)
	a.scale = median(a.s[:a.count], a.sorted[:a.count])
	a.shift = median(a.t[:a.count], a.sorted[:a.count])
	a.valid = true
	return a.scale, a.shift, true, false
}

// Current returns the smoothed line; valid is false until a fit has been accepted.
func (a *AffineSmoother) Current() (scale, shift float64, valid bool) {
	return a.scale, a.shift, a.valid
}

// Reset forgets the history (e.g. after a camera or model change).
func (a *AffineSmoother) Reset() {
	a.count, a.next, a.scale, a.shift, a.valid, a.rejects = 0, 0, 0, 0, false, 0
}

// GroundPlaneConfig describes a flat ground under a camera at a known height and attitude, for
// GroundTargets. The zero value of each field takes the default given in its comment;
// CameraHeight has none.
type GroundPlaneConfig struct {
	CameraHeight float64 // metres from the camera centre to the ground, > 0
	// The camera's attitude to the ground: PitchDeg down (positive looks at the ground) and
	// RollDeg, with the sign convention of the normal given at GroundTargets. Both in (−90, 90).
	PitchDeg, RollDeg float64
	// The ground region, as in GroundConfig: rows from RegionTop·H to the bottom (default 0.7),
	// columns in the central RegionWidth·W (default 0.6), sampled every Stride pixels (default 2).
	RegionTop, RegionWidth float64
	Stride                 int
}

func (c GroundPlaneConfig) withDefaults() GroundPlaneConfig {
	if c.RegionTop == 0 {
		c.RegionTop = defaultRegionTop
	}
	if c.RegionWidth == 0 {
		c.RegionWidth = defaultRegionWidth
	}
	if c.Stride == 0 {
		c.Stride = defaultGroundStride
	}
	return c
}

// Validate reports fields out of range (after defaults are applied).
func (c GroundPlaneConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case !(c.CameraHeight > 0) || math.IsInf(c.CameraHeight, 0):
		return fmt.Errorf("ground targets: camera height %v m must be positive and finite", c.CameraHeight)
	case !(c.PitchDeg > -90 && c.PitchDeg < 90):
		return fmt.Errorf("ground targets: pitch %v° must be in (-90, 90)", c.PitchDeg)
	case !(c.RollDeg > -90 && c.RollDeg < 90):
		return fmt.Errorf("ground targets: roll %v° must be in (-90, 90)", c.RollDeg)
	case !(c.RegionTop >= 0 && c.RegionTop < 1):
		return fmt.Errorf("ground targets: region top %v must be in [0, 1)", c.RegionTop)
	case !(c.RegionWidth > 0 && c.RegionWidth <= 1):
		return fmt.Errorf("ground targets: region width %v must be in (0, 1]", c.RegionWidth)
	case c.Stride < 1:
		return fmt.Errorf("ground targets: stride %d must be at least 1", c.Stride)
	}
	return nil
}

// GroundTargets gives metric references for an affine fit from geometry alone: a pixel whose ray
// r = ((u−cx)/fx, (v−cy)/fy, 1) meets a flat ground at distance CameraHeight along the unit
// normal n (world "down" in the optical frame: x right, y down, z forward) is at depth
// z = CameraHeight/(n·r), so its metric disparity is (n·r)/CameraHeight. After pitching the
// camera down by p and rolling it by q,
//
//	n = (sin q·cos p, cos q·cos p, sin p),
//
// the convention of groundScene in scale_test.go. Pixels with n·r ≤ 0 look at or above the
// horizon and are left out. Objects standing on the ground make some targets wrong; the robust
// fit treats them as outliers.
//
// The targets depend only on the image geometry, so Pixels keeps them for the last (w, h,
// intrinsics) and repeated calls neither recompute nor allocate. Not safe for concurrent use.
type GroundTargets struct {
	cfg    GroundPlaneConfig
	n      vec3
	w, h   int
	intr   calibration.Intrinsics
	cached bool
	idx    []int32
	disp   []float32
}

// NewGroundTargets validates cfg (after defaults) and returns a GroundTargets.
func NewGroundTargets(cfg GroundPlaneConfig) (*GroundTargets, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	p, q := cfg.PitchDeg*math.Pi/180, cfg.RollDeg*math.Pi/180
	return &GroundTargets{
		cfg: cfg,
		n:   vec3{math.Sin(q) * math.Cos(p), math.Cos(q) * math.Cos(p), math.Sin(p)},
	}, nil
}

// Pixels returns the ground region's sampled pixels that see the ground, as indices v·w + u
// into a w×h image seen through intr, and their metric disparities (1/m). The slices belong to
// g and stay valid until a call with another geometry; do not modify them. A geometry that
// cannot be used (empty, too large for int32 indices, non-positive or non-finite focal lengths,
// non-finite principal point) gives nil, nil.
func (g *GroundTargets) Pixels(w, h int, intr calibration.Intrinsics) (idx []int32, disp []float32) {
	if g.cached && w == g.w && h == g.h && intr == g.intr {
		return g.idx, g.disp
	}
	g.cached = false
	if w <= 0 || h <= 0 || int64(w)*int64(h) > math.MaxInt32 ||
		!(intr.Fx > 0) || math.IsInf(intr.Fx, 0) || !(intr.Fy > 0) || math.IsInf(intr.Fy, 0) ||
		intr.Cx-intr.Cx != 0 || intr.Cy-intr.Cy != 0 {
		return nil, nil
	}
	c := g.cfg
	v0 := int(c.RegionTop * float64(h))
	u0 := int((1 - c.RegionWidth) / 2 * float64(w))
	u1 := w - u0
	if need := ((h-v0)/c.Stride + 1) * ((u1-u0)/c.Stride + 1); cap(g.idx) < need {
		g.idx, g.disp = make([]int32, 0, need), make([]float32, 0, need)
	}
	g.idx, g.disp = g.idx[:0], g.disp[:0]
	n0, n1, n2 := g.n[0], g.n[1], g.n[2]
	for v := v0; v < h; v += c.Stride {
		ry := (float64(v) - intr.Cy) / intr.Fy
		for u := u0; u < u1; u += c.Stride {
			rx := (float64(u) - intr.Cx) / intr.Fx
			if cos := n0*rx + n1*ry + n2; cos > 0 {
				g.idx = append(g.idx, int32(v*w+u))
				g.disp = append(g.disp, float32(cos/c.CameraHeight))
			}
		}
	}
	g.w, g.h, g.intr, g.cached = w, h, intr, true
	return g.idx, g.disp
}
