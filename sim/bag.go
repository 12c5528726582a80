package sim

import (
	"encoding/binary"
	"math"

	"github.com/ssmde/ssmde/msgs"
)

// Topics of a rendered drive recorded as a robot would record it.
const (
	TopicImage      = "/camera/image_raw"
	TopicCameraInfo = "/camera/camera_info"
	TopicDepthGT    = "/camera/depth_gt"    // 32FC1 metres, NaN for sky
	TopicMotionMask = "/camera/motion_mask" // mono8, 128 = follower, 255 = other mover, 0 = static (see fileio)
	TopicOdomGT     = "/odom_gt"            // nav_msgs/Odometry of the camera optical frame in "odom"
	TopicTF         = "/tf"                 // odom → camera optical frame
	OdomFrameID     = "odom"
)

// WriteBag renders cfg's drive into an MCAP file (ROS 2 profile, zstd chunks) with the image,
// camera_info, ground-truth depth, motion mask, ground-truth odometry and TF of every frame, all
// stamped with the frame's time.
func WriteBag(path string, cfg Config, progress func(done, total int)) error {
	return WriteBagWith(path, cfg, BagOptions{}, progress)
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
