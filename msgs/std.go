package msgs

import "time"

// Time is builtin_interfaces/Time: seconds and nanoseconds since the epoch (or sim start).
type Time struct {
	Sec     int32
	Nanosec uint32
}

// TimeFromNanos converts nanoseconds since the epoch to a Time.
func TimeFromNanos(ns int64) Time {
	return Time{Sec: int32(ns / 1e9), Nanosec: uint32(ns % 1e9)}
}

// Nanos returns the time as nanoseconds since the epoch.
func (t Time) Nanos() int64 { return int64(t.Sec)*1e9 + int64(t.Nanosec) }

// GoTime returns the time as a time.Time in UTC.
func (t Time) GoTime() time.Time { return time.Unix(int64(t.Sec), int64(t.Nanosec)).UTC() }

// Header is std_msgs/Header (ROS 2: no sequence number).
type Header struct {
	Stamp   Time
	FrameID string
}
