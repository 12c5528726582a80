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
	ResultsFile     = "results.json"
	FramesFile      = "frames.csv"
	ReportFile      = "report.md"
	SamplesPNG      = "samples.png"
	DistancePNG     = "absrel_vs_distance.png"
	TrajectoryPNG   = "trajectory.png"
	LatencyPNG      = "latency.png"
	resultsSchemaV1 = 1
)

// resultsJSON is the machine-readable summary (what `ssmde eval merge` reads back).
type resultsJSON struct {
	Schema      int             `json:"schema"`
	Source      string          `json:"source"`
	Model       string          `json:"model"`
	Provider    string          `json:"provider"`
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
	Pose        *PoseResult     `json:"pose,omitempty"`
	ScaleFit    *ScaleFitResult `json:"scale_fit,omitempty"`
	Latency     LatencyResult   `json:"latency"`
	ByDistance  []DistanceBin   `json:"absrel_by_distance"`
}

func (r *Result) jsonView() resultsJSON {
	return resultsJSON{Schema: resultsSchemaV1, Source: r.Source, Model: r.Model, Provider: r.Provider, Frames: r.Frames,
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
		writeMetricTable(&b, r.All, r.Static, r.Dynamic, r.Followers, r.OtherMovers)
		fmt.Fprintf(&b, "scale ratio (GT/pred) %.3f ± %.3f\n", r.RatioMean, r.RatioStd)
	}
	if f := r.ScaleFit; f != nil {
		fmt.Fprintf(&b, "scale fit: %d frames fresh, %d held; %.0f %% of samples within the fit; scale %.4g ± %.2g, shift %.4g ± %.2g\n",
			f.Fresh, f.Held, 100*f.InlierFraction, f.ScaleMean, f.ScaleStd, f.ShiftMean, f.ShiftStd)
	}
	if r.Pose != nil {
		fmt.Fprintf(&b, "ego-motion: ATE %.3f m (Sim(3), scale %.3f), RPE %.3f m / %.3f° per frame over %d frames\n",
			r.Pose.ATE, r.Pose.AlignScale, r.Pose.RPETrans, r.Pose.RPERotDeg, r.Pose.Frames)
	}
	l := r.Latency
	fmt.Fprintf(&b, "latency: p50 %.1f ms, p95 %.1f ms, max %.1f ms; throughput %.1f fps", l.P50MS, l.P95MS, l.MaxMS, l.ThroughputFPS)
	if l.CameraFPS > 0 {
		fmt.Fprintf(&b, "; at the camera's %.1f fps: %d processed, %d dropped", l.CameraFPS, l.RealtimeProcessed, l.RealtimeDropped)
	}
	b.WriteString("\n")
	return b.String()
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
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	if err := writeFramesCSV(filepath.Join(dir, FramesFile), r.Rows, r.Followers != nil); err != nil {
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
		p    *plot.Plot
		ok   bool
	}{
		{DistancePNG, AbsRelByDistancePlot(r.ByDistance), r.Scored > 0},
		{TrajectoryPNG, TrajectoryPlot(r.EstTraj, r.GTTraj), r.Pose != nil},
		{LatencyPNG, LatencyPlot(r.LatencyMSs), len(r.LatencyMSs) > 1},
	}
	for _, pl := range plots {
		if !pl.ok {
			continue
		}
		if err := pl.p.Save(6*vg.Inch, 4*vg.Inch, filepath.Join(dir, pl.file)); err != nil {
			return fmt.Errorf("%s: %w", pl.file, err)
		}
		figures = append(figures, pl.file)
	}
	return os.WriteFile(filepath.Join(dir, ReportFile), []byte(r.markdown(figures)), 0o644)
}

func (r *Result) markdown(figures []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# ssmde evaluation: %s\n\n", filepath.Base(r.Source))
	fmt.Fprintf(&b, "Model `%s` on `%s`, %d frames (%d scored against ground truth).\n\n", r.Model, r.Provider, r.Frames, r.Scored)
	b.WriteString("```\n" + r.Summary() + "```\n\n")
	titles := map[string]string{SamplesPNG: "Sampled frames: input, prediction, ground truth, relative error",
		DistancePNG: "AbsRel by distance", TrajectoryPNG: "Trajectory", LatencyPNG: "Latency"}
	for _, f := range figures {
		fmt.Fprintf(&b, "## %s\n\n![%s](%s)\n\n", titles[f], titles[f], f)
	}
	fmt.Fprintf(&b, "Per-frame numbers: [%s](%s); everything above as JSON: [%s](%s).\n", FramesFile, FramesFile, ResultsFile, ResultsFile)
	return b.String()
}

// writeFramesCSV writes one line per frame. The followers' and other movers' AbsRel are empty where the
// frame has no such pixels, and throughout without a split (split false).
func writeFramesCSV(path string, rows []FrameRow, split bool) error {
	f, err := os.Create(path)
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
		f.Close()
		return err
	}
	return f.Close()
}
