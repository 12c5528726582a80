package main

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
	"github.com/ssmde/ssmde/pipeline"
)

// TestNodeDepthAtCameraResolutionAndCompressedDepth runs the node (the tiny model, 16×8 input)
// with its defaults on a 64×32 camera over DDS:
//   - depth and depth/camera_info come at the camera's 64×32 with the camera's K;
//   - while nobody subscribes to depth/compressedDepth, nothing is encoded
//     (/diagnostics compressed_depth_encoded stays 0 while depth_published grows);
//   - with a subscriber, compressedDepth images come ("32FC1; compressedDepth png") and our decoder
//     recovers the very depth image of the same stamp within the quantisation's bound d²/(A − d).
func TestNodeDepthAtCameraResolutionAndCompressedDepth(t *testing.T) {
	t.Parallel()
	const w, h = 64, 32
	dom := ntestDomain()
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	l := ntestListen(t, dom, "depth/camera_info")
	node := ntestStartNode(t, dom, nil, "-p", "model:="+tiny, "-p", "scale_mode:=fixed", "-p", "fixed_scale:=10.0",
		"-p", "diagnostics_period:=0.2")
	cam := ntestNewCamera(t, dom, ros2.QoSDefault, "cam_optical")

	var mu sync.Mutex
	depth := map[msgs.Time]msgs.Image{}
	var compressed []msgs.CompressedImage
	if _, err := cam.n.Subscribe("/cam/depth", "sensor_msgs/msg/Image", ros2.QoSDefault, func(data []byte, _ ros2.SampleInfo) {
		var m msgs.Image
		if err := m.UnmarshalCDR(data); err != nil {
			t.Errorf("/cam/depth: %v", err)
			return
		}
		m.Data = append([]byte(nil), m.Data...)
		mu.Lock()
		depth[m.Header.Stamp] = m
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	cam.waitMatched(t)
	frame := 0
	send := func() {
		if !node.running() {
			t.Fatalf("node exited with %d", node.code)
		}
		stamp := ntestStamp(6000, frame)
		cam.info.Publish(ntestInfo(w, h, 40, 41, cam.frame, stamp))
		cam.img.Publish(ntestImage(w, h, frame, cam.frame, stamp))
		frame++
		time.Sleep(60 * time.Millisecond)
	}
	ntestWait(t, "five depth images and a /diagnostics counting them", 30*time.Second, func() bool {
		send()
		mu.Lock()
		n := len(depth)
		mu.Unlock()
		return n >= 5 && l.diagUint("depth_published") >= 5
	})
	mu.Lock()
	for stamp, img := range depth {
		if img.Width != w || img.Height != h || img.Encoding != "32FC1" || len(img.Data) != 4*w*h {
			t.Fatalf("depth %v: %dx%d %s with %d bytes, want the camera's %dx%d 32FC1", stamp, img.Width, img.Height, img.Encoding, len(img.Data), w, h)
		}
	}
	mu.Unlock()
	infos := l.depthInfos()
	if len(infos) == 0 {
		t.Fatal("no depth/camera_info")
	}
	if ci := infos[len(infos)-1]; ci.Width != w || ci.Height != h || ci.K[0] != 40 || ci.K[4] != 41 ||
		math.Abs(ci.K[2]-w/2) > 1e-9 || math.Abs(ci.K[5]-h/2) > 1e-9 {
		t.Fatalf("depth/camera_info %dx%d K %v, want the camera's %dx%d, fx 40, fy 41, cx %d, cy %d", ci.Width, ci.Height, ci.K, w, h, w/2, h/2)
	}
	if n := l.diagUint("compressed_depth_encoded"); n != 0 {
		t.Fatalf("compressed_depth_encoded %d with nobody subscribed to depth/compressedDepth (depth_published %d)", n, l.diagUint("depth_published"))
	}

	if _, err := cam.n.Subscribe("/cam/depth/compressedDepth", "sensor_msgs/msg/CompressedImage", ros2.QoSDefault, func(data []byte, _ ros2.SampleInfo) {
		var m msgs.CompressedImage
		if err := m.UnmarshalCDR(data); err != nil {
			t.Errorf("/cam/depth/compressedDepth: %v", err)
			return
		}
		m.Data = append([]byte(nil), m.Data...)
		mu.Lock()
		compressed = append(compressed, m)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	var got msgs.CompressedImage
	var raw msgs.Image
	ntestWait(t, "a compressedDepth image and the depth image of its stamp", 30*time.Second, func() bool {
		send()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range compressed {
			if d, ok := depth[c.Header.Stamp]; ok {
				got, raw = c, d
				return true
			}
		}
		return false
	})
	if got.Format != "32FC1; compressedDepth png" || got.Header.FrameID != cam.frame {
		t.Fatalf("compressedDepth format %q frame %q", got.Format, got.Header.FrameID)
	}
	var back msgs.Image
	if err := pipeline.DecodeCompressedDepth(&back, &got); err != nil {
		t.Fatal(err)
	}
	if back.Width != w || back.Height != h || back.Encoding != "32FC1" {
		t.Fatalf("decoded %dx%d %s", back.Width, back.Height, back.Encoding)
	}
	a, _ := pipeline.CompressedDepthConfig{DepthMax: 100, Quantization: 100}.Quant()
	valid, worst := 0, 0.0
	for i := 0; i < w*h; i++ {
		d := float64(math.Float32frombits(binary.LittleEndian.Uint32(raw.Data[4*i:])))
		g := float64(math.Float32frombits(binary.LittleEndian.Uint32(back.Data[4*i:])))
		if math.IsNaN(d) || d >= 100 {
			if !math.IsNaN(g) {
				t.Fatalf("pixel %d: depth %v decoded as %v, want NaN", i, d, g)
			}
			continue
		}
		valid++
		bound := pipeline.CompressedDepthError(a, d)
		if e := g - d; e < -1e-5*d || e > bound+1e-5*d {
			t.Fatalf("pixel %d: depth %v m decoded as %v m, error %.3g outside [0, %.3g)", i, d, g, e, bound)
		}
		worst = max(worst, math.Abs(g-d)/d)
	}
	if valid < w*h/2 {
		t.Fatalf("only %d of %d depth pixels valid", valid, w*h)
	}
	ntestWait(t, "/diagnostics counting the compressedDepth encodes", 10*time.Second, func() bool {
		send()
		return l.diagUint("compressed_depth_encoded") > 0
	})
	t.Logf("%d bytes of compressedDepth for %d pixels (%d valid, worst relative error %.2g); %d encoded of %d published",
		len(got.Data), w*h, valid, worst, l.diagUint("compressed_depth_encoded"), l.diagUint("depth_published"))
}
