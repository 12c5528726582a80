package pipeline

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/ssmde/ssmde/calibration"
)

// ScaleMode selects how relative depth becomes metric (DESIGN §2).
type ScaleMode string

// Scale modes the pipeline implements here. "odometry" belongs to the odometry stage.
const (
	ScaleNone         ScaleMode = "none"          // 1
	ScaleFixed        ScaleMode = "fixed"         // a configured factor
	ScaleFocal        ScaleMode = "focal"         // f_cam / f_train, see FocalScale
	ScaleCameraHeight ScaleMode = "camera_height" // known camera height over a fitted ground plane, see GroundScaler and AffineScaler
	ScaleSparseDepth  ScaleMode = "sparse_depth"  // metric samples from a range sensor, see AffineScaler
	ScaleFixedAffine  ScaleMode = "fixed_affine"  // given scale and shift, for affine-invariant models
)

// ScaleModes lists every mode, for messages and flag help.
var ScaleModes = []ScaleMode{ScaleNone, ScaleFixed, ScaleFocal, ScaleCameraHeight, ScaleSparseDepth, ScaleFixedAffine}

// ParseScaleMode checks s against the modes above.
func ParseScaleMode(s string) (ScaleMode, error) {
	for _, m := range ScaleModes {
		if ScaleMode(s) == m {
			return m, nil
		}
	}
	return "", fmt.Errorf("scale: unknown mode %q; supported: %s, %s, %s, %s, %s, %s",
		s, ScaleNone, ScaleFixed, ScaleFocal, ScaleCameraHeight, ScaleSparseDepth, ScaleFixedAffine)
}

// FixedScale validates a configured factor for mode "fixed".
func FixedScale(factor float64) (float64, error) {
	if !(factor > 0) || math.IsInf(factor, 0) {
		return 0, fmt.Errorf("scale: fixed factor %v must be positive and finite", factor)
	}
	return factor, nil
}

// FocalScale is the "focal" mode factor f_cam / f_train. A monocular network infers depth from
// apparent size, so its depth scales with the focal length it was trained with:
// f_train = trainFxNorm · inputW (model.yaml training_intrinsics.fx, normalised by width, times
// the model input width), and camFx is the camera's fx in pixels of the model input, i.e.
// ResizeCrop.Apply(cameraIntrinsics).Fx.
func FocalScale(camFx, trainFxNorm float64, inputW int) (float64, error) {
	if !(camFx > 0) || math.IsInf(camFx, 0) {
		return 0, fmt.Errorf("scale: camera fx %v (model input pixels) must be positive and finite", camFx)
	}
	if !(trainFxNorm > 0) || math.IsInf(trainFxNorm, 0) {
		return 0, fmt.Errorf("scale: training_intrinsics fx %v must be positive and finite", trainFxNorm)
	}
	if inputW <= 0 {
		return 0, fmt.Errorf("scale: model input width %d must be positive", inputW)
	}
	return camFx / (trainFxNorm * float64(inputW)), nil
}

// GroundConfig configures camera_height scale. The zero value of each field takes the default
// given in its comment; CameraHeight has none.
type GroundConfig struct {
	CameraHeight float64 // metres from the camera centre to the ground, > 0
	// PitchDeg (down is positive) and RollDeg of the camera against a level ground. The
	// scale-only fit measures the plane itself; an affine model's fit needs them given, since
	// with an unknown shift the ground's tilt cannot be told from the image (0: level).
	PitchDeg, RollDeg float64
	// The ground region: rows from RegionTop·H to the bottom (default 0.7: the bottom 30 %),
	// columns in the central RegionWidth·W (default 0.6), sampled every Stride pixels (default 2).
	RegionTop, RegionWidth float64
	Stride                 int
	Iterations             int     // most RANSAC hypotheses per frame (default 100); fewer when the inlier ratio allows
	InlierThreshold        float64 // inlier if its depth is within this fraction of the plane's depth along its ray (default 0.05)
	MaxTiltDeg             float64 // plane normal within this angle of the camera's +y axis (default 20)
	MinPoints              int     // valid region points needed to try (default 50)
	MinInlierFraction      float64 // of the valid region points (default 0.3)
	Window                 int     // scale = median of the last Window accepted fits (default 9, at most 64)
	MaxJump                float64 // reject a fit whose scale differs from the current one by more than this fraction (default 0.25)
	MaxRejects             int     // after this many rejections in a row, accept the new level (default Window)
	Seed                   uint64  // RANSAC random seed; fits are reproducible for a given seed and input
}

const maxGroundWindow = 64

// The ground region both camera_height fits sample (GroundConfig, GroundPlaneConfig): the bottom
// 30 % of the rows, the central 60 % of the columns, every second pixel.
const (
	defaultRegionTop    = 0.7
	defaultRegionWidth  = 0.6
	defaultGroundStride = 2
)

func (c GroundConfig) withDefaults() GroundConfig {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.RegionTop, defaultRegionTop)
	def(&c.RegionWidth, defaultRegionWidth)
	defInt(&c.Stride, defaultGroundStride)
	defInt(&c.Iterations, 100)
	def(&c.InlierThreshold, 0.05)
	def(&c.MaxTiltDeg, 20)
	defInt(&c.MinPoints, 50)
	def(&c.MinInlierFraction, 0.3)
	defInt(&c.Window, 9)
	def(&c.MaxJump, 0.25)
	defInt(&c.MaxRejects, c.Window)
	return c
}

// Validate reports fields out of range (after defaults are applied).
func (c GroundConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case !(c.CameraHeight > 0) || math.IsInf(c.CameraHeight, 0):
		return fmt.Errorf("camera_height: camera height %v m must be positive and finite", c.CameraHeight)
	case !(c.RegionTop >= 0 && c.RegionTop < 1):
		return fmt.Errorf("camera_height: region top %v must be in [0, 1)", c.RegionTop)
	case !(c.RegionWidth > 0 && c.RegionWidth <= 1):
		return fmt.Errorf("camera_height: region width %v must be in (0, 1]", c.RegionWidth)
	case c.Stride < 1:
		return fmt.Errorf("camera_height: stride %d must be at least 1", c.Stride)
	case c.Iterations < 1:
		return fmt.Errorf("camera_height: iterations %d must be at least 1", c.Iterations)
	case !(c.InlierThreshold > 0 && c.InlierThreshold < 1):
		return fmt.Errorf("camera_height: inlier threshold %v must be in (0, 1)", c.InlierThreshold)
	case !(c.MaxTiltDeg > 0 && c.MaxTiltDeg < 90):
		return fmt.Errorf("camera_height: max tilt %v° must be in (0, 90)", c.MaxTiltDeg)
	case c.MinPoints < 3:
		return fmt.Errorf("camera_height: min points %d must be at least 3", c.MinPoints)
	case !(c.MinInlierFraction > 0 && c.MinInlierFraction <= 1):
		return fmt.Errorf("camera_height: min inlier fraction %v must be in (0, 1]", c.MinInlierFraction)
	case c.Window < 1 || c.Window > maxGroundWindow:
		return fmt.Errorf("camera_height: window %d must be in 1..%d", c.Window, maxGroundWindow)
	case !(c.MaxJump > 0):
		return fmt.Errorf("camera_height: max jump %v must be positive", c.MaxJump)
	case c.MaxRejects < 1:
		return fmt.Errorf("camera_height: max rejects %d must be at least 1", c.MaxRejects)
	}
	return nil
}

// Reasons a camera_height fit fails; GroundEstimate.Err holds one, GroundEstimate.Reason says
// it with this frame's numbers.
var (
	ErrGroundTooFewPoints  = errors.New("camera_height: too few valid depths in the ground region")
	ErrGroundNoPlane       = errors.New("camera_height: no plausible ground plane")
	ErrGroundTooFewInliers = errors.New("camera_height: too few points on the ground plane")
	ErrGroundOutlier       = errors.New("camera_height: fitted scale rejected as an outlier")
)

// GroundEstimate is the outcome of one GroundScaler.Update.
type GroundEstimate struct {
	// Scale multiplies model depth to give metres: the median of recent accepted fits, held
	// from earlier frames when this one fails. Meaningful only when Valid.
	Scale float64
	// Valid is true once any fit has been accepted.
	Valid bool
	// Err is nil when this frame's fit was accepted, else one of the ErrGround… reasons.
	Err error
	// Raw is this frame's own scale (0 when no plane was fitted).
	Raw float64
	// Points and Inliers count the valid region points and those on the plane; MinInliers is
	// what was required.
	Points, Inliers, MinInliers int
	// Normal (unit, pointing from the camera to the ground) and Distance (model depth units)
	// describe the fitted plane n·p = Distance in the optical frame. TiltDeg is the normal's
	// angle from the camera's +y axis; for ErrGroundNoPlane, the smallest angle any hypothesis had.
	Normal   [3]float64
	Distance float64
	TiltDeg  float64
}

// Reason describes the failure with this frame's numbers ("" when the fit was accepted).
// It formats a string, so call it when logging, not per frame.
func (e GroundEstimate) Reason() string {
	switch e.Err {
	case nil:
		return ""
	case ErrGroundTooFewPoints:
		return fmt.Sprintf("%v: %d < %d", e.Err, e.Points, e.MinInliers)
	case ErrGroundNoPlane:
		if e.TiltDeg < 0 {
			return fmt.Sprintf("%v: no hypothesis from %d points", e.Err, e.Points)
		}
		return fmt.Sprintf("%v: best normal %.1f° from the camera's y axis", e.Err, e.TiltDeg)
	case ErrGroundTooFewInliers:
		return fmt.Sprintf("%v: %d of %d < %d", e.Err, e.Inliers, e.Points, e.MinInliers)
	case ErrGroundOutlier:
		return fmt.Sprintf("%v: %.4g vs current %.4g", e.Err, e.Raw, e.Scale)
	}
	return e.Err.Error()
}

type vec3 [3]float64

func (a vec3) sub(b vec3) vec3    { return vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a vec3) dot(b vec3) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a vec3) cross(b vec3) vec3 {
	return vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// GroundScaler estimates the camera_height scale: it fits a ground plane by RANSAC to the
// back-projected points of the lower central image region, refines it by total least squares
// on the inliers, and turns the plane's distance into scale = CameraHeight / distance,
// smoothed by a running median with outlier rejection.
//
// The inlier test is relative to depth: a point p = z·ray is on the plane n·p = d when its
// depth z is within InlierThreshold of the plane's depth along the same ray, d/(n·ray). That is
// |n·p − d| < InlierThreshold·d, so it does not depend on the (unknown) depth unit, and a
// relative depth error ε moves a ground point off the plane by ε·d however far away it is. After the first Update (which sizes
// the point buffer) Update does not allocate. Not safe for concurrent use.
type GroundScaler struct {
	cfg    GroundConfig
	cosMax float64
	rng    *rand.Rand
	pts    []vec3

	window  [maxGroundWindow]float64 // ring of accepted raw scales
	sorted  [maxGroundWindow]float64
	count   int // filled entries of window
	next    int // ring position of the next entry
	scale   float64
	valid   bool
	rejects int
}

// NewGroundScaler validates cfg (after defaults) and returns a GroundScaler.
func NewGroundScaler(cfg GroundConfig) (*GroundScaler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &GroundScaler{
		cfg:    cfg,
		cosMax: math.Cos(cfg.MaxTiltDeg * math.Pi / 180),
		rng:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
	}, nil
}

// Reset forgets the scale history (e.g. after a camera or model change) and reseeds RANSAC.
func (g *GroundScaler) Reset() {
	g.count, g.next, g.scale, g.valid, g.rejects = 0, 0, 0, false, 0
	g.rng = rand.New(rand.NewPCG(g.cfg.Seed, g.cfg.Seed^0x9e3779b97f4a7c15))
}

// Update fits this frame's ground plane to depth (w×h, model units, NaN or ≤ 0 invalid, as
// seen through intr, the intrinsics of the depth image) and returns the smoothed scale.
func (g *GroundScaler) Update(depth []float32, w, h int, intr calibration.Intrinsics) GroundEstimate {
	est := g.fit(depth, w, h, intr)
	if est.Err == nil {
		g.accept(&est)
	}
	est.Scale, est.Valid = g.scale, g.valid
	return est
}

// collect back-projects the valid depths of the ground region into g.pts.
func (g *GroundScaler) collect(depth []float32, w, h int, intr calibration.Intrinsics) {
	c := g.cfg
	v0 := int(c.RegionTop * float64(h))
	u0 := int((1 - c.RegionWidth) / 2 * float64(w))
	u1 := w - u0
	g.pts = g.pts[:0]
	for v := v0; v < h; v += c.Stride {
		ry := (float64(v) - intr.Cy) / intr.Fy
		for u := u0; u < u1; u += c.Stride {
			z := float64(depth[v*w+u])
			if !(z > 0) || math.IsInf(z, 0) {
				continue
			}
			g.pts = append(g.pts, vec3{z * (float64(u) - intr.Cx) / intr.Fx, z * ry, z})
		}
	}
}

func (g *GroundScaler) fit(depth []float32, w, h int, intr calibration.Intrinsics) GroundEstimate {
	var est GroundEstimate
	if w <= 0 || h <= 0 || len(depth) < w*h || !(intr.Fx > 0) || !(intr.Fy > 0) {
		est.Err = ErrGroundTooFewPoints
		est.MinInliers = g.cfg.MinPoints
		return est
	}
	if g.pts == nil {
		// Size the buffer for the whole region once.
		rw := int(g.cfg.RegionWidth*float64(w)) + 2
		rh := int((1-g.cfg.RegionTop)*float64(h)) + 2
		g.pts = make([]vec3, 0, (rw/g.cfg.Stride+1)*(rh/g.cfg.Stride+1))
	}
	g.collect(depth, w, h, intr)
	pts := g.pts
	est.Points = len(pts)
	if len(pts) < g.cfg.MinPoints {
		est.Err, est.MinInliers = ErrGroundTooFewPoints, g.cfg.MinPoints
		return est
	}
	est.MinInliers = max(3, int(math.Ceil(g.cfg.MinInlierFraction*float64(len(pts)))))

	// RANSAC over plausible planes only: a hypothesis whose normal is too far from the
	// camera's y axis is not the ground whatever its support.
	tau := g.cfg.InlierThreshold
	bestCount, bestN, bestD := 0, vec3{}, 0.0
	bestCos := -1.0
	n := len(pts)
	for it := 0; it < g.cfg.Iterations; it++ {
		i, j, k := g.rng.IntN(n), g.rng.IntN(n), g.rng.IntN(n)
		if i == j || j == k || i == k {
			continue
		}
		nrm := pts[j].sub(pts[i]).cross(pts[k].sub(pts[i]))
		l := math.Sqrt(nrm.dot(nrm))
		if !(l > 0) {
			continue
		}
		nrm = vec3{nrm[0] / l, nrm[1] / l, nrm[2] / l}
		if nrm[1] < 0 {
			nrm = vec3{-nrm[0], -nrm[1], -nrm[2]}
		}
		bestCos = max(bestCos, nrm[1])
		d := nrm.dot(pts[i])
		if nrm[1] < g.cosMax || !(d > 0) {
			continue
		}
		count := countInliers(pts, nrm, d, tau*d)
		if count > bestCount {
			bestCount, bestN, bestD = count, nrm, d
			// Adaptive stop: enough hypotheses for 99.9 % confidence that one drew three
			// inliers, at the inlier ratio seen so far (an underestimate, so conservative).
			w := float64(count) / float64(n)
			if need := math.Log(1-ransacConfidence) / math.Log(1-w*w*w); float64(it+1) >= need {
				break
			}
		}
	}
	if bestCount == 0 {
		est.Err = ErrGroundNoPlane
		est.TiltDeg = -1
		if bestCos > -1 {
			est.TiltDeg = math.Acos(min(1, bestCos)) * 180 / math.Pi
		}
		return est
	}

	// Refine twice: total least squares on the inliers of the current plane.
	nrm, d := bestN, bestD
	for round := 0; round < 2; round++ {
		rn, rd, cnt, ok := refinePlane(pts, nrm, d, tau)
		if !ok {
			break
		}
		nrm, d, bestCount = rn, rd, cnt
	}
	est.Inliers = bestCount
	est.Normal, est.Distance = nrm, d
	est.TiltDeg = math.Acos(min(1, nrm[1])) * 180 / math.Pi
	switch {
	case nrm[1] < g.cosMax || !(d > 0):
		est.Err = ErrGroundNoPlane
		return est
	case bestCount < est.MinInliers:
		est.Err = ErrGroundTooFewInliers
		return est
	}
	est.Raw = g.cfg.CameraHeight / d
	return est
}

// ransacConfidence is the probability that RANSAC drew at least one all-inlier sample when
// it stops early; Iterations bounds the draws when the inlier ratio is low.
const ransacConfidence = 0.999

// countInliers counts the points within tol of the plane n·p = d.
func countInliers(pts []vec3, n vec3, d, tol float64) int {
	n0, n1, n2 := n[0], n[1], n[2]
	lo, hi := d-tol, d+tol
	count := 0
	for i := range pts {
		p := &pts[i]
		if s := n0*p[0] + n1*p[1] + n2*p[2]; s > lo && s < hi {
			count++
		}
	}
	return count
}

// refinePlane fits a plane to the inliers of (nrm, d) by total least squares: through their
// centroid, normal along the smallest eigenvector of their scatter matrix.
func refinePlane(pts []vec3, nrm vec3, d, tau float64) (vec3, float64, int, bool) {
	var sum vec3
	cnt, tol := 0, tau*d
	for _, p := range pts {
		if math.Abs(nrm.dot(p)-d) < tol {
			sum = vec3{sum[0] + p[0], sum[1] + p[1], sum[2] + p[2]}
			cnt++
		}
	}
	if cnt < 3 {
		return nrm, d, cnt, false
	}
	c := vec3{sum[0] / float64(cnt), sum[1] / float64(cnt), sum[2] / float64(cnt)}
	var s [3][3]float64
	for _, p := range pts {
		if math.Abs(nrm.dot(p)-d) < tol {
			q := p.sub(c)
			for a := 0; a < 3; a++ {
				for b := a; b < 3; b++ {
					s[a][b] += q[a] * q[b]
				}
			}
		}
	}
	s[1][0], s[2][0], s[2][1] = s[0][1], s[0][2], s[1][2]
	e := smallestEigenvector(s)
	if e[1] < 0 {
		e = vec3{-e[0], -e[1], -e[2]}
	}
	return e, e.dot(c), cnt, true
}

// smallestEigenvector returns the unit eigenvector of the symmetric 3×3 matrix a with the
// smallest eigenvalue, by cyclic Jacobi rotations.
func smallestEigenvector(a [3][3]float64) vec3 {
	v := [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	for sweep := 0; sweep < 32; sweep++ {
		off := a[0][1]*a[0][1] + a[0][2]*a[0][2] + a[1][2]*a[1][2]
		diag := a[0][0]*a[0][0] + a[1][1]*a[1][1] + a[2][2]*a[2][2]
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for _, pq := range [3][2]int{{0, 1}, {0, 2}, {1, 2}} {
			p, q := pq[0], pq[1]
			if a[p][q] == 0 {
				continue
			}
			theta := (a[q][q] - a[p][p]) / (2 * a[p][q])
			t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
			if theta < 0 {
				t = -t
			}
			c := 1 / math.Sqrt(t*t+1)
			s := t * c
			for k := 0; k < 3; k++ { // A ← A·J
				akp, akq := a[k][p], a[k][q]
				a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
			}
			for k := 0; k < 3; k++ { // A ← Jᵀ·A
				apk, aqk := a[p][k], a[q][k]
				a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
			}
			for k := 0; k < 3; k++ { // V ← V·J
				vkp, vkq := v[k][p], v[k][q]
				v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
			}
		}
	}
	m := 0
	for i := 1; i < 3; i++ {
		if a[i][i] < a[m][m] {
			m = i
		}
	}
	e := vec3{v[0][m], v[1][m], v[2][m]}
	l := math.Sqrt(e.dot(e))
	return vec3{e[0] / l, e[1] / l, e[2] / l}
}

// accept folds a fitted raw scale into the running median, or rejects it as an outlier.
func (g *GroundScaler) accept(est *GroundEstimate) {
	raw := est.Raw
	if g.valid && math.Abs(raw/g.scale-1) > g.cfg.MaxJump {
		g.rejects++
		if g.rejects < g.cfg.MaxRejects {
			est.Err = ErrGroundOutlier
			return
		}
		// The level has really changed (or the old one was wrong): start over from here.
		g.count, g.next = 0, 0
	}
	g.rejects = 0
	g.window[g.next] = raw
	g.next = (g.next + 1) % g.cfg.Window
	g.count = min(g.count+1, g.cfg.Window)
	g.scale = median(g.window[:g.count], g.sorted[:g.count])
	g.valid = true
}

// median of vals, sorted into scratch (same length) by insertion sort: the window is short.
func median(vals, scratch []float64) float64 {
	copy(scratch, vals)
	for i := 1; i < len(scratch); i++ {
		for j := i; j > 0 && scratch[j] < scratch[j-1]; j-- {
			scratch[j], scratch[j-1] = scratch[j-1], scratch[j]
		}
	}
	n := len(scratch)
	if n%2 == 1 {
		return scratch[n/2]
	}
	return (scratch[n/2-1] + scratch[n/2]) / 2
}
