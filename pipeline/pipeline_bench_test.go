package pipeline

import (
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
)

// The reference for pipeline overhead (DESIGN §9) is a bare ONNX Runtime Run of the same model on
// the same input in the same process: compare BenchmarkBareDepthRun with the Frame benchmarks.

var benchLite = testmodel.Spec{Encoder: "lite", Width: 640, Height: 192, Seed: 0}

func BenchmarkBareDepthRun_lite640x192(b *testing.B) {
	m := openModel(b, testmodel.Ensure(b, benchLite))
	in := m.Depth.Input()
	for i := range in {
		in[i] = float32(i%255) / 255
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Depth.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBarePoseRun_lite640x192(b *testing.B) {
	m := openModel(b, testmodel.Ensure(b, benchLite))
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Pose.Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchFrame runs whole frames (decode → outputs) of a w×h rgb8 camera through the lite model.
func benchFrame(b *testing.B, w, h int, cfg Config) {
	m := openModel(b, testmodel.Ensure(b, benchLite))
	p := newPipeline(b, cfg, m)
	img := benchImage("rgb8", w, h)
	cam := calibration.PinholeCamera(w, h, calibration.Intrinsics{Fx: 0.58 * float64(w), Fy: 1.92 * float64(h), Cx: float64(w)/2 - 0.5, Cy: float64(h)/2 - 0.5})
	if _, err := p.ProcessImage(img, &cam); err != nil {
		b.Fatal(err)
	}
	var pre, inf, post float64
	b.ReportAllocs()
	for b.Loop() {
		res, err := p.ProcessImage(img, &cam)
		if err != nil {
			b.Fatal(err)
		}
		pre += float64(res.Timings.Decode + res.Timings.Preprocess)
		inf += float64(res.Timings.Inference)
		post += float64(res.Timings.Postprocess)
	}
	n := float64(b.N)
	b.ReportMetric(pre/n/1e6, "pre-ms/op")
	b.ReportMetric(inf/n/1e6, "infer-ms/op")
	b.ReportMetric(post/n/1e6, "post-ms/op")
}

var fullOutputs = Config{Points: true, Cloud: CloudConfig{RGB: true}, Colormap: true, Colors: ColormapConfig{Inverse: true}}

func BenchmarkFrameDepthOnly_640x192(b *testing.B)  { benchFrame(b, 640, 192, Config{}) }
func BenchmarkFrameAllOutputs_640x192(b *testing.B) { benchFrame(b, 640, 192, fullOutputs) }
func BenchmarkFrameAllOutputs_1280x720(b *testing.B) {
	benchFrame(b, 1280, 720, fullOutputs)
}
func BenchmarkFrameAllOutputsWithPose_640x192(b *testing.B) {
	cfg := fullOutputs
	cfg.Pose = true
	benchFrame(b, 640, 192, cfg)
}

func BenchmarkDepthConvertEncode32FC1_1280x720(b *testing.B) {
	conv, err := NewDepthConverter(DepthConfig{Kind: OutputSigmoidDisparity, MinDepth: 0.1, MaxDepth: 100})
	if err != nil {
		b.Fatal(err)
	}
	disp := make([]float32, 1280*720)
	for i := range disp {
		disp[i] = float32(i%1000) / 1000
	}
	depth := make([]float32, len(disp))
	var img msgs.Image
	b.ReportAllocs()
	for b.Loop() {
		conv.Convert(depth, disp, 2)
		if err := EncodeDepth32FC1(&img, msgs.Header{}, depth, 1280, 720); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFrameAllOutputsWithParallelPose_640x192: the pose net beside the depth net, one thread
// each (compare with BenchmarkFrameAllOutputsWithPose_640x192, whose nets run one after the other).
func BenchmarkFrameAllOutputsWithParallelPose_640x192(b *testing.B) {
	cfg := fullOutputs
	cfg.Pose, cfg.ParallelPose = true, true
	benchFrame(b, 640, 192, cfg)
}
