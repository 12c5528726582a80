package msgs

// DisparityImage is stereo_msgs/DisparityImage: Image is 32FC1 disparity in pixels, F the focal
// length in pixels and T the baseline (depth = F·T/disparity). ROS 1 names T upper-case, ROS 2 "t".
type DisparityImage struct {
	Header       Header
	Image        Image
	F            float32
	T            float32
	ValidWindow  RegionOfInterest
	MinDisparity float32
	MaxDisparity float32
	DeltaD       float32
}
