package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros2"
)

// ntestStamp is the stamp of frame n of a test stream (base seconds apart per stream).
func ntestStamp(base int32, n int) msgs.Time {
	return msgs.TimeFromNanos(int64(base)*1e9 + int64(n)*50e6)
}

// ntestStream publishes frames from a goroutine at hz until stopped: frame(n) returns the image
// and, when not nil, its camera_info (published first).
type ntestStream struct {
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
	sent     int
	mu       sync.Mutex
}

func ntestStartStream(t *testing.T, cam *ntestCamera, hz float64, frame func(n int) (*msgs.Image, *msgs.CameraInfo)) *ntestStream {
	s := &ntestStream{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(time.Duration(float64(time.Second) / hz))
		defer tick.Stop()
		for n := 0; ; n++ {
			img, info := frame(n)
			if info != nil {
				if err := cam.info.Publish(info); err != nil {
					t.Errorf("publishing camera_info: %v", err)
					return
				}
			}
			if err := cam.img.Publish(img); err != nil {
				t.Errorf("publishing image: %v", err)
				return
			}
			s.mu.Lock()
			s.sent++
			s.mu.Unlock()
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(s.stop)
	return s
}

// count is how many frames the stream has published.
func (s *ntestStream) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

func (s *ntestStream) stop() {
	s.stopOnce.Do(func() { close(s.quit) })
	<-s.done
}

// TestNodeCameraRestart, fault (a): the Fast DDS camera goes away (its process ends) and a new
// one comes back; meanwhile /diagnostics warns that no images arrive, and afterwards the node
// publishes depth of the new camera's frames.
func TestNodeCameraRestart(t *testing.T) {
	t.Parallel()
	bin := ntestFastDDSPeer(t)
	model := ntestLiteModel(t)
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth")
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "diagnostics_period:=0.5")
	framesOf := func(frame string) int {
		n := 0
		for _, d := range l.depths() {
			if d.img.Header.FrameID == frame {
				n++
			}
		}
		return n
	}
	cam := ntestStartPeer(t, bin, "camera", strconv.Itoa(domain), "best_effort", "320", "96", "15", "camera_a")
	ntestWait(t, "depth of camera_a", 30*time.Second, func() bool { return framesOf("camera_a") >= 3 })
	cam.stop()
	gone := time.Now()
	before := len(l.depths())
	ntestWait(t, "/diagnostics to warn that no images arrive", 15*time.Second, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.diagLvl == msgs.DiagnosticWarn && strings.HasPrefix(l.diagMsg, "no images for")
	})
	if after := len(l.depths()); after > before+1 {
		t.Errorf("%d depth images published after the camera went away", after-before)
	}
	if !node.running() {
		t.Fatalf("node exited with %d after the camera went away", node.code)
	}
	gap := time.Since(gone)
	published := l.diagUint("depth_published")
	cam2 := ntestStartPeer(t, bin, "camera", strconv.Itoa(domain), "reliable", "320", "96", "15", "camera_b")
	ntestWait(t, "depth of the returned camera (camera_b)", 30*time.Second, func() bool { return framesOf("camera_b") >= 3 })
	ntestWait(t, "/diagnostics back to OK with more depth published", 15*time.Second, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.diagLvl == msgs.DiagnosticOK
	})
	cam2.stop()
	if l.diagUint("depth_published") <= published {
		t.Errorf("depth_published %d did not grow after the camera returned (was %d)", l.diagUint("depth_published"), published)
	}
	t.Logf("camera away %v (diagnostics warned), then %d depth images of the returned camera; %s",
		gap.Round(100*time.Millisecond), framesOf("camera_b"), l.diagSummary())
}

// TestNodeCameraInfoLateAndResize, fault (b): camera_info arriving after its image (exact
// policy), or only after some images (latest policy), and the camera changing resolution
// mid-stream: the depth keeps the model's size and its camera_info (and the cloud) follow the new
// camera.
func TestNodeCameraInfoLateAndResize(t *testing.T) {
	t.Parallel()
	model := ntestLiteModel(t)
	// A camera with fixed focal lengths in pixels: the depth image's intrinsics are the camera's
	// scaled onto the model's 128×64 (fit stretch), so they differ between the two sizes.
	const f = 200.0
	type phase struct{ w, h int }
	sizes := []phase{{320, 96}, {256, 128}}
	wantK := func(p phase) (fx, fy, cx, cy float64) {
		sx, sy := 128/float64(p.w), 64/float64(p.h)
		return f * sx, f * sy, float64(p.w) / 2 * sx, float64(p.h) / 2 * sy
	}
	// phaseOf names the phase whose intrinsics a depth camera_info has (-1: none, -2: unknown).
	phaseOf := func(info msgs.CameraInfo) int {
		if info.K[0] == 0 {
			return -1
		}
		for i, p := range sizes {
			fx, fy, cx, cy := wantK(p)
			if math.Abs(info.K[0]-fx) < 1e-6*fx && math.Abs(info.K[4]-fy) < 1e-6*fy &&
				math.Abs(info.K[2]-cx) <= 0.5 && math.Abs(info.K[5]-cy) <= 0.5 {
				return i
			}
		}
		return -2
	}
	for _, policy := range []string{"exact", "latest"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			domain := ntestDomain()
			l := ntestListen(t, domain, "depth", "depth/camera_info", "points")
			// On the model's grid, where the intrinsics differ between the two camera sizes.
			node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "camera_info_policy:="+policy,
				"-p", "scale_mode:=none", "-p", "diagnostics_period:=0.25", "-p", "depth_resolution:=model")
			cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")
			cam.waitMatched(t)
			count := func(ph int) (n int) {
				for _, info := range l.depthInfos() {
					if phaseOf(info) == ph {
						n++
					}
				}
				return n
			}
			n := 0
			// send publishes frames of size p until cond holds: the image first, its
			// camera_info (when withInfo) 120 ms later, as a camera whose calibration
			// arrives late.
			send := func(what string, p phase, withInfo bool, cond func() bool) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for !cond() {
					if time.Now().After(deadline) || !node.running() {
						t.Fatalf("%s: not seen after %d frames (node running %v); depth infos by phase: none %d, %dx%d %d, %dx%d %d; %s",
							what, n, node.running(), count(-1), sizes[0].w, sizes[0].h, count(0), sizes[1].w, sizes[1].h, count(1), l.diagSummary())
					}
					stamp := ntestStamp(2000, n)
					if err := cam.img.Publish(ntestImage(p.w, p.h, n, cam.frame, stamp)); err != nil {
						t.Fatal(err)
					}
					time.Sleep(120 * time.Millisecond)
					if withInfo {
						if err := cam.info.Publish(ntestInfo(p.w, p.h, f, f, cam.frame, stamp)); err != nil {
							t.Fatal(err)
						}
					}
					time.Sleep(40 * time.Millisecond)
					n++
				}
			}
			if policy == "latest" {
				// No camera_info yet: depth without intrinsics, and no cloud.
				send("depth without camera_info", sizes[0], false, func() bool { return count(-1) >= 3 })
				if c := len(l.clouds()); c != 0 {
					t.Errorf("%d point clouds published without any camera_info", c)
				}
			}
			send("depth with the late camera_info of "+fmt.Sprint(sizes[0]), sizes[0], true, func() bool { return count(0) >= 3 })
			clouds := len(l.clouds())
			send("depth after the resize to "+fmt.Sprint(sizes[1]), sizes[1], true, func() bool { return count(1) >= 3 })
			ntestWait(t, "the cloud to follow", 10*time.Second, func() bool { return len(l.clouds()) > clouds })
			for _, d := range l.depths() {
				if d.img.Width != 128 || d.img.Height != 64 || d.img.Encoding != "32FC1" || d.nFin != 128*64 {
					t.Errorf("depth %dx%d %s with %d finite pixels; want 128x64 32FC1, all finite", d.img.Width, d.img.Height, d.img.Encoding, d.nFin)
				}
			}
			for _, c := range l.clouds() {
				if c.Width != 128 || c.Height != 64 || c.Header.FrameID != "cam_optical" {
					t.Errorf("cloud %dx%d frame %q; want 128x64 cam_optical", c.Width, c.Height, c.Header.FrameID)
				}
			}
			// Once the new size's camera_info is in use, no depth goes out with the old one's.
			infos := l.depthInfos()
			first := -1
			for i, info := range infos {
				if ph := phaseOf(info); ph == -2 {
					t.Errorf("depth camera_info K %v matches neither camera", info.K)
				} else if ph == 1 && first < 0 {
					first = i
				}
			}
			for _, info := range infos[first+1:] {
				if phaseOf(info) == 0 {
					t.Errorf("depth camera_info of the old size after the resize: K %v", info.K)
				}
			}
			noInfo := l.diagUint("images_without_camera_info")
			t.Logf("policy %s: %d frames sent; depth camera_infos without intrinsics %d, of %dx%d %d, of %dx%d %d; %d clouds; images_without_camera_info %d",
				policy, n, count(-1), sizes[0].w, sizes[0].h, count(0), sizes[1].w, sizes[1].h, count(1), len(l.clouds()), noInfo)
		})
	}
}

// TestNodeMalformedImages, fault (c): malformed CDR on the image and camera_info topics is
// logged and dropped (counted in /diagnostics images_failed and camera_info_rejected), the node
// keeps running and processes the good frames that follow.
func TestNodeMalformedImages(t *testing.T) {
	t.Parallel()
	model := ntestLiteModel(t)
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth")
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "diagnostics_period:=0.2")
	cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")
	cam.waitMatched(t)

	good := func(n int) *msgs.Image { return ntestImage(160, 48, n, cam.frame, ntestStamp(3000, n)) }
	info := ntestInfo(160, 48, 0.58*160, 1.92*48, cam.frame, ntestStamp(3000, 0))
	if err := cam.info.Publish(info); err != nil {
		t.Fatal(err)
	}
	depthWith := func(stamp msgs.Time) bool {
		for _, d := range l.depths() {
			if d.img.Header.Stamp == stamp {
				return true
			}
		}
		return false
	}
	// One good frame first, until it comes out.
	ntestWait(t, "the first depth image", 20*time.Second, func() bool {
		cam.img.Publish(good(0))
		return depthWith(ntestStamp(3000, 0)) && l.diagUint("images_failed") == 0
	})

	valid := good(1).MarshalCDR(nil)
	dataLen := len(valid) - 160*48*3 - 4 // offset of the data sequence's length
	huge := append([]byte(nil), valid...)
	binary.LittleEndian.PutUint32(huge[dataLen:], 0xFFFFFFF0)
	short := good(2)
	short.Data = short.Data[:100] // step×height bytes announced, 100 sent
	odd := good(3)
	odd.Encoding = "foo16"
	bigEndian := append([]byte{0, 0, 0, 0}, valid[4:]...) // CDR_BE header over a little-endian body
	ff := append([]byte{0, 1, 0, 0}, make([]byte, 64)...)
	for i := 4; i < len(ff); i++ {
		ff[i] = 0xff
	}
	bad := []struct {
		name    string
		payload []byte
	}{
		{"truncated payload", valid[:len(valid)/2]},
		{"huge data length", huge},
		{"encapsulation header only", []byte{0, 1, 0, 0}},
		{"0xff bytes", ff},
		{"big-endian header", bigEndian},
		{"data shorter than step×height", short.MarshalCDR(nil)},
		{"unknown encoding", odd.MarshalCDR(nil)},
	}
	// raw publishes payload on pub until counter moves past its value before (a best-effort
	// reader may in principle lose a sample, so it is sent again after 3 s); sent counts the
	// payloads sent on each topic.
	sent := map[string]int{}
	raw := func(pub *ros2.Publisher, name, counter string, payload []byte) {
		t.Helper()
		before := l.diagUint(counter)
		for try := 0; ; try++ {
			if err := pub.PublishRaw(payload); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sent[counter]++
			deadline := time.Now().Add(3 * time.Second)
			for time.Now().Before(deadline) {
				if l.diagUint(counter) > before {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			if try == 4 || !node.running() {
				t.Fatalf("%s: /diagnostics %s stayed %d (node running %v); %s", name, counter, before, node.running(), l.diagSummary())
			}
		}
	}
	for _, b := range bad {
		raw(cam.img, b.name, "images_failed", b.payload)
	}
	validInfo := info.MarshalCDR(nil)
	zeroK := *info
	zeroK.K = [9]float64{}
	zeroK.P = [12]float64{}
	raw(cam.info, "truncated camera_info", "camera_info_rejected", validInfo[:len(validInfo)-30])
	raw(cam.info, "camera_info with zero K", "camera_info_rejected", zeroK.MarshalCDR(nil))
	if !node.running() {
		t.Fatalf("node exited with %d", node.code)
	}
	// Good frames again.
	n := 10
	ntestWait(t, "depth of good frames after the malformed ones", 20*time.Second, func() bool {
		n++
		cam.img.Publish(good(n))
		return depthWith(ntestStamp(3000, n-1)) || depthWith(ntestStamp(3000, n))
	})
	// Each malformed sample counts once (a resent one may count twice).
	within := func(v int64, lo, hi int) bool { return v >= int64(lo) && v <= int64(hi) }
	ntestWait(t, "diagnostics with the final counts", 10*time.Second, func() bool {
		return within(l.diagUint("images_failed"), len(bad), sent["images_failed"]) &&
			within(l.diagUint("camera_info_rejected"), 2, sent["camera_info_rejected"])
	})
	// The log holds the first message of each reason (payloads that fail alike share one line;
	// the throttle writes a reason again only after 5 s): one line per reason /diagnostics lists.
	imageReasons, infoReasons := 0, 0
	l.mu.Lock()
	for k := range l.diag {
		switch {
		case strings.HasPrefix(k, "dropped: camera_info"), strings.HasPrefix(k, "dropped: calibration"):
			infoReasons++
		case strings.HasPrefix(k, "dropped: "):
			imageReasons++
		}
	}
	l.mu.Unlock()
	log := node.out.String()
	if c := strings.Count(log, "frame dropped"); imageReasons < 2 || !within(int64(c), imageReasons, 2*imageReasons) {
		t.Errorf("node logged %d \"frame dropped\" lines for %d reasons in /diagnostics:\n%s", c, imageReasons, log)
	}
	if c := strings.Count(log, "camera_info dropped"); infoReasons < 1 || !within(int64(c), infoReasons, 2*infoReasons) {
		t.Errorf("node logged %d \"camera_info dropped\" lines for %d reasons", c, infoReasons)
	}
	t.Logf("%d malformed images and 2 malformed camera_infos dropped, node alive and publishing; last_error %q",
		len(bad), func() string { v, _ := l.diagValue("last_error"); return v }())
}

// TestNodeOtherImageSizes, fault (d): images of other sizes (and encodings) than the model's
// input are resized: depth comes out at the model's 128×64, with its intrinsics scaled.
func TestNodeOtherImageSizes(t *testing.T) {
	t.Parallel()
	model := ntestLiteModel(t)
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth", "depth/camera_info", "points")
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model)
	cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")
	cam.waitMatched(t)
	inputs := []struct {
		w, h     int
		encoding string
	}{{1280, 720, "rgb8"}, {100, 50, "rgb8"}, {640, 480, "bgr8"}, {96, 200, "mono8"}}
	for i, in := range inputs {
		stamp := ntestStamp(4000, i)
		img := ntestImage(in.w, in.h, i, cam.frame, stamp)
		switch in.encoding {
		case "bgr8":
			img.Encoding = "bgr8"
		case "mono8":
			img.Encoding, img.Step, img.Data = "mono8", uint32(in.w), img.Data[:in.w*in.h]
		}
		// The training intrinsics (normalised fx 0.58, fy 1.92) at this size: focal scale 1.
		info := ntestInfo(in.w, in.h, 0.58*float64(in.w), 1.92*float64(in.h), cam.frame, stamp)
		var depth *ntestDepth
		var dinfo *msgs.CameraInfo
		ntestWait(t, fmt.Sprintf("depth of the %dx%d %s image", in.w, in.h, in.encoding), 20*time.Second, func() bool {
			if depth != nil && dinfo != nil {
				return true
			}
			if !node.running() {
				t.Fatalf("node exited with %d", node.code)
			}
			cam.info.Publish(info)
			cam.img.Publish(img)
			time.Sleep(150 * time.Millisecond)
			for _, d := range l.depths() {
				if d.img.Header.Stamp == stamp {
					depth = &d
				}
			}
			// The first frame of a new size may still meet the previous size's camera_info (the
			// node then scales it, as for a resized stream); wait for the one made with this info.
			for _, di := range l.depthInfos() {
				if di.Header.Stamp == stamp && di.K == info.K {
					dinfo = &di
				}
			}
			return depth != nil && dinfo != nil
		})
		// The default depth_resolution camera: depth at the image's size with the camera's K.
		if depth.img.Width != uint32(in.w) || depth.img.Height != uint32(in.h) || depth.img.Encoding != "32FC1" || depth.img.Step != uint32(4*in.w) ||
			depth.img.Header.FrameID != cam.frame || depth.nFin != in.w*in.h || depth.lo < 0.1*(1-1e-4) || depth.hi > 100*(1+1e-4) {
			t.Errorf("%dx%d %s: depth %dx%d %s step %d frame %q, %d finite in [%v, %v]; want %dx%d 32FC1 step %d, all finite in [0.1, 100]",
				in.w, in.h, in.encoding, depth.img.Width, depth.img.Height, depth.img.Encoding, depth.img.Step,
				depth.img.Header.FrameID, depth.nFin, depth.lo, depth.hi, in.w, in.h, 4*in.w)
		}
		if dinfo.Width != uint32(in.w) || dinfo.Height != uint32(in.h) || dinfo.K != info.K {
			t.Errorf("%dx%d %s: depth camera_info %dx%d K %v; want the camera's %dx%d K %v",
				in.w, in.h, in.encoding, dinfo.Width, dinfo.Height, dinfo.K, in.w, in.h, info.K)
		}
	}
	// The cloud is decimated from the camera-sized depth to no more points than the model's
	// 128×64 grid (points_decimation 0).
	for _, c := range l.clouds() {
		if c.Width*c.Height > 128*64 || c.Width*c.Height < 128*64/4 {
			t.Errorf("cloud %dx%d: want no more than 128x64 points and not a quarter of that", c.Width, c.Height)
		}
	}
	t.Logf("inputs %v: each published at its own size; %d clouds", inputs, len(l.clouds()))
}

// TestNodeSignals, fault (e): SIGINT and SIGTERM while frames flow end the node cleanly (exit
// code 0, "shutting down" logged) within a few seconds.
func TestNodeSignals(t *testing.T) {
	t.Parallel()
	model := ntestLiteModel(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			domain := ntestDomain()
			l := ntestListen(t, domain, "depth")
			node := ntestStartNode(t, domain, nil, "-p", "model:="+model)
			cam := ntestNewCamera(t, domain, ros2.QoSSensorData, "cam_optical")
			cam.waitMatched(t)
			img := ntestImage(640, 480, 0, cam.frame, msgs.Time{})
			ntestStartStream(t, cam, 30, func(n int) (*msgs.Image, *msgs.CameraInfo) {
				img.Header.Stamp = ntestStamp(5000, n)
				ntestTexture(img.Data, 640, 480, n)
				return img, ntestInfo(640, 480, 371, 921, cam.frame, img.Header.Stamp)
			})
			ntestWait(t, "depth images", 20*time.Second, func() bool { return len(l.depths()) >= 5 })
			code, took := node.stop(t, sig, 10*time.Second)
			if code != 0 {
				t.Errorf("exit code %d after %v, want 0", code, sig)
			}
			if took > 5*time.Second {
				t.Errorf("exit took %v after %v, want a few seconds at most", took, sig)
			}
			if !strings.Contains(node.out.String(), "shutting down") {
				t.Errorf("no \"shutting down\" in the node's log")
			}
			t.Logf("%v while publishing: exit code %d in %v", sig, code, took.Round(time.Millisecond))
		})
	}
}

// TestNodeBadImageFloodKeepsTheLogReadable: a camera that sends bad images at full rate (three
// kinds, 9 in 10, sizes varying) for 4 s, with a good frame in between. The node keeps publishing
// the good ones, /diagnostics counts every bad one by reason, and the log holds the first of each
// reason and a few summaries, not a line per message.
func TestNodeBadImageFloodKeepsTheLogReadable(t *testing.T) {
	t.Parallel()
	model := ntestLiteModel(t)
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth")
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "diagnostics_period:=0.2")
	cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")
	cam.waitMatched(t)
	info := ntestInfo(160, 48, 0.58*160, 1.92*48, cam.frame, ntestStamp(4000, 0))
	if err := cam.info.Publish(info); err != nil {
		t.Fatal(err)
	}
	good := func(n int) *msgs.Image { return ntestImage(160, 48, n, cam.frame, ntestStamp(4000, n)) }
	ntestWait(t, "the first depth image", 20*time.Second, func() bool {
		cam.img.Publish(good(0))
		return len(l.depths()) > 0
	})
	before := len(l.depths())
	sent := 0
	for start, n := time.Now(), 1; time.Since(start) < 4*time.Second; n++ {
		var img *msgs.Image
		switch n % 10 {
		case 0:
			img = good(n)
		case 1, 4, 7:
			img = good(n)
			img.Encoding = fmt.Sprintf("foo%d", n) // unknown encoding, the name varying
		case 2, 5, 8:
			img = good(n)
			img.Step = uint32(n % 100) // step shorter than a row
		default:
			img = good(n)
			img.Data = img.Data[:n%1000] // fewer bytes than step × height
		}
		if err := cam.img.Publish(img); err != nil {
			t.Fatal(err)
		}
		sent++
		if n%50 == 0 {
			time.Sleep(time.Millisecond) // let the best-effort reader keep up a little
		}
	}
	ntestWait(t, "diagnostics counting the flood", 10*time.Second, func() bool { return l.diagUint("images_failed") >= 100 })
	if !node.running() || len(l.depths()) <= before {
		t.Fatalf("node running %v, %d depth images before the flood, %d after", node.running(), before, len(l.depths()))
	}
	failed := l.diagUint("images_failed")
	reasons := 0
	l.mu.Lock()
	for k := range l.diag {
		if strings.HasPrefix(k, "dropped: ") {
			reasons++
		}
	}
	l.mu.Unlock()
	log := node.out.String()
	lines := strings.Count(log, "frame dropped")
	t.Logf("%d messages sent in 4 s, %d counted as failed in %d reasons, %d \"frame dropped\" log lines", sent, failed, reasons, lines)
	if reasons < 3 {
		t.Errorf("/diagnostics lists %d drop reasons, want the 3 kinds: %s", reasons, l.diagSummary())
	}
	// Per kind: the first line, then one per 5 s (the test runs 4 s, plus the summary flush).
	if lines > 3*3 || lines < 3 {
		t.Errorf("%d \"frame dropped\" lines for %d bad images of 3 kinds, want 3..9:\n%s", lines, failed, log)
	}
}

// TestNodeTimeThatJumps: images stamped out of order (a little before the previous one) are dropped
// and counted; a jump of more than a second back (a bag played in a loop) restarts odometry at the
// origin, with a log line and a counter, instead of integrating across the jump.
func TestNodeTimeThatJumps(t *testing.T) {
	t.Parallel()
	model := ntestLiteModel(t)
	domain := ntestDomain()
	l := ntestListen(t, domain, "depth", "odom")
	node := ntestStartNode(t, domain, nil, "-p", "model:="+model, "-p", "diagnostics_period:=0.2")
	cam := ntestNewCamera(t, domain, ros2.QoSDefault, "cam_optical")
	cam.waitMatched(t)
	info := ntestInfo(160, 48, 0.58*160, 1.92*48, cam.frame, ntestStamp(5000, 0))
	if err := cam.info.Publish(info); err != nil {
		t.Fatal(err)
	}
	// Frame n shows texture n: consecutive frames differ, so the pose net reports motion.
	frame := func(base int32, n int) *msgs.Image { return ntestImage(160, 48, n, cam.frame, ntestStamp(base, n)) }
	odomAt := func(stamp msgs.Time) (msgs.Point, bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, o := range l.odom {
			if o.stamp == stamp {
				return o.pos, true
			}
		}
		return msgs.Point{}, false
	}
	send := func(img *msgs.Image) {
		t.Helper()
		ntestWait(t, fmt.Sprintf("odometry for stamp %d", img.Header.Stamp.Nanos()), 20*time.Second, func() bool {
			cam.img.Publish(img)
			_, ok := odomAt(img.Header.Stamp)
			return ok
		})
	}
	for n := 0; n < 6; n++ {
		send(frame(5000, n))
	}
	last, _ := odomAt(ntestStamp(5000, 5))
	// 25 ms before frame 5: out of order.
	late := frame(5000, 4)
	late.Header.Stamp = msgs.TimeFromNanos(ntestStamp(5000, 5).Nanos() - 25e6)
	ntestWait(t, "the late image counted", 10*time.Second, func() bool {
		cam.img.Publish(late)
		return l.diagUint("images_out_of_order") >= 1
	})
	if _, ok := odomAt(late.Header.Stamp); ok {
		t.Fatalf("odometry published for an image stamped before the previous one")
	}
	// 100 s back: time jumped; the trajectory starts again at the origin.
	send(frame(4900, 0))
	restart, _ := odomAt(ntestStamp(4900, 0))
	ntestWait(t, "the jump counted", 10*time.Second, func() bool { return l.diagUint("time_jumps") == 1 })
	dist := math.Sqrt(restart.X*restart.X + restart.Y*restart.Y + restart.Z*restart.Z)
	if dist > 1e-9 {
		t.Fatalf("after the jump odometry is at %+v (before it %+v), want the origin", restart, last)
	}
	send(frame(4900, 1))
	if !strings.Contains(node.out.String(), "time jumped back") {
		t.Errorf("no log line for the jump:\n%s", node.out.String())
	}
	t.Logf("before the jump the camera was at %+v; after it at the origin; out of order %d, jumps %d", last, l.diagUint("images_out_of_order"), l.diagUint("time_jumps"))
}
