package bag

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	rosbag "github.com/foxglove/go-rosbag"
	"github.com/pierrec/lz4/v4"
)

// The ROS 1 bag reader has its own record lexer (format 2.0, wiki.ros.org/Bags/Format/2.0):
// go-rosbag v0.0.7's reader trusts the lengths in the file (its ReadRecord allocates a declared
// 4 GiB header and slices past the end when header+data lengths overflow uint32; its header
// parser slices past a field's end), so a damaged bag would crash or exhaust memory. Every length
// here is checked against the bytes that exist and the limits above. go-rosbag writes bags
// (rosbag1_writer.go) and names the record opcodes.

const maxROS1Header = 1 << 20 // bytes of one record header; real ones are under 200

// ros1Record is one record: its offset in its container, opcode, header fields and data.
type ros1Record struct {
	off    int64
	op     rosbag.OpCode
	fields map[string][]byte
	data   []byte
}

// readExactly reads n bytes, allocating as the bytes arrive when n is large, so a corrupt length
// costs only what the input really holds.
func readExactly(r io.Reader, n int64) ([]byte, error) {
	if n <= 1<<20 {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	b, err := io.ReadAll(io.LimitReader(r, n))
	if err == nil && int64(len(b)) < n {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

// readROS1Record reads the record at off; io.EOF means the input ended cleanly before it.
func readROS1Record(r io.Reader, off int64, dataLimit int64) (ros1Record, int64, error) {
	rec := ros1Record{off: off}
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("%w: record length cut short", ErrTruncated)
		}
		return rec, 0, err
	}
	hlen := int64(binary.LittleEndian.Uint32(lenBuf[:]))
	if hlen > maxROS1Header {
		return rec, 0, fmt.Errorf("%w: header length %d exceeds %d", ErrMalformed, hlen, maxROS1Header)
	}
	header, err := readExactly(r, hlen)
	if err != nil {
		return rec, 0, fmt.Errorf("%w: record header of %d bytes: %v", ErrTruncated, hlen, err)
	}
	if rec.fields, err = ros1Fields(header); err != nil {
		return rec, 0, err
	}
	op, ok := rec.fields["op"]
	if !ok || len(op) != 1 {
		return rec, 0, fmt.Errorf("%w: record header has no one-byte op field", ErrMalformed)
	}
	rec.op = rosbag.OpCode(op[0])
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return rec, 0, fmt.Errorf("%w: %s record data length: %v", ErrTruncated, rec.op, err)
	}
	dlen := int64(binary.LittleEndian.Uint32(lenBuf[:]))
	if dlen > dataLimit {
		return rec, 0, fmt.Errorf("%w: %s record data length %d exceeds %d", ErrMalformed, rec.op, dlen, dataLimit)
	}
	if rec.data, err = readExactly(r, dlen); err != nil {
		return rec, 0, fmt.Errorf("%w: %s record data of %d bytes: %v", ErrTruncated, rec.op, dlen, err)
	}
	return rec, 8 + hlen + dlen, nil
}

// ros1Fields parses a record or connection header: fields of uint32 length, then "name=value".
func ros1Fields(b []byte) (map[string][]byte, error) {
	fields := map[string][]byte{}
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: header field length cut short", ErrMalformed)
		}
		n := binary.LittleEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: header field of %d bytes exceeds the %d left", ErrMalformed, n, len(b))
		}
		name, value, ok := bytes.Cut(b[:n], []byte{'='})
		if !ok {
			return nil, fmt.Errorf("%w: header field without '='", ErrMalformed)
		}
		fields[string(name)] = value
		b = b[n:]
	}
	return fields, nil
}

func fieldU32(f map[string][]byte, name string) (uint32, error) {
	v, ok := f[name]
	if !ok || len(v) != 4 {
		return 0, fmt.Errorf("%w: field %s missing or not 4 bytes", ErrMalformed, name)
	}
	return binary.LittleEndian.Uint32(v), nil
}

func fieldU64(f map[string][]byte, name string) (uint64, error) {
	v, ok := f[name]
	if !ok || len(v) != 8 {
		return 0, fmt.Errorf("%w: field %s missing or not 8 bytes", ErrMalformed, name)
	}
	return binary.LittleEndian.Uint64(v), nil
}

// fieldTime reads a ROS 1 time (uint32 secs, uint32 nsecs) as nanoseconds.
func fieldTime(f map[string][]byte, name string) (int64, error) {
	v, ok := f[name]
	if !ok || len(v) != 8 {
		return 0, fmt.Errorf("%w: field %s missing or not 8 bytes", ErrMalformed, name)
	}
	return int64(binary.LittleEndian.Uint32(v))*1e9 + int64(binary.LittleEndian.Uint32(v[4:])), nil
}

type ros1Conn struct {
	id    uint32
	topic string
	typ   string
}

func parseROS1Connection(rec ros1Record) (ros1Conn, error) {
	id, err := fieldU32(rec.fields, "conn")
	if err != nil {
		return ros1Conn{}, err
	}
	data, err := ros1Fields(rec.data)
	if err != nil {
		return ros1Conn{}, err
	}
	return ros1Conn{id: id, topic: string(rec.fields["topic"]), typ: string(data["type"])}, nil
}

// ros1Message is a message record before its connection is resolved.
type ros1Message struct {
	conn uint32
	time int64
	data []byte
	pos  int // order within its chunk
}

func parseROS1Message(rec ros1Record) (ros1Message, error) {
	id, err := fieldU32(rec.fields, "conn")
	if err != nil {
		return ros1Message{}, err
	}
	t, err := fieldTime(rec.fields, "time")
	if err != nil {
		return ros1Message{}, err
	}
	return ros1Message{conn: id, time: t, data: rec.data}, nil
}

// chunkRecords decompresses a chunk record and returns the connections and messages inside,
// messages sorted by time (stable, so ties keep their order in the file).
func chunkRecords(rec ros1Record) (conns []ros1Conn, msgs []ros1Message, err error) {
	size, err := fieldU32(rec.fields, "size")
	if err != nil {
		return nil, nil, err
	}
	if int64(size) > int64(maxChunkSize) {
		return nil, nil, fmt.Errorf("%w: chunk of %d bytes exceeds %d", ErrMalformed, size, maxChunkSize)
	}
	comp := string(rec.fields["compression"])
	var dec io.Reader
	switch comp {
	case rosbag.CompressionNone:
		dec = bytes.NewReader(rec.data)
	case rosbag.CompressionBZ2:
		dec = bzip2.NewReader(bytes.NewReader(rec.data))
	case rosbag.CompressionLZ4:
		dec = lz4.NewReader(bytes.NewReader(rec.data))
	default:
		return nil, nil, fmt.Errorf("%w: chunk compression %q", ErrMalformed, comp)
	}
	plain, err := readExactly(dec, int64(size))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s chunk does not decompress to its %d bytes: %v", ErrMalformed, comp, size, err)
	}
	br := bytes.NewReader(plain)
	for off := int64(0); off < int64(len(plain)); {
		r, n, err := readROS1Record(br, off, int64(len(plain)))
		if err != nil {
			return nil, nil, fmt.Errorf("chunk byte %d: %w", off, err)
		}
		off += n
		switch r.op {
		case rosbag.OpConnection:
			c, err := parseROS1Connection(r)
			if err != nil {
				return nil, nil, fmt.Errorf("chunk byte %d: %w", r.off, err)
			}
			conns = append(conns, c)
		case rosbag.OpMessageData:
			m, err := parseROS1Message(r)
			if err != nil {
				return nil, nil, fmt.Errorf("chunk byte %d: %w", r.off, err)
			}
			m.pos = len(msgs)
			msgs = append(msgs, m)
		}
	}
	slices.SortStableFunc(msgs, func(a, b ros1Message) int { return cmpInt64(a.time, b.time) })
	return conns, msgs, nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ros1Reader reads a ROS 1 bag: through its index (chunk infos at the header's index_pos, merged
// in log-time order) when the input can seek and the index is sound, else by a linear scan in
// file order, each chunk sorted by time, that stops with a *FileError at the first damage.
type ros1Reader struct {
	path   string
	r      io.Reader
	rs     io.ReadSeeker
	size   int64
	closer io.Closer
	used   bool
}

// OpenROS1 opens a ROS 1 bag file (format 2.0).
func OpenROS1(path string) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewROS1Reader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.(*ros1Reader).closer = f
	return r, nil
}

// NewROS1Reader reads a ROS 1 bag from r; name is what errors call it. An io.ReadSeeker is read
// through its index; any other io.Reader is a stream, read once, linearly.
func NewROS1Reader(r io.Reader, name string) (Reader, error) {
	b := &ros1Reader{path: name, r: r, size: -1}
	rs, size, err := seekable(r, name)
	if err != nil {
		return nil, err
	}
	b.rs, b.size = rs, size
	return b, nil
}

func (b *ros1Reader) Close() error {
	if b.closer != nil {
		err := b.closer.Close()
		b.closer = nil
		return err
	}
	return nil
}

func (b *ros1Reader) dataLimit() int64 {
	limit := int64(maxRecordSize)
	if b.size >= 0 && b.size < limit {
		limit = b.size
	}
	return limit
}

// start reads the magic and the bag header record, leaving r after them.
func (b *ros1Reader) start() (r *bufio.Reader, cr *countingReader, indexPos uint64, err error) {
	if b.rs != nil {
		if _, err := b.rs.Seek(0, io.SeekStart); err != nil {
			return nil, nil, 0, &FileError{Path: b.path, Offset: 0, Err: err}
		}
	} else if b.used {
		return nil, nil, 0, fmt.Errorf("%s: a stream can be read only once", b.path)
	}
	b.used = true
	cr = &countingReader{r: b.r}
	r = bufio.NewReaderSize(cr, 1<<16)
	magic := make([]byte, len(rosbag.Magic))
	if _, err := io.ReadFull(r, magic); err != nil || !bytes.Equal(magic, rosbag.Magic) {
		return nil, nil, 0, &FileError{Path: b.path, Offset: 0, Err: fmt.Errorf("%w: no ROS bag V2.0 magic", ErrFormat)}
	}
	rec, _, err := readROS1Record(r, int64(len(magic)), b.dataLimit())
	if err == nil && rec.op != rosbag.OpBagHeader {
		err = fmt.Errorf("%w: first record is %s, not the bag header", ErrMalformed, rec.op)
	}
	if err == nil {
		indexPos, err = fieldU64(rec.fields, "index_pos")
	}
	if err != nil {
		return nil, nil, 0, &FileError{Path: b.path, Offset: int64(len(magic)), Err: err}
	}
	return r, cr, indexPos, nil
}

// ros1Index is the bag's index section.
type ros1Index struct {
	conns  map[uint32]ros1Conn
	chunks []ros1ChunkInfo
}

type ros1ChunkInfo struct {
	pos        int64
	start, end int64
	counts     map[uint32]uint32
}

// index reads the index section; nil (and no error) means "scan linearly".
func (b *ros1Reader) index() (*ros1Index, error) {
	if b.rs == nil {
		return nil, nil
	}
	_, _, indexPos, err := b.start()
	if err != nil {
		return nil, err
	}
	if indexPos == 0 || int64(indexPos) >= b.size {
		return nil, nil
	}
	if _, err := b.rs.Seek(int64(indexPos), io.SeekStart); err != nil {
		return nil, nil
	}
	r := bufio.NewReaderSize(b.rs, 1<<16)
	idx := &ros1Index{conns: map[uint32]ros1Conn{}}
	for off := int64(indexPos); ; {
		rec, n, err := readROS1Record(r, off, b.dataLimit())
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil
		}
		off += n
		switch rec.op {
		case rosbag.OpConnection:
			c, err := parseROS1Connection(rec)
			if err != nil {
				return nil, nil
			}
			idx.conns[c.id] = c
		case rosbag.OpChunkInfo:
			ci, err := parseROS1ChunkInfo(rec)
			if err != nil || ci.pos < int64(len(rosbag.Magic)) || ci.pos >= int64(indexPos) {
				return nil, nil
			}
			idx.chunks = append(idx.chunks, ci)
		default:
			return nil, nil
		}
	}
	return idx, nil
}

func parseROS1ChunkInfo(rec ros1Record) (ros1ChunkInfo, error) {
	var ci ros1ChunkInfo
	pos, err := fieldU64(rec.fields, "chunk_pos")
	if err != nil {
		return ci, err
	}
	if pos > 1<<62 {
		return ci, fmt.Errorf("%w: chunk_pos %d", ErrMalformed, pos)
	}
	ci.pos = int64(pos)
	if ci.start, err = fieldTime(rec.fields, "start_time"); err != nil {
		return ci, err
	}
	if ci.end, err = fieldTime(rec.fields, "end_time"); err != nil {
		return ci, err
	}
	count, err := fieldU32(rec.fields, "count")
	if err != nil {
		return ci, err
	}
	if uint64(count)*8 != uint64(len(rec.data)) {
		return ci, fmt.Errorf("%w: chunk info count %d with %d data bytes", ErrMalformed, count, len(rec.data))
	}
	ci.counts = map[uint32]uint32{}
	for d := rec.data; len(d) >= 8; d = d[8:] {
		ci.counts[binary.LittleEndian.Uint32(d)] += binary.LittleEndian.Uint32(d[4:])
	}
	return ci, nil
}

func (b *ros1Reader) Info() (*Info, error) {
	out := &Info{Path: b.path, Files: []string{baseName(b.path)}, Size: max(b.size, 0), Storage: StorageROS1}
	idx, err := b.index()
	if err != nil {
		return out, err
	}
	if idx == nil {
		return b.scanInfo(out)
	}
	c := newTopicCounter(out)
	for _, conn := range idx.conns {
		c.declare(conn.topic, conn.typ, EncodingROS1)
	}
	comps := map[string]bool{}
	for _, ci := range idx.chunks {
		var n uint64
		for id, k := range ci.counts {
			if conn, ok := idx.conns[id]; ok {
				c.topics[conn.topic].Count += uint64(k)
				n += uint64(k)
			}
		}
		if n > 0 {
			if out.MessageCount == 0 || ci.start < out.Start {
				out.Start = ci.start
			}
			if out.MessageCount == 0 || ci.end > out.End {
				out.End = ci.end
			}
			out.MessageCount += n
		}
		comps[b.chunkCompression(ci.pos)] = true
	}
	c.finish()
	out.Compression = joinKeys(comps)
	return out, nil
}

// chunkCompression reads the compression field of the chunk record at pos.
func (b *ros1Reader) chunkCompression(pos int64) string {
	if _, err := b.rs.Seek(pos, io.SeekStart); err != nil {
		return "?"
	}
	var lenBuf [4]byte
	if _, err := io.ReadFull(b.rs, lenBuf[:]); err != nil {
		return "?"
	}
	n := binary.LittleEndian.Uint32(lenBuf[:])
	if n > maxROS1Header {
		return "?"
	}
	h := make([]byte, n)
	if _, err := io.ReadFull(b.rs, h); err != nil {
		return "?"
	}
	f, err := ros1Fields(h)
	if err != nil {
		return "?"
	}
	return string(f["compression"])
}

func joinKeys(m map[string]bool) string {
	var keys []string
	for k := range m {
		if k != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

func (b *ros1Reader) scanInfo(out *Info) (*Info, error) {
	it, err := b.linear(ReadOptions{})
	if err != nil {
		return out, err
	}
	c := newTopicCounter(out)
	defer func() {
		for _, conn := range it.conns {
			c.declare(conn.topic, conn.typ, EncodingROS1)
		}
		c.finish()
		out.Compression = joinKeys(it.comps)
	}()
	for {
		m, err := it.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		c.add(m.Topic, m.Type, m.Encoding, 1, m.LogTime, m.LogTime)
	}
}

func (b *ros1Reader) Messages(opts ReadOptions) (Iterator, error) {
	idx, err := b.index()
	if err != nil {
		return nil, err
	}
	if idx == nil {
		return b.linear(opts)
	}
	it := &ros1Indexed{b: b, idx: idx, opts: opts}
	for i, ci := range idx.chunks {
		heap.Push(&it.heap, ros1Entry{time: ci.start, chunk: i, pos: -1})
	}
	return it, nil
}

// ros1Entry is a chunk not yet loaded (pos -1, time its start) or a loaded message.
type ros1Entry struct {
	time  int64
	chunk int
	pos   int
	msg   *Message
}

type ros1Heap []ros1Entry

func (h ros1Heap) Len() int { return len(h) }
func (h ros1Heap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if a.time != b.time {
		return a.time < b.time
	}
	if (a.msg == nil) != (b.msg == nil) {
		return a.msg == nil // load a chunk before emitting a message of the same time
	}
	if a.chunk != b.chunk {
		return a.chunk < b.chunk
	}
	return a.pos < b.pos
}
func (h ros1Heap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ros1Heap) Push(x any)   { *h = append(*h, x.(ros1Entry)) }
func (h *ros1Heap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type ros1Indexed struct {
	b         *ros1Reader
	idx       *ros1Index
	opts      ReadOptions
	heap      ros1Heap
	delivered int
	err       error
}

func (it *ros1Indexed) Next() (*Message, error) {
	if it.err != nil {
		return nil, it.err
	}
	for it.heap.Len() > 0 {
		e := heap.Pop(&it.heap).(ros1Entry)
		if e.msg != nil {
			it.delivered++
			return e.msg, nil
		}
		pos := it.idx.chunks[e.chunk].pos
		if err := it.load(e.chunk, pos); err != nil {
			it.err = &FileError{Path: it.b.path, Offset: pos, Delivered: it.delivered, Err: err}
			return nil, it.err
		}
	}
	it.err = io.EOF
	return nil, io.EOF
}

func (it *ros1Indexed) load(chunk int, pos int64) error {
	if _, err := it.b.rs.Seek(pos, io.SeekStart); err != nil {
		return err
	}
	rec, _, err := readROS1Record(bufio.NewReaderSize(it.b.rs, 1<<16), pos, it.b.dataLimit())
	if err == io.EOF {
		err = fmt.Errorf("%w: chunk expected", ErrTruncated)
	}
	if err != nil {
		return err
	}
	if rec.op != rosbag.OpChunk {
		return fmt.Errorf("%w: index points at a %s record, not a chunk", ErrMalformed, rec.op)
	}
	_, ms, err := chunkRecords(rec)
	if err != nil {
		return err
	}
	for i, m := range ms {
		conn, ok := it.idx.conns[m.conn]
		if !ok {
			return fmt.Errorf("%w: message on connection %d that the index does not list", ErrMalformed, m.conn)
		}
		if !it.opts.wants(conn.topic) {
			continue
		}
		heap.Push(&it.heap, ros1Entry{time: m.time, chunk: chunk, pos: i,
			msg: &Message{Topic: conn.topic, Type: conn.typ, Encoding: EncodingROS1, LogTime: m.time, Data: m.data}})
	}
	return nil
}

func (b *ros1Reader) linear(opts ReadOptions) (*ros1Linear, error) {
	r, cr, indexPos, err := b.start()
	if err != nil {
		return nil, err
	}
	return &ros1Linear{b: b, r: r, cr: cr, off: cr.count() - int64(r.Buffered()), indexPos: indexPos, opts: opts,
		conns: map[uint32]ros1Conn{}, comps: map[string]bool{}}, nil
}

type ros1Linear struct {
	b         *ros1Reader
	r         *bufio.Reader
	cr        *countingReader
	off       int64
	indexPos  uint64
	opts      ReadOptions
	conns     map[uint32]ros1Conn
	comps     map[string]bool
	pending   []*Message
	delivered int
	err       error
}

func (it *ros1Linear) fail(off int64, err error) error {
	it.err = &FileError{Path: it.b.path, Offset: off, Delivered: it.delivered, Err: err}
	return it.err
}

// resolve turns message records into Messages, in the order given.
func (it *ros1Linear) resolve(off int64, ms []ros1Message) error {
	for _, m := range ms {
		conn, ok := it.conns[m.conn]
		if !ok {
			return it.fail(off, fmt.Errorf("%w: message on connection %d before its connection record", ErrMalformed, m.conn))
		}
		if it.opts.wants(conn.topic) {
			it.pending = append(it.pending, &Message{Topic: conn.topic, Type: conn.typ, Encoding: EncodingROS1, LogTime: m.time, Data: m.data})
		}
	}
	return nil
}

func (it *ros1Linear) Next() (*Message, error) {
	for {
		if len(it.pending) > 0 {
			m := it.pending[0]
			it.pending = it.pending[1:]
			it.delivered++
			return m, nil
		}
		if it.err != nil {
			return nil, it.err
		}
		rec, n, err := readROS1Record(it.r, it.off, it.b.dataLimit())
		if err == io.EOF {
			if it.indexPos == 0 || uint64(it.off) < it.indexPos {
				return nil, it.fail(it.off, fmt.Errorf("%w: the bag ends before its index (recording not closed?)", ErrTruncated))
			}
			it.err = io.EOF
			return nil, io.EOF
		}
		if err != nil {
			return nil, it.fail(it.off, err)
		}
		off := it.off
		it.off += n
		switch rec.op {
		case rosbag.OpConnection:
			c, err := parseROS1Connection(rec)
			if err != nil {
				return nil, it.fail(off, err)
			}
			it.conns[c.id] = c
		case rosbag.OpMessageData:
			m, err := parseROS1Message(rec)
			if err != nil {
				return nil, it.fail(off, err)
			}
			if err := it.resolve(off, []ros1Message{m}); err != nil {
				return nil, err
			}
		case rosbag.OpChunk:
			it.comps[string(rec.fields["compression"])] = true
			conns, ms, err := chunkRecords(rec)
			if err != nil {
				return nil, it.fail(off, err)
			}
			for _, c := range conns {
				it.conns[c.id] = c
			}
			if err := it.resolve(off, ms); err != nil {
				return nil, err
			}
		}
	}
}
