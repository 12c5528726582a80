package eval

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// curvingDrive is a GT trajectory in a ROS-style world (z up): n poses at 10 Hz along an arc of
// radius 40 m at 8 m/s, the camera's optical axes (z forward, x right, y down) turning with the
// heading, plus a little height change. Stamps in seconds.
func curvingDrive(n int) (poses []Pose, stamps []float64) {
	for i := 0; i < n; i++ {
		t := float64(i) / 10
		yaw := 8 * t / 40
		c, s := math.Cos(yaw), math.Sin(yaw)
		// world_from_camera: optical z → world heading (c, s, 0), optical x → right (s, −c, 0),
		// optical y → down (0, 0, −1).
		R := [9]float64{s, 0, c, -c, 0, s, 0, -1, 0}
		poses = append(poses, Pose{R: R, T: [3]float64{40 * s, 40 * (1 - c), 0.2 * math.Sin(t)}})
		stamps = append(stamps, 1e9+t) // an epoch-like origin: only differences matter
	}
	return poses, stamps
}

// asOdometry is what a visual odometry that starts at the identity would report for gt, with the
// translation of every step multiplied by scale(i) (its metric scale error at step i).
func asOdometry(gt []Pose, scale func(i int) float64) []Pose {
	out := []Pose{IdentityPose()}
	for i := 1; i < len(gt); i++ {
		step := relative(gt[i-1], gt[i]) // prev_from_cur
		k := scale(i)
		step.T = [3]float64{step.T[0] * k, step.T[1] * k, step.T[2] * k}
		out = append(out, out[i-1].Mul(step))
	}
	return out
}

// TestOdometryScaleErrorIsNotForgiven: an odometry 30 % short in scale (0.7) with perfect
// rotations. SE(3) ATE and the raw RPE show the error (RPE per metre = 0.3 exactly); only the
// Sim(3) ATE is near zero, with the scale 1/0.7 printed beside it.
func TestOdometryScaleErrorIsNotForgiven(t *testing.T) {
	gt, stamps := curvingDrive(100)
	est := asOdometry(gt, func(int) float64 { return 0.7 })
	od, err := EvaluateOdometry(est, gt, stamps)
	if err != nil {
		t.Fatal(err)
	}
	r := od.Result
	var want float64 // the RMSE of 0.3 × each step's length
	for i := 1; i < len(gt); i++ {
		want += sq(0.3 * distance(gt[i-1].T, gt[i].T))
	}
	want = math.Sqrt(want / float64(len(gt)-1))
	t.Logf("GT %.1f m in %.1f s; ATE SE(3) %.3f m, Sim(3) %.2g m ×%.4f; RPE %.4f m/frame, %.4f per m, %.4f m/s; drift %.3g",
		r.GTLengthM, r.DurationS, r.ATESE3, r.ATESim3, r.Sim3Scale, r.RPETransPerFrame, *r.RPETransPerM, *r.RPETransPerS, r.ScaleDrift)
	if r.ATESE3 < 5 {
		t.Errorf("SE(3) ATE %.3f m on a %.0f m path with a 30 %% scale error: too small", r.ATESE3, r.GTLengthM)
	}
	if r.ATESim3 > 1e-6 || math.Abs(r.Sim3Scale-1/0.7) > 1e-6 {
		t.Errorf("Sim(3) ATE %g, scale %g; want 0 and %g", r.ATESim3, r.Sim3Scale, 1/0.7)
	}
	if math.Abs(r.RPETransPerFrame-want) > 1e-9 {
		t.Errorf("RPE per frame %g m; want %g", r.RPETransPerFrame, want)
	}
	// Over 1 m or 1 s of a curve the chord is a little shorter than the path: 0.3 to within 1e-4.
	if math.Abs(*r.RPETransPerM-0.3) > 1e-4 || math.Abs(*r.RPETransPerS-0.3*8) > 0.01 {
		t.Errorf("RPE %g per metre, %g m/s; want 0.3 and 2.4", *r.RPETransPerM, *r.RPETransPerS)
	}
	if r.RPERotDegPerFrame > 1e-4 || *r.RPERotDegPerM > 1e-4 { // acos near 1 resolves ~1e-6°
		t.Errorf("rotation error %g°/frame, %g°/m with perfect rotations", r.RPERotDegPerFrame, *r.RPERotDegPerM)
	}
	if len(r.ScaleOverTime) < 9 || math.Abs(r.ScaleDrift) > 1e-9 {
		t.Fatalf("%d scale segments, drift %g", len(r.ScaleOverTime), r.ScaleDrift)
	}
	for _, s := range r.ScaleOverTime {
		if math.Abs(s.Scale-0.7) > 1e-9 {
			t.Fatalf("segment at %.1f s: scale %g, want 0.7", s.StampS, s.Scale)
		}
	}
	// A perfect odometry scores zero everywhere.
	perfect, err := EvaluateOdometry(asOdometry(gt, func(int) float64 { return 1 }), gt, stamps)
	if err != nil {
		t.Fatal(err)
	}
	if p := perfect.Result; p.ATESE3 > 1e-6 || p.RPETransPerFrame > 1e-9 || *p.RPETransPerM > 1e-9 || math.Abs(p.Sim3Scale-1) > 1e-9 {
		t.Fatalf("perfect odometry: %+v", p)
	}
}

// TestOdometryScaleDriftShows: a scale that falls from 1.0 to 0.8 over the drive shows in the
// segments and in the drift; one Sim(3) scale cannot explain it, so the Sim(3) ATE stays well above 0.
func TestOdometryScaleDriftShows(t *testing.T) {
	gt, stamps := curvingDrive(101)
	est := asOdometry(gt, func(i int) float64 { return 1 - 0.2*float64(i)/100 })
	od, err := EvaluateOdometry(est, gt, stamps)
	if err != nil {
		t.Fatal(err)
	}
	r := od.Result
	first, last := r.ScaleOverTime[0].Scale, r.ScaleOverTime[len(r.ScaleOverTime)-1].Scale
	if first < 0.98 || last > 0.83 || r.ScaleDrift > -0.15 {
		t.Fatalf("scale %g … %g, drift %g; want about 0.99 … 0.81", first, last, r.ScaleDrift)
	}
	if r.ATESim3 < 0.1 {
		t.Fatalf("Sim(3) ATE %g hides a drifting scale", r.ATESim3)
	}
}

// TestOdometryThatNeverMoves: an estimate stuck at the origin scores the GT's spread, with scale 0.
func TestOdometryThatNeverMoves(t *testing.T) {
	gt, stamps := curvingDrive(20)
	est := make([]Pose, len(gt))
	for i := range est {
		est[i] = IdentityPose()
	}
	od, err := EvaluateOdometry(est, gt, stamps)
	if err != nil {
		t.Fatal(err)
	}
	c := centroid(positions(gt))
	var spread float64
	for _, p := range gt {
		spread += sq(distance(p.T, c))
	}
	spread = math.Sqrt(spread / float64(len(gt)))
	if r := od.Result; r.Sim3Scale != 0 || math.Abs(r.ATESim3-spread) > 1e-9 || r.ATESE3 < spread-1e-9 {
		t.Fatalf("Sim(3) scale %g, ATE %g (want the GT's spread %g), SE(3) ATE %g", r.Sim3Scale, r.ATESim3, spread, r.ATESE3)
	}
}

func TestOdometryRefusesAGroundTruthThatNeverMoves(t *testing.T) {
	gt := []Pose{IdentityPose(), IdentityPose(), IdentityPose(), IdentityPose()}
	est, _ := curvingDrive(4)
	_, err := EvaluateOdometry(est, gt, nil)
	if err == nil || !strings.Contains(err.Error(), "never moves") {
		t.Fatalf("%v", err)
	}
}

// TestTrajectoryExportsParseBack reads our TUM and KITTI files with a reader written here from the
// formats' definitions (quaternion → matrix by the textbook formula, not our code) and gets the
// poses back.
func TestTrajectoryExportsParseBack(t *testing.T) {
	poses, stamps := curvingDrive(30)
	poses = asOdometry(poses, func(int) float64 { return 0.9 })
	// Rotations of every kind, including ones with a negative trace (w near 0).
	poses[5].R = [9]float64{-1, 0, 0, 0, -1, 0, 0, 0, 1}
	poses[6].R = [9]float64{1, 0, 0, 0, -1, 0, 0, 0, -1}
	dir := t.TempDir()
	tum, kitti := filepath.Join(dir, "est.tum"), filepath.Join(dir, "est.kitti")
	if err := WriteTUM(tum, stamps, poses); err != nil {
		t.Fatal(err)
	}
	if err := WriteKITTI(kitti, stamps, poses); err != nil {
		t.Fatal(err)
	}
	readRows := func(path string, cols int) [][]float64 {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var rows [][]float64
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			fields := strings.Fields(line)
			if len(fields) != cols {
				t.Fatalf("%s: %d fields in %q, want %d", path, len(fields), line, cols)
			}
			row := make([]float64, cols)
			for i, s := range fields {
				if row[i], err = strconv.ParseFloat(s, 64); err != nil {
					t.Fatal(err)
				}
			}
			rows = append(rows, row)
		}
		return rows
	}
	tumRows, kittiRows := readRows(tum, 8), readRows(kitti, 12)
	if len(tumRows) != len(poses) || len(kittiRows) != len(poses) {
		t.Fatalf("%d TUM rows, %d KITTI rows for %d poses", len(tumRows), len(kittiRows), len(poses))
	}
	for i, p := range poses {
		row := tumRows[i]
		if math.Abs(row[0]-stamps[i]) > 1e-6 {
			t.Fatalf("pose %d: stamp %.9f, want %.9f", i, row[0], stamps[i])
		}
		x, y, z, w := row[4], row[5], row[6], row[7]
		if n := x*x + y*y + z*z + w*w; math.Abs(n-1) > 1e-7 {
			t.Fatalf("pose %d: quaternion norm² %g", i, n)
		}
		R := [9]float64{
			1 - 2*(y*y+z*z), 2 * (x*y - z*w), 2 * (x*z + y*w),
			2 * (x*y + z*w), 1 - 2*(x*x+z*z), 2 * (y*z - x*w),
			2 * (x*z - y*w), 2 * (y*z + x*w), 1 - 2*(x*x+y*y)}
		k := kittiRows[i]
		for r := 0; r < 3; r++ {
			if math.Abs(row[1+r]-p.T[r]) > 1e-6 || math.Abs(k[4*r+3]-p.T[r]) > 1e-6 {
				t.Fatalf("pose %d: translation %v / %v, want %v", i, row[1:4], []float64{k[3], k[7], k[11]}, p.T)
			}
			for c := 0; c < 3; c++ {
				if math.Abs(R[3*r+c]-p.R[3*r+c]) > 1e-7 || math.Abs(k[4*r+c]-p.R[3*r+c]) > 1e-8 {
					t.Fatalf("pose %d: R[%d][%d] TUM %g KITTI %g, want %g", i, r, c, R[3*r+c], k[4*r+c], p.R[3*r+c])
				}
			}
		}
	}
}
