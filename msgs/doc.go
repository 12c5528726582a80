// Package msgs holds the ROS messages ssmde reads and writes as plain Go structs, with their
// codecs for ROS 2 (CDR, XCDR1) and ROS 1, and the definitions and MD5 sums bags and peers need.
//
// The types follow the ROS 2 definitions field for field (names in Go style); the few places where
// ROS 1 differs (Header.Seq, unsigned time, upper-case CameraInfo matrices) are mapped in ros1.go.
// Every type implements Message (messages.go); Lookup finds a type by its ROS 2 or ROS 1 name
// (registry.go). Encoders append to a caller's buffer and decoders alias the input's byte arrays,
// so the per-frame path allocates nothing but strings. This package imports nothing of ours:
// transports, bags and the pipeline all meet here.
package msgs
