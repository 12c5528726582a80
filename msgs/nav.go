package msgs

// Odometry is nav_msgs/Odometry: Pose in Header.FrameID, Twist in ChildFrameID.
type Odometry struct {
	Header       Header
	ChildFrameID string
	Pose         PoseWithCovariance
	Twist        TwistWithCovariance
}
