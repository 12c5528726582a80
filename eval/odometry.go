package eval

import (
	"fmt"
	"math"
	"strings"

	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/pipeline"
)

// Odometry metrics as evo computes them (github.com/MichaelGrupp/evo: evo_ape, evo_rpe), so that a
// team can compare our numbers with theirs and read our exported trajectories with their tools.
//
// The estimate is the node's visual odometry in metres (its first camera frame as the world); the
// ground truth is the recording's. Nothing is rescaled unless a name says Sim(3): a visual odometry
// whose metric scale is 30 % off shows a large SE(3) ATE and a large raw RPE, and only the Sim(3)
// ATE (with its scale printed beside it) forgives it.

// PoseResult summarises ego-motion against ground truth.
type PoseResult struct {
	Frames    int     `json:"frames"`
	DurationS float64 `json:"duration_s"`
	// GTLengthM and EstLengthM are the path lengths travelled (sums of frame-to-frame distances).
	GTLengthM  float64 `json:"gt_length_m"`
	EstLengthM float64 `json:"est_length_m"`

	// ATE: RMSE of positions after aligning the estimate to the GT, rigidly (SE(3), evo_ape --align)
	// and with a scale (Sim(3), evo_ape --align --correct_scale); Sim3Scale is that scale (1: metric).
	ATESE3    float64 `json:"ate_se3_m"`
	ATESim3   float64 `json:"ate_sim3_m"`
	Sim3Scale float64 `json:"sim3_scale"`

	// RPE between consecutive frames, unscaled: RMSE of the translation error (m) and mean
	// rotation error (degrees).
	RPETransPerFrame  float64 `json:"rpe_trans_m_per_frame"`
	RPERotDegPerFrame float64 `json:"rpe_rot_deg_per_frame"`
	// RPE over segments of 1 m of GT travel (evo_rpe --delta 1 --delta_unit m), as drift: metres of
	// translation error per metre travelled (0.3 = 30 %) and degrees per metre. Absent when the
	// GT path is shorter than 1 m.
	RPETransPerM  *float64 `json:"rpe_trans_per_m,omitempty"`
	RPERotDegPerM *float64 `json:"rpe_rot_deg_per_m,omitempty"`
	// RPE over 1 s segments: m/s and °/s. Absent without 1 s of stamps.
	RPETransPerS  *float64 `json:"rpe_trans_m_per_s,omitempty"`
	RPERotDegPerS *float64 `json:"rpe_rot_deg_per_s,omitempty"`

	// ScaleOverTime is the estimate's scale relative to the GT (|Δest| / |Δgt|) over consecutive,
	// non-overlapping 1 s segments (1 m segments when there are no usable stamps): a visual
	// odometry whose scale drifts shows it here, where a single Sim(3) scale hides it.
	ScaleOverTime []ScaleSample `json:"scale_over_time,omitempty"`
	// ScaleDrift is the last segment's scale over the first's, minus 1 (0: no drift).
	ScaleDrift float64 `json:"scale_drift"`
}

// ScaleSample is the odometry's scale over one segment that starts at StampS.
type ScaleSample struct {
	StampS float64 `json:"stamp_s"` // seconds since the trajectory's first frame
	Scale  float64 `json:"scale"`
}

// OdometryEval is what EvaluateOdometry returns beside the metrics: the aligned estimates and the
// per-frame position errors, for the figures.
type OdometryEval struct {
	Result          *PoseResult
	SE3, Sim3       Sim3
	EstSE3, EstSim3 [][3]float64 // estimated positions under each alignment
	ErrSE3, ErrSim3 []float64    // per frame: distance to the GT position (m)
	TimesS          []float64    // per frame: seconds since the first
}

// EvaluateOdometry scores est against gt (matched pose by pose; stamps in seconds, may be nil).
func EvaluateOdometry(est, gt []Pose, stamps []float64) (*OdometryEval, error) {
	n := len(est)
	if n != len(gt) || (stamps != nil && len(stamps) != n) {
		return nil, fmt.Errorf("eval: odometry needs matched poses: %d estimated, %d ground truth, %d stamps", n, len(gt), len(stamps))
	}
	if n < 3 {
		return nil, fmt.Errorf("eval: odometry needs at least 3 poses with ground truth, got %d", n)
	}
	pe, pg := positions(est), positions(gt)
	r := &PoseResult{Frames: n, GTLengthM: pathLength(pg), EstLengthM: pathLength(pe)}
	if r.GTLengthM == 0 {
		return nil, fmt.Errorf("eval: the ground-truth trajectory never moves over %d frames (every pose is the same); "+
			"a GT taken from a frame fixed to the camera (a static transform) cannot score odometry", n)
	}
	times := make([]float64, n)
	if stamps != nil {
		for i := range stamps {
			times[i] = stamps[i] - stamps[0]
		}
		r.DurationS = times[n-1]
	}
	out := &OdometryEval{Result: r, TimesS: times}
	var err error
	if out.SE3, err = AlignUmeyama(pe, pg, false); err != nil {
		return nil, err
	}
	if r.EstLengthM == 0 {
		// An odometry that never moves: the best similarity shrinks it to the GT's centroid (scale 0).
		out.Sim3 = Sim3{Scale: 0, R: out.SE3.R, T: centroid(pg)}
	} else if out.Sim3, err = AlignUmeyama(pe, pg, true); err != nil {
		return nil, err
	}
	r.Sim3Scale = out.Sim3.Scale
	r.ATESE3, out.EstSE3, out.ErrSE3 = alignedErrors(out.SE3, pe, pg)
	r.ATESim3, out.EstSim3, out.ErrSim3 = alignedErrors(out.Sim3, pe, pg)

	r.RPETransPerFrame, r.RPERotDegPerFrame, _ = RPE(est, gt, 1, 1)
	dist := cumulative(pg)
	if t, rot, ok := segmentRPE(est, gt, dist, 1); ok {
		r.RPETransPerM, r.RPERotDegPerM = &t, &rot
	}
	if stamps != nil && r.DurationS >= 1 {
		if t, rot, ok := segmentRPE(est, gt, times, 1); ok {
			r.RPETransPerS, r.RPERotDegPerS = &t, &rot
		}
		r.ScaleOverTime = scaleOverSegments(pe, pg, times, times, 1)
	}
	if len(r.ScaleOverTime) == 0 {
		r.ScaleOverTime = scaleOverSegments(pe, pg, dist, times, 1)
	}
	if s := r.ScaleOverTime; len(s) >= 2 && s[0].Scale > 0 {
		r.ScaleDrift = s[len(s)-1].Scale/s[0].Scale - 1
	}
	return out, nil
}

// alignedErrors applies a to the estimated positions and returns the RMSE, the moved positions and
// each one's distance to its GT position.
func alignedErrors(a Sim3, est, gt [][3]float64) (rmse float64, moved [][3]float64, errs []float64) {
	moved, errs = make([][3]float64, len(est)), make([]float64, len(est))
	for i := range est {
		q := a.Apply(est[i])
		moved[i] = q
		d := math.Sqrt(sq(q[0]-gt[i][0]) + sq(q[1]-gt[i][1]) + sq(q[2]-gt[i][2]))
		errs[i] = d
		rmse += d * d
	}
	return math.Sqrt(rmse / float64(len(est))), moved, errs
}

// segmentRPE pairs each frame i with the first j whose coordinate (GT distance travelled, or time)
// is at least delta further, and returns the RMSE of the unscaled translation error divided by the
// pair's actual span, and the mean rotation error per unit span. ok is false without any pair.
func segmentRPE(est, gt []Pose, coord []float64, delta float64) (trans, rotDeg float64, ok bool) {
	n, j := 0, 0
	for i := range est {
		if j <= i {
			j = i + 1
		}
		for j < len(est) && coord[j]-coord[i] < delta {
			j++
		}
		if j == len(est) {
			break
		}
		span := coord[j] - coord[i]
		e := relative(relative(gt[i], gt[j]), relative(est[i], est[j]))
		t := math.Sqrt(sq(e.T[0])+sq(e.T[1])+sq(e.T[2])) / span
		trans += t * t
		rotDeg += rotationAngleDeg(e.R) / span
		n++
	}
	if n == 0 {
		return 0, 0, false
	}
	return math.Sqrt(trans / float64(n)), rotDeg / float64(n), true
}

// scaleOverSegments cuts the trajectory into consecutive segments at least delta long in coord and
// returns the estimate's distance over the GT's for each segment where the GT moved.
func scaleOverSegments(est, gt [][3]float64, coord, times []float64, delta float64) []ScaleSample {
	var out []ScaleSample
	for i := 0; i < len(est)-1; {
		j := i + 1
		for j < len(est)-1 && coord[j]-coord[i] < delta {
			j++
		}
		if coord[j]-coord[i] < delta {
			break
		}
		de, dg := distance(est[i], est[j]), distance(gt[i], gt[j])
		if dg > 1e-9 {
			out = append(out, ScaleSample{StampS: times[i], Scale: de / dg})
		}
		i = j
	}
	return out
}

func centroid(p [][3]float64) (c [3]float64) {
	for _, q := range p {
		for k := range c {
			c[k] += q[k] / float64(len(p))
		}
	}
	return c
}

func rotationAngleDeg(r [9]float64) float64 {
	c := (r[0] + r[4] + r[8] - 1) / 2
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}

func pathLength(p [][3]float64) float64 {
	c := cumulative(p)
	return c[len(c)-1]
}

// cumulative returns the distance travelled up to each position.
func cumulative(p [][3]float64) []float64 {
	out := make([]float64, len(p))
	for i := 1; i < len(p); i++ {
		out[i] = out[i-1] + distance(p[i-1], p[i])
	}
	return out
}

func distance(a, b [3]float64) float64 {
	return math.Sqrt(sq(a[0]-b[0]) + sq(a[1]-b[1]) + sq(a[2]-b[2]))
}

func sq(v float64) float64 { return v * v }

// summary is the ego-motion block of the printed table.
func (r *PoseResult) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ego-motion over %d frames", r.Frames)
	if r.DurationS > 0 {
		fmt.Fprintf(&b, ", %.1f s", r.DurationS)
	}
	fmt.Fprintf(&b, ": GT travelled %.2f m, the estimate %.2f m\n", r.GTLengthM, r.EstLengthM)
	fmt.Fprintf(&b, "  ATE %.3f m (SE(3), metric as estimated); %.3f m (Sim(3), after scaling the estimate by %.3f)\n", r.ATESE3, r.ATESim3, r.Sim3Scale)
	fmt.Fprintf(&b, "  RPE unscaled: %.3f m / %.3f° per frame", r.RPETransPerFrame, r.RPERotDegPerFrame)
	if r.RPETransPerM != nil {
		fmt.Fprintf(&b, "; %.1f %% / %.3f° per metre travelled", 100**r.RPETransPerM, *r.RPERotDegPerM)
	}
	if r.RPETransPerS != nil {
		fmt.Fprintf(&b, "; %.3f m/s / %.3f°/s over 1 s", *r.RPETransPerS, *r.RPERotDegPerS)
	}
	b.WriteString("\n")
	if s := r.ScaleOverTime; len(s) > 0 {
		lo, hi := s[0].Scale, s[0].Scale
		for _, v := range s {
			lo, hi = math.Min(lo, v.Scale), math.Max(hi, v.Scale)
		}
		fmt.Fprintf(&b, "  scale (estimate/GT) over %d segments: %.3f … %.3f, last/first %+.1f %%\n", len(s), lo, hi, 100*r.ScaleDrift)
	}
	return b.String()
}

// WriteTUM writes poses in the TUM RGB-D trajectory format that evo reads: one line per pose,
// "timestamp tx ty tz qx qy qz qw" (seconds, metres, unit quaternion).
func WriteTUM(path string, stamps []float64, poses []Pose) error {
	if len(stamps) != len(poses) {
		return fmt.Errorf("eval: TUM trajectory %s: %d stamps for %d poses", path, len(stamps), len(poses))
	}
	var b strings.Builder
	b.WriteString("# timestamp tx ty tz qx qy qz qw\n")
	for i, p := range poses {
		qx, qy, qz, qw := pipeline.Rigid{R: p.R, T: p.T}.Quaternion()
		fmt.Fprintf(&b, "%.9f %.9g %.9g %.9g %.9g %.9g %.9g %.9g\n", stamps[i], p.T[0], p.T[1], p.T[2], qx, qy, qz, qw)
	}
	return fileio.WriteFileAtomic(path, []byte(b.String()), 0o644)
}

// WriteKITTI writes poses in the KITTI odometry format: one line per pose, the 3×4 matrix [R|t]
// row-major (12 numbers). The format has no stamps; the stamps argument is ignored.
func WriteKITTI(path string, _ []float64, poses []Pose) error {
	var b strings.Builder
	for _, p := range poses {
		fmt.Fprintf(&b, "%.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g %.9g\n",
			p.R[0], p.R[1], p.R[2], p.T[0], p.R[3], p.R[4], p.R[5], p.T[1], p.R[6], p.R[7], p.R[8], p.T[2])
	}
	return fileio.WriteFileAtomic(path, []byte(b.String()), 0o644)
}
