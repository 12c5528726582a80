//go:build soak

package main

// The soak (`make soak`, not part of make test): the node with the shipped default model for
// SSMDE_SOAK_MINUTES (default 30) of 1280×720 rgb8 at 30 Hz over DDS, with a subscriber on every
// output, sampling once a minute the node's RSS, threads, open files and goroutines and the
// end-to-end latency (camera publish → depth at the subscriber) p50/p95/p99 of that minute.
// Writes build/soak/soak.csv and build/soak/soak.png. Passes when RSS at the end is within 5 % of
// minute 5 and the last minute's p99 is within 1.5× of minute 5's.

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

type soakSample struct {
	minute                      int
	rssMB                       float64
	threads, fds, goroutines    int
	p50, p95, p99               float64 // ms
	frames, depths, droppedBusy int64
}

func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func TestNodeSoak(t *testing.T) {
	minutes := 30
	if v := os.Getenv("SSMDE_SOAK_MINUTES"); v != "" {
		var err error
		if minutes, err = strconv.Atoi(v); err != nil || minutes < 2 {
			t.Fatalf("SSMDE_SOAK_MINUTES=%q: want whole minutes, at least 2", v)
		}
	}
	const w, h, hz = 1280, 720, 30
	model := filepath.Join(testmodel.RepoRoot(t), "models", "default")
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth", "depth/camera_info", "points", "odom")
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "diagnostics_period:=1")
	cam := ntestNewCamera(t, domain, ros2.QoSSensorData, "soak_camera_optical")
	cam.waitMatched(t)

	var mu sync.Mutex
	sentAt := map[int64]time.Time{} // stamp → publish time
	img := ntestImage(w, h, 0, cam.frame, msgs.Time{})
	stream := ntestStartStream(t, cam, hz, func(n int) (*msgs.Image, *msgs.CameraInfo) {
		img.Header.Stamp = ntestStamp(7000, n)
		ntestTexture(img.Data, w, h, n)
		mu.Lock()
		sentAt[img.Header.Stamp.Nanos()] = time.Now()
		mu.Unlock()
		return img, ntestInfo(w, h, 0.58*w, 1.92*h, cam.frame, img.Header.Stamp)
	})
	defer stream.stop()

	var samples []soakSample
	seen := 0 // depth images already turned into latencies
	pid := node.cmd.Process.Pid
	for m := 1; m <= minutes; m++ {
		time.Sleep(time.Minute)
		if !node.running() {
			t.Fatalf("node exited with %d in minute %d", node.code, m)
		}
		depths := l.depths()
		var lat []float64
		mu.Lock()
		for _, d := range depths[seen:] {
			if at, ok := sentAt[d.img.Header.Stamp.Nanos()]; ok {
				lat = append(lat, float64(d.at.Sub(at).Microseconds())/1000)
			}
		}
		for k, at := range sentAt { // keep the map small: a frame not out after 10 s never will be
			if time.Since(at) > 10*time.Second {
				delete(sentAt, k)
			}
		}
		mu.Unlock()
		seen = len(depths)
		sort.Float64s(lat)
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		s := soakSample{minute: m, rssMB: float64(node.rssKB()) / 1024, threads: ntestProcStatus(pid, "Threads"), fds: len(fds),
			goroutines: int(l.diagUint("goroutines")), p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), p99: percentile(lat, 0.99),
			frames: int64(stream.count()), depths: int64(len(depths)), droppedBusy: l.diagUint("images_dropped_busy")}
		samples = append(samples, s)
		t.Logf("minute %d: RSS %.1f MB, %d threads, %d open files, %d goroutines, latency p50 %.0f / p95 %.0f / p99 %.0f ms, %d frames sent, %d depth, %d busy drops",
			m, s.rssMB, s.threads, s.fds, s.goroutines, s.p50, s.p95, s.p99, s.frames, s.depths, s.droppedBusy)
	}
	out := filepath.Join(testmodel.RepoRoot(t), "build", "soak")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("minute,rss_mb,threads,open_files,goroutines,latency_p50_ms,latency_p95_ms,latency_p99_ms,frames_sent,depth_images,images_dropped_busy\n")
	for _, s := range samples {
		fmt.Fprintf(&csv, "%d,%.1f,%d,%d,%d,%.1f,%.1f,%.1f,%d,%d,%d\n", s.minute, s.rssMB, s.threads, s.fds, s.goroutines, s.p50, s.p95, s.p99, s.frames, s.depths, s.droppedBusy)
	}
	if err := os.WriteFile(filepath.Join(out, "soak.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := soakPlot(samples).Save(8*vg.Inch, 4*vg.Inch, filepath.Join(out, "soak.png")); err != nil {
		t.Fatal(err)
	}
	ref := samples[min(4, len(samples)-1)] // minute 5
	last := samples[len(samples)-1]
	if d := (last.rssMB - ref.rssMB) / ref.rssMB; d > 0.05 || d < -0.05 {
		t.Errorf("RSS %.1f MB at the end, %.1f MB at minute %d: %+.1f %% (want within 5 %%)", last.rssMB, ref.rssMB, ref.minute, 100*d)
	}
	if last.p99 > 1.5*ref.p99 {
		t.Errorf("latency p99 %.0f ms in the last minute, %.0f ms at minute %d: not stable", last.p99, ref.p99, ref.minute)
	}
	if last.goroutines > ref.goroutines+5 || last.fds > ref.fds+5 {
		t.Errorf("goroutines %d → %d, open files %d → %d from minute %d to the end", ref.goroutines, last.goroutines, ref.fds, last.fds, ref.minute)
	}
}

// soakPlot draws RSS (MB) and the latency percentiles (ms) per minute.
func soakPlot(samples []soakSample) *plot.Plot {
	p := plot.New()
	p.Title.Text = "Soak: 1280×720 at 30 Hz over DDS, default model"
	p.X.Label.Text = "minute"
	p.Y.Label.Text = "RSS (MB) · latency (ms)"
	p.Add(plotter.NewGrid())
	for _, s := range []struct {
		name string
		y    func(soakSample) float64
		c    color.RGBA
	}{
		{"RSS (MB)", func(s soakSample) float64 { return s.rssMB }, color.RGBA{30, 30, 30, 255}},
		{"latency p50 (ms)", func(s soakSample) float64 { return s.p50 }, color.RGBA{40, 110, 220, 255}},
		{"latency p95 (ms)", func(s soakSample) float64 { return s.p95 }, color.RGBA{240, 150, 30, 255}},
		{"latency p99 (ms)", func(s soakSample) float64 { return s.p99 }, color.RGBA{220, 50, 30, 255}},
	} {
		pts := make(plotter.XYs, len(samples))
		for i, v := range samples {
			pts[i] = plotter.XY{X: float64(v.minute), Y: s.y(v)}
		}
		if line, points, err := plotter.NewLinePoints(pts); err == nil {
			line.Color, points.Color = s.c, s.c
			p.Add(line, points)
			p.Legend.Add(s.name, line, points)
		}
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min = 0
	return p
}
