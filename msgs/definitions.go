package msgs

import "strings"

// definition is one message type's own .msg text in each ROS, without its dependencies.
// The texts carry the fields and constants only (comments do not change a type's identity: ROS 1
// drops them before hashing, ROS 2 bag readers ignore them). ros1 is empty where ROS 1 has no
// such message (builtin_interfaces: ROS 1 has the primitives time and duration instead).
type definition struct {
	name string // ROS 2 name, "pkg/msg/Type"
	ros2 string
	ros1 string
	zero func() Message // a new zero message of the type
}

var definitions = append([]definition{
	{name: "builtin_interfaces/msg/Time", zero: func() Message { return new(Time) },
		ros2: "int32 sec\nuint32 nanosec\n"},
	{name: "builtin_interfaces/msg/Duration", zero: func() Message { return new(Duration) },
		ros2: "int32 sec\nuint32 nanosec\n"},
	{name: "std_msgs/msg/Header", zero: func() Message { return new(Header) },
		ros2: "builtin_interfaces/Time stamp\nstring frame_id\n",
		ros1: "uint32 seq\ntime stamp\nstring frame_id\n"},
	{name: "rosgraph_msgs/msg/Clock", zero: func() Message { return new(Clock) },
		ros2: "builtin_interfaces/Time clock\n",
		ros1: "time clock\n"},

	{name: "geometry_msgs/msg/Vector3", zero: func() Message { return new(Vector3) },
		ros2: "float64 x\nfloat64 y\nfloat64 z\n",
		ros1: "float64 x\nfloat64 y\nfloat64 z\n"},
	{name: "geometry_msgs/msg/Point", zero: func() Message { return new(Point) },
		ros2: "float64 x\nfloat64 y\nfloat64 z\n",
		ros1: "float64 x\nfloat64 y\nfloat64 z\n"},
	{name: "geometry_msgs/msg/Quaternion", zero: func() Message { return new(Quaternion) },
		// ROS 2 gives defaults (identity rotation); ROS 1 cannot.
		ros2: "float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1\n",
		ros1: "float64 x\nfloat64 y\nfloat64 z\nfloat64 w\n"},
	{name: "geometry_msgs/msg/Pose", zero: func() Message { return new(Pose) },
		ros2: "Point position\nQuaternion orientation\n",
		ros1: "Point position\nQuaternion orientation\n"},
	{name: "geometry_msgs/msg/PoseWithCovariance", zero: func() Message { return new(PoseWithCovariance) },
		ros2: "Pose pose\n# row-major 6x6: x, y, z, rotation about X, Y, Z\nfloat64[36] covariance\n",
		ros1: "Pose pose\n# row-major 6x6: x, y, z, rotation about X, Y, Z\nfloat64[36] covariance\n"},
	{name: "geometry_msgs/msg/Twist", zero: func() Message { return new(Twist) },
		ros2: "Vector3 linear\nVector3 angular\n",
		ros1: "Vector3 linear\nVector3 angular\n"},
	{name: "geometry_msgs/msg/TwistWithCovariance", zero: func() Message { return new(TwistWithCovariance) },
		ros2: "Twist twist\nfloat64[36] covariance\n",
		ros1: "Twist twist\nfloat64[36] covariance\n"},
	{name: "geometry_msgs/msg/Transform", zero: func() Message { return new(Transform) },
		ros2: "Vector3 translation\nQuaternion rotation\n",
		ros1: "Vector3 translation\nQuaternion rotation\n"},
	{name: "geometry_msgs/msg/TransformStamped", zero: func() Message { return new(TransformStamped) },
		ros2: "std_msgs/Header header\nstring child_frame_id\nTransform transform\n",
		ros1: "Header header\nstring child_frame_id\nTransform transform\n"},

	{name: "sensor_msgs/msg/Image", zero: func() Message { return new(Image) },
		ros2: "std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n",
		ros1: "Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data\n"},
	{name: "sensor_msgs/msg/CompressedImage", zero: func() Message { return new(CompressedImage) },
		ros2: "std_msgs/Header header\nstring format\nuint8[] data\n",
		ros1: "Header header\nstring format\nuint8[] data\n"},
	{name: "sensor_msgs/msg/RegionOfInterest", zero: func() Message { return new(RegionOfInterest) },
		ros2: "uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n",
		ros1: "uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify\n"},
	{name: "sensor_msgs/msg/CameraInfo", zero: func() Message { return new(CameraInfo) },
		ros2: "std_msgs/Header header\nuint32 height\nuint32 width\nstring distortion_model\n" +
			"float64[] d\nfloat64[9] k\nfloat64[9] r\nfloat64[12] p\n" +
			"uint32 binning_x\nuint32 binning_y\nRegionOfInterest roi\n",
		ros1: "Header header\nuint32 height\nuint32 width\nstring distortion_model\n" +
			"float64[] D\nfloat64[9] K\nfloat64[9] R\nfloat64[12] P\n" +
			"uint32 binning_x\nuint32 binning_y\nRegionOfInterest roi\n"},
	{name: "sensor_msgs/msg/PointField", zero: func() Message { return new(PointField) },
		ros2: pointFieldConstants + "string name\nuint32 offset\nuint8 datatype\nuint32 count\n",
		ros1: pointFieldConstants + "string name\nuint32 offset\nuint8 datatype\nuint32 count\n"},
	{name: "sensor_msgs/msg/PointCloud2", zero: func() Message { return new(PointCloud2) },
		ros2: "std_msgs/Header header\nuint32 height\nuint32 width\nPointField[] fields\nbool is_bigendian\n" +
			"uint32 point_step\nuint32 row_step\nuint8[] data\nbool is_dense\n",
		ros1: "Header header\nuint32 height\nuint32 width\nPointField[] fields\nbool is_bigendian\n" +
			"uint32 point_step\nuint32 row_step\nuint8[] data\nbool is_dense\n"},
	{name: "stereo_msgs/msg/DisparityImage", zero: func() Message { return new(DisparityImage) },
		ros2: "std_msgs/Header header\nsensor_msgs/Image image\nfloat32 f\nfloat32 t\n" +
			"sensor_msgs/RegionOfInterest valid_window\nfloat32 min_disparity\nfloat32 max_disparity\nfloat32 delta_d\n",
		ros1: "Header header\nsensor_msgs/Image image\nfloat32 f\nfloat32 T\n" +
			"sensor_msgs/RegionOfInterest valid_window\nfloat32 min_disparity\nfloat32 max_disparity\nfloat32 delta_d\n"},

	{name: "nav_msgs/msg/Odometry", zero: func() Message { return new(Odometry) },
		ros2: "std_msgs/Header header\nstring child_frame_id\n" +
			"geometry_msgs/PoseWithCovariance pose\ngeometry_msgs/TwistWithCovariance twist\n",
		ros1: "Header header\nstring child_frame_id\n" +
			"geometry_msgs/PoseWithCovariance pose\ngeometry_msgs/TwistWithCovariance twist\n"},
	{name: "tf2_msgs/msg/TFMessage", zero: func() Message { return new(TFMessage) },
		ros2: "geometry_msgs/TransformStamped[] transforms\n",
		ros1: "geometry_msgs/TransformStamped[] transforms\n"},
	{name: "diagnostic_msgs/msg/KeyValue", zero: func() Message { return new(KeyValue) },
		ros2: "string key\nstring value\n",
		ros1: "string key\nstring value\n"},
	{name: "diagnostic_msgs/msg/DiagnosticStatus", zero: func() Message { return new(DiagnosticStatus) },
		ros2: diagnosticConstants + "byte level\nstring name\nstring message\nstring hardware_id\nKeyValue[] values\n",
		ros1: diagnosticConstants + "byte level\nstring name\nstring message\nstring hardware_id\nKeyValue[] values\n"},
	{name: "diagnostic_msgs/msg/DiagnosticArray", zero: func() Message { return new(DiagnosticArray) },
		ros2: "std_msgs/Header header\nDiagnosticStatus[] status\n",
		ros1: "Header header\nDiagnosticStatus[] status\n"},
}, rclDefinitions...)

// rcl_interfaces (jazzy branch of ros2/rcl_interfaces): parameters, /parameter_events, /rosout
// and the parameter services' requests and responses. ROS 1 has none of them.
var rclDefinitions = []definition{
	{name: "rcl_interfaces/msg/ParameterValue", zero: func() Message { return new(ParameterValue) },
		ros2: "uint8 type\nbool bool_value\nint64 integer_value\nfloat64 double_value\nstring string_value\n" +
			"byte[] byte_array_value\nbool[] bool_array_value\nint64[] integer_array_value\n" +
			"float64[] double_array_value\nstring[] string_array_value\n"},
	{name: "rcl_interfaces/msg/Parameter", zero: func() Message { return new(Parameter) },
		ros2: "string name\nParameterValue value\n"},
	{name: "rcl_interfaces/msg/ParameterEvent", zero: func() Message { return new(ParameterEvent) },
		ros2: "builtin_interfaces/Time stamp\nstring node\n" +
			"Parameter[] new_parameters\nParameter[] changed_parameters\nParameter[] deleted_parameters\n"},
	{name: "rcl_interfaces/msg/FloatingPointRange", zero: func() Message { return new(FloatingPointRange) },
		ros2: "float64 from_value\nfloat64 to_value\nfloat64 step\n"},
	{name: "rcl_interfaces/msg/IntegerRange", zero: func() Message { return new(IntegerRange) },
		ros2: "int64 from_value\nint64 to_value\nuint64 step\n"},
	{name: "rcl_interfaces/msg/ParameterDescriptor", zero: func() Message { return new(ParameterDescriptor) },
		ros2: "string name\nuint8 type\nstring description\nstring additional_constraints\n" +
			"bool read_only false\nbool dynamic_typing false\n" +
			"FloatingPointRange[<=1] floating_point_range\nIntegerRange[<=1] integer_range\n"},
	{name: "rcl_interfaces/msg/SetParametersResult", zero: func() Message { return new(SetParametersResult) },
		ros2: "bool successful\nstring reason\n"},
	{name: "rcl_interfaces/msg/ListParametersResult", zero: func() Message { return new(ListParametersResult) },
		ros2: "string[] names\nstring[] prefixes\n"},
	{name: "rcl_interfaces/msg/Log", zero: func() Message { return new(Log) },
		ros2: "uint8 DEBUG=10\nuint8 INFO=20\nuint8 WARN=30\nuint8 ERROR=40\nuint8 FATAL=50\n" +
			"builtin_interfaces/Time stamp\nuint8 level\nstring name\nstring msg\nstring file\nstring function\nuint32 line\n"},

	{name: "rcl_interfaces/srv/GetParameters_Request", zero: func() Message { return new(GetParametersRequest) },
		ros2: "string[] names\n"},
	{name: "rcl_interfaces/srv/GetParameters_Response", zero: func() Message { return new(GetParametersResponse) },
		ros2: "ParameterValue[] values\n"},
	{name: "rcl_interfaces/srv/GetParameterTypes_Request", zero: func() Message { return new(GetParameterTypesRequest) },
		ros2: "string[] names\n"},
	{name: "rcl_interfaces/srv/GetParameterTypes_Response", zero: func() Message { return new(GetParameterTypesResponse) },
		ros2: "uint8[] types\n"},
	{name: "rcl_interfaces/srv/SetParameters_Request", zero: func() Message { return new(SetParametersRequest) },
		ros2: "Parameter[] parameters\n"},
	{name: "rcl_interfaces/srv/SetParameters_Response", zero: func() Message { return new(SetParametersResponse) },
		ros2: "SetParametersResult[] results\n"},
	{name: "rcl_interfaces/srv/SetParametersAtomically_Request", zero: func() Message { return new(SetParametersAtomicallyRequest) },
		ros2: "Parameter[] parameters\n"},
	{name: "rcl_interfaces/srv/SetParametersAtomically_Response", zero: func() Message { return new(SetParametersAtomicallyResponse) },
		ros2: "SetParametersResult result\n"},
	{name: "rcl_interfaces/srv/DescribeParameters_Request", zero: func() Message { return new(DescribeParametersRequest) },
		ros2: "string[] names\n"},
	{name: "rcl_interfaces/srv/DescribeParameters_Response", zero: func() Message { return new(DescribeParametersResponse) },
		ros2: "ParameterDescriptor[] descriptors\n"},
	{name: "rcl_interfaces/srv/ListParameters_Request", zero: func() Message { return new(ListParametersRequest) },
		ros2: "uint64 DEPTH_RECURSIVE=0\nstring[] prefixes\nuint64 depth\n"},
	{name: "rcl_interfaces/srv/ListParameters_Response", zero: func() Message { return new(ListParametersResponse) },
		ros2: "ListParametersResult result\n"},
}

const pointFieldConstants = "uint8 INT8=1\nuint8 UINT8=2\nuint8 INT16=3\nuint8 UINT16=4\n" +
	"uint8 INT32=5\nuint8 UINT32=6\nuint8 FLOAT32=7\nuint8 FLOAT64=8\n"

const diagnosticConstants = "byte OK=0\nbyte WARN=1\nbyte ERROR=2\nbyte STALE=3\n"

// definitionSeparator starts each dependency's block in a full definition, in ROS 1
// (genmsg's full text, the message_definition of a ROS 1 bag) and in ROS 2 (rosbag2's "ros2msg"
// MCAP schema) alike.
const definitionSeparator = "================================================================================\n"

// field is one line of a .msg text: a field or a constant.
type field struct {
	typ      string // as written, e.g. "float64[9]", "Header", "geometry_msgs/Pose[]"
	name     string
	constant string // the value text of a constant; empty for a field
	isConst  bool
}

// parseMsg reads the fields and constants of a .msg text.
func parseMsg(text string) []field {
	var fields []field
	for _, line := range strings.Split(text, "\n") {
		typ, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		if typ == "" || strings.HasPrefix(typ, "#") {
			continue
		}
		rest = strings.TrimSpace(rest)
		if name, val, ok := strings.Cut(rest, "="); ok {
			val = strings.TrimSpace(val)
			if typ != "string" { // a string constant's value runs to the end of the line, '#' included
				val, _, _ = strings.Cut(val, "#")
				val = strings.TrimSpace(val)
			}
			fields = append(fields, field{typ: typ, name: strings.TrimSpace(name), constant: val, isConst: true})
			continue
		}
		rest, _, _ = strings.Cut(rest, "#")
		name, _, _ := strings.Cut(strings.TrimSpace(rest), " ") // ROS 2 may follow with a default value
		fields = append(fields, field{typ: typ, name: name})
	}
	return fields
}

var primitiveTypes = map[string]bool{
	"bool": true, "byte": true, "char": true, "int8": true, "uint8": true, "int16": true, "uint16": true,
	"int32": true, "uint32": true, "int64": true, "uint64": true, "float32": true, "float64": true,
	"string": true, "wstring": true, "time": true, "duration": true,
}

// baseType strips array brackets and bounds: "geometry_msgs/Pose[]" → "geometry_msgs/Pose".
func baseType(typ string) string {
	if i := strings.IndexByte(typ, '['); i >= 0 {
		typ = typ[:i]
	}
	if i := strings.Index(typ, "<="); i >= 0 { // ROS 2 bounded string
		typ = typ[:i]
	}
	return typ
}

// resolveType gives a field's message type as "pkg/Type", or "" for a primitive. A bare name is
// in the same package, except ROS 1's "Header", which is std_msgs/Header.
func resolveType(typ, pkg string, ros1 bool) string {
	t := baseType(typ)
	switch {
	case primitiveTypes[t]:
		return ""
	case strings.Contains(t, "/"):
		return t
	case ros1 && t == "Header":
		return "std_msgs/Header"
	default:
		return pkg + "/" + t
	}
}

// shortName turns "pkg/msg/Type" into "pkg/Type", the form .msg texts and full definitions use.
func shortName(name string) string { return strings.Replace(name, "/msg/", "/", 1) }

// fullDefinition joins a type's own text with a block per dependency, in the order genmsg uses:
// depth first, each type once, in the order fields name them.
func fullDefinition(short string, ros1 bool, texts map[string]string) string {
	var b strings.Builder
	b.WriteString(texts[short])
	b.WriteByte('\n')
	for _, dep := range dependencies(short, ros1, texts) {
		b.WriteString(definitionSeparator)
		b.WriteString("MSG: " + dep + "\n")
		b.WriteString(texts[dep])
		b.WriteByte('\n')
	}
	s := b.String()
	return s[:len(s)-1]
}

func dependencies(short string, ros1 bool, texts map[string]string) []string {
	var deps []string
	seen := map[string]bool{}
	var walk func(t string)
	walk = func(t string) {
		pkg, _, _ := strings.Cut(t, "/")
		for _, f := range parseMsg(texts[t]) {
			if f.isConst {
				continue
			}
			if d := resolveType(f.typ, pkg, ros1); d != "" && !seen[d] {
				seen[d] = true
				deps = append(deps, d)
				walk(d)
			}
		}
	}
	walk(short)
	return deps
}
