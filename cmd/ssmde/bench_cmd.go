package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/internal/cpuclock"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// runBench measures, in one process and interleaved round by round, a bare ONNX Runtime Run of
// the depth net and whole frames through the pipeline (DESIGN §9), and prints medians and ratios.
// It is the benchmark to run on a robot, where `go test -bench` is not at hand.
func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "[flags]", stderr)
	var pf pipelineFlags
	pf.register(fs)
	width := fs.Int("width", 1280, "camera image width")
	height := fs.Int("height", 720, "camera image height")
	frames := fs.Int("frames", 50, "timed rounds (after 5 warm-up rounds)")
	rate := fs.Float64("rate", 0, "also run frames at this camera rate (Hz), with ONNX Runtime's threads spinning and not, in alternating blocks: CPU use per frame and latency side by side")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := pf.single("bench"); err != nil {
		return err
	}
	if *width <= 0 || *height <= 0 || *frames <= 0 || *rate < 0 {
		return fmt.Errorf("--width %d --height %d --frames %d --rate %g: the first three must be positive, the rate not negative", *width, *height, *frames, *rate)
	}
	m, p, err := pf.open(pipeline.Config{Points: true, Cloud: pipeline.CloudConfig{RGB: true}, Colormap: true})
	if err != nil {
		return err
	}
	defer m.Close()
	defer func() { p.Close() }()
	w, h := *width, *height
	img := &msgs.Image{Width: uint32(w), Height: uint32(h), Encoding: "rgb8", Step: uint32(3 * w), Data: make([]byte, 3*w*h)}
	for i := range img.Data {
		img.Data[i] = byte((i/3)%251 + i%3*40)
	}
	cam := calibration.PinholeCamera(w, h, calibration.Intrinsics{Fx: 0.58 * float64(w), Fy: 1.92 * float64(h), Cx: float64(w)/2 - 0.5, Cy: float64(h)/2 - 0.5})
	if _, err := p.ProcessImage(img, &cam); errors.Is(err, pipeline.ErrScaleUnavailable) {
		// The bench image has no ground and no range sensor: time the per-pixel path with a
		// given scale and shift instead (the fit itself costs well under a millisecond:
		// go test ./pipeline -bench AffineFit).
		cfg := p.Config()
		p.Close()
		cfg.ScaleMode, cfg.FixedScale, cfg.FixedShift = pipeline.ScaleFixedAffine, 1, 0.1
		if p, err = pipeline.New(cfg, m); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "bench: %s cannot fit a scale on the synthetic bench image; timing with fixed_affine\n", pf.scaleMode)
	}
	var bare, frame []float64
	var frameCPU time.Duration
	for round := -5; round < *frames; round++ {
		t := time.Now()
		if err := m.Depth.Run(); err != nil {
			return err
		}
		b := time.Since(t)
		c := cpuclock.Process()
		t = time.Now()
		if _, err := p.ProcessImage(img, &cam); err != nil {
			return err
		}
		f := time.Since(t)
		if round >= 0 {
			frameCPU += cpuclock.Process() - c
			bare = append(bare, float64(b.Microseconds())/1000)
			frame = append(frame, float64(f.Microseconds())/1000)
		}
	}
	mb, mf := median(bare), median(frame)
	tw, th := m.Depth.InputSize()
	fmt.Fprintf(stdout, "bench: %s on %s, %dx%d rgb8 camera → %dx%d model, %d rounds (pose %v)\n",
		m.Manifest.Name, m.Provider(), w, h, tw, th, *frames, pf.pose && m.Pose != nil)
	fmt.Fprintf(stdout, "  bare depth Run            median %7.2f ms  (min %.2f, max %.2f)  ratio 1.00\n", mb, minOf(bare), maxOf(bare))
	fmt.Fprintf(stdout, "  whole frame, all outputs  median %7.2f ms  (min %.2f, max %.2f)  ratio %.2f\n", mf, minOf(frame), maxOf(frame), mf/mb)
	cpuPerFrame := float64(frameCPU.Microseconds()) / 1000 / float64(*frames)
	fmt.Fprintf(stdout, "  → at most %.1f frames/s on this machine; %.2f ms of CPU per frame back to back (spin_wait %v)\n", 1000/mf, cpuPerFrame, pf.spinWait)
	if *rate > 0 {
		p.Close()
		m.Close()
		return benchAtRate(pf, img, &cam, *rate, *frames, cpuPerFrame, stdout)
	}
	return nil
}

// benchAtRate runs frames at a camera's rate through two pipelines of the same model, one whose
// ONNX Runtime threads spin between operators and frames and one whose threads sleep, in
// alternating blocks of 10 frames (so that a drift of the machine affects both alike), and
// prints per variant the median latency and the CPU time per frame, idle time between frames
// included: what the node costs the robot's other processes.
func benchAtRate(pf pipelineFlags, img *msgs.Image, cam *calibration.Camera, rate float64, frames int, backToBackCPU float64, stdout io.Writer) error {
	type variant struct {
		name string
		p    *pipeline.Pipeline
		lat  []float64
		cpu  time.Duration
		n    int
	}
	var vs []*variant
	for _, spin := range []bool{false, true} {
		f := pf
		f.spinWait = spin
		m, p, err := f.open(pipeline.Config{Points: true, Cloud: pipeline.CloudConfig{RGB: true}, Colormap: true})
		if err != nil {
			return err
		}
		defer m.Close()
		defer p.Close()
		if _, err := p.ProcessImage(img, cam); err != nil {
			return err
		}
		vs = append(vs, &variant{name: map[bool]string{false: "spin_wait false", true: "spin_wait true "}[spin], p: p})
	}
	period := time.Duration(float64(time.Second) / rate)
	const block = 10
	next := time.Now()
	for done := 0; done < 2*frames; done += block {
		v := vs[(done/block)%2]
		c := cpuclock.Process()
		for k := 0; k < block; k++ {
			next = next.Add(period)
			t := time.Now()
			if _, err := v.p.ProcessImage(img, cam); err != nil {
				return err
			}
			v.lat = append(v.lat, float64(time.Since(t).Microseconds())/1000)
			time.Sleep(time.Until(next))
		}
		v.cpu += cpuclock.Process() - c
		v.n += block
	}
	fmt.Fprintf(stdout, "  at %.1f Hz (frames and the idle time between them; %d frames each, alternating blocks of %d):\n", rate, frames, block)
	off := float64(vs[0].cpu.Microseconds()) / 1000 / float64(vs[0].n)
	for _, v := range vs {
		perFrame := float64(v.cpu.Microseconds()) / 1000 / float64(v.n)
		fmt.Fprintf(stdout, "    %s  latency median %7.2f ms  CPU %6.2f ms per frame (%5.1f %% of a core)  ratio to back-to-back CPU %.2f  to spin_wait false %.2f\n",
			v.name, median(v.lat), perFrame, perFrame*rate/10, perFrame/backToBackCPU, perFrame/off)
	}
	return nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(v []float64) float64 {
	m := math.Inf(1)
	for _, x := range v {
		m = math.Min(m, x)
	}
	return m
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}
