package bag

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

const setupHint = "run make setup (Debian packages python3-rosbag python3-roslz4 python3-genpy python3-std-msgs " +
	"python3-sensor-msgs python3-geometry-msgs python3-nav-msgs python3-tf2-msgs)"

// python runs a script of testdata with Debian's /usr/bin/python3 and its ROS 1 packages.
func python(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", args...).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s: %s\n%s", args[0], msg, setupHint)
	}
	return out
}

// withSeq sets Header.Seq of every header in the frame messages to frame+1, as rosbag1_write.py.
func withSeq(ms []stamped) []stamped {
	for k := range ms {
		seq := uint32(k/5 + 1)
		switch m := ms[k].msg.(type) {
		case *msgs.Image:
			m.Header.Seq = seq
		case *msgs.CameraInfo:
			m.Header.Seq = seq
		case *msgs.PointCloud2:
			m.Header.Seq = seq
		case *msgs.Odometry:
			m.Header.Seq = seq
		case *msgs.TFMessage:
			for i := range m.Transforms {
				m.Transforms[i].Header.Seq = seq
			}
		}
	}
	return ms
}

// Bags that Debian's rosbag wrote, with uncompressed, bz2 and lz4 chunks, read to the same values,
// through the index and as a stream.
func TestROS1FromRosbag(t *testing.T) {
	dir := t.TempDir()
	const frames = 12
	python(t, "testdata/rosbag1_write.py", dir, strconv.Itoa(frames))
	want := withSeq(sampleDrive(frames))
	for _, comp := range []string{"none", "bz2", "lz4"} {
		t.Run(comp, func(t *testing.T) {
			path := filepath.Join(dir, comp+".bag")
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
			if info.MessageCount != 5*frames || info.Compression != comp || info.Storage != StorageROS1 ||
				info.Start != want[0].logTime || info.End != want[len(want)-1].logTime || len(info.Topics) != 5 {
				t.Errorf("info %+v", info)
			}
			for _, tp := range info.Topics {
				if tp.Count != frames || tp.Encoding != EncodingROS1 || !strings.Contains(tp.Type, "/") || strings.Contains(tp.Type, "/msg/") {
					t.Errorf("topic %+v", tp)
				}
			}

			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, err := NewROS1Reader(io.MultiReader(f), path)
			if err != nil {
				t.Fatal(err)
			}
			// rosbag sorts nothing inside a chunk; the stream reader sorts each chunk, and these
			// chunks do not overlap in time.
			got, err = readDecoded(t, s, ReadOptions{Topics: []string{"/camera/image_raw"}})
			if err != nil {
				t.Fatal(err)
			}
			var images []stamped
			for _, m := range want {
				if m.topic == "/camera/image_raw" {
					images = append(images, m)
				}
			}
			sameMessages(t, got, images)
		})
	}
}

// A truncated ROS 1 bag (no index) delivers the messages before the cut, then a *FileError.
func TestROS1Truncated(t *testing.T) {
	dir := t.TempDir()
	// Written in log-time order as a recorder writes: a bag without its index is read in file
	// order (each chunk sorted), which is then log-time order.
	python(t, "testdata/rosbag1_write.py", dir, "20", "forward")
	want := withSeq(sampleDrive(20))
	for _, comp := range []string{"none", "lz4"} {
		data, err := os.ReadFile(filepath.Join(dir, comp+".bag"))
		if err != nil {
			t.Fatal(err)
		}
		cut := len(data) * 6 / 10
		path := filepath.Join(dir, "cut-"+comp+".bag")
		if err := os.WriteFile(path, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readDecoded(t, r, ReadOptions{})
		r.Close()
		var fe *FileError
		if !errors.As(err, &fe) || !errors.Is(err, ErrTruncated) || fe.Offset <= 0 || fe.Offset > int64(cut) {
			t.Fatalf("%s: error %v, want a *FileError wrapping ErrTruncated", comp, err)
		}
		if len(got) < len(want)/3 {
			t.Fatalf("%s: only %d of %d messages before the cut", comp, len(got), len(want))
		}
		sameMessages(t, got, want[:len(got)])
		t.Logf("%s: %d messages, then: %v", comp, len(got), err)
	}
}

// Our ROS 1 writer's bags read back to the same values, and Debian's rosbag reads them: same
// topics, types, MD5 sums, times and bytes.
func TestROS1Writer(t *testing.T) {
	want := withSeq(sampleDrive(10))
	for _, comp := range []string{"lz4", "none"} {
		t.Run(comp, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ours.bag")
			w, err := CreateROS1(path, ROS1WriterOptions{Compression: comp, ChunkSize: 3000})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, want)
			r, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := readDecoded(t, r, ReadOptions{})
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			sameMessages(t, got, want)

			lines := strings.Split(strings.TrimSpace(string(python(t, "testdata/rosbag1_read.py", path))), "\n")
			if len(lines) != len(want) {
				t.Fatalf("rosbag read %d messages, want %d", len(lines), len(want))
			}
			for i, line := range lines {
				f := strings.Fields(line)
				typ := msgs.TypeOf(want[i].msg)
				b, _ := hex.DecodeString(f[4])
				if f[0] != want[i].topic || f[1] != typ.ROS1Name || f[2] != typ.ROS1MD5 ||
					f[3] != fmt.Sprint(want[i].logTime) || !bytes.Equal(b, want[i].msg.MarshalROS1(nil)) {
					t.Fatalf("rosbag read message %d as %.120s", i, line)
				}
			}
		})
	}
}
