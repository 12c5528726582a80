package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
)

// writeTestMCAP records 10 frames of an image and an odometry message, 100 ms apart.
func writeTestMCAP(t *testing.T, path string) {
	t.Helper()
	w, err := bag.CreateMCAP(path, bag.MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const t0 = int64(1_700_000_000_000_000_000)
	for i := 0; i < 10; i++ {
		ts := t0 + int64(i)*100_000_000
		h := msgs.Header{Stamp: msgs.TimeFromNanos(ts), FrameID: "cam"}
		img := &msgs.Image{Header: h, Height: 2, Width: 2, Encoding: "mono8", Step: 2, Data: []byte{1, 2, 3, byte(i)}}
		odom := &msgs.Odometry{Header: h, ChildFrameID: "cam"}
		odom.Pose.Pose.Position.X = float64(i)
		if err := w.Write("/cam/image_raw", img, ts); err != nil {
			t.Fatal(err)
		}
		if err := w.Write("/odom", odom, ts+1); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBagInfo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "drive.mcap")
	writeTestMCAP(t, path)
	code, out, errs := runCLI(t, "bag", "info", "-utc", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"Files:             drive.mcap\n",
		"Storage id:        mcap\n",
		"Compression:       zstd\n",
		"Duration:          0.900000001s\n",
		"Start:             Nov 14 2023 22:13:20.000000000 (1700000000.000000000)\n",
		"Messages:          20\n",
		"Topic information: Topic: /cam/image_raw | Type: sensor_msgs/msg/Image | Count: 10 | Serialization Format: cdr\n",
		"                   Topic: /odom          | Type: nav_msgs/msg/Odometry | Count: 10 | Serialization Format: cdr\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bag info lacks %q:\n%s", want, out)
		}
	}
}

// bag convert MCAP → ROS 1 → MCAP keeps the messages; the ROS 1 bag has ROS 1 type names.
func TestBagConvert(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.mcap"), filepath.Join(dir, "b.bag"), filepath.Join(dir, "c.mcap")
	writeTestMCAP(t, a)
	for _, step := range [][2]string{{a, b}, {b, c}} {
		code, out, errs := runCLI(t, "bag", "convert", "-quiet", step[0], step[1])
		if code != 0 || !strings.Contains(out, "wrote 20 messages") {
			t.Fatalf("convert %s → %s: exit %d\n%s%s", step[0], step[1], code, out, errs)
		}
	}
	code, out, _ := runCLI(t, "bag", "info", b)
	if code != 0 || !strings.Contains(out, "Type: sensor_msgs/Image ") || !strings.Contains(out, "Serialization Format: ros1") ||
		!strings.Contains(out, "Storage id:        rosbag_v2") {
		t.Errorf("info of the ROS 1 bag:\n%s", out)
	}
	read := func(p string) []msgs.Message {
		r, err := bag.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ms, err := bag.ReadAll(r, bag.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []msgs.Message
		for _, m := range ms {
			v, err := m.Decode()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	if x, y := read(a), read(c); len(x) != 20 || !reflect.DeepEqual(x, y) {
		t.Errorf("after MCAP → ROS 1 → MCAP: %d messages, equal %v", len(y), reflect.DeepEqual(x, y))
	}

	// Refuses to overwrite; topics select.
	if code, _, errs := runCLI(t, "bag", "convert", a, b); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("overwrite: exit %d, %s", code, errs)
	}
	d := filepath.Join(dir, "d.bag")
	if code, out, errs := runCLI(t, "bag", "convert", "-quiet", "-topics", "/odom", "-compression", "none", a, d); code != 0 ||
		!strings.Contains(out, "wrote 10 messages") {
		t.Errorf("topics: exit %d %s%s", code, out, errs)
	}
}

func TestBagErrors(t *testing.T) {
	tmp := t.TempDir()
	junk := filepath.Join(tmp, "junk.mcap")
	os.WriteFile(junk, []byte("not a bag at all"), 0o644)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bag"}, 2, "usage: ssmde bag"},
		{[]string{"bag", "frob"}, 2, `unknown subcommand "frob"`},
		{[]string{"bag", "info"}, 2, "usage: ssmde bag info"},
		{[]string{"bag", "info", junk}, 1, "unrecognised bag format"},
		{[]string{"bag", "convert", junk, filepath.Join(tmp, "x.txt")}, 1, "unrecognised bag format"},
	}
	for _, c := range cases {
		code, so, se := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(so+se, c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", c.args, code, so+se, c.code, c.want)
		}
	}
}
