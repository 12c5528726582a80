package eval

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
	"github.com/ssmde/ssmde/sim"
)

// greySource yields grey 16×8 frames whose GT depth is exactly twice the tiny model's depth,
// then (optionally) a read error, as a truncated recording would.
type greySource struct {
	n, next int
	fail    bool // return a read error at frame failAt
	failAt  int
	gtScale float64
}

func (s *greySource) Len() int     { return s.n }
func (s *greySource) Name() string { return "grey" }
func (s *greySource) Close() error { return nil }
func (s *greySource) Next() (*Frame, error) {
	if s.fail && s.next == s.failAt {
		return nil, errors.New("unexpected end of chunk at byte 1234")
	}
	if s.next >= s.n {
		return nil, io.EOF
	}
	i := s.next
	s.next++
	v := byte(40 + 10*i)
	img := &msgs.Image{Header: msgs.Header{Stamp: msgs.TimeFromNanos(int64(i) * 1e8)}, Width: 16, Height: 8, Encoding: "mono8", Step: 16,
		Data: bytes.Repeat([]byte{v}, 128)}
	// The tiny model: disp = sigmoid(4v/255 − 2), depth = 1/(0.01 + 9.99·disp).
	disp := 1 / (1 + math.Exp(-(4*float64(v)/255 - 2)))
	d := float32(s.gtScale / (0.01 + 9.99*disp))
	gt := make([]float32, 32*16) // GT at twice the prediction's resolution
	for k := range gt {
		gt[k] = d
	}
	mask := make([]byte, len(gt))
	mask[0] = 255
	return &Frame{Index: i, Stamp: img.Header.Stamp, Image: img, GTDepth: gt, GTW: 32, GTH: 16, Mask: mask}, nil
}

func tinyPipeline(t *testing.T) *pipeline.Pipeline {
	m, err := models.Open(filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny"),
		models.SessionConfig{IntraOpThreads: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("%v (run `make setup`)", err)
	}
	t.Cleanup(m.Close)
	p, err := pipeline.New(pipeline.Config{ScaleMode: pipeline.ScaleNone, Pose: true}, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func TestRunScoresKnownFrames(t *testing.T) {
	p := tinyPipeline(t)
	res, err := Run(&greySource{n: 6, gtScale: 2}, p, RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 6 || res.Scored != 6 || res.All.AbsRel > 1e-6 || math.Abs(res.RatioMean-2) > 1e-5 || res.RatioStd > 1e-5 {
		t.Fatalf("frames %d scored %d abs_rel %v ratio %v±%v", res.Frames, res.Scored, res.All.AbsRel, res.RatioMean, res.RatioStd)
	}
	if res.Dynamic.Pixels != 6 || res.Static.Frames != 6 {
		t.Fatalf("dynamic/static split %+v %+v", res.Dynamic, res.Static)
	}
	// Without scaling, a prediction at half the GT scores abs_rel 0.5 and δ1 0.
	res, err = Run(&greySource{n: 3, gtScale: 2}, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone}})
	if err != nil || math.Abs(res.All.AbsRel-0.5) > 1e-5 || res.All.Delta1 != 0 {
		t.Fatalf("unscaled: %+v %v", res.All, err)
	}
	if res.Latency.CameraFPS < 9.9 || res.Latency.CameraFPS > 10.1 || res.Latency.RealtimeProcessed != 3 {
		t.Fatalf("latency %+v", res.Latency)
	}
}

func TestRunTruncatedSourceKeepsEarlierFrames(t *testing.T) {
	res, err := Run(&greySource{n: 10, fail: true, failAt: 4, gtScale: 1}, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 4 || res.Scored != 4 || !strings.Contains(res.SourceError, "unexpected end of chunk") {
		t.Fatalf("frames %d scored %d source error %q", res.Frames, res.Scored, res.SourceError)
	}
	if !strings.Contains(res.Summary(), "source stopped early") {
		t.Fatalf("summary does not say so:\n%s", res.Summary())
	}
	// Damage before the first frame leaves nothing to evaluate: an error, not an empty report.
	_, err = Run(&greySource{n: 10, fail: true, failAt: 0}, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}})
	if err == nil || !strings.Contains(err.Error(), "unexpected end of chunk") {
		t.Fatalf("damage before the first frame: %v", err)
	}
}

// TestFolderReportWithSimGroundTruth evaluates a rendered drive against itself through the
// folder reader and checks that the report folder is complete.
func TestFolderReportWithSimGroundTruth(t *testing.T) {
	dir := t.TempDir()
	cfg := sim.DefaultConfig()
	cfg.Frames, cfg.Width, cfg.Height, cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 6, 128, 64, 0, 0, 0, 0
	cfg = cfg.Resolved()
	if err := sim.WriteSequence(dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	src, err := OpenFolder(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(src, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}, Samples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames != 6 || res.Scored != 6 || res.Pose == nil || res.Dynamic.Frames == 0 || len(res.Samples) != 2 {
		t.Fatalf("frames %d scored %d pose %v dynamic %+v samples %d", res.Frames, res.Scored, res.Pose, res.Dynamic, len(res.Samples))
	}
	out := filepath.Join(dir, "report")
	if err := WriteReport(out, res); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ResultsFile, FramesFile, ReportFile, SamplesPNG, DistancePNG, TrajectoryPNG, LatencyPNG} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("report lacks %s", f)
		}
	}
	// A GT depth image of another size than its mask is named in the error.
	os.Remove(filepath.Join(dir, "motion_mask", "0000000000.png"))
	os.WriteFile(filepath.Join(dir, "motion_mask", "0000000000.png"), []byte("junk"), 0o644)
	src, _ = OpenFolder(dir, 10)
	res, err = Run(src, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}})
	if err == nil || !strings.Contains(err.Error(), "0000000000.png") {
		t.Fatalf("damaged first mask: %v %+v", err, res)
	}
}

func TestCropToWindowMapsImagePixelsToGT(t *testing.T) {
	// GT at half the image resolution: an image window x 4..11, y 2..5 of 16×8 is GT x 2..5, y 1..2.
	gt := make([]float32, 8*4)
	mask := make([]byte, 8*4)
	for i := range gt {
		gt[i] = float32(i)
		mask[i] = byte(i)
	}
	f := &Frame{GTDepth: gt, GTW: 8, GTH: 4, Mask: mask}
	var b windowBuffers
	got, w, h, m := cropToWindow(f, calibration.ResizeCrop{SrcW: 16, SrcH: 8, CropX: 4, CropY: 2, CropW: 8, CropH: 4, OutW: 4, OutH: 2}, &b)
	want := []float32{10, 11, 12, 13, 18, 19, 20, 21}
	if w != 4 || h != 2 || len(got) != 8 {
		t.Fatalf("window %dx%d", w, h)
	}
	for i := range want {
		if got[i] != want[i] || m[i] != byte(want[i]) {
			t.Fatalf("window %v mask %v, want %v", got, m, want)
		}
	}
	// A stretch fit (the whole image) returns the GT itself.
	if g, _, _, _ := cropToWindow(f, calibration.ResizeCrop{SrcW: 16, SrcH: 8, CropW: 16, CropH: 8, OutW: 4, OutH: 2}, &b); &g[0] != &gt[0] {
		t.Fatal("whole-image window copied the GT")
	}
}

// TestMergeEqualsOneEvaluation: merging the reports of two recordings gives the per-frame mean
// over all their frames, as if they had been evaluated together.
func TestMergeEqualsOneEvaluation(t *testing.T) {
	proto := Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone}
	var saved []*Saved
	for _, c := range []struct {
		n     int
		scale float64
	}{{3, 2}, {5, 4}} {
		res, err := Run(&greySource{n: c.n, gtScale: c.scale}, tinyPipeline(t), RunConfig{Protocol: proto})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "r")
		if err := WriteReport(dir, res); err != nil {
			t.Fatal(err)
		}
		s, err := LoadSaved(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Latencies) != c.n {
			t.Fatalf("%d latencies read back, want %d", len(s.Latencies), c.n)
		}
		saved = append(saved, s)
	}
	m := Merge(saved)
	// A prediction at 1/2 of GT scores abs_rel 0.5, at 1/4 scores 0.75.
	want := (3*0.5 + 5*0.75) / 8
	if m.Frames != 8 || m.All.Frames != 8 || math.Abs(m.All.AbsRel-want) > 1e-6 || m.Dynamic.Frames != 8 {
		t.Fatalf("merged frames %d abs_rel %v (want %v), dynamic frames %d", m.Frames, m.All.AbsRel, want, m.Dynamic.Frames)
	}
	out := t.TempDir()
	if err := WriteMerged(out, m); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSaved(t.TempDir()); err == nil || !strings.Contains(err.Error(), ResultsFile) {
		t.Fatalf("empty folder: %v", err)
	}
}
