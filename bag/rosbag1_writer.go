package bag

import (
	"fmt"
	"io"

	rosbag "github.com/foxglove/go-rosbag"

	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/msgs"
)

// ROS1WriterOptions configure a ROS1Writer.
type ROS1WriterOptions struct {
	// Compression of chunks: "lz4" (default) or "none". go-rosbag cannot write bz2.
	Compression string
	// ChunkSize is the uncompressed size at which a chunk is closed; 0: 768 KiB, rosbag's default.
	ChunkSize int
}

// ROS1Writer writes a ROS 1 bag (format 2.0) with go-rosbag: one connection per topic carrying
// the registry's ROS 1 name, MD5 sum and full definition, chunks with index data, and the index
// section that `rosbag info` and `rosbag play` use. Messages are ROS 1 encoded; Header.Seq is
// written as the message has it (0 for a message that came from ROS 2).
type ROS1Writer struct {
	w      *rosbag.Writer
	file   *fileio.Atomic // the file CreateROS1 opened, written as PATH.partial until Close
	conns  map[string]*ros1WriterConn
	buf    []byte
	closed bool
}

type ros1WriterConn struct {
	id  uint32
	typ string
}

// CreateROS1 creates (truncates) path and writes the bag's header.
func CreateROS1(path string, opts ROS1WriterOptions) (*ROS1Writer, error) {
	f, err := fileio.CreatePartial(path)
	if err != nil {
		return nil, err
	}
	w, err := NewROS1Writer(f, opts)
	if err != nil {
		f.Discard()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.file = f
	return w, nil
}

// NewROS1Writer writes a bag to out. Only an io.WriteSeeker (a file) gets the header's pointer to
// the index filled in at Close; with a plain io.Writer the bag needs `rosbag reindex`.
func NewROS1Writer(out io.Writer, opts ROS1WriterOptions) (*ROS1Writer, error) {
	comp := opts.Compression
	switch comp {
	case "":
		comp = rosbag.CompressionLZ4
	case rosbag.CompressionLZ4, rosbag.CompressionNone:
	default:
		return nil, fmt.Errorf("ROS 1 bag compression %q: want lz4 or none", opts.Compression)
	}
	size := opts.ChunkSize
	if size == 0 {
		size = 768 * 1024
	}
	if size < 0 {
		return nil, fmt.Errorf("ROS 1 chunk size %d: must not be negative", size)
	}
	w, err := rosbag.NewWriter(out, rosbag.WithCompression(comp), rosbag.WithChunksize(size))
	if err != nil {
		return nil, err
	}
	return &ROS1Writer{w: w, conns: map[string]*ros1WriterConn{}}, nil
}

// Write appends m, ROS 1 encoded, on topic at logTime (ns).
func (w *ROS1Writer) Write(topic string, m msgs.Message, logTime int64) error {
	if w.closed {
		return ErrClosed
	}
	if logTime < 0 || logTime/1e9 > 1<<32-1 {
		return fmt.Errorf("topic %s: log time %d ns does not fit ROS 1 time", topic, logTime)
	}
	t := msgs.TypeOf(m)
	if t == nil || t.ROS1Name == "" {
		return fmt.Errorf("topic %s: %w: %s has no ROS 1 counterpart", topic, ErrUnknownType, m.TypeName())
	}
	c, ok := w.conns[topic]
	if !ok {
		c = &ros1WriterConn{id: uint32(len(w.conns)), typ: t.ROS1Name}
		caller := "/ssmde"
		err := w.w.WriteConnection(&rosbag.Connection{Conn: c.id, Topic: topic, Data: rosbag.ConnectionHeader{
			Topic: topic, Type: t.ROS1Name, MD5Sum: t.ROS1MD5, MessageDefinition: []byte(t.ROS1Definition), CallerID: &caller,
		}})
		if err != nil {
			return err
		}
		w.conns[topic] = c
	} else if c.typ != t.ROS1Name {
		return fmt.Errorf("topic %s: message of type %s, but the topic carries %s", topic, t.ROS1Name, c.typ)
	}
	w.buf = m.MarshalROS1(w.buf[:0])
	return w.w.WriteMessage(&rosbag.Message{Conn: c.id, Time: uint64(logTime), Data: w.buf})
}

// Close flushes the last chunk, writes the index, and closes the file that CreateROS1 opened.
func (w *ROS1Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.w.Close()
	if w.file != nil {
		if err != nil {
			// Keep what was written: the part before the failure is readable.
			w.file.Close()
			return fmt.Errorf("%w (what was written is in %s)", err, w.file.Name())
		}
		err = w.file.Commit()
	}
	return err
}
