package eval

import (
	"encoding/binary"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/sim"
)

// lidarBag writes a sim drive with the simulated LiDAR (32 rings × 32 columns at 128×64).
func lidarBag(t *testing.T, frames int) (string, sim.Config, sim.LidarOptions) {
	t.Helper()
	cfg := simConfig(frames)
	cfg.Seed = 3
	lo := sim.LidarOptions{Rings: 32, Columns: 32}
	path := filepath.Join(t.TempDir(), "lidar.mcap")
	if err := sim.WriteBagWith(path, cfg, sim.BagOptions{Lidar: &lo}, nil); err != nil {
		t.Fatal(err)
	}
	return path, cfg, lo
}

func lidarOptions(o BagOptions) BagOptions {
	o.Image, o.CameraInfo, o.Mask, o.Lidar = "auto", "auto", "auto", sim.TopicLidar
	if o.Depth == "" {
		o.Depth = "auto"
	}
	return o
}

// lidarAgreement replays the bag with LiDAR ground truth and scores the rendered (dense) depth
// against it, as an oracle prediction: AbsRel, the pixels scored, and the frames.
func lidarAgreement(t *testing.T, path string, cfg sim.Config, o BagOptions) (absRel float64, pixels, frames int) {
	t.Helper()
	bs, err := OpenBagWith(path, lidarOptions(o))
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	w, _ := sim.NewWorld(cfg)
	scorer, _ := NewScorer(Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleNone})
	var rendered sim.Frame
	var sum float64
	for {
		f, err := bs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.GTDepth == nil {
			continue
		}
		if f.Mask == nil {
			t.Fatalf("frame %d: the motion mask was not attached to the LiDAR ground truth", f.Index)
		}
		w.Render(f.Index, &rendered)
		fs, ok, err := scorer.Score(rendered.Depth, cfg.Width, cfg.Height, f.GTDepth, f.GTW, f.GTH, f.Mask)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			frames++
			sum += fs.All.AbsRel
			pixels += fs.All.Pixels
		}
	}
	if frames == 0 {
		return math.Inf(1), 0, 0
	}
	return sum / float64(frames), pixels, frames
}

// TestLidarGroundTruthIsTheRenderedDepth: projecting the simulated LiDAR through the bag's
// /tf_static (lidar → base_link → camera_optical) gives, at exactly the sampled pixels, the
// rendered depth; every other pixel is NaN; points behind the camera land nowhere.
func TestLidarGroundTruthIsTheRenderedDepth(t *testing.T) {
	path, cfg, lo := lidarBag(t, 6)
	bs, err := OpenBagWith(path, lidarOptions(BagOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	w, _ := sim.NewWorld(cfg)
	cols, rows := sim.LidarPixels(cfg, lo)
	sampled := map[int]bool{}
	for _, y := range rows {
		for _, x := range cols {
			sampled[y*cfg.Width+x] = true
		}
	}
	var rendered sim.Frame
	n := 0
	for {
		f, err := bs.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if f.GTDepth == nil || f.GTW != cfg.Width || f.GTH != cfg.Height {
			t.Fatalf("frame %d: GT %dx%d, %v", f.Index, f.GTW, f.GTH, f.GTDepth == nil)
		}
		w.Render(f.Index, &rendered)
		hits, worst := 0, 0.0
		for i, g := range f.GTDepth {
			d := rendered.Depth[i]
			switch {
			case !sampled[i] || math.IsNaN(float64(d)):
				if !math.IsNaN(float64(g)) {
					t.Fatalf("frame %d pixel (%d,%d): LiDAR depth %v where none was sampled (rendered %v)", f.Index, i%cfg.Width, i/cfg.Width, g, d)
				}
			case math.IsNaN(float64(g)):
				t.Fatalf("frame %d pixel (%d,%d): no LiDAR depth, rendered %v", f.Index, i%cfg.Width, i/cfg.Width, d)
			default:
				hits++
				worst = math.Max(worst, math.Abs(float64(g-d))/float64(d))
			}
		}
		if worst > 1e-3 || hits < len(sampled)/3 {
			t.Fatalf("frame %d: %d LiDAR pixels, worst relative difference %g", f.Index, hits, worst)
		}
	}
	if n != 6 {
		t.Fatalf("%d frames", n)
	}
}

// TestLidarExtrinsicMatters: the rendered depth scored against the LiDAR ground truth is an
// oracle (AbsRel ≈ 0) with the recorded transforms or the same extrinsic given by flag; the
// inverse transform or a transposed rotation is clearly worse.
func TestLidarExtrinsicMatters(t *testing.T) {
	path, cfg, _ := lidarBag(t, 4)
	camFromBase, baseFromLidar := sim.LidarMount(cfg)
	right := Pose(camFromBase.Mul(baseFromLidar))
	transposed := right
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			transposed.R[3*r+c] = right.R[3*c+r]
		}
	}
	inverse := right.Inverse()
	yawed := baseFromLidar
	yawed.R[1], yawed.R[3] = -yawed.R[1], -yawed.R[3] // the mount's 2° yaw the other way
	wrongYaw := Pose(camFromBase.Mul(yawed))
	flipped := right
	flipped.T = [3]float64{-right.T[0], -right.T[1], -right.T[2]}
	good, pixels, frames := lidarAgreement(t, path, cfg, BagOptions{})
	if good > 1e-4 || frames != 4 || pixels < 4*300 {
		t.Fatalf("through /tf_static: abs_rel %g over %d pixels of %d frames", good, pixels, frames)
	}
	q := rotationQuaternion(right.R)
	flag, err := ParseTransform(strings.Join([]string{ftoa(right.T[0]), ftoa(right.T[1]), ftoa(right.T[2]), ftoa(q[0]), ftoa(q[1]), ftoa(q[2]), ftoa(q[3])}, " "))
	if err != nil {
		t.Fatal(err)
	}
	byFlag, flagPixels, _ := lidarAgreement(t, path, cfg, BagOptions{LidarToCamera: &flag, TFStatic: "/none", TF: "/none"})
	if byFlag > 1e-4 || flagPixels != pixels {
		t.Fatalf("--lidar-to-camera: abs_rel %g over %d pixels (TF: %d)", byFlag, flagPixels, pixels)
	}
	for name, p := range map[string]Pose{"inverse": inverse, "transposed rotation": transposed, "translation negated": flipped, "yaw sign": wrongYaw} {
		bad, badPixels, _ := lidarAgreement(t, path, cfg, BagOptions{LidarToCamera: &p})
		t.Logf("%s extrinsic: abs_rel %.3g over %d pixels (right one: %.2g over %d)", name, bad, badPixels, good, pixels)
		if !(bad > 0.02) && badPixels > pixels/10 {
			t.Fatalf("%s extrinsic: abs_rel %g over %d pixels", name, bad, badPixels)
		}
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestLidarEvalAgreesWithDenseGT: the same model run scored against the LiDAR's sparse ground
// truth and against the dense one agrees closely (median scaling, motion mask and all); and a
// cloud more than --lidar-max-dt from every image is not used.
func TestLidarEvalAgreesWithDenseGT(t *testing.T) {
	path, _, _ := lidarBag(t, 8)
	proto := RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}}
	run := func(o BagOptions) *Result {
		bs, err := OpenBagWith(path, o)
		if err != nil {
			t.Fatal(err)
		}
		defer bs.Close()
		res, err := Run(bs, tinyPipeline(t), proto)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	dense := run(BagOptions{BagTopics: BagTopics{Image: "auto", CameraInfo: "auto", Depth: "auto", Mask: "auto"}})
	sparse := run(lidarOptions(BagOptions{}))
	t.Logf("dense: abs_rel %.4f rmse %.3f δ1 %.3f ratio %.3f over %d px; LiDAR: abs_rel %.4f rmse %.3f δ1 %.3f ratio %.3f over %d px",
		dense.All.AbsRel, dense.All.RMSE, dense.All.Delta1, dense.RatioMean, dense.All.Pixels,
		sparse.All.AbsRel, sparse.All.RMSE, sparse.All.Delta1, sparse.RatioMean, sparse.All.Pixels)
	if sparse.Scored != 8 || sparse.All.Pixels*5 > dense.All.Pixels || sparse.Static.Frames == 0 {
		t.Fatalf("LiDAR: scored %d frames, %d pixels (dense %d)", sparse.Scored, sparse.All.Pixels, dense.All.Pixels)
	}
	if rel := math.Abs(sparse.All.AbsRel-dense.All.AbsRel) / dense.All.AbsRel; rel > 0.15 {
		t.Fatalf("abs_rel LiDAR %g, dense %g", sparse.All.AbsRel, dense.All.AbsRel)
	}
	if rel := math.Abs(sparse.RatioMean-dense.RatioMean) / dense.RatioMean; rel > 0.1 {
		t.Fatalf("median ratio LiDAR %g, dense %g", sparse.RatioMean, dense.RatioMean)
	}
	// The clouds are stamped 7 ms after the images.
	late := run(lidarOptions(BagOptions{LidarMaxDT: 5 * time.Millisecond}))
	if late.Frames != 8 || late.Scored != 0 {
		t.Fatalf("max-dt 5 ms: %d frames, %d scored", late.Frames, late.Scored)
	}
}

func TestLidarOptionsAreChecked(t *testing.T) {
	path, _, _ := lidarBag(t, 2)
	for _, c := range []struct {
		o    BagOptions
		want string
	}{
		{BagOptions{BagTopics: BagTopics{Image: "auto", CameraInfo: "auto", Depth: "/camera/depth_gt", Lidar: sim.TopicLidar}}, "both give ground-truth depth"},
		{BagOptions{BagTopics: BagTopics{Image: "auto", Lidar: sim.TopicLidar}}, "needs the camera's intrinsics"},
		{BagOptions{BagTopics: BagTopics{Image: "auto", CameraInfo: "auto", Lidar: sim.TopicImage}}, "want sensor_msgs/PointCloud2"},
		{BagOptions{BagTopics: BagTopics{Image: "auto", CameraInfo: "auto", Lidar: sim.TopicLidar}, TF: "/x", TFStatic: "/y"}, "give it with --lidar-to-camera"},
	} {
		_, err := OpenBagWith(path, c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	// TF that does not link the cloud's frame to the camera's: the first frame says so.
	bs, err := OpenBagWith(path, BagOptions{BagTopics: BagTopics{Image: "auto", CameraInfo: "auto", Lidar: sim.TopicLidar}, TFStatic: "/none"})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if _, err := bs.Next(); err == nil || !strings.Contains(err.Error(), `no transform between frames "camera_optical" and "lidar"`) || !strings.Contains(err.Error(), "--lidar-to-camera") {
		t.Fatalf("%v", err)
	}
}

// cloud builds a cloud of pts with x, y, z (float32 or float64) at the given offsets.
func cloud(pts [][3]float64, point int, offsets [3]int, datatype uint8, width, height, rowStep int) *msgs.PointCloud2 {
	size := 4
	if datatype == msgs.PointFieldFloat64 {
		size = 8
	}
	c := &msgs.PointCloud2{Width: uint32(width), Height: uint32(height), PointStep: uint32(point), RowStep: uint32(rowStep),
		Fields: []msgs.PointField{{Name: "intensity", Offset: 0, Datatype: msgs.PointFieldUint8, Count: 1}}}
	for k, name := range []string{"x", "y", "z"} {
		c.Fields = append(c.Fields, msgs.PointField{Name: name, Offset: uint32(offsets[k]), Datatype: datatype, Count: 1})
	}
	c.Data = make([]byte, rowStep*height)
	for i, p := range pts {
		at := c.Data[(i/width)*rowStep+(i%width)*point:]
		for k := 0; k < 3; k++ {
			if size == 8 {
				binary.LittleEndian.PutUint64(at[offsets[k]:], math.Float64bits(p[k]))
			} else {
				binary.LittleEndian.PutUint32(at[offsets[k]:], math.Float32bits(float32(p[k])))
			}
		}
	}
	return c
}

// TestProjectCloudLayouts: x, y, z at odd offsets, float32 or float64, organised with padded
// rows or not, NaN points, points behind the camera and outside the image, two points on one
// pixel (the nearer wins); distortion moves points as calibration.Distort says.
func TestProjectCloudLayouts(t *testing.T) {
	cam := calibration.PinholeCamera(40, 30, calibration.Intrinsics{Fx: 20, Fy: 20, Cx: 20, Cy: 15})
	nan := math.NaN()
	pts := [][3]float64{
		{0, 0, 5},       // centre (20, 15)
		{0, 0, 4},       // same pixel, nearer
		{2, 1, 10},      // (24, 17)
		{nan, 0, 1},     // dropped
		{0, 0, -3},      // behind
		{100, 0, 1},     // outside
		{-1, -0.75, 2},  // (10, 7.5) → rounds to (10, 8)
		{0.5, 0.25, 25}, // (20.4, 15.2) → (20, 15) but farther
	}
	for _, layout := range []struct {
		name                        string
		point, width, height, rowSt int
		off                         [3]int
		dt                          uint8
	}{
		{"float32 unorganised", 13, 8, 1, 8 * 13, [3]int{1, 5, 9}, msgs.PointFieldFloat32},
		{"float64 organised, padded rows", 27, 4, 2, 4*27 + 5, [3]int{19, 3, 11}, msgs.PointFieldFloat64},
	} {
		c := cloud(pts, layout.point, layout.off, layout.dt, layout.width, layout.height, layout.rowSt)
		depth, n, err := ProjectCloud(nil, 40, 30, c, IdentityPose(), &cam)
		if err != nil {
			t.Fatalf("%s: %v", layout.name, err)
		}
		want := map[int]float32{15*40 + 20: 4, 17*40 + 24: 10, 8*40 + 10: 2}
		if n != len(want) {
			t.Fatalf("%s: %d pixels filled", layout.name, n)
		}
		for i, d := range depth {
			if w, ok := want[i]; ok != !math.IsNaN(float64(d)) || (ok && d != w) {
				t.Fatalf("%s: pixel (%d,%d) = %v, want %v", layout.name, i%40, i/40, d, want[i])
			}
		}
	}
	// Distortion: a point lands where the lens puts it.
	dcam := cam
	dcam.Model, dcam.D = calibration.PlumbBob, []float64{-0.2, 0.05, 0, 0, 0}
	p := [3]float64{0.6, 0.4, 1}
	xd, yd := calibration.Distort(dcam.Model, dcam.D, 0.6, 0.4)
	depth, n, err := ProjectCloud(nil, 40, 30, cloud([][3]float64{p}, 12, [3]int{0, 4, 8}, msgs.PointFieldFloat32, 1, 1, 12), IdentityPose(), &dcam)
	u, v := int(math.Round(20*xd+20)), int(math.Round(20*yd+15))
	if err != nil || n != 1 || depth[v*40+u] != 1 {
		t.Fatalf("distorted point: %v, %d pixels, at (%d,%d): %v", err, n, u, v, depth[v*40+u])
	}
}

// TestProjectCloudRejectsBadClouds: each bad cloud is refused before its data is read, with the
// field or sizes named.
func TestProjectCloudRejectsBadClouds(t *testing.T) {
	cam := calibration.PinholeCamera(40, 30, calibration.Intrinsics{Fx: 20, Fy: 20, Cx: 20, Cy: 15})
	good := func() *msgs.PointCloud2 {
		return cloud([][3]float64{{0, 0, 1}, {0, 0, 2}}, 16, [3]int{4, 8, 12}, msgs.PointFieldFloat32, 2, 1, 32)
	}
	for _, c := range []struct {
		name   string
		modify func(c *msgs.PointCloud2)
		want   string
	}{
		{"no y", func(c *msgs.PointCloud2) { c.Fields[2].Name = "yy" }, `no field "y" (its fields: intensity, x, yy, z)`},
		{"z an int", func(c *msgs.PointCloud2) { c.Fields[3].Datatype = msgs.PointFieldInt32 }, `field "z" has datatype 5`},
		{"z outside the point", func(c *msgs.PointCloud2) { c.Fields[3].Offset = 14 }, `field "z" at offset 14 (4 bytes) does not fit in point_step 16`},
		{"data too short", func(c *msgs.PointCloud2) { c.Data = c.Data[:31] }, "point cloud 2x1 with point_step 16 and row_step 32 needs more than its 31 bytes"},
		{"more rows than data", func(c *msgs.PointCloud2) { c.Height = 3 }, "point cloud 2x3 with point_step 16 and row_step 32 needs more"},
		{"huge width", func(c *msgs.PointCloud2) { c.Width, c.RowStep = 1<<31, 0 }, "needs more than its 32 bytes"},
		{"row_step too small", func(c *msgs.PointCloud2) { c.RowStep = 20 }, "row_step 20 is less than width 2 × point_step 16"},
		{"big-endian", func(c *msgs.PointCloud2) { c.IsBigEndian = true }, "big-endian point clouds"},
	} {
		cl := good()
		c.modify(cl)
		_, _, err := ProjectCloud(nil, 40, 30, cl, IdentityPose(), &cam)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, n, err := ProjectCloud(nil, 40, 30, good(), IdentityPose(), &cam); err != nil || n != 1 {
		t.Fatalf("good cloud: %d pixels, %v", n, err)
	}
}

// TestBadCloudInBagNamesTopicAndField: a recorded cloud without z ends the replay with the
// topic, the stamp and the field named.
func TestBadCloudInBagNamesTopicAndField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.mcap")
	w, err := bag.CreateMCAP(path, bag.MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cam := calibration.PinholeCamera(8, 4, calibration.Intrinsics{Fx: 4, Fy: 4, Cx: 4, Cy: 2}).CameraInfo()
	h := msgs.Header{Stamp: msgs.TimeFromNanos(1e9), FrameID: "cam"}
	cam.Header = h
	c := cloud([][3]float64{{0, 0, 1}}, 12, [3]int{0, 4, 8}, msgs.PointFieldFloat32, 1, 1, 12)
	c.Fields = c.Fields[:3]
	c.Header = msgs.Header{Stamp: msgs.TimeFromNanos(1e9 + 2e6), FrameID: "velodyne"}
	w.Write("/cam/image", &msgs.Image{Header: h, Width: 8, Height: 4, Encoding: "mono8", Step: 8, Data: make([]byte, 32)}, 1e9)
	w.Write("/cam/info", &cam, 1e9)
	w.Write("/points", c, 1e9+2e6)
	w.Close()
	id := IdentityPose()
	bs, err := OpenBagWith(path, BagOptions{BagTopics: BagTopics{Image: "/cam/image", CameraInfo: "/cam/info", Lidar: "/points"}, LidarToCamera: &id})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	if _, err := bs.Next(); err == nil || !strings.Contains(err.Error(), `/points at stamp 1002000000: point cloud has no field "z"`) {
		t.Fatalf("%v", err)
	}
}
