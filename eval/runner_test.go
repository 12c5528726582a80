package eval

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
	// folScale and othScale, when set, put a follower (mask 128) in the left half of the top two GT rows and
	// another mover (255) in the right half, their GT at these multiples of the model's depth.
	folScale, othScale float64
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
	if s.folScale > 0 {
		for y := 0; y < 2; y++ {
			for x := 0; x < 32; x++ {
				k := y*32 + x
				if x < 16 {
					mask[k], gt[k] = 128, float32(s.folScale*float64(d)/s.gtScale)
				} else {
					mask[k], gt[k] = 255, float32(s.othScale*float64(d)/s.gtScale)
				}
			}
		}
	}
	return &Frame{Index: i, Stamp: img.Header.Stamp, Image: img, GTDepth: gt, GTW: 32, GTH: 16, Mask: mask}, nil
}

func tinyPipeline(t *testing.T) *pipeline.Pipeline {
	return tinyPipelineWith(t, pipeline.Config{ScaleMode: pipeline.ScaleNone, Pose: true})
}

func tinyPipelineWith(t *testing.T, cfg pipeline.Config) *pipeline.Pipeline {
	m, err := models.Open(filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny"),
		models.SessionConfig{IntraOpThreads: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("%v (run `make setup`)", err)
	}
	t.Cleanup(m.Close)
	p, err := pipeline.New(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// TestAutoScalingIsMetricFirst: a pipeline whose depth claims metres (scale mode fixed) is scored
// unscaled, with median-scaled numbers beside it; the tiny model without a metric scale is
// median-scaled; the protocol says which and why, and no meaningless "ratio 1.000 ± 0.000" line
// is printed for unscaled numbers.
func TestAutoScalingIsMetricFirst(t *testing.T) {
	proto := Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleAuto}
	// The prediction is half the GT: unscaled AbsRel 0.5; median-scaled 0 with ratio 2.
	metric := tinyPipelineWith(t, pipeline.Config{ScaleMode: pipeline.ScaleFixed, FixedScale: 1})
	res, err := Run(&greySource{n: 4, gtScale: 2}, metric, RunConfig{Protocol: proto})
	if err != nil {
		t.Fatal(err)
	}
	if res.Protocol.Scaling != "none" || res.Protocol.Secondary != "median" || !strings.Contains(res.Protocol.ScalingReason, "fixed") {
		t.Fatalf("protocol %+v", res.Protocol)
	}
	if math.Abs(res.All.AbsRel-0.5) > 1e-5 || res.Secondary == nil || res.Secondary.All.AbsRel > 1e-5 || math.Abs(res.Secondary.RatioMean-2) > 1e-4 {
		t.Fatalf("unscaled %v, median-scaled %+v", res.All.AbsRel, res.Secondary)
	}
	sum := res.Summary()
	if !strings.Contains(sum, "metric, unscaled") || !strings.Contains(sum, "median-scaled per image, for comparison") || strings.Contains(sum, "scale ratio (GT/pred)") {
		t.Fatalf("summary:\n%s", sum)
	}
	if res.Protocol.FramesScored != 4 || res.Protocol.FramesSkipped != 0 || res.Protocol.GTMax != 80 || res.Protocol.Crop != "none" {
		t.Fatalf("protocol %+v", res.Protocol)
	}
	relative, err := Run(&greySource{n: 4, gtScale: 2}, tinyPipeline(t), RunConfig{Protocol: proto})
	if err != nil {
		t.Fatal(err)
	}
	if relative.Protocol.Scaling != "median" || relative.Secondary != nil || relative.All.AbsRel > 1e-5 {
		t.Fatalf("relative model: protocol %+v, abs_rel %v", relative.Protocol, relative.All.AbsRel)
	}
	// The JSON carries the protocol and the second view.
	dir := t.TempDir()
	if err := WriteReport(dir, res); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ResultsFile))
	var j struct {
		Protocol     map[string]any `json:"protocol"`
		MedianScaled *struct {
			All MeanMetrics `json:"all"`
		} `json:"median_scaled"`
	}
	if err := json.Unmarshal(data, &j); err != nil || j.Protocol["scaling"] != "none" || j.MedianScaled == nil || j.MedianScaled.All.Frames != 4 {
		t.Fatalf("results.json: %v\n%s", err, data)
	}
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

// readJSON decodes a results.json into a map, to see which keys it has.
func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// readCSVColumn returns one column of a frames.csv by its header.
func readCSVColumn(t *testing.T, path, name string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], name)
	if col < 0 {
		t.Fatalf("%s has no column %s: %v", path, name, recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[col])
	}
	return out
}

// A recording whose masks mark followers reports them and the other movers apart, in the result, in
// results.json (beside "dynamic", same fields), in report.md and per frame in frames.csv; one with 255 on
// every mover has none of it. Predictions at 1/2 and 1/4 of GT score AbsRel 0.5 and 0.75.
func TestRunReportsFollowersApart(t *testing.T) {
	proto := RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone}}
	res, err := Run(&greySource{n: 3, gtScale: 1, folScale: 2, othScale: 4}, tinyPipeline(t), proto)
	if err != nil {
		t.Fatal(err)
	}
	if res.Followers == nil || res.OtherMovers == nil {
		t.Fatalf("followers %v, other movers %v: want both", res.Followers, res.OtherMovers)
	}
	if f, o := *res.Followers, *res.OtherMovers; f.Frames != 3 || f.Pixels != 3*32 || math.Abs(f.AbsRel-0.5) > 1e-5 ||
		o.Frames != 3 || o.Pixels != 3*32 || math.Abs(o.AbsRel-0.75) > 1e-5 {
		t.Fatalf("followers %+v, other movers %+v; want AbsRel 0.5 and 0.75 over 3 frames of 32 pixels", f, o)
	}
	// Dynamic is the union; the one pixel of mask[0] is a follower's now.
	if d := res.Dynamic; d.Frames != 3 || d.Pixels != 3*64 || math.Abs(d.AbsRel-0.625) > 1e-5 {
		t.Fatalf("dynamic %+v, want AbsRel 0.625 over 3 frames of 64 pixels", d)
	}
	dir := filepath.Join(t.TempDir(), "split")
	if err := WriteReport(dir, res); err != nil {
		t.Fatal(err)
	}
	j := readJSON(t, filepath.Join(dir, ResultsFile))
	for _, k := range []struct {
		key    string
		absRel float64
	}{{"followers", 0.5}, {"other_movers", 0.75}} {
		m, ok := j[k.key].(map[string]any)
		if !ok {
			t.Fatalf("results.json has no %q object: %v", k.key, j)
		}
		for field := range j["dynamic"].(map[string]any) {
			if _, ok := m[field]; !ok {
				t.Errorf("%s lacks %s, which dynamic has", k.key, field)
			}
		}
		if m["frames"] != 3.0 || math.Abs(m["abs_rel"].(float64)-k.absRel) > 1e-5 {
			t.Errorf("%s: %v", k.key, m)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportFile))
	if !regexp.MustCompile(`(?m)^followers +0\.5000 `).Match(md) || !regexp.MustCompile(`(?m)^other_movers +0\.7500 `).Match(md) {
		t.Errorf("report.md lacks the follower and other-mover rows:\n%s", md)
	}
	for _, c := range []struct {
		col  string
		want float64
	}{{"followers_abs_rel", 0.5}, {"other_movers_abs_rel", 0.75}} {
		vals := readCSVColumn(t, filepath.Join(dir, FramesFile), c.col)
		for i, v := range vals {
			if x, err := strconv.ParseFloat(v, 64); err != nil || math.Abs(x-c.want) > 1e-5 {
				t.Errorf("frames.csv %s row %d: %q, want %v", c.col, i, v, c.want)
			}
		}
	}

	// 255 on every mover: no split anywhere, not zeros.
	res, err = Run(&greySource{n: 2, gtScale: 2}, tinyPipeline(t), proto)
	if err != nil {
		t.Fatal(err)
	}
	if res.Followers != nil || res.OtherMovers != nil || res.Dynamic.Frames != 2 {
		t.Fatalf("binary masks: followers %v, other movers %v, dynamic %+v", res.Followers, res.OtherMovers, res.Dynamic)
	}
	dir = filepath.Join(t.TempDir(), "binary")
	if err := WriteReport(dir, res); err != nil {
		t.Fatal(err)
	}
	j = readJSON(t, filepath.Join(dir, ResultsFile))
	if _, ok := j["followers"]; ok {
		t.Errorf("binary masks: results.json has followers: %v", j["followers"])
	}
	if _, ok := j["other_movers"]; ok {
		t.Errorf("binary masks: results.json has other_movers: %v", j["other_movers"])
	}
	if md, _ := os.ReadFile(filepath.Join(dir, ReportFile)); bytes.Contains(md, []byte("followers")) || bytes.Contains(md, []byte("other_movers")) {
		t.Errorf("binary masks: report.md has a split:\n%s", md)
	}
	for _, col := range []string{"followers_abs_rel", "other_movers_abs_rel"} {
		if vals := readCSVColumn(t, filepath.Join(dir, FramesFile), col); !slices.Equal(vals, []string{"", ""}) {
			t.Errorf("binary masks: frames.csv %s %q, want empty", col, vals)
		}
	}
}

// Merging two recordings with followers gives each set's per-frame mean over both (3 frames at follower
// AbsRel 0.5 and other-mover 0.75, 5 frames the other way round); a third recording without followers adds to
// dynamic but not to the split. The merged results.json and its per-recording entries carry it.
func TestMergeFollowersAndOtherMovers(t *testing.T) {
	proto := RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone}}
	var saved []*Saved
	for i, src := range []*greySource{{n: 3, gtScale: 1, folScale: 2, othScale: 4}, {n: 5, gtScale: 1, folScale: 4, othScale: 2}, {n: 2, gtScale: 2}} {
		res, err := Run(src, tinyPipeline(t), proto)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), fmt.Sprint("r", i))
		if err := WriteReport(dir, res); err != nil {
			t.Fatal(err)
		}
		s, err := LoadSaved(dir)
		if err != nil {
			t.Fatal(err)
		}
		if (s.Results.Followers != nil) != (src.folScale > 0) {
			t.Fatalf("recording %d read back with followers %v", i, s.Results.Followers)
		}
		saved = append(saved, s)
	}
	m := Merge(saved)
	wantF, wantO := (3*0.5+5*0.75)/8, (3*0.75+5*0.5)/8
	if m.Followers == nil || m.OtherMovers == nil {
		t.Fatalf("merged: followers %v, other movers %v", m.Followers, m.OtherMovers)
	}
	if f, o := *m.Followers, *m.OtherMovers; f.Frames != 8 || f.Pixels != 8*32 || math.Abs(f.AbsRel-wantF) > 1e-5 ||
		o.Frames != 8 || o.Pixels != 8*32 || math.Abs(o.AbsRel-wantO) > 1e-5 {
		t.Fatalf("merged followers %+v (want AbsRel %v), other movers %+v (want %v), over 8 frames of 32 pixels", f, wantF, o, wantO)
	}
	if m.Dynamic.Frames != 10 || m.Frames != 10 {
		t.Fatalf("merged dynamic frames %d of %d, want 10 of 10", m.Dynamic.Frames, m.Frames)
	}
	out := t.TempDir()
	if err := WriteMerged(out, m); err != nil {
		t.Fatal(err)
	}
	j := readJSON(t, filepath.Join(out, ResultsFile))
	f, ok := j["followers"].(map[string]any)
	if o, ok2 := j["other_movers"].(map[string]any); !ok || !ok2 || f["frames"] != 8.0 || o["frames"] != 8.0 ||
		math.Abs(f["abs_rel"].(float64)-wantF) > 1e-5 || math.Abs(o["abs_rel"].(float64)-wantO) > 1e-5 {
		t.Fatalf("merged results.json: followers %v, other movers %v", j["followers"], j["other_movers"])
	}
	per := j["per_recording"].([]any)
	for i, want := range []bool{true, true, false} {
		if _, has := per[i].(map[string]any)["followers"]; has != want {
			t.Errorf("per_recording[%d] has followers: %v, want %v", i, has, want)
		}
	}
	if sum := m.Summary(); !strings.Contains(sum, "followers") || !strings.Contains(sum, "other_movers") {
		t.Errorf("merged summary lacks the split:\n%s", sum)
	}
	// Merging only recordings without followers has no split.
	if m := Merge(saved[2:]); m.Followers != nil || m.OtherMovers != nil || m.Dynamic.Frames != 2 {
		t.Fatalf("merged without followers: %v %v, dynamic %+v", m.Followers, m.OtherMovers, m.Dynamic)
	}
}
