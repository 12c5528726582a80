package eval

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/ssmde/ssmde/fileio"
)

// Saved is one evaluation as written to its report folder, read back for merging.
type Saved struct {
	Dir       string
	Results   resultsJSON
	Latencies []float64 // per frame, from frames.csv
}

// LoadSaved reads DIR/results.json and DIR/frames.csv.
func LoadSaved(dir string) (*Saved, error) {
	data, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (an eval report folder holds %s)", dir, err, ResultsFile)
	}
	s := &Saved{Dir: dir}
	if err := json.Unmarshal(data, &s.Results); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultsFile), err)
	}
	if s.Results.Schema != resultsSchema {
		return nil, fmt.Errorf("%s: schema %d, this ssmde reads %d", filepath.Join(dir, ResultsFile), s.Results.Schema, resultsSchema)
	}
	f, err := os.Open(filepath.Join(dir, FramesFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FramesFile), err)
	}
	col := -1
	for i, h := range header {
		if h == "latency_ms" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s: no latency_ms column", filepath.Join(dir, FramesFile))
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, FramesFile), err)
		}
		if v, err := strconv.ParseFloat(rec[col], 64); err == nil && v > 0 {
			s.Latencies = append(s.Latencies, v)
		}
	}
	return s, nil
}

// Merged is the aggregate over many evaluations: depth metrics are the per-frame means over all
// frames of all recordings (so merging equals evaluating everything as one), ego-motion errors
// are averaged per recording (each trajectory has its own alignment).
type Merged struct {
	Recordings           int
	Frames, Scored       int
	Failed               int
	All, Dynamic, Static MeanMetrics
	// Per-recording means of the odometry errors (each trajectory has its own alignment).
	ATESE3Mean, ATESim3Mean, RPETransMean float64
	PoseRecordings                        int
	Latency                               LatencyResult
	PerRecording                          []resultsJSON
	Errors                                map[string]string // source → why it stopped early

	// Followers and OtherMovers are the per-frame means over the recordings that report the split
	// (nil when none does).
	Followers, OtherMovers *MeanMetrics

	// Model, Provider and Protocol are the first recording's (frames scored and skipped summed);
	// Secondary merges the recordings' median-scaled views (nil when they have none).
	Model, Provider string
	Protocol        *ProtocolRecord
	Secondary       *ScaledMetrics
	// RPETransPerMMean is the mean drift per metre over the recordings that have it (nil: none).
	RPETransPerMMean *float64
}

// Merge aggregates saved evaluations.
func Merge(saved []*Saved) *Merged {
	m := &Merged{Recordings: len(saved), Errors: map[string]string{}}
	var all, dyn, st, fol, oth meanAcc
	var sAll, sDyn, sSt meanAcc
	var ratioSum, ratioSq, driftSum float64
	ratioN, driftN := 0, 0
	var lat []float64
	for _, s := range saved {
		r := s.Results
		m.PerRecording = append(m.PerRecording, r)
		if m.Model == "" {
			m.Model, m.Provider = r.Model, r.Provider
		}
		if r.Protocol != nil {
			if m.Protocol == nil {
				p := *r.Protocol
				p.FramesScored, p.FramesSkipped = 0, 0
				m.Protocol = &p
			}
			m.Protocol.FramesScored += r.Protocol.FramesScored
			m.Protocol.FramesSkipped += r.Protocol.FramesSkipped
		}
		if sc := r.Secondary; sc != nil && sc.All.Frames > 0 {
			sAll.addMean(sc.All)
			sDyn.addMean(sc.Dynamic)
			sSt.addMean(sc.Static)
			k := float64(sc.All.Frames)
			ratioSum += sc.RatioMean * k
			ratioSq += (sc.RatioStd*sc.RatioStd + sc.RatioMean*sc.RatioMean) * k
			ratioN += sc.All.Frames
		}
		if r.Pose != nil && r.Pose.RPETransPerM != nil {
			driftSum += *r.Pose.RPETransPerM
			driftN++
		}
		m.Frames += r.Frames
		m.Scored += r.Scored
		m.Failed += r.Failed
		if r.SourceError != "" {
			m.Errors[r.Source] = r.SourceError
		}
		all.addMean(r.All)
		dyn.addMean(r.Dynamic)
		st.addMean(r.Static)
		if r.Followers != nil && r.OtherMovers != nil {
			fol.addMean(*r.Followers)
			oth.addMean(*r.OtherMovers)
		}
		if r.Pose != nil {
			m.ATESE3Mean += r.Pose.ATESE3
			m.ATESim3Mean += r.Pose.ATESim3
			m.RPETransMean += r.Pose.RPETransPerFrame
			m.PoseRecordings++
		}
		lat = append(lat, s.Latencies...)
		m.Latency.RealtimeProcessed += r.Latency.RealtimeProcessed
		m.Latency.RealtimeDropped += r.Latency.RealtimeDropped
		m.Latency.ThroughputFPS += r.Latency.ThroughputFPS / float64(len(saved))
	}
	m.All, m.Dynamic, m.Static = all.mean(), dyn.mean(), st.mean()
	if ratioN > 0 {
		mean := ratioSum / float64(ratioN)
		m.Secondary = &ScaledMetrics{Scaling: string(ScaleMedian), All: sAll.mean(), Static: sSt.mean(), Dynamic: sDyn.mean(),
			RatioMean: mean, RatioStd: math.Sqrt(math.Max(0, ratioSq/float64(ratioN)-mean*mean))}
	}
	if driftN > 0 {
		d := driftSum / float64(driftN)
		m.RPETransPerMMean = &d
	}
	m.Followers, m.OtherMovers = moverSplit(&fol, &oth)
	if m.PoseRecordings > 0 {
		m.ATESE3Mean /= float64(m.PoseRecordings)
		m.ATESim3Mean /= float64(m.PoseRecordings)
		m.RPETransMean /= float64(m.PoseRecordings)
	}
	if len(lat) > 0 {
		sort.Float64s(lat)
		pct := func(q float64) float64 {
			return lat[int(math.Min(float64(len(lat)-1), math.Ceil(q*float64(len(lat)))-1))]
		}
		m.Latency.P50MS, m.Latency.P95MS, m.Latency.MaxMS = pct(0.5), pct(0.95), lat[len(lat)-1]
		for _, v := range lat {
			m.Latency.MeanMS += v / float64(len(lat))
		}
	}
	return m
}

// Summary is the merged table: one line per recording, then the aggregate.
func (m *Merged) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %7s %8s %8s %7s %8s %9s %8s\n", "recording", "frames", "abs_rel", "rmse", "a1", "dyn_rel", "dyn_a1", "ATE SE3/Sim3 (m)")
	for _, r := range m.PerRecording {
		ate := "-"
		if r.Pose != nil {
			ate = fmt.Sprintf("%.3f/%.3f", r.Pose.ATESE3, r.Pose.ATESim3)
		}
		name := filepath.Base(r.Source)
		if len(name) > 28 {
			name = name[len(name)-28:]
		}
		fmt.Fprintf(&b, "%-28s %7d %8.4f %8.3f %7.4f %8.4f %9.4f %8s\n", name, r.Frames, r.All.AbsRel, r.All.RMSE, r.All.Delta1, r.Dynamic.AbsRel, r.Dynamic.Delta1, ate)
	}
	ate := "-"
	if m.PoseRecordings > 0 {
		ate = fmt.Sprintf("%.3f/%.3f", m.ATESE3Mean, m.ATESim3Mean)
	}
	fmt.Fprintf(&b, "%-28s %7d %8.4f %8.3f %7.4f %8.4f %9.4f %8s\n", fmt.Sprintf("ALL (%d recordings)", m.Recordings), m.Frames,
		m.All.AbsRel, m.All.RMSE, m.All.Delta1, m.Dynamic.AbsRel, m.Dynamic.Delta1, ate)
	if m.Protocol != nil {
		b.WriteString(m.Protocol.headline())
	}
	writeMetricTable(&b, m.All, m.Static, m.Dynamic, m.Followers, m.OtherMovers)
	if s := m.Secondary; s != nil {
		fmt.Fprintf(&b, "\nmedian-scaled per image, for comparison with relative models (the metric scale's error: GT/pred %.3f ± %.3f):\n", s.RatioMean, s.RatioStd)
		writeMetricTable(&b, s.All, s.Static, s.Dynamic, nil, nil)
	}
	l := m.Latency
	fmt.Fprintf(&b, "latency over all frames: p50 %.1f ms, p95 %.1f ms, max %.1f ms; at camera rate %d processed, %d dropped\n",
		l.P50MS, l.P95MS, l.MaxMS, l.RealtimeProcessed, l.RealtimeDropped)
	for src, e := range m.Errors {
		fmt.Fprintf(&b, "note: %s stopped early: %s\n", src, e)
	}
	return b.String()
}

// WriteMerged writes the aggregate as DIR/results.json (same schema, Source "merged") and
// DIR/summary.txt.
func WriteMerged(dir string, m *Merged) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := struct {
		resultsJSON
		Recordings   int           `json:"recordings"`
		ATESE3Mean   float64       `json:"ate_se3_mean_m"`
		ATESim3Mean  float64       `json:"ate_sim3_mean_m"`
		PoseRecs     int           `json:"pose_recordings"`
		DriftPerM    *float64      `json:"rpe_trans_per_m_mean,omitempty"`
		PerRecording []resultsJSON `json:"per_recording"`
	}{resultsJSON: resultsJSON{Schema: resultsSchema, Source: "merged", Model: m.Model, Provider: m.Provider, Protocol: m.Protocol,
		Secondary: m.Secondary, Frames: m.Frames, Scored: m.Scored, Failed: m.Failed,
		All: m.All, Dynamic: m.Dynamic, Static: m.Static, Followers: m.Followers, OtherMovers: m.OtherMovers, Latency: m.Latency},
		Recordings: m.Recordings, ATESE3Mean: m.ATESE3Mean, ATESim3Mean: m.ATESim3Mean, PoseRecs: m.PoseRecordings, DriftPerM: m.RPETransPerMMean, PerRecording: m.PerRecording}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := fileio.WriteFileAtomic(filepath.Join(dir, ResultsFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return fileio.WriteFileAtomic(filepath.Join(dir, "summary.txt"), []byte(m.Summary()), 0o644)
}
