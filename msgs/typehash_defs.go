package msgs

// typehashOnly holds the ROS 2 .msg texts of types that ROS 2 graph topics carry but this package
// has no Go message for, so that TypeHash can describe them (fields only, comments dropped, as in
// definitions.go). Texts as in the jazzy branches of ros2/rcl_interfaces and ros2/rmw_dds_common.
var typehashOnly = []struct{ name, text string }{
	// /rosout
	{"rcl_interfaces/msg/Log",
		"uint8 DEBUG=10\nuint8 INFO=20\nuint8 WARN=30\nuint8 ERROR=40\nuint8 FATAL=50\n" +
			"builtin_interfaces/Time stamp\nuint8 level\nstring name\nstring msg\nstring file\nstring function\nuint32 line\n"},
	// /parameter_events
	{"rcl_interfaces/msg/ParameterEvent",
		"builtin_interfaces/Time stamp\nstring node\n" +
			"Parameter[] new_parameters\nParameter[] changed_parameters\nParameter[] deleted_parameters\n"},
	{"rcl_interfaces/msg/Parameter", "string name\nParameterValue value\n"},
	{"rcl_interfaces/msg/ParameterValue",
		"uint8 type\nbool bool_value\nint64 integer_value\nfloat64 double_value\nstring string_value\n" +
			"byte[] byte_array_value\nbool[] bool_array_value\nint64[] integer_array_value\n" +
			"float64[] double_array_value\nstring[] string_array_value\n"},

	// ros_discovery_info, in its Iron-and-later layout (Humble's Gid is char[24], but Humble
	// announces no type hashes).
	{"rmw_dds_common/msg/ParticipantEntitiesInfo", "Gid gid\nNodeEntitiesInfo[] node_entities_info_seq\n"},
	{"rmw_dds_common/msg/NodeEntitiesInfo",
		"string<=256 node_namespace\nstring<=256 node_name\nGid[] reader_gid_seq\nGid[] writer_gid_seq\n"},
	{"rmw_dds_common/msg/Gid", "char[16] data\n"},
}
