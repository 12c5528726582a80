package msgs

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// The two wire formats differ in few places, so one writer and one reader serve both, and each
// message type describes its fields once (codec_*.go):
//
//	                 ROS 2 CDR (XCDR1)                      ROS 1
//	byte order       little on write; either on read       little
//	alignment        natural size, max 8, from byte 4       none
//	string           uint32 length incl. NUL, bytes, NUL    uint32 length, bytes
//	Header           stamp, frame_id                        seq, stamp, frame_id
//	time             int32 sec, uint32 nanosec              uint32 secs, uint32 nsecs (same bits)
//
// Sequences are a uint32 count then the elements, fixed arrays the elements alone, in both.

// writer appends one message to buf.
type writer struct {
	buf    []byte
	origin int // CDR alignment is measured from here: just after the encapsulation header
	ros1   bool
}

func (w *writer) align(n int) {
	if w.ros1 {
		return
	}
	for (len(w.buf)-w.origin)&(n-1) != 0 {
		w.buf = append(w.buf, 0)
	}
}

func (w *writer) u8(v uint8) { w.buf = append(w.buf, v) }

func (w *writer) boolean(v bool) {
	if v {
		w.buf = append(w.buf, 1)
	} else {
		w.buf = append(w.buf, 0)
	}
}

func (w *writer) u32(v uint32) {
	w.align(4)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, v)
}

func (w *writer) i32(v int32)   { w.u32(uint32(v)) }
func (w *writer) f32(v float32) { w.u32(math.Float32bits(v)) }

func (w *writer) f64(v float64) {
	w.align(8)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(v))
}

// f64s writes a fixed array (elements only).
func (w *writer) f64s(v []float64) {
	if len(v) == 0 {
		return
	}
	w.align(8)
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, math.Float64bits(x))
	}
}

// f64seq writes a sequence: count, then (only if there are elements) alignment and elements, as
// Cyclone DDS does.
func (w *writer) f64seq(v []float64) {
	w.count(len(v))
	w.f64s(v)
}

func (w *writer) count(n int) { w.u32(uint32(n)) }

func (w *writer) str(s string) {
	if w.ros1 {
		w.u32(uint32(len(s)))
		w.buf = append(w.buf, s...)
		return
	}
	w.u32(uint32(len(s) + 1))
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, 0)
}

// bytes writes a uint8 sequence.
func (w *writer) bytes(b []byte) {
	w.count(len(b))
	w.buf = append(w.buf, b...)
}

func (w *writer) time(t Time) {
	w.i32(t.Sec)
	w.u32(t.Nanosec)
}

func (w *writer) header(h *Header) {
	if w.ros1 {
		w.u32(h.Seq)
	}
	w.time(h.Stamp)
	w.str(h.FrameID)
}

// reader decodes one message from data. The first error sticks: later reads return zero values,
// so a decode function reads straight through and the caller checks err once.
type reader struct {
	data   []byte
	pos    int
	origin int
	big    bool // CDR_BE payload
	ros1   bool
	typ    string // ROS 2 type name, for errors (which print it as "sensor_msgs/Image")
	err    error

	// path of nested fields, kept only so that an error can name where it happened
	path  [8]pathElem
	depth int
}

type pathElem struct {
	name  string
	index int // element of a sequence, or -1
}

func (r *reader) enter(name string, index int) {
	if r.depth < len(r.path) {
		r.path[r.depth] = pathElem{name, index}
	}
	r.depth++
}

func (r *reader) leave() { r.depth-- }

func (r *reader) fail(field string, err error, detail string) {
	if r.err != nil {
		return
	}
	var b strings.Builder
	b.WriteString(strings.Replace(r.typ, "/msg/", "/", 1))
	for i := 0; i < r.depth && i < len(r.path); i++ {
		b.WriteByte('.')
		b.WriteString(r.path[i].name)
		if r.path[i].index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(r.path[i].index))
			b.WriteByte(']')
		}
	}
	b.WriteByte('.')
	b.WriteString(field)
	format := "cdr"
	if r.ros1 {
		format = "ros1"
	}
	r.err = &DecodeError{Format: format, Field: b.String(), Detail: detail, Err: err}
}

func (r *reader) remaining() int { return len(r.data) - r.pos }

// need reports whether n more bytes are there, failing with ErrTruncated if not.
func (r *reader) need(field string, n int) bool {
	if r.err != nil {
		return false
	}
	if n > r.remaining() {
		r.fail(field, ErrTruncated, "need "+strconv.Itoa(n)+" bytes, "+strconv.Itoa(r.remaining())+" remain")
		return false
	}
	return true
}

func (r *reader) align(field string, n int) bool {
	if r.ros1 || r.err != nil {
		return r.err == nil
	}
	pad := (n - (r.pos-r.origin)&(n-1)) & (n - 1)
	if !r.need(field, pad) {
		return false
	}
	r.pos += pad
	return true
}

func (r *reader) u8(field string) uint8 {
	if !r.need(field, 1) {
		return 0
	}
	v := r.data[r.pos]
	r.pos++
	return v
}

func (r *reader) boolean(field string) bool { return r.u8(field) != 0 }

func (r *reader) u32(field string) uint32 {
	if !r.align(field, 4) || !r.need(field, 4) {
		return 0
	}
	b := r.data[r.pos : r.pos+4]
	r.pos += 4
	if r.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (r *reader) i32(field string) int32   { return int32(r.u32(field)) }
func (r *reader) f32(field string) float32 { return math.Float32frombits(r.u32(field)) }

func (r *reader) u64at(p int) uint64 {
	if r.big {
		return binary.BigEndian.Uint64(r.data[p:])
	}
	return binary.LittleEndian.Uint64(r.data[p:])
}

func (r *reader) f64(field string) float64 {
	if !r.align(field, 8) || !r.need(field, 8) {
		return 0
	}
	v := math.Float64frombits(r.u64at(r.pos))
	r.pos += 8
	return v
}

// f64s fills a fixed array.
func (r *reader) f64s(field string, dst []float64) {
	if len(dst) == 0 || !r.align(field, 8) || !r.need(field, 8*len(dst)) {
		clear(dst)
		return
	}
	for i := range dst {
		dst[i] = math.Float64frombits(r.u64at(r.pos))
		r.pos += 8
	}
}

// f64seq reads a float64 sequence into dst's storage when it is large enough.
func (r *reader) f64seq(field string, dst []float64) []float64 {
	dst = resize(dst, r.count(field, 8)) // count bounds the allocation by the input's size
	r.f64s(field, dst)
	if r.err != nil {
		return dst[:0]
	}
	return dst
}

// count reads a sequence length and checks, before anyone allocates for it, that n elements of at
// least minSize bytes each fit in what remains of the input.
func (r *reader) count(field string, minSize int) int {
	n := r.u32(field)
	if r.err != nil {
		return 0
	}
	if minSize < 1 {
		minSize = 1
	}
	if uint64(n)*uint64(minSize) > uint64(r.remaining()) {
		each := ""
		if minSize > 1 {
			each = " (of at least " + strconv.Itoa(minSize) + " bytes each)"
		}
		r.fail(field, ErrLength, "length "+strconv.FormatUint(uint64(n), 10)+each+" exceeds remaining "+
			strconv.Itoa(r.remaining())+" bytes")
		return 0
	}
	return int(n)
}

// bytes reads a uint8 sequence as a sub-slice of the input (capacity clipped, so that appending
// to it cannot overwrite the input).
func (r *reader) bytes(field string) []byte {
	n := r.count(field, 1)
	if r.err != nil {
		return nil
	}
	b := r.data[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return b
}

// str reads a string. CDR's length counts a terminating NUL, which is dropped; a length of zero
// (sent by some writers for "") is accepted.
func (r *reader) str(field string) string {
	n := r.count(field, 1)
	if r.err != nil || n == 0 {
		return ""
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	if !r.ros1 && b[n-1] == 0 {
		b = b[:n-1]
	}
	return string(b)
}

func (r *reader) time(field string) Time {
	r.enter(field, -1)
	t := Time{Sec: r.i32("sec"), Nanosec: r.u32("nanosec")}
	r.leave()
	return t
}

func (r *reader) header(field string, h *Header) {
	r.enter(field, -1)
	h.decode(r)
	r.leave()
}

func itoa(n int) string { return strconv.Itoa(n) }

// resize returns s with length n, reusing its storage when it is large enough.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

func (w *writer) u64(v uint64) {
	w.align(8)
	w.buf = binary.LittleEndian.AppendUint64(w.buf, v)
}

func (w *writer) i64(v int64) { w.u64(uint64(v)) }

// bools writes a bool sequence.
func (w *writer) bools(v []bool) {
	w.count(len(v))
	for _, b := range v {
		w.boolean(b)
	}
}

// i64seq writes an int64 sequence: count, then (only if there are elements) alignment and elements.
func (w *writer) i64seq(v []int64) {
	w.count(len(v))
	if len(v) == 0 {
		return
	}
	w.align(8)
	for _, x := range v {
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(x))
	}
}

// strs writes a string sequence.
func (w *writer) strs(v []string) {
	w.count(len(v))
	for _, s := range v {
		w.str(s)
	}
}

func (r *reader) u64(field string) uint64 {
	if !r.align(field, 8) || !r.need(field, 8) {
		return 0
	}
	v := r.u64at(r.pos)
	r.pos += 8
	return v
}

func (r *reader) i64(field string) int64 { return int64(r.u64(field)) }

// bools reads a bool sequence into dst's storage when it is large enough.
func (r *reader) bools(field string, dst []bool) []bool {
	dst = resize(dst, r.count(field, 1))
	for i := range dst {
		dst[i] = r.boolean(field)
	}
	if r.err != nil {
		return dst[:0]
	}
	return dst
}

// i64seq reads an int64 sequence into dst's storage when it is large enough.
func (r *reader) i64seq(field string, dst []int64) []int64 {
	dst = resize(dst, r.count(field, 8))
	if len(dst) > 0 && r.align(field, 8) && r.need(field, 8*len(dst)) {
		for i := range dst {
			dst[i] = int64(r.u64at(r.pos))
			r.pos += 8
		}
	}
	if r.err != nil {
		return dst[:0]
	}
	return dst
}

// strs reads a string sequence into dst's storage when it is large enough.
func (r *reader) strs(field string, dst []string) []string {
	dst = resize(dst, r.count(field, 4))
	for i := range dst {
		dst[i] = r.str(field)
	}
	if r.err != nil {
		return dst[:0]
	}
	return dst
}

// bounded reads the count of a sequence declared T[<=max] (minSize bytes per element at least),
// failing when the input announces more than max.
func (r *reader) bounded(field string, minSize, max int) int {
	n := r.count(field, minSize)
	if n > max && r.err == nil {
		r.fail(field, ErrLength, "length "+strconv.Itoa(n)+" exceeds the bound "+strconv.Itoa(max))
		return 0
	}
	return n
}
