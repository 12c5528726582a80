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

// Transform is geometry_msgs/Transform.
type Transform struct {
	Translation Vector3
	Rotation    Quaternion
}
