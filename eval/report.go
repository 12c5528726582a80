package eval

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/ssmde/ssmde/fileio"
)

// Files a report folder holds.
const (
	ResultsFile   = "results.json"
	FramesFile    = "frames.csv"
	ReportFile    = "report.md"
	SamplesPNG    = "samples.png"
	DistancePNG   = "absrel_vs_distance.png"
	TrajectoryPNG = "trajectory.png"
	LatencyPNG    = "latency.png"
	OdometryPNG   = "odometry_over_time.png"
	// Trajectories as evo reads them (evo_ape tum GT EST; evo_ape kitti GT EST): the node's raw
	// odometry, unaligned, and the ground truth, for the frames that have both.
	EstTUM, GTTUM     = "trajectory_est.tum", "trajectory_gt.tum"
	EstKITTI, GTKITTI = "trajectory_est.kitti", "trajectory_gt.kitti"
	// resultsSchema 2: snake_case latency keys, odometry with SE(3)/Sim(3) ATE and unscaled RPE.
	resultsSchema = 2
)

// resultsJSON is the machine-readable summary (what `ssmde eval merge` reads back).
type resultsJSON struct {
	Schema      int             `json:"schema"`
	Source      string          `json:"source"`
	Model       string          `json:"model"`
	Provider    string          `json:"provider"`
	Protocol    *ProtocolRecord `json:"protocol,omitempty"` // absent in merged results (see per_recording)
	Frames      int             `json:"frames"`
	Scored      int             `json:"scored"`
	Failed      int             `json:"failed"`
	SourceError string          `json:"source_error,omitempty"`
	All         MeanMetrics     `json:"all"`
	Dynamic     MeanMetrics     `json:"dynamic"`
	Static      MeanMetrics     `json:"static"`
	Followers   *MeanMetrics    `json:"followers,omitempty"`    // absent when no mask marked a follower
	OtherMovers *MeanMetrics    `json:"other_movers,omitempty"` // with followers: the rest of dynamic
	RatioMean   float64         `json:"scale_ratio_mean"`
	RatioStd    float64         `json:"scale_ratio_std"`
	Secondary   *ScaledMetrics  `json:"median_scaled,omitempty"` // beside a metric model's unscaled numbers
	Pose        *PoseResult     `json:"pose,omitempty"`
	ScaleFit    *ScaleFitResult `json:"scale_fit,omitempty"`
	Latency     LatencyResult   `json:"latency"`
	ByDistance  []DistanceBin   `json:"absrel_by_distance"`
}

func (r *Result) jsonView() resultsJSON {
	proto := r.Protocol
	proto.Model, proto.Provider = r.Model, r.Provider
	return resultsJSON{Schema: resultsSchema, Source: r.Source, Model: r.Model, Provider: r.Provider, Protocol: &proto, Secondary: r.Secondary, Frames: r.Frames,
		Scored: r.Scored, Failed: r.Failed, SourceError: r.SourceError, All: r.All, Dynamic: r.Dynamic, Static: r.Static,
		Followers: r.Followers, OtherMovers: r.OtherMovers,
		RatioMean: finiteOr0(r.RatioMean), RatioStd: finiteOr0(r.RatioStd), Pose: r.Pose, ScaleFit: r.ScaleFit, Latency: r.Latency, ByDistance: r.ByDistance}
}

func finiteOr0(v float64) float64 {
	if v != v {
		return 0
	}
	return v
}

// Summary formats the result as the table printed on stdout.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s on %s: %d frames, %d scored", r.Source, r.Model, r.Provider, r.Frames, r.Scored)
	if r.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", r.Failed)
	}
	b.WriteString("\n")
	if r.SourceError != "" {
		fmt.Fprintf(&b, "source stopped early: %s (frames before it were evaluated)\n", r.SourceError)
	}
	if r.Scored > 0 {
		b.WriteString(r.Protocol.headline())
		writeMetricTable(&b, r.All, r.Static, r.Dynamic, r.Followers, r.OtherMovers)
		switch Scaling(r.Protocol.Scaling) {
		case ScaleNone:
		case ScaleFixed:
			fmt.Fprintf(&b, "scaled by the fixed ratio %.4g\n", r.Protocol.FixedRatio)
		default:
			fmt.Fprintf(&b, "scale ratio (GT/pred) %.3f ± %.3f\n", r.RatioMean, r.RatioStd)
		}
		if s := r.Secondary; s != nil && s.All.Frames > 0 {
			fmt.Fprintf(&b, "\nmedian-scaled per image, for comparison with relative models (the metric scale's error: GT/pred %.3f ± %.3f):\n", s.RatioMean, s.RatioStd)
			writeMetricTable(&b, s.All, s.Static, s.Dynamic, nil, nil)
		}
	}
	if f := r.ScaleFit; f != nil {
		fmt.Fprintf(&b, "scale fit: %d frames fresh, %d held; %.0f %% of samples within the fit; scale %.4g ± %.2g, shift %.4g ± %.2g\n",
			f.Fresh, f.Held, 100*f.InlierFraction, f.ScaleMean, f.ScaleStd, f.ShiftMean, f.ShiftStd)
	}
	if r.Pose != nil {
		b.WriteString(r.Pose.summary())
	}
	l := r.Latency
	fmt.Fprintf(&b, "latency: p50 %.1f ms, p95 %.1f ms, max %.1f ms; throughput %.1f fps", l.P50MS, l.P95MS, l.MaxMS, l.ThroughputFPS)
	if l.CameraFPS > 0 {
		fmt.Fprintf(&b, "; at the camera's %.1f fps: %d processed, %d dropped", l.CameraFPS, l.RealtimeProcessed, l.RealtimeDropped)
	}
	b.WriteString("\n")
	return b.String()
}

// headline says how the numbers under it were made.
func (p ProtocolRecord) headline() string {
	var scaling string
	switch Scaling(p.Scaling) {
	case ScaleNone:
		scaling = "metric, unscaled"
	case ScaleMedian:
		scaling = "median-scaled per image"
	case ScaleFixed:
		scaling = "scaled by a fixed ratio"
	case ScaleAffineOracle:
		scaling = "affine oracle (per-image GT fit of scale and shift)"
	default:
		scaling = p.Scaling
	}
	if p.Scaling == "" {
		return ""
	}
	return fmt.Sprintf("\ndepth %s [%s]; GT %g..%g m, crop %s, fit %s, scale mode %s\n", scaling, p.ScalingReason, p.GTMin, p.GTMax, p.Crop, p.Fit, p.ScaleMode)
}

// writeMetricTable writes the table of the pixel sets: all, static, dynamic, and the split of dynamic
// into followers and other movers when there is one. Sets without frames are left out.
func writeMetricTable(b *strings.Builder, all, static, dynamic MeanMetrics, followers, others *MeanMetrics) {
	fmt.Fprintf(b, "\n%-12s %8s %8s %8s %8s %7s %7s %7s %8s\n", "pixels", "abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3", "frames")
	row := func(name string, m *MeanMetrics) {
		if m == nil || m.Frames == 0 {
			return
		}
		fmt.Fprintf(b, "%-12s %8.4f %8.4f %8.3f %8.4f %7.4f %7.4f %7.4f %8d\n", name, m.AbsRel, m.SqRel, m.RMSE, m.RMSELog, m.Delta1, m.Delta2, m.Delta3, m.Frames)
	}
	row("all", &all)
	row("static", &static)
	row("dynamic", &dynamic)
	row("followers", followers)
	row("other_movers", others)
}

// WriteReport writes results.json, frames.csv, the figures and report.md into dir.
func WriteReport(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r.jsonView(), "", "  ")
	if err != nil {
		return err
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, ResultsFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeFramesCSV(filepath.Join(dir, FramesFile), r.Rows, r.Followers != nil); err != nil {
		return err
	}
	if r.Odometry != nil {
		for _, t := range []struct {
			file  string
			write func(string, []float64, []Pose) error
			poses []Pose
		}{{EstTUM, WriteTUM, r.EstPoses}, {GTTUM, WriteTUM, r.GTPoses}, {EstKITTI, WriteKITTI, r.EstPoses}, {GTKITTI, WriteKITTI, r.GTPoses}} {
			if err := t.write(filepath.Join(dir, t.file), r.PoseTime, t.poses); err != nil {
				return err
			}
		}
	}
	if err := writeSamples(dir, r.Samples); err != nil {
		return err
	}
	var figures []string
	if img := SamplesFigure(r.Samples); img != nil {
		if err := fileio.WritePNG(filepath.Join(dir, SamplesPNG), img); err != nil {
			return err
		}
		figures = append(figures, SamplesPNG)
	}
	plots := []struct {
		file string
		p    func() *plot.Plot
		ok   bool
	}{
		{DistancePNG, func() *plot.Plot { return AbsRelByDistancePlot(r.ByDistance) }, r.Scored > 0},
		{TrajectoryPNG, r.trajectoryPlot, r.Odometry != nil},
		{OdometryPNG, r.odometryPlot, r.Odometry != nil},
		{LatencyPNG, func() *plot.Plot { return LatencyPlot(r.LatencyMSs) }, len(r.LatencyMSs) > 1},
	}
	for _, pl := range plots {
		if !pl.ok {
			continue
		}
		if err := pl.p().Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, pl.file)); err != nil {
			return fmt.Errorf("%s: %w", pl.file, err)
		}
		figures = append(figures, pl.file)
	}
	md := r.markdown(figures)
	if err := fileio.WriteFileAtomic(filepath.Join(dir, ReportFile), []byte(md), 0o644); err != nil {
		return err
	}
	page, err := markdownPage(md, dir)
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(filepath.Join(dir, ReportHTML), page, 0o644)
}

func (r *Result) markdown(figures []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# ssmde evaluation: %s\n\n", filepath.Base(r.Source))
	fmt.Fprintf(&b, "Model `%s` on `%s`, %d frames (%d scored against ground truth).\n\n", r.Model, r.Provider, r.Frames, r.Scored)
	b.WriteString("```\n" + r.Summary() + "```\n\n")
	titles := map[string]string{SamplesPNG: "Sampled frames: input, prediction, ground truth, relative error",
		DistancePNG: "AbsRel by distance", TrajectoryPNG: "Trajectory", OdometryPNG: "Odometry error and scale over time", LatencyPNG: "Latency"}
	for _, f := range figures {
		fmt.Fprintf(&b, "## %s\n\n![%s](%s)\n\n", titles[f], titles[f], f)
	}
	fmt.Fprintf(&b, "Per-frame numbers: [%s](%s); everything above as JSON: [%s](%s).\n", FramesFile, FramesFile, ResultsFile, ResultsFile)
	if r.Odometry != nil {
		fmt.Fprintf(&b, "\nTrajectories for evo (raw estimate, unaligned): `evo_ape tum %s %s --align` (SE(3)), add `--correct_scale` for Sim(3); KITTI format: %s, %s.\n",
			GTTUM, EstTUM, GTKITTI, EstKITTI)
	}
	return b.String()
}

// writeFramesCSV writes one line per frame. The followers' and other movers' AbsRel are empty where the
// frame has no such pixels, and throughout without a split (split false).
func writeFramesCSV(path string, rows []FrameRow, split bool) error {
	f, err := fileio.CreateAtomic(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"index", "name", "stamp", "latency_ms", "scale", "ratio", "scored", "abs_rel", "sq_rel", "rmse", "rmse_log", "a1", "a2", "a3", "dyn_abs_rel", "dyn_pixels", "followers_abs_rel", "other_movers_abs_rel", "shift", "fit", "fit_inliers", "fit_points", "error"})
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	absRel := func(m DepthMetrics) string {
		if !split || m.Pixels == 0 {
			return ""
		}
		return g(m.AbsRel)
	}
	for _, r := range rows {
		w.Write([]string{strconv.Itoa(r.Index), r.Name, strconv.FormatFloat(r.Stamp, 'f', 6, 64), g(r.LatencyMS), g(r.Scale), g(r.Ratio),
			strconv.FormatBool(r.Scored), g(r.All.AbsRel), g(r.All.SqRel), g(r.All.RMSE), g(r.All.RMSELog), g(r.All.Delta1),
			g(r.All.Delta2), g(r.All.Delta3), g(r.Dyn.AbsRel), strconv.Itoa(r.Dyn.Pixels), absRel(r.Followers), absRel(r.OtherMovers), g(r.Shift), r.Fit,
			strconv.Itoa(r.Inliers), strconv.Itoa(r.FitPoints), r.Err})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Discard()
		return err
	}
	return f.Commit()
}
