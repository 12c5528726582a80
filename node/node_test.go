package node

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

func TestParamsSetAndValidate(t *testing.T) {
	p := DefaultParams()
	if err := p.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	err := p.SetAll(map[string]any{"threads": 2, "fixed_scale": 3, "scale_mode": "fixed", "base_to_camera": []any{0.1, 0, 1.2, -0.5, 0.5, -0.5, 0.5}, "publish_points": false})
	if err != nil {
		t.Fatal(err)
	}
	if p.Threads != 2 || p.FixedScale != 3 || p.PublishPoints || len(p.BaseToCamera) != 7 {
		t.Fatalf("%+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		value any
		want  string
	}{
		{"threads", "two", "parameter threads = two (string): want an integer"},
		{"publish_points", 1, "want true or false"},
		{"modle", "x", `parameter "modle" unknown`},
		{"base_to_camera", []any{1, "a"}, "base_to_camera[1] = a"},
		{"fixed_scale", "3", "want a number"},
	}
	for _, c := range cases {
		q := DefaultParams()
		if err := q.Set(c.name, c.value); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%s, %v): %v, want %q", c.name, c.value, err, c.want)
		}
	}
	invalid := []struct {
		mutate func(*Params)
		want   string
	}{
		{func(p *Params) { p.CameraInfoPolicy = "nearest" }, "camera_info_policy = nearest"},
		{func(p *Params) { p.CameraInfoPolicy = "file" }, "camera_info_file"},
		{func(p *Params) { p.ImageTransport = "theora" }, "image_transport = theora"},
		{func(p *Params) { p.BaseToCamera = []float64{0, 0, 0, 0, 0, 0, 2} }, "norm 2.0000"},
		{func(p *Params) { p.Providers = "gpu" }, "providers = gpu"},
		{func(p *Params) { p.ScaleMode = "lidar" }, `unknown mode "lidar"`},
		{func(p *Params) { p.PointsDecimation = -1 }, "points_decimation = -1: must not be negative"},
		{func(p *Params) { p.DepthResolution = "full" }, "depth_resolution = full: want camera, model or WIDTHxHEIGHT"},
		{func(p *Params) { p.DepthResolution = "0x480" }, "depth_resolution = 0x480"},
		{func(p *Params) { p.DepthUpsampling = "nearest" }, "depth_upsampling = nearest: want joint_bilateral or bilinear"},
		{func(p *Params) { p.CompressedLevel = 0 }, "compressed_depth_png_level = 0: want 1..9"},
		{func(p *Params) { p.CompressedMax = 0 }, "compressed_depth_max = 0: must be positive"},
	}
	for _, c := range invalid {
		q := DefaultParams()
		c.mutate(&q)
		if err := q.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate: %v, want %q", err, c.want)
		}
	}
	table := ParamTable()
	for _, name := range ParamNames() {
		if !strings.Contains(table, "| `"+name+"` |") {
			t.Errorf("parameter table lacks %s", name)
		}
	}
}

func TestLatestSlotKeepsNewestAndCountsDrops(t *testing.T) {
	s := NewLatestSlot()
	s.Put([]byte("one"))
	s.Put([]byte("two"))
	s.Put([]byte("three"))
	buf := make([]byte, 0, 16)
	msg, _, ok := s.Take(buf)
	if !ok || string(msg) != "three" {
		t.Fatalf("took %q %v", msg, ok)
	}
	if _, _, ok := s.Take(nil); ok {
		t.Fatal("slot not empty after Take")
	}
	if arrived, dropped := s.Counts(); arrived != 3 || dropped != 2 {
		t.Fatalf("arrived %d dropped %d", arrived, dropped)
	}
	// Steady state: buffers are swapped, not allocated.
	a, b := make([]byte, 0, 64), make([]byte, 0, 64)
	s.Put([]byte("warm"))
	a, _, _ = s.Take(a)
	allocs := testing.AllocsPerRun(100, func() {
		s.Put([]byte("payload"))
		b, _, _ = s.Take(a)
		a, b = b, a
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

func TestLatestSlotConcurrent(t *testing.T) {
	s := NewLatestSlot()
	var wg sync.WaitGroup
	const n = 2000
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			s.Put([]byte{byte(i), byte(i >> 8)})
		}
	}()
	var got uint64
	last := -1
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	var buf []byte
	for {
		select {
		case <-s.Ready():
		case <-done:
		}
		var ok bool
		buf, _, ok = s.Take(buf)
		if ok {
			v := int(buf[0]) | int(buf[1])<<8
			if v <= last {
				t.Fatalf("frame %d after %d: order broken", v, last)
			}
			last = v
			got++
		}
		select {
		case <-done:
			if _, _, ok := s.Take(buf); !ok {
				arrived, dropped := s.Counts()
				if arrived != n || got+dropped != n {
					t.Fatalf("arrived %d, taken %d + dropped %d", arrived, got, dropped)
				}
				return
			}
		default:
		}
	}
}

func cameraInfo(stamp int64, fx float64) *msgs.CameraInfo {
	return &msgs.CameraInfo{Header: msgs.Header{Stamp: msgs.TimeFromNanos(stamp)}, Width: 64, Height: 32,
		K: [9]float64{fx, 0, 31.5, 0, fx, 15.5, 0, 0, 1}, DistortionModel: "plumb_bob", D: []float64{0, 0, 0, 0, 0},
		P: [12]float64{fx, 0, 31.5, 0, 0, fx, 15.5, 0, 0, 0, 1, 0}}
}

func TestCameraInfoPolicies(t *testing.T) {
	exact := NewCameraInfoStore(InfoExact, nil)
	if _, ok, seen := exact.Lookup(msgs.TimeFromNanos(5)); ok || seen {
		t.Fatal("empty store found a camera")
	}
	for i := int64(1); i <= 40; i++ {
		if err := exact.Add(cameraInfo(i*100, float64(i))); err != nil {
			t.Fatal(err)
		}
	}
	cam, ok, _ := exact.Lookup(msgs.TimeFromNanos(3000))
	if !ok || cam.K[0] != 30 {
		t.Fatalf("exact stamp 3000: ok %v fx %v", ok, cam.K[0])
	}
	if _, ok, seen := exact.Lookup(msgs.TimeFromNanos(3050)); ok || !seen {
		t.Fatal("exact policy matched a stamp it never saw")
	}
	if _, ok, _ := exact.Lookup(msgs.TimeFromNanos(200)); ok {
		t.Fatal("stamp 200 should have left the ring")
	}
	latest := NewCameraInfoStore(InfoLatest, nil)
	latest.Add(cameraInfo(1, 10))
	latest.Add(cameraInfo(2, 20))
	if cam, ok, _ := latest.Lookup(msgs.TimeFromNanos(99)); !ok || cam.K[0] != 20 {
		t.Fatalf("latest: %v %v", ok, cam.K[0])
	}
	bad := cameraInfo(3, 0)
	if err := latest.Add(bad); err == nil {
		t.Fatal("camera_info with fx 0 accepted")
	}
	if cam, _, _ := latest.Lookup(msgs.TimeFromNanos(99)); cam.K[0] != 20 {
		t.Fatal("a rejected camera_info replaced the good one")
	}
}

func TestOdometryWithBaseFrame(t *testing.T) {
	// Camera optical frame on a base (x forward, y left, z up): optical z = base x, optical x = −base y,
	// optical y = −base z; mounted 1.2 m up and 0.3 m forward.
	baseFromCam := RigidFromXYZQuat([]float64{0.3, 0, 1.2, -0.5, 0.5, -0.5, 0.5})
	p := baseFromCam.Apply([3]float64{0, 0, 1}) // one metre along the optical axis
	if math.Abs(p[0]-1.3) > 1e-12 || math.Abs(p[1]) > 1e-12 || math.Abs(p[2]-1.2) > 1e-12 {
		t.Fatalf("optical z in base = %v, want [1.3 0 1.2]", p)
	}
	// The camera drove 2 m forward (optical z) over 0.5 s.
	res := &pipeline.Result{Header: msgs.Header{Stamp: msgs.TimeFromNanos(5e8), FrameID: "cam_optical"}, HasMotion: true}
	res.Motion = pipeline.RigidFromAxisAngle(0, 0, 0, 0, 0, 2)
	res.World = res.Motion
	var odom msgs.Odometry
	var tf msgs.TFMessage
	OdometryOf(&odom, &tf, res, Frames{Odom: "odom", Base: "base_link", BaseFromCamera: baseFromCam}, 0.5)
	pos := odom.Pose.Pose.Position
	if odom.Header.FrameID != "odom" || odom.ChildFrameID != "base_link" || math.Abs(pos.X-2) > 1e-9 || math.Abs(pos.Y) > 1e-9 || math.Abs(pos.Z) > 1e-9 {
		t.Fatalf("odom %s→%s at %+v, want base 2 m forward", odom.Header.FrameID, odom.ChildFrameID, pos)
	}
	if v := odom.Twist.Twist.Linear; math.Abs(v.X-4) > 1e-9 || math.Abs(v.Y) > 1e-9 {
		t.Fatalf("twist %+v, want 4 m/s forward", v)
	}
	if len(tf.Transforms) != 1 || tf.Transforms[0].ChildFrameID != "base_link" || tf.Transforms[0].Transform.Translation.X != pos.X {
		t.Fatalf("tf %+v", tf)
	}
	if odom.Pose.Covariance[0] == 0 {
		t.Fatal("zero covariance claims a perfect estimate")
	}
	// Without a base frame, odometry is of the optical frame itself.
	OdometryOf(&odom, nil, res, Frames{Odom: "odom"}, 0.5)
	if odom.ChildFrameID != "cam_optical" || math.Abs(odom.Pose.Pose.Position.Z-2) > 1e-12 {
		t.Fatalf("optical odometry %+v", odom)
	}
}

func TestDiagnosticsLevels(t *testing.T) {
	var s Stats
	start := time.Now()
	snap := s.Snapshot(start, 0, 0)
	d := snap.DiagnosticArray(msgs.Time{}, "ssmde", "m")
	if d.Status[0].Level != msgs.DiagnosticWarn || !strings.Contains(d.Status[0].Message, "no images") {
		t.Fatalf("%+v", d.Status[0])
	}
	for i := 0; i < 10; i++ {
		s.Frame(time.Duration(i+1) * time.Millisecond)
	}
	s.Failure(errors.New(`image: unknown encoding "hsv8"`))
	snap = s.Snapshot(start.Add(time.Second), 12, 1)
	if snap.OutputHz != 10 || snap.InputHz != 12 || snap.P50MS != 5 || snap.P95MS != 10 || snap.Failed != 1 {
		t.Fatalf("%+v", snap)
	}
	d = snap.DiagnosticArray(msgs.Time{}, "ssmde", "m")
	if d.Status[0].Level != msgs.DiagnosticOK {
		t.Fatalf("%+v", d.Status[0])
	}
	snap = s.Snapshot(start.Add(2*time.Second), 20, 1)
	if d := snap.DiagnosticArray(msgs.Time{}, "ssmde", "m"); d.Status[0].Level != msgs.DiagnosticError || !strings.Contains(d.Status[0].Message, "hsv8") {
		t.Fatalf("images in, nothing out: %+v", d.Status[0])
	}
}

// TestROSParameters: every parameter is declared with its ROS 2 type and the README's text; only
// the runtime ones are writable; values round-trip through Set as the services carry them.
func TestROSParameters(t *testing.T) {
	p := DefaultParams()
	p.BaseToCamera = []float64{0, 0, 1, 0, 0, 0, 1}
	params, descs := p.ROSParameters()
	if len(params) != len(ParamNames()) || len(descs) != len(params) {
		t.Fatalf("%d parameters, %d descriptors, want %d", len(params), len(descs), len(ParamNames()))
	}
	byName := map[string]int{}
	for i, d := range descs {
		byName[d.Name] = i
		if d.Name != params[i].Name || d.Type != params[i].Value.Type || d.Description == "" {
			t.Errorf("%s: descriptor %+v for value %+v", params[i].Name, d, params[i].Value)
		}
		if d.ReadOnly == IsRuntimeParam(d.Name) {
			t.Errorf("%s: read_only %v, runtime %v", d.Name, d.ReadOnly, IsRuntimeParam(d.Name))
		}
	}
	for name, typ := range map[string]uint8{"model": msgs.ParameterString, "tensorrt_fp16": msgs.ParameterBool,
		"threads": msgs.ParameterInteger, "fixed_scale": msgs.ParameterDouble, "base_to_camera": msgs.ParameterDoubleArray} {
		if got := params[byName[name]].Value.Type; got != typ {
			t.Errorf("%s: type %d, want %d", name, got, typ)
		}
	}
	for _, name := range []string{"fixed_scale", "scale_mode", "min_depth", "points_decimation", "publish_colormap"} {
		if descs[byName[name]].ReadOnly {
			t.Errorf("%s is read-only; it is a runtime parameter", name)
		}
	}
	for _, name := range []string{"model", "providers", "image_topic", "depth_encoding", "depth_resolution", "depth_upsampling", "output_depth", "use_sim_time"} {
		if d := descs[byName[name]]; !d.ReadOnly || d.AdditionalConstraints != ReadOnlyConstraint {
			t.Errorf("%s: %+v, want read-only", name, d)
		}
	}
	if r := descs[byName["points_decimation"]].IntegerRange; len(r) != 1 || r[0].FromValue != 0 {
		t.Errorf("points_decimation range %+v", r)
	}
	q := DefaultParams()
	for _, prm := range params {
		if err := q.Set(prm.Name, prm.Value.Value()); err != nil {
			t.Fatalf("Set(%s, %v): %v", prm.Name, prm.Value.Value(), err)
		}
	}
	if !reflect.DeepEqual(q, p) {
		t.Errorf("values set back give\n%+v\nwant\n%+v", q, p)
	}
}

// TestEndpoints: the node's topics follow its parameters: the compressed transport's topic,
// the sparse depth input only for scale_mode sparse_depth (with its type), no camera_info input
// for camera_info_policy file, /tf_static only with a base frame; outputs at output_depth.
func TestEndpoints(t *testing.T) {
	list := func(p Params) string {
		var s []string
		for _, e := range p.Endpoints() {
			kind := "sub"
			if e.Publisher {
				kind = "pub"
			}
			s = append(s, fmt.Sprintf("%s %s %s %v/%v/%d", kind, e.Topic, e.Type, e.QoS.Reliable, e.QoS.TransientLocal, e.QoS.Depth))
		}
		return strings.Join(s, "\n")
	}
	outputs := `pub depth sensor_msgs/msg/Image true/false/5
pub depth/camera_info sensor_msgs/msg/CameraInfo true/false/5
pub depth/compressedDepth sensor_msgs/msg/CompressedImage true/false/5
pub points sensor_msgs/msg/PointCloud2 true/false/5
pub depth/colormap sensor_msgs/msg/Image true/false/5
pub depth/colormap/compressed sensor_msgs/msg/CompressedImage true/false/5
pub odom nav_msgs/msg/Odometry true/false/5
pub /tf tf2_msgs/msg/TFMessage true/false/100
`
	p := DefaultParams()
	if got, want := list(p), outputs+`pub /diagnostics diagnostic_msgs/msg/DiagnosticArray true/false/10
sub image sensor_msgs/msg/Image false/false/5
sub camera_info sensor_msgs/msg/CameraInfo false/false/5`; got != want {
		t.Errorf("defaults:\n%s\nwant\n%s", got, want)
	}
	p.ImageTransport, p.ImageReliability, p.ScaleMode, p.SparseType, p.CameraInfoPolicy = "compressed", "reliable", "sparse_depth", "depth", "file"
	p.BaseFrame, p.OutputDepth = "base_link", 2
	if got, want := list(p), strings.ReplaceAll(outputs, "/5", "/2")+`pub /tf_static tf2_msgs/msg/TFMessage true/true/1
pub /diagnostics diagnostic_msgs/msg/DiagnosticArray true/false/10
sub image/compressed sensor_msgs/msg/CompressedImage true/false/5
sub sparse_depth sensor_msgs/msg/Image false/false/5`; got != want {
		t.Errorf("changed:\n%s\nwant\n%s", got, want)
	}
}

// TestDiagnosticsCPU: the CPU share and the CPU time per published frame over a period, from the
// process clock (a fake one here: 250 ms of CPU over 1 s and 10 frames).
func TestDiagnosticsCPU(t *testing.T) {
	cpu := time.Duration(0)
	s := Stats{cpu: func() time.Duration { return cpu }}
	start := time.Now()
	s.Snapshot(start, 0, 0)
	for i := 0; i < 10; i++ {
		s.Frame(time.Millisecond)
	}
	cpu = 250 * time.Millisecond
	snap := s.Snapshot(start.Add(time.Second), 10, 0)
	if math.Abs(snap.CPUPercent-25) > 1e-9 || math.Abs(snap.CPUPerFrameMS-25) > 1e-9 {
		t.Fatalf("cpu %v %%, %v ms per frame; want 25 and 25", snap.CPUPercent, snap.CPUPerFrameMS)
	}
	var found int
	for _, kv := range snap.DiagnosticArray(msgs.Time{}, "ssmde", "m").Status[0].Values {
		if (kv.Key == "cpu_percent" || kv.Key == "cpu_ms_per_frame") && kv.Value == "25.00" {
			found++
		}
	}
	if found != 2 {
		t.Fatalf("diagnostics lack cpu_percent and cpu_ms_per_frame = 25.00")
	}
}

// TestDiagnosticsDropReasons: dropped inputs are counted by reason (numbers aside), most frequent
// first, in /diagnostics.
func TestDiagnosticsDropReasons(t *testing.T) {
	var s Stats
	for i := 0; i < 5; i++ {
		s.Failure(fmt.Errorf("image: %dx%d with step %d is inconsistent", i, i, i))
	}
	s.Failure(errors.New(`image: unknown encoding "foo16"`))
	s.BadCameraInfo(errors.New("camera_info: K is zero"))
	s.NoCameraInfo()
	snap := s.Snapshot(time.Now(), 8, 0)
	if len(snap.Drops) != 4 || snap.Drops[0].Count != 5 || snap.Drops[0].Reason != "image: NxN with step N is inconsistent" {
		t.Fatalf("drops %+v", snap.Drops)
	}
	got := map[string]string{}
	for _, kv := range snap.DiagnosticArray(msgs.Time{}, "ssmde", "m").Status[0].Values {
		got[kv.Key] = kv.Value
	}
	if got["dropped: camera_info: K is zero"] != "1" || got["dropped: image: no camera_info with its stamp"] != "1" {
		t.Fatalf("diagnostics %v", got)
	}
}

// TestLatestSlotPutIntoAllocatesNothing: messages copied into the slot by the transport (PutInto)
// and taken by the worker alternate between two buffers: nothing is allocated in steady state.
func TestLatestSlotPutIntoAllocatesNothing(t *testing.T) {
	s := NewLatestSlot()
	frame := make([]byte, 1280*720*3)
	for i := range frame {
		frame[i] = byte(i)
	}
	fill := func(dst []byte) { copy(dst, frame) }
	var buf []byte
	step := func() {
		s.PutInto(len(frame), fill)
		var ok bool
		if buf, _, ok = s.Take(buf); !ok || len(buf) != len(frame) || buf[1000] != frame[1000] {
			t.Fatalf("took %d bytes (ok %v)", len(buf), ok)
		}
	}
	step()
	step() // both buffers exist now
	if allocs := testing.AllocsPerRun(50, step); allocs != 0 {
		t.Fatalf("%v allocations per 2.7 MB frame", allocs)
	}
}

// TestLatestSlotScreen: with a screen, a refused message is counted and leaves the waiting one in
// place (a flood of bad frames cannot displace a good one); accepted ones replace it as before, and
// the three buffers rotate without allocating.
func TestLatestSlotScreen(t *testing.T) {
	s := NewLatestSlot()
	refused := 0
	errBad := errors.New("bad")
	s.SetScreen(func(b []byte) error {
		if bytes.HasPrefix(b, []byte("bad")) {
			refused++
			return errBad
		}
		return nil
	})
	s.Put([]byte("good1"))
	s.Put([]byte("bad1"))
	s.Put([]byte("bad2"))
	msg, _, ok := s.Take(nil)
	if !ok || string(msg) != "good1" {
		t.Fatalf("took %q (ok %v), want good1: a refused message replaced it", msg, ok)
	}
	if _, _, ok := s.Take(nil); ok {
		t.Fatal("a refused message is waiting")
	}
	s.Put([]byte("good2"))
	s.Put([]byte("good3"))
	if msg, _, _ = s.Take(msg); string(msg) != "good3" {
		t.Fatalf("took %q, want the newest accepted, good3", msg)
	}
	arrived, dropped := s.Counts()
	if arrived != 5 || dropped != 1 || s.Rejected() != 2 || refused != 2 {
		t.Fatalf("arrived %d dropped %d rejected %d (screen refused %d); want 5, 1, 2", arrived, dropped, s.Rejected(), refused)
	}
	frame := bytes.Repeat([]byte{7}, 4096)
	var buf []byte
	step := func() {
		s.Put(frame)
		s.Put([]byte("bad"))
		buf, _, _ = s.Take(buf)
	}
	step()
	step()
	if allocs := testing.AllocsPerRun(50, step); allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}
