package pipeline

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// quadrantImage is a w×h rgb8 image of four grey quadrants split at column ex and row ey.
func quadrantImage(w, h, ex, ey int, grey [4]byte) *msgs.Image {
	img := greyImage(w, h, 0, 7)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			q := 0
			if x >= ex {
				q++
			}
			if y >= ey {
				q += 2
			}
			copy(img.Data[3*(y*w+x):], []byte{grey[q], grey[q], grey[q]})
		}
	}
	return img
}

// TestDepthRegisteredToCamera runs the tiny model (depth is a known function of each pixel's
// grey level) on cameras of other aspects than its 16×8 input, with every fit it supports, and
// publishes at the camera's resolution. A scene of four grey quadrants has four known depths
// (0.14 to 0.49 m, each ≥ 30 % from the others): published pixel (u, v) must have the depth of
// camera pixel (u, v) within 3 % (a grid pixel straddling an edge has a mixed depth, of which a
// little reaches pixels beside it at crops of non-integer ratio), except within
// one pixel of a quadrant edge (where either side's depth is right: the edge lands on the
// image's edge to within a pixel); outside the window the model saw (a crop's cut-off part) it
// is NaN; depth/camera_info is the camera's size and K; the cloud back-projects with that K at
// the automatic decimation.
func TestDepthRegisteredToCamera(t *testing.T) {
	m := tinyModel(t)
	grey := [4]byte{40, 200, 120, 250}
	for _, c := range []struct {
		fit          string
		w, h, ex, ey int
		window       [4]int // x0, y0, x1, y1 of what the model sees
	}{
		{FitStretch, 64, 24, 40, 12, [4]int{0, 0, 64, 24}},
		{FitLetterbox, 64, 24, 40, 12, [4]int{0, 0, 64, 24}},
		{FitCropCenter, 64, 24, 41, 11, [4]int{8, 0, 56, 24}},
		{FitCropCenter, 40, 48, 22, 21, [4]int{0, 14, 40, 34}},
		{FitCropBottom, 40, 48, 22, 35, [4]int{0, 28, 40, 48}},
	} {
		t.Run(fmt.Sprintf("%s_%dx%d", c.fit, c.w, c.h), func(t *testing.T) {
			p := newPipeline(t, Config{Fit: c.fit, ScaleMode: ScaleNone, Points: true, Cloud: CloudConfig{RGB: true},
				Resolution: Resolution{Mode: ResolutionCamera}}, m)
			intr := calibration.Intrinsics{Fx: 50, Fy: 52, Cx: float64(c.w)/2 - 0.3, Cy: float64(c.h)/2 + 0.2}
			cam := calibration.PinholeCamera(c.w, c.h, intr)
			res, err := p.ProcessImage(quadrantImage(c.w, c.h, c.ex, c.ey, grey), &cam)
			if err != nil {
				t.Fatal(err)
			}
			if res.PublishedWidth != c.w || res.PublishedHeight != c.h || res.DepthImage.Width != uint32(c.w) || res.DepthImage.Height != uint32(c.h) {
				t.Fatalf("published %dx%d (image %dx%d), want the camera's %dx%d", res.PublishedWidth, res.PublishedHeight,
					res.DepthImage.Width, res.DepthImage.Height, c.w, c.h)
			}
			var want [4]float64
			for q := range want {
				want[q] = tinyDepth(float64(grey[q]))
			}
			quad := func(x, y int) int {
				q := 0
				if x >= c.ex {
					q++
				}
				if y >= c.ey {
					q += 2
				}
				return q
			}
			checked, worst := 0, 0.0
			for y := 0; y < c.h; y++ {
				for x := 0; x < c.w; x++ {
					d := float64(math.Float32frombits(binary.LittleEndian.Uint32(res.DepthImage.Data[4*(y*c.w+x):])))
					inside := x >= c.window[0] && y >= c.window[1] && x < c.window[2] && y < c.window[3]
					if !inside {
						if !math.IsNaN(d) {
							t.Fatalf("pixel (%d, %d) outside the window %v the model saw: %v, want NaN", x, y, c.window, d)
						}
						continue
					}
					ok := false // the depth of some camera pixel within one pixel (the pixel's own away from edges)
					for dy := -1; dy <= 1 && !ok; dy++ {
						for dx := -1; dx <= 1 && !ok; dx++ {
							xx, yy := min(max(x+dx, 0), c.w-1), min(max(y+dy, 0), c.h-1)
							w := want[quad(xx, yy)]
							ok = math.Abs(d-w) <= 0.03*w
						}
					}
					if !ok {
						t.Fatalf("pixel (%d, %d): depth %v; camera pixel (%d, %d) is quadrant %d at %v m", x, y, d, x, y, quad(x, y), want[quad(x, y)])
					}
					checked++
					worst = max(worst, math.Abs(d-want[quad(x, y)])/want[quad(x, y)])
				}
			}
			info := res.DepthInfo
			k := info.K
			near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
			if info.Width != uint32(c.w) || info.Height != uint32(c.h) || !near(k[0], intr.Fx) || !near(k[4], intr.Fy) || !near(k[2], intr.Cx) ||
				!near(k[5], intr.Cy) || info.P[0] != k[0] || info.P[2] != k[2] || info.P[5] != k[4] || info.P[6] != k[5] {
				t.Fatalf("depth/camera_info %dx%d K %v P %v, want the camera's %dx%d %+v", info.Width, info.Height, k, info.P, c.w, c.h, intr)
			}
			// The cloud: no more points than the 16×8 grid, decimated from the published grid.
			dec := AutoDecimation(c.w, c.h, res.Width, res.Height)
			pc := res.Points
			if cw, ch := CloudSize(c.w, c.h, dec); pc == nil || pc.Width != uint32(cw) || pc.Height != uint32(ch) || cw*ch > res.Width*res.Height {
				t.Fatalf("points %dx%d, want %dx%d (decimation %d of %dx%d, at most %d points)", pc.Width, pc.Height, cw, ch, dec, c.w, c.h, res.Width*res.Height)
			}
			for j := 0; j < int(pc.Height); j++ {
				for i := 0; i < int(pc.Width); i++ {
					u, v := i*dec, j*dec
					o := (j*int(pc.Width) + i) * int(pc.PointStep)
					x := math.Float32frombits(binary.LittleEndian.Uint32(pc.Data[o:]))
					z := math.Float32frombits(binary.LittleEndian.Uint32(pc.Data[o+8:]))
					d := math.Float32frombits(binary.LittleEndian.Uint32(res.DepthImage.Data[4*(v*c.w+u):]))
					if math.IsNaN(float64(d)) != math.IsNaN(float64(z)) || (!math.IsNaN(float64(z)) &&
						(z != d || math.Abs(float64(x)-float64(z)*(float64(u)-intr.Cx)/intr.Fx) > 1e-5)) {
						t.Fatalf("point (%d, %d) of pixel (%d, %d): x %v z %v; depth %v", i, j, u, v, x, z, d)
					}
					if g := grey[quad(u, v)]; pc.Data[o+14] != g && !math.IsNaN(float64(z)) && quad(u, v) == quad(max(u-1, 0), max(v-1, 0)) {
						t.Fatalf("point (%d, %d) red %d, want the camera pixel's %d", i, j, pc.Data[o+14], g)
					}
				}
			}
			t.Logf("%d pixels inside the window checked, largest error %.2g (edge pixels included); cloud %dx%d at decimation %d",
				checked, worst, pc.Width, pc.Height, dec)
		})
	}
}

// TestDepthAtGivenSize publishes a 64×24 camera's depth at 32×12: K scales with the image
// (fx/2, (cx + 0.5)/2 − 0.5), and published pixel (u, v) has the depth of camera pixels
// (2u..2u+1, 2v..2v+1) away from the quadrant edges.
func TestDepthAtGivenSize(t *testing.T) {
	m := tinyModel(t)
	grey := [4]byte{40, 200, 120, 250}
	p := newPipeline(t, Config{ScaleMode: ScaleNone, Resolution: Resolution{Mode: ResolutionSize, W: 32, H: 12}}, m)
	intr := calibration.Intrinsics{Fx: 50, Fy: 52, Cx: 31.7, Cy: 12.2}
	cam := calibration.PinholeCamera(64, 24, intr)
	res, err := p.ProcessImage(quadrantImage(64, 24, 40, 12, grey), &cam)
	if err != nil {
		t.Fatal(err)
	}
	k := res.DepthInfo.K
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if res.DepthInfo.Width != 32 || res.DepthInfo.Height != 12 || !near(k[0], 25) || !near(k[4], 26) || !near(k[2], (31.7+0.5)/2-0.5) ||
		!near(k[5], (12.2+0.5)/2-0.5) {
		t.Fatalf("depth/camera_info %dx%d K %v", res.DepthInfo.Width, res.DepthInfo.Height, k)
	}
	for y := 0; y < 12; y++ {
		for x := 0; x < 32; x++ {
			if x == 19 || x == 20 || y == 5 || y == 6 {
				continue // within a published pixel of an edge
			}
			q := 0
			if x >= 20 {
				q++
			}
			if y >= 6 {
				q += 2
			}
			want := tinyDepth(float64(grey[q]))
			if d := float64(res.Published[y*32+x]); math.Abs(d-want) > 0.01*want {
				t.Fatalf("pixel (%d, %d) = %v, want quadrant %d's %v", x, y, d, q, want)
			}
		}
	}
	if _, err := p.Check(Config{ScaleMode: ScaleNone, Resolution: Resolution{Mode: ResolutionCamera}}); err == nil {
		t.Fatal("Check accepted a change of depth resolution while running")
	}
}

// TestDepthInfoKeepsCameraDistortion: an unrectified camera with distortion publishes depth whose
// camera_info has the camera's distortion model and coefficients (the pixels are the camera's);
// rectified, none.
func TestDepthInfoKeepsCameraDistortion(t *testing.T) {
	m := tinyModel(t)
	cam := calibration.PinholeCamera(32, 16, calibration.Intrinsics{Fx: 30, Fy: 30, Cx: 15.5, Cy: 7.5})
	cam.Model, cam.D = calibration.PlumbBob, []float64{-0.1, 0.01, 0.001, -0.002, 0}
	for _, rectify := range []bool{false, true} {
		p := newPipeline(t, Config{ScaleMode: ScaleNone, Rectify: rectify, Resolution: Resolution{Mode: ResolutionCamera}}, m)
		res, err := p.ProcessImage(greyImage(32, 16, 90, 1), &cam)
		if err != nil {
			t.Fatal(err)
		}
		info := res.DepthInfo
		wantD := cam.D
		if rectify {
			wantD = []float64{0, 0, 0, 0, 0}
		}
		if info.DistortionModel != "plumb_bob" || fmt.Sprint(info.D) != fmt.Sprint(wantD) || info.Width != 32 {
			t.Fatalf("rectify %v: depth/camera_info %s D %v %dx%d, want plumb_bob %v", rectify, info.DistortionModel, info.D, info.Width, info.Height, wantD)
		}
	}
}
