package bag

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

func TestMCAPRoundTrip(t *testing.T) {
	want := sampleDrive(20)
	for _, comp := range []string{"zstd", "lz4", "none"} {
		t.Run(comp, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "drive.mcap")
			w, err := CreateMCAP(path, MCAPWriterOptions{Compression: comp, ChunkSize: 4096})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, want)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			got, err := readDecoded(t, r, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sameMessages(t, got, want)

			info, err := r.Info()
			if err != nil {
				t.Fatal(err)
			}
			if info.MessageCount != 100 || len(info.Topics) != 5 || info.Start != want[0].logTime ||
				info.End != want[len(want)-1].logTime || info.Storage != StorageMCAP {
				t.Errorf("info = %+v", info)
			}
			wantComp := comp
			if comp == "none" {
				wantComp = "none"
			}
			if info.Compression != wantComp {
				t.Errorf("compression %q, want %q", info.Compression, wantComp)
			}
			for _, tp := range info.Topics {
				if tp.Count != 20 || tp.Encoding != "cdr" {
					t.Errorf("topic %+v", tp)
				}
			}
		})
	}
}

// Messages written out of order come back in log-time order, across chunks; the topic filter
// selects.
func TestMCAPLogTimeOrderAndTopics(t *testing.T) {
	drive := sampleDrive(30)
	// Write the frames backwards: every chunk overlaps every other in time.
	var shuffled []stamped
	for i := len(drive) - 1; i >= 0; i-- {
		shuffled = append(shuffled, drive[i])
	}
	var buf bytes.Buffer
	w, err := NewMCAPWriter(&buf, MCAPWriterOptions{ChunkSize: 2048})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, shuffled)
	r, err := NewMCAPReader(bytes.NewReader(buf.Bytes()), "mem.mcap")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readDecoded(t, r, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, drive)

	got, err = readDecoded(t, r, ReadOptions{Topics: []string{"/tf", "/ssmde/odom"}})
	if err != nil {
		t.Fatal(err)
	}
	var want []stamped
	for _, m := range drive {
		if m.topic == "/tf" || m.topic == "/ssmde/odom" {
			want = append(want, m)
		}
	}
	sameMessages(t, got, want)
}

// A stream (no Seek) is read linearly.
func TestMCAPStream(t *testing.T) {
	want := sampleDrive(5)
	var buf bytes.Buffer
	w, err := NewMCAPWriter(&buf, MCAPWriterOptions{Compression: "lz4"})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, want)
	r, err := NewMCAPReader(io.MultiReader(&buf), "stream")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readDecoded(t, r, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameMessages(t, got, want)
}

// A truncated MCAP delivers the messages before the cut, then a *FileError with the offset.
func TestMCAPTruncated(t *testing.T) {
	want := sampleDrive(40)
	var buf bytes.Buffer
	w, err := NewMCAPWriter(&buf, MCAPWriterOptions{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, want)
	cut := buf.Len() * 6 / 10
	path := filepath.Join(t.TempDir(), "cut.mcap")
	if err := os.WriteFile(path, buf.Bytes()[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := readDecoded(t, r, ReadOptions{})
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, ErrTruncated) {
		t.Fatalf("error %v, want a *FileError wrapping ErrTruncated", err)
	}
	if fe.Path != path || fe.Offset <= 0 || fe.Offset > int64(cut) || fe.Delivered != len(got) {
		t.Errorf("error %+v (cut at %d, %d delivered)", fe, cut, len(got))
	}
	if len(got) < len(want)/3 {
		t.Fatalf("only %d of %d messages before the cut", len(got), len(want))
	}
	sameMessages(t, got, want[:len(got)])
	t.Logf("%d messages, then: %v", len(got), err)

	info, err := r.Info()
	if err == nil || info.MessageCount != uint64(len(got)) {
		t.Errorf("info of a truncated file: %d messages, %v", info.MessageCount, err)
	}
}

func TestDecodeUnknownType(t *testing.T) {
	m := &Message{Topic: "/x", Type: "foo_msgs/msg/Bar", Encoding: EncodingCDR, Data: []byte{0, 1, 0, 0}}
	_, err := m.Decode()
	if !errors.Is(err, ErrUnknownType) || !bytes.Contains([]byte(err.Error()), []byte("foo_msgs/msg/Bar")) {
		t.Fatalf("error %v", err)
	}
	m = &Message{Topic: "/x", Type: "sensor_msgs/msg/Image", Encoding: "json"}
	if _, err := m.Decode(); !errors.Is(err, ErrEncoding) {
		t.Fatalf("error %v", err)
	}
	m = &Message{Topic: "/x", Type: "sensor_msgs/msg/Image", Encoding: EncodingCDR, Data: []byte{0, 1, 0, 0, 1}}
	if _, err := m.Decode(); err == nil {
		t.Fatal("short image decoded")
	}
}

func TestMCAPWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	if _, err := NewMCAPWriter(&buf, MCAPWriterOptions{Compression: "gzip"}); err == nil {
		t.Error("gzip accepted")
	}
	w, err := NewMCAPWriter(&buf, MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write("/a", sampleImage(0), t0); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("/a", sampleTF(0), t0); err == nil {
		t.Error("second type on a topic accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("/a", &msgs.Image{}, t0); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

// The mcap library (v1.7.4) panics on a chunk whose compression name is longer than 24 bytes; the
// reader turns that into an error naming the file.
func TestMCAPLibraryPanicIsAnError(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewMCAPWriter(&buf, MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, sampleDrive(2))
	b := buf.Bytes()
	hdrLen := int(b[9]) | int(b[10])<<8 // the header record is short
	chunk := 8 + 1 + 8 + hdrLen
	if b[chunk] != 0x06 {
		t.Fatalf("no chunk record at %d", chunk)
	}
	b[chunk+1+8+8+8+8+4] = 100 // compression name length
	for _, in := range []io.Reader{bytes.NewReader(b), io.MultiReader(bytes.NewReader(b))} {
		r, err := NewMCAPReader(in, "bad.mcap")
		if err != nil {
			t.Fatal(err)
		}
		_, err = ReadAll(r, ReadOptions{})
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTruncated) {
			t.Errorf("error %v", err)
		}
		t.Log(err)
	}
}

// TestCreatedBagIsPartialUntilClosed: a bag being written lives at PATH.partial; a writer that is
// never closed (a killed process) leaves that file, readable up to its last finished chunk, and no
// file under the real name; Close gives it the real name.
func TestCreatedBagIsPartialUntilClosed(t *testing.T) {
	for _, ext := range []string{".mcap", ".bag"} {
		want := sampleDrive(40)
		path := filepath.Join(t.TempDir(), "drive"+ext)
		w, err := Create(path, WriterOptions{ChunkSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range want {
			if err := w.Write(m.topic, m.msg, m.logTime); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("%s exists before Close: %v", path, err)
		}
		// The "killed" writer's file, as it is on disk now.
		r, err := Open(path + ".partial")
		if err != nil {
			t.Fatalf("%s.partial: %v", path, err)
		}
		got, _ := readDecoded(t, r, ReadOptions{})
		r.Close()
		partial := len(got)
		if len(got) < len(want)/3 {
			t.Fatalf("%s: %d of %d messages readable before Close", ext, len(got), len(want))
		}
		sameMessages(t, got, want[:len(got)])
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
			t.Fatalf("%s.partial left after Close: %v", path, err)
		}
		r, err = Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err = readDecoded(t, r, ReadOptions{})
		r.Close()
		if err != nil || len(got) != len(want) {
			t.Fatalf("%s after Close: %d of %d messages, %v", ext, len(got), len(want), err)
		}
		t.Logf("%s: %d of %d messages readable from the partial file", ext, partial, len(want))
	}
}

// TestMCAPCorruptLengthsAllocateLittle: lengths the foxglove library would trust — a summary record
// claiming gigabytes, a chunk whose own uncompressed_size disagrees with its index — make the
// reader fall back to the linear scan (with this package's limits) instead of letting the library
// allocate up to 2 GiB per call (found by FuzzMCAPReader: seconds of memclr per 10 KB input). The
// header and footer records are lexed by the library too.
func TestMCAPCorruptLengthsAllocateLittle(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewMCAPWriter(&buf, MCAPWriterOptions{Compression: "lz4", ChunkSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, sampleDrive(2))
	good := buf.Bytes()
	r, err := NewMCAPReader(bytes.NewReader(good), "good.mcap")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := r.(*mcapReader).summary()
	if err != nil || sum == nil || len(sum.ChunkIndexes) == 0 {
		t.Fatalf("the writer's own file: summary %v, %v", sum, err)
	}
	chunkAt := sum.ChunkIndexes[0].ChunkStartOffset
	summaryStart := binary.LittleEndian.Uint64(good[len(good)-37+9:])
	r.Close()
	for _, tc := range []struct {
		name  string
		patch func(b []byte)
	}{
		{"summary record of 1.9 GiB", func(b []byte) { binary.LittleEndian.PutUint64(b[summaryStart+1:], 0x7FFF0000) }},
		{"header record of 1.9 GiB", func(b []byte) { binary.LittleEndian.PutUint64(b[9:], 0x7FFF0000) }},
		{"footer record of 1.9 GiB", func(b []byte) { binary.LittleEndian.PutUint64(b[len(b)-37+1:], 0x7FFF0000) }},
		{"summary record with a chunk's opcode", func(b []byte) { b[summaryStart] = 0x06 }},
		{"chunk uncompressed_size 1.9 GiB", func(b []byte) { binary.LittleEndian.PutUint64(b[chunkAt+25:], 0x7FFF0000) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := append([]byte(nil), good...)
			tc.patch(b)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < 3; i++ {
				drain(NewMCAPReader(bytes.NewReader(b), "bad.mcap"))
			}
			runtime.ReadMemStats(&after)
			// The bug allocated 2 GiB per read; a sound read allocates a few MB (more under the race
			// detector, whose sync.Pool drops the lz4 reader's 4 MB blocks at random).
			if got := after.TotalAlloc - before.TotalAlloc; got > 512<<20 {
				t.Errorf("reading a %d-byte file 3 times allocated %d MB", len(b), got>>20)
			}
			r, err := NewMCAPReader(bytes.NewReader(b), "bad.mcap")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if sum, err := r.(*mcapReader).summary(); err != nil || sum != nil {
				t.Errorf("summary %v, %v: want none (the linear scan)", sum, err)
			}
		})
	}
}
