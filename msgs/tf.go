package msgs

// TFMessage is tf2_msgs/TFMessage, the payload of /tf and /tf_static.
type TFMessage struct {
	Transforms []TransformStamped
}
