package bag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/foxglove/mcap/go/mcap"
)

// Limits on what one record or chunk of an outside file may claim, so that a corrupt length
// field costs an error rather than the machine's memory. Variables so that fuzz tests can lower
// them.
var (
	maxRecordSize = 1 << 30 // bytes of one record (an image message, a chunk)
	maxChunkSize  = 1 << 30 // bytes of one decompressed chunk
)

// mcapReader reads an MCAP file: by its summary and chunk indexes (log-time order, topic filter
// without decompressing other chunks) when the input can seek and the summary is sound, else by
// a linear scan in file order that stops with a *FileError at the first damage.
type mcapReader struct {
	path   string
	r      io.Reader
	rs     io.ReadSeeker // nil for a stream
	size   int64         // -1 for a stream
	closer io.Closer
	used   bool // a stream can be read once
	lib    *mcap.Reader
}

// OpenMCAP opens an MCAP file.
func OpenMCAP(path string) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewMCAPReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.(*mcapReader).closer = f
	return r, nil
}

// NewMCAPReader reads MCAP from r; name is what errors call it. An io.ReadSeeker is read through
// its index; any other io.Reader is a stream, read once, in file order.
func NewMCAPReader(r io.Reader, name string) (Reader, error) {
	m := &mcapReader{path: name, r: r, size: -1}
	rs, size, err := seekable(r, name)
	if err != nil {
		return nil, err
	}
	m.rs, m.size = rs, size
	return m, nil
}

func (m *mcapReader) Close() error {
	if m.lib != nil {
		m.lib.Close()
		m.lib = nil
	}
	if m.closer != nil {
		err := m.closer.Close()
		m.closer = nil
		return err
	}
	return nil
}

// guard turns a panic inside the mcap library into an error: its lexer indexes a fixed 32-byte
// buffer with a compression-name length read from the file (v1.7.4, loadChunk), so a damaged
// chunk header would otherwise crash the caller.
func guard(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w: mcap library: %v", ErrMalformed, p)
	}
}

// summary opens the file with the library and returns its summary when it is present and
// consistent with the file size; nil (and no error) means "scan linearly".
func (m *mcapReader) summary() (info *mcap.Info, err error) {
	defer guard(&err)
	if m.rs == nil {
		return nil, nil
	}
	if _, err := m.rs.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if m.lib != nil {
		m.lib.Close()
	}
	m.lib = nil
	// The library reads the summary with no limit on a record's length: a corrupt one makes it
	// allocate (and clear) up to 2 GiB before failing. Walk the record headers first.
	if ok, err := summaryRecordsFit(m.rs, m.size); err != nil || !ok {
		return nil, err
	}
	if _, err := m.rs.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	lib, err := mcap.NewReader(m.rs)
	if err != nil {
		return nil, err
	}
	m.lib = lib
	info, err = lib.Info()
	if err != nil || info.Statistics == nil {
		return nil, nil // no footer or summary: a truncated file, or one written without
	}
	size := uint64(m.size)
	for _, ci := range info.ChunkIndexes {
		end := ci.ChunkStartOffset + ci.ChunkLength
		if end < ci.ChunkStartOffset || end > size || ci.UncompressedSize > uint64(maxChunkSize) ||
			ci.CompressedSize > ci.ChunkLength {
			return nil, nil
		}
		for _, off := range ci.MessageIndexOffsets {
			if off >= size {
				return nil, nil
			}
		}
		// The library sizes its buffer by the chunk record's own uncompressed_size, not the
		// index's: they must agree (opcode, record length, start and end time, then that size).
		var hdr [33]byte
		if _, err := m.rs.Seek(int64(ci.ChunkStartOffset), io.SeekStart); err != nil {
			return nil, err
		}
		if _, err := io.ReadFull(m.rs, hdr[:]); err != nil || binary.LittleEndian.Uint64(hdr[25:33]) != ci.UncompressedSize {
			return nil, nil
		}
	}
	return info, nil
}

// summaryOpcodes are the records the MCAP spec allows in the summary and summary offset sections:
// Schema, Channel, Chunk Index, Attachment Index, Statistics, Metadata Index, Summary Offset. Any
// other (a corrupt opcode byte) would have the library's lexer treat it as, say, a Chunk and size a
// decompression buffer from its contents.
var summaryOpcodes = map[byte]bool{0x03: true, 0x04: true, 0x08: true, 0x0A: true, 0x0B: true, 0x0D: true, 0x0E: true}

// summaryRecordsFit reports whether the Header record and every record of the summary section
// (from the footer's summary_start to the footer) declare lengths that fit in the file and in
// maxRecordSize.
// false (no error) means there is no usable summary: read linearly.
func summaryRecordsFit(rs io.ReadSeeker, size int64) (bool, error) {
	const footerLen = 9 + 20 + 8 // opcode and length, summary_start, summary_offset_start, crc; magic
	if size < footerLen+8 {
		return false, nil
	}
	var buf [28]byte
	// mcap.NewReader lexes the Header record after the magic, again without a limit.
	if _, err := rs.Seek(8, io.SeekStart); err != nil {
		return false, err
	}
	if _, err := io.ReadFull(rs, buf[:9]); err != nil {
		return false, nil
	}
	if n := binary.LittleEndian.Uint64(buf[1:9]); n > uint64(size-17) || n > uint64(maxRecordSize) {
		return false, nil
	}
	// The Footer record itself (opcode 0x02, length 20): the library's lexer reads up to it.
	if _, err := rs.Seek(size-footerLen, io.SeekStart); err != nil {
		return false, err
	}
	if _, err := io.ReadFull(rs, buf[:28]); err != nil {
		return false, nil
	}
	if buf[0] != 0x02 || binary.LittleEndian.Uint64(buf[1:9]) != 20 {
		return false, nil
	}
	start := int64(binary.LittleEndian.Uint64(buf[9:17]))
	end := size - footerLen // where the footer record starts
	if start == 0 || start < 8 || start > end {
		return start == 0, nil // 0: no summary (the library handles that); else corrupt
	}
	for pos := start; pos < end; {
		if _, err := rs.Seek(pos, io.SeekStart); err != nil {
			return false, err
		}
		if _, err := io.ReadFull(rs, buf[:9]); err != nil {
			return false, nil
		}
		n := binary.LittleEndian.Uint64(buf[1:9])
		if n > uint64(end-pos-9) || n > uint64(maxRecordSize) || !summaryOpcodes[buf[0]] {
			return false, nil
		}
		pos += 9 + int64(n)
	}
	return true, nil
}

func (m *mcapReader) Info() (*Info, error) {
	out := &Info{Path: m.path, Files: []string{baseName(m.path)}, Size: max(m.size, 0), Storage: StorageMCAP}
	sum, err := m.summary()
	if err != nil {
		return out, &FileError{Path: m.path, Offset: 0, Err: err}
	}
	if sum == nil {
		return m.scanInfo(out)
	}
	c := newTopicCounter(out)
	ids := make([]uint16, 0, len(sum.Channels))
	for id := range sum.Channels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ch := sum.Channels[id]
		typ := ""
		if s := sum.Schemas[ch.SchemaID]; s != nil {
			typ = s.Name
		}
		c.declare(ch.Topic, typ, ch.MessageEncoding)
		c.topics[ch.Topic].Count += sum.Statistics.ChannelMessageCounts[id]
	}
	c.finish()
	st := sum.Statistics
	out.MessageCount = st.MessageCount
	if st.MessageCount > 0 {
		out.Start, out.End = int64(st.MessageStartTime), int64(st.MessageEndTime)
	}
	var comps []string
	for _, ci := range sum.ChunkIndexes {
		name := string(ci.Compression)
		if name == "" {
			name = "none"
		}
		if !slices.Contains(comps, name) {
			comps = append(comps, name)
		}
	}
	if len(comps) == 0 {
		comps = []string{"none"}
	}
	slices.Sort(comps)
	out.Compression = strings.Join(comps, ", ")
	return out, nil
}

// scanInfo counts messages by reading the whole file.
func (m *mcapReader) scanInfo(out *Info) (*Info, error) {
	it, err := m.linear(ReadOptions{})
	if err != nil {
		return out, err
	}
	c := newTopicCounter(out)
	for {
		msg, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			c.finish()
			return out, err
		}
		c.add(msg.Topic, msg.Type, msg.Encoding, 1, msg.LogTime, msg.LogTime)
	}
	for _, ch := range it.channels {
		typ := ""
		if s := it.schemas[ch.SchemaID]; s != nil {
			typ = s.Name
		}
		c.declare(ch.Topic, typ, ch.MessageEncoding)
	}
	c.finish()
	return out, nil
}

func (m *mcapReader) Messages(opts ReadOptions) (Iterator, error) {
	sum, err := m.summary()
	if err != nil {
		return nil, &FileError{Path: m.path, Offset: 0, Err: err}
	}
	if sum == nil {
		return m.linear(opts)
	}
	it, err := m.indexed(opts)
	if err != nil {
		return nil, &FileError{Path: m.path, Offset: -1, Err: err}
	}
	return it, nil
}

func (m *mcapReader) indexed(opts ReadOptions) (_ Iterator, err error) {
	defer guard(&err)
	ro := []mcap.ReadOpt{mcap.UsingIndex(true), mcap.InOrder(mcap.LogTimeOrder)}
	if len(opts.Topics) > 0 {
		ro = append(ro, mcap.WithTopics(opts.Topics))
	}
	lib, err := m.lib.Messages(ro...)
	if err != nil {
		return nil, err
	}
	return &mcapIndexed{path: m.path, it: lib}, nil
}

type mcapIndexed struct {
	path      string
	it        mcap.MessageIterator
	delivered int
	err       error
}

func (it *mcapIndexed) next() (schema *mcap.Schema, ch *mcap.Channel, msg *mcap.Message, err error) {
	defer guard(&err)
	return it.it.NextInto(nil)
}

func (it *mcapIndexed) Next() (*Message, error) {
	if it.err != nil {
		return nil, it.err
	}
	schema, ch, msg, err := it.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			it.err = io.EOF
		} else {
			it.err = &FileError{Path: it.path, Offset: -1, Delivered: it.delivered, Err: err}
		}
		return nil, it.err
	}
	it.delivered++
	return mcapMessage(schema, ch, msg), nil
}

func mcapMessage(schema *mcap.Schema, ch *mcap.Channel, msg *mcap.Message) *Message {
	typ := ""
	if schema != nil {
		typ = schema.Name
	}
	return &Message{Topic: ch.Topic, Type: typ, Encoding: ch.MessageEncoding, LogTime: int64(msg.LogTime), Data: msg.Data}
}

// countingReader counts the bytes read through it, for the offsets of errors. The count is atomic:
// the zstd decoder of an MCAP chunk reads ahead from its own goroutine while the iterator asks
// for the offset (found by the race detector).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// count is the number of bytes read so far.
func (c *countingReader) count() int64 { return c.n.Load() }

// linear starts a file-order scan with the library's lexer.
func (m *mcapReader) linear(opts ReadOptions) (*mcapLinear, error) {
	if m.rs != nil {
		if _, err := m.rs.Seek(0, io.SeekStart); err != nil {
			return nil, &FileError{Path: m.path, Offset: 0, Err: err}
		}
	} else if m.used {
		return nil, fmt.Errorf("%s: a stream can be read only once", m.path)
	}
	m.used = true
	limit := maxRecordSize
	if m.size >= 0 && m.size < int64(limit) {
		limit = int(m.size)
	}
	cr := &countingReader{r: m.r}
	lex, err := newLexer(cr, limit)
	if err != nil {
		return nil, &FileError{Path: m.path, Offset: 0, Err: fmt.Errorf("%w: not an MCAP file: %v", ErrFormat, err)}
	}
	return &mcapLinear{path: m.path, lex: lex, cr: cr, opts: opts,
		schemas: map[uint16]*mcap.Schema{}, channels: map[uint16]*mcap.Channel{}}, nil
}

func newLexer(r io.Reader, limit int) (_ *mcap.Lexer, err error) {
	defer guard(&err)
	return mcap.NewLexer(r, &mcap.LexerOptions{MaxRecordSize: limit, MaxDecompressedChunkSize: maxChunkSize})
}

type mcapLinear struct {
	path      string
	lex       *mcap.Lexer
	cr        *countingReader
	opts      ReadOptions
	schemas   map[uint16]*mcap.Schema
	channels  map[uint16]*mcap.Channel
	delivered int
	err       error
}

func (it *mcapLinear) lexNext() (tok mcap.TokenType, rec []byte, err error) {
	defer guard(&err)
	return it.lex.Next(nil)
}

func (it *mcapLinear) fail(off int64, err error) error {
	it.err = &FileError{Path: it.path, Offset: off, Delivered: it.delivered, Err: err}
	it.lex.Close()
	return it.err
}

func (it *mcapLinear) Next() (*Message, error) {
	if it.err != nil {
		return nil, it.err
	}
	for {
		off := it.cr.count()
		tok, rec, err := it.lexNext()
		if err != nil {
			var trunc *mcap.ErrTruncatedRecord
			switch {
			case errors.Is(err, io.EOF):
				return nil, it.fail(off, fmt.Errorf("%w: the file ends before its data-end record", ErrTruncated))
			case errors.As(err, &trunc), errors.Is(err, io.ErrUnexpectedEOF):
				return nil, it.fail(off, fmt.Errorf("%w: %v", ErrTruncated, err))
			}
			return nil, it.fail(off, err)
		}
		switch tok {
		case mcap.TokenSchema:
			s, err := mcap.ParseSchema(rec)
			if err != nil {
				return nil, it.fail(off, fmt.Errorf("%w: schema: %v", ErrMalformed, err))
			}
			it.schemas[s.ID] = s
		case mcap.TokenChannel:
			c, err := mcap.ParseChannel(rec)
			if err != nil {
				return nil, it.fail(off, fmt.Errorf("%w: channel: %v", ErrMalformed, err))
			}
			it.channels[c.ID] = c
		case mcap.TokenMessage:
			var msg mcap.Message
			if err := msg.PopulateFrom(rec, false); err != nil {
				return nil, it.fail(off, fmt.Errorf("%w: message: %v", ErrMalformed, err))
			}
			ch := it.channels[msg.ChannelID]
			if ch == nil {
				return nil, it.fail(off, fmt.Errorf("%w: message on channel %d before its channel record", ErrMalformed, msg.ChannelID))
			}
			if !it.opts.wants(ch.Topic) {
				continue
			}
			it.delivered++
			return mcapMessage(it.schemas[ch.SchemaID], ch, &msg), nil
		case mcap.TokenDataEnd, mcap.TokenFooter:
			it.err = io.EOF
			it.lex.Close()
			return nil, io.EOF
		}
	}
}
