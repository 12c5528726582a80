package msgs

// typehashOnly holds the ROS 2 .msg texts of types that ROS 2 graph topics carry but this package
// has no Go message for, so that TypeHash can describe them (fields only, comments dropped, as in
// definitions.go). Texts as in the jazzy branches of ros2/rcl_interfaces and ros2/rmw_dds_common.
var typehashOnly = append([]struct{ name, text string }{
	// The event message of every service (rosidl_parser's Service.event_message), as in the jazzy
	// branch of ros2/rcl_interfaces (service_msgs/msg/ServiceEventInfo.msg).
	{"service_msgs/msg/ServiceEventInfo",
		"uint8 REQUEST_SENT=0\nuint8 REQUEST_RECEIVED=1\nuint8 RESPONSE_SENT=2\nuint8 RESPONSE_RECEIVED=3\n" +
			"uint8 event_type\nbuiltin_interfaces/Time stamp\nchar[16] client_gid\nint64 sequence_number\n"},

	// ros_discovery_info, in its Iron-and-later layout (Humble's Gid is char[24], but Humble
	// announces no type hashes).
	{"rmw_dds_common/msg/ParticipantEntitiesInfo", "Gid gid\nNodeEntitiesInfo[] node_entities_info_seq\n"},
	{"rmw_dds_common/msg/NodeEntitiesInfo",
		"string<=256 node_namespace\nstring<=256 node_name\nGid[] reader_gid_seq\nGid[] writer_gid_seq\n"},
	{"rmw_dds_common/msg/Gid", "char[16] data\n"},
}, serviceDescriptions("rcl_interfaces", "GetParameters", "GetParameterTypes", "SetParameters",
	"SetParametersAtomically", "DescribeParameters", "ListParameters")...)

// serviceDescriptions gives, for each service pkg/srv/Name whose _Request and _Response messages
// are in definitions, the two types rosidl adds around them (rosidl_parser/definition.py's
// Service, rosidl_generator_type_description's add_srv): the service itself, whose fields are its
// request, response and event messages, and the event message, which carries at most one request
// and one response after a service_msgs/ServiceEventInfo.
func serviceDescriptions(pkg string, names ...string) []struct{ name, text string } {
	var out []struct{ name, text string }
	for _, n := range names {
		base := pkg + "/srv/" + n
		out = append(out,
			struct{ name, text string }{base, base + "_Request request_message\n" + base + "_Response response_message\n" +
				base + "_Event event_message\n"},
			struct{ name, text string }{base + "_Event", "service_msgs/msg/ServiceEventInfo info\n" +
				base + "_Request[<=1] request\n" + base + "_Response[<=1] response\n"})
	}
	return out
}
