// Package msgs holds the ROS message types ssmde reads and writes, as plain Go structs.
//
// The types follow the ROS 2 definitions field for field (names in Go style) so that codecs for
// ROS 2 CDR and ROS 1 can be written against them without a conversion layer. This package
// imports nothing of ours: transports, bags and the pipeline all meet here.
package msgs
