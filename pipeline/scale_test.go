package pipeline

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
)

func TestFocalScale(t *testing.T) {
	for _, tc := range []struct {
		camFx, trainFx float64
		inputW         int
		want           float64
	}{
		{371.2, 0.58, 640, 1},   // same focal length as training
		{742.4, 0.58, 640, 2},   // twice the focal length: things look twice as near
		{185.6, 0.58, 640, 0.5}, // half
		{500, 1.0, 1000, 0.5},   // fx normalised by width
		{721.5377 * 640 / 1242, 0.58, 640, 721.5377 / 1242 / 0.58}, // KITTI camera at 640 wide
	} {
		got, err := FocalScale(tc.camFx, tc.trainFx, tc.inputW)
		if err != nil || math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("FocalScale(%v, %v, %d) = %v, %v; want %v", tc.camFx, tc.trainFx, tc.inputW, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		camFx, trainFx float64
		inputW         int
		want           string
	}{
		{0, 0.58, 640, "scale: camera fx 0"},
		{300, math.NaN(), 640, "scale: training_intrinsics fx NaN"},
		{300, 0.58, 0, "scale: model input width 0"},
	} {
		if _, err := FocalScale(tc.camFx, tc.trainFx, tc.inputW); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("FocalScale(%v, %v, %d): %v, want prefix %q", tc.camFx, tc.trainFx, tc.inputW, err, tc.want)
		}
	}
	if m, err := ParseScaleMode("camera_height"); err != nil || m != ScaleCameraHeight {
		t.Errorf("ParseScaleMode: %v %v", m, err)
	}
	if _, err := ParseScaleMode("lidar"); err == nil || !strings.HasPrefix(err.Error(), `scale: unknown mode "lidar"`) {
		t.Errorf("ParseScaleMode(lidar): %v", err)
	}
	if _, err := FixedScale(-1); err == nil {
		t.Error("FixedScale(-1) accepted")
	}
}

// groundScene renders the depth a pinhole camera at height cameraHeight sees of a flat ground,
// tilted by pitch (down) and roll, with a fraction of pixels replaced by objects standing
// nearer than the ground, multiplicative noise, and every depth multiplied by modelScale (the
// unknown factor of a relative-depth network). Pixels that do not see the ground get a far
// constant ("sky").
type groundScene struct {
	w, h              int
	intr              calibration.Intrinsics
	cameraHeight      float64
	pitchDeg, rollDeg float64
	outliers, noise   float64
	modelScale        float64
	seed              uint64
}

func kittiLikeIntrinsics(w, h int) calibration.Intrinsics {
	return calibration.Intrinsics{Fx: 0.58 * float64(w), Fy: 1.92 * float64(h), Cx: float64(w)/2 - 0.5, Cy: float64(h)/2 - 0.5}
}

func (s groundScene) render() []float32 {
	r := rand.New(rand.NewPCG(s.seed, 99))
	p, q := s.pitchDeg*math.Pi/180, s.rollDeg*math.Pi/180
	// World "down" in the camera's optical frame after pitching down by p and rolling by q.
	n := [3]float64{math.Sin(q) * math.Cos(p), math.Cos(q) * math.Cos(p), math.Sin(p)}
	d := make([]float32, s.w*s.h)
	for v := 0; v < s.h; v++ {
		for u := 0; u < s.w; u++ {
			rx, ry := (float64(u)-s.intr.Cx)/s.intr.Fx, (float64(v)-s.intr.Cy)/s.intr.Fy
			cos := n[0]*rx + n[1]*ry + n[2]
			z := 200.0
			if cos > s.cameraHeight/200 {
				z = s.cameraHeight / cos
			}
			if r.Float64() < s.outliers {
				z *= 0.3 + 0.6*r.Float64()
			}
			z *= 1 + s.noise*r.NormFloat64()
			d[v*s.w+u] = float32(z * s.modelScale)
		}
	}
	return d
}

func newTestGround(t testing.TB, cfg GroundConfig) *GroundScaler {
	t.Helper()
	g, err := NewGroundScaler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGroundScaleRecoversUnknownFactor(t *testing.T) {
	const w, h = 640, 192
	for _, tc := range []struct {
		name        string
		pitch, roll float64
	}{
		{"level", 0, 0},
		{"pitch 5° down", 5, 0},
		{"pitch 5° up, roll 3°", -5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scene := groundScene{w: w, h: h, intr: kittiLikeIntrinsics(w, h), cameraHeight: 1.65,
				pitchDeg: tc.pitch, rollDeg: tc.roll, outliers: 0.2, noise: 0.01, modelScale: 0.37}
			g := newTestGround(t, GroundConfig{CameraHeight: 1.65, Seed: 1})
			want := 1 / 0.37
			var est GroundEstimate
			for frame := 0; frame < 5; frame++ {
				scene.seed = uint64(frame + 1)
				est = g.Update(scene.render(), w, h, scene.intr)
				if est.Err != nil {
					t.Fatalf("frame %d: %s", frame, est.Reason())
				}
				if rel := math.Abs(est.Raw/want - 1); rel > 0.01 {
					t.Errorf("frame %d: raw scale %.5f, want %.5f ± 1%% (off by %.2f%%)", frame, est.Raw, want, 100*rel)
				}
			}
			if rel := math.Abs(est.Scale/want - 1); !est.Valid || rel > 0.01 {
				t.Errorf("smoothed scale %.5f (valid %v), want %.5f ± 1%%", est.Scale, est.Valid, want)
			}
			if math.Abs(est.TiltDeg-math.Hypot(tc.pitch, tc.roll)) > 1 {
				t.Errorf("plane tilt %.2f°, want about %.2f°", est.TiltDeg, math.Hypot(tc.pitch, tc.roll))
			}
			t.Logf("scale %.5f (want %.5f), %d/%d inliers, tilt %.2f°", est.Scale, want, est.Inliers, est.Points, est.TiltDeg)
		})
	}
}

func TestGroundScaleFailsCleanly(t *testing.T) {
	const w, h = 320, 96
	intr := kittiLikeIntrinsics(w, h)
	g := newTestGround(t, GroundConfig{CameraHeight: 1.65})

	// A wall straight ahead fills the view: its points are a plane, but not a ground plane.
	wall := constDepth(w, h, 5)
	est := g.Update(wall, w, h, intr)
	if !errors.Is(est.Err, ErrGroundNoPlane) || est.Valid {
		t.Fatalf("wall: err %v, valid %v", est.Err, est.Valid)
	}
	if r := est.Reason(); !strings.Contains(r, "no plausible ground plane: best normal") || !strings.Contains(r, "from the camera's y axis") {
		t.Errorf("wall reason %q", r)
	}

	// Nothing valid (e.g. the network output NaN, or the lens is covered).
	blind := constDepth(w, h, nan32)
	if est := g.Update(blind, w, h, intr); !errors.Is(est.Err, ErrGroundTooFewPoints) ||
		est.Reason() != "camera_height: too few valid depths in the ground region: 0 < 50" {
		t.Errorf("blind: %v %q", est.Err, est.Reason())
	}

	// After a good fit, failures hold the last good scale and say so.
	scene := groundScene{w: w, h: h, intr: intr, cameraHeight: 1.65, noise: 0.005, modelScale: 0.5, seed: 3}
	good := g.Update(scene.render(), w, h, intr)
	if good.Err != nil || math.Abs(good.Scale-2) > 0.02 {
		t.Fatalf("ground: %s, scale %v", good.Reason(), good.Scale)
	}
	held := g.Update(wall, w, h, intr)
	if held.Err == nil || !held.Valid || held.Scale != good.Scale || held.Raw != 0 {
		t.Errorf("after failure: err %v valid %v scale %v raw %v; want the held scale %v", held.Err, held.Valid, held.Scale, held.Raw, good.Scale)
	}
}

func TestGroundScaleRejectsJumpsThenFollows(t *testing.T) {
	const w, h = 320, 96
	intr := kittiLikeIntrinsics(w, h)
	g := newTestGround(t, GroundConfig{CameraHeight: 1.65, Window: 5, MaxRejects: 3})
	scene := groundScene{w: w, h: h, intr: intr, cameraHeight: 1.65, noise: 0.005, modelScale: 0.5, seed: 1}
	for i := 0; i < 5; i++ {
		scene.seed = uint64(i + 1)
		g.Update(scene.render(), w, h, intr)
	}
	scene.modelScale = 0.25 // the model's scale suddenly halves
	for i := 0; i < 3; i++ {
		scene.seed = uint64(10 + i)
		est := g.Update(scene.render(), w, h, intr)
		if i < 2 {
			if !errors.Is(est.Err, ErrGroundOutlier) || math.Abs(est.Scale-2) > 0.02 || math.Abs(est.Raw-4) > 0.04 {
				t.Errorf("jump %d: err %v scale %v raw %v; want rejected, holding 2", i, est.Err, est.Scale, est.Raw)
			}
			if r := est.Reason(); !strings.HasPrefix(r, "camera_height: fitted scale rejected as an outlier: ") || !strings.HasSuffix(r, " vs current 2") {
				t.Errorf("jump %d reason %q", i, r)
			}
		} else if est.Err != nil || math.Abs(est.Scale-4) > 0.04 {
			t.Errorf("after %d rejections: err %v scale %v; want the new level 4", i+1, est.Err, est.Scale)
		}
	}
}

func TestGroundScaleDeterministicAndAllocFree(t *testing.T) {
	const w, h = 320, 96
	intr := kittiLikeIntrinsics(w, h)
	scene := groundScene{w: w, h: h, intr: intr, cameraHeight: 1.4, outliers: 0.2, noise: 0.01, modelScale: 2, seed: 5}
	depth := scene.render()
	a := newTestGround(t, GroundConfig{CameraHeight: 1.4, Seed: 42})
	b := newTestGround(t, GroundConfig{CameraHeight: 1.4, Seed: 42})
	for i := 0; i < 3; i++ {
		ea, eb := a.Update(depth, w, h, intr), b.Update(depth, w, h, intr)
		if ea != eb {
			t.Fatalf("same seed, same input, different estimates:\n%+v\n%+v", ea, eb)
		}
	}
	allocs := testing.AllocsPerRun(5, func() { a.Update(depth, w, h, intr) })
	if allocs != 0 {
		t.Errorf("%v allocations per Update after warm-up, want 0", allocs)
	}
}

func TestGroundConfigRejects(t *testing.T) {
	for _, tc := range []struct {
		cfg  GroundConfig
		want string
	}{
		{GroundConfig{}, "camera_height: camera height 0 m must be positive"},
		{GroundConfig{CameraHeight: 1, RegionTop: 1.2}, "camera_height: region top 1.2 must be in [0, 1)"},
		{GroundConfig{CameraHeight: 1, Window: 100}, "camera_height: window 100 must be in 1..64"},
		{GroundConfig{CameraHeight: 1, MaxTiltDeg: 95}, "camera_height: max tilt 95° must be in (0, 90)"},
	} {
		if _, err := NewGroundScaler(tc.cfg); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want prefix %q", tc.cfg, err, tc.want)
		}
	}
}

func TestSmallestEigenvector(t *testing.T) {
	// Scatter of points spread in x and z, thin in a tilted direction.
	a := [3][3]float64{{4, 0.3, 0.1}, {0.3, 0.05, 0.2}, {0.1, 0.2, 9}}
	e := smallestEigenvector(a)
	var av vec3
	for i := 0; i < 3; i++ {
		av[i] = a[i][0]*e[0] + a[i][1]*e[1] + a[i][2]*e[2]
	}
	lambda := av.dot(e)
	for i := 0; i < 3; i++ {
		if math.Abs(av[i]-lambda*e[i]) > 1e-12 {
			t.Fatalf("A·e = %v, not λ·e with λ=%v, e=%v", av, lambda, e)
		}
	}
	if lambda > 0.05 {
		t.Errorf("eigenvalue %v is not the smallest", lambda)
	}
}
