package main

// System test of model contract v2 through the node: a public-export-shaped fp16 graph (Depth
// Anything V2 relative, internal/testmodel.BYO) imported with `ssmde models import`, run by a real
// node process over Cyclone DDS with scale_mode fixed_affine, fed images whose RGB codes a known
// disparity (models/testdata/byo/make_graphs.py), so every output pixel has a known value.

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
)

// The GT code and the relative graphs' function (make_graphs.py): the image's 24-bit RGB carries
// disp/byoDispMax; the graph outputs byoA·disp + byoB.
const (
	byoDispMax = 10.0
	byoCodeMax = 1<<24 - 1
	byoA       = 3.7
	byoB       = 0.25
	byoSide    = 518
)

// byoCapture keeps whole /cam/depth and /cam/points messages (ntestListener drops their data),
// by stamp.
type byoCapture struct {
	mu     sync.Mutex
	depth  map[msgs.Time]msgs.Image
	clouds map[msgs.Time]msgs.PointCloud2
}

func byoListen(t *testing.T, domain int) *byoCapture {
	t.Helper()
	n, err := ros2.NewNode(ros2.NodeOptions{Name: "byo_capture", Namespace: "/", DomainID: &domain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	c := &byoCapture{depth: map[msgs.Time]msgs.Image{}, clouds: map[msgs.Time]msgs.PointCloud2{}}
	if _, err := n.Subscribe("/cam/depth", "sensor_msgs/msg/Image", ros2.QoSDefault, func(data []byte, _ ros2.SampleInfo) {
		var m msgs.Image
		if err := m.UnmarshalCDR(data); err != nil {
			t.Errorf("/cam/depth: %v", err)
			return
		}
		c.mu.Lock()
		c.depth[m.Header.Stamp] = m
		c.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Subscribe("/cam/points", "sensor_msgs/msg/PointCloud2", ros2.QoSDefault, func(data []byte, _ ros2.SampleInfo) {
		var m msgs.PointCloud2
		if err := m.UnmarshalCDR(data); err != nil {
			t.Errorf("/cam/points: %v", err)
			return
		}
		c.mu.Lock()
		c.clouds[m.Header.Stamp] = m
		c.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *byoCapture) get(stamp msgs.Time) (*msgs.Image, *msgs.PointCloud2) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var d *msgs.Image
	var p *msgs.PointCloud2
	if m, ok := c.depth[stamp]; ok {
		d = &m
	}
	if m, ok := c.clouds[stamp]; ok {
		p = &m
	}
	return d, p
}

// byoCodedDisp is the disparity the graph decodes from the code of disp, computed as the graph
// does (float32).
func byoCodedDisp(disp float64) (code uint32, decoded float32) {
	code = uint32(math.Round(math.Min(1, math.Max(0, disp/byoDispMax)) * byoCodeMax))
	return code, float32(code) / float32(byoCodeMax) * float32(byoDispMax)
}

// byoHalfULP is half the spacing of float16 values around x > 0 (normal range).
func byoHalfULP(x float64) float64 {
	_, e := math.Frexp(x) // x = f·2^e, f in [0.5, 1): the binade is [2^(e-1), 2^e)
	return math.Ldexp(1, e-1-10) / 2
}

// byoDepthAt is frame n's depth (m) at pixel (u, v): a left-to-right ramp of 2 m … 38 m that
// scrolls with n, plus up to 2 m from top to bottom, so the map is neither flip- nor
// transpose-symmetric and each frame differs.
func byoDepthAt(u, v, n int) float64 {
	return 2 + 36*float64((u+97*n)%byoSide)/(byoSide-1) + 2*float64(v)/(byoSide-1)
}

// TestNodeRunsImportedFP16Model: `ssmde models import --preset depth-anything-v2-relative` on an
// fp16 graph with the public export's signature writes an affine_disparity model.yaml; the node
// runs it (fp16 in and out) with scale_mode fixed_affine set so that metric disparity equals the
// coded one, and publishes, for 518×518 coded images, depth equal to the coded depth at every
// pixel (within fp16 rounding of the output), its camera_info, and the organised cloud.
func TestNodeRunsImportedFP16Model(t *testing.T) {
	t.Parallel()
	dir := testmodel.CopyDir(t, testmodel.BYO(t, "da2_relative_fp16"))
	onnxPath := filepath.Join(dir, "da2_relative_fp16.onnx")

	// 1. ssmde models import, as a subprocess (this test binary re-executed as ssmde).
	imp := exec.Command(os.Args[0], "models", "import", "--preset", "depth-anything-v2-relative", onnxPath)
	imp.Env = append(os.Environ(), ntestChildEnv+"=1")
	out, err := imp.CombinedOutput()
	if err != nil {
		t.Fatalf("ssmde models import: %v\n%s", err, out)
	}
	yaml, err := os.ReadFile(filepath.Join(dir, "model.yaml"))
	if err != nil {
		t.Fatalf("models import wrote no model.yaml: %v\n%s", err, out)
	}
	hasKind := false
	for _, l := range strings.Split(string(yaml), "\n") {
		if strings.TrimSpace(l) == "kind: affine_disparity" {
			hasKind = true
		}
	}
	if !hasKind {
		t.Fatalf("model.yaml has no \"kind: affine_disparity\":\n%s", yaml)
	}
	if man, err := models.LoadManifest(dir); err != nil {
		t.Errorf("model.yaml does not load: %v", err)
	} else if man.Input.Width != byoSide || man.Input.Height != byoSide {
		t.Errorf("model.yaml input %dx%d, want %dx%d", man.Input.Width, man.Input.Height, byoSide, byoSide)
	}
	t.Logf("models import:\n%s", strings.TrimSpace(string(out)))

	// 2. The node, with the affine inverse of the graph's: S·x + T = disp.
	scale, shift := 1/byoA, -byoB/byoA
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth", "depth/camera_info", "points")
	capt := byoListen(t, domain)
	node := ntestStartNode(t, domain, nil, "-p", "model:="+dir, "-p", "threads:=2", "-p", "scale_mode:=fixed_affine",
		"-p", "fixed_scale:="+strconv.FormatFloat(scale, 'g', -1, 64), "-p", "fixed_shift:="+strconv.FormatFloat(shift, 'g', -1, 64))
	cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")
	cam.waitMatched(t)

	// 3. Coded frames.
	const fx, fy, cx, cy = 300.0, 300.0, 258.5, 258.5
	s32, t32 := float32(scale), float32(shift)
	for n := 0; n < 3; n++ {
		stamp := ntestStamp(6000, n)
		img := &msgs.Image{Header: msgs.Header{Stamp: stamp, FrameID: cam.frame}, Width: byoSide, Height: byoSide,
			Encoding: "rgb8", Step: 3 * byoSide, Data: make([]byte, 3*byoSide*byoSide)}
		want := make([]float64, byoSide*byoSide)     // the coded depth, 1/decoded disparity
		tol := make([]float64, byoSide*byoSide)      // its relative tolerance: fp16 output rounding
		emulated := make([]float32, byoSide*byoSide) // the graph's and the node's arithmetic, emulated
		for v := 0; v < byoSide; v++ {
			for u := 0; u < byoSide; u++ {
				i := v*byoSide + u
				code, disp := byoCodedDisp(1 / byoDepthAt(u, v, n))
				img.Data[3*i], img.Data[3*i+1], img.Data[3*i+2] = byte(code>>16), byte(code>>8), byte(code)
				want[i] = 1 / float64(disp)
				x := float64(byoA)*float64(disp) + byoB
				// |Δx| ≤ half an fp16 ulp, so |Δdisp| ≤ S·that: relative to disp, the depth's error.
				tol[i] = scale*byoHalfULP(x)/float64(disp) + 1e-5
				// ONNX Runtime's Mul then Add, each rounded (the conversion keeps Go from fusing them).
				x16 := models.Float16ToFloat32(models.Float32ToFloat16(float32(float32(byoA)*disp) + float32(byoB)))
				emulated[i] = 1 / (s32*x16 + t32)
			}
		}
		info := &msgs.CameraInfo{Header: msgs.Header{Stamp: stamp, FrameID: cam.frame}, Width: byoSide, Height: byoSide,
			DistortionModel: "plumb_bob", D: []float64{0, 0, 0, 0, 0},
			K: [9]float64{fx, 0, cx, 0, fy, cy, 0, 0, 1}, R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1},
			P: [12]float64{fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0}}

		var depth *ntestDepth
		var dinfo *msgs.CameraInfo
		var cloud *msgs.PointCloud2
		var full *msgs.Image
		var fullCloud *msgs.PointCloud2
		ntestWait(t, fmt.Sprintf("depth, depth/camera_info and points of frame %d", n), 20*time.Second, func() bool {
			if !node.running() {
				t.Fatalf("node exited with %d", node.code)
			}
			for _, d := range l.depths() {
				if d.img.Header.Stamp == stamp {
					depth = &d
				}
			}
			for _, di := range l.depthInfos() {
				if di.Header.Stamp == stamp {
					dinfo = &di
				}
			}
			for _, c := range l.clouds() {
				if c.Header.Stamp == stamp {
					cloud = &c
				}
			}
			full, fullCloud = capt.get(stamp)
			if depth != nil && dinfo != nil && cloud != nil && full != nil && fullCloud != nil {
				return true
			}
			cam.info.Publish(info)
			cam.img.Publish(img)
			time.Sleep(300 * time.Millisecond)
			return false
		})

		// The depth image: size, encoding, header, and every pixel.
		if depth.img.Width != byoSide || depth.img.Height != byoSide || depth.img.Encoding != "32FC1" ||
			depth.img.Step != 4*byoSide || depth.img.Header.FrameID != cam.frame || depth.nFin != byoSide*byoSide {
			t.Errorf("frame %d: depth %dx%d %s step %d frame %q with %d finite; want %dx%d 32FC1 step %d frame %q, all finite",
				n, depth.img.Width, depth.img.Height, depth.img.Encoding, depth.img.Step, depth.img.Header.FrameID, depth.nFin,
				byoSide, byoSide, 4*byoSide, cam.frame)
		}
		if len(full.Data) != 4*byoSide*byoSide || full.IsBigEndian != 0 {
			t.Fatalf("frame %d: depth data %d bytes (big endian %d), want %d little-endian", n, len(full.Data), full.IsBigEndian, 4*byoSide*byoSide)
		}
		bad, worst, worstAt, maxRel, maxRelAt, exact := 0, 0.0, 0, 0.0, 0, 0
		got := make([]float32, byoSide*byoSide)
		for i := range got {
			got[i] = ntestF32(full.Data[4*i:])
			rel := math.Abs(float64(got[i])-want[i]) / want[i]
			if math.IsNaN(rel) {
				rel = math.Inf(1)
			}
			if rel > maxRel {
				maxRel, maxRelAt = rel, i
			}
			if r := rel / tol[i]; r > worst {
				worst, worstAt = r, i
			}
			if !(rel <= tol[i]) {
				bad++
			}
			if got[i] == emulated[i] {
				exact++
			}
		}
		if bad > 0 {
			u, v := worstAt%byoSide, worstAt/byoSide
			t.Errorf("frame %d: %d of %d depth pixels off the coded depth by more than fp16 rounding; worst (%d, %d): %v m, want %v m ± %.2g relative",
				n, bad, len(got), u, v, got[worstAt], want[worstAt], tol[worstAt])
		}
		// With no resize the node's output is the coded depth up to the fp16 rounding alone: it
		// matches the emulated arithmetic (bit for bit unless a rounding tie goes the other way).
		if exact < len(got)*99/100 {
			t.Errorf("frame %d: only %d of %d depth pixels equal the emulated fp16 arithmetic", n, exact, len(got))
		}
		if maxRel > 1e-3 {
			t.Logf("frame %d: largest relative depth error %.3g (> 1e-3: fp16 output rounding amplified by the shift at far pixels; bound %.3g)",
				n, maxRel, tol[maxRelAt])
		}

		// depth/camera_info: the image's size and K (no resize).
		if dinfo.Width != byoSide || dinfo.Height != byoSide || dinfo.Header.FrameID != cam.frame {
			t.Errorf("frame %d: depth camera_info %dx%d frame %q, want %dx%d %q", n, dinfo.Width, dinfo.Height, dinfo.Header.FrameID, byoSide, byoSide, cam.frame)
		}
		for k, w := range info.K {
			if math.Abs(dinfo.K[k]-w) > 1e-9 {
				t.Errorf("frame %d: depth camera_info K %v, want %v", n, dinfo.K, info.K)
				break
			}
		}

		// The cloud: organised, one point per pixel, z the depth, x y its back-projection, rgb the pixel.
		if cloud.Width != byoSide || cloud.Height != byoSide || cloud.Header.FrameID != cam.frame {
			t.Errorf("frame %d: cloud %dx%d frame %q, want %dx%d (decimation 1) %q", n, cloud.Width, cloud.Height, cloud.Header.FrameID, byoSide, byoSide, cam.frame)
		}
		off := map[string]int{}
		for _, f := range fullCloud.Fields {
			if f.Datatype != msgs.PointFieldFloat32 || f.Count != 1 {
				t.Fatalf("frame %d: cloud field %+v, want float32 ×1", n, f)
			}
			off[f.Name] = int(f.Offset)
		}
		ps := int(fullCloud.PointStep)
		_, hasX := off["x"]
		_, hasY := off["y"]
		_, hasZ := off["z"]
		if !hasX || !hasY || !hasZ || fullCloud.IsBigEndian || len(fullCloud.Data) != ps*byoSide*byoSide ||
			int(fullCloud.RowStep) != ps*byoSide {
			t.Fatalf("frame %d: cloud fields %+v, point step %d, row step %d, %d bytes, big endian %v; want x y z, %d points",
				n, fullCloud.Fields, ps, fullCloud.RowStep, len(fullCloud.Data), fullCloud.IsBigEndian, byoSide*byoSide)
		}
		cbad, cfirst := 0, ""
		for v := 0; v < byoSide; v++ {
			for u := 0; u < byoSide; u++ {
				i := v*byoSide + u
				p := fullCloud.Data[i*ps:]
				x, y, z := ntestF32(p[off["x"]:]), ntestF32(p[off["y"]:]), ntestF32(p[off["z"]:])
				wx, wy := float64(z)*(float64(u)-cx)/fx, float64(z)*(float64(v)-cy)/fy
				okRGB := true
				if o, ok := off["rgb"]; ok {
					okRGB = p[o] == img.Data[3*i+2] && p[o+1] == img.Data[3*i+1] && p[o+2] == img.Data[3*i]
				}
				if z != got[i] || math.Abs(float64(x)-wx) > 1e-5*float64(z) || math.Abs(float64(y)-wy) > 1e-5*float64(z) || !okRGB {
					if cbad == 0 {
						cfirst = fmt.Sprintf("(%d, %d): point (%v, %v, %v), want (%v, %v, %v) (rgb ok %v)", u, v, x, y, z, wx, wy, got[i], okRGB)
					}
					cbad++
				}
			}
		}
		if cbad > 0 {
			t.Errorf("frame %d: %d of %d cloud points do not back-project the depth; first %s", n, cbad, byoSide*byoSide, cfirst)
		}
		t.Logf("frame %d: %dx%d depth in [%.3f, %.3f] m, %d/%d pixels bit-equal to the emulated fp16 arithmetic, largest relative error %.3g; cloud %dx%d, point step %d",
			n, depth.img.Width, depth.img.Height, depth.lo, depth.hi, exact, len(got), maxRel, cloud.Width, cloud.Height, ps)
	}

	// 4. The node runs the model in fp16 and says so.
	log := node.out.String()
	var loaded string
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "model loaded") {
			loaded = line
		}
	}
	if !strings.Contains(loaded, ", fp16") || !strings.Contains(loaded, "affine_disparity") {
		t.Errorf("node log's \"model loaded\" line %q does not say affine_disparity and fp16", loaded)
	}
	t.Logf("node: %s", strings.TrimSpace(loaded))
}
