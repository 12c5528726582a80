package main

// System test of scale_mode sparse_depth through the node: an affine-invariant graph (Depth
// Anything V2 relative's signature, internal/testmodel.BYO "da2_relative": output
// byoA·disp + byoB of the disparity coded in the image) imported with `ssmde models import`, run
// by a real node process over Cyclone DDS, with a LiDAR-like PointCloud2 on /cam/sparse_depth as
// the only metric reference. The node must publish nothing until it has a fit, then the coded
// depth, and hold its fit when the clouds stop.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
)

// The camera of the sparse depth test: 518×518 (the model's input, so no resize), principal
// point at the image centre.
const (
	sparseFx, sparseFy = 300.0, 300.0
	sparseCx, sparseCy = 258.5, 258.5
	// The LiDAR pattern: sparseRows scan lines × sparseCols returns, a fraction sparseWrongFrac of
	// them wrong (multipath, rain, the wrong object).
	sparseRows, sparseCols = 16, 64
	sparseWrongFrac        = 0.3
)

// sparseDepthAt is frame n's depth (m) at pixel (u, v): a ground-like ramp from 2 m at the
// bottom row to 38.5 m at the top (quadratic in the row, so near rows change fastest), tilted
// by 1.5 m from left to right, with a box at 6 m (+0.2 m per frame) that moves right with n and
// a box at 17 m, so the frames differ and the fit sees a range of disparities with edges.
func sparseDepthAt(u, v, n int) float64 {
	if u >= 90+8*n && u < 190+8*n && v >= 220 && v < 420 {
		return 6 + 0.2*float64(n)
	}
	if u >= 320 && u < 460 && v >= 100 && v < 300 {
		return 17
	}
	r := float64(byoSide-1-v) / (byoSide - 1) // 0 at the bottom, 1 at the top
	return 2 + 36.5*r*r + 1.5*float64(u)/(byoSide-1)
}

// sparseFrame is frame n: the coded image, its camera_info, and the coded depth (1/decoded
// disparity) at every pixel.
func sparseFrame(n int, stamp msgs.Time, frame string) (*msgs.Image, *msgs.CameraInfo, []float64) {
	img := &msgs.Image{Header: msgs.Header{Stamp: stamp, FrameID: frame}, Width: byoSide, Height: byoSide,
		Encoding: "rgb8", Step: 3 * byoSide, Data: make([]byte, 3*byoSide*byoSide)}
	want := make([]float64, byoSide*byoSide)
	for v := 0; v < byoSide; v++ {
		for u := 0; u < byoSide; u++ {
			i := v*byoSide + u
			code, disp := byoCodedDisp(1 / sparseDepthAt(u, v, n))
			img.Data[3*i], img.Data[3*i+1], img.Data[3*i+2] = byte(code>>16), byte(code>>8), byte(code)
			want[i] = 1 / float64(disp)
		}
	}
	info := &msgs.CameraInfo{Header: msgs.Header{Stamp: stamp, FrameID: frame}, Width: byoSide, Height: byoSide,
		DistortionModel: "plumb_bob", D: []float64{0, 0, 0, 0, 0},
		K: [9]float64{sparseFx, 0, sparseCx, 0, sparseFy, sparseCy, 0, 0, 1}, R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1},
		P: [12]float64{sparseFx, 0, sparseCx, 0, 0, sparseFy, sparseCy, 0, 0, 0, 1, 0}}
	return img, info, want
}

// sparseCloud is an organised sparseRows×sparseCols LiDAR-like cloud of frame n in the camera
// optical frame (x, y, z, intensity as float32): each return at pixel (u, v) of a regular scan
// pattern is z·((u−cx)/fx, (v−cy)/fy, 1) with the true depth z, except for a random
// sparseWrongFrac of them, whose depth is off by a factor in [0.3, 3] at least 10 % away from 1
// (so each is clearly wrong, outside the fit's 5 % inlier band). It returns the number of good
// returns.
func sparseCloud(n int, stamp msgs.Time, frame string) (*msgs.PointCloud2, int) {
	const step = 16
	c := &msgs.PointCloud2{Header: msgs.Header{Stamp: stamp, FrameID: frame}, Height: sparseRows, Width: sparseCols,
		Fields: []msgs.PointField{{Name: "x", Offset: 0, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "y", Offset: 4, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "z", Offset: 8, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "intensity", Offset: 12, Datatype: msgs.PointFieldFloat32, Count: 1}},
		PointStep: step, RowStep: step * sparseCols, Data: make([]byte, step*sparseRows*sparseCols), IsDense: true}
	rng := rand.New(rand.NewPCG(0x5ba75e, uint64(n)))
	total := sparseRows * sparseCols
	wrong := make([]bool, total)
	nWrong := int(math.Round(sparseWrongFrac * float64(total)))
	for _, k := range rng.Perm(total)[:nWrong] {
		wrong[k] = true
	}
	put := func(b []byte, f float64) { binary.LittleEndian.PutUint32(b, math.Float32bits(float32(f))) }
	for r := 0; r < sparseRows; r++ {
		v := 30 + r*30 // rows 30 … 480
		for col := 0; col < sparseCols; col++ {
			u := 8 + col*8 // columns 8 … 512
			k := r*sparseCols + col
			z := sparseDepthAt(u, v, n)
			if wrong[k] {
				f := 1.0
				for math.Abs(f-1) < 0.1 {
					f = math.Exp(math.Log(0.3) + rng.Float64()*(math.Log(3)-math.Log(0.3)))
				}
				z *= f
			}
			p := c.Data[k*step:]
			put(p[0:], z*(float64(u)-sparseCx)/sparseFx)
			put(p[4:], z*(float64(v)-sparseCy)/sparseFy)
			put(p[8:], z)
			put(p[12:], 100)
		}
	}
	return c, total - nWrong
}

// sparseImportDA2 imports the fp32 da2_relative test graph with `ssmde models import --preset
// depth-anything-v2-relative` into a folder of the test and returns it.
func sparseImportDA2(t *testing.T) string {
	t.Helper()
	dir := testmodel.CopyDir(t, testmodel.BYO(t, "da2_relative"))
	imp := exec.Command(os.Args[0], "models", "import", "--preset", "depth-anything-v2-relative", filepath.Join(dir, "da2_relative.onnx"))
	imp.Env = append(os.Environ(), ntestChildEnv+"=1")
	if out, err := imp.CombinedOutput(); err != nil {
		t.Fatalf("ssmde models import: %v\n%s", err, out)
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "model.yaml"))
	if err != nil {
		t.Fatalf("models import wrote no model.yaml: %v", err)
	}
	if !strings.Contains(string(yaml), "kind: affine_disparity") {
		t.Fatalf("model.yaml has no \"kind: affine_disparity\":\n%s", yaml)
	}
	return dir
}

// sparseDiagAfter waits for a /diagnostics message published after this call (the second one
// from now, so it was rendered after the frames processed so far) that satisfies cond.
func sparseDiagAfter(t *testing.T, l *ntestListener, what string, d time.Duration, cond func() bool) {
	t.Helper()
	l.mu.Lock()
	start := l.diagN
	l.mu.Unlock()
	deadline := time.Now().Add(d)
	for {
		l.mu.Lock()
		n := l.diagN
		l.mu.Unlock()
		if n >= start+2 && cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for /diagnostics with %s; last: %s", d, what, l.diagSummary())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNodeSparseDepth: a node with scale_mode sparse_depth and an affine_disparity model
//   - A: without any sparse depth publishes no depth at all, counts the frames as failed and says
//     in /diagnostics that there is no sparse depth and no fit yet (it never invents a scale);
//   - B: with a LiDAR-like cloud stamped like each image (30 % of the returns wrong) publishes the
//     coded depth (within 1 % on ≥ 99 % of pixels) from a fresh fit whose inliers are exactly the
//     good returns;
//   - C: when the clouds stop, keeps publishing with the held fit, just as accurately, and says
//     it holds the last fit.
func TestNodeSparseDepth(t *testing.T) {
	t.Parallel()
	dir := sparseImportDA2(t)

	domain := ntestDomain()
	l := ntestListen(t, domain, "depth")
	capt := byoListen(t, domain)
	node := ntestStartNode(t, domain, nil, "-p", "model:="+dir, "-p", "threads:=2", "-p", "scale_mode:=sparse_depth",
		"-p", "publish_points:=false")
	cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")

	lidarNode, err := ros2.NewNode(ros2.NodeOptions{Name: "lidar", Namespace: "/cam", DomainID: &domain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lidarNode.Close() })
	// A LiDAR driver's QoS (best effort); "sparse_depth" resolves to /cam/sparse_depth, the
	// node's default sparse_depth_topic in its namespace.
	lidar, err := lidarNode.NewPublisher("sparse_depth", "sensor_msgs/msg/PointCloud2", ros2.QoSSensorData)
	if err != nil {
		t.Fatal(err)
	}
	cam.waitMatched(t)
	ntestWait(t, "the node to subscribe to /cam/sparse_depth", 20*time.Second, func() bool {
		m, _ := lidar.MatchedSubscriptions()
		return m > 0
	})
	alive := func() {
		if !node.running() {
			t.Fatalf("node exited with %d", node.code)
		}
	}

	// Frames are stamped 1 s apart, so a cloud is never within sparse_depth_max_age (0.5 s) of
	// another frame than its own.
	stampOf := func(n int) msgs.Time { return msgs.TimeFromNanos(int64(8000+n) * 1e9) }

	// checkDepth compares frame n's published depth with the coded depth.
	checkDepth := func(phase string, n int, want []float64) {
		t.Helper()
		full, _ := capt.get(stampOf(n))
		if full.Width != byoSide || full.Height != byoSide || full.Encoding != "32FC1" || len(full.Data) != 4*byoSide*byoSide {
			t.Fatalf("%s frame %d: depth %dx%d %s with %d bytes, want %dx%d 32FC1", phase, n, full.Width, full.Height, full.Encoding,
				len(full.Data), byoSide, byoSide)
		}
		within1, within1e3, maxRel, maxAt := 0, 0, 0.0, 0
		for i := range want {
			got := float64(ntestF32(full.Data[4*i:]))
			rel := math.Abs(got-want[i]) / want[i]
			if math.IsNaN(rel) {
				rel = math.Inf(1)
			}
			if rel <= 0.01 {
				within1++
			}
			if rel <= 1e-3 {
				within1e3++
			}
			if rel > maxRel {
				maxRel, maxAt = rel, i
			}
		}
		if within1 < len(want)*99/100 {
			u, v := maxAt%byoSide, maxAt/byoSide
			t.Errorf("%s frame %d: only %d of %d depth pixels within 1 %% of the coded depth; worst (%d, %d): %v m, want %v m",
				phase, n, within1, len(want), u, v, ntestF32(full.Data[4*maxAt:]), want[maxAt])
		}
		t.Logf("%s frame %d: %d/%d pixels within 1 %%, %d within 0.1 %%, largest relative error %.3g",
			phase, n, within1, len(want), within1e3, maxRel)
	}

	// sendUntilDepth publishes frame n (its cloud first when cloud is set) until its depth
	// arrives: the clouds are best effort, so each try gives the cloud a moment to land first.
	// resent counts the tries after the first (each may have cost a failed frame).
	resent := 0
	sendUntilDepth := func(phase string, n int, img *msgs.Image, info *msgs.CameraInfo, cloud *msgs.PointCloud2) {
		t.Helper()
		var last time.Time
		tries := 0
		ntestWait(t, fmt.Sprintf("%s: depth of frame %d", phase, n), 15*time.Second, func() bool {
			alive()
			if d, _ := capt.get(stampOf(n)); d != nil {
				return true
			}
			if time.Since(last) > 2*time.Second {
				if tries++; tries > 1 {
					resent++
					t.Logf("%s frame %d: no depth after %v, sending again (try %d)", phase, n, time.Since(last).Round(time.Millisecond), tries)
				}
				if cloud != nil {
					if err := lidar.Publish(cloud); err != nil {
						t.Fatal(err)
					}
					time.Sleep(100 * time.Millisecond)
				}
				cam.info.Publish(info)
				cam.img.Publish(img)
				last = time.Now()
			}
			return false
		})
	}

	// Phase A: images and camera_info, no cloud ever.
	const phaseA = 5
	for n := 0; n < phaseA; n++ {
		alive()
		img, info, _ := sparseFrame(n, stampOf(n), cam.frame)
		cam.info.Publish(info)
		cam.img.Publish(img)
		time.Sleep(250 * time.Millisecond)
	}
	sparseDiagAfter(t, l, "images_failed > 0 and metric_scale_note saying no sparse depth, no fit yet", 10*time.Second, func() bool {
		note, _ := l.diagValue("metric_scale_note")
		return l.diagUint("images_received") >= phaseA && l.diagUint("images_failed") > 0 &&
			strings.Contains(note, "no sparse depth") && strings.Contains(note, "no fit yet")
	})
	time.Sleep(300 * time.Millisecond) // a depth image in flight would land by now
	if got := len(l.depths()); got > 0 {
		t.Errorf("phase A: %d depth images published without any sparse depth; want none (no fit, no scale)", got)
	}
	failedA := l.diagUint("images_failed")
	if p := l.diagUint("depth_published"); p != 0 {
		t.Errorf("phase A: /diagnostics depth_published %d, want 0", p)
	}
	if fit, _ := l.diagValue("scale_fit"); fit != "" {
		t.Logf("phase A: scale_fit %q", fit)
	}
	noteA, _ := l.diagValue("metric_scale_note")
	t.Logf("phase A: %d images received, %d failed, dropped busy %d; metric_scale_note %q", l.diagUint("images_received"),
		failedA, l.diagUint("images_dropped_busy"), noteA)
	if c := strings.Count(node.out.String(), "depth not published"); c != 1 {
		t.Errorf("phase A: node logged \"depth not published\" %d times, want once (once per reason)", c)
	}

	// Phase B: a cloud with each image's stamp, published just before it.
	const phaseB = 6
	for n := phaseA; n < phaseA+phaseB; n++ {
		img, info, want := sparseFrame(n, stampOf(n), cam.frame)
		cloud, good := sparseCloud(n, stampOf(n), cam.frame)
		sendUntilDepth("phase B", n, img, info, cloud)
		checkDepth("phase B", n, want)
		if n == phaseA+phaseB-1 {
			// The last fit: fresh, on every return, with the good ones exactly as inliers.
			wantFit := fmt.Sprintf("sparse_depth fresh: %d of %d samples within the fit", good, sparseRows*sparseCols)
			sparseDiagAfter(t, l, "a fresh scale_fit", 10*time.Second, func() bool {
				fit, _ := l.diagValue("scale_fit")
				return strings.HasPrefix(fit, "sparse_depth fresh")
			})
			fit, _ := l.diagValue("scale_fit")
			if !strings.HasPrefix(fit, wantFit) {
				t.Errorf("phase B: scale_fit %q, want %q…", fit, wantFit)
			}
			note, _ := l.diagValue("metric_scale_note")
			if note != "" {
				t.Errorf("phase B: metric_scale_note %q with a fresh fit, want empty", note)
			}
			// The fit inverts the graph: disp = (x − byoB)/byoA.
			s, sh := l.diagFloat("metric_scale"), l.diagFloat("metric_shift")
			if math.Abs(s*byoA-1) > 1e-3 || math.Abs(sh+byoB/byoA) > 1e-3*byoB/byoA {
				t.Errorf("phase B: metric_scale %v, metric_shift %v; want %v, %v", s, sh, 1/byoA, -byoB/byoA)
			}
			t.Logf("phase B: scale_fit %q, metric_scale %v (want %.6g), metric_shift %v (want %.6g)", fit, s, 1/byoA, sh, -byoB/byoA)
		}
	}

	// Phase C: the clouds stop; the images go on.
	const phaseC = 4
	for n := phaseA + phaseB; n < phaseA+phaseB+phaseC; n++ {
		img, info, want := sparseFrame(n, stampOf(n), cam.frame)
		sendUntilDepth("phase C", n, img, info, nil)
		checkDepth("phase C", n, want)
	}
	sparseDiagAfter(t, l, "metric_scale_note holding the last fit", 10*time.Second, func() bool {
		note, _ := l.diagValue("metric_scale_note")
		return strings.Contains(note, "holding the last fit")
	})
	noteC, _ := l.diagValue("metric_scale_note")
	fitC, _ := l.diagValue("scale_fit")
	if !strings.Contains(noteC, "no sparse depth") {
		t.Errorf("phase C: metric_scale_note %q does not say why (no sparse depth)", noteC)
	}
	if !strings.Contains(fitC, "held") {
		t.Errorf("phase C: scale_fit %q does not say the fit is held", fitC)
	}
	// A frame whose cloud came too late fails (before the first fit) and is sent again.
	if f := l.diagUint("images_failed"); f < failedA || f > failedA+int64(resent) {
		t.Errorf("images_failed %d after phases B and C, want still %d (phase A's; frames sent again: %d)", f, failedA, resent)
	}
	if p := l.diagUint("depth_published"); p < phaseB+phaseC {
		t.Errorf("depth_published %d, want at least %d (phases B and C)", p, phaseB+phaseC)
	}
	t.Logf("phase C: metric_scale_note %q, scale_fit %q, metric_scale %v, metric_shift %v", noteC, fitC,
		l.diagFloat("metric_scale"), l.diagFloat("metric_shift"))
}
