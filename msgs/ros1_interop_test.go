package msgs

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// genpy runs testdata/genpy_ros1.py with Debian's /usr/bin/python3 and its ROS 1 message classes.
func genpy(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", append([]string{"testdata/genpy_ros1.py"}, args...)...).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("genpy_ros1.py: %s\nrun make setup (Debian packages python3-genpy python3-rosbag python3-std-msgs "+
			"python3-rosgraph-msgs python3-geometry-msgs python3-sensor-msgs python3-nav-msgs python3-tf2-msgs "+
			"python3-diagnostic-msgs python3-stereo-msgs)", msg)
	}
	return out
}

// TestROS1MatchesGenpy: our ROS 1 bytes are genpy's for the same values, and we read genpy's
// bytes back to the same values.
func TestROS1MatchesGenpy(t *testing.T) {
	want := map[string][]byte{}
	for _, line := range strings.Split(strings.TrimSpace(string(genpy(t))), "\n") {
		name, h, _ := strings.Cut(line, " ")
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		want[name] = b
	}
	for _, s := range sampleMessages() {
		t.Run(s.name, func(t *testing.T) {
			w, ok := want[s.name]
			if !ok {
				t.Fatalf("genpy_ros1.py does not write %s", s.name)
			}
			if ours := s.msg.MarshalROS1(nil); !bytes.Equal(ours, w) {
				t.Fatalf("ROS 1 bytes differ from genpy's at byte %d\nours:  %x\ngenpy: %x", firstDiff(ours, w), ours, w)
			}
			m := TypeOf(s.msg).New()
			if err := m.UnmarshalROS1(w); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, s.msg) {
				t.Errorf("genpy's bytes decode to\n%+v\nwant\n%+v", m, s.msg)
			}
		})
	}
}

// TestROS1DefinitionsMatchGenpy: for every type ROS 1 has, our MD5 sum is genpy's, and our full
// definition is genpy's once comments and blank lines are gone (we ship no comments).
func TestROS1DefinitionsMatchGenpy(t *testing.T) {
	var want map[string]struct {
		MD5      string `json:"md5"`
		FullText string `json:"full_text"`
	}
	if err := json.Unmarshal(genpy(t, "defs"), &want); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, typ := range Types() {
		if typ.ROS1Name == "" {
			continue
		}
		n++
		w, ok := want[typ.ROS1Name]
		if !ok {
			t.Errorf("%s: genpy_ros1.py does not list it", typ.ROS1Name)
			continue
		}
		if typ.ROS1MD5 != w.MD5 {
			t.Errorf("%s: MD5 %s, genpy %s", typ.ROS1Name, typ.ROS1MD5, w.MD5)
		}
		if got, exp := normalizeDefinition(typ.ROS1Definition), normalizeDefinition(w.FullText); got != exp {
			t.Errorf("%s: full definition\n%s\ngenpy's (normalised)\n%s", typ.ROS1Name, got, exp)
		}
	}
	if n != len(want) {
		t.Errorf("compared %d types, genpy listed %d", n, len(want))
	}
}

// normalizeDefinition drops comments, blank lines and repeated spaces.
func normalizeDefinition(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "MSG: ") && !strings.HasPrefix(l, "====") {
			l, _, _ = strings.Cut(l, "#")
		}
		l = strings.Join(strings.Fields(l), " ")
		l = strings.ReplaceAll(l, " = ", "=")
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
