package node

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/ssmde/ssmde/internal/cpuclock"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// latencyWindow is how many recent frames the latency percentiles cover.
const latencyWindow = 256

// Stats counts what the node did since start, and rates over the last diagnostics period.
type Stats struct {
	mu            sync.Mutex
	published     uint64
	failed        uint64
	badInfo       uint64
	noInfo        uint64
	outOfOrder    uint64
	timeJumps     uint64
	compressed    uint64
	lat           [latencyWindow]float64
	latN, latNext int
	lastIn        uint64
	lastOut       uint64
	lastAt        time.Time
	lastCPU       time.Duration
	lastError     string
	drops         map[string]uint64 // by reason (reasonOf), at most maxReasons
	// cpu reads the process's CPU time (cpuclock.Process; a test sets its own).
	cpu func() time.Duration
}

// Frame records one published frame and its receipt-to-publish latency.
func (s *Stats) Frame(latency time.Duration) {
	s.mu.Lock()
	s.published++
	s.lat[s.latNext] = float64(latency.Microseconds()) / 1000
	s.latNext = (s.latNext + 1) % latencyWindow
	s.latN = min(s.latN+1, latencyWindow)
	s.mu.Unlock()
}

// Failure records a dropped frame and why.
func (s *Stats) Failure(err error) {
	s.mu.Lock()
	s.failed++
	s.lastError = err.Error()
	s.drop(reasonOf("image", err))
	s.mu.Unlock()
}

// BadCameraInfo records a camera_info that failed validation.
func (s *Stats) BadCameraInfo(err error) {
	s.mu.Lock()
	s.badInfo++
	s.lastError = err.Error()
	s.drop(reasonOf("camera_info", err))
	s.mu.Unlock()
}

// drop counts one dropped input by reason; s.mu is held.
func (s *Stats) drop(reason string) {
	if s.drops == nil {
		s.drops = map[string]uint64{}
	}
	if _, ok := s.drops[reason]; !ok && len(s.drops) >= maxReasons-1 {
		reason = "other"
	}
	s.drops[reason]++
}

// ReasonCount is how many inputs were dropped for one reason.
type ReasonCount struct {
	Reason string
	Count  uint64
}

// CompressedDepth records one depth/compressedDepth image encoded.
func (s *Stats) CompressedDepth() {
	s.mu.Lock()
	s.compressed++
	s.mu.Unlock()
}

// OutOfOrder records an image dropped because it was stamped before the previous one.
func (s *Stats) OutOfOrder() {
	s.mu.Lock()
	s.outOfOrder++
	s.drop("image: stamped before the previous image")
	s.mu.Unlock()
}

// TimeJump records a jump of the image stamps back in time (odometry restarted).
func (s *Stats) TimeJump() {
	s.mu.Lock()
	s.timeJumps++
	s.mu.Unlock()
}

// NoCameraInfo records a frame dropped because its camera_info never came.
func (s *Stats) NoCameraInfo() {
	s.mu.Lock()
	s.noInfo++
	s.drop("image: no camera_info with its stamp")
	s.mu.Unlock()
}

// Snapshot is what one /diagnostics message reports.
type Snapshot struct {
	InputHz, OutputHz     float64
	P50MS, P95MS          float64
	Arrived, Dropped      uint64
	Published, Failed     uint64
	BadInfo, NoInfo       uint64
	OutOfOrder, TimeJumps uint64
	CompressedDepth       uint64 // depth/compressedDepth images encoded (only while subscribed)
	LastError             string
	Provider, Model       string
	Scale                 float64
	ScaleNote             string
	Shift                 float64                 // affine models
	Fit                   pipeline.AffineEstimate // camera_height (affine) and sparse_depth
	SecondsSinceLastInput float64
	// CPUPercent is the process's CPU use over the last period (100: one core busy), and
	// CPUPerFrameMS that CPU time per published frame (everything the process did, divided).
	CPUPercent, CPUPerFrameMS float64
	// Goroutines is the process's goroutine count (a leak shows as growth over a long run).
	Goroutines int
	// Drops counts dropped inputs by reason since start, most frequent first (at most
	// diagnosticsReasons of them).
	Drops []ReasonCount
}

// diagnosticsReasons is how many drop reasons one /diagnostics message lists.
const diagnosticsReasons = 16

// Snapshot computes rates since the previous call.
func (s *Stats) Snapshot(now time.Time, arrived, dropped uint64) Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := Snapshot{Arrived: arrived, Dropped: dropped, Published: s.published, Failed: s.failed,
		BadInfo: s.badInfo, NoInfo: s.noInfo, OutOfOrder: s.outOfOrder, TimeJumps: s.timeJumps, CompressedDepth: s.compressed, LastError: s.lastError,
		Goroutines: runtime.NumGoroutine()}
	if s.cpu == nil {
		s.cpu = cpuclock.Process
	}
	cpu := s.cpu()
	if !s.lastAt.IsZero() {
		dt := now.Sub(s.lastAt).Seconds()
		if dt > 0 {
			snap.InputHz = float64(arrived-s.lastIn) / dt
			snap.OutputHz = float64(s.published-s.lastOut) / dt
			snap.CPUPercent = 100 * (cpu - s.lastCPU).Seconds() / dt
		}
		if frames := s.published - s.lastOut; frames > 0 {
			snap.CPUPerFrameMS = float64((cpu - s.lastCPU).Microseconds()) / 1000 / float64(frames)
		}
	}
	s.lastIn, s.lastOut, s.lastAt, s.lastCPU = arrived, s.published, now, cpu
	for r, c := range s.drops {
		snap.Drops = append(snap.Drops, ReasonCount{r, c})
	}
	sort.Slice(snap.Drops, func(i, j int) bool {
		a, b := snap.Drops[i], snap.Drops[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Reason < b.Reason)
	})
	if len(snap.Drops) > diagnosticsReasons {
		snap.Drops = snap.Drops[:diagnosticsReasons]
	}
	if s.latN > 0 {
		l := append([]float64(nil), s.lat[:s.latN]...)
		sort.Float64s(l)
		snap.P50MS = l[(len(l)-1)/2]
		snap.P95MS = l[min(len(l)-1, int(0.95*float64(len(l))))]
	}
	return snap
}

// fitSummary says how the last per-frame scale fit went, for /diagnostics ("" without one).
func fitSummary(e pipeline.AffineEstimate) string {
	if e.Source == "" {
		return ""
	}
	state := "fresh"
	if !e.Fresh {
		state = "held"
	}
	return fmt.Sprintf("%s %s: %d of %d samples within the fit, rms %.3f", e.Source, state, e.Fit.Inliers, e.Fit.Points, e.Fit.RMSRel)
}

// DiagnosticArray renders a snapshot as /diagnostics (diagnostic_msgs), one status for the node.
func (snap Snapshot) DiagnosticArray(stamp msgs.Time, name, hardwareID string) *msgs.DiagnosticArray {
	level, message := msgs.DiagnosticOK, fmt.Sprintf("%.1f Hz in, %.1f Hz out, p50 %.1f ms", snap.InputHz, snap.OutputHz, snap.P50MS)
	switch {
	case snap.Arrived == 0:
		level, message = msgs.DiagnosticWarn, "no images received yet"
	case snap.InputHz == 0 && snap.SecondsSinceLastInput > 2:
		level, message = msgs.DiagnosticWarn, fmt.Sprintf("no images for %.0f s", snap.SecondsSinceLastInput)
	case snap.OutputHz == 0 && snap.InputHz > 0:
		level, message = msgs.DiagnosticError, "images arrive but no depth is published: "+snap.LastError
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	values := []msgs.KeyValue{
		{Key: "input_rate_hz", Value: f(snap.InputHz)},
		{Key: "output_rate_hz", Value: f(snap.OutputHz)},
		{Key: "latency_p50_ms", Value: f(snap.P50MS)},
		{Key: "latency_p95_ms", Value: f(snap.P95MS)},
		{Key: "cpu_percent", Value: f(snap.CPUPercent)},
		{Key: "cpu_ms_per_frame", Value: f(snap.CPUPerFrameMS)},
		{Key: "goroutines", Value: strconv.Itoa(snap.Goroutines)},
		{Key: "images_received", Value: u(snap.Arrived)},
		{Key: "images_dropped_busy", Value: u(snap.Dropped)},
		{Key: "images_failed", Value: u(snap.Failed)},
		{Key: "images_without_camera_info", Value: u(snap.NoInfo)},
		{Key: "camera_info_rejected", Value: u(snap.BadInfo)},
		{Key: "images_out_of_order", Value: u(snap.OutOfOrder)},
		{Key: "time_jumps", Value: u(snap.TimeJumps)},
		{Key: "depth_published", Value: u(snap.Published)},
		{Key: "compressed_depth_encoded", Value: u(snap.CompressedDepth)},
		{Key: "execution_provider", Value: snap.Provider},
		{Key: "model", Value: snap.Model},
		{Key: "metric_scale", Value: strconv.FormatFloat(snap.Scale, 'g', 6, 64)},
		{Key: "metric_shift", Value: strconv.FormatFloat(snap.Shift, 'g', 6, 64)},
		{Key: "metric_scale_note", Value: snap.ScaleNote},
		{Key: "scale_fit", Value: fitSummary(snap.Fit)},
		{Key: "last_error", Value: snap.LastError},
	}
	for _, d := range snap.Drops {
		values = append(values, msgs.KeyValue{Key: "dropped: " + d.Reason, Value: u(d.Count)})
	}
	return &msgs.DiagnosticArray{Header: msgs.Header{Stamp: stamp}, Status: []msgs.DiagnosticStatus{{
		Level: level, Name: name + ": depth", Message: message, HardwareID: hardwareID, Values: values}}}
}
