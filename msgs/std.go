package msgs

import "time"

// Time is builtin_interfaces/Time: seconds and nanoseconds since the epoch (or sim start).
//
// ROS 1's time is uint32 secs + uint32 nsecs; the ROS 1 codec carries Sec's 32 bits unchanged
// (two's complement), so times after 1970 and before 2038 mean the same in both.
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

// Duration is builtin_interfaces/Duration (ROS 1: duration, int32 secs + int32 nsecs).
type Duration struct {
	Sec     int32
	Nanosec uint32
}

// Header is std_msgs/Header.
//
// Seq exists only in ROS 1 (uint32 seq, the first field there); the CDR codec neither writes nor
// reads it, the ROS 1 codec carries it.
type Header struct {
	Seq     uint32
	Stamp   Time
	FrameID string
}
