package msgs

import "slices"

// Type describes one message type for bags and transports: how to make one, and the texts and
// sums by which ROS 2 and ROS 1 peers and bag files know it.
type Type struct {
	Name     string // ROS 2 name, "sensor_msgs/msg/Image"; also the DDS type sensor_msgs::msg::dds_::Image_
	ROS1Name string // ROS 1 name, "sensor_msgs/Image"; empty for builtin_interfaces types

	// ROS2Definition is the "ros2msg" schema of an MCAP or rosbag2 file: the type's .msg text, then
	// for each dependency a line of 80 '=', "MSG: pkg/Type" and its text.
	ROS2Definition string
	// ROS1Definition is the full message definition of a ROS 1 connection header or bag, in the
	// same layout with ROS 1 texts; ROS1MD5 is the type's ROS 1 MD5 sum.
	ROS1Definition string
	ROS1MD5        string

	// New returns a zero message of this type.
	New func() Message
}

// DecodeCDR returns a new message of this type decoded from a CDR payload (see Message for what
// the result aliases).
func (t *Type) DecodeCDR(data []byte) (Message, error) {
	m := t.New()
	return m, m.UnmarshalCDR(data)
}

// DecodeROS1 returns a new message of this type decoded from a ROS 1 serialization.
func (t *Type) DecodeROS1(data []byte) (Message, error) {
	m := t.New()
	return m, m.UnmarshalROS1(data)
}

var (
	types     []*Type
	typesByID = map[string]*Type{}
)

func init() {
	ros2Texts := map[string]string{}
	ros1Texts := map[string]string{}
	for _, d := range definitions {
		ros2Texts[shortName(d.name)] = d.ros2
		if d.ros1 != "" {
			ros1Texts[shortName(d.name)] = d.ros1
		}
	}
	sums := ros1MD5Sums(ros1Texts)
	for _, d := range definitions {
		short := shortName(d.name)
		t := &Type{Name: d.name, New: d.zero, ROS2Definition: fullDefinition(short, false, ros2Texts)}
		if d.ros1 != "" {
			t.ROS1Name = short
			t.ROS1Definition = fullDefinition(short, true, ros1Texts)
			t.ROS1MD5 = sums[short]
		}
		types = append(types, t)
		typesByID[d.name] = t
		typesByID[short] = t
	}
}

// Lookup finds a type by its ROS 2 name ("sensor_msgs/msg/Image") or its ROS 1 name
// ("sensor_msgs/Image"); "pkg/Type" also finds builtin_interfaces types.
func Lookup(name string) (*Type, bool) {
	t, ok := typesByID[name]
	return t, ok
}

// Types lists every type this package knows, in a fixed order.
func Types() []*Type { return slices.Clone(types) }

// TypeOf returns the registry entry of m's type.
func TypeOf(m Message) *Type { return typesByID[m.TypeName()] }
