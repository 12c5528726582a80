package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ssmde/ssmde/fileio"
)

// Files of a comparison folder (ssmde eval compare, or ssmde eval with several --model).
const (
	CompareMD   = "compare.md"
	CompareJSON = "compare.json"
	ComparePNG  = "compare.png"
	CompareHTML = "compare.html"
)

// Compared is one model's report as a comparison reads it: a single recording's report folder or a
// merged one (several recordings, per-recording folders under it).
type Compared struct {
	Dir     string       `json:"dir"`
	Label   string       `json:"label"` // the model's name, made unique among the compared
	Results resultsJSON  `json:"results"`
	Sources []string     `json:"sources"` // the recordings, sorted
	ATESE3  *float64     `json:"ate_se3_m,omitempty"`
	ATESim3 *float64     `json:"ate_sim3_m,omitempty"`
	Drift   *float64     `json:"rpe_trans_per_m,omitempty"`
	Samples []Sample     `json:"-"`
	Merged  *mergedExtra `json:"-"`
}

type mergedExtra struct {
	Recordings   int           `json:"recordings"`
	ATESE3Mean   float64       `json:"ate_se3_mean_m"`
	ATESim3Mean  float64       `json:"ate_sim3_mean_m"`
	PoseRecs     int           `json:"pose_recordings"`
	DriftPerM    *float64      `json:"rpe_trans_per_m_mean"`
	PerRecording []resultsJSON `json:"per_recording"`
}

// LoadCompared reads a report folder for a comparison. A merged folder's samples are those of its
// first recording's folder.
func LoadCompared(dir string) (*Compared, error) {
	data, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (a report folder of ssmde eval holds %s)", dir, err, ResultsFile)
	}
	c := &Compared{Dir: dir}
	if err := json.Unmarshal(data, &c.Results); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultsFile), err)
	}
	if c.Results.Schema != resultsSchema {
		return nil, fmt.Errorf("%s: schema %d, this ssmde reads %d: evaluate again", filepath.Join(dir, ResultsFile), c.Results.Schema, resultsSchema)
	}
	sampleDir := dir
	if c.Results.Source == "merged" {
		var m mergedExtra
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultsFile), err)
		}
		c.Merged = &m
		for _, r := range m.PerRecording {
			c.Sources = append(c.Sources, r.Source)
		}
		if m.PoseRecs > 0 {
			c.ATESE3, c.ATESim3 = &m.ATESE3Mean, &m.ATESim3Mean
		}
		c.Drift = m.DriftPerM
		if subs, _ := filepath.Glob(filepath.Join(dir, "*", ResultsFile)); len(subs) > 0 {
			sort.Strings(subs)
			sampleDir = filepath.Dir(subs[0])
		}
	} else {
		c.Sources = []string{c.Results.Source}
		if p := c.Results.Pose; p != nil {
			c.ATESE3, c.ATESim3, c.Drift = &p.ATESE3, &p.ATESim3, p.RPETransPerM
		}
	}
	sort.Strings(c.Sources)
	if c.Samples, err = LoadSamples(sampleDir); err != nil {
		return nil, err
	}
	c.Label = c.Results.Model
	if c.Label == "" {
		c.Label = filepath.Base(dir)
	}
	return c, nil
}

// Comparison is several models' reports of the same recordings under the same protocol.
type Comparison struct {
	Models   []*Compared `json:"models"`
	Warnings []string    `json:"warnings"`
}

// Compare checks that the reports can be compared (the same recordings, the same GT range and
// crop: anything else compares different things) and returns the comparison; frames scored that
// differ between models only warn.
func Compare(reports []*Compared) (*Comparison, error) {
	if len(reports) < 2 {
		return nil, fmt.Errorf("eval compare: give at least two report folders, got %d", len(reports))
	}
	c := &Comparison{Models: reports}
	seen := map[string]int{}
	for _, r := range reports {
		seen[r.Label]++
		if n := seen[r.Label]; n > 1 {
			r.Label = fmt.Sprintf("%s (%d)", r.Label, n)
		}
	}
	first := reports[0]
	for _, r := range reports[1:] {
		if !slices.Equal(r.Sources, first.Sources) {
			return nil, fmt.Errorf("eval compare: %s is of %s, %s of %s: a comparison needs the same recordings",
				r.Dir, strings.Join(r.Sources, ", "), first.Dir, strings.Join(first.Sources, ", "))
		}
		p, q := r.Results.Protocol, first.Results.Protocol
		if p != nil && q != nil && (p.GTMin != q.GTMin || p.GTMax != q.GTMax || p.Crop != q.Crop) {
			return nil, fmt.Errorf("eval compare: %s scored GT %g..%g m with crop %s, %s GT %g..%g m with crop %s: evaluate both with the same --gt-min, --gt-max and --crop",
				r.Dir, p.GTMin, p.GTMax, p.Crop, first.Dir, q.GTMin, q.GTMax, q.Crop)
		}
		if r.Results.Scored != first.Results.Scored {
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s scored %d frames, %s %d: the means are over different frames",
				r.Label, r.Results.Scored, first.Label, first.Results.Scored))
		}
	}
	for _, r := range reports {
		if p := r.Results.Protocol; p != nil && p.Scaling != first.Results.Protocol.Scaling {
			c.Warnings = append(c.Warnings, "the headline AbsRel is unscaled for metric models and median-scaled for the others; the \"AbsRel median\" column compares all of them alike")
			break
		}
	}
	return c, nil
}

// medianAbsRel is the model's median-scaled AbsRel: its headline when that is median-scaled, else
// the median-scaled view beside it; NaN when it has neither.
func (r *Compared) medianAbsRel() (float64, bool) {
	if p := r.Results.Protocol; p == nil || p.Scaling == string(ScaleMedian) {
		return r.Results.All.AbsRel, true
	}
	if s := r.Results.Secondary; s != nil {
		return s.All.AbsRel, true
	}
	return 0, false
}

// Table is the comparison as a Markdown table, one row per model.
func (c *Comparison) Table() string {
	var b strings.Builder
	b.WriteString("| model | size | scaling | AbsRel | AbsRel static | AbsRel moving | AbsRel median | RMSE (m) | δ1 | ATE SE(3) (m) | ATE Sim(3) (m) | drift | p50 (ms) | p95 (ms) | fps |\n")
	b.WriteString("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	opt := func(v *float64, f string) string {
		if v == nil {
			return "–"
		}
		return fmt.Sprintf(f, *v)
	}
	for _, r := range c.Models {
		res := r.Results
		size, scaling := "–", "–"
		if p := res.Protocol; p != nil {
			scaling = p.Scaling
			if p.ModelBytes > 0 {
				size = fmt.Sprintf("%.1f MB", float64(p.ModelBytes)/1e6)
			}
		}
		med := "–"
		if v, ok := r.medianAbsRel(); ok {
			med = fmt.Sprintf("%.4f", v)
		}
		var drift *float64
		if r.Drift != nil {
			d := 100 * *r.Drift
			drift = &d
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.4f | %.4f | %.4f | %s | %.3f | %.4f | %s | %s | %s | %.1f | %.1f | %.1f |\n",
			r.Label, size, scaling, res.All.AbsRel, res.Static.AbsRel, res.Dynamic.AbsRel, med, res.All.RMSE, res.All.Delta1,
			opt(r.ATESE3, "%.3f"), opt(r.ATESim3, "%.3f"), opt(drift, "%.1f %%/m"), res.Latency.P50MS, res.Latency.P95MS, res.Latency.ThroughputFPS)
	}
	return b.String()
}

// WriteComparison writes compare.md, compare.json, compare.png (the sampled frames with a column
// per model) and compare.html (the same, self-contained) into dir.
func WriteComparison(dir string, c *Comparison) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, CompareJSON), append(data, '\n'), 0o644); err != nil {
		return err
	}
	var names []string
	var sets [][]Sample
	for _, r := range c.Models {
		names, sets = append(names, r.Label), append(sets, r.Samples)
	}
	var figures []string
	if img := CompareFigure(names, sets); img != nil {
		if err := fileio.WritePNG(filepath.Join(dir, ComparePNG), img); err != nil {
			return err
		}
		figures = append(figures, ComparePNG)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# ssmde model comparison: %s\n\n", strings.Join(names, " vs "))
	fmt.Fprintf(&b, "On %s.\n\n", strings.Join(c.Models[0].Sources, ", "))
	b.WriteString(c.Table())
	b.WriteString("\nAbsRel: unscaled for a model whose depth claims metres, median-scaled per image otherwise (the scaling column); " +
		"AbsRel median: median-scaled for every model. ATE SE(3) keeps the odometry's own scale, Sim(3) rescales it. " +
		"drift: RPE translation per metre travelled.\n\n")
	for _, w := range c.Warnings {
		fmt.Fprintf(&b, "> note: %s\n\n", w)
	}
	for _, r := range c.Models {
		if p := r.Results.Protocol; p != nil {
			fmt.Fprintf(&b, "- **%s**: `%s`, sha256 %s, on %s; scaling %s (%s); fit %s, scale mode %s; %d frames scored, %d skipped\n",
				r.Label, r.Dir, short(p.ModelSHA256), p.Provider, p.Scaling, p.ScalingReason, p.Fit, p.ScaleMode, p.FramesScored, p.FramesSkipped)
		}
	}
	b.WriteString("\n")
	for _, f := range figures {
		fmt.Fprintf(&b, "## Sampled frames: input, ground truth, each model's depth (one colour scale per row) and error\n\n![compare](%s)\n\n", f)
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, CompareMD), []byte(b.String()), 0o644); err != nil {
		return err
	}
	page, err := markdownPage(b.String(), dir)
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(filepath.Join(dir, CompareHTML), page, 0o644)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
