package msgs

import "fmt"

// rcl_interfaces: the messages of ROS 2 parameters (/parameter_events and the parameter
// services) and of /rosout. Field order and types follow the jazzy .msg/.srv files of
// ros2/rcl_interfaces (rcl_interfaces/msg/*.msg, rcl_interfaces/srv/*.srv).

// ParameterType values (rcl_interfaces/msg/ParameterType).
const (
	ParameterNotSet       uint8 = 0
	ParameterBool         uint8 = 1
	ParameterInteger      uint8 = 2
	ParameterDouble       uint8 = 3
	ParameterString       uint8 = 4
	ParameterByteArray    uint8 = 5
	ParameterBoolArray    uint8 = 6
	ParameterIntegerArray uint8 = 7
	ParameterDoubleArray  uint8 = 8
	ParameterStringArray  uint8 = 9
)

// ParameterTypeName is rclcpp's name of a ParameterType ("double", "integer_array", ...), as
// its error reasons print it.
func ParameterTypeName(t uint8) string {
	names := [...]string{"not set", "bool", "integer", "double", "string", "byte_array", "bool_array",
		"integer_array", "double_array", "string_array"}
	if int(t) < len(names) {
		return names[t]
	}
	return fmt.Sprintf("unknown type %d", t)
}

// ParameterValue is rcl_interfaces/ParameterValue: Type says which one field holds the value.
type ParameterValue struct {
	Type         uint8
	Bool         bool
	Integer      int64
	Double       float64
	String       string
	ByteArray    []byte
	BoolArray    []bool
	IntegerArray []int64
	DoubleArray  []float64
	StringArray  []string
}

// ParameterValueOf wraps a Go value: bool, int64 (or int), float64, string, []byte, []bool,
// []int64, []float64 or []string; nil is PARAMETER_NOT_SET.
func ParameterValueOf(v any) (ParameterValue, error) {
	switch x := v.(type) {
	case nil:
		return ParameterValue{Type: ParameterNotSet}, nil
	case bool:
		return ParameterValue{Type: ParameterBool, Bool: x}, nil
	case int:
		return ParameterValue{Type: ParameterInteger, Integer: int64(x)}, nil
	case int64:
		return ParameterValue{Type: ParameterInteger, Integer: x}, nil
	case float64:
		return ParameterValue{Type: ParameterDouble, Double: x}, nil
	case string:
		return ParameterValue{Type: ParameterString, String: x}, nil
	case []byte:
		return ParameterValue{Type: ParameterByteArray, ByteArray: x}, nil
	case []bool:
		return ParameterValue{Type: ParameterBoolArray, BoolArray: x}, nil
	case []int64:
		return ParameterValue{Type: ParameterIntegerArray, IntegerArray: x}, nil
	case []float64:
		return ParameterValue{Type: ParameterDoubleArray, DoubleArray: x}, nil
	case []string:
		return ParameterValue{Type: ParameterStringArray, StringArray: x}, nil
	}
	return ParameterValue{}, fmt.Errorf("parameter value %v (%T) has no ROS 2 parameter type", v, v)
}

// Value is the Go value ParameterValueOf takes (nil for PARAMETER_NOT_SET and unknown types).
func (v *ParameterValue) Value() any {
	switch v.Type {
	case ParameterBool:
		return v.Bool
	case ParameterInteger:
		return v.Integer
	case ParameterDouble:
		return v.Double
	case ParameterString:
		return v.String
	case ParameterByteArray:
		return v.ByteArray
	case ParameterBoolArray:
		return v.BoolArray
	case ParameterIntegerArray:
		return v.IntegerArray
	case ParameterDoubleArray:
		return v.DoubleArray
	case ParameterStringArray:
		return v.StringArray
	}
	return nil
}

// Parameter is rcl_interfaces/Parameter.
type Parameter struct {
	Name  string
	Value ParameterValue
}

// ParameterEvent is rcl_interfaces/ParameterEvent, the payload of /parameter_events; Node is the
// fully qualified name of the node whose parameters these are.
type ParameterEvent struct {
	Stamp             Time
	Node              string
	NewParameters     []Parameter
	ChangedParameters []Parameter
	DeletedParameters []Parameter
}

// FloatingPointRange is rcl_interfaces/FloatingPointRange (Step 0: any value in range).
type FloatingPointRange struct {
	FromValue, ToValue, Step float64
}

// IntegerRange is rcl_interfaces/IntegerRange (Step 0: any value in range).
type IntegerRange struct {
	FromValue, ToValue int64
	Step               uint64
}

// ParameterDescriptor is rcl_interfaces/ParameterDescriptor. The ranges are sequences of at most
// one element (FloatingPointRange[<=1]).
type ParameterDescriptor struct {
	Name                  string
	Type                  uint8
	Description           string
	AdditionalConstraints string
	ReadOnly              bool
	DynamicTyping         bool
	FloatingPointRange    []FloatingPointRange
	IntegerRange          []IntegerRange
}

// SetParametersResult is rcl_interfaces/SetParametersResult.
type SetParametersResult struct {
	Successful bool
	Reason     string
}

// ListParametersResult is rcl_interfaces/ListParametersResult.
type ListParametersResult struct {
	Names    []string
	Prefixes []string
}

// Log levels (rcl_interfaces/Log).
const (
	LogDebug uint8 = 10
	LogInfo  uint8 = 20
	LogWarn  uint8 = 30
	LogError uint8 = 40
	LogFatal uint8 = 50
)

// Log is rcl_interfaces/Log, the payload of /rosout.
type Log struct {
	Stamp    Time
	Level    uint8
	Name     string
	Msg      string
	File     string
	Function string
	Line     uint32
}

// The requests and responses of the parameter services (rcl_interfaces/srv/<Name>_Request and
// _Response).
type (
	GetParametersRequest            struct{ Names []string }
	GetParametersResponse           struct{ Values []ParameterValue }
	GetParameterTypesRequest        struct{ Names []string }
	GetParameterTypesResponse       struct{ Types []uint8 }
	SetParametersRequest            struct{ Parameters []Parameter }
	SetParametersResponse           struct{ Results []SetParametersResult }
	SetParametersAtomicallyRequest  struct{ Parameters []Parameter }
	SetParametersAtomicallyResponse struct{ Result SetParametersResult }
	DescribeParametersRequest       struct{ Names []string }
	DescribeParametersResponse      struct{ Descriptors []ParameterDescriptor }
	ListParametersRequest           struct {
		Prefixes []string
		Depth    uint64
	}
	ListParametersResponse struct{ Result ListParametersResult }
)

// ListParametersDepthRecursive is ListParameters' DEPTH_RECURSIVE: names at any depth.
const ListParametersDepthRecursive uint64 = 0
