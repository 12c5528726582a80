package bag

import (
	"io"
	"reflect"
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

// stamped is a message to write and the topic and log time to write it at.
type stamped struct {
	topic   string
	msg     msgs.Message
	logTime int64
}

const t0 = int64(1_700_000_000_000_000_000) // 2023-11-14, inside ROS 1's time range

func header(i int, frame string) msgs.Header {
	return msgs.Header{Stamp: msgs.TimeFromNanos(t0 + int64(i)*50_000_000), FrameID: frame}
}

// sampleImage is an rgb8 image whose bytes depend on i.
func sampleImage(i int) *msgs.Image {
	w, h := 8, 4
	data := make([]byte, w*h*3)
	for k := range data {
		data[k] = byte(k*7 + i)
	}
	return &msgs.Image{Header: header(i, "camera_optical"), Height: uint32(h), Width: uint32(w), Encoding: "rgb8", Step: uint32(w * 3), Data: data}
}

func sampleCameraInfo(i int) *msgs.CameraInfo {
	return &msgs.CameraInfo{Header: header(i, "camera_optical"), Height: 4, Width: 8, DistortionModel: "plumb_bob",
		D: []float64{-0.1, 0.01, 0.001, -0.002, 0}, K: [9]float64{500.5, 0, 4, 0, 501.25, 2, 0, 0, 1},
		R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, P: [12]float64{500.5, 0, 4, 0.1 * float64(i), 0, 501.25, 2, 0, 0, 0, 1, 0},
		BinningX: 1, BinningY: 2, ROI: msgs.RegionOfInterest{XOffset: 1, YOffset: 2, Height: 3, Width: 4, DoRectify: true}}
}

func sampleCloud(i int) *msgs.PointCloud2 {
	fields := []msgs.PointField{{Name: "x", Offset: 0, Datatype: msgs.PointFieldFloat32, Count: 1},
		{Name: "y", Offset: 4, Datatype: msgs.PointFieldFloat32, Count: 1}, {Name: "z", Offset: 8, Datatype: msgs.PointFieldFloat32, Count: 1}}
	n := 5
	data := make([]byte, 12*n)
	for k := range data {
		data[k] = byte(k*13 + i)
	}
	return &msgs.PointCloud2{Header: header(i, "camera_optical"), Height: 1, Width: uint32(n), Fields: fields, PointStep: 12,
		RowStep: uint32(12 * n), Data: data, IsDense: i%2 == 0}
}

func sampleOdometry(i int) *msgs.Odometry {
	o := &msgs.Odometry{Header: header(i, "odom"), ChildFrameID: "camera_optical"}
	// Only correctly rounded arithmetic, so that Python computes the same bits (rosbag1_test.go).
	o.Pose.Pose.Position = msgs.Point{X: 0.5 * float64(i), Y: -1.25, Z: 3.14159}
	o.Pose.Pose.Orientation = msgs.Quaternion{X: 0, Y: 0, Z: float64(i) / 100, W: 1 - float64(i)/1000}
	o.Twist.Twist.Linear = msgs.Vector3{X: 10, Y: 0.001, Z: -3}
	o.Twist.Twist.Angular = msgs.Vector3{Z: 0.25}
	for k := range o.Pose.Covariance {
		o.Pose.Covariance[k] = float64(k) / 7
		o.Twist.Covariance[k] = -float64(k) / 3
	}
	return o
}

func sampleTF(i int) *msgs.TFMessage {
	var ts []msgs.TransformStamped
	for k := 0; k < 2; k++ {
		var t msgs.TransformStamped
		t.Header = header(i, "odom")
		t.ChildFrameID = []string{"base_link", "camera_optical"}[k]
		t.Transform.Translation = msgs.Vector3{X: float64(i), Y: float64(k), Z: 0.125}
		t.Transform.Rotation = msgs.Quaternion{W: 1}
		ts = append(ts, t)
	}
	return &msgs.TFMessage{Transforms: ts}
}

// sampleDrive is n frames of the five message types the node reads and writes, in log-time order
// (per frame: image, camera_info, points, odom, tf, 1 ms apart).
func sampleDrive(n int) []stamped {
	var out []stamped
	for i := 0; i < n; i++ {
		base := t0 + int64(i)*50_000_000
		out = append(out,
			stamped{"/camera/image_raw", sampleImage(i), base},
			stamped{"/camera/camera_info", sampleCameraInfo(i), base + 1_000_000},
			stamped{"/ssmde/points", sampleCloud(i), base + 2_000_000},
			stamped{"/ssmde/odom", sampleOdometry(i), base + 3_000_000},
			stamped{"/tf", sampleTF(i), base + 4_000_000},
		)
	}
	return out
}

func writeAll(t testing.TB, w Writer, ms []stamped) {
	t.Helper()
	for _, m := range ms {
		if err := w.Write(m.topic, m.msg, m.logTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readDecoded reads every message of r, decoded; err is the iterator's error at the end, if any.
func readDecoded(t *testing.T, r Reader, opts ReadOptions) ([]stamped, error) {
	t.Helper()
	it, err := r.Messages(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []stamped
	for {
		m, err := it.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		v, err := m.Decode()
		if err != nil {
			t.Fatalf("decode %s at %d: %v", m.Topic, m.LogTime, err)
		}
		out = append(out, stamped{m.Topic, v, m.LogTime})
	}
}

// sameMessages fails unless got and want hold the same topics, times and values in order.
func sameMessages(t *testing.T, got, want []stamped) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.topic != w.topic || g.logTime != w.logTime {
			t.Fatalf("message %d: %s at %d, want %s at %d", i, g.topic, g.logTime, w.topic, w.logTime)
		}
		if !reflect.DeepEqual(g.msg, w.msg) {
			t.Fatalf("message %d (%s) = %+v\nwant %+v", i, g.topic, g.msg, w.msg)
		}
	}
}
