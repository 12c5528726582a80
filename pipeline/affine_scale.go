package pipeline

import (
	"fmt"
	"math"

	"github.com/ssmde/ssmde/calibration"
)

// AffineEstimate is one frame's outcome of an AffineScaler.
type AffineEstimate struct {
	// Scale and Shift are what the frame uses: the running median of accepted fits, held from
	// earlier frames when this one has none. Meaningful only when Valid.
	Scale, Shift float64
	Valid        bool
	// Fresh is true when this frame's own fit was accepted.
	Fresh bool
	// Fit is this frame's own fit (its Err says why it failed); Source says what it fitted to.
	Fit    AffineResult
	Source string
	// Note says why the frame has no fresh fit ("" when Fresh).
	Note string
}

// AffineScaler turns a network's output into metric depth with a per-frame robust fit, smoothed
// over time:
//   - affine kinds, camera_height: the ground's metric disparity (known camera height, pitch,
//     roll) against the output on the lower image, 1/z = s·x + t (affine_depth: z = s·x + t);
//   - affine kinds, sparse_depth: the same fit against metric samples of a range sensor;
//   - other kinds, sparse_depth: a scale only, the median ratio of sample depth to model depth.
//
// It never invents a scale: until a fit is accepted the estimate is not Valid. After the first
// frames (which size its buffers) Update allocates nothing. Not safe for concurrent use.
type AffineScaler struct {
	kind     OutputKind
	fitter   *AffineFitter
	smoother *AffineSmoother
	ground   *GroundTargets // camera_height only
	xs, ys   []float32
	ratios   []float64
	last     AffineResult // the last accepted fit, reported while it is held
}

// NewAffineScaler builds the scaler for cfg's scale mode and the model's output kind.
func NewAffineScaler(cfg Config, kind OutputKind) (*AffineScaler, error) {
	f, err := NewAffineFitter(cfg.Affine)
	if err != nil {
		return nil, err
	}
	sm, err := NewAffineSmoother(cfg.Ground.Window, cfg.Ground.MaxJump, cfg.Ground.MaxRejects)
	if err != nil {
		return nil, err
	}
	a := &AffineScaler{kind: kind, fitter: f, smoother: sm}
	if cfg.ScaleMode == ScaleCameraHeight {
		g := cfg.Ground
		if a.ground, err = NewGroundTargets(GroundPlaneConfig{CameraHeight: g.CameraHeight, PitchDeg: g.PitchDeg, RollDeg: g.RollDeg,
			RegionTop: g.RegionTop, RegionWidth: g.RegionWidth, Stride: g.Stride}); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Reset forgets the fit history.
func (a *AffineScaler) Reset() {
	a.fitter.Reset()
	a.smoother.Reset()
	a.last = AffineResult{}
}

// Current is the smoothed fit, if any.
func (a *AffineScaler) Current() (scale, shift float64, valid bool) { return a.smoother.Current() }

// Update fits this frame. out is the network output on the depth grid (w×h; for scale-only kinds
// the unscaled depth), intr its intrinsics; sparse are this frame's samples on the grid (nil when
// none arrived) and useSparse says the mode is sparse_depth.
func (a *AffineScaler) Update(out []float32, w, h int, intr calibration.Intrinsics, sparse []SparsePoint, useSparse bool) AffineEstimate {
	var est AffineEstimate
	a.xs, a.ys = a.xs[:0], a.ys[:0]
	switch {
	case useSparse:
		est.Source = "sparse_depth"
		if sparse == nil {
			return a.hold(est, "no sparse depth for this frame")
		}
		for _, s := range sparse {
			u, v := int(s.U+0.5), int(s.V+0.5)
			if u < 0 || v < 0 || u >= w || v >= h {
				continue
			}
			a.xs = append(a.xs, out[v*w+u])
			a.ys = append(a.ys, a.target(s.Z))
		}
	default:
		est.Source = "camera_height"
		idx, disp := a.ground.Pixels(w, h, intr)
		for i, k := range idx {
			a.xs = append(a.xs, out[k])
			a.ys = append(a.ys, a.target(1/disp[i]))
		}
	}
	if a.kind.Affine() {
		est.Fit = a.fitter.Fit(a.xs, a.ys)
	} else {
		est.Fit = a.ratioFit()
	}
	if est.Fit.Err != nil {
		return a.hold(est, est.Fit.Reason())
	}
	refX := est.Fit.RefX
	if !a.kind.Affine() {
		refX = 1 // a scale only: the jump test is the same at every x
	}
	s, t, valid, rejected := a.smoother.Update(est.Fit, refX)
	est.Scale, est.Shift, est.Valid = s, t, valid
	if rejected {
		est.Note = fmt.Sprintf("%s fit (scale %.4g, shift %.4g) rejected as a jump; holding the last fit", est.Source, est.Fit.Scale, est.Fit.Shift)
		return est
	}
	est.Fresh = true
	a.last = est.Fit
	return est
}

// target is what the fit's y is for a metric depth z: disparity for affine_disparity, depth
// otherwise.
func (a *AffineScaler) target(z float32) float32 {
	if a.kind == OutputAffineDisparity {
		return 1 / z
	}
	return z
}

func (a *AffineScaler) hold(est AffineEstimate, why string) AffineEstimate {
	est.Scale, est.Shift, est.Valid = a.smoother.Current()
	if est.Valid {
		est.Fit = a.last // this frame has none: report the one being held
		est.Note = why + "; holding the last fit"
	} else {
		est.Note = why + "; no fit yet"
	}
	return est
}

// ratioFit is the scale-only fit: the median of y/x, with inliers within the fitter's
// threshold of it.
func (a *AffineScaler) ratioFit() AffineResult {
	a.ratios = a.ratios[:0]
	for i, x := range a.xs {
		if y := a.ys[i]; x > 0 && y > 0 && !math.IsInf(float64(x), 0) && !math.IsInf(float64(y), 0) {
			a.ratios = append(a.ratios, float64(y)/float64(x))
		}
	}
	cfg := a.fitter.cfg
	r := AffineResult{Points: len(a.ratios), MinInliers: cfg.MinPoints}
	if len(a.ratios) < cfg.MinPoints {
		r.Err = ErrAffineTooFewPoints
		return r
	}
	r.Scale = selectKth(a.ratios, len(a.ratios)/2)
	sq := 0.0
	for _, q := range a.ratios {
		if e := q/r.Scale - 1; math.Abs(e) < cfg.InlierThreshold {
			r.Inliers++
			sq += e * e
		}
	}
	r.MinInliers = max(3, int(math.Ceil(cfg.MinInlierFraction*float64(len(a.ratios)))))
	if r.Inliers > 0 {
		r.RMSRel = math.Sqrt(sq / float64(r.Inliers))
	}
	if r.Inliers < r.MinInliers {
		r.Err = ErrAffineTooFewInliers
	}
	return r
}
