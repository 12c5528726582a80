package eval

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/pipeline"
)

// RunConfig says how to replay a source.
type RunConfig struct {
	Protocol Protocol
	// Samples is how many evenly spaced frames keep their images for the figures (default 4).
	Samples int
	// Rate replays at this multiple of real time (1: as recorded); 0 runs as fast as possible.
	Rate float64
	// DistanceBinWidth is the width in metres of the AbsRel-vs-distance bins (default 10).
	DistanceBinWidth float64
	// Progress, when set, is called after each frame.
	Progress func(done, total int)
	// OnResult, when set, receives every frame's pipeline result (ssmde eval --record writes what
	// the node would have published); an error stops the run.
	OnResult func(*pipeline.Result) error
}

// FrameRow is one frame's line in the per-frame CSV.
type FrameRow struct {
	Index     int
	Name      string
	Stamp     float64 // seconds
	LatencyMS float64
	Scale     float64 // the pipeline's metric scale
	Shift     float64 // an affine model's fitted shift
	Fit       string  // camera_height/sparse_depth fits: "fresh", "held" or "" (none)
	Inliers   int     // samples within the fit, of FitPoints
	FitPoints int
	Ratio     float64 // the protocol's alignment ratio
	Scored    bool
	All, Dyn  DepthMetrics
	Err       string

	// Followers and OtherMovers split Dyn by the mask's value (see FrameScore).
	Followers, OtherMovers DepthMetrics
}

// ScaleFitResult summarises the per-frame scale fits: how many frames had a fresh fit, how many
// held an earlier one, and how well the fits agreed with their samples.
type ScaleFitResult struct {
	Fresh          int     `json:"fresh_frames"`
	Held           int     `json:"held_frames"`
	InlierFraction float64 `json:"mean_inlier_fraction"`
	ScaleMean      float64 `json:"scale_mean"`
	ScaleStd       float64 `json:"scale_std"`
	ShiftMean      float64 `json:"shift_mean"`
	ShiftStd       float64 `json:"shift_std"`
}

// summariseFits builds the ScaleFitResult of the rows, nil when no frame had a fit.
func summariseFits(rows []FrameRow) *ScaleFitResult {
	var r ScaleFitResult
	var scales, shifts []float64
	frac, n := 0.0, 0
	for _, row := range rows {
		switch row.Fit {
		case "fresh":
			r.Fresh++
			if row.FitPoints > 0 {
				frac += float64(row.Inliers) / float64(row.FitPoints)
				n++
			}
		case "held":
			r.Held++
		default:
			continue
		}
		scales, shifts = append(scales, row.Scale), append(shifts, row.Shift)
	}
	if len(scales) == 0 {
		return nil
	}
	if n > 0 {
		r.InlierFraction = frac / float64(n)
	}
	r.ScaleMean, r.ScaleStd = meanStd(scales)
	r.ShiftMean, r.ShiftStd = meanStd(shifts)
	return &r
}

func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

// DistanceBin is the AbsRel of all scored pixels whose GT depth falls in [From, To).
type DistanceBin struct {
	From   float64 `json:"from_m"`
	To     float64 `json:"to_m"`
	AbsRel float64 `json:"abs_rel"`
	Pixels int     `json:"pixels"`
}

// Sample is a frame kept for the figures.
type Sample struct {
	Index  int
	Color  pipeline.RGBImage // model-input sized
	Pred   []float32         // model-input sized, metric depth after the protocol's scaling
	PW, PH int
	GT     []float32 // GT size
	GW, GH int
}

// LatencyResult summarises speed.
type LatencyResult struct {
	P50MS             float64 `json:"p50_ms"`
	P95MS             float64 `json:"p95_ms"`
	MaxMS             float64 `json:"max_ms"`
	MeanMS            float64 `json:"mean_ms"`
	ThroughputFPS     float64 `json:"throughput_fps"`     // frames per second of wall time, as fast as the replay allowed
	CameraFPS         float64 `json:"camera_fps"`         // the recording's frame rate
	RealtimeProcessed int     `json:"realtime_processed"` // at the recording's rate with a latest-frame-wins queue
	RealtimeDropped   int     `json:"realtime_dropped"`
}

// ProtocolRecord is how the numbers were made, written into every report so that two reports can
// be compared (or refused as incomparable) without guessing.
type ProtocolRecord struct {
	Model         string  `json:"model"`
	ModelSHA256   string  `json:"model_sha256,omitempty"` // of the depth network's ONNX file
	ModelBytes    int64   `json:"model_bytes,omitempty"`  // the ONNX files' size (depth and pose)
	Provider      string  `json:"provider"`
	Scaling       string  `json:"scaling"`           // of the headline numbers: none, median, fixed, affine_oracle
	ScalingReason string  `json:"scaling_reason"`    // why (auto: the pipeline's metric claim)
	Secondary     string  `json:"secondary_scaling"` // of the numbers beside them ("" when none)
	FixedRatio    float64 `json:"fixed_ratio,omitempty"`
	Crop          string  `json:"crop"`
	Fit           string  `json:"fit"`
	ScaleMode     string  `json:"scale_mode"`
	GTMin         float64 `json:"gt_min_m"`
	GTMax         float64 `json:"gt_max_m"`
	FramesScored  int     `json:"frames_scored"`
	FramesSkipped int     `json:"frames_skipped"` // frames without GT, or without a valid GT pixel, or failed
}

// ScaledMetrics are the depth metrics under a second scaling, beside the headline ones (median
// scaling beside a metric model's unscaled numbers).
type ScaledMetrics struct {
	Scaling   string      `json:"scaling"`
	All       MeanMetrics `json:"all"`
	Static    MeanMetrics `json:"static"`
	Dynamic   MeanMetrics `json:"dynamic"`
	RatioMean float64     `json:"scale_ratio_mean"` // GT/pred: the metric scale's error
	RatioStd  float64     `json:"scale_ratio_std"`
}

// Result is everything one evaluation produced.
type Result struct {
	Source, Model, Provider string
	Frames, Scored, Failed  int
	SourceError             string // a damaged recording: frames before it were evaluated
	Protocol                ProtocolRecord
	// Secondary is the median-scaled view of a metric model's depth; nil when the headline is
	// itself scaled.
	Secondary *ScaledMetrics

	All, Dynamic, Static MeanMetrics
	RatioMean, RatioStd  float64
	Pose                 *PoseResult
	ScaleFit             *ScaleFitResult // per-frame scale fits (camera_height of affine models, sparse_depth)
	Latency              LatencyResult
	ByDistance           []DistanceBin

	// Followers and OtherMovers split Dynamic by the mask's value; both nil when no frame's mask
	// marked a follower (real data, older sims).
	Followers, OtherMovers *MeanMetrics

	Rows    []FrameRow
	Samples []Sample
	// Odometry holds the trajectories behind Pose: raw and aligned estimates, GT, per-frame
	// errors (for the figures and the TUM/KITTI exports); nil without GT poses.
	Odometry   *OdometryEval
	EstPoses   []Pose    // the node's odometry, world_from_camera, for frames with a GT pose
	GTPoses    []Pose    // their GT poses
	PoseTime   []float64 // their stamps (s)
	LatencyMSs []float64
}

// Run replays src through p and scores it.
func Run(src Source, p *pipeline.Pipeline, cfg RunConfig) (*Result, error) {
	if cfg.Samples == 0 {
		cfg.Samples = 4
	}
	if cfg.DistanceBinWidth <= 0 {
		cfg.DistanceBinWidth = 10
	}
	proto := cfg.Protocol
	metric, why := p.MetricClaim()
	reason := "given (--scaling " + string(proto.Scaling) + "); the pipeline says: " + why
	if proto.Scaling == ScaleAuto {
		proto.Scaling, reason = ScaleMedian, "auto: "+why+", so median per image"
		if metric {
			proto.Scaling, reason = ScaleNone, "auto: the depth claims metres ("+why+"), so unscaled"
		}
	}
	scorer, err := NewScorer(proto)
	if err != nil {
		return nil, err
	}
	var second *Scorer // median scaling beside unscaled numbers
	var secondSummary Summary
	if proto.Scaling == ScaleNone {
		sp := proto
		sp.Scaling = ScaleMedian
		if second, err = NewScorer(sp); err != nil {
			return nil, err
		}
	}
	cfg.Protocol = proto
	res := &Result{Source: src.Name()}
	res.Protocol = ProtocolRecord{Scaling: string(proto.Scaling), ScalingReason: reason, Crop: cropName(proto.Crop),
		Fit: p.Config().Fit, ScaleMode: string(p.Config().ScaleMode), GTMin: proto.MinDepth, GTMax: proto.MaxDepth}
	if proto.Scaling == ScaleFixed {
		res.Protocol.FixedRatio = proto.FixedScale
	}
	if second != nil {
		res.Protocol.Secondary = string(ScaleMedian)
	}
	total := src.Len()
	sampleAt := map[int]bool{}
	if total > 0 {
		for k := 0; k < cfg.Samples; k++ {
			sampleAt[(2*k+1)*total/(2*cfg.Samples)] = true
		}
	}
	var summary Summary
	var arrivals []float64
	nBins := int(math.Ceil(cfg.Protocol.MaxDepth / cfg.DistanceBinWidth))
	binSum := make([]float64, nBins)
	binN := make([]int, nBins)
	start := time.Now()
	var firstStamp float64
	var winBufs windowBuffers
	var sparse []pipeline.SparsePoint
	for {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, ErrOption) {
			return nil, err
		}
		if err != nil {
			res.SourceError = err.Error()
			break
		}
		stamp := float64(f.Stamp.Nanos()) / 1e9
		if res.Frames == 0 {
			firstStamp = stamp
		}
		if cfg.Rate > 0 {
			due := start.Add(time.Duration((stamp - firstStamp) / cfg.Rate * 1e9))
			time.Sleep(time.Until(due))
		}
		res.Frames++
		row := FrameRow{Index: f.Index, Name: f.SourceName, Stamp: stamp}
		var pr *pipeline.Result
		if f.Sparse != nil {
			sparse = pipeline.SparseFromDepthMap(sparse[:0], f.Sparse, f.SparseW, f.SparseH)
			p.SetSparseDepth(sparse)
		}
		if f.Image != nil {
			pr, err = p.ProcessImage(f.Image, f.Camera)
		} else if f.Compressed != nil {
			pr, err = p.ProcessCompressed(f.Compressed, f.Camera)
		} else {
			err = fmt.Errorf("frame %d has no image", f.Index)
		}
		if err != nil {
			res.Failed++
			row.Err = err.Error()
			res.Rows = append(res.Rows, row)
			continue
		}
		if cfg.OnResult != nil {
			if err := cfg.OnResult(pr); err != nil {
				return nil, err
			}
		}
		row.LatencyMS = float64(pr.Timings.Total.Microseconds()) / 1000
		row.Scale, row.Shift = pr.Scale, pr.Shift
		if a := pr.Affine; a.Source != "" {
			row.Fit, row.Inliers, row.FitPoints = "held", a.Fit.Inliers, a.Fit.Points
			if a.Fresh {
				row.Fit = "fresh"
			}
		}
		res.LatencyMSs = append(res.LatencyMSs, row.LatencyMS)
		arrivals = append(arrivals, stamp-firstStamp)
		if f.GTPose != nil && p.Odometry() {
			w := pr.World
			res.EstPoses = append(res.EstPoses, Pose{R: w.R, T: w.T})
			res.GTPoses = append(res.GTPoses, *f.GTPose)
			res.PoseTime = append(res.PoseTime, stamp)
		}
		if f.GTDepth != nil {
			gtWin, gw, gh, maskWin := cropToWindow(f, pr.Window, &winBufs)
			fs, ok, err := scorer.Score(pr.Depth, pr.Width, pr.Height, gtWin, gw, gh, maskWin)
			if err != nil {
				row.Err = err.Error()
			} else if ok {
				row.Scored, row.All, row.Dyn, row.Ratio = true, fs.All, fs.Dynamic, fs.Ratio
				row.Followers, row.OtherMovers = fs.Followers, fs.OtherMovers
				summary.Add(fs)
				res.Scored++
				if second != nil {
					if fs2, ok2, err2 := second.Score(pr.Depth, pr.Width, pr.Height, gtWin, gw, gh, maskWin); err2 == nil && ok2 {
						secondSummary.Add(fs2)
					}
				}
				scaled, use := scorer.Scaled()
				for i, u := range use {
					if !u {
						continue
					}
					g := float64(gtWin[i])
					b := int(g / cfg.DistanceBinWidth)
					if b >= 0 && b < nBins {
						binSum[b] += math.Abs(float64(scaled[i])-g) / g
						binN[b]++
					}
				}
				if sampleAt[f.Index] {
					res.Samples = append(res.Samples, sampleOf(pr, gtWin, gw, gh, f.Index, fs.Ratio))
				}
			}
		}
		res.Rows = append(res.Rows, row)
		if cfg.Progress != nil {
			cfg.Progress(res.Frames, total)
		}
	}
	wall := time.Since(start).Seconds()
	if res.Frames == 0 && res.SourceError != "" {
		return nil, fmt.Errorf("%s: %s", src.Name(), res.SourceError)
	}
	if res.Frames == 0 {
		return nil, fmt.Errorf("%s: no frames", src.Name())
	}
	res.All, res.Dynamic, res.Static = summary.All(), summary.Dynamic(), summary.Static()
	res.Followers, res.OtherMovers = summary.MoverSplit()
	res.RatioMean, res.RatioStd = summary.RatioStats()
	if second != nil {
		sm := &ScaledMetrics{Scaling: string(ScaleMedian), All: secondSummary.All(), Static: secondSummary.Static(), Dynamic: secondSummary.Dynamic()}
		sm.RatioMean, sm.RatioStd = secondSummary.RatioStats()
		sm.RatioMean, sm.RatioStd = finiteOr0(sm.RatioMean), finiteOr0(sm.RatioStd)
		res.Secondary = sm
	}
	res.Protocol.FramesScored, res.Protocol.FramesSkipped = res.Scored, res.Frames-res.Scored
	for b := range binSum {
		bin := DistanceBin{From: float64(b) * cfg.DistanceBinWidth, To: float64(b+1) * cfg.DistanceBinWidth, Pixels: binN[b]}
		if binN[b] > 0 {
			bin.AbsRel = binSum[b] / float64(binN[b])
		}
		res.ByDistance = append(res.ByDistance, bin)
	}
	if len(res.EstPoses) >= 3 {
		od, err := EvaluateOdometry(res.EstPoses, res.GTPoses, res.PoseTime)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name(), err)
		}
		res.Odometry, res.Pose = od, od.Result
	}
	res.Latency = latencyOf(res.LatencyMSs, arrivals, wall)
	res.ScaleFit = summariseFits(res.Rows)
	return res, nil
}

func sampleOf(pr *pipeline.Result, gt []float32, gw, gh, index int, ratio float64) Sample {
	s := Sample{Index: index, PW: pr.Width, PH: pr.Height, GW: gw, GH: gh,
		Pred: make([]float32, len(pr.Depth)), GT: append([]float32(nil), gt...)}
	for i, d := range pr.Depth {
		s.Pred[i] = d * float32(ratio)
	}
	s.Color = pipeline.RGBImage{W: pr.Color.W, H: pr.Color.H, Pix: append([]byte(nil), pr.Color.Pix...)}
	return s
}

func latencyOf(ms, arrivals []float64, wall float64) LatencyResult {
	var l LatencyResult
	if len(ms) == 0 {
		return l
	}
	sorted := append([]float64(nil), ms...)
	sort.Float64s(sorted)
	pct := func(q float64) float64 {
		return sorted[int(math.Min(float64(len(sorted)-1), math.Ceil(q*float64(len(sorted)))-1))]
	}
	l.P50MS, l.P95MS, l.MaxMS = pct(0.5), pct(0.95), sorted[len(sorted)-1]
	for _, v := range ms {
		l.MeanMS += v / float64(len(ms))
	}
	if wall > 0 {
		l.ThroughputFPS = float64(len(ms)) / wall
	}
	if n := len(arrivals); n > 1 && arrivals[n-1] > 0 {
		l.CameraFPS = float64(n-1) / arrivals[n-1]
	}
	durs := make([]float64, len(ms))
	for i, v := range ms {
		durs[i] = v / 1000
	}
	l.RealtimeProcessed, l.RealtimeDropped = SimulateRealtime(arrivals, durs)
	return l
}

type windowBuffers struct {
	gt   []float32
	mask []byte
}

// cropToWindow returns the part of the frame's GT (and mask) that the prediction covers: the
// pipeline's crop window, mapped from camera-image pixels to GT pixels (GT may be of another
// resolution than the image). With a stretch fit that is the whole GT, returned as is.
func cropToWindow(f *Frame, win calibration.ResizeCrop, b *windowBuffers) ([]float32, int, int, []byte) {
	if win.SrcW <= 0 || (win.CropX == 0 && win.CropY == 0 && win.CropW == win.SrcW && win.CropH == win.SrcH) {
		return f.GTDepth, f.GTW, f.GTH, f.Mask
	}
	sx, sy := float64(f.GTW)/float64(win.SrcW), float64(f.GTH)/float64(win.SrcH)
	x0, y0 := int(math.Round(float64(win.CropX)*sx)), int(math.Round(float64(win.CropY)*sy))
	w, h := int(math.Round(float64(win.CropW)*sx)), int(math.Round(float64(win.CropH)*sy))
	w, h = min(w, f.GTW-x0), min(h, f.GTH-y0)
	if w <= 0 || h <= 0 {
		return f.GTDepth, f.GTW, f.GTH, f.Mask
	}
	b.gt = grow(b.gt, w*h)
	for y := 0; y < h; y++ {
		copy(b.gt[y*w:(y+1)*w], f.GTDepth[(y0+y)*f.GTW+x0:])
	}
	var mask []byte
	if f.Mask != nil {
		if cap(b.mask) < w*h {
			b.mask = make([]byte, w*h)
		}
		mask = b.mask[:w*h]
		for y := 0; y < h; y++ {
			copy(mask[y*w:(y+1)*w], f.Mask[(y0+y)*f.GTW+x0:(y0+y)*f.GTW+x0+w])
		}
	}
	return b.gt, w, h, mask
}

// cropName is the preset name of a crop (Crops), "custom" for another one.
func cropName(c *Crop) string {
	if c == nil {
		return "none"
	}
	for name, preset := range Crops {
		if preset != nil && *preset == *c {
			return name
		}
	}
	return "custom"
}
