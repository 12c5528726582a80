package pipeline

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
)

// openModel opens a model folder on the CPU, failing (never skipping) without ONNX Runtime.
func openModel(t testing.TB, dir string) *models.Model {
	t.Helper()
	m, err := models.Open(dir, models.SessionConfig{IntraOpThreads: 1, Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
	if err != nil {
		t.Fatalf("opening %s: %v (run `make setup` if ONNX Runtime is missing)", dir, err)
	}
	t.Cleanup(m.Close)
	return m
}

func tinyModel(t testing.TB) *models.Model {
	return openModel(t, filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny"))
}

func newPipeline(t testing.TB, cfg Config, m *models.Model) *Pipeline {
	t.Helper()
	p, err := New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// greyImage is a w×h rgb8 image of one grey level.
func greyImage(w, h int, v byte, stamp int64) *msgs.Image {
	data := bytes.Repeat([]byte{v}, 3*w*h)
	return &msgs.Image{Header: msgs.Header{Stamp: msgs.TimeFromNanos(stamp), FrameID: "cam_optical"},
		Width: uint32(w), Height: uint32(h), Encoding: "rgb8", Step: uint32(3 * w), Data: data}
}

// tinyDepth is the tiny model's metric-free depth for a grey level v (see models/testdata/make_tiny.py):
// disp = sigmoid(4/3·3·v/255 − 2), depth = 1/(1/100 + (1/0.1 − 1/100)·disp).
func tinyDepth(v float64) float64 {
	disp := 1 / (1 + math.Exp(-(4*v/255 - 2)))
	return 1 / (0.01 + (10-0.01)*disp)
}

func TestPipelineKnownAnswersWithTinyModel(t *testing.T) {
	m := tinyModel(t)
	p := newPipeline(t, Config{Points: true, Colormap: true, Pose: true, ScaleMode: ScaleFocal}, m)
	// A 32×16 camera with fx 37.12 stretched onto the 16×8 input: fx becomes 18.56 = 2 × the
	// training focal 0.58·16, so focal scale is exactly 2.
	cam := calibration.PinholeCamera(32, 16, calibration.Intrinsics{Fx: 37.12, Fy: 60, Cx: 15.5, Cy: 7.5})

	res, err := p.ProcessImage(greyImage(32, 16, 60, 1e18), &cam)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ScaleValid || math.Abs(res.Scale-2) > 1e-9 {
		t.Fatalf("focal scale %v (valid %v, %q), want 2", res.Scale, res.ScaleValid, res.ScaleNote)
	}
	want := 2 * tinyDepth(60)
	for i, d := range res.Depth {
		if math.Abs(float64(d)-want) > 1e-5*want {
			t.Fatalf("depth[%d] = %v, want %v", i, d, want)
		}
	}
	// depth image: 32FC1 little-endian metres, header kept.
	img := res.DepthImage
	if img.Encoding != "32FC1" || img.Width != 16 || img.Height != 8 || img.Step != 64 || img.Header.FrameID != "cam_optical" || img.Header.Stamp.Nanos() != 1e18 {
		t.Fatalf("depth image %s %dx%d step %d header %+v", img.Encoding, img.Width, img.Height, img.Step, img.Header)
	}
	if got := math.Float32frombits(binary.LittleEndian.Uint32(img.Data[4*37:])); got != res.Depth[37] {
		t.Fatalf("depth image pixel 37 = %v, want %v", got, res.Depth[37])
	}
	// depth/camera_info: the intrinsics of the 16×8 depth image.
	k := res.DepthInfo.K
	if res.DepthInfo.Width != 16 || math.Abs(k[0]-18.56) > 1e-9 || math.Abs(k[2]-7.5) > 1e-9 || math.Abs(k[5]-3.5) > 1e-9 || k[4] != 30 {
		t.Fatalf("depth camera_info K %v", k)
	}
	// Points: the centre-ish pixel (u=10, v=5) at depth z is z·((10−7.5)/18.56, (5−3.5)/30, 1).
	if res.Points == nil || res.Points.Width != 16 || res.Points.Height != 8 {
		t.Fatalf("points %+v", res.Points)
	}
	off := (5*16 + 10) * int(res.Points.PointStep)
	x := math.Float32frombits(binary.LittleEndian.Uint32(res.Points.Data[off:]))
	z := math.Float32frombits(binary.LittleEndian.Uint32(res.Points.Data[off+8:]))
	if math.Abs(float64(z)-want) > 1e-5 || math.Abs(float64(x)-want*2.5/18.56) > 1e-5 {
		t.Fatalf("point (10,5) x=%v z=%v, want %v %v", x, z, want*2.5/18.56, want)
	}
	if res.Colormap == nil || res.Colormap.Encoding != "rgb8" {
		t.Fatalf("colormap %+v", res.Colormap)
	}
	if res.HasMotion {
		t.Fatal("motion on the first frame")
	}

	// Second frame: the tiny pose net returns 0.01 × the channel means of [prev, cur]:
	// rotation vector 0.01·60/255·(1,1,1), translation 0.01·120/255·(1,1,1) model units, × scale 2.
	res, err = p.ProcessImage(greyImage(32, 16, 120, 1e18+1e8), &cam)
	if err != nil {
		t.Fatal(err)
	}
	if !res.HasMotion {
		t.Fatal("no motion on the second frame")
	}
	r, tr := 0.01*60/255.0, 0.01*120/255.0
	wantMotion := RigidFromAxisAngle(r, r, r, 2*tr, 2*tr, 2*tr)
	for i := range wantMotion.R {
		if math.Abs(res.Motion.R[i]-wantMotion.R[i]) > 1e-6 {
			t.Fatalf("motion R %v, want %v", res.Motion.R, wantMotion.R)
		}
	}
	for i := range wantMotion.T {
		if math.Abs(res.Motion.T[i]-wantMotion.T[i]) > 1e-6 || math.Abs(res.World.T[i]-wantMotion.T[i]) > 1e-6 {
			t.Fatalf("motion T %v world T %v, want %v", res.Motion.T, res.World.T, wantMotion.T)
		}
	}
}

func TestPipelineWithoutIntrinsics(t *testing.T) {
	p := newPipeline(t, Config{Points: true, ScaleMode: ScaleFocal, DepthEncoding: Encoding16UC1}, tinyModel(t))
	res, err := p.ProcessImage(greyImage(16, 8, 200, 5), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Points != nil || res.HasIntrinsics {
		t.Fatal("points without intrinsics")
	}
	if res.ScaleValid || !strings.Contains(res.ScaleNote, "needs camera intrinsics") || res.Scale != 1 {
		t.Fatalf("scale %v valid %v note %q", res.Scale, res.ScaleValid, res.ScaleNote)
	}
	// 16UC1: millimetres, rounded.
	wantMM := uint16(math.Round(tinyDepth(200) * 1000))
	if res.DepthImage.Encoding != "16UC1" || binary.LittleEndian.Uint16(res.DepthImage.Data[6:]) != wantMM {
		t.Fatalf("16UC1 pixel = %d, want %d", binary.LittleEndian.Uint16(res.DepthImage.Data[6:]), wantMM)
	}
}

func TestPipelineFixedScaleAndClamp(t *testing.T) {
	p := newPipeline(t, Config{ScaleMode: ScaleFixed, FixedScale: 10, MaxDepth: 5}, tinyModel(t))
	res, err := p.ProcessImage(greyImage(16, 8, 0, 5), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 10 × 0.833 m = 8.3 m, clamped to 5.
	if res.Scale != 10 || res.Depth[0] != 5 {
		t.Fatalf("scale %v depth %v", res.Scale, res.Depth[0])
	}
}

func TestPipelineBadInputKeepsRunning(t *testing.T) {
	p := newPipeline(t, Config{}, tinyModel(t))
	bad := greyImage(16, 8, 10, 1)
	bad.Step = 20
	if _, err := p.ProcessImage(bad, nil); err == nil || !strings.Contains(err.Error(), "step 20") {
		t.Fatalf("short step: %v", err)
	}
	unknown := greyImage(16, 8, 10, 1)
	unknown.Encoding = "hsv8"
	if _, err := p.ProcessImage(unknown, nil); err == nil || !strings.Contains(err.Error(), `unknown encoding "hsv8"`) {
		t.Fatalf("unknown encoding: %v", err)
	}
	short := greyImage(16, 8, 10, 1)
	short.Data = short.Data[:100]
	if _, err := p.ProcessImage(short, nil); err == nil {
		t.Fatal("truncated data accepted")
	}
	huge := greyImage(16, 8, 10, 1)
	huge.Width, huge.Height, huge.Step = 1<<20, 1<<20, 3<<20
	if _, err := p.ProcessImage(huge, nil); err == nil {
		t.Fatal("1M×1M image accepted")
	}
	if _, err := p.ProcessCompressed(&msgs.CompressedImage{Format: "jpeg", Data: []byte("not a jpeg")}, nil); err == nil {
		t.Fatal("garbage JPEG accepted")
	}
	// The pipeline still works after all that.
	if res, err := p.ProcessImage(greyImage(48, 8, 10, 1), nil); err != nil || len(res.Depth) != 16*8 {
		t.Fatalf("after bad frames: %v", err)
	}
}

func TestPipelineConfigErrors(t *testing.T) {
	m := tinyModel(t)
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Fit: "zoom"}, `fit "zoom" unknown`},
		{Config{ScaleMode: "magic"}, `unknown mode "magic"`},
		{Config{ScaleMode: ScaleFixed}, "scale"},
		{Config{ScaleMode: ScaleCameraHeight}, "camera"},
		{Config{DepthEncoding: "8UC1"}, `depth_encoding "8UC1"`},
		{Config{MinDepth: 3, MaxDepth: 2}, "not a range"},
	}
	for _, c := range cases {
		if _, err := New(c.cfg, m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
	}
}

// TestParityWithPyTorch runs a real exported student through the Go pipeline and the recipe's
// PyTorch reference on the same input tensors: disparity, depth and pose must agree to 1e-4.
func TestParityWithPyTorch(t *testing.T) {
	for _, spec := range []testmodel.Spec{testmodel.Lite, testmodel.ResNet18} {
		t.Run(spec.Encoder, func(t *testing.T) { checkParity(t, spec) })
	}
}

func checkParity(t *testing.T, spec testmodel.Spec) {
	dir := testmodel.Ensure(t, spec)
	m := openModel(t, dir)
	p := newPipeline(t, Config{Pose: true, ScaleMode: ScaleNone}, m)
	w, h := m.Manifest.Input.Width, m.Manifest.Input.Height

	// Two frames of a textured scene moving sideways by 3 px.
	frame := func(shift int) *msgs.Image {
		img := &msgs.Image{Width: uint32(2 * w), Height: uint32(2 * h), Encoding: "rgb8", Step: uint32(6 * w)}
		img.Data = make([]byte, int(img.Step)*2*h)
		for y := 0; y < 2*h; y++ {
			for x := 0; x < 2*w; x++ {
				u := float64(x + shift)
				i := y*int(img.Step) + 3*x
				img.Data[i] = byte(128 + 100*math.Sin(u/7)*math.Cos(float64(y)/5))
				img.Data[i+1] = byte(y * 255 / (2 * h))
				img.Data[i+2] = byte(int(u*3) % 256)
			}
		}
		return img
	}
	if _, err := p.ProcessImage(frame(0), nil); err != nil {
		t.Fatal(err)
	}
	prevTensor := append([]float32(nil), m.Depth.Input()...)
	res, err := p.ProcessImage(frame(3), nil)
	if err != nil {
		t.Fatal(err)
	}
	cur := m.Depth.Input()
	goDisp := m.Depth.Output()
	goPose := m.Pose.Output()

	tmp := t.TempDir()
	in, frames := filepath.Join(tmp, "image.npy"), filepath.Join(tmp, "frames.npy")
	must(t, fileio.WriteNPYFile(in, []int{1, 3, h, w}, cur))
	must(t, fileio.WriteNPYFile(frames, []int{1, 6, h, w}, append(prevTensor, cur...)))
	outDisp, outPose := filepath.Join(tmp, "disp.npy"), filepath.Join(tmp, "pose.npy")
	testmodel.RunReference(t, "--model", dir, "--image", in, "--out-disp", outDisp, "--frames", frames, "--out-pose", outPose)
	_, ptDisp, err := fileio.ReadNPYFile(outDisp)
	must(t, err)
	_, ptPose, err := fileio.ReadNPYFile(outPose)
	must(t, err)

	if len(ptDisp) != len(goDisp) {
		t.Fatalf("PyTorch disp has %d values, Go %d", len(ptDisp), len(goDisp))
	}
	var worstDisp, worstDepth float64
	minD, maxD := m.Manifest.Output.MinDepth, m.Manifest.Output.MaxDepth
	for i := range ptDisp {
		worstDisp = math.Max(worstDisp, math.Abs(float64(goDisp[i])-float64(ptDisp[i]))/math.Abs(float64(ptDisp[i])))
		ref := 1 / (1/maxD + (1/minD-1/maxD)*float64(ptDisp[i]))
		worstDepth = math.Max(worstDepth, math.Abs(float64(res.Depth[i])-ref)/ref)
	}
	// Pose components can be tiny, so compare each against the largest (|a−b| ≤ 1e-4·max|b|).
	var maxPose, worstPose float64
	for _, v := range ptPose {
		maxPose = math.Max(maxPose, math.Abs(float64(v)))
	}
	for i := range ptPose {
		worstPose = math.Max(worstPose, math.Abs(float64(goPose[i])-float64(ptPose[i]))/maxPose)
	}
	t.Logf("parity %s: disp max rel %.2e, depth max rel %.2e, pose max rel %.2e (pose %v)", m.Manifest.Name, worstDisp, worstDepth, worstPose, ptPose)
	if worstDisp > 1e-4 || worstDepth > 1e-4 || worstPose > 1e-4 {
		t.Fatalf("Go and PyTorch disagree: disp %.2e, depth %.2e, pose %.2e (limit 1e-4)", worstDisp, worstDepth, worstPose)
	}
	// The check is meaningful only if the net's output varies with its input.
	lo, hi := ptDisp[0], ptDisp[0]
	for _, v := range ptDisp {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi-lo < 0.05 || maxPose == 0 {
		t.Fatalf("reference output nearly constant (disp %v..%v, pose max %v): parity would prove nothing", lo, hi, maxPose)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPipelineReconfigure: scale, clamp and cloud settings change from the next frame; what
// shapes the buffers cannot change, and a refused configuration leaves the running one alone.
func TestPipelineReconfigure(t *testing.T) {
	p := newPipeline(t, Config{ScaleMode: ScaleFixed, FixedScale: 10, MaxDepth: 5}, tinyModel(t))
	img := greyImage(16, 8, 0, 5)
	if res, err := p.ProcessImage(img, nil); err != nil || res.Depth[0] != 5 {
		t.Fatalf("before: %v %v", res.Depth[0], err)
	}
	if err := p.Reconfigure(Config{ScaleMode: ScaleFixed, FixedScale: 2, MaxDepth: 0}); err != nil {
		t.Fatal(err)
	}
	res, err := p.ProcessImage(img, nil)
	if want := float32(2 * tinyDepth(0)); err != nil || res.Scale != 2 || math.Abs(float64(res.Depth[0]-want)) > 1e-5 {
		t.Fatalf("after: scale %v depth %v (want %v), %v", res.Scale, res.Depth[0], want, err)
	}
	for _, bad := range []Config{
		{ScaleMode: ScaleFixed, FixedScale: 2, DepthEncoding: Encoding16UC1},
		{ScaleMode: ScaleFixed, FixedScale: 2, Fit: FitCropCenter},
		{ScaleMode: ScaleFixedAffine, FixedScale: 2}, // the tiny model is not affine
		{ScaleMode: ScaleFixed, FixedScale: -1},
	} {
		if _, err := p.Check(bad); err == nil {
			t.Errorf("Check(%+v) accepted it", bad)
		}
		if err := p.Reconfigure(bad); err == nil {
			t.Errorf("Reconfigure(%+v) accepted it", bad)
		}
	}
	if res, err := p.ProcessImage(img, nil); err != nil || res.Scale != 2 {
		t.Fatalf("a refused reconfiguration changed the scale to %v (%v)", res.Scale, err)
	}
	if err := p.Reconfigure(Config{ScaleMode: ScaleNone, MinDepth: 1}); err != nil {
		t.Fatal(err)
	}
	if res, err := p.ProcessImage(img, nil); err != nil || res.Scale != 1 || res.Depth[0] != 1 {
		t.Fatalf("scale none with min_depth 1: scale %v depth %v, %v", res.Scale, res.Depth[0], err)
	}
}

// TestParallelPoseMatchesSequential: with the pose net beside the depth net, every frame's depth,
// motion and trajectory equal the sequential path's bit for bit (the two nets share no state).
func TestParallelPoseMatchesSequential(t *testing.T) {
	m1, m2 := tinyModel(t), tinyModel(t)
	seq := newPipeline(t, Config{Pose: true}, m1)
	par := newPipeline(t, Config{Pose: true, ParallelPose: true}, m2)
	for n := 0; n < 6; n++ {
		img := benchImage("rgb8", 32, 16)
		for i := range img.Data {
			img.Data[i] = byte((i*7 + n*31) % 256)
		}
		a, err := seq.ProcessImage(img, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := par.ProcessImage(img, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.HasMotion != b.HasMotion || a.Motion != b.Motion || a.World != b.World {
			t.Fatalf("frame %d: motion %v %+v / %+v, world %+v / %+v", n, a.HasMotion, a.Motion, b.Motion, a.World, b.World)
		}
		for i := range a.Depth {
			if a.Depth[i] != b.Depth[i] {
				t.Fatalf("frame %d: depth[%d] %v sequential, %v parallel", n, i, a.Depth[i], b.Depth[i])
			}
		}
		if n > 0 && !a.HasMotion {
			t.Fatalf("frame %d has no motion: the pose net did not run", n)
		}
	}
}

// TestIntrinsicsNoteWhenCameraInfoIsOfAnotherSize: a camera_info for another image size is scaled to
// the image, and the result says so; a matching one leaves no note.
func TestIntrinsicsNoteWhenCameraInfoIsOfAnotherSize(t *testing.T) {
	p := newPipeline(t, Config{}, tinyModel(t))
	img := benchImage("rgb8", 32, 16)
	other := calibration.PinholeCamera(64, 32, calibration.Intrinsics{Fx: 40, Fy: 40, Cx: 31.5, Cy: 15.5})
	res, err := p.ProcessImage(img, &other)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.IntrinsicsNote, "64x32") || !strings.Contains(res.IntrinsicsNote, "32x16") {
		t.Fatalf("note %q", res.IntrinsicsNote)
	}
	same := calibration.PinholeCamera(32, 16, calibration.Intrinsics{Fx: 20, Fy: 20, Cx: 15.5, Cy: 7.5})
	if res, err = p.ProcessImage(img, &same); err != nil || res.IntrinsicsNote != "" {
		t.Fatalf("matching camera_info: note %q, %v", res.IntrinsicsNote, err)
	}
}
