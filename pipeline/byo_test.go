package pipeline_test

// Tests of model contract v2 with graphs that have the exact signatures of public ONNX exports
// (Depth Anything V2, MiDaS, Metric3D; models/testdata/byo/make_graphs.py) and compute known
// functions of a disparity coded into the image's RGB, so the expected metric depth is known
// independently: the sim's ground truth.

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
	"github.com/ssmde/ssmde/sim"
)

// The coding of make_graphs.py: disparity/DISP_MAX in 24 bits over R, G, B.
const (
	dispMax   = 10.0
	codeMax   = 1<<24 - 1
	affineA   = 3.7 // the relative graphs output A·disp + B
	affineB   = 0.25
	canonical = 1000.0 // Metric3D's canonical focal length
)

func putCode(pix []byte, disp float64) {
	c := uint32(math.Round(math.Min(1, math.Max(0, disp/dispMax)) * codeMax))
	pix[0], pix[1], pix[2] = byte(c>>16), byte(c>>8), byte(c)
}

// codedImage codes 1/depth (0 for the sky) into an rgb8 image; outliers (a fraction of pixels)
// get a random disparity instead, and are marked in the returned mask.
func codedImage(depth []float32, w, h int, dispScale, outliers float64, seed uint64) (*msgs.Image, []bool) {
	r := rand.New(rand.NewPCG(seed, 5))
	img := &msgs.Image{Width: uint32(w), Height: uint32(h), Encoding: "rgb8", Step: uint32(3 * w), Data: make([]byte, 3*w*h)}
	bad := make([]bool, w*h)
	for i, z := range depth[:w*h] {
		disp := 0.0
		if z > 0 {
			disp = dispScale / float64(z)
		}
		if r.Float64() < outliers {
			disp, bad[i] = r.Float64()*2, true
		}
		putCode(img.Data[3*i:], disp)
	}
	return img, bad
}

// importBYO generates the named graph, writes its manifest with the preset and opens it.
func importBYO(t *testing.T, graph, preset string) *models.Model {
	t.Helper()
	if _, err := models.InitRuntime(""); err != nil {
		t.Fatalf("ONNX Runtime is required: %v (run `make setup`)", err)
	}
	dir := testmodel.CopyDir(t, testmodel.BYO(t, graph))
	m, err := models.Import(dir+"/"+graph+".onnx", preset)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.WriteManifest(dir, m, false); err != nil {
		t.Fatal(err)
	}
	model, err := models.Open(dir, models.SessionConfig{IntraOpThreads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(model.Close)
	return model
}

// simDrive renders frames of the synthetic street at w×h with square pixels.
func simDrive(t *testing.T, w, h, frames int, seed int64) (*sim.World, calibration.Camera) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Seed, cfg.Frames, cfg.Width, cfg.Height = seed, frames, w, h
	cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 300, 300, float64(w)/2-0.5, float64(h)/2-0.5
	world, err := sim.NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cam, err := calibration.FromCameraInfo(world.CameraInfo(msgs.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	return world, cam
}

// absRel scores depth against the sim's ground truth on valid, non-outlier pixels below maxZ.
func absRel(t *testing.T, got []float32, gt []float32, bad []bool, maxZ float32) (float64, int) {
	t.Helper()
	sum, n := 0.0, 0
	for i, g := range gt {
		if !(g > 0) || g > maxZ || (bad != nil && bad[i]) {
			continue
		}
		d := got[i]
		if !(d > 0) {
			sum++ // an invalid prediction where GT exists is a full error
		} else {
			sum += math.Abs(float64(d-g)) / float64(g)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no valid ground truth")
	}
	return sum / float64(n), n
}

// A Depth Anything V2 (relative) export, camera_height: the per-frame fit of scale AND shift to
// the ground recovers metric depth within 3 % AbsRel, with 30 % of all pixels (ground included)
// replaced by outliers; sparse_depth does the same from LiDAR-pattern samples with 30 % outliers.
func TestAffineDisparityRecoversMetricDepth(t *testing.T) {
	model := importBYO(t, "da2_relative", "depth-anything-v2-relative")
	const w, h = 518, 518
	world, cam := simDrive(t, w, h, 8, 41)
	for _, mode := range []pipeline.ScaleMode{pipeline.ScaleCameraHeight, pipeline.ScaleSparseDepth} {
		t.Run(string(mode), func(t *testing.T) {
			p, err := pipeline.New(pipeline.Config{ScaleMode: mode, Ground: pipeline.GroundConfig{CameraHeight: 1.65}}, model)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			cols, rows := sim.LidarPixels(world.Config(), sim.LidarOptions{Rings: 32, Columns: 128})
			var f sim.Frame
			worst := 0.0
			for i := 0; i < world.Frames(); i++ {
				if err := world.Render(i, &f); err != nil {
					t.Fatal(err)
				}
				img, bad := codedImage(f.Depth, w, h, 1, 0.3, uint64(i))
				if mode == pipeline.ScaleSparseDepth {
					r := rand.New(rand.NewPCG(uint64(i), 9))
					var pts []pipeline.SparsePoint
					for _, v := range rows {
						for _, u := range cols {
							z := f.Depth[v*w+u]
							if !(z > 0) {
								continue
							}
							if r.Float64() < 0.3 {
								z *= float32(0.3 + 3*r.Float64()) // a wrong return
							}
							pts = append(pts, pipeline.SparsePoint{U: float32(u), V: float32(v), Z: z})
						}
					}
					p.SetSparseDepth(pts)
				}
				res, err := p.ProcessImage(img, &cam)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if res.Width != w || res.Height != h {
					t.Fatalf("depth %dx%d, want %dx%d", res.Width, res.Height, w, h)
				}
				if !res.ScaleValid || !res.Affine.Fresh {
					t.Fatalf("frame %d: no fresh fit: %s", i, res.ScaleNote)
				}
				e, n := absRel(t, res.Depth, f.Depth, bad, 80)
				worst = math.Max(worst, e)
				t.Logf("frame %d: AbsRel %.4f over %d px; disparity = %.4f·x %+.4f (true %.4f, %+.4f), %d of %d points on the fit",
					i, e, n, res.Scale, res.Shift, 1/affineA, -affineB/affineA, res.Affine.Fit.Inliers, res.Affine.Fit.Points)
			}
			if worst > 0.03 {
				t.Fatalf("worst frame AbsRel %.4f > 0.03", worst)
			}
		})
	}
}

// Without any metric reference an affine model publishes nothing (never an invented scale); once
// a fit exists, a frame without samples keeps it and says so.
func TestAffineDisparityNeverInventsAScale(t *testing.T) {
	model := importBYO(t, "da2_relative", "depth-anything-v2-relative")
	const w, h = 518, 518
	world, cam := simDrive(t, w, h, 2, 42)
	p, err := pipeline.New(pipeline.Config{ScaleMode: pipeline.ScaleSparseDepth}, model)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var f sim.Frame
	if err := world.Render(0, &f); err != nil {
		t.Fatal(err)
	}
	img, _ := codedImage(f.Depth, w, h, 1, 0, 1)
	if _, err := p.ProcessImage(img, &cam); !errors.Is(err, pipeline.ErrScaleUnavailable) || !strings.Contains(err.Error(), "no sparse depth") {
		t.Fatalf("no samples ever: err %v, want ErrScaleUnavailable naming the missing sparse depth", err)
	}
	var pts []pipeline.SparsePoint
	for i := 0; i < w*h; i += 97 {
		if z := f.Depth[i]; z > 0 {
			pts = append(pts, pipeline.SparsePoint{U: float32(i % w), V: float32(i / w), Z: z})
		}
	}
	p.SetSparseDepth(pts)
	res, err := p.ProcessImage(img, &cam)
	if err != nil || !res.ScaleValid {
		t.Fatalf("with samples: %v, note %q", err, res.ScaleNote)
	}
	res, err = p.ProcessImage(img, &cam)
	if err != nil || res.ScaleValid || !strings.Contains(res.ScaleNote, "holding the last fit") {
		t.Fatalf("samples stopped: err %v, valid %v, note %q; want the held fit, said", err, res.ScaleValid, res.ScaleNote)
	}
	if e, _ := absRel(t, res.Depth, f.Depth, nil, 80); e > 0.01 {
		t.Fatalf("held fit AbsRel %.4f", e)
	}
}

// The fp16 export gives the fp32 export's depth within 1e-3 relative; the dynamic export with
// keep_aspect takes a 700×518 camera as it is (a multiple of 14, short side 518).
func TestFP16AndDynamicExportsMatchFP32(t *testing.T) {
	fp32 := importBYO(t, "da2_relative", "depth-anything-v2-relative")
	fp16 := importBYO(t, "da2_relative_fp16", "depth-anything-v2-relative")
	if !fp16.Depth.InputFloat16() || !fp16.Depth.OutputFloat16() {
		t.Fatal("the fp16 export did not open as fp16")
	}
	cfg := pipeline.Config{ScaleMode: pipeline.ScaleFixedAffine, FixedScale: 1 / affineA, FixedShift: -affineB / affineA}
	world, cam := simDrive(t, 518, 518, 1, 43)
	var f sim.Frame
	if err := world.Render(0, &f); err != nil {
		t.Fatal(err)
	}
	img, _ := codedImage(f.Depth, 518, 518, 1, 0, 2)
	run := func(m *models.Model) []float32 {
		p, err := pipeline.New(cfg, m)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		res, err := p.ProcessImage(img, &cam)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), res.Depth...)
	}
	a := run(fp32)
	// Parity is of the network's output x: depth 1/x (scale 1, shift 0). The true shift would
	// subtract 0.25 from x and amplify fp16's rounding of x at far pixels, a property of fp16.
	cfg.FixedScale, cfg.FixedShift = 1, 0
	ax, bx := run(fp32), run(fp16)
	worst := 0.0
	for i := range ax {
		if f.Depth[i] > 0 && f.Depth[i] < 80 {
			worst = math.Max(worst, math.Abs(float64(ax[i]-bx[i]))/float64(ax[i]))
		}
	}
	if worst > 1e-3 {
		t.Fatalf("fp16 vs fp32 output: worst relative difference %.2e > 1e-3", worst)
	}
	t.Logf("fp16 vs fp32 output: worst relative difference %.2e", worst)
	cfg.FixedScale, cfg.FixedShift = 1/affineA, -affineB/affineA
	worst = 0
	if e, _ := absRel(t, a, f.Depth, nil, 80); e > 1e-4 {
		t.Fatalf("fixed_affine with the true scale and shift: AbsRel %.2e, want exact", e)
	}

	dyn := importBYO(t, "da2_relative_dynamic", "depth-anything-v2-relative")
	if dyn.Manifest.Input.Fit != models.FitKeepAspect || !dyn.Depth.DynamicInput() {
		t.Fatalf("dynamic export imported with fit %q, dynamic %v", dyn.Manifest.Input.Fit, dyn.Depth.DynamicInput())
	}
	world2, cam2 := simDrive(t, 700, 518, 1, 44)
	if err := world2.Render(0, &f); err != nil {
		t.Fatal(err)
	}
	img2, _ := codedImage(f.Depth, 700, 518, 1, 0, 3)
	p, err := pipeline.New(cfg, dyn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := p.ProcessImage(img2, &cam2)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := dyn.Depth.InputSize(); w != 700 || h != 518 || res.Width != 700 || res.Height != 518 {
		t.Fatalf("keep_aspect: tensor %dx%d, depth %dx%d; want 700x518", w, h, res.Width, res.Height)
	}
	if e, _ := absRel(t, res.Depth, f.Depth, nil, 80); e > 1e-4 {
		t.Fatalf("dynamic export AbsRel %.2e, want exact", e)
	}
	if w, h := pipeline.KeepAspectSize(640, 480, 518, 518, 14); w != 686 || h != 518 {
		t.Fatalf("KeepAspectSize(640x480) = %dx%d, want 686x518 (Depth Anything's lower-bound resize)", w, h)
	}
}

// Metric3D: letterboxed (the padding is not published) and scaled by f_cam/1000.
func TestMetric3DLetterboxAndCanonicalFocal(t *testing.T) {
	model := importBYO(t, "metric3d_vit_small", "metric3d-v2")
	// A 1000×616 camera fits the 1064×616 input unscaled: 32 px of padding each side, and the
	// coded pixels reach the graph untouched.
	const w, h = 1000, 616
	world, cam := simDrive(t, w, h, 1, 45)
	var f sim.Frame
	if err := world.Render(0, &f); err != nil {
		t.Fatal(err)
	}
	// The graph's output is depth of a camera with a 1000 px focal length: code that camera's
	// disparity, f_cam/1000 times ours.
	img, _ := codedImage(f.Depth, w, h, 300/canonical, 0, 4)
	p, err := pipeline.New(pipeline.Config{}, model)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := p.ProcessImage(img, &cam)
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != w || res.Height != h || res.DepthInfo.Width != w || res.DepthInfo.K[2] != cam.PublishedIntrinsics().Cx {
		t.Fatalf("letterbox: depth %dx%d, depth/camera_info %dx%d cx %v; want the camera's %dx%d and cx",
			res.Width, res.Height, res.DepthInfo.Width, res.DepthInfo.Height, res.DepthInfo.K[2], w, h)
	}
	if math.Abs(res.Scale-0.3) > 1e-9 {
		t.Fatalf("focal scale %v, want f_cam/1000 = 0.3", res.Scale)
	}
	if e, _ := absRel(t, res.Depth, f.Depth, nil, 80); e > 1e-4 {
		t.Fatalf("Metric3D-like AbsRel %.2e, want exact", e)
	}
}

// Confidence and sky outputs invalidate pixels; an intrinsics input receives the camera.
func TestConfidenceMaskAndIntrinsicsInputs(t *testing.T) {
	if _, err := models.InitRuntime(""); err != nil {
		t.Fatal(err)
	}
	// confidence_mask: depth = 1 + R/8, confidence = G/255, sky = B > 127.
	dir := testmodel.CopyDir(t, testmodel.BYO(t, "confidence_mask"))
	man := "name: conf\ndepth: {file: confidence_mask.onnx, input: image, output: depth, confidence_output: confidence, mask_output: sky}\n" +
		"input: {width: 640, height: 192, color: rgb, scale: 0.00392156862745098, mean: [0,0,0], std: [1,1,1]}\n" +
		"output: {kind: depth, min_confidence: 0.5}\n"
	writeFile(t, dir+"/model.yaml", man)
	model, err := models.Open(dir, models.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	img := &msgs.Image{Width: 640, Height: 192, Encoding: "rgb8", Step: 1920, Data: make([]byte, 3*640*192)}
	for i := 0; i < 640*192; i++ {
		img.Data[3*i] = byte(i % 200)
		img.Data[3*i+1] = byte(255 * (i % 3) / 2) // 0, 127, 255: confidence 0, 0.498, 1
		if (i/640)%4 == 0 {
			img.Data[3*i+2] = 200 // sky
		}
	}
	p, err := pipeline.New(pipeline.Config{ScaleMode: pipeline.ScaleNone}, model)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	res, err := p.ProcessImage(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range res.Depth {
		valid := i%3 == 2 && (i/640)%4 != 0
		want := float32(1 + float64(i%200)/8)
		if valid != (d == d) || (valid && math.Abs(float64(d-want)) > 1e-5) {
			t.Fatalf("pixel %d: depth %v, want valid=%v %v", i, d, valid, want)
		}
	}

	// intrinsics_vec: depth = (1/disp)·fx/500, with fx given through the [1,4] input.
	dir = testmodel.CopyDir(t, testmodel.BYO(t, "intrinsics_vec"))
	writeFile(t, dir+"/model.yaml", "name: intr\ndepth: {file: intrinsics_vec.onnx, input: image, output: depth, intrinsics_input: intrinsics}\n"+
		"input: {width: 640, height: 192, color: rgb, scale: 0.00392156862745098, mean: [0,0,0], std: [1,1,1]}\noutput: {kind: depth}\n")
	im, err := models.Open(dir, models.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	pi, err := pipeline.New(pipeline.Config{ScaleMode: pipeline.ScaleNone}, im)
	if err != nil {
		t.Fatal(err)
	}
	defer pi.Close()
	depth := make([]float32, 640*192)
	for i := range depth {
		depth[i] = 2 + float32(i%640)/40
	}
	coded, _ := codedImage(depth, 640, 192, 1, 0, 5)
	cam := calibration.PinholeCamera(640, 192, calibration.Intrinsics{Fx: 400, Fy: 400, Cx: 319.5, Cy: 95.5})
	res, err = pi.ProcessImage(coded, &cam)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := absRel(t, res.Depth, scaled(depth, 400.0/500), nil, 100); e > 1e-5 {
		t.Fatalf("intrinsics input: AbsRel %.2e against depth·fx/500", e)
	}
	if _, err := pi.ProcessImage(coded, nil); err == nil || !strings.Contains(err.Error(), "intrinsics_input") {
		t.Fatalf("no camera_info for a model that takes intrinsics: %v", err)
	}
}

// Scale modes that cannot make a model metric, and fits its graph cannot take, are refused.
func TestBYOBadConfigurations(t *testing.T) {
	model := importBYO(t, "da2_relative", "depth-anything-v2-relative")
	for _, tc := range []struct {
		cfg  pipeline.Config
		want string
	}{
		{pipeline.Config{}, "which scale_mode focal cannot make metric"},
		{pipeline.Config{ScaleMode: pipeline.ScaleFixed, FixedScale: 2}, "use camera_height"},
		{pipeline.Config{ScaleMode: pipeline.ScaleFixedAffine, FixedScale: 1, Fit: pipeline.FitKeepAspect}, "keep_aspect needs a graph with dynamic input"},
		{pipeline.Config{ScaleMode: pipeline.ScaleFixedAffine, FixedScale: 1, Fit: "squash"}, `fit "squash" unknown`},
		{pipeline.Config{ScaleMode: pipeline.ScaleFixedAffine, FixedScale: -1}, "fixed factor -1"},
	} {
		p, err := pipeline.New(tc.cfg, model)
		if err == nil {
			p.Close()
			t.Errorf("%+v accepted", tc.cfg)
		} else if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func scaled(d []float32, s float32) []float32 {
	out := make([]float32, len(d))
	for i, v := range d {
		out[i] = v * s
	}
	return out
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
