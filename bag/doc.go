// Package bag reads recordings (MCAP, rosbag2 folders and .db3 files, ROS 1 .bag) through one
// Reader, messages in log-time order, and writes MCAP (ROS 2 profile) and ROS 1 bags from msgs.
//
// Open picks the format from the path. A Reader gives an Info (what `ssmde bag info` prints) and
// an Iterator of Messages; each Message keeps its raw bytes and decodes into a msgs.Message
// through the msgs registry. A damaged or truncated file delivers the messages before the damage,
// then a *FileError that names the file and the byte offset. Create opens a Writer (MCAPWriter or
// ROS1Writer) with the lifecycle of the mcap library's writer: create, Write, Close. Convert
// copies one recording into another format, re-encoding CDR ↔ ROS 1 through msgs.
package bag
