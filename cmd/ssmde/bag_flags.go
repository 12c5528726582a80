package main

import (
	"flag"
	"time"

	"github.com/ssmde/ssmde/eval"
)

// registerBagFlags declares the flags that say where a recording keeps its camera, ground truth
// and transforms (eval and dataset read recordings the same way, through eval.BagSource).
func registerBagFlags(fs *flag.FlagSet) (*eval.BagTopics, *eval.BagOptions) {
	topics, bagOpts := new(eval.BagTopics), new(eval.BagOptions)
	fs.StringVar(&topics.Image, "image-topic", "auto", "bags: camera image topic (Image or CompressedImage); auto: the first one")
	fs.StringVar(&topics.CameraInfo, "camera-info-topic", "auto", "bags: camera_info topic (empty: none)")
	fs.StringVar(&topics.Depth, "depth-topic", "auto", "bags: ground-truth depth image topic, 32FC1 m or 16UC1 mm (empty: none)")
	fs.StringVar(&topics.Mask, "mask-topic", "auto", "bags: motion mask topic, mono8 (empty: none)")
	fs.StringVar(&topics.Odom, "odom-topic", "auto", "bags: ground-truth nav_msgs/Odometry topic (empty: none)")
	fs.StringVar(&topics.Lidar, "lidar-topic", "", "bags: sensor_msgs/PointCloud2 topic projected into the camera as sparse GT depth (replaces an auto --depth-topic)")
	fs.BoolVar(&bagOpts.LidarAsSparse, "lidar-as-sparse", false, "bags: the --lidar-topic cloud feeds --scale-mode sparse_depth (metric samples) instead of being GT; GT comes from --depth-topic")
	fs.DurationVar(&bagOpts.LidarMaxDT, "lidar-max-dt", 50*time.Millisecond, "bags: the nearest cloud within this of an image stamp is its GT")
	fs.Func("lidar-to-camera", "bags: the LiDAR frame's pose in the camera optical frame, \"x y z qx qy qz qw\" (default: from /tf_static and /tf)", func(s string) error {
		p, err := eval.ParseTransform(s)
		bagOpts.LidarToCamera = &p
		return err
	})
	fs.StringVar(&bagOpts.GTTFChild, "gt-tf-child", "", "bags: take the GT trajectory from /tf through this frame (replaces an auto --odom-topic): the camera's pose at each image stamp")
	fs.StringVar(&bagOpts.GTTFParent, "gt-tf-parent", "", "bags: the GT trajectory's fixed frame (default: --gt-tf-child's parent)")
	fs.DurationVar(&bagOpts.GTTFMaxDT, "gt-tf-max-dt", 100*time.Millisecond, "bags: GT poses interpolate /tf samples at most 2× this apart, else the nearest within this")
	fs.StringVar(&bagOpts.TF, "tf-topic", "/tf", "bags: tf2_msgs/TFMessage topic of moving transforms")
	fs.StringVar(&bagOpts.TFStatic, "tf-static-topic", "/tf_static", "bags: tf2_msgs/TFMessage topic of fixed transforms")
	return topics, bagOpts
}
