package msgs

// DiagnosticStatus levels, as diagnostic_msgs/DiagnosticStatus defines them.
const (
	DiagnosticOK    byte = 0
	DiagnosticWarn  byte = 1
	DiagnosticError byte = 2
	DiagnosticStale byte = 3
)

// KeyValue is diagnostic_msgs/KeyValue.
type KeyValue struct {
	Key   string
	Value string
}

// DiagnosticStatus is diagnostic_msgs/DiagnosticStatus.
type DiagnosticStatus struct {
	Level      byte
	Name       string
	Message    string
	HardwareID string
	Values     []KeyValue
}

// DiagnosticArray is diagnostic_msgs/DiagnosticArray, the payload of /diagnostics.
type DiagnosticArray struct {
	Header Header
	Status []DiagnosticStatus
}
