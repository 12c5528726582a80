package sim

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
)

// Topics and frames of the simulated LiDAR (WriteBagWith with BagOptions.Lidar).
const (
	TopicLidar    = "/lidar/points" // sensor_msgs/PointCloud2 in LidarFrameID
	TopicTFStatic = "/tf_static"    // base_link → camera_optical and base_link → lidar, once at the start
	BaseFrameID   = "base_link"     // the vehicle: x forward, y left, z up, on the road below and behind the camera
	LidarFrameID  = "lidar"         // x forward, z up, 0.3 m above and 0.5 m behind the camera, yawed LidarYawDeg
	// LidarYawDeg turns the LiDAR about its z axis on the mount, so that a transform applied
	// transposed or in the wrong order shows.
	LidarYawDeg = 2.0
)

// Fields of a simulated cloud point (point_step lidarPointStep): x, y, z, intensity float32, ring
// uint16, two bytes of padding, t float32 (seconds after the cloud's stamp; 0 here).
const lidarPointStep = 24

// LidarOptions describes the simulated spinning LiDAR. Its points are the rendered ground-truth
// depth of chosen pixels (rows are rings, evenly spaced columns are firings), moved into the
// LiDAR frame, so projecting them back gives the rendered depth exactly. Each ring also returns
// the points mirrored through the camera centre (behind the camera, as the rear half of a spin
// would), which no correct projection puts into the image. The cloud is organised, Rings rows of
// 2·Columns points, with NaN points where the camera sees sky (no return).
type LidarOptions struct {
	Rings   int           // rings, i.e. image rows sampled (default 32)
	Columns int           // points per ring in the camera's view (default Width/4)
	Offset  time.Duration // cloud stamp − image stamp (default 7 ms: the LiDAR is not triggered with the camera)
}

// BagOptions are WriteBagWith's additions to what WriteBag records.
type BagOptions struct {
	// Lidar, when set, records /lidar/points per frame and /tf_static once, and /tf becomes the
	// robot's tree odom → base_link (base_link → camera_optical is on /tf_static): the camera's
	// pose in odom stays what /odom_gt says.
	Lidar *LidarOptions
	// TFOffset stamps the /tf samples this long after each image stamp (with the pose at that
	// time), as a TF publisher that is not triggered with the camera does, with one more sample
	// before the first frame and after the last so that every image is between two; 0 stamps
	// them like the images.
	TFOffset time.Duration
}

// LidarMount is where the simulated LiDAR sits: the pose of base_link in the camera optical
// frame and of the LiDAR in base_link.
// base_link is level on the ground under the camera's rig; a tilted camera (CameraPitch, CameraRoll)
// is tilted on it.
func LidarMount(cfg Config) (cameraFromBase, baseFromLidar Pose) {
	cfg = cfg.withDefaults()
	h := cfg.CameraHeight
	// base_link x (forward) is the rig's z, y (left) its −x, z (up) its −y; origin on the road
	// 1 m behind the camera.
	cameraFromBase = Pose{R: [9]float64{0, -1, 0, 0, 0, -1, 1, 0, 0}, T: [3]float64{0, h, -1}}
	if cfg.CameraPitch != 0 || cfg.CameraRoll != 0 {
		rigFromCamera := rotXPose(-cfg.CameraPitch * math.Pi / 180).Mul(rotZPose(cfg.CameraRoll * math.Pi / 180))
		cameraFromBase = rigFromCamera.Inverse().Mul(cameraFromBase)
	}
	c, s := math.Cos(LidarYawDeg*math.Pi/180), math.Sin(LidarYawDeg*math.Pi/180)
	baseFromLidar = Pose{R: [9]float64{c, -s, 0, s, c, 0, 0, 0, 1}, T: [3]float64{0.5, 0, h + 0.3}}
	return cameraFromBase, baseFromLidar
}

// PoseAt is world_from_camera at t seconds after frame 0 (any t, also between frames).
func (w *World) PoseAt(t float64) Pose { return w.sc.exposed(w.sc.pose(t)) }

// stampAt is the stamp t seconds after frame 0.
func (w *World) stampAt(t float64) msgs.Time {
	return msgs.TimeFromNanos(w.cfg.StartNanos + int64(math.Round(t*1e9)))
}

func transformOf(parent, child string, stamp msgs.Time, p Pose) msgs.TransformStamped {
	qx, qy, qz, qw := p.Quaternion()
	return msgs.TransformStamped{Header: msgs.Header{Stamp: stamp, FrameID: parent}, ChildFrameID: child,
		Transform: msgs.Transform{Translation: msgs.Vector3{X: p.T[0], Y: p.T[1], Z: p.T[2]},
			Rotation: msgs.Quaternion{X: qx, Y: qy, Z: qz, W: qw}}}
}

// WriteBagWith is WriteBag with a simulated LiDAR and/or TF stamped apart from the images.
func WriteBagWith(path string, cfg Config, opts BagOptions, progress func(done, total int)) error {
	w, err := NewWorld(cfg)
	if err != nil {
		return err
	}
	var lo LidarOptions
	if opts.Lidar != nil {
		lo = *opts.Lidar
		if lo.Rings == 0 {
			lo.Rings = 32
		}
		if lo.Columns == 0 {
			lo.Columns = max(w.cfg.Width/4, 1)
		}
		if lo.Offset == 0 {
			lo.Offset = 7 * time.Millisecond
		}
		if lo.Rings < 1 || lo.Rings > w.cfg.Height || lo.Columns < 1 || lo.Columns > w.cfg.Width {
			return fmt.Errorf("sim: LiDAR of %d rings × %d columns does not fit a %dx%d image", lo.Rings, lo.Columns, w.cfg.Width, w.cfg.Height)
		}
	}
	out, err := bag.CreateMCAP(path, bag.MCAPWriterOptions{})
	if err != nil {
		return err
	}
	type timed struct {
		topic string
		msg   msgs.Message
		t     int64
	}
	var pending []timed
	flush := func() error {
		sort.SliceStable(pending, func(i, j int) bool { return pending[i].t < pending[j].t })
		for _, m := range pending {
			if err := out.Write(m.topic, m.msg, m.t); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	cameraFromBase, baseFromLidar := LidarMount(w.cfg)
	lidarFromCamera := cameraFromBase.Mul(baseFromLidar).Inverse()
	period := 1 / w.cfg.FPS
	// tfAt is the /tf message at t seconds: the camera's (or with a LiDAR base_link's) pose in odom.
	tfAt := func(t float64) *msgs.TFMessage {
		stamp := w.stampAt(t)
		if opts.Lidar != nil {
			return &msgs.TFMessage{Transforms: []msgs.TransformStamped{transformOf(OdomFrameID, BaseFrameID, stamp, w.PoseAt(t).Mul(cameraFromBase))}}
		}
		return &msgs.TFMessage{Transforms: []msgs.TransformStamped{transformOf(OdomFrameID, FrameID, stamp, w.PoseAt(t))}}
	}
	off := opts.TFOffset.Seconds()
	if opts.Lidar != nil {
		stamp := w.stampAt(-period)
		pending = append(pending, timed{TopicTFStatic, &msgs.TFMessage{Transforms: []msgs.TransformStamped{
			transformOf(BaseFrameID, FrameID, stamp, cameraFromBase.Inverse()),
			transformOf(BaseFrameID, LidarFrameID, stamp, baseFromLidar)}}, stamp.Nanos()})
	}
	if opts.TFOffset != 0 {
		t := -period + off
		pending = append(pending, timed{TopicTF, tfAt(t), w.stampAt(t).Nanos()})
	}
	var f Frame
	for i := 0; i < w.Frames(); i++ {
		if err := w.Render(i, &f); err != nil {
			out.Close()
			return err
		}
		header := msgs.Header{Stamp: f.Stamp, FrameID: FrameID}
		t := f.Stamp.Nanos()
		var img, depth, mask msgs.Image
		fillImage(&img, header, f.Width, f.Height, "rgb8", 3, append([]byte(nil), f.RGB...))
		fillDepth(&depth, header, f.Width, f.Height, f.Depth)
		fillImage(&mask, header, f.Width, f.Height, "mono8", 1, append([]byte(nil), f.Mask...))
		info := f.CameraInfo
		info.Header = header
		qx, qy, qz, qw := f.Pose.Quaternion()
		odom := &msgs.Odometry{Header: msgs.Header{Stamp: f.Stamp, FrameID: OdomFrameID}, ChildFrameID: FrameID}
		odom.Pose.Pose = msgs.Pose{Position: msgs.Point{X: f.Pose.T[0], Y: f.Pose.T[1], Z: f.Pose.T[2]},
			Orientation: msgs.Quaternion{X: qx, Y: qy, Z: qz, W: qw}}
		pending = append(pending, timed{TopicImage, &img, t}, timed{TopicCameraInfo, &info, t},
			timed{TopicDepthGT, &depth, t}, timed{TopicMotionMask, &mask, t}, timed{TopicOdomGT, odom, t})
		tt := w.time(i) + off
		pending = append(pending, timed{TopicTF, tfAt(tt), w.stampAt(tt).Nanos()})
		if opts.Lidar != nil {
			stamp := msgs.TimeFromNanos(t + int64(lo.Offset))
			cloud := simulateCloud(&f, w.cfg, lo, lidarFromCamera)
			cloud.Header = msgs.Header{Stamp: stamp, FrameID: LidarFrameID}
			pending = append(pending, timed{TopicLidar, cloud, stamp.Nanos()})
		}
		if i == w.Frames()-1 && opts.TFOffset != 0 {
			pending = append(pending, timed{TopicTF, tfAt(tt + period), w.stampAt(tt + period).Nanos()})
		}
		if err := flush(); err != nil {
			out.Close()
			return err
		}
		if progress != nil {
			progress(i+1, w.Frames())
		}
	}
	return out.Close()
}

// LidarPixels are the image pixels (column, row) the simulated LiDAR samples, ring by ring.
func LidarPixels(cfg Config, lo LidarOptions) (cols, rows []int) {
	c := cfg.withDefaults()
	for r := 0; r < lo.Rings; r++ {
		rows = append(rows, min(c.Height-1, int(math.Round((float64(r)+0.5)*float64(c.Height)/float64(lo.Rings)-0.5))))
	}
	for k := 0; k < lo.Columns; k++ {
		cols = append(cols, min(c.Width-1, int(math.Round((float64(k)+0.5)*float64(c.Width)/float64(lo.Columns)-0.5))))
	}
	return cols, rows
}

// simulateCloud samples a frame's depth into an organised cloud in the LiDAR frame.
func simulateCloud(f *Frame, cfg Config, lo LidarOptions, lidarFromCamera Pose) *msgs.PointCloud2 {
	cols, rows := LidarPixels(cfg, lo)
	width := 2 * len(cols)
	c := &msgs.PointCloud2{Height: uint32(len(rows)), Width: uint32(width), PointStep: lidarPointStep,
		RowStep: uint32(width * lidarPointStep), IsDense: false,
		Fields: []msgs.PointField{
			{Name: "x", Offset: 0, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "y", Offset: 4, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "z", Offset: 8, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "intensity", Offset: 12, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "ring", Offset: 16, Datatype: msgs.PointFieldUint16, Count: 1},
			{Name: "t", Offset: 20, Datatype: msgs.PointFieldFloat32, Count: 1},
		}}
	c.Data = make([]byte, len(rows)*width*lidarPointStep)
	nan := float32(math.NaN())
	put := func(pt []byte, ring int, p [3]float64, ok bool, intensity float32) {
		le := binary.LittleEndian
		for k := 0; k < 3; k++ {
			v := nan
			if ok {
				v = float32(p[k])
			}
			le.PutUint32(pt[4*k:], math.Float32bits(v))
		}
		le.PutUint32(pt[12:], math.Float32bits(intensity))
		le.PutUint16(pt[16:], uint16(ring))
	}
	fx, fy, cx, cy := cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy
	for r, y := range rows {
		row := c.Data[r*width*lidarPointStep:]
		for k, x := range cols {
			d := float64(f.Depth[y*f.Width+x])
			ok := d > 0 && !math.IsInf(d, 0) // NaN (sky) fails too
			p := [3]float64{(float64(x) - cx) / fx * d, (float64(y) - cy) / fy * d, d}
			i := 3 * (y*f.Width + x)
			lum := float32(0.299*float64(f.RGB[i])+0.587*float64(f.RGB[i+1])+0.114*float64(f.RGB[i+2])) / 255
			put(row[k*lidarPointStep:], r, lidarFromCamera.Apply(p), ok, lum)
			rear := [3]float64{-p[0], -p[1], -p[2]}
			put(row[(len(cols)+k)*lidarPointStep:], r, lidarFromCamera.Apply(rear), ok, lum)
		}
	}
	return c
}
