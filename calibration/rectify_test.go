package calibration

import (
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/ssmde/ssmde/msgs"
	"gocv.io/x/gocv"
)

func TestRectifyMapIdentity(t *testing.T) {
	cam := PinholeCamera(64, 48, Intrinsics{Fx: 50, Fy: 52, Cx: 31.5, Cy: 23.5})
	m, err := NewRectifyMap(cam, RectifyTarget{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Width != 64 || m.Height != 48 || m.SrcWidth != 64 || m.SrcHeight != 48 {
		t.Fatalf("sizes %dx%d from %dx%d, want 64x48 from 64x48", m.Width, m.Height, m.SrcWidth, m.SrcHeight)
	}
	for v := 0; v < m.Height; v++ {
		for u := 0; u < m.Width; u++ {
			i := v*m.Width + u
			if math.Abs(float64(m.MapX[i])-float64(u)) > 1e-4 || math.Abs(float64(m.MapY[i])-float64(v)) > 1e-4 {
				t.Fatalf("pixel (%d, %d) samples (%g, %g)", u, v, m.MapX[i], m.MapY[i])
			}
		}
	}
}

// opencvCameras are the plumb_bob and rational_polynomial cameras compared against OpenCV.
func opencvCameras(t *testing.T) map[string]Camera {
	cams := map[string]Camera{}
	kitti, err := LoadYAML("testdata/kitti_like_02.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cams["plumb_bob kitti, rotated R"] = kitti
	webcam, err := FromCameraInfo(webcamInfo())
	if err != nil {
		t.Fatal(err)
	}
	cams["plumb_bob webcam"] = webcam
	rational := webcamInfo()
	rational.Width, rational.Height = 1280, 720
	rational.K = [9]float64{612.3, 0, 638.1, 0, 612.0, 365.7, 0, 0, 1}
	rational.P = [12]float64{600, 0, 640, 0, 0, 600, 360, 0, 0, 0, 1, 0}
	rational.DistortionModel = "rational_polynomial"
	rational.D = []float64{0.5, -0.02, 1e-4, -2e-4, 0.001, 0.85, 0.05, 0.003}
	if cams["rational_polynomial"], err = FromCameraInfo(rational); err != nil {
		t.Fatal(err)
	}
	binned := webcamInfo()
	binned.BinningX, binned.BinningY = 2, 2
	binned.ROI = msgs.RegionOfInterest{XOffset: 40, YOffset: 20, Width: 400, Height: 300}
	if cams["plumb_bob binned roi"], err = FromCameraInfo(binned); err != nil {
		t.Fatal(err)
	}
	return cams
}

func TestRectifyMapMatchesOpenCV(t *testing.T) {
	for name, cam := range opencvCameras(t) {
		t.Run(name, func(t *testing.T) {
			targets := map[string]RectifyTarget{"default": {}}
			w, h := cam.PublishedSize()
			rc, err := CropToAspect(w, h, 320, 96, AnchorBottom)
			if err != nil {
				t.Fatal(err)
			}
			targets["into model input"] = RectifyTargetFor(cam, rc)
			for tname, target := range targets {
				m, err := NewRectifyMap(cam, target)
				if err != nil {
					t.Fatal(err)
				}
				wantX, wantY := opencvUndistortRectifyMap(cam, m.Intrinsics, m.Width, m.Height)
				worst := 0.0
				for i := range m.MapX {
					worst = max(worst, math.Abs(float64(m.MapX[i]-wantX[i])), math.Abs(float64(m.MapY[i]-wantY[i])))
				}
				t.Logf("%s: worst %g px over %dx%d", tname, worst, m.Width, m.Height)
				if worst >= 1e-3 {
					t.Errorf("%s: map differs from cv::initUndistortRectifyMap by up to %g px", tname, worst)
				}
				m.Close()
			}
		})
	}
}

// opencvUndistortRectifyMap asks OpenCV for the map of cam's published image (K adjusted for
// binning and ROI, as OpenCV knows neither).
func opencvUndistortRectifyMap(cam Camera, out Intrinsics, w, h int) (mapX, mapY []float32) {
	raw := cam.PublishedIntrinsics()
	k := float64Mat(3, 3, raw.Fx, cam.K[1]/float64(cam.BinningX), raw.Cx, 0, raw.Fy, raw.Cy, 0, 0, 1)
	d := float64Mat(1, len(cam.D), cam.D...)
	r := float64Mat(3, 3, cam.R[:]...)
	newK := float64Mat(3, 3, out.Fx, 0, out.Cx, 0, out.Fy, out.Cy, 0, 0, 1)
	map1, map2 := gocv.NewMat(), gocv.NewMat()
	for _, m := range []gocv.Mat{k, d, r, newK, map1, map2} {
		defer m.Close()
	}
	gocv.InitUndistortRectifyMap(k, d, r, newK, image.Pt(w, h), int(gocv.MatTypeCV32F), map1, map2)
	return floats(map1), floats(map2)
}

func float64Mat(rows, cols int, values ...float64) gocv.Mat {
	m := gocv.NewMatWithSize(rows, cols, gocv.MatTypeCV64F)
	for i, v := range values {
		m.SetDoubleAt(i/cols, i%cols, v)
	}
	return m
}

func floats(m gocv.Mat) []float32 {
	data, err := m.DataPtrFloat32()
	if err != nil {
		panic(err)
	}
	return append([]float32(nil), data...)
}

// OpenCV's initUndistortRectifyMap knows no fisheye; check the equidistant map by sending what it
// samples back through our own undistortion and through cv::fisheye::undistortPoints: both must land
// on the output pixel.
func TestRectifyMapEquidistantRoundTrip(t *testing.T) {
	msg := webcamInfo()
	msg.Width, msg.Height = 848, 800
	msg.DistortionModel = "equidistant"
	msg.K = [9]float64{286.18, 0, 416.94, 0, 286.39, 403.75, 0, 0, 1}
	msg.D = []float64{-0.0111, 0.0485, -0.0461, 0.0089}
	c, s := math.Cos(0.05), math.Sin(0.05)
	msg.R = [9]float64{c, 0, s, 0, 1, 0, -s, 0, c}
	msg.P = [12]float64{200, 0, 424, 0, 0, 200, 400, 0, 0, 0, 1, 0}
	cam, err := FromCameraInfo(msg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewRectifyMap(cam, RectifyTarget{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	raw, out := cam.PublishedIntrinsics(), m.Intrinsics

	var pixels []image.Point
	for v := 0; v < m.Height; v += 16 {
		for u := 0; u < m.Width; u += 16 {
			pixels = append(pixels, image.Pt(u, v))
		}
	}
	distorted := gocv.NewMatWithSize(len(pixels), 1, gocv.MatTypeCV64FC2)
	defer distorted.Close()
	points, err := distorted.DataPtrFloat64()
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, p := range pixels {
		mx, my := float64(m.MapX[p.Y*m.Width+p.X]), float64(m.MapY[p.Y*m.Width+p.X])
		points[2*i], points[2*i+1] = mx, my
		// Ours: pixel → normalised → undistorted ray → R → rectified pixel.
		x, y, ok := Undistort(Equidistant, cam.D, (mx-raw.Cx)/raw.Fx, (my-raw.Cy)/raw.Fy)
		if !ok {
			t.Fatalf("pixel %v: sampled point (%g, %g) does not undistort", p, mx, my)
		}
		X, Y, Z := cam.R[0]*x+cam.R[1]*y+cam.R[2], cam.R[3]*x+cam.R[4]*y+cam.R[5], cam.R[6]*x+cam.R[7]*y+cam.R[8]
		u, v := out.Fx*X/Z+out.Cx, out.Fy*Y/Z+out.Cy
		worst = max(worst, math.Abs(u-float64(p.X)), math.Abs(v-float64(p.Y)))
	}
	// The map is float32: a few 1e-5 px of rounding, magnified where the fisheye compresses the edge.
	if worst >= 1e-3 {
		t.Errorf("own round trip: up to %g px off", worst)
	}

	k := float64Mat(3, 3, cam.K[:]...)
	d := float64Mat(1, 4, cam.D...)
	r := float64Mat(3, 3, cam.R[:]...)
	p := float64Mat(3, 3, out.Fx, 0, out.Cx, 0, out.Fy, out.Cy, 0, 0, 1)
	undistorted := gocv.NewMat()
	for _, m := range []gocv.Mat{k, d, r, p, undistorted} {
		defer m.Close()
	}
	gocv.FisheyeUndistortPoints(distorted, &undistorted, k, d, r, p)
	back, err := undistorted.DataPtrFloat64()
	if err != nil {
		t.Fatal(err)
	}
	worst = 0
	for i, px := range pixels {
		worst = max(worst, math.Abs(back[2*i]-float64(px.X)), math.Abs(back[2*i+1]-float64(px.Y)))
	}
	if worst >= 1e-3 {
		t.Errorf("cv::fisheye::undistortPoints round trip: up to %g px off", worst)
	}
}

func TestRectifyMapErrors(t *testing.T) {
	cam := PinholeCamera(64, 48, Intrinsics{Fx: 50, Fy: 52, Cx: 31.5, Cy: 23.5})
	tests := []struct {
		name   string
		cam    Camera
		target RectifyTarget
	}{
		{"invalid camera", Camera{}, RectifyTarget{}},
		{"negative size", cam, RectifyTarget{Width: -1, Height: 10}},
		{"negative focal length", cam, RectifyTarget{Intrinsics: Intrinsics{Fx: -1, Fy: 1}}},
		{"singular R", func() Camera { c := cam; c.R = [9]float64{1, 0, 0, 1, 0, 0, 0, 0, 1}; return c }(), RectifyTarget{}},
	}
	for _, tt := range tests {
		if _, err := NewRectifyMap(tt.cam, tt.target); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestRemap(t *testing.T) {
	msg := webcamInfo()
	cam, err := FromCameraInfo(msg)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewRectifyMap(cam, RectifyTarget{})
	if err != nil {
		t.Fatal(err)
	}
	// A bright dot at the distorted image of a point must move to where the rectified camera sees it.
	const X, Y, Z = 1.5, -0.8, 4.0
	raw := cam.PublishedIntrinsics()
	xd, yd := Distort(cam.Model, cam.D, X/Z, Y/Z)
	src := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV32F)
	defer src.Close()
	su, sv := int(math.Round(raw.Fx*xd+raw.Cx)), int(math.Round(raw.Fy*yd+raw.Cy))
	for dv := -3; dv <= 3; dv++ {
		for du := -3; du <= 3; du++ {
			src.SetFloatAt(sv+dv, su+du, 1)
		}
	}
	dst := gocv.NewMat()
	defer dst.Close()
	if err := m.Remap(src, &dst); err != nil {
		t.Fatal(err)
	}
	if dst.Cols() != 640 || dst.Rows() != 480 {
		t.Fatalf("rectified image %dx%d, want 640x480", dst.Cols(), dst.Rows())
	}
	ru, rv := int(math.Round(m.Intrinsics.Fx*X/Z+m.Intrinsics.Cx)), int(math.Round(m.Intrinsics.Fy*Y/Z+m.Intrinsics.Cy))
	if got := dst.GetFloatAt(rv, ru); got < 0.99 {
		t.Errorf("rectified dot expected at (%d, %d), value there %g", ru, rv, got)
	}
	if got := dst.GetFloatAt(rv, ru+30); got != 0 {
		t.Errorf("30 px beside the dot: %g, want 0", got)
	}

	small := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8UC3)
	defer small.Close()
	if err := m.Remap(small, &dst); err == nil {
		t.Error("Remap of a 320x240 image with a 640x480 map: no error")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Remap(src, &dst); err != ErrClosed {
		t.Errorf("Remap after Close: %v, want ErrClosed", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func BenchmarkNewRectifyMap1280x720(b *testing.B) {
	for _, model := range []DistortionModel{PlumbBob, RationalPolynomial, Equidistant} {
		b.Run(string(model), func(b *testing.B) {
			d := map[DistortionModel][]float64{
				PlumbBob:           {-0.28, 0.074, 1.9e-4, 1.7e-5, 0.01},
				RationalPolynomial: {0.5, -0.02, 1e-4, -2e-4, 0.001, 0.85, 0.05, 0.003},
				Equidistant:        {-0.0111, 0.0485, -0.0461, 0.0089},
			}[model]
			cam := PinholeCamera(1280, 720, Intrinsics{Fx: 900, Fy: 900, Cx: 639.5, Cy: 359.5})
			cam.Model, cam.D = model, d
			if err := cam.Validate(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				m, err := NewRectifyMap(cam, RectifyTarget{})
				if err != nil {
					b.Fatal(err)
				}
				_ = m
			}
		})
	}
}

func ExampleNewRectifyMap() {
	cam, err := LoadYAML("testdata/kitti_like_02.yaml")
	if err != nil {
		panic(err)
	}
	// Rectify straight into a 640×192 model input, keeping the bottom (the road) of the image.
	w, h := cam.PublishedSize()
	rc, err := CropToAspect(w, h, 640, 192, AnchorBottom)
	if err != nil {
		panic(err)
	}
	m, err := NewRectifyMap(cam, RectifyTargetFor(cam, rc))
	if err != nil {
		panic(err)
	}
	defer m.Close()
	fmt.Printf("%dx%d → %dx%d, fx %.2f cx %.2f\n", m.SrcWidth, m.SrcHeight, m.Width, m.Height, m.Intrinsics.Fx, m.Intrinsics.Cx)
	// Output: 1242x375 → 640x192, fx 371.81 cx 313.86
}
