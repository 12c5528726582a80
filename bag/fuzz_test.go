package bag

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
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

// FuzzRosbag2: a .db3 file's bytes (read by the sqlite driver, then each message's CDR) and,
// when meta is not empty, a metadata.yaml naming it, opened as a rosbag2 folder.
func FuzzRosbag2(f *testing.F) {
	dir := f.TempDir()
	db := filepath.Join(dir, "seed_0.db3")
	drive := sampleDrive(2)
	writeDB3(f, db, drive)
	writeRosbag2Metadata(f, dir, StorageSQLite3, []string{"seed_0.db3"}, [][]stamped{drive})
	dbBytes, err := os.ReadFile(db)
	if err != nil {
		f.Fatal(err)
	}
	meta, err := os.ReadFile(filepath.Join(dir, "metadata.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(dbBytes, meta)
	f.Add(dbBytes, []byte{})
	f.Add(dbBytes[:len(dbBytes)/2], meta)
	f.Fuzz(func(t *testing.T, data, meta []byte) {
		fuzzLimits(t)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "seed_0.db3"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(meta) == 0 {
			drain(OpenRosbag2(filepath.Join(dir, "seed_0.db3")))
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "metadata.yaml"), meta, 0o644); err != nil {
			t.Fatal(err)
		}
		drain(OpenRosbag2(dir))
	})
}
