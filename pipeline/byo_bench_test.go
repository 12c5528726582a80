package pipeline_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// Pipeline overhead on a user's own network (model contract v2): a ViT-S/14-shaped graph at
// 518×518 (the Depth Anything V2 Small signature, random weights) under the
// depth-anything-v2-relative preset, fed a 640×480 camera. The reference is a bare ONNX Runtime
// Run of the same opened model on the same input tensor, timed in the same iterations
// (interleaved, alternating which goes first) so that machine load hits both alike. The goal is a
// pipeline/run ratio of medians ≤ 1.05.

// openBYOBench generates (or reuses) the named graph, writes its manifest with the preset into a
// copy of its folder and opens it with threads intra-op threads.
func openBYOBench(b *testing.B, graph, preset string, threads int) *models.Model {
	b.Helper()
	if _, err := models.InitRuntime(""); err != nil {
		b.Fatalf("ONNX Runtime is required: %v (run `make setup`)", err)
	}
	dir := testmodel.CopyDir(b, testmodel.BYO(b, graph))
	m, err := models.Import(dir+"/"+graph+".onnx", preset)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := models.WriteManifest(dir, m, true); err != nil {
		b.Fatal(err)
	}
	model, err := models.Open(dir, models.SessionConfig{IntraOpThreads: threads})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(model.Close)
	return model
}

// texturedImage is a w×h rgb8 picture with detail at several scales (a camera's, roughly): a
// smooth gradient, a checkerboard and per-pixel noise.
func texturedImage(w, h int) *msgs.Image {
	img := &msgs.Image{Width: uint32(w), Height: uint32(h), Encoding: "rgb8", Step: uint32(3 * w), Data: make([]byte, 3*w*h)}
	seed := uint32(12345)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed = seed*1664525 + 1013904223
			noise := int(seed>>24) % 32
			check := 0
			if (x/16+y/16)%2 == 0 {
				check = 60
			}
			i := 3 * (y*w + x)
			img.Data[i] = byte(min(255, 40+x*120/w+check+noise))
			img.Data[i+1] = byte(min(255, 40+y*120/h+check+noise))
			img.Data[i+2] = byte(min(255, 40+(x+y)*60/(w+h)+check/2+noise))
		}
	}
	return img
}

func medianMs(d []time.Duration) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	m := s[n/2]
	if n%2 == 0 {
		m = (s[n/2-1] + s[n/2]) / 2
	}
	return float64(m) / 1e6
}

func BenchmarkBYOViTS518Pipeline(b *testing.B) {
	const w, h = 640, 480
	model := openBYOBench(b, "vit_s_518", "depth-anything-v2-relative", 2)
	cfg := pipeline.Config{
		Fit:        pipeline.FitStretch,
		ScaleMode:  pipeline.ScaleFixedAffine,
		FixedScale: 1,
		FixedShift: 0.1,
		Points:     true,
	}
	p, err := pipeline.New(cfg, model)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	img := texturedImage(w, h)
	cam := calibration.PinholeCamera(w, h, calibration.Intrinsics{Fx: 525, Fy: 525, Cx: 319.5, Cy: 239.5})

	// Warm up both paths (first-run allocations, ONNX Runtime's own warm-up).
	res, err := p.ProcessImage(img, &cam)
	if err != nil {
		b.Fatal(err)
	}
	if res.Width != 518 || res.Height != 518 || res.Points == nil {
		b.Fatalf("frame: %dx%d depth, points %v; want 518x518 with a cloud", res.Width, res.Height, res.Points != nil)
	}
	if err := model.Depth.Run(); err != nil {
		b.Fatal(err)
	}

	// Preallocated so that allocs/op counts the pipeline and the Run, not this bookkeeping.
	const capacity = 1024
	pipe, bare := make([]time.Duration, 0, capacity), make([]time.Duration, 0, capacity)
	pre, inf, post := make([]time.Duration, 0, capacity), make([]time.Duration, 0, capacity), make([]time.Duration, 0, capacity)
	frame := func() {
		t := time.Now()
		res, err := p.ProcessImage(img, &cam)
		if err != nil {
			b.Fatal(err)
		}
		pipe = append(pipe, time.Since(t))
		pre = append(pre, res.Timings.Decode+res.Timings.Preprocess)
		inf = append(inf, res.Timings.Inference)
		post = append(post, res.Timings.Postprocess)
	}
	run := func() {
		// The input tensor still holds the pipeline's last frame: the same input.
		t := time.Now()
		if err := model.Depth.Run(); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(t))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			frame()
			run()
		} else {
			run()
			frame()
		}
	}
	pm, rm := medianMs(pipe), medianMs(bare)
	b.ReportMetric(pm/rm, "pipeline/run")
	b.ReportMetric(pm, "pipeline-ms")
	b.ReportMetric(rm, "run-ms")
	b.ReportMetric(medianMs(pre), "pre-ms")
	b.ReportMetric(medianMs(inf), "infer-ms")
	b.ReportMetric(medianMs(post), "post-ms")
}
