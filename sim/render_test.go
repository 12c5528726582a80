package sim

import (
	"bytes"
	"math"
	"runtime"
	"sort"
	"testing"
)

// quietConfig is a straight empty street without noise or exposure drift: what the geometric tests need.
func quietConfig() Config {
	return Config{Seed: 42, Frames: 12, Vehicles: 0, Pedestrians: 0}
}

func render(t testing.TB, w *World, i int) *Frame {
	t.Helper()
	f := &Frame{}
	if err := w.Render(i, f); err != nil {
		t.Fatal(err)
	}
	return f
}

// The road is the plane y = h in the camera frame: a pixel in row v below the horizon sees it at
// z = h·fy/(v − cy). Pixels whose ground point lies within the clear lanes must have exactly that depth.
func TestGroundDepthIsRayPlaneIntersection(t *testing.T) {
	w, err := NewWorld(quietConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config()
	for _, i := range []int{0, 7} {
		f := render(t, w, i)
		checked := 0
		for v := 0; v < c.Height; v++ {
			if float64(v) <= c.Cy {
				continue
			}
			want := c.CameraHeight * c.Fy / (float64(v) - c.Cy)
			for u := 0; u < c.Width; u++ {
				x := want * (float64(u) - c.Cx) / c.Fx
				if want > 150 || math.Abs(x) > 4.5 { // beyond the draw distance, or where parked cars may stand
					continue
				}
				got := float64(f.Depth[v*c.Width+u])
				if math.Abs(got-want) > 1e-3*want {
					t.Fatalf("frame %d pixel (%d,%d): depth %v, ray–plane intersection %v", i, u, v, got, want)
				}
				checked++
			}
		}
		if checked < 5000 {
			t.Fatalf("frame %d: only %d road pixels checked", i, checked)
		}
	}
}

// A box placed in the camera's lane shows its rear face at a depth fixed by the geometry.
func TestBoxFaceDepth(t *testing.T) {
	w, err := NewWorld(quietConfig())
	if err != nil {
		t.Fatal(err)
	}
	const sCentre, length = 30.0, 2.0
	w.sc.static = append(w.sc.static, box{s: sCentre, d: w.sc.st.camD, length: length, width: 3, height: 3,
		mat: matBuilding, color: [3]float32{0.5, 0.5, 0.5}, p1: 3, p2: 2.5, mover: -1})
	sort.SliceStable(w.sc.static, func(i, j int) bool { return w.sc.static[i].s < w.sc.static[j].s })
	c := w.Config()
	for _, i := range []int{0, 4} {
		f := render(t, w, i)
		want := sCentre - length/2 - w.Pose(i).T[2] // straight road: the camera moves along world z
		cu, cv := int(c.Cx), int(c.Cy)
		for v := cv - 5; v <= cv+5; v++ {
			for u := cu - 5; u <= cu+5; u++ {
				got := float64(f.Depth[v*c.Width+u])
				if math.Abs(got-want) > 1e-3*want {
					t.Fatalf("frame %d pixel (%d,%d): depth %v, want %v", i, u, v, got, want)
				}
			}
		}
	}
}

// Straight down the empty road the view ends in sky, which has no depth, and sky is never a mover.
func TestSkyIsNaN(t *testing.T) {
	w, err := NewWorld(quietConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config()
	f := render(t, w, 0)
	u := int(c.Cx)
	for v := 0; v < int(c.Cy)+2; v++ {
		if d := f.Depth[v*c.Width+u]; !math.IsNaN(float64(d)) {
			t.Fatalf("pixel (%d,%d) above the far road: depth %v, want NaN", u, v, d)
		}
	}
	nan := 0
	for p, d := range f.Depth {
		if math.IsNaN(float64(d)) {
			nan++
			if f.Mask[p] != 0 {
				t.Fatalf("pixel %d: sky marked as moving", p)
			}
		} else if !(d > 0) {
			t.Fatalf("pixel %d: depth %v", p, d)
		}
	}
	if nan == 0 || nan > len(f.Depth)/2 {
		t.Fatalf("%d sky pixels of %d", nan, len(f.Depth))
	}
}

// The motion mask tells the movers apart: on an otherwise empty street, a follower (a car ahead in the
// camera's lane at the camera's speed) is 128 wherever it is visible and an oncoming car in the next lane
// 255; nothing else is non-zero. Each face's centre is checked against its projection, and every masked
// pixel's depth lies within its own car. The follower covers the same pixels in every frame: it looks static.
func TestMaskFollowerIs128OtherMover255(t *testing.T) {
	w, err := NewWorld(quietConfig())
	if err != nil {
		t.Fatal(err)
	}
	sc := w.sc
	const length, width, height = 4.0, 1.8, 1.5
	car := func(i int) []box {
		return []box{{length: length, width: width, height: height, mat: matCarBody, color: [3]float32{0.7, 0.1, 0.1}, mover: int32(i)}}
	}
	follower := mover{s0: 15, speed: sc.speed, d: sc.st.camD, follower: true, parts: car(0)}
	other := mover{s0: 25, speed: -8, d: sc.st.laneD(-1, 0), parts: car(1)}
	sc.movers = []mover{follower, other}
	c := w.Config()
	var first []byte
	for _, i := range []int{0, 4} {
		f := render(t, w, i)
		if first == nil {
			first = f.Mask
		}
		for p := range f.Mask {
			if (f.Mask[p] == 128) != (first[p] == 128) {
				t.Fatalf("frame %d pixel %d: the follower's pixels moved since frame 0", i, p)
			}
		}
		tm := w.time(i)
		camFromWorld := sc.pose(tm).Inverse()
		// The centre of the face each car turns to the camera (its rear: both are ahead), in the camera frame.
		faceCentre := func(m *mover) [3]float64 {
			p, _ := sc.road.point(m.at(tm)-length/2, m.d, height/2)
			return camFromWorld.Apply(p)
		}
		for _, k := range []struct {
			m    *mover
			want byte
		}{{&follower, 128}, {&other, 255}} {
			x := faceCentre(k.m)
			u, v := int(math.Round(c.Fx*x[0]/x[2]+c.Cx)), int(math.Round(c.Fy*x[1]/x[2]+c.Cy))
			p := v*c.Width + u
			if got := f.Mask[p]; got != k.want {
				t.Fatalf("frame %d: mask %d at the centre (%d,%d) of a car's rear, want %d", i, got, u, v, k.want)
			}
			if d := float64(f.Depth[p]); math.Abs(d-x[2]) > 1e-2*x[2] {
				t.Fatalf("frame %d pixel (%d,%d): depth %v, the rear face is at %v", i, u, v, d, x[2])
			}
		}
		zF, zO := faceCentre(&follower)[2], faceCentre(&other)[2]
		n := map[byte]int{}
		for p, m := range f.Mask {
			n[m]++
			lo := map[byte]float64{128: zF, 255: zO}[m]
			if d := float64(f.Depth[p]); m != 0 && !(d > lo*(1-1e-3) && d < lo+length+0.1) {
				t.Fatalf("frame %d pixel %d: mask %d at depth %v, outside its car (%v..%v)", i, p, m, d, lo, lo+length)
			}
		}
		t.Logf("frame %d: %d follower pixels (rear at %.2f m), %d other-mover pixels (rear at %.2f m)", i, n[128], zF, n[255], zO)
		if len(n) != 3 || n[128] < 500 || n[255] < 500 {
			t.Fatalf("frame %d: mask values %v, want 0, 128 and 255, the cars at least 500 pixels each", i, n)
		}
	}
}

// warpError inverse-warps frame b into frame a with a's depth and the true relative pose, and returns the
// mean absolute error (in 8-bit units, over channels) over a's static and moving pixels. Static pixels that
// land on a mover in b are left out: occluded there, they have nothing to match.
func warpError(a, b *Frame, fx, fy, cx, cy float64) (static, moving float64, nStatic, nMoving int) {
	rel := b.Pose.Inverse().Mul(a.Pose) // T_{b←a}
	W, H := a.Width, a.Height
	var sumS, sumM float64
	for v := 0; v < H; v++ {
		for u := 0; u < W; u++ {
			p := v*W + u
			z := float64(a.Depth[p])
			if math.IsNaN(z) {
				continue
			}
			x := rel.Apply([3]float64{z * (float64(u) - cx) / fx, z * (float64(v) - cy) / fy, z})
			if x[2] <= 0.1 {
				continue
			}
			su, sv := fx*x[0]/x[2]+cx, fy*x[1]/x[2]+cy
			if su < 0 || sv < 0 || su > float64(W-1) || sv > float64(H-1) {
				continue
			}
			u0, v0 := min(int(su), W-2), min(int(sv), H-2)
			tu, tv := su-float64(u0), sv-float64(v0)
			if a.Mask[p] == 0 && b.Mask[v0*W+u0]|b.Mask[v0*W+u0+1]|b.Mask[(v0+1)*W+u0]|b.Mask[(v0+1)*W+u0+1] != 0 {
				continue // a static point hidden in b behind a mover (a truck passing close by)
			}
			var e float64
			for ch := 0; ch < 3; ch++ {
				at := func(uu, vv int) float64 { return float64(b.RGB[3*(vv*W+uu)+ch]) }
				s := (1-tv)*((1-tu)*at(u0, v0)+tu*at(u0+1, v0)) + tv*((1-tu)*at(u0, v0+1)+tu*at(u0+1, v0+1))
				e += math.Abs(s - float64(a.RGB[3*p+ch]))
			}
			e /= 3
			if a.Mask[p] != 0 {
				sumM += e
				nMoving++
			} else {
				sumS += e
				nStatic++
			}
		}
	}
	return sumS / float64(max(nStatic, 1)), sumM / float64(max(nMoving, 1)), nStatic, nMoving
}

// Ground truth must be self-consistent the way a photometric loss sees it: the static world warps from one
// frame to the next with depth and ego-motion alone, and the movers (followers included) do not.
func TestWarpStaticConsistentMoversNot(t *testing.T) {
	cfg := Config{Seed: 5, Frames: 30, Vehicles: 12, FollowFraction: 0.3, MaxCurvature: 1.0 / 400}
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config()
	var sumS, sumM float64
	var nS, nM int
	for _, i := range []int{0, 10, 20, 28} {
		a, b := render(t, w, i), render(t, w, i+1)
		s, m, ns, nm := warpError(a, b, c.Fx, c.Fy, c.Cx, c.Cy)
		t.Logf("frames %d→%d: static %.2f/255 over %d px, moving %.2f/255 over %d px", i+1, i, s, ns, m, nm)
		if s > 10 {
			t.Errorf("frames %d→%d: static photometric error %.2f/255, want < 10", i+1, i, s)
		}
		sumS += s * float64(ns)
		nS += ns
		sumM += m * float64(nm)
		nM += nm
	}
	if nM < 500 {
		t.Fatalf("only %d moving pixels seen; the test scene has too little traffic", nM)
	}
	static, moving := sumS/float64(nS), sumM/float64(nM)
	t.Logf("all: static %.2f/255, moving %.2f/255", static, moving)
	if moving < 3*static {
		t.Errorf("moving-object error %.2f/255 is not clearly above the static error %.2f/255", moving, static)
	}
}

func TestRenderDeterministic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Seed = 1234
	cfg.Frames = 20
	w1, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w2, _ := NewWorld(cfg)
	a := render(t, w1, 13)
	prev := runtime.GOMAXPROCS(1) // a different split of rows over goroutines must not matter
	b := render(t, w2, 13)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(a.RGB, b.RGB) || !bytes.Equal(a.Mask, b.Mask) || a.Pose != b.Pose || a.Stamp != b.Stamp {
		t.Fatal("same seed and frame rendered differently")
	}
	for p := range a.Depth {
		if math.Float32bits(a.Depth[p]) != math.Float32bits(b.Depth[p]) {
			t.Fatalf("depth differs at pixel %d: %v vs %v", p, a.Depth[p], b.Depth[p])
		}
	}
	cfg.Seed = 1235
	w3, _ := NewWorld(cfg)
	if c := render(t, w3, 13); bytes.Equal(a.RGB, c.RGB) {
		t.Fatal("different seeds rendered the same image")
	}
}

// The frame buffers are reused and Render writes every pixel: a frame rendered into a dirty Frame equals
// one rendered into a fresh one.
func TestRenderReusesFrame(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Frames = 10
	w, _ := NewWorld(cfg)
	f := render(t, w, 9)
	if err := w.Render(2, f); err != nil {
		t.Fatal(err)
	}
	g := render(t, w, 2)
	if !bytes.Equal(f.RGB, g.RGB) || !bytes.Equal(f.Mask, g.Mask) {
		t.Fatal("rendering into a used Frame left traces of the previous frame")
	}
	if err := w.Render(10, f); err == nil {
		t.Fatal("frame 10 of 10 rendered")
	}
}

func TestCameraInfoAndStamps(t *testing.T) {
	w, _ := NewWorld(Config{Frames: 3})
	f := render(t, w, 2)
	ci := f.CameraInfo
	if ci.Header.FrameID != FrameID || ci.Width != 640 || ci.Height != 192 || ci.DistortionModel != "plumb_bob" ||
		len(ci.D) != 5 || ci.K != [9]float64{371.2, 0, 320, 0, 368.64, 96, 0, 0, 1} ||
		ci.P != [12]float64{371.2, 0, 320, 0, 0, 368.64, 96, 0, 0, 0, 1, 0} || ci.R[0] != 1 || ci.R[4] != 1 || ci.R[8] != 1 {
		t.Fatalf("camera info %+v", ci)
	}
	if got, want := f.Stamp.Nanos(), DefaultStartNanos+200_000_000; got != want || ci.Header.Stamp != f.Stamp {
		t.Fatalf("stamp %d, want %d", got, want)
	}
	if w.Pose(0) != IdentityPose() {
		t.Fatalf("pose of frame 0 %+v, want identity", w.Pose(0))
	}
}

func BenchmarkRender640x192(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Frames = 1000
	w, err := NewWorld(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var f Frame
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Render(i%cfg.Frames, &f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
