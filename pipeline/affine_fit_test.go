package pipeline

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
)

func newTestAffine(t testing.TB, cfg AffineFitConfig) *AffineFitter {
	t.Helper()
	f, err := NewAffineFitter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// affineData returns n pairs with y = s·x + t, x in [0.5, 10.5) on a 1/256 grid, then a fraction
// outliers of the y replaced by uniform values in [0.01, 100) and every other y multiplied by
// 1 + noise·N(0, 1).
func affineData(n int, s, t, outliers, noise float64, seed uint64) (x, y []float32) {
	r := rand.New(rand.NewPCG(seed, 7))
	x, y = make([]float32, n), make([]float32, n)
	for i := range x {
		xv := float64(r.IntN(2560)+128) / 256
		yv := s*xv + t
		if r.Float64() < outliers {
			yv = 0.01 + 99.99*r.Float64()
		} else {
			yv *= 1 + noise*r.NormFloat64()
		}
		x[i], y[i] = float32(xv), float32(yv)
	}
	return x, y
}

func checkAffine(t *testing.T, name string, res AffineResult, s, tt, tol float64) {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("%s: %s", name, res.Reason())
	}
	if es, et := math.Abs(res.Scale/s-1), math.Abs(res.Shift/tt-1); es > tol || et > tol {
		t.Errorf("%s: s=%.10g t=%.10g, want %v, %v within %g (off by %.3g, %.3g)", name, res.Scale, res.Shift, s, tt, tol, es, et)
	}
	t.Logf("%s: s=%.6g t=%.6g, %d/%d inliers, RMS rel %.3g, ref x %.4g", name, res.Scale, res.Shift, res.Inliers, res.Points, res.RMSRel, res.RefX)
}

func TestAffineFitKnownAnswers(t *testing.T) {
	// Exact data: t = 0.375 rather than 0.3 so that y = 2.5x + t is exact in float32 (x is on a
	// 1/256 grid); with t = 0.3 the float32 rounding of y alone moves the fit by ~1e-8.
	x, y := affineData(2000, 2.5, 0.375, 0, 0, 1)
	res := newTestAffine(t, AffineFitConfig{Seed: 1}).Fit(x, y)
	checkAffine(t, "exact", res, 2.5, 0.375, 1e-9)
	if res.Inliers != 2000 || res.Points != 2000 || res.RMSRel > 1e-12 {
		t.Errorf("exact: %d/%d inliers, RMS %g; want all, 0", res.Inliers, res.Points, res.RMSRel)
	}
	// The same with more pairs than MaxSamples: the subsample is still exact.
	x, y = affineData(50000, 2.5, 0.375, 0, 0, 2)
	res = newTestAffine(t, AffineFitConfig{Seed: 1}).Fit(x, y)
	checkAffine(t, "exact subsampled", res, 2.5, 0.375, 1e-9)
	if res.Points != 4096 {
		t.Errorf("subsampled fit used %d pairs, want MaxSamples 4096", res.Points)
	}
	x, y = affineData(2000, 2.5, 0.3, 0, 0, 3)
	checkAffine(t, "t=0.3 (float32 y)", newTestAffine(t, AffineFitConfig{Seed: 1}).Fit(x, y), 2.5, 0.3, 1e-6)

	for _, tc := range []struct {
		name            string
		n, maxSamples   int
		outliers, noise float64
		tol             float64
	}{
		{"30% outliers", 10000, 0, 0.30, 0, 0.01},
		{"45% outliers", 10000, 0, 0.45, 0, 0.01},
		{"45% outliers, few pairs", 300, 0, 0.45, 0, 0.01},
		// t = 0.3 is at most a sixth of y here, so under noise it is the poorly determined
		// parameter: with 2 % noise its spread is about 1.3 % (1σ) from 4096 pairs, 0.6 % from
		// 20000.
		{"2% noise", 20000, 20000, 0, 0.02, 0.02},
		{"2% noise, 30% outliers", 30000, 20000, 0.30, 0.02, 0.02},
	} {
		for seed := uint64(1); seed <= 5; seed++ {
			x, y := affineData(tc.n, 2.5, 0.3, tc.outliers, tc.noise, 10+seed)
			f := newTestAffine(t, AffineFitConfig{Seed: seed, MaxSamples: tc.maxSamples})
			checkAffine(t, tc.name, f.Fit(x, y), 2.5, 0.3, tc.tol)
		}
	}
}

func TestAffineFitFailsCleanly(t *testing.T) {
	f := newTestAffine(t, AffineFitConfig{Seed: 3})

	// 30 pairs, half of them invalid (NaN or infinite x, y ≤ 0 or NaN): 15 < 20.
	x, y := affineData(30, 2.5, 0.3, 0, 0, 1)
	for i := 0; i < 30; i += 2 {
		switch i % 8 {
		case 0:
			x[i] = float32(math.NaN())
		case 2:
			y[i] = 0
		case 4:
			y[i] = float32(math.NaN())
		case 6:
			x[i] = float32(math.Inf(1))
		}
	}
	res := f.Fit(x, y)
	if !errors.Is(res.Err, ErrAffineTooFewPoints) || res.Reason() != "affine fit: too few valid reference pairs: 15 < 20" {
		t.Errorf("too few points: %v %q", res.Err, res.Reason())
	}
	if res := f.Fit(x, y[:29]); !errors.Is(res.Err, ErrAffineTooFewPoints) {
		t.Errorf("length mismatch: %v", res.Err)
	}

	// All outliers: no line holds 30 % of them.
	x, y = affineData(2000, 2.5, 0.3, 1, 0, 2)
	res = f.Fit(x, y)
	if !errors.Is(res.Err, ErrAffineTooFewInliers) || !strings.HasPrefix(res.Reason(), "affine fit: too few pairs on the fitted line: ") ||
		!strings.HasSuffix(res.Reason(), " of 2000 < 600") || res.Inliers >= 600 {
		t.Errorf("all outliers: %v %q", res.Err, res.Reason())
	}

	// Falling data (depth fed where disparity was expected).
	x, y = affineData(2000, -2, 30, 0, 0, 3)
	res = f.Fit(x, y)
	if !errors.Is(res.Err, ErrAffineNegativeScale) || res.Scale != -2 || res.Inliers != 2000 ||
		res.Reason() != "affine fit: scale is not positive: best line y = -2·x +30 has 2000 of 2000 points (wrong output kind?)" {
		t.Errorf("negative slope: %v s=%v %q", res.Err, res.Scale, res.Reason())
	}

	// Constant x: no line at all.
	for i := range x {
		x[i] = 1.5
	}
	res = f.Fit(x, y)
	if !errors.Is(res.Err, ErrAffineNoFit) || res.Reason() != "affine fit: no affine hypothesis: no sampled pair of the 2000 points has distinct x" {
		t.Errorf("constant x: %v %q", res.Err, res.Reason())
	}
	if (AffineResult{}).Reason() != "" {
		t.Error("Reason of a success is not empty")
	}
}

func TestAffineFitDeterministicAndAllocFree(t *testing.T) {
	x, y := affineData(20000, 0.02, 0.05, 0.3, 0.01, 4)
	a := newTestAffine(t, AffineFitConfig{Seed: 42})
	b := newTestAffine(t, AffineFitConfig{Seed: 42})
	first := a.Fit(x, y)
	if first.Err != nil {
		t.Fatal(first.Reason())
	}
	if rb := b.Fit(x, y); rb != first {
		t.Fatalf("same seed, same input, different fits:\n%+v\n%+v", first, rb)
	}
	a.Fit(x, y)
	a.Reset()
	if ra := a.Fit(x, y); ra != first {
		t.Fatalf("Reset did not replay the first fit:\n%+v\n%+v", first, ra)
	}
	if allocs := testing.AllocsPerRun(10, func() { a.Fit(x, y) }); allocs != 0 {
		t.Errorf("%v allocations per Fit after the first, want 0", allocs)
	}
}

func TestAffineFitConfigRejects(t *testing.T) {
	for _, tc := range []struct {
		cfg  AffineFitConfig
		want string
	}{
		{AffineFitConfig{Iterations: -1}, "affine fit: iterations -1 must be at least 1"},
		{AffineFitConfig{InlierThreshold: 1.5}, "affine fit: inlier threshold 1.5 must be in (0, 1)"},
		{AffineFitConfig{MinPoints: 2}, "affine fit: min points 2 must be at least 3"},
		{AffineFitConfig{MinInlierFraction: math.NaN()}, "affine fit: min inlier fraction NaN must be in (0, 1]"},
		{AffineFitConfig{MaxSamples: 10}, "affine fit: max samples 10 must be at least min points 20"},
	} {
		if _, err := NewAffineFitter(tc.cfg); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	for _, tc := range []struct {
		window, rejects int
		jump            float64
		want            string
	}{
		{65, 0, 0, "affine fit: smoother window 65 must be in 1..64"},
		{0, 0, -1, "affine fit: smoother max jump -1 must be positive and finite"},
		{0, -2, 0, "affine fit: smoother max rejects -2 must be at least 1"},
	} {
		if _, err := NewAffineSmoother(tc.window, tc.jump, tc.rejects); err == nil || err.Error() != tc.want {
			t.Errorf("NewAffineSmoother(%d, %v, %d): %v, want %q", tc.window, tc.jump, tc.rejects, err, tc.want)
		}
	}
	for _, tc := range []struct {
		cfg  GroundPlaneConfig
		want string
	}{
		{GroundPlaneConfig{}, "ground targets: camera height 0 m must be positive and finite"},
		{GroundPlaneConfig{CameraHeight: 1, PitchDeg: 90}, "ground targets: pitch 90° must be in (-90, 90)"},
		{GroundPlaneConfig{CameraHeight: 1, RollDeg: math.NaN()}, "ground targets: roll NaN° must be in (-90, 90)"},
		{GroundPlaneConfig{CameraHeight: 1, RegionTop: 1}, "ground targets: region top 1 must be in [0, 1)"},
		{GroundPlaneConfig{CameraHeight: 1, RegionWidth: 2}, "ground targets: region width 2 must be in (0, 1]"},
		{GroundPlaneConfig{CameraHeight: 1, Stride: -1}, "ground targets: stride -1 must be at least 1"},
	} {
		if _, err := NewGroundTargets(tc.cfg); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestSelectKth(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 5, 10, 101, 1000} {
		for rep := 0; rep < 20; rep++ {
			a := make([]float64, n)
			for i := range a {
				a[i] = float64(r.IntN(max(1, n/3))) // many duplicates
			}
			want := slices.Clone(a)
			slices.Sort(want)
			k := r.IntN(n)
			if got := selectKth(a, k); got != want[k] {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, got, want[k])
			}
		}
	}
}

func newTestGroundTargets(t testing.TB, cfg GroundPlaneConfig) *GroundTargets {
	t.Helper()
	g, err := NewGroundTargets(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// float32Tol is the relative error of storing a float64 as float32 (half an ulp).
const float32Tol = 1.0 / (1 << 24)

func TestGroundTargetsLevelCamera(t *testing.T) {
	const w, h, camH = 640, 192, 1.65
	intr := kittiLikeIntrinsics(w, h)
	g := newTestGroundTargets(t, GroundPlaneConfig{CameraHeight: camH})
	idx, disp := g.Pixels(w, h, intr)
	// Rows 134..190 step 2 (29 rows), columns 128..510 step 2 (192 columns), all below the horizon.
	if len(idx) != 29*192 || len(disp) != len(idx) {
		t.Fatalf("%d targets, want %d", len(idx), 29*192)
	}
	for i, p := range idx {
		u, v := int(p)%w, int(p)/w
		if v < 134 || v >= h || u < 128 || u >= 512 || u%2 != 0 || v%2 != 0 {
			t.Fatalf("target %d at (%d, %d) outside the sampled region", i, u, v)
		}
		want := (float64(v) - intr.Cy) / (intr.Fy * camH)
		if math.Abs(float64(disp[i])-want) > float32Tol*want {
			t.Fatalf("(%d, %d): disparity %v, want %v", u, v, disp[i], want)
		}
	}
}

func TestGroundTargetsMatchGroundScene(t *testing.T) {
	const w, h, camH = 640, 192, 1.65
	intr := kittiLikeIntrinsics(w, h)
	for _, tc := range []struct {
		name        string
		pitch, roll float64
		regionTop   float64
		wantAll     bool // every sampled pixel is below the horizon
	}{
		{"pitch 5° roll 3°", 5, 3, 0, true},
		{"pitch 10° up, horizon in the region", -10, 0, 0, false},
		{"pitch 2° roll 3°, whole image", 2, 3, 0.001, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scene := groundScene{w: w, h: h, intr: intr, cameraHeight: camH, pitchDeg: tc.pitch, rollDeg: tc.roll, modelScale: 1}
			depth := scene.render()
			cfg := GroundPlaneConfig{CameraHeight: camH, PitchDeg: tc.pitch, RollDeg: tc.roll, RegionTop: tc.regionTop}
			g := newTestGroundTargets(t, cfg)
			idx, disp := g.Pixels(w, h, intr)
			cfg = cfg.withDefaults()
			v0, u0 := int(cfg.RegionTop*h), int((1-cfg.RegionWidth)/2*w)
			region, excluded, far := 0, 0, 0
			k := 0
			for v := v0; v < h; v += cfg.Stride {
				for u := u0; u < w-u0; u += cfg.Stride {
					region++
					z := float64(depth[v*w+u])
					if k < len(idx) && int(idx[k]) == v*w+u {
						// The scene renders ground farther than 200 m as 200 m "sky".
						if z == 200 {
							far++
							if !(float64(disp[k]) <= (1+2*float32Tol)/200) {
								t.Fatalf("(%d, %d): scene sky, target disparity %v > 1/200", u, v, disp[k])
							}
						} else if d := 1 / z; math.Abs(float64(disp[k])-d) > 2.5*float32Tol*d {
							t.Fatalf("(%d, %d): disparity %.9g, scene 1/z %.9g", u, v, disp[k], d)
						}
						k++
						continue
					}
					// Left out: the ray must miss the ground (the scene shows sky).
					excluded++
					if z != 200 {
						t.Fatalf("(%d, %d) left out but the scene sees ground at %v m", u, v, z)
					}
				}
			}
			if k != len(idx) {
				t.Fatalf("%d targets outside the sampled region", len(idx)-k)
			}
			if tc.wantAll != (excluded == 0) || excluded+far == region {
				t.Errorf("%d of %d region pixels left out (%d beyond 200 m)", excluded, region, far)
			}
			t.Logf("%d targets of %d region pixels, %d left out above the horizon, %d beyond 200 m", len(idx), region, excluded, far)
		})
	}
}

func TestGroundTargetsCacheAndAllocFree(t *testing.T) {
	const w, h = 640, 480
	intr := calibration.Intrinsics{Fx: 525, Fy: 525, Cx: 319.5, Cy: 239.5}
	g := newTestGroundTargets(t, GroundPlaneConfig{CameraHeight: 1.65})
	idx, disp := g.Pixels(w, h, intr)
	if len(idx) == 0 {
		t.Fatal("no targets")
	}
	if allocs := testing.AllocsPerRun(10, func() { idx, disp = g.Pixels(w, h, intr) }); allocs != 0 {
		t.Errorf("%v allocations per Pixels with the same geometry, want 0", allocs)
	}
	// Another geometry recomputes (here reusing the buffers), and coming back gives the same.
	i2, _ := g.Pixels(w, h, calibration.Intrinsics{Fx: 500, Fy: 500, Cx: 319.5, Cy: 200})
	if len(i2) == 0 || &i2[0] != &idx[0] {
		t.Errorf("a smaller geometry did not reuse the buffers")
	}
	i3, d3 := g.Pixels(w, h, intr)
	d0 := slices.Clone(disp)
	if len(i3) != len(idx) || !slices.Equal(d3, d0) {
		t.Errorf("recomputed targets differ")
	}
	if i, d := g.Pixels(0, h, intr); i != nil || d != nil {
		t.Error("empty image gave targets")
	}
	if i, d := g.Pixels(w, h, calibration.Intrinsics{Fx: math.NaN(), Fy: 1}); i != nil || d != nil {
		t.Error("NaN focal length gave targets")
	}
}

// affineScene renders a ground scene and turns it into what an affine_disparity network would
// output: x = (1/z − t)/s, so the metric disparity is s·x + t.
func affineScene(scene groundScene, s, t float64) []float32 {
	depth := scene.render()
	for i, z := range depth {
		depth[i] = float32((1/float64(z) - t) / s)
	}
	return depth
}

// gatherPairs builds the fit's pairs: network output at the target pixels, target disparities.
func gatherPairs(net []float32, idx []int32, disp []float32, xs, ys []float32) ([]float32, []float32) {
	xs, ys = xs[:0], ys[:0]
	for i, p := range idx {
		xs = append(xs, net[p])
		ys = append(ys, disp[i])
	}
	return xs, ys
}

func TestAffineFitGroundSceneKnownAnswer(t *testing.T) {
	const w, h, camH = 640, 192, 1.65
	const s, tt = 0.02, 0.05
	intr := kittiLikeIntrinsics(w, h)
	for _, tc := range []struct {
		name        string
		pitch, roll float64
	}{
		{"level", 0, 0},
		{"pitch 5° roll 3°", 5, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newTestGroundTargets(t, GroundPlaneConfig{CameraHeight: camH, PitchDeg: tc.pitch, RollDeg: tc.roll})
			f := newTestAffine(t, AffineFitConfig{Seed: 1})
			sm, err := NewAffineSmoother(0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			var xs, ys []float32
			for frame := 0; frame < 3; frame++ {
				scene := groundScene{w: w, h: h, intr: intr, cameraHeight: camH, pitchDeg: tc.pitch, rollDeg: tc.roll,
					outliers: 0.3, noise: 0.01, modelScale: 1, seed: uint64(frame + 1)}
				net := affineScene(scene, s, tt)
				idx, disp := g.Pixels(w, h, intr)
				xs, ys = gatherPairs(net, idx, disp, xs, ys)
				res := f.Fit(xs, ys)
				checkAffine(t, tc.name, res, s, tt, 0.03)
				if ss, st, ok, rej := sm.Update(res, res.RefX); !ok || rej || math.Abs(ss/s-1) > 0.03 || math.Abs(st/tt-1) > 0.03 {
					t.Errorf("frame %d: smoothed %v, %v (valid %v, rejected %v)", frame, ss, st, ok, rej)
				}
			}
		})
	}
}

func TestAffineSmoother(t *testing.T) {
	fit := func(s, t float64) AffineResult { return AffineResult{Scale: s, Shift: t} }
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

	t.Run("median", func(t *testing.T) {
		sm, _ := NewAffineSmoother(3, 0.25, 3)
		if _, _, ok := sm.Current(); ok {
			t.Fatal("valid before any fit")
		}
		for i, tc := range []struct{ s, t, wantS, wantT float64 }{
			{1.0, 0.10, 1.0, 0.10},
			{1.1, 0.00, 1.05, 0.05},
			{0.95, 0.05, 1.0, 0.05},
			{1.2, 0.02, 1.1, 0.02}, // the window of 3 drops (1.0, 0.10)
		} {
			s, sh, ok, rej := sm.Update(fit(tc.s, tc.t), 1)
			if !ok || rej || !near(s, tc.wantS) || !near(sh, tc.wantT) {
				t.Errorf("update %d: %v, %v (valid %v, rejected %v); want %v, %v", i, s, sh, ok, rej, tc.wantS, tc.wantT)
			}
		}
		if s, sh, ok := sm.Current(); !ok || !near(s, 1.1) || !near(sh, 0.02) {
			t.Errorf("Current: %v %v %v", s, sh, ok)
		}
	})

	t.Run("jump judged by the prediction at refX", func(t *testing.T) {
		sm, _ := NewAffineSmoother(5, 0.25, 3)
		sm.Update(fit(2, 1), 1) // predicts 3 at x = 1
		// Scale up 50 %, no shift: still 3 at x = 1, so not a jump there …
		if s, _, _, rej := sm.Update(fit(3, 0), 1); rej || !near(s, 2.5) {
			t.Errorf("same prediction at refX rejected (%v) or not folded in (s=%v)", rej, s)
		}
		sm.Reset()
		sm.Update(fit(2, 1), 1)
		// … but the same line is a jump where this frame's data are (x = 10: 30 vs 21).
		if s, sh, ok, rej := sm.Update(fit(3, 0), 10); !rej || !ok || s != 2 || sh != 1 {
			t.Errorf("jump at refX 10: rejected %v, holding %v, %v", rej, s, sh)
		}
	})

	t.Run("reject then follow", func(t *testing.T) {
		sm, _ := NewAffineSmoother(5, 0.25, 3)
		for i := 0; i < 5; i++ {
			sm.Update(fit(2, 1), 1)
		}
		// A failed fit changes nothing and does not count as a rejection.
		if s, sh, ok, rej := sm.Update(AffineResult{Scale: 9, Err: ErrAffineTooFewInliers}, 1); rej || !ok || s != 2 || sh != 1 {
			t.Errorf("failed fit: %v %v %v %v", s, sh, ok, rej)
		}
		for i := 0; i < 3; i++ {
			if i == 1 {
				sm.Update(AffineResult{Err: ErrAffineNoFit}, 1) // does not break the streak
			}
			s, sh, ok, rej := sm.Update(fit(4, 2), 1) // predicts 6, twice the level
			if i < 2 {
				if !rej || !ok || s != 2 || sh != 1 {
					t.Errorf("jump %d: %v %v (valid %v rejected %v); want rejected, holding 2, 1", i, s, sh, ok, rej)
				}
			} else if rej || s != 4 || sh != 2 {
				t.Errorf("after 3 jumps: %v %v (rejected %v); want the new level 4, 2", s, sh, rej)
			}
		}
		// The window restarted at the new level: one old-level fit cannot pull the median back.
		sm2, _ := NewAffineSmoother(5, 10, 3)
		*sm2 = *sm
		sm2.maxJump = 10
		if s, _, _, _ := sm2.Update(fit(2, 1), 1); !near(s, 3) {
			t.Errorf("window did not restart: median %v, want 3 (of 4 and 2)", s)
		}
		// A rejection followed by a good fit resets the streak.
		sm.Update(fit(8, 4), 1)
		sm.Update(fit(4, 2), 1)
		sm.Update(fit(8, 4), 1)
		if _, _, _, rej := sm.Update(fit(8, 4), 1); !rej {
			t.Error("streak not reset by an accepted fit")
		}
		sm.Reset()
		if _, _, ok := sm.Current(); ok {
			t.Error("valid after Reset")
		}
		if s, sh, ok, rej := sm.Update(fit(8, 4), 1); !ok || rej || s != 8 || sh != 4 {
			t.Errorf("first fit after Reset: %v %v %v %v", s, sh, ok, rej)
		}
	})
}

func BenchmarkAffineFit640x480(b *testing.B) {
	const w, h, camH = 640, 480, 1.65
	intr := calibration.Intrinsics{Fx: 525, Fy: 525, Cx: 319.5, Cy: 239.5}
	scene := groundScene{w: w, h: h, intr: intr, cameraHeight: camH, outliers: 0.3, noise: 0.01, modelScale: 1, seed: 1}
	net := affineScene(scene, 0.02, 0.05)
	g := newTestGroundTargets(b, GroundPlaneConfig{CameraHeight: camH})
	f := newTestAffine(b, AffineFitConfig{Seed: 1})
	idx, disp := g.Pixels(w, h, intr)
	xs, ys := make([]float32, 0, len(idx)), make([]float32, 0, len(idx))
	xs, ys = gatherPairs(net, idx, disp, xs, ys)
	if res := f.Fit(xs, ys); res.Err != nil || math.Abs(res.Scale/0.02-1) > 0.03 || math.Abs(res.Shift/0.05-1) > 0.03 {
		b.Fatalf("fit %+v (%s)", res, res.Reason())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		idx, disp := g.Pixels(w, h, intr)
		xs, ys = gatherPairs(net, idx, disp, xs, ys)
		f.Fit(xs, ys)
	}
}
