package eval

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ssmde/ssmde/fileio"
)

func TestDepthMetricsHandComputed(t *testing.T) {
	// gt 2, pred 1 and gt 4, pred 5: abs_rel = (1/2 + 1/4)/2, sq_rel = (1/2 + 1/4)/2,
	// rmse = sqrt((1+1)/2) = 1, ratios 2 and 1.25 → δ1 = 0 (1.25 is not < 1.25), δ2 = δ3 = 0.5
	// (1.25 < 1.5625 but 2 > 1.953).
	m := ComputeDepthMetrics([]float32{1, 5}, []float32{2, 4}, nil)
	want := DepthMetrics{AbsRel: 0.375, SqRel: 0.375, RMSE: 1, Delta1: 0, Delta2: 0.5, Delta3: 0.5, Pixels: 2,
		RMSELog: math.Sqrt((math.Log(2)*math.Log(2) + math.Log(0.8)*math.Log(0.8)) / 2)}
	if math.Abs(m.AbsRel-want.AbsRel) > 1e-12 || math.Abs(m.SqRel-want.SqRel) > 1e-12 || math.Abs(m.RMSE-1) > 1e-12 ||
		math.Abs(m.RMSELog-want.RMSELog) > 1e-12 || m.Delta1 != 0 || m.Delta2 != 0.5 || m.Delta3 != 0.5 || m.Pixels != 2 {
		t.Fatalf("got %+v, want %+v", m, want)
	}
	perfect := ComputeDepthMetrics([]float32{3, 7}, []float32{3, 7}, nil)
	if perfect.AbsRel != 0 || perfect.RMSE != 0 || perfect.Delta1 != 1 {
		t.Fatalf("perfect prediction scored %+v", perfect)
	}
}

func TestScorerMedianScalingCropAndMask(t *testing.T) {
	// A prediction that is GT/3 everywhere is perfect after median scaling (ratio 3).
	gw, gh := 8, 4
	gt := make([]float32, gw*gh)
	pred := make([]float32, gw*gh)
	mask := make([]byte, gw*gh)
	for i := range gt {
		gt[i] = float32(1 + i%7)
		pred[i] = gt[i] / 3
	}
	gt[0] = float32(math.NaN()) // invalid GT is skipped
	gt[1] = 100                 // beyond max depth
	mask[5], mask[6] = 255, 255
	s, err := NewScorer(Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian})
	if err != nil {
		t.Fatal(err)
	}
	f, ok, err := s.Score(pred, gw, gh, gt, gw, gh, mask)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if math.Abs(f.Ratio-3) > 1e-6 || f.All.AbsRel > 1e-6 || f.All.Pixels != gw*gh-2 || f.Dynamic.Pixels != 2 || f.Static.Pixels != gw*gh-4 {
		t.Fatalf("%+v", f)
	}
	// Crop: only the window's pixels count.
	s, _ = NewScorer(Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone, Crop: &Crop{Top: 0.5, Bottom: 1, Left: 0.5, Right: 1}})
	f, _, _ = s.Score(pred, gw, gh, gt, gw, gh, nil)
	if f.All.Pixels != 8 || math.Abs(f.All.AbsRel-2.0/3) > 1e-6 {
		t.Fatalf("crop: %+v", f.All)
	}
	// Bad sizes are errors, not panics.
	if _, _, err := s.Score(pred[:5], gw, gh, gt, gw, gh, nil); err == nil {
		t.Fatal("short prediction accepted")
	}
	if _, _, err := s.Score(pred, gw, gh, gt, gw, gh, mask[:3]); err == nil {
		t.Fatal("short mask accepted")
	}
}

// The motion mask's value splits the dynamic pixels: 1..191 are followers, 192..255 other movers. Here the
// followers' predictions are at half their GT (AbsRel 1/2) and the other movers' at three quarters (1/4);
// static pixels are exact. Each set's AbsRel is exact in binary, so it is compared with ==.
func TestScorerSplitsFollowersFromOtherMovers(t *testing.T) {
	gw, gh := 6, 2
	gt := []float32{
		4, 8, 20, 4, 8, 5,
		4, 4, 4, 4, float32(math.NaN()), 6}
	mask := []byte{
		1, 128, 191, 192, 255, 0,
		0, 0, 0, 0, 128, 0} // the last follower pixel has no valid GT
	pred := []float32{
		2, 4, 10, 3, 6, 5,
		4, 4, 4, 4, 1, 6}
	s, err := NewScorer(Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone})
	if err != nil {
		t.Fatal(err)
	}
	f, ok, err := s.Score(pred, gw, gh, gt, gw, gh, mask)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if f.Followers.Pixels != 3 || f.Followers.AbsRel != 0.5 || f.Followers.Delta1 != 0 || f.Followers.Delta3 != 0 {
		t.Errorf("followers %+v, want 3 pixels at AbsRel 0.5, δ3 0 (2 ≥ 1.25³)", f.Followers)
	}
	if f.OtherMovers.Pixels != 2 || f.OtherMovers.AbsRel != 0.25 || f.OtherMovers.Delta1 != 0 || f.OtherMovers.Delta2 != 1 {
		t.Errorf("other movers %+v, want 2 pixels at AbsRel 0.25, δ1 0 (4/3 ≥ 1.25), δ2 1", f.OtherMovers)
	}
	// Dynamic stays the union: (3·1/2 + 2·1/4)/5; static is exact.
	if f.Dynamic.Pixels != 5 || f.Dynamic.AbsRel != 2.0/5 || f.Static.Pixels != 6 || f.Static.AbsRel != 0 || f.All.Pixels != 11 {
		t.Errorf("dynamic %+v static %+v all %+v", f.Dynamic, f.Static, f.All)
	}
	// A mask with 255 on every mover (real data, older sims) has no followers: the other movers are all of dynamic.
	for i, m := range mask {
		if m != 0 {
			mask[i] = 255
		}
	}
	f, _, _ = s.Score(pred, gw, gh, gt, gw, gh, mask)
	if f.Followers.Pixels != 0 || f.OtherMovers != f.Dynamic || f.Dynamic.Pixels != 5 {
		t.Errorf("binary mask: followers %+v, other movers %+v, dynamic %+v", f.Followers, f.OtherMovers, f.Dynamic)
	}
}

// TestMetricsMatchNumpy scores random arrays here and in an independent numpy implementation of
// the Monodepth2 formulas, at another resolution so that the resize is compared too.
func TestMetricsMatchNumpy(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("%s with numpy is required: run `make setup`", python)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	gw, gh := 64, 24
	gt := make([]float32, gw*gh)
	pred := make([]float32, gw*gh)
	for i := range gt {
		gt[i] = float32(0.5 + 90*rng.Float64())
		if rng.IntN(10) == 0 {
			gt[i] = 0
		}
		pred[i] = float32(float64(gt[i])*0.4*(0.7+0.6*rng.Float64())) + 0.1
	}
	tmp := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(fileio.WriteNPYFile(filepath.Join(tmp, "gt.npy"), []int{gh, gw}, gt))
	must(fileio.WriteNPYFile(filepath.Join(tmp, "pred.npy"), []int{gh, gw}, pred))
	script := `
import json, sys, numpy as np
gt = np.load(sys.argv[1]).astype(np.float64); pred = np.load(sys.argv[2]).astype(np.float64)
h, w = gt.shape
mask = (gt > 1e-3) & (gt < 80)
crop = np.zeros_like(mask)
crop[int(0.40810811*h):int(0.99189189*h), int(0.03594771*w):int(0.96405229*w)] = True
mask &= crop
g, p = gt[mask], pred[mask]
ratio = np.median(g) / np.median(p)
p = np.clip(p * ratio, 1e-3, 80)
thresh = np.maximum(g / p, p / g)
out = dict(abs_rel=np.mean(np.abs(g - p) / g), sq_rel=np.mean((g - p) ** 2 / g), rmse=np.sqrt(np.mean((g - p) ** 2)),
           rmse_log=np.sqrt(np.mean((np.log(g) - np.log(p)) ** 2)), a1=np.mean(thresh < 1.25), a2=np.mean(thresh < 1.25 ** 2),
           a3=np.mean(thresh < 1.25 ** 3), ratio=ratio, n=int(mask.sum()))
print(json.dumps({k: float(v) for k, v in out.items()}))
`
	out, err := exec.Command(python, "-c", script, filepath.Join(tmp, "gt.npy"), filepath.Join(tmp, "pred.npy")).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy reference: %v\n%s", err, out)
	}
	var ref map[string]float64
	must(json.Unmarshal(out, &ref))
	s, _ := NewScorer(Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian, Crop: Crops["kitti-garg"]})
	f, ok, err := s.Score(pred, gw, gh, gt, gw, gh, nil)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	got := map[string]float64{"abs_rel": f.All.AbsRel, "sq_rel": f.All.SqRel, "rmse": f.All.RMSE, "rmse_log": f.All.RMSELog,
		"a1": f.All.Delta1, "a2": f.All.Delta2, "a3": f.All.Delta3, "ratio": f.Ratio, "n": float64(f.All.Pixels)}
	for k, want := range ref {
		if math.Abs(got[k]-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Errorf("%s: Go %.9g, numpy %.9g", k, got[k], want)
		}
	}
}

func TestResizeBilinearMatchesKnownValues(t *testing.T) {
	// 2×1 → 4×1: OpenCV gives [a, a+(b−a)/4, a+3(b−a)/4, b].
	dst := make([]float32, 4)
	ResizeBilinear(dst, 4, 1, []float32{0, 8}, 2, 1)
	if dst[0] != 0 || dst[1] != 2 || dst[2] != 6 || dst[3] != 8 {
		t.Fatalf("upsample %v", dst)
	}
	// 4×1 → 2×1 averages pairs.
	ResizeBilinear(dst[:2], 2, 1, []float32{0, 2, 4, 6}, 4, 1)
	if dst[0] != 1 || dst[1] != 5 {
		t.Fatalf("downsample %v", dst[:2])
	}
}

func yawPose(yaw float64, t [3]float64) Pose {
	c, s := math.Cos(yaw), math.Sin(yaw)
	return Pose{R: [9]float64{c, 0, s, 0, 1, 0, -s, 0, c}, T: t}
}

func TestATERecoversSim3(t *testing.T) {
	for _, straight := range []bool{false, true} {
		var gt, est []Pose
		for i := 0; i < 30; i++ {
			var p Pose
			if straight {
				p = yawPose(0, [3]float64{0, 0, float64(i)})
			} else {
				p = yawPose(0.05*float64(i), [3]float64{3 * math.Sin(0.1*float64(i)), 0.1 * float64(i%3), float64(i)})
			}
			gt = append(gt, p)
			// est = GT seen in another frame, at a third of the scale.
			q := p
			q.T = [3]float64{(p.T[2] + 5) / 3, p.T[1] / 3, (-p.T[0] + 1) / 3}
			est = append(est, q)
		}
		rmse, align, err := ATE(est, gt)
		if err != nil {
			t.Fatal(err)
		}
		if rmse > 1e-9 || math.Abs(align.Scale-3) > 1e-9 {
			t.Fatalf("straight=%v: ATE %v scale %v, want 0 and 3", straight, rmse, align.Scale)
		}
	}
}

func TestRPE(t *testing.T) {
	var gt, est []Pose
	for i := 0; i < 10; i++ {
		gt = append(gt, yawPose(0.1*float64(i), [3]float64{0, 0, float64(i)}))
		e := gt[i]
		e.T = [3]float64{0, 0, 0.5 * float64(i)}
		est = append(est, e)
	}
	tr, rot, err := RPE(est, gt, 1, 2)
	if err != nil || tr > 1e-9 || rot > 1e-6 {
		t.Fatalf("scaled-identical trajectories: RPE %v m %v° %v", tr, rot, err)
	}
	tr, _, _ = RPE(est, gt, 1, 1)
	if tr < 0.1 {
		t.Fatalf("half-scale trajectory has RPE %v", tr)
	}
}

// Ground truth beyond 16-bit millimetres comes as float32 .npy in metres.
func TestFolderReadsNPYGroundTruth(t *testing.T) {
	dir := t.TempDir()
	if err := fileio.PrepareSequence(dir, true, false); err != nil {
		t.Fatal(err)
	}
	rgb := make([]byte, 3*4*2)
	if err := fileio.WriteSequenceFrame(dir, 0, rgb, 4, 2, nil, nil); err != nil {
		t.Fatal(err)
	}
	gt := []float32{1, 2, 70, 79.5, 0, 3, 4, 5}
	if err := fileio.WriteNPYFile(filepath.Join(dir, fileio.SeqDepthDir, "0000000000.npy"), []int{2, 4}, gt); err != nil {
		t.Fatal(err)
	}
	src, err := OpenFolder(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	f, err := src.Next()
	if err != nil {
		t.Fatal(err)
	}
	if f.GTW != 4 || f.GTH != 2 || f.GTDepth[3] != 79.5 {
		t.Fatalf("GT %dx%d %v", f.GTW, f.GTH, f.GTDepth)
	}
}
