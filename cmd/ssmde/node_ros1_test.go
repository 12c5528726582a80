package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros1"
	"github.com/ssmde/ssmde/node/ros1/ros1test"
)

// ros1ChildEnv makes this test binary run `ssmde ARGS...` instead of the tests, so that the
// ROS 1 node is a real process started as roslaunch would start it.
const ros1ChildEnv = "SSMDE_NODE1_TEST_CHILD"

func init() {
	if os.Getenv(ros1ChildEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
}

// readBag returns the messages of a bag by topic, decoded.
func readBag(t *testing.T, path string) map[string][]msgs.Message {
	t.Helper()
	r, err := bag.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	it, err := r.Messages(bag.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]msgs.Message{}
	for {
		m, err := it.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		v, err := m.Decode()
		if err != nil {
			t.Fatal(err)
		}
		out[m.Topic] = append(out[m.Topic], v)
	}
}

// The ROS 1 node against Debian's real ROS 1: roscore; the node started by roslaunch from
// launch/ssmde.launch (namespace, remap, <rosparam> params file, model <param>); a ROS 1 bag of
// the synthetic drive played by rosbag into the node, its outputs recorded by rosbag record and
// checked with our bag reader; rostopic info; then roscore restarts on the same port and the
// node, registered again, serves a new rostopic subscriber from a new rosbag play.
func TestNodeROS1RosbagPlayRecord(t *testing.T) {
	m := ros1test.StartMaster(t)
	tmp := t.TempDir()
	const frames = 6
	mcap, in, out := filepath.Join(tmp, "drive.mcap"), filepath.Join(tmp, "drive.bag"), filepath.Join(tmp, "out.bag")
	if code, so, se := runCLI(t, "sim", "--bag", mcap, "--frames", "6", "--width", "128", "--height", "64", "--quiet"); code != 0 {
		t.Fatalf("sim: %d\n%s%s", code, so, se)
	}
	if code, so, se := runCLI(t, "bag", "convert", mcap, in); code != 0 {
		t.Fatalf("bag convert: %d\n%s%s", code, so, se)
	}
	model, err := filepath.Abs(filepath.Join("..", "..", "models", "testdata", "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	params := filepath.Join(tmp, "params.yaml")
	os.WriteFile(params, []byte("providers: cpu\nthreads: 1\ncamera_info_policy: exact\npoints_decimation: 2\n"+
		"min_depth: 0.5\nmax_depth: 80.0\nnot_a_parameter: 1\n"), 0o644)

	// The node, started by roslaunch from launch/ssmde.launch: a package "ssmde" whose executable
	// runs this test binary as `ssmde`.
	pkg := filepath.Join(tmp, "pkgs", "ssmde")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(pkg, 0o755)
	os.WriteFile(filepath.Join(pkg, "package.xml"), []byte(`<?xml version="1.0"?><package format="2"><name>ssmde</name>`+
		`<version>0.0.0</version><description>test</description><maintainer email="t@example.com">t</maintainer>`+
		`<license>MIT</license><buildtool_depend>catkin</buildtool_depend></package>`), 0o644)
	os.WriteFile(filepath.Join(pkg, "ssmde"), []byte("#!/bin/sh\nexec env "+ros1ChildEnv+"=1 '"+exe+"' \"$@\"\n"), 0o755)
	launchFile, _ := filepath.Abs(filepath.Join("..", "..", "launch", "ssmde.launch"))
	// roslaunch runs nodes in ROS_HOME, away from the checkout's .cache: say where ONNX Runtime is.
	ort, err := models.FindRuntimeLibrary("")
	if err != nil {
		t.Fatal(err)
	}
	env := append(m.Env, "ROS_PACKAGE_PATH="+filepath.Join(tmp, "pkgs"), models.RuntimeLibraryEnv+"="+ort)
	node := ros1test.StartProc(t, env, "roslaunch", launchFile,
		"camera:=/camera", "image:=image_raw", "model:="+model, "params_file:="+params)
	ros1test.WaitFor(t, "the node to register", 30*time.Second, func() bool {
		if node.Exited() {
			t.Fatalf("roslaunch exited:\n%s", node.Output())
		}
		return m.Lists("/camera/ssmde", "/camera/depth", true) && m.Lists("/camera/ssmde", "/camera/image_raw", false) &&
			m.Lists("/camera/ssmde", "/camera/camera_info", false)
	})

	// Our own listener, to know when every frame came through (and to count after the restart).
	var depths atomic.Int64
	la, _, _ := ros1.ParseArgs([]string{"__master:=" + m.URI, "__ip:=127.0.0.1", "__name:=ssmde_test_listener"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	listener, err := ros1.NewNode(ctx, ros1.NodeOptions{Args: la, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		WatchPeriod: 200 * time.Millisecond})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	if _, err := listener.Subscribe("/camera/depth", "sensor_msgs/Image", 10, func([]byte) { depths.Add(1) }); err != nil {
		t.Fatal(err)
	}

	outTopics := []string{"/camera/depth", "/camera/depth/camera_info", "/camera/points", "/camera/odom", "/tf"}
	rec := m.Start(t, "rosbag", append([]string{"record", "-O", out, "__name:=ssmde_test_record"}, outTopics...)...)
	ros1test.WaitFor(t, "rosbag record to subscribe", 30*time.Second, func() bool {
		for _, topic := range outTopics {
			if !m.Lists("/ssmde_test_record", topic, false) {
				return false
			}
		}
		return true
	})
	// Every frame within a few seconds of the publisher's connection (-d), at half speed.
	if o, err := m.Run(t, 60*time.Second, "rosbag", "play", in, "-r", "0.5", "-d", "1", "--wait-for-subscribers",
		"--topics", "/camera/image_raw", "/camera/camera_info"); err != nil {
		t.Fatalf("rosbag play: %v\n%s", err, o)
	}
	ros1test.WaitFor(t, "a depth image per frame", 20*time.Second, func() bool { return depths.Load() >= frames })
	time.Sleep(500 * time.Millisecond) // the other outputs of the last frame
	if o, err := m.Run(t, 30*time.Second, "rostopic", "info", "/camera/depth"); err != nil ||
		!strings.Contains(o, "Type: sensor_msgs/Image") || !strings.Contains(o, "Publishers: \n * /camera/ssmde (http://127.0.0.1:") {
		t.Fatalf("rostopic info: %v\n%s", err, o)
	}
	if err := rec.Interrupt(t, 20*time.Second); err != nil {
		t.Logf("rosbag record: %v\n%s", err, rec.Output())
	}

	inputs := readBag(t, in)["/camera/image_raw"]
	got := readBag(t, out)
	if len(inputs) != frames {
		t.Fatalf("%d input images", len(inputs))
	}
	// Every frame gives a depth image, its camera_info and odometry. A cloud needs intrinsics: the
	// node waits up to a second for the first camera_info, but should the first image still
	// overtake it (two TCP connections), that frame has no cloud (a warning says so).
	for topic, want := range map[string]int{"/camera/depth": frames, "/camera/depth/camera_info": frames, "/camera/odom": frames} {
		if len(got[topic]) != want {
			t.Errorf("%s: %d messages recorded, want %d", topic, len(got[topic]), want)
		}
	}
	if n := len(got["/camera/points"]); n < frames-1 || n > frames {
		t.Errorf("/camera/points: %d messages recorded, want %d (or %d)", n, frames, frames-1)
	}
	if t.Failed() {
		t.Fatalf("node log:\n%s", node.Output())
	}
	clouds := map[msgs.Time]*msgs.PointCloud2{}
	for _, c := range got["/camera/points"] {
		clouds[c.(*msgs.PointCloud2).Header.Stamp] = c.(*msgs.PointCloud2)
	}
	if _, ok := clouds[inputs[frames-1].(*msgs.Image).Header.Stamp]; !ok {
		t.Fatal("the last frame has no cloud")
	}
	for i, im := range inputs {
		h := im.(*msgs.Image).Header
		d := got["/camera/depth"][i].(*msgs.Image)
		info := got["/camera/depth/camera_info"][i].(*msgs.CameraInfo)
		odom := got["/camera/odom"][i].(*msgs.Odometry)
		for what, oh := range map[string]msgs.Header{"depth": d.Header, "depth/camera_info": info.Header} {
			if oh.Stamp != h.Stamp || oh.FrameID != h.FrameID {
				t.Fatalf("frame %d %s: header %+v, input %+v", i, what, oh, h)
			}
		}
		if odom.Header.Stamp != h.Stamp || odom.Header.FrameID != "odom" || odom.ChildFrameID != h.FrameID {
			t.Fatalf("frame %d odom: %+v / %q", i, odom.Header, odom.ChildFrameID)
		}
		if d.Encoding != "32FC1" || d.Step != 4*d.Width || len(d.Data) != int(d.Height*d.Step) || d.Width == 0 ||
			info.Width != d.Width || info.Height != d.Height {
			t.Fatalf("frame %d: depth %dx%d %s step %d (%d bytes), camera_info %dx%d", i, d.Width, d.Height, d.Encoding, d.Step, len(d.Data), info.Width, info.Height)
		}
		for k := 0; k < len(d.Data); k += 4 {
			v := math.Float32frombits(uint32(d.Data[k]) | uint32(d.Data[k+1])<<8 | uint32(d.Data[k+2])<<16 | uint32(d.Data[k+3])<<24)
			if !(v >= 0.5 && v <= 80) {
				t.Fatalf("frame %d: depth[%d] = %v outside [min_depth 0.5, max_depth 80]", i, k/4, v)
			}
		}
		pc, ok := clouds[h.Stamp]
		if !ok {
			continue
		}
		// The cloud: decimated by 2 (_points_decimation:=2), x y z float32, every point valid
		// (every depth is) and in front of the camera within range.
		if pc.Header.FrameID != h.FrameID || pc.Width != (d.Width+1)/2 || pc.Height != (d.Height+1)/2 || len(pc.Fields) < 3 || pc.Fields[2].Name != "z" {
			t.Fatalf("frame %d: cloud %q %dx%d fields %+v (depth %dx%d)", i, pc.Header.FrameID, pc.Width, pc.Height, pc.Fields, d.Width, d.Height)
		}
		zoff := pc.Fields[2].Offset
		for p := 0; p < int(pc.Width*pc.Height); p++ {
			o := p*int(pc.PointStep) + int(zoff)
			z := math.Float32frombits(uint32(pc.Data[o]) | uint32(pc.Data[o+1])<<8 | uint32(pc.Data[o+2])<<16 | uint32(pc.Data[o+3])<<24)
			if !(z >= 0.5 && z <= 80) {
				t.Fatalf("frame %d: point %d z = %v", i, p, z)
			}
		}
	}
	if len(got["/tf"]) != frames {
		t.Errorf("/tf: %d messages", len(got["/tf"]))
	}
	if !strings.Contains(node.Output(), "ignoring unknown parameters") || !strings.Contains(node.Output(), "not_a_parameter") {
		t.Errorf("the unknown parameter was not warned about:\n%s", node.Output())
	}

	// roscore restarts on the same port: the node registers again and serves new peers.
	m.Restart(t)
	ros1test.WaitFor(t, "the node to register with the new master", 20*time.Second, func() bool {
		if node.Exited() {
			t.Fatalf("node exited after the master restart:\n%s", node.Output())
		}
		return m.Lists("/camera/ssmde", "/camera/depth/camera_info", true) && m.Lists("/camera/ssmde", "/camera/image_raw", false)
	})
	echo := m.Start(t, "rostopic", "echo", "-n", "1", "/camera/depth/camera_info", "__name:=ssmde_test_echo")
	ros1test.WaitFor(t, "rostopic echo to subscribe", 30*time.Second, func() bool {
		return m.Lists("/ssmde_test_echo", "/camera/depth/camera_info", false)
	})
	if o, err := m.Run(t, 60*time.Second, "rosbag", "play", in, "-d", "1", "--wait-for-subscribers",
		"--topics", "/camera/image_raw", "/camera/camera_info"); err != nil {
		t.Fatalf("rosbag play after the restart: %v\n%s", err, o)
	}
	if err, ok := echo.Wait(20 * time.Second); !ok || err != nil || !strings.Contains(echo.Output(), "frame_id: \""+inputs[0].(*msgs.Image).Header.FrameID+"\"") {
		t.Fatalf("rostopic echo after the restart: %v (done %v)\n%s\nnode:\n%s", err, ok, echo.Output(), node.Output())
	}
	if !strings.Contains(node.Output(), "registered with the ROS master again") {
		t.Errorf("node log does not say it registered again:\n%s", node.Output())
	}

	// Ctrl-C to roslaunch: a clean exit.
	if err := node.Interrupt(t, 20*time.Second); err != nil || !strings.Contains(node.Output(), "shutting down") {
		t.Fatalf("node exit: %v\n%s", err, node.Output())
	}
}

// A node the master shuts down (a second node of the same name) exits 1 and says why.
func TestNodeROS1ShutdownByMaster(t *testing.T) {
	m := ros1test.StartMaster(t)
	model, _ := filepath.Abs(filepath.Join("..", "..", "models", "testdata", "tiny"))
	args := []string{"node1", "__name:=twin", "_model:=" + model, "_providers:=cpu", "_threads:=1"}
	first := ros1test.StartProc(t, append(m.Env, ros1ChildEnv+"=1"), os.Args[0], args...)
	ros1test.WaitFor(t, "the first node", 30*time.Second, func() bool { return m.Lists("/twin", "/depth", true) })
	ros1test.StartProc(t, append(m.Env, ros1ChildEnv+"=1"), os.Args[0], args...)
	err, ok := first.Wait(30 * time.Second)
	if !ok {
		t.Fatalf("the first node is still running:\n%s", first.Output())
	}
	if err == nil || !strings.Contains(first.Output(), "shut down by the ROS master") || !strings.Contains(first.Output(), "/twin") {
		t.Fatalf("exit %v, output:\n%s", err, first.Output())
	}
}

func TestNodeROS1HelpAndBadArgs(t *testing.T) {
	code, so, _ := runCLI(t, "node1", "--help-params")
	if code != 0 || !strings.Contains(so, "camera_info_policy") {
		t.Fatalf("--help-params: %d %q", code, so)
	}
	if code, _, se := runCLI(t, "node1", "__ns:=bad ns"); code != 1 || !strings.Contains(se, "invalid") {
		t.Fatalf("bad namespace: %d %q", code, se)
	}
	if code, _, se := runCLI(t, "node1", "stray"); code != 1 || !strings.Contains(se, "NAME:=VALUE") {
		t.Fatalf("stray argument: %d %q", code, se)
	}
}
