package bag

import (
	"fmt"
	"io"

	"github.com/foxglove/mcap/go/mcap"

	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/msgs"
)

// MCAPWriterOptions configure an MCAPWriter.
type MCAPWriterOptions struct {
	Compression string // "zstd" (default), "lz4" or "none"
	ChunkSize   int64  // uncompressed bytes per chunk; 0: 1 MiB
}

// MCAPWriter writes an MCAP file in the ROS 2 profile: one "ros2msg" schema per type (the
// registry's ROS2Definition), one "cdr" channel per topic, chunked and compressed, with message
// indexes and a summary (statistics, chunk indexes) so that other tools can seek.
type MCAPWriter struct {
	w        *mcap.Writer
	file     *fileio.Atomic // the file CreateMCAP opened, written as PATH.partial until Close
	schemas  map[string]uint16
	channels map[string]*mcapChannel
	buf      []byte // reused CDR buffer
	closed   bool
}

type mcapChannel struct {
	id   uint16
	typ  string
	seq  uint32
	name string
}

// CreateMCAP creates (truncates) path and writes its MCAP header.
func CreateMCAP(path string, opts MCAPWriterOptions) (*MCAPWriter, error) {
	f, err := fileio.CreatePartial(path)
	if err != nil {
		return nil, err
	}
	w, err := NewMCAPWriter(f, opts)
	if err != nil {
		f.Discard()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.file = f
	return w, nil
}

// NewMCAPWriter writes an MCAP header to out; Close writes the summary but does not close out.
func NewMCAPWriter(out io.Writer, opts MCAPWriterOptions) (*MCAPWriter, error) {
	var comp mcap.CompressionFormat
	switch opts.Compression {
	case "", "zstd":
		comp = mcap.CompressionZSTD
	case "lz4":
		comp = mcap.CompressionLZ4
	case "none":
		comp = mcap.CompressionNone
	default:
		return nil, fmt.Errorf("MCAP compression %q: want zstd, lz4 or none", opts.Compression)
	}
	if opts.ChunkSize < 0 {
		return nil, fmt.Errorf("MCAP chunk size %d: must not be negative", opts.ChunkSize)
	}
	w, err := mcap.NewWriter(out, &mcap.WriterOptions{
		Chunked:     true,
		ChunkSize:   opts.ChunkSize,
		Compression: comp,
		IncludeCRC:  true,
	})
	if err != nil {
		return nil, err
	}
	if err := w.WriteHeader(&mcap.Header{Profile: "ros2", Library: "ssmde/bag"}); err != nil {
		return nil, err
	}
	return &MCAPWriter{w: w, schemas: map[string]uint16{}, channels: map[string]*mcapChannel{}}, nil
}

// channel returns the topic's channel, writing its schema and channel records on first use.
func (w *MCAPWriter) channel(topic string, t *msgs.Type) (*mcapChannel, error) {
	if c, ok := w.channels[topic]; ok {
		if c.typ != t.Name {
			return nil, fmt.Errorf("topic %s: message of type %s, but the topic carries %s", topic, t.Name, c.typ)
		}
		return c, nil
	}
	sid, ok := w.schemas[t.Name]
	if !ok {
		sid = uint16(len(w.schemas) + 1)
		if err := w.w.WriteSchema(&mcap.Schema{ID: sid, Name: t.Name, Encoding: "ros2msg", Data: []byte(t.ROS2Definition)}); err != nil {
			return nil, err
		}
		w.schemas[t.Name] = sid
	}
	if len(w.channels) >= 1<<16-1 {
		return nil, fmt.Errorf("topic %s: more than 65535 topics", topic)
	}
	c := &mcapChannel{id: uint16(len(w.channels)), typ: t.Name, name: topic}
	err := w.w.WriteChannel(&mcap.Channel{ID: c.id, Topic: topic, SchemaID: sid, MessageEncoding: EncodingCDR,
		Metadata: map[string]string{"offered_qos_profiles": ""}})
	if err != nil {
		return nil, err
	}
	w.channels[topic] = c
	return c, nil
}

// Write appends m, CDR-encoded, on topic at logTime (ns; also its publish time).
func (w *MCAPWriter) Write(topic string, m msgs.Message, logTime int64) error {
	if w.closed {
		return ErrClosed
	}
	if logTime < 0 {
		return fmt.Errorf("topic %s: negative log time %d", topic, logTime)
	}
	t := msgs.TypeOf(m)
	if t == nil {
		return fmt.Errorf("topic %s: %w: %s", topic, ErrUnknownType, m.TypeName())
	}
	c, err := w.channel(topic, t)
	if err != nil {
		return err
	}
	w.buf = m.MarshalCDR(w.buf[:0])
	c.seq++
	return w.w.WriteMessage(&mcap.Message{ChannelID: c.id, Sequence: c.seq, LogTime: uint64(logTime),
		PublishTime: uint64(logTime), Data: w.buf})
}

// Close flushes the last chunk and writes the summary and footer, then closes the file that
// CreateMCAP opened.
func (w *MCAPWriter) Close() error {
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
