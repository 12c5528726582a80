package bag

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ssmde/ssmde/msgs"
)

// Writer records messages; MCAPWriter and ROS1Writer implement it. Write takes the log time in
// nanoseconds; Close finishes the index and closes a file that Create opened.
type Writer interface {
	Write(topic string, m msgs.Message, logTime int64) error
	Close() error
}

// WriterOptions configure Create for either format.
type WriterOptions struct {
	// Compression of chunks: "zstd" (MCAP default), "lz4" (ROS 1 default), "none".
	Compression string
	// ChunkSize is the uncompressed size at which a chunk is closed; 0 means the default
	// (1 MiB for MCAP as the mcap library and `ros2 bag record` use, 768 KiB for ROS 1 as rosbag).
	ChunkSize int64
}

// Create opens a writer for path: ".mcap" writes MCAP (ROS 2 profile, CDR), ".bag" a ROS 1 bag.
func Create(path string, opts WriterOptions) (Writer, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".mcap":
		return CreateMCAP(path, MCAPWriterOptions{Compression: opts.Compression, ChunkSize: opts.ChunkSize})
	case ".bag":
		return CreateROS1(path, ROS1WriterOptions{Compression: opts.Compression, ChunkSize: int(opts.ChunkSize)})
	}
	return nil, fmt.Errorf("%s: %w: the output must end in .mcap or .bag", path, ErrFormat)
}
