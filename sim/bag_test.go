package sim

import (
	"encoding/binary"
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
)

func TestWriteBagRecordsEveryTopicPerFrame(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Frames, cfg.Width, cfg.Height, cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 5, 128, 48, 0, 0, 0, 0
	cfg.Seed = 4
	path := filepath.Join(t.TempDir(), "drive.mcap")
	if err := WriteBag(path, cfg, nil); err != nil {
		t.Fatal(err)
	}
	r, err := bag.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info, err := r.Info()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{TopicImage: "sensor_msgs/msg/Image", TopicCameraInfo: "sensor_msgs/msg/CameraInfo",
		TopicDepthGT: "sensor_msgs/msg/Image", TopicMotionMask: "sensor_msgs/msg/Image", TopicOdomGT: "nav_msgs/msg/Odometry", TopicTF: "tf2_msgs/msg/TFMessage"}
	if len(info.Topics) != len(want) || info.MessageCount != 30 {
		t.Fatalf("topics %+v, %d messages", info.Topics, info.MessageCount)
	}
	for _, ti := range info.Topics {
		if want[ti.Name] != ti.Type || ti.Count != 5 || ti.Encoding != "cdr" {
			t.Errorf("topic %+v", ti)
		}
	}
	// Frame 3's image and depth in the bag equal a fresh render.
	w, _ := NewWorld(cfg)
	var f Frame
	if err := w.Render(3, &f); err != nil {
		t.Fatal(err)
	}
	it, err := r.Messages(bag.ReadOptions{Topics: []string{TopicImage, TopicDepthGT}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		m, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dec, err := m.Decode()
		if err != nil {
			t.Fatal(err)
		}
		img := dec.(*msgs.Image)
		if img.Header.Stamp != f.Stamp {
			continue
		}
		n++
		switch m.Topic {
		case TopicImage:
			if img.Encoding != "rgb8" || string(img.Data) != string(f.RGB) || img.Header.FrameID != FrameID {
				t.Fatalf("image of frame 3 differs from the render")
			}
		case TopicDepthGT:
			for i, d := range f.Depth {
				got := math.Float32frombits(binary.LittleEndian.Uint32(img.Data[4*i:]))
				if got != d && !(math.IsNaN(float64(got)) && math.IsNaN(float64(d))) {
					t.Fatalf("depth[%d] = %v, rendered %v", i, got, d)
				}
			}
		}
	}
	if n != 2 {
		t.Fatalf("found %d of frame 3's image and depth", n)
	}
}
