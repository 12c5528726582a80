package pipeline

import (
	"math"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
)

func newTestPreprocessor(t testing.TB, cfg PreprocessConfig) *Preprocessor {
	t.Helper()
	p, err := NewPreprocessor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

var unitRGB = PreprocessConfig{Color: "rgb", Scale: 1.0 / 255, Std: [3]float32{1, 1, 1}}

func fillRGB(w, h int, f func(x, y int) (r, g, b byte)) *RGBImage {
	var im RGBImage
	im.SetSize(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			im.Pix[i], im.Pix[i+1], im.Pix[i+2] = f(x, y)
		}
	}
	return &im
}

func fullFrame(srcW, srcH, outW, outH int) calibration.ResizeCrop {
	return calibration.ResizeCrop{SrcW: srcW, SrcH: srcH, CropW: srcW, CropH: srcH, OutW: outW, OutH: outH}
}

// checkPlanes compares each CHW plane with a per-pixel expectation.
func checkPlanes(t *testing.T, got []float32, w, h int, want func(c, x, y int) float32) {
	t.Helper()
	bad := 0
	for c := 0; c < 3; c++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g, e := got[c*w*h+y*w+x], want(c, x, y)
				if math.Abs(float64(g-e)) > 1e-6 && bad < 5 {
					t.Errorf("tensor[%d][%d][%d] = %v, want %v", c, y, x, g, e)
					bad++
				}
			}
		}
	}
}

func TestPreprocessConstantImage(t *testing.T) {
	cfg := PreprocessConfig{Color: "rgb", Scale: 1.0 / 255, Mean: [3]float32{0.485, 0.456, 0.406}, Std: [3]float32{0.229, 0.224, 0.225}}
	p := newTestPreprocessor(t, cfg)
	src := fillRGB(64, 48, func(x, y int) (byte, byte, byte) { return 51, 102, 204 })
	for _, rc := range []calibration.ResizeCrop{
		fullFrame(64, 48, 64, 48),  // identity
		fullFrame(64, 48, 32, 16),  // shrink (INTER_AREA)
		fullFrame(64, 48, 100, 60), // enlarge (INTER_LINEAR)
		{SrcW: 64, SrcH: 48, CropX: 5, CropY: 7, CropW: 40, CropH: 20, OutW: 20, OutH: 10},
	} {
		dst := make([]float32, 3*rc.OutW*rc.OutH)
		if err := p.Run(dst, src, rc); err != nil {
			t.Fatal(err)
		}
		vals := [3]float32{51, 102, 204}
		checkPlanes(t, dst, rc.OutW, rc.OutH, func(c, x, y int) float32 {
			return (vals[c]*cfg.Scale - cfg.Mean[c]) / cfg.Std[c]
		})
	}
}

func TestPreprocessCheckerboardDownscale(t *testing.T) {
	p := newTestPreprocessor(t, unitRGB)
	// 2×2-pixel cells: halving gives a 1-pixel checkerboard of the same values.
	cells := fillRGB(16, 8, func(x, y int) (byte, byte, byte) {
		if (x/2+y/2)%2 == 0 {
			return 255, 255, 255
		}
		return 0, 0, 0
	})
	dst := make([]float32, 3*8*4)
	if err := p.Run(dst, cells, fullFrame(16, 8, 8, 4)); err != nil {
		t.Fatal(err)
	}
	checkPlanes(t, dst, 8, 4, func(c, x, y int) float32 {
		if (x+y)%2 == 0 {
			return 1
		}
		return 0
	})
	// 1-pixel cells of 100 and 200: every 2×2 block averages to 150.
	fine := fillRGB(16, 8, func(x, y int) (byte, byte, byte) {
		if (x+y)%2 == 0 {
			return 100, 100, 100
		}
		return 200, 200, 200
	})
	if err := p.Run(dst, fine, fullFrame(16, 8, 8, 4)); err != nil {
		t.Fatal(err)
	}
	checkPlanes(t, dst, 8, 4, func(c, x, y int) float32 { return 150 * unitRGB.Scale })
}

func TestPreprocessChannelOrderAndCrop(t *testing.T) {
	// Left half (10, 20, 30), right half (40, 50, 60).
	src := fillRGB(20, 10, func(x, y int) (byte, byte, byte) {
		if x < 10 {
			return 10, 20, 30
		}
		return 40, 50, 60
	})
	bgr := unitRGB
	bgr.Color = "bgr"
	bgr.Scale = 1
	bgr.Mean = [3]float32{1, 2, 3} // in tensor order: B, G, R
	bgr.Std = [3]float32{1, 2, 4}
	p := newTestPreprocessor(t, bgr)
	rc := calibration.ResizeCrop{SrcW: 20, SrcH: 10, CropX: 10, CropY: 2, CropW: 10, CropH: 8, OutW: 5, OutH: 4}
	dst := make([]float32, 3*5*4)
	if err := p.Run(dst, src, rc); err != nil {
		t.Fatal(err)
	}
	want := [3]float32{(60 - 1) / 1.0, (50 - 2) / 2.0, (40 - 3) / 4.0}
	checkPlanes(t, dst, 5, 4, func(c, x, y int) float32 { return want[c] })
	if r := p.Resized(); r.W != 5 || r.H != 4 || r.Pix[0] != 40 || r.Pix[2] != 60 {
		t.Errorf("Resized() = %dx%d starting %v, want 5x4 starting [40 50 60]", r.W, r.H, r.Pix[:3])
	}
}

func TestPreprocessRejects(t *testing.T) {
	p := newTestPreprocessor(t, unitRGB)
	src := fillRGB(8, 8, func(x, y int) (byte, byte, byte) { return 0, 0, 0 })
	for _, tc := range []struct {
		rc   calibration.ResizeCrop
		n    int
		want string
	}{
		{fullFrame(8, 8, 4, 4), 47, "preprocess: tensor length 47, want 3×4×4 = 48"},
		{fullFrame(16, 8, 4, 4), 48, "preprocess: image 8x8 but resize/crop expects 16x8"},
		{calibration.ResizeCrop{SrcW: 8, SrcH: 8, CropX: 4, CropW: 8, CropH: 8, OutW: 4, OutH: 4}, 48, "preprocess: calibration: crop window"},
	} {
		err := p.Run(make([]float32, tc.n), src, tc.rc)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("got %v, want prefix %q", err, tc.want)
		}
	}
	for _, cfg := range []PreprocessConfig{
		{Color: "rgba", Scale: 1, Std: [3]float32{1, 1, 1}},
		{Color: "rgb", Scale: 1, Std: [3]float32{1, 0, 1}},
	} {
		if _, err := NewPreprocessor(cfg); err == nil {
			t.Errorf("NewPreprocessor(%+v) accepted", cfg)
		}
	}
}

func TestPreprocessAllocs(t *testing.T) {
	p := newTestPreprocessor(t, unitRGB)
	src := testPattern(128, 96)
	for _, tc := range []struct {
		name  string
		rc    calibration.ResizeCrop
		limit float64
	}{
		{"identity", fullFrame(128, 96, 128, 96), 0},
		// The Mat headers over the source and the crop window are C objects; OpenCV reuses the
		// resized buffer; so no Go allocation either.
		{"resize", fullFrame(128, 96, 64, 32), 0},
	} {
		dst := make([]float32, 3*tc.rc.OutW*tc.rc.OutH)
		if err := p.Run(dst, src, tc.rc); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() { _ = p.Run(dst, src, tc.rc) })
		t.Logf("%s: %v allocations per frame", tc.name, allocs)
		if allocs > tc.limit {
			t.Errorf("%s: %v allocations per frame, want ≤ %v", tc.name, allocs, tc.limit)
		}
	}
}
