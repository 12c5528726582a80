package bag

import (
	"bytes"
	"container/heap"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ssmde/ssmde/msgs"
)

// Message encodings, as MCAP channels and rosbag2 topics name them.
const (
	EncodingCDR  = "cdr"
	EncodingROS1 = "ros1"
)

// Message is one recorded message with its raw serialization.
type Message struct {
	Topic    string
	Type     string // as recorded: "sensor_msgs/msg/Image" in ROS 2 files, "sensor_msgs/Image" in ROS 1 bags
	Encoding string // EncodingCDR or EncodingROS1
	LogTime  int64  // nanoseconds since the epoch (or since the start of simulated time)
	Data     []byte // the serialized message; owned by this Message
}

// Decode decodes Data into a new message of its type. The result's byte arrays (Image.Data, ...)
// alias Data. A type that msgs does not know is an error wrapping ErrUnknownType.
func (m *Message) Decode() (msgs.Message, error) {
	t, ok := msgs.Lookup(m.Type)
	if !ok {
		return nil, fmt.Errorf("%w: %q on topic %s", ErrUnknownType, m.Type, m.Topic)
	}
	var (
		v   msgs.Message
		err error
	)
	switch m.Encoding {
	case EncodingCDR:
		v, err = t.DecodeCDR(m.Data)
	case EncodingROS1:
		v, err = t.DecodeROS1(m.Data)
	default:
		return nil, fmt.Errorf("%w: %q on topic %s", ErrEncoding, m.Encoding, m.Topic)
	}
	if err != nil {
		return nil, fmt.Errorf("topic %s at log time %d: %w", m.Topic, m.LogTime, err)
	}
	return v, nil
}

// ReadOptions selects messages; the zero value reads everything.
type ReadOptions struct {
	Topics []string // only these topics; empty means all
}

func (o ReadOptions) wants(topic string) bool {
	return len(o.Topics) == 0 || slices.Contains(o.Topics, topic)
}

// Iterator yields messages in log-time order (ties: file order). Next returns io.EOF after the
// last message; any other error ends the iteration (a damaged file: a *FileError).
type Iterator interface {
	Next() (*Message, error)
}

// Reader is an open recording of any supported format. One Iterator at a time: Messages
// restarts from the beginning and invalidates an earlier Iterator.
type Reader interface {
	// Info summarises the recording. For a file without an index or summary (a truncated one)
	// it scans the file; it then returns what it counted before the damage and the error.
	Info() (*Info, error)
	// Messages iterates over the messages the options select, in log-time order.
	Messages(opts ReadOptions) (Iterator, error)
	Close() error
}

// Storage identifiers, as `ros2 bag info` prints them.
const (
	StorageMCAP    = "mcap"
	StorageSQLite3 = "sqlite3"
	StorageROS1    = "rosbag_v2"
)

// Info is what `ros2 bag info` shows about a recording.
type Info struct {
	Path         string
	Files        []string // data files, relative to Path for a folder
	Size         int64    // bytes of all data files
	Storage      string   // StorageMCAP, StorageSQLite3 or StorageROS1
	Compression  string   // "zstd", "lz4", "bz2", "none", several joined by ", "; "" when unknown
	Start, End   int64    // log times of the first and last message, ns
	MessageCount uint64
	Topics       []TopicInfo // sorted by name
}

// TopicInfo is one topic of a recording.
type TopicInfo struct {
	Name     string
	Type     string
	Encoding string // serialization format: "cdr" or "ros1"
	Count    uint64
}

// Duration is End - Start.
func (i *Info) Duration() time.Duration {
	if i.MessageCount == 0 {
		return 0
	}
	return time.Duration(i.End - i.Start)
}

// topicCounter accumulates Info fields while messages are counted.
type topicCounter struct {
	info   *Info
	topics map[string]*TopicInfo
}

func newTopicCounter(info *Info) *topicCounter {
	return &topicCounter{info: info, topics: map[string]*TopicInfo{}}
}

func (c *topicCounter) declare(name, typ, enc string) *TopicInfo {
	t, ok := c.topics[name]
	if !ok {
		t = &TopicInfo{Name: name, Type: typ, Encoding: enc}
		c.topics[name] = t
	}
	return t
}

func (c *topicCounter) add(name, typ, enc string, n uint64, start, end int64) {
	if n == 0 {
		c.declare(name, typ, enc)
		return
	}
	c.declare(name, typ, enc).Count += n
	if c.info.MessageCount == 0 || start < c.info.Start {
		c.info.Start = start
	}
	if c.info.MessageCount == 0 || end > c.info.End {
		c.info.End = end
	}
	c.info.MessageCount += n
}

func (c *topicCounter) finish() {
	c.info.Topics = c.info.Topics[:0]
	for _, t := range c.topics {
		c.info.Topics = append(c.info.Topics, *t)
	}
	slices.SortFunc(c.info.Topics, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
}

var (
	mcapMagic   = []byte{0x89, 'M', 'C', 'A', 'P', '0', '\r', '\n'}
	ros1Magic   = []byte("#ROSBAG V2.0\n")
	sqliteMagic = []byte("SQLite format 3\x00")
)

// Open opens a recording: an MCAP file, a ROS 1 .bag, a rosbag2 folder (metadata.yaml with
// sqlite3 or mcap storage) or a bare rosbag2 .db3 file. Files are recognised by their first bytes.
func Open(path string) (Reader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return OpenRosbag2(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	f.Close()
	switch {
	case bytes.HasPrefix(head, mcapMagic):
		return OpenMCAP(path)
	case bytes.HasPrefix(head, ros1Magic):
		return OpenROS1(path)
	case bytes.HasPrefix(head, sqliteMagic):
		return OpenRosbag2(path)
	}
	return nil, fmt.Errorf("%s: %w (want MCAP, ROS 1 bag v2.0, rosbag2 folder or .db3)", path, ErrFormat)
}

// ReadAll returns every selected message; for tests and small files.
func ReadAll(r Reader, opts ReadOptions) ([]*Message, error) {
	it, err := r.Messages(opts)
	if err != nil {
		return nil, err
	}
	var out []*Message
	for {
		m, err := it.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

// mergeIterators merges iterators that are each in log-time order (the files of a split
// rosbag2) into one; ties go to the earlier iterator.
func mergeIterators(its []Iterator) Iterator {
	if len(its) == 1 {
		return its[0]
	}
	return &mergeIterator{its: its}
}

type mergeHead struct {
	msg *Message
	src int
}

type mergeIterator struct {
	its     []Iterator
	heads   mergeHeap
	started bool
	err     error
}

type mergeHeap []mergeHead

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].msg.LogTime != h[j].msg.LogTime {
		return h[i].msg.LogTime < h[j].msg.LogTime
	}
	return h[i].src < h[j].src
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(mergeHead)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// pull reads the next message of source i onto the heap.
func (m *mergeIterator) pull(i int) error {
	msg, err := m.its[i].Next()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	heap.Push(&m.heads, mergeHead{msg, i})
	return nil
}

func (m *mergeIterator) Next() (*Message, error) {
	if m.err != nil {
		return nil, m.err
	}
	if !m.started {
		m.started = true
		for i := range m.its {
			if err := m.pull(i); err != nil {
				m.err = err
				return nil, err
			}
		}
	}
	if m.heads.Len() == 0 {
		m.err = io.EOF
		return nil, io.EOF
	}
	h := heap.Pop(&m.heads).(mergeHead)
	if err := m.pull(h.src); err != nil {
		// Deliver what is due first; the error comes on the next call.
		m.err = err
	}
	return h.msg, nil
}

// fileSize is the size of path, 0 when it cannot be read.
func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// baseName is what Info.Files lists for a single file.
func baseName(path string) string { return filepath.Base(path) }

// seekable returns r as an io.ReadSeeker with its size, rewound to the start, when it is one
// (a file: read through its index); otherwise nil and -1 (a stream: read once, in file order).
func seekable(r io.Reader, name string) (io.ReadSeeker, int64, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		return nil, -1, nil
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, -1, &FileError{Path: name, Offset: -1, Err: err}
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, -1, &FileError{Path: name, Offset: -1, Err: err}
	}
	return rs, end, nil
}
