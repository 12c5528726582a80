package pipeline

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
)

func newTestUpsampler(t testing.TB, cfg UpsampleConfig, low calibration.ResizeCrop, outW, outH int) *Upsampler {
	t.Helper()
	u, err := NewUpsampler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Prepare(low, outW, outH); err != nil {
		t.Fatal(err)
	}
	return u
}

// solidImage is a w×h image whose pixel (x, y) has grey level colour(x, y).
func solidImage(w, h int, colour func(x, y int) byte) *RGBImage {
	im := &RGBImage{}
	im.SetSize(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := colour(x, y)
			i := 3 * (y*w + x)
			im.Pix[i], im.Pix[i+1], im.Pix[i+2] = v, v, v
		}
	}
	return im
}

// areaDown is the f×f box average of im (what INTER_AREA gives the model input for an integer
// factor), the guide on the depth grid.
func areaDown(im *RGBImage, f int) *RGBImage {
	out := &RGBImage{}
	out.SetSize(im.W/f, im.H/f)
	for y := 0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			for c := 0; c < 3; c++ {
				s := 0
				for j := 0; j < f; j++ {
					for i := 0; i < f; i++ {
						s += int(im.Pix[3*((y*f+j)*im.W+x*f+i)+c])
					}
				}
				out.Pix[3*(y*out.W+x)+c] = byte((s + f*f/2) / (f * f))
			}
		}
	}
	return out
}

// edgeColumns returns, per row, the first column whose depth is nearer the far side (dFar)
// than the near one (dNear), and the largest relative error of pixels at least two columns
// from the image edge at col.
func edgeColumns(out []float32, w, h int, dNear, dFar float32, col int) (first []int, worst float64) {
	first = make([]int, h)
	for y := 0; y < h; y++ {
		first[y] = -1
		for x := 0; x < w; x++ {
			d := out[y*w+x]
			if first[y] < 0 && math.Abs(float64(d-dFar)) < math.Abs(float64(d-dNear)) {
				first[y] = x
			}
			want := dNear
			if x >= col {
				want = dFar
			}
			if x <= col-2 || x >= col+2 {
				worst = max(worst, math.Abs(float64(d-want))/float64(want))
			}
		}
	}
	return first, worst
}

// TestJointBilateralEdgeFollowsImage: depth steps from 2 m to 5 m between grid columns 19 and 20
// of a 40×10 grid, upsampled ×4 to 160×40 over an image whose grey steps at column 80 (aligned)
// or 82 (two pixels right of where the coarse depth steps). Joint bilateral puts the depth edge
// on the image edge to within one pixel and keeps both sides within 1 %; bilinear leaves it at
// the grid's edge (column 80) blurred over ±2 pixels.
func TestJointBilateralEdgeFollowsImage(t *testing.T) {
	const gw, gh, f = 40, 10, 4
	low := calibration.ResizeCrop{SrcW: gw * f, SrcH: gh * f, CropW: gw * f, CropH: gh * f, OutW: gw, OutH: gh}
	depth := make([]float32, gw*gh)
	for i := range depth {
		depth[i] = 2
		if i%gw >= 20 {
			depth[i] = 5
		}
	}
	out := make([]float32, gw*f*gh*f)
	for _, edge := range []int{80, 82} {
		img := solidImage(gw*f, gh*f, func(x, _ int) byte {
			if x < edge {
				return 50
			}
			return 200
		})
		guideLow := areaDown(img, f)
		jbu := newTestUpsampler(t, UpsampleConfig{}, low, gw*f, gh*f)
		if err := jbu.Run(out, depth, img, guideLow); err != nil {
			t.Fatal(err)
		}
		first, worst := edgeColumns(out, gw*f, gh*f, 2, 5, edge)
		for y, x := range first {
			if x < edge-1 || x > edge+1 {
				t.Fatalf("image edge at %d: joint bilateral row %d steps at column %d", edge, y, x)
			}
		}
		if worst > 0.01 {
			t.Fatalf("image edge at %d: joint bilateral is %.3g off away from the edge, want ≤ 1 %%", edge, worst)
		}

		bil := newTestUpsampler(t, UpsampleConfig{Method: UpsampleBilinear}, low, gw*f, gh*f)
		if err := bil.Run(out, depth, nil, nil); err != nil {
			t.Fatal(err)
		}
		bfirst, bworst := edgeColumns(out, gw*f, gh*f, 2, 5, edge)
		t.Logf("image edge at %d: joint bilateral steps at %d (worst %.2g off the edge), bilinear at %d (worst %.2g)",
			edge, first[0], worst, bfirst[0], bworst)
		if bfirst[0] != 80 || bworst < 0.1 {
			t.Fatalf("bilinear steps at %d with worst error %.3g: the reference is not what bilinear does", bfirst[0], bworst)
		}
	}
}

// TestUpsampleRampAndNaN: a smooth ramp d = 1 + 0.05·x + 0.02·y (grid pixels) under a textured
// image is reproduced by both methods to float precision away from the border (two grid pixels:
// there within one grid step of slope), and NaN on the grid stays NaN exactly where
// the nearest grid sample is NaN, never spreading into the valid pixels around it.
func TestUpsampleRampAndNaN(t *testing.T) {
	const gw, gh, f = 32, 12, 4
	W, H := gw*f, gh*f
	low := calibration.ResizeCrop{SrcW: W, SrcH: H, CropW: W, CropH: H, OutW: gw, OutH: gh}
	ramp := func(x, y float64) float64 { return 1 + 0.05*x + 0.02*y }
	depth := make([]float32, gw*gh)
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			depth[y*gw+x] = float32(ramp(float64(x), float64(y)))
		}
	}
	// A textured guide: a smooth surface has no edge to align, so joint bilateral must not copy
	// the texture into its depth.
	textured := solidImage(W, H, func(x, y int) byte { return byte((x*37 + y*91) % 256) })
	out := make([]float32, W*H)
	for _, m := range []string{UpsampleJointBilateral, UpsampleBilinear} {
		u := newTestUpsampler(t, UpsampleConfig{Method: m}, low, W, H)
		if err := u.Run(out, depth, textured, areaDown(textured, f)); err != nil {
			t.Fatal(err)
		}
		var inner, border float64
		for v := 0; v < H; v++ {
			for x := 0; x < W; x++ {
				gx, gy := (float64(x)+0.5)/f-0.5, (float64(v)+0.5)/f-0.5
				e := math.Abs(float64(out[v*W+x]) - ramp(gx, gy))
				if gx >= 1.5 && gx <= gw-2.5 && gy >= 1.5 && gy <= gh-2.5 {
					inner = max(inner, e)
				} else {
					border = max(border, e)
				}
			}
		}
		t.Logf("%s: ramp error %.2g inside, %.2g at the border", m, inner, border)
		if inner > 2e-6 || border > 0.05+0.02 {
			t.Fatalf("%s: ramp error %.3g inside (want ≤ 2e-6), %.3g at the border (want ≤ one grid step 0.07)", m, inner, border)
		}
	}

	// NaN: a 4×3 hole at grid (10..13, 4..6) and the top-left grid pixel.
	isHole := func(x, y int) bool { return (x >= 10 && x <= 13 && y >= 4 && y <= 6) || (x == 0 && y == 0) }
	for y := 0; y < gh; y++ {
		for x := 0; x < gw; x++ {
			if isHole(x, y) {
				depth[y*gw+x] = nan32
			}
		}
	}
	for _, m := range []string{UpsampleJointBilateral, UpsampleBilinear} {
		u := newTestUpsampler(t, UpsampleConfig{Method: m}, low, W, H)
		if err := u.Run(out, depth, textured, areaDown(textured, f)); err != nil {
			t.Fatal(err)
		}
		nans := 0
		for v := 0; v < H; v++ {
			for x := 0; x < W; x++ {
				d := out[v*W+x]
				nx, ny := int(math.Floor((float64(x)+0.5)/f)), int(math.Floor((float64(v)+0.5)/f))
				if isHole(nx, ny) != math.IsNaN(float64(d)) {
					t.Fatalf("%s: pixel (%d, %d) = %v; its nearest grid sample (%d, %d) is a hole: %v", m, x, v, d, nx, ny, isHole(nx, ny))
				}
				if math.IsNaN(float64(d)) {
					nans++
					continue
				}
				if d < 1 || d > float32(ramp(gw-1, gh-1))+1e-6 {
					t.Fatalf("%s: pixel (%d, %d) = %v outside the ramp's range", m, x, v, d)
				}
			}
		}
		if want := (4*3 + 1) * f * f; nans != want {
			t.Fatalf("%s: %d NaN pixels, want %d (the holes ×%d²)", m, nans, want, f)
		}
	}
}

// TestUpsampleWindowAndErrors: a crop's cut-off sides are NaN (the model never saw them), and
// bad geometry or buffers say what is wrong.
func TestUpsampleWindowAndErrors(t *testing.T) {
	// 100×40 camera, centre crop 80×40 at x=10 resized to a 20×10 grid, published at 100×40.
	low := calibration.ResizeCrop{SrcW: 100, SrcH: 40, CropX: 10, CropW: 80, CropH: 40, OutW: 20, OutH: 10}
	depth := make([]float32, 200)
	for i := range depth {
		depth[i] = 3
	}
	out := make([]float32, 100*40)
	img := solidImage(100, 40, func(int, int) byte { return 90 })
	guideLow := solidImage(20, 10, func(int, int) byte { return 90 })
	u := newTestUpsampler(t, UpsampleConfig{}, low, 100, 40)
	if err := u.Run(out, depth, img, guideLow); err != nil {
		t.Fatal(err)
	}
	for y := 0; y < 40; y++ {
		for x := 0; x < 100; x++ {
			d := out[y*100+x]
			inside := x >= 10 && x < 90
			if inside != !math.IsNaN(float64(d)) || (inside && math.Abs(float64(d)-3) > 1e-6) {
				t.Fatalf("pixel (%d, %d) = %v; inside the crop window: %v", x, y, d, inside)
			}
		}
	}
	if err := u.Run(out, depth, img, img); err == nil || !strings.Contains(err.Error(), "guide images must be 100x40 and 20x10") {
		t.Fatalf("wrong guide: %v", err)
	}
	if err := u.Run(out[:10], depth, img, guideLow); err == nil || !strings.Contains(err.Error(), "want 4000 and 200") {
		t.Fatalf("short buffer: %v", err)
	}
	if err := u.Prepare(low, 0, 40); err == nil || !strings.Contains(err.Error(), "output size 0x40") {
		t.Fatalf("empty output: %v", err)
	}
	if _, err := NewUpsampler(UpsampleConfig{Method: "bicubic"}); err == nil || !strings.Contains(err.Error(), `"bicubic"`) {
		t.Fatalf("unknown method: %v", err)
	}
	if _, err := NewUpsampler(UpsampleConfig{SigmaColor: -1}); err == nil || !strings.Contains(err.Error(), "sigma_color -1") {
		t.Fatalf("bad sigma: %v", err)
	}
}

func TestParseResolution(t *testing.T) {
	for s, want := range map[string]Resolution{"camera": {Mode: ResolutionCamera}, "model": {}, "640x480": {Mode: ResolutionSize, W: 640, H: 480}} {
		got, err := ParseResolution(s)
		if err != nil || got != want || got.String() != s {
			t.Errorf("ParseResolution(%q) = %+v (%q), %v; want %+v", s, got, got.String(), err, want)
		}
	}
	for s, msg := range map[string]string{"cam": `"cam": want camera, model or WIDTHxHEIGHT`, "0x480": "0x480: each side", "640x": `"640x"`, "20000x10": "20000x10"} {
		if _, err := ParseResolution(s); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseResolution(%q): %v, want %q", s, err, msg)
		}
	}
}

func TestAutoDecimation(t *testing.T) {
	for _, c := range []struct{ pw, ph, gw, gh, want int }{
		{640, 192, 320, 96, 2},  // the default model on a 640×192 camera: 320×96, today's cloud
		{320, 96, 320, 96, 1},   // model resolution
		{1280, 720, 320, 96, 6}, // 214×120 = 25680 ≤ 30720 points (5 would give 256×144 = 36864)
	} {
		k := AutoDecimation(c.pw, c.ph, c.gw, c.gh)
		cw, ch := CloudSize(c.pw, c.ph, k)
		if k != c.want || cw*ch > c.gw*c.gh {
			t.Errorf("AutoDecimation(%dx%d over %dx%d) = %d (%dx%d points), want %d", c.pw, c.ph, c.gw, c.gh, k, cw, ch, c.want)
		}
		if k > 1 {
			if cw, ch := CloudSize(c.pw, c.ph, k-1); cw*ch <= c.gw*c.gh {
				t.Errorf("AutoDecimation(%dx%d over %dx%d) = %d, but %d keeps the cloud small enough", c.pw, c.ph, c.gw, c.gh, k, k-1)
			}
		}
	}
}

// Upsampling the default model's 320×96 grid to a 640×192 and a 1280×720 camera (stretch), joint
// bilateral against bilinear; compare the ns/op of each pair (same run, same machine). The scene
// is a road: a ground plane (depth ∝ 1/(row − horizon), 80 m above it) with eight boxes in
// front, and a camera image whose grey levels step where the depth does, with some texture.
func benchUpsample(b *testing.B, method string, W, H int) {
	const gw, gh = 320, 96
	low := calibration.ResizeCrop{SrcW: W, SrcH: H, CropW: W, CropH: H, OutW: gw, OutH: gh}
	u := newTestUpsampler(b, UpsampleConfig{Method: method}, low, W, H)
	box := func(x, y float64) (float32, byte, bool) { // x, y in 0..1 of the frame
		for i := 0; i < 8; i++ {
			x0 := 0.05 + 0.12*float64(i)
			if x >= x0 && x < x0+0.07 && y >= 0.35 && y < 0.6+0.04*float64(i%3) {
				return 4 + float32(i), byte(40 + 25*i), true
			}
		}
		return 0, 0, false
	}
	scene := func(x, y float64) (float32, byte) {
		if d, g, ok := box(x, y); ok {
			return d, g
		}
		if y <= 0.42 {
			return 80, 220
		}
		return float32(min(80, 1.5/(y-0.4))), 120
	}
	img := solidImage(W, H, func(x, y int) byte {
		_, g := scene((float64(x)+0.5)/float64(W), (float64(y)+0.5)/float64(H))
		return g + byte((x*7+y*13)%9)
	})
	guideLow := solidImage(gw, gh, func(x, y int) byte {
		_, g := scene((float64(x)+0.5)/gw, (float64(y)+0.5)/gh)
		return g + 4
	})
	depth := make([]float32, gw*gh)
	for i := range depth {
		depth[i], _ = scene((float64(i%gw)+0.5)/gw, (float64(i/gw)+0.5)/gh)
	}
	out := make([]float32, W*H)
	if err := u.Run(out, depth, img, guideLow); err != nil { // the first frame sizes the buffers
		b.Fatal(err)
	}
	if n := testing.AllocsPerRun(3, func() { u.Run(out, depth, img, guideLow) }); n != 0 {
		b.Fatalf("%s allocates %v times a frame in steady state", method, n)
	}
	b.ReportAllocs()
	b.SetBytes(int64(4 * W * H))
	for b.Loop() {
		if err := u.Run(out, depth, img, guideLow); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpsample(b *testing.B) {
	for _, size := range [][2]int{{640, 192}, {1280, 720}} {
		for _, m := range []string{UpsampleBilinear, UpsampleJointBilateral} {
			b.Run(fmt.Sprintf("%s_%dx%d", m, size[0], size[1]), func(b *testing.B) { benchUpsample(b, m, size[0], size[1]) })
		}
	}
}
