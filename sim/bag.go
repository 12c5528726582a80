package sim

import (
	"encoding/binary"
	"math"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
)

// Topics of a rendered drive recorded as a robot would record it.
const (
	TopicImage      = "/camera/image_raw"
	TopicCameraInfo = "/camera/camera_info"
	TopicDepthGT    = "/camera/depth_gt"    // 32FC1 metres, NaN for sky
	TopicMotionMask = "/camera/motion_mask" // mono8, 255 = moving object
	TopicOdomGT     = "/odom_gt"            // nav_msgs/Odometry of the camera optical frame in "odom"
	TopicTF         = "/tf"                 // odom → camera optical frame
	OdomFrameID     = "odom"
)

// WriteBag renders cfg's drive into an MCAP file (ROS 2 profile, zstd chunks) with the image,
// camera_info, ground-truth depth, motion mask, ground-truth odometry and TF of every frame, all
// stamped with the frame's time.
func WriteBag(path string, cfg Config, progress func(done, total int)) error {
	w, err := NewWorld(cfg)
	if err != nil {
		return err
	}
	out, err := bag.CreateMCAP(path, bag.MCAPWriterOptions{})
	if err != nil {
		return err
	}
	var f Frame
	var img, depth, mask msgs.Image
	var odom msgs.Odometry
	tf := msgs.TFMessage{Transforms: make([]msgs.TransformStamped, 1)}
	for i := 0; i < w.Frames(); i++ {
		if err := w.Render(i, &f); err != nil {
			out.Close()
			return err
		}
		header := msgs.Header{Stamp: f.Stamp, FrameID: FrameID}
		t := f.Stamp.Nanos()
		fillImage(&img, header, f.Width, f.Height, "rgb8", 3, f.RGB)
		fillDepth(&depth, header, f.Width, f.Height, f.Depth)
		fillImage(&mask, header, f.Width, f.Height, "mono8", 1, f.Mask)
		info := f.CameraInfo
		info.Header = header
		qx, qy, qz, qw := f.Pose.Quaternion()
		pose := msgs.Pose{Position: msgs.Point{X: f.Pose.T[0], Y: f.Pose.T[1], Z: f.Pose.T[2]},
			Orientation: msgs.Quaternion{X: qx, Y: qy, Z: qz, W: qw}}
		odom = msgs.Odometry{Header: msgs.Header{Stamp: f.Stamp, FrameID: OdomFrameID}, ChildFrameID: FrameID}
		odom.Pose.Pose = pose
		tf.Transforms[0] = msgs.TransformStamped{Header: odom.Header, ChildFrameID: FrameID, Transform: msgs.Transform{
			Translation: msgs.Vector3{X: pose.Position.X, Y: pose.Position.Y, Z: pose.Position.Z}, Rotation: pose.Orientation}}
		for _, m := range []struct {
			topic string
			msg   msgs.Message
		}{{TopicImage, &img}, {TopicCameraInfo, &info}, {TopicDepthGT, &depth}, {TopicMotionMask, &mask}, {TopicOdomGT, &odom}, {TopicTF, &tf}} {
			if err := out.Write(m.topic, m.msg, t); err != nil {
				out.Close()
				return err
			}
		}
		if progress != nil {
			progress(i+1, w.Frames())
		}
	}
	return out.Close()
}

func fillImage(img *msgs.Image, h msgs.Header, w, ht int, enc string, bpp int, data []byte) {
	*img = msgs.Image{Header: h, Width: uint32(w), Height: uint32(ht), Encoding: enc, Step: uint32(w * bpp), Data: data}
}

func fillDepth(img *msgs.Image, h msgs.Header, w, ht int, depth []float32) {
	buf := img.Data
	if cap(buf) < 4*len(depth) {
		buf = make([]byte, 4*len(depth))
	}
	buf = buf[:4*len(depth)]
	for i, d := range depth {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(d))
	}
	fillImage(img, h, w, ht, "32FC1", 4, buf)
}
