package ros1

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/bluenviron/goroslib/v2/pkg/msgproc"
	"github.com/bluenviron/goroslib/v2/pkg/protocommon"

	"github.com/ssmde/ssmde/msgs"
)

// Every ROS 1 type of the registry becomes a goroslib struct with the registry's name and MD5
// sum (checked in lookupWireType), and a definition goroslib can write.
func TestWireTypesMatchRegistry(t *testing.T) {
	n := 0
	for _, mt := range msgs.Types() {
		if mt.ROS1Name == "" {
			continue
		}
		w, err := lookupWireType(mt.Name)
		if err != nil {
			t.Fatal(err)
		}
		if w2, err := lookupWireType(mt.ROS1Name); err != nil || w2 != w {
			t.Fatalf("%s by its ROS 1 name: %v", mt.ROS1Name, err)
		}
		v := reflect.New(w.typ).Elem().Interface()
		if name, _ := msgproc.Type(v); name != mt.ROS1Name {
			t.Errorf("%s: goroslib type name %q", mt.ROS1Name, name)
		}
		def, err := msgproc.Definition(v)
		if err != nil {
			t.Errorf("%s: definition: %v", mt.ROS1Name, err)
		}
		if mt.ROS1Name == "sensor_msgs/PointField" && !strings.HasPrefix(def, "uint8 INT8=1\n") {
			t.Errorf("PointField definition does not start with its constants:\n%s", def)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d ROS 1 types", n)
	}
	if _, err := lookupWireType("builtin_interfaces/msg/Time"); err == nil {
		t.Fatal("builtin_interfaces/Time has no ROS 1 message; want an error")
	}
}

func sampleMessages() []msgs.Message {
	h := msgs.Header{Seq: 7, Stamp: msgs.Time{Sec: 1600000000, Nanosec: 123456789}, FrameID: "camera_optical"}
	return []msgs.Message{
		&msgs.Image{Header: h, Height: 2, Width: 3, Encoding: "rgb8", Step: 9, Data: []byte("abcdefghijklmnopqr")},
		&msgs.CameraInfo{Header: h, Height: 64, Width: 128, DistortionModel: "plumb_bob", D: []float64{0.1, -0.2, 0, 0, 0.01},
			K: [9]float64{74, 0, 64, 0, 74, 32, 0, 0, 1}, P: [12]float64{74, 0, 64, 0, 0, 74, 32, 0, 0, 0, 1, 0},
			R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, BinningX: 1, ROI: msgs.RegionOfInterest{Width: 5, DoRectify: true}},
		&msgs.PointCloud2{Header: h, Height: 1, Width: 1, Fields: []msgs.PointField{{Name: "x", Datatype: 7, Count: 1},
			{Name: "y", Offset: 4, Datatype: 7, Count: 1}}, PointStep: 8, RowStep: 8, Data: make([]byte, 8), IsDense: true},
		&msgs.TFMessage{Transforms: []msgs.TransformStamped{{Header: h, ChildFrameID: "a"}, {ChildFrameID: "b"}}},
		&msgs.DiagnosticArray{Header: h, Status: []msgs.DiagnosticStatus{{Level: 2, Name: "n", Values: []msgs.KeyValue{{Key: "k", Value: "v"}}}}},
		&msgs.Odometry{Header: h, ChildFrameID: "cam"},
		&msgs.Clock{Clock: msgs.Time{Sec: 5, Nanosec: 6}},
		&msgs.CompressedImage{Header: h, Format: "jpeg", Data: []byte{0xff, 0xd8}},
	}
}

// ROS 1 bytes → goroslib struct → goroslib's encoding gives the same bytes back: what a peer
// receives is exactly MarshalROS1's output.
func TestBytesRoundTripThroughGoroslib(t *testing.T) {
	for _, m := range sampleMessages() {
		w, err := lookupWireType(m.TypeName())
		if err != nil {
			t.Fatal(err)
		}
		in := marshalPrefixed(nil, m)
		v, err := w.fromBytes(in)
		if err != nil {
			t.Fatalf("%s: %v", m.TypeName(), err)
		}
		var out bytes.Buffer
		if err := protocommon.MessageEncode(&out, v); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), in) {
			t.Fatalf("%s: bytes changed through goroslib\n in %x\nout %x", m.TypeName(), in, out.Bytes())
		}
		// And the subscription side hands the bytes without the length prefix.
		var got []byte
		cb := reflect.ValueOf(w.callback(func(b []byte) { got = append([]byte(nil), b...) }))
		cb.Call([]reflect.Value{reflect.ValueOf(v)})
		if !bytes.Equal(got, in[4:]) {
			t.Fatalf("%s: callback bytes differ", m.TypeName())
		}
		back := msgs.TypeOf(m).New()
		if err := back.UnmarshalROS1(got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, m) {
			t.Fatalf("%s: decoded %+v, want %+v", m.TypeName(), back, m)
		}
	}
}

func BenchmarkPublishPathImage640x480(b *testing.B) {
	img := &msgs.Image{Height: 480, Width: 640, Encoding: "32FC1", Step: 640 * 4, Data: make([]byte, 640*480*4)}
	w, err := lookupWireType("sensor_msgs/Image")
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.SetBytes(int64(len(img.Data)))
	for i := 0; i < b.N; i++ {
		buf = marshalPrefixed(buf, img)
		if _, err := w.fromBytes(buf); err != nil {
			b.Fatal(err)
		}
	}
}
