package bag

import (
	"path/filepath"
	"testing"
)

// MCAP → ROS 1 bag → MCAP keeps every value (Header.seq is 0 throughout: ROS 2 has none).
func TestConvertMCAPROS1MCAP(t *testing.T) {
	dir := t.TempDir()
	want := sampleDrive(15)
	a, b, c := filepath.Join(dir, "a.mcap"), filepath.Join(dir, "b.bag"), filepath.Join(dir, "c.mcap")
	w, err := Create(a, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, w, want)
	for _, step := range [][2]string{{a, b}, {b, c}} {
		r, err := Open(step[0])
		if err != nil {
			t.Fatal(err)
		}
		w, err := Create(step[1], WriterOptions{ChunkSize: 4096})
		if err != nil {
			t.Fatal(err)
		}
		var calls uint64
		st, err := Convert(r, w, ConvertOptions{Progress: func(n uint64) { calls = n }})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if st.Written != uint64(len(want)) || calls != st.Written {
			t.Fatalf("%s → %s: wrote %d, progress %d", step[0], step[1], st.Written, calls)
		}
	}
	for _, p := range []string{b, c} {
		r, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := readDecoded(t, r, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sameMessages(t, got, want)
		info, _ := r.Info()
		r.Close()
		if p == b && (info.Topics[0].Type != "sensor_msgs/CameraInfo" || info.Topics[0].Encoding != EncodingROS1) {
			t.Errorf("ROS 1 topic %+v", info.Topics[0])
		}
		if p == c && (info.Topics[0].Type != "sensor_msgs/msg/CameraInfo" || info.Topics[0].Encoding != EncodingCDR) {
			t.Errorf("ROS 2 topic %+v", info.Topics[0])
		}
	}
}
