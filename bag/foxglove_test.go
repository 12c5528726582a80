package bag

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/ssmde/ssmde/msgs"
)

// rosFieldNames are the ROS 2 field names that the snake_case of the Go name does not give.
var rosFieldNames = map[string]string{"IsBigEndian": "is_bigendian", "ROI": "roi", "D": "d", "K": "k", "R": "r", "P": "p",
	"XOffset": "x_offset", "YOffset": "y_offset"}

func snake(s string) string {
	if n, ok := rosFieldNames[s]; ok {
		return n
	}
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			// A new word starts at an upper-case letter after a lower-case one (FrameID → frame_id).
			if i > 0 && unicode.IsLower(rs[i-1]) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// rosValue is the JSON shape of a ROS 2 message as read_mcap.js prints it: field names as in
// the .msg files, byte arrays as base64, no Header.seq (ROS 2 has none).
func rosValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer:
		return rosValue(v.Elem())
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if v.Type() == reflect.TypeOf(msgs.Header{}) && f.Name == "Seq" {
				continue
			}
			out[snake(f.Name)] = rosValue(v.Field(i))
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return base64.StdEncoding.EncodeToString(b)
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = rosValue(v.Index(i))
		}
		return out
	}
	return v.Interface()
}

// viaJSON normalises a value the way decoding JSON does (numbers become float64).
func viaJSON(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Our MCAP files are read, and their messages decoded to the same values, by Foxglove's own
// TypeScript stack (testdata/foxglove/read_mcap.js).
func TestFoxgloveReadsOurMCAP(t *testing.T) {
	if _, err := os.Stat("testdata/foxglove/node_modules/@mcap/core"); err != nil {
		t.Fatal("testdata/foxglove/node_modules is missing: run make setup (npm ci in bag/testdata/foxglove)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: run make setup (Debian packages nodejs npm)")
	}
	want := sampleDrive(8)
	for _, comp := range []string{"zstd", "lz4"} {
		t.Run(comp, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "drive.mcap")
			w, err := CreateMCAP(path, MCAPWriterOptions{Compression: comp, ChunkSize: 2048})
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, want)
			cmd := exec.Command(node, "read_mcap.js", path)
			cmd.Dir = "testdata/foxglove"
			out, err := cmd.Output()
			if err != nil {
				msg := err.Error()
				if ee, ok := err.(*exec.ExitError); ok {
					msg = string(ee.Stderr)
				}
				t.Fatalf("read_mcap.js: %s", msg)
			}
			var got struct {
				Profile      string
				MessageCount string
				Chunks       int
				Compression  []string
				Messages     []struct {
					Topic, Type, LogTime string
					Sequence             int
					Message              any
				}
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if got.Profile != "ros2" || got.MessageCount != strconv.Itoa(len(want)) || got.Chunks < 2 ||
				!reflect.DeepEqual(got.Compression, []string{comp}) {
				t.Errorf("summary as Foxglove reads it: %s %s messages, %d chunks, %v", got.Profile, got.MessageCount, got.Chunks, got.Compression)
			}
			if len(got.Messages) != len(want) {
				t.Fatalf("Foxglove read %d messages, want %d", len(got.Messages), len(want))
			}
			for i, m := range got.Messages {
				w := want[i]
				if m.Topic != w.topic || m.Type != w.msg.TypeName() || m.LogTime != strconv.FormatInt(w.logTime, 10) || m.Sequence != i/5+1 {
					t.Fatalf("message %d: %s %s at %s seq %d, want %s %s at %d", i, m.Topic, m.Type, m.LogTime, m.Sequence, w.topic, w.msg.TypeName(), w.logTime)
				}
				if exp := viaJSON(t, rosValue(reflect.ValueOf(w.msg))); !reflect.DeepEqual(m.Message, exp) {
					a, _ := json.Marshal(m.Message)
					b, _ := json.Marshal(exp)
					t.Fatalf("message %d (%s): Foxglove decoded\n%s\nwant\n%s", i, m.Topic, a, b)
				}
			}
		})
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"FrameID": "frame_id", "XOffset": "x_offset", "ChildFrameID": "child_frame_id",
		"PointStep": "point_step", "DistortionModel": "distortion_model", "BinningX": "binning_x", "Nanosec": "nanosec", "IsDense": "is_dense"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%s) = %s, want %s", in, got, want)
		}
	}
}
