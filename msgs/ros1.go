package msgs

// ROS 1 serialization is the same walk over the fields as CDR (see wire.go) without alignment or
// encapsulation header, with strings not NUL-terminated, and with three differences of content
// that the codecs map explicitly:
//
//   - std_msgs/Header starts with uint32 seq: Header.Seq, which CDR ignores.
//   - time is uint32 secs + uint32 nsecs: Time.Sec's 32 bits travel unchanged, so a negative Sec
//     (before 1970) reads back in ROS 1 as a time after 2106; duration is int32 + int32.
//   - field names differ in a few places (CameraInfo D K R P are lower-case d k r p in ROS 2,
//     DisparityImage T is t): only the definitions (definitions.go) see names, the bytes do not.
//
// rosgraph_msgs/Clock is "time clock" in ROS 1 and "builtin_interfaces/Time clock" in ROS 2: the
// same 8 bytes.

func ros1Writer(buf []byte) writer { return writer{buf: buf, origin: len(buf), ros1: true} }

// ros1Reader reads a ROS 1 message from data; trailing bytes are ignored, as genpy does.
func ros1Reader(data []byte, typ string) reader { return reader{data: data, ros1: true, typ: typ} }
