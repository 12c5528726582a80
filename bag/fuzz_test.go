package bag

import (
	"bytes"
	"io"
	"testing"
)

// fuzzLimits keeps a corrupt length from costing the fuzzer a gigabyte per input.
func fuzzLimits(t testing.TB) {
	r, c := maxRecordSize, maxChunkSize
	maxRecordSize, maxChunkSize = 1<<20, 1<<20
	t.Cleanup(func() { maxRecordSize, maxChunkSize = r, c })
}

// drain reads Info and every message (decoding each) and must never panic.
func drain(r Reader, err error) {
	if err != nil {
		return
	}
	defer r.Close()
	_, _ = r.Info()
	it, err := r.Messages(ReadOptions{})
	if err != nil {
		return
	}
	for n := 0; n < 10000; n++ {
		m, err := it.Next()
		if err != nil {
			return
		}
		_, _ = m.Decode()
	}
}

func seedMCAP(f *testing.F) {
	for _, comp := range []string{"zstd", "lz4", "none"} {
		var buf bytes.Buffer
		w, err := NewMCAPWriter(&buf, MCAPWriterOptions{Compression: comp, ChunkSize: 512})
		if err != nil {
			f.Fatal(err)
		}
		writeAll(f, w, sampleDrive(2))
		f.Add(buf.Bytes())
		f.Add(buf.Bytes()[:buf.Len()/2])
	}
}

func FuzzMCAPReader(f *testing.F) {
	seedMCAP(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLimits(t)
		drain(NewMCAPReader(bytes.NewReader(data), "fuzz.mcap"))
		drain(NewMCAPReader(io.MultiReader(bytes.NewReader(data)), "fuzz-stream.mcap"))
	})
}

func FuzzROS1Reader(f *testing.F) {
	for _, comp := range []string{"lz4", "none"} {
		var buf seekBuffer
		w, err := NewROS1Writer(&buf, ROS1WriterOptions{Compression: comp, ChunkSize: 512})
		if err != nil {
			f.Fatal(err)
		}
		writeAll(f, w, sampleDrive(2))
		f.Add(buf.b)
		f.Add(buf.b[:len(buf.b)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLimits(t)
		drain(NewROS1Reader(bytes.NewReader(data), "fuzz.bag"))
		drain(NewROS1Reader(io.MultiReader(bytes.NewReader(data)), "fuzz-stream.bag"))
	})
}

// seekBuffer is an in-memory io.WriteSeeker, so the ROS 1 writer fills in the index position.
type seekBuffer struct {
	b   []byte
	pos int
}

func (s *seekBuffer) Write(p []byte) (int, error) {
	if end := s.pos + len(p); end > len(s.b) {
		s.b = append(s.b, make([]byte, end-len(s.b))...)
	}
	copy(s.b[s.pos:], p)
	s.pos += len(p)
	return len(p), nil
}

func (s *seekBuffer) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		s.pos = int(off)
	case io.SeekCurrent:
		s.pos += int(off)
	case io.SeekEnd:
		s.pos = len(s.b) + int(off)
	}
	return int64(s.pos), nil
}
