package node

import (
	"math"

	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// poseCovariance is the fixed diagonal reported with odometry. The pose net gives no uncertainty;
// a zero covariance would tell robot_localization and nav2 the estimate is perfect, so we report a
// deliberately loose one (variance 0.1 m² / 0.05 rad²).
var poseCovariance = diag6(0.1, 0.1, 0.1, 0.05, 0.05, 0.05)

func diag6(v ...float64) (c [36]float64) {
	for i, x := range v {
		c[7*i] = x
	}
	return c
}

// Frames says how odometry is attached to the TF tree.
type Frames struct {
	Odom string // e.g. "odom"
	// Base is the robot's base frame; empty publishes odom → camera optical frame directly.
	Base string
	// BaseFromCamera is the camera optical frame's pose in Base (the static extrinsic).
	BaseFromCamera pipeline.Rigid
}

// OdometryOf fills odom and tf from one pipeline result. The trajectory's world is the first
// camera frame; with a base frame, odom is the base frame at the first image, so
// odom_from_base(t) = base_from_cam · cam0_from_cam(t) · cam_from_base.
func OdometryOf(odom *msgs.Odometry, tf *msgs.TFMessage, res *pipeline.Result, f Frames, dt float64) {
	child := res.Header.FrameID
	pose := res.World
	motion := res.Motion
	if f.Base != "" {
		child = f.Base
		camFromBase := f.BaseFromCamera.Inverse()
		pose = f.BaseFromCamera.Mul(pose).Mul(camFromBase)
		motion = f.BaseFromCamera.Mul(motion).Mul(camFromBase)
	}
	qx, qy, qz, qw := pose.Quaternion()
	header := msgs.Header{Stamp: res.Header.Stamp, FrameID: f.Odom}
	*odom = msgs.Odometry{Header: header, ChildFrameID: child}
	odom.Pose.Pose = msgs.Pose{Position: msgs.Point{X: pose.T[0], Y: pose.T[1], Z: pose.T[2]},
		Orientation: msgs.Quaternion{X: qx, Y: qy, Z: qz, W: qw}}
	odom.Pose.Covariance = poseCovariance
	if res.HasMotion && dt > 0 {
		// The child frame's velocity in the child frame: motion = prev_from_cur, so the new origin
		// sits at motion.T in the previous frame; rotate into the current one.
		inv := motion.Inverse()
		v := [3]float64{-inv.T[0] / dt, -inv.T[1] / dt, -inv.T[2] / dt}
		w := rotationVector(motion)
		odom.Twist.Twist = msgs.Twist{Linear: msgs.Vector3{X: v[0], Y: v[1], Z: v[2]},
			Angular: msgs.Vector3{X: w[0] / dt, Y: w[1] / dt, Z: w[2] / dt}}
		odom.Twist.Covariance = poseCovariance
	}
	if tf != nil {
		if cap(tf.Transforms) < 1 {
			tf.Transforms = make([]msgs.TransformStamped, 1)
		}
		tf.Transforms = tf.Transforms[:1]
		tf.Transforms[0] = msgs.TransformStamped{Header: header, ChildFrameID: child, Transform: msgs.Transform{
			Translation: msgs.Vector3{X: pose.T[0], Y: pose.T[1], Z: pose.T[2]},
			Rotation:    odom.Pose.Pose.Orientation}}
	}
}

// StaticCameraTF is base → camera optical frame for /tf_static.
func StaticCameraTF(stamp msgs.Time, base, camera string, baseFromCamera pipeline.Rigid) *msgs.TFMessage {
	qx, qy, qz, qw := baseFromCamera.Quaternion()
	t := baseFromCamera.T
	return &msgs.TFMessage{Transforms: []msgs.TransformStamped{{
		Header: msgs.Header{Stamp: stamp, FrameID: base}, ChildFrameID: camera,
		Transform: msgs.Transform{Translation: msgs.Vector3{X: t[0], Y: t[1], Z: t[2]},
			Rotation: msgs.Quaternion{X: qx, Y: qy, Z: qz, W: qw}}}}}
}

// RigidFromXYZQuat builds a transform from x y z qx qy qz qw (the base_to_camera parameter).
func RigidFromXYZQuat(v []float64) pipeline.Rigid {
	x, y, z, w := v[3], v[4], v[5], v[6]
	n := math.Sqrt(x*x + y*y + z*z + w*w)
	x, y, z, w = x/n, y/n, z/n, w/n
	return pipeline.Rigid{
		R: [9]float64{
			1 - 2*(y*y+z*z), 2 * (x*y - z*w), 2 * (x*z + y*w),
			2 * (x*y + z*w), 1 - 2*(x*x+z*z), 2 * (y*z - x*w),
			2 * (x*z - y*w), 2 * (y*z + x*w), 1 - 2*(x*x+y*y),
		},
		T: [3]float64{v[0], v[1], v[2]},
	}
}

// rotationVector is the axis-angle vector of a rotation (log map).
func rotationVector(r pipeline.Rigid) [3]float64 {
	R := r.R
	c := math.Max(-1, math.Min(1, (R[0]+R[4]+R[8]-1)/2))
	theta := math.Acos(c)
	v := [3]float64{R[7] - R[5], R[2] - R[6], R[3] - R[1]}
	if theta < 1e-9 {
		return [3]float64{v[0] / 2, v[1] / 2, v[2] / 2}
	}
	k := theta / (2 * math.Sin(theta))
	return [3]float64{v[0] * k, v[1] * k, v[2] * k}
}
