package eval

import (
	"errors"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/sim"
)

func ts(parent, child string, stamp int64, p Pose) msgs.TransformStamped {
	q := rotationQuaternion(p.R)
	return msgs.TransformStamped{Header: msgs.Header{Stamp: msgs.TimeFromNanos(stamp), FrameID: parent}, ChildFrameID: child,
		Transform: msgs.Transform{Translation: msgs.Vector3{X: p.T[0], Y: p.T[1], Z: p.T[2]},
			Rotation: msgs.Quaternion{X: q[0], Y: q[1], Z: q[2], W: q[3]}}}
}

// rotationQuaternion converts a rotation matrix (test helper; trace-positive rotations only).
func rotationQuaternion(r [9]float64) [4]float64 {
	w := math.Sqrt(1+r[0]+r[4]+r[8]) / 2
	return [4]float64{(r[7] - r[5]) / (4 * w), (r[2] - r[6]) / (4 * w), (r[3] - r[1]) / (4 * w), w}
}

func rotZ(deg float64, t [3]float64) Pose {
	c, s := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
	return Pose{R: [9]float64{c, -s, 0, s, c, 0, 0, 0, 1}, T: t}
}

func rotX(deg float64, t [3]float64) Pose {
	c, s := math.Cos(deg*math.Pi/180), math.Sin(deg*math.Pi/180)
	return Pose{R: [9]float64{1, 0, 0, 0, c, -s, 0, s, c}, T: t}
}

func poseDiff(a, b Pose) (dt, dr float64) {
	for k := 0; k < 3; k++ {
		dt = math.Max(dt, math.Abs(a.T[k]-b.T[k]))
	}
	for k := 0; k < 9; k++ {
		dr = math.Max(dr, math.Abs(a.R[k]-b.R[k]))
	}
	return dt, dr
}

// TestTFTreeWalksBothWays: odom → base → {camera_link → camera_optical, lidar}: camera ← lidar
// goes up from the LiDAR and down to the camera, through three fixed links; lidar ← camera is
// its inverse; a point maps as composing the links by hand says.
func TestTFTreeWalksBothWays(t *testing.T) {
	base := rotZ(30, [3]float64{1, 2, 0})
	camLink := rotZ(-10, [3]float64{0.2, 0, 1.5})
	optical := Pose{R: [9]float64{0, 0, 1, -1, 0, 0, 0, -1, 0}} // camera_link_from_optical
	lidar := rotX(5, [3]float64{-0.3, 0.1, 1.8})
	tree := NewTFTree()
	tree.Add(&msgs.TFMessage{Transforms: []msgs.TransformStamped{
		ts("base_link", "camera_link", 0, camLink), ts("camera_link", "camera_optical", 0, optical), ts("/base_link", "/lidar", 0, lidar)}}, true)
	tree.Add(&msgs.TFMessage{Transforms: []msgs.TransformStamped{ts("odom", "base_link", 100, base)}}, false)

	got, err := tree.Lookup("camera_optical", "lidar", 50, -1)
	if err != nil {
		t.Fatal(err)
	}
	want := camLink.Mul(optical).Inverse().Mul(lidar)
	if dt, dr := poseDiff(got, want); dt > 1e-12 || dr > 1e-12 {
		t.Fatalf("camera_from_lidar %+v, want %+v", got, want)
	}
	back, _ := tree.Lookup("/lidar", "camera_optical", 50, -1)
	if dt, dr := poseDiff(back, want.Inverse()); dt > 1e-12 || dr > 1e-12 {
		t.Fatalf("lidar_from_camera %+v", back)
	}
	p := [3]float64{3, -1, 7}
	if q, r := got.Apply(p), optical.Inverse().Apply(camLink.Inverse().Apply(lidar.Apply(p))); math.Abs(q[0]-r[0])+math.Abs(q[1]-r[1])+math.Abs(q[2]-r[2]) > 1e-12 {
		t.Fatalf("point %v → %v, by hand %v", p, q, r)
	}
	// Through the stamped link: odom_from_optical.
	world, err := tree.Lookup("odom", "camera_optical", 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if dt, dr := poseDiff(world, base.Mul(camLink).Mul(optical)); dt > 1e-12 || dr > 1e-12 {
		t.Fatalf("odom_from_optical %+v", world)
	}
	if parent, _ := tree.Parent("camera_optical"); parent != "camera_link" {
		t.Fatalf("parent %q", parent)
	}
	// A stamped link far from the time asked for.
	if _, err := tree.Lookup("odom", "camera_optical", 100+int64(time.Second), int64(50*time.Millisecond)); !errors.Is(err, ErrTFTime) {
		t.Fatalf("1 s after the only sample: %v", err)
	}
	// Frames that are not linked: the error names both roots.
	tree.Add(&msgs.TFMessage{Transforms: []msgs.TransformStamped{ts("map", "gps", 0, IdentityPose())}}, true)
	_, err = tree.Lookup("camera_optical", "gps", 0, -1)
	if err == nil || !strings.Contains(err.Error(), `"gps"'s root is "map"`) || !strings.Contains(err.Error(), `"camera_optical"'s root is "odom"`) {
		t.Fatalf("%v", err)
	}
}

// TestTFInterpolation: halfway between two samples is halfway in translation and in angle.
func TestTFInterpolation(t *testing.T) {
	tree := NewTFTree()
	tree.Add(&msgs.TFMessage{Transforms: []msgs.TransformStamped{ts("odom", "base", 1000, rotZ(10, [3]float64{0, 0, 0}))}}, false)
	tree.Add(&msgs.TFMessage{Transforms: []msgs.TransformStamped{ts("odom", "base", 3000, rotZ(50, [3]float64{4, -2, 1}))}}, false)
	got, err := tree.Lookup("odom", "base", 2500, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if dt, dr := poseDiff(got, rotZ(40, [3]float64{3, -1.5, 0.75})); dt > 1e-12 || dr > 1e-12 {
		t.Fatalf("interpolated %+v", got)
	}
	// Samples 2000 ns apart are not interpolated with max-dt 900; the nearest within it is used.
	got, err = tree.Lookup("odom", "base", 2500, 900)
	if err != nil {
		t.Fatal(err)
	}
	if dt, dr := poseDiff(got, rotZ(50, [3]float64{4, -2, 1})); dt > 1e-12 || dr > 1e-12 {
		t.Fatalf("nearest %+v", got)
	}
	if _, err := tree.Lookup("odom", "base", 2000, 900); !errors.Is(err, ErrTFTime) {
		t.Fatalf("1000 ns from both samples with max-dt 900: %v", err)
	}
	tree.prune(2800)
	if n := len(tree.edges["base"].samples); n != 2 {
		t.Fatalf("pruning before 2800 kept %d samples, want both (the one before is needed)", n)
	}
	tree.prune(3000)
	if n := len(tree.edges["base"].samples); n != 1 {
		t.Fatalf("pruning at 3000 kept %d samples", n)
	}
}

func TestParseTransform(t *testing.T) {
	p, err := ParseTransform("1 2 3  0 0 0.7071067811865476 0.7071067811865476")
	if err != nil {
		t.Fatal(err)
	}
	if dt, dr := poseDiff(p, rotZ(90, [3]float64{1, 2, 3})); dt > 1e-12 || dr > 1e-12 {
		t.Fatalf("%+v", p)
	}
	for _, bad := range []string{"1 2 3", "1 2 3 0 0 0 2", "1 2 x 0 0 0 1", "1 2 NaN 0 0 0 1"} {
		if _, err := ParseTransform(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestTFTrajectoryEqualsOdometry: the GT trajectory from TF is the /odom_gt one: directly
// (odom → camera_optical stamped like the images), through base_link and the fixed
// base_link → camera_optical with /tf stamped 13 ms after the images (interpolated), and not
// without interpolation (which shows the offset matters).
func TestTFTrajectoryEqualsOdometry(t *testing.T) {
	dir := t.TempDir()
	cfg := simConfig(12)
	cfg.Seed = 3 // a curving road (κ ≈ 1/780 m⁻¹) at 14.8 m/s: rotation changes, translation is not linear in time
	plain, robot := filepath.Join(dir, "plain.mcap"), filepath.Join(dir, "robot.mcap")
	if err := sim.WriteBag(plain, cfg, nil); err != nil {
		t.Fatal(err)
	}
	if err := sim.WriteBagWith(robot, cfg, sim.BagOptions{Lidar: &sim.LidarOptions{}, TFOffset: 13 * time.Millisecond}, nil); err != nil {
		t.Fatal(err)
	}
	poses := func(path string, o BagOptions) []Pose {
		t.Helper()
		bs, err := OpenBagWith(path, o)
		if err != nil {
			t.Fatal(err)
		}
		defer bs.Close()
		var out []Pose
		for {
			f, err := bs.Next()
			if err != nil {
				break
			}
			if f.GTPose == nil {
				t.Fatalf("%s frame %d has no GT pose", path, f.Index)
			}
			out = append(out, *f.GTPose)
		}
		return out
	}
	odom := poses(plain, BagOptions{BagTopics: BagTopics{Image: "auto", Odom: "auto"}})
	if len(odom) != 12 {
		t.Fatalf("%d odometry poses", len(odom))
	}
	for _, c := range []struct {
		name string
		path string
		o    BagOptions
		tol  float64
	}{
		{"odom → camera_optical", plain, BagOptions{BagTopics: BagTopics{Image: "auto", Odom: "auto"}, GTTFChild: sim.FrameID}, 1e-9},
		{"odom → base_link, 13 ms off, interpolated", robot, BagOptions{BagTopics: BagTopics{Image: "auto", Odom: "auto"}, GTTFChild: sim.BaseFrameID}, 1e-3},
		{"camera_optical in odom, through base_link", robot, BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: sim.FrameID, GTTFParent: sim.OdomFrameID}, 1e-3},
	} {
		got := poses(c.path, c.o)
		if len(got) != len(odom) {
			t.Fatalf("%s: %d poses", c.name, len(got))
		}
		var worst float64
		for i := range got {
			dt, dr := poseDiff(got[i], odom[i])
			worst = math.Max(worst, math.Max(dt, dr))
		}
		ate, _, err := ATE(got, odom)
		if err != nil || worst > c.tol || ate > c.tol {
			t.Fatalf("%s: worst pose difference %g, ATE %g (%v)", c.name, worst, ate, err)
		}
		t.Logf("%s: worst pose difference %.2g, ATE %.2g", c.name, worst, ate)
	}
	// Without interpolation (samples 100 ms apart, max-dt 20 ms: the nearest, 13 ms off) the
	// positions are off by the distance driven in 13 ms.
	near := poses(robot, BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: sim.BaseFrameID, GTTFMaxDT: 20 * time.Millisecond})
	var worst float64
	for i := range near {
		dt, _ := poseDiff(near[i], odom[i])
		worst = math.Max(worst, dt)
	}
	if worst < 0.03 {
		t.Fatalf("nearest sample 13 ms off is only %g m off: the offset is not being tested", worst)
	}
}

func TestGTTFOptionsAreChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.mcap")
	if err := sim.WriteBag(path, simConfig(2), nil); err != nil {
		t.Fatal(err)
	}
	_, err := OpenBagWith(path, BagOptions{BagTopics: BagTopics{Image: "auto", Odom: "/odom_gt"}, GTTFChild: "camera_optical"})
	if err == nil || !strings.Contains(err.Error(), "both give the ground-truth trajectory") {
		t.Fatalf("%v", err)
	}
	_, err = OpenBagWith(path, BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: "camera_optical", TF: "/tf_other"})
	if err == nil || !strings.Contains(err.Error(), "needs transforms on /tf_other") {
		t.Fatalf("%v", err)
	}
	// A parent the camera is not linked to ends the replay with the frames named.
	bs, err := OpenBagWith(path, BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: "camera_optical", GTTFParent: "map"})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if _, err := bs.Next(); err == nil || !strings.Contains(err.Error(), `no transform between frames "map" and "camera_optical"`) {
		t.Fatalf("%v", err)
	}
}

// TestGTFootgunsAreErrors: a GT frame fixed to the camera (its parent by /tf_static) and a GT frame
// the recording does not have both stop the replay with an ErrOption that names the frames, instead
// of scoring a perfect odometry or silently dropping it.
func TestGTFootgunsAreErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "robot.mcap")
	if err := sim.WriteBagWith(path, simConfig(4), sim.BagOptions{Lidar: &sim.LidarOptions{}}, nil); err != nil {
		t.Fatal(err)
	}
	replay := func(o BagOptions) error {
		t.Helper()
		bs, err := OpenBagWith(path, o)
		if err != nil {
			t.Fatal(err)
		}
		defer bs.Close()
		for {
			if _, err := bs.Next(); err != nil {
				return err
			}
		}
	}
	err := replay(BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: sim.FrameID})
	if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "never changes") || !strings.Contains(err.Error(), "--gt-tf-parent") ||
		!strings.Contains(err.Error(), sim.OdomFrameID) {
		t.Fatalf("camera frame without a parent: %v", err)
	}
	err = replay(BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: "nosuchframe"})
	if !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), "nosuchframe") || !strings.Contains(err.Error(), sim.BaseFrameID) {
		t.Fatalf("unknown frame: %v", err)
	}
	if err := replay(BagOptions{BagTopics: BagTopics{Image: "auto"}, GTTFChild: sim.BaseFrameID}); err != io.EOF {
		t.Fatalf("a moving GT frame: %v", err)
	}
}

func TestTFFixed(t *testing.T) {
	tree := NewTFTree()
	link := func(parent, child string, stamp int64) *msgs.TFMessage {
		return &msgs.TFMessage{Transforms: []msgs.TransformStamped{{Header: msgs.Header{FrameID: parent, Stamp: msgs.TimeFromNanos(stamp)},
			ChildFrameID: child, Transform: msgs.Transform{Rotation: msgs.Quaternion{W: 1}}}}}
	}
	tree.Add(link("base", "camera", 0), true)
	tree.Add(link("base", "lidar", 0), true)
	tree.Add(link("odom", "base", 5), false)
	for _, c := range []struct {
		a, b string
		want bool
	}{{"base", "camera", true}, {"lidar", "camera", true}, {"camera", "camera", true}, {"odom", "camera", false}, {"map", "camera", false}} {
		if got := tree.Fixed(c.a, c.b); got != c.want {
			t.Errorf("Fixed(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
