package ros1_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/node/ros1"
	"github.com/ssmde/ssmde/node/ros1/ros1test"
)

type received struct {
	mu   sync.Mutex
	imgs []msgs.Image
}

func (r *received) add(data []byte) {
	var m msgs.Image
	if err := m.UnmarshalROS1(data); err != nil {
		panic(err)
	}
	m.Data = append([]byte(nil), m.Data...)
	r.mu.Lock()
	r.imgs = append(r.imgs, m)
	r.mu.Unlock()
}

func (r *received) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.imgs)
}

func newNode(t *testing.T, m *ros1test.Master, argv ...string) *ros1.Node {
	t.Helper()
	a, rest, err := ros1.ParseArgs(append([]string{"__master:=" + m.URI, "__ip:=127.0.0.1"}, argv...))
	if err != nil || len(rest) != 0 {
		t.Fatal(err, rest)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := ros1.NewNode(ctx, ros1.NodeOptions{Args: a, WatchPeriod: 200 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Against Debian's roscore and rospy tools: private parameters from a rosparam YAML and from
// _name:=value, remapping, our bytes on the wire to our own subscriber and to rostopic (rospy,
// which checks the MD5 sum and decodes with the definition), latching, subscriber counts,
// re-registration after a roscore restart, and a shutdown request from the master.
func TestNodeAgainstRealMaster(t *testing.T) {
	t.Setenv("ROS_NAMESPACE", "")
	m := ros1test.StartMaster(t)
	yaml := filepath.Join(t.TempDir(), "p.yaml")
	os.WriteFile(yaml, []byte("model: /opt/m\nthreads: 4\nbase_to_camera: [0.5, 0, 1, 0, 0, 0, 1]\nnested: {a: 1}\n"), 0o644)
	if out, err := m.Run(t, 20*time.Second, "rosparam", "load", yaml, "/cam/listener"); err != nil {
		t.Fatalf("rosparam load: %v\n%s", err, out)
	}

	listener := newNode(t, m, "__name:=listener", "__ns:=/cam", "in:=/cam/image_raw", "_threads:=2", "_rectify:=true")
	p := listener.Params()
	if p["model"] != "/opt/m" || p["threads"] != int64(2) || p["rectify"] != true || p["nested.a"] != int64(1) {
		t.Fatalf("params %#v", p)
	}
	if l, ok := p["base_to_camera"].([]any); !ok || len(l) != 7 || l[0] != 0.5 || l[1] != int64(0) {
		t.Fatalf("base_to_camera %#v", p["base_to_camera"])
	}
	if out, _ := m.Run(t, 20*time.Second, "rosparam", "get", "/cam/listener/threads"); strings.TrimSpace(out) != "2" {
		t.Fatalf("_threads:=2 not written to the parameter server: %q", out)
	}
	if listener.Clock().SimTime() {
		t.Fatal("sim time on without use_sim_time")
	}

	var got received
	sub, err := listener.Subscribe("in", "sensor_msgs/msg/Image", 5, got.add)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Topic() != "/cam/image_raw" {
		t.Fatal(sub.Topic())
	}

	talker := newNode(t, m, "__name:=talker")
	pub, err := talker.NewPublisher("/cam/image_raw", "sensor_msgs/Image", false)
	if err != nil {
		t.Fatal(err)
	}
	info, err := talker.NewPublisher("~info", "sensor_msgs/msg/CameraInfo", true)
	if err != nil {
		t.Fatal(err)
	}
	if info.Topic() != "/talker/info" {
		t.Fatal(info.Topic())
	}
	img := &msgs.Image{Header: msgs.Header{Stamp: msgs.Time{Sec: 1600000000, Nanosec: 5}, FrameID: "cam_optical"},
		Height: 2, Width: 2, Encoding: "mono8", Step: 2, Data: []byte{1, 2, 3, 4}}
	ros1test.WaitFor(t, "talker and listener connected", 10*time.Second, func() bool {
		pub.Publish(img)
		time.Sleep(50 * time.Millisecond)
		return got.count() > 0
	})
	ros1test.WaitFor(t, "the subscriber count", 5*time.Second, func() bool { return pub.Subscribers() == 1 })
	got.mu.Lock()
	first := got.imgs[0]
	got.mu.Unlock()
	if first.Header.FrameID != "cam_optical" || first.Header.Stamp != img.Header.Stamp || string(first.Data) != "\x01\x02\x03\x04" {
		t.Fatalf("received %+v", first)
	}

	// rospy reads our latched CameraInfo (MD5 and definition as roscpp would send them).
	if err := info.Publish(&msgs.CameraInfo{Header: msgs.Header{FrameID: "latched_frame"}, Width: 640, DistortionModel: "plumb_bob"}); err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(t, 30*time.Second, "rostopic", "echo", "-n", "1", "/talker/info")
	if err != nil || !strings.Contains(out, "latched_frame") || !strings.Contains(out, "width: 640") {
		t.Fatalf("rostopic echo: %v\n%s", err, out)
	}

	// roscore restarts on the same port: both nodes register again and talk again; the latched
	// message is there for a new subscriber.
	m.Restart(t)
	ros1test.WaitFor(t, "re-registration", 15*time.Second, func() bool {
		return m.Lists("/talker", "/cam/image_raw", true) && m.Lists("/cam/listener", "/cam/image_raw", false)
	})
	before := got.count()
	ros1test.WaitFor(t, "messages after the restart", 10*time.Second, func() bool {
		pub.Publish(img)
		time.Sleep(50 * time.Millisecond)
		return got.count() > before
	})
	out, err = m.Run(t, 30*time.Second, "rostopic", "echo", "-n", "1", "/talker/info")
	if err != nil || !strings.Contains(out, "latched_frame") {
		t.Fatalf("rostopic echo after the restart: %v\n%s", err, out)
	}

	// A second node of the same name: the master shuts the first down.
	newNode(t, m, "__name:=talker")
	select {
	case <-talker.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the first /talker was not shut down")
	}
	if !errors.Is(talker.Err(), ros1.ErrShutdown) {
		t.Fatalf("Err = %v", talker.Err())
	}
}

func TestNewNodeWaitsForMaster(t *testing.T) {
	port := ros1test.FreePort(t)
	a := &ros1.Args{Master: "http://127.0.0.1:" + strconv.Itoa(port), IP: "127.0.0.1"}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := ros1.NewNode(ctx, ros1.NodeOptions{Args: a, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err == nil || !strings.Contains(err.Error(), "no ROS master at http://127.0.0.1:") {
		t.Fatalf("err = %v", err)
	}
}

// use_sim_time: ~use_sim_time (this package subscribes /clock) and the global /use_sim_time
// (goroslib subscribes it) both make Now the last /clock.
func TestSimTime(t *testing.T) {
	t.Setenv("ROS_NAMESPACE", "")
	m := ros1test.StartMaster(t)
	clockPub := newNode(t, m, "__name:=clock_server")
	pub, err := clockPub.NewPublisher("/clock", "rosgraph_msgs/Clock", false)
	if err != nil {
		t.Fatal(err)
	}
	private := newNode(t, m, "__name:=private_sim", "_use_sim_time:=true")
	if out, err := m.Run(t, 20*time.Second, "rosparam", "set", "/use_sim_time", "true"); err != nil {
		t.Fatalf("rosparam set: %v\n%s", err, out)
	}
	global := newNode(t, m, "__name:=global_sim")
	for _, n := range []*ros1.Node{private, global} {
		if !n.Clock().SimTime() {
			t.Fatalf("%s: no sim time", n.FullyQualifiedName())
		}
		if now := n.Clock().Now(); now != (msgs.Time{}) {
			t.Fatalf("%s: Now = %v before any /clock", n.FullyQualifiedName(), now)
		}
	}
	want := msgs.Time{Sec: 1600000123, Nanosec: 456000000}
	ros1test.WaitFor(t, "/clock to reach both nodes", 10*time.Second, func() bool {
		pub.Publish(&msgs.Clock{Clock: want})
		time.Sleep(20 * time.Millisecond)
		return private.Clock().Now() == want && global.Clock().Now() == want
	})
}
