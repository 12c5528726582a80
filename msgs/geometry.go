package msgs

// Vector3 is geometry_msgs/Vector3.
type Vector3 struct{ X, Y, Z float64 }

// Point is geometry_msgs/Point.
type Point struct{ X, Y, Z float64 }

// Quaternion is geometry_msgs/Quaternion (x, y, z, w).
type Quaternion struct{ X, Y, Z, W float64 }

// Pose is geometry_msgs/Pose.
type Pose struct {
	Position    Point
	Orientation Quaternion
}

// PoseWithCovariance is geometry_msgs/PoseWithCovariance: Covariance is the row-major 6×6
// covariance of (x, y, z, rotation about X, Y, Z).
type PoseWithCovariance struct {
	Pose       Pose
	Covariance [36]float64
}

// Twist is geometry_msgs/Twist.
type Twist struct {
	Linear  Vector3
	Angular Vector3
}

// TwistWithCovariance is geometry_msgs/TwistWithCovariance (row-major 6×6 covariance).
type TwistWithCovariance struct {
	Twist      Twist
	Covariance [36]float64
}

// Transform is geometry_msgs/Transform.
type Transform struct {
	Translation Vector3
	Rotation    Quaternion
}

// TransformStamped is geometry_msgs/TransformStamped: the pose of ChildFrameID in Header.FrameID.
type TransformStamped struct {
	Header       Header
	ChildFrameID string
	Transform    Transform
}
