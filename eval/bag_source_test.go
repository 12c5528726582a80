package eval

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/sim"
)

func simConfig(frames int) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Frames, cfg.Width, cfg.Height, cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy, cfg.Seed = frames, 128, 64, 0, 0, 0, 0, 12
	return cfg.Resolved()
}

// TestBagAndFolderOfTheSameDriveAgree: the same rendered drive, recorded as a bag and as a
// folder, scores the same (the folder's depth PNGs are quantised to millimetres and saturate at
// 65.535 m, so the comparison stays below that).
func TestBagAndFolderOfTheSameDriveAgree(t *testing.T) {
	dir := t.TempDir()
	cfg := simConfig(8)
	bagPath, folder := filepath.Join(dir, "drive.mcap"), filepath.Join(dir, "drive")
	if err := sim.WriteBag(bagPath, cfg, nil); err != nil {
		t.Fatal(err)
	}
	if err := sim.WriteSequence(folder, cfg, nil); err != nil {
		t.Fatal(err)
	}
	proto := RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 60, Scaling: ScaleMedian}}
	bs, err := OpenBag(bagPath, BagTopics{Image: "auto", CameraInfo: "auto", Depth: "auto", Mask: "auto", Odom: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	fromBag, err := Run(bs, tinyPipeline(t), proto)
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := OpenFolder(folder, cfg.FPS)
	fromFolder, err := Run(fs, tinyPipeline(t), proto)
	if err != nil {
		t.Fatal(err)
	}
	if fromBag.Frames != 8 || fromBag.Scored != 8 || fromBag.Pose == nil || fromBag.Dynamic.Frames == 0 {
		t.Fatalf("bag: frames %d scored %d pose %v dynamic %d", fromBag.Frames, fromBag.Scored, fromBag.Pose, fromBag.Dynamic.Frames)
	}
	// The sim's followers (mask 128) reach both readers: the same split of the same pixels.
	for _, r := range []*Result{fromBag, fromFolder} {
		if r.Followers == nil || r.OtherMovers == nil || r.Followers.Frames == 0 || r.OtherMovers.Frames == 0 ||
			r.Followers.Pixels+r.OtherMovers.Pixels != r.Dynamic.Pixels {
			t.Fatalf("%s: followers %v, other movers %v, dynamic %+v", r.Source, r.Followers, r.OtherMovers, r.Dynamic)
		}
	}
	if fromBag.Followers.Pixels != fromFolder.Followers.Pixels || fromBag.OtherMovers.Pixels != fromFolder.OtherMovers.Pixels {
		t.Fatalf("follower pixels bag %d folder %d, other movers bag %d folder %d", fromBag.Followers.Pixels, fromFolder.Followers.Pixels,
			fromBag.OtherMovers.Pixels, fromFolder.OtherMovers.Pixels)
	}
	t.Logf("followers: %d frames, %d px, AbsRel %.4f; other movers: %d frames, %d px, AbsRel %.4f", fromBag.Followers.Frames,
		fromBag.Followers.Pixels, fromBag.Followers.AbsRel, fromBag.OtherMovers.Frames, fromBag.OtherMovers.Pixels, fromBag.OtherMovers.AbsRel)
	if d := math.Abs(fromBag.All.AbsRel - fromFolder.All.AbsRel); d > 1e-3 {
		t.Fatalf("abs_rel bag %v folder %v", fromBag.All.AbsRel, fromFolder.All.AbsRel)
	}
	if d := math.Abs(fromBag.Pose.ATESE3 - fromFolder.Pose.ATESE3); d > 1e-6 {
		t.Fatalf("ATE bag %v folder %v", fromBag.Pose.ATESE3, fromFolder.Pose.ATESE3)
	}
}

func TestTruncatedBagEvaluatesFramesBeforeTheDamage(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "drive.mcap")
	if err := sim.WriteBag(full, simConfig(20), nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(full)
	cut := filepath.Join(dir, "cut.mcap")
	os.WriteFile(cut, data[:len(data)*85/100], 0o644)
	bs, err := OpenBag(cut, BagTopics{Image: "auto", Depth: "auto", CameraInfo: "auto"})
	if err != nil {
		t.Fatalf("a truncated bag should open and read up to the damage: %v", err)
	}
	defer bs.Close()
	res, err := Run(bs, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Frames == 0 || res.Frames >= 20 || res.Scored != res.Frames || res.SourceError == "" {
		t.Fatalf("frames %d scored %d source error %q", res.Frames, res.Scored, res.SourceError)
	}
	t.Logf("truncated at 85%%: %d frames evaluated, then: %s", res.Frames, res.SourceError)
}

func TestBagWithoutImageTopicSaysWhatItHas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odom.mcap")
	w, err := bag.CreateMCAP(path, bag.MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write("/odom", &msgs.Odometry{Header: msgs.Header{FrameID: "odom"}}, 1)
	w.Close()
	_, err = OpenBag(path, BagTopics{Image: "auto"})
	if err == nil || !strings.Contains(err.Error(), "no camera image topic") || !strings.Contains(err.Error(), "/odom (nav_msgs/msg/Odometry)") {
		t.Fatalf("%v", err)
	}
	_, err = OpenBag(path, BagTopics{Image: "/front/image"})
	if err == nil || !strings.Contains(err.Error(), "no topic /front/image (--image-topic)") {
		t.Fatalf("%v", err)
	}
	_, err = OpenBag(path, BagTopics{Image: "/odom"})
	if err == nil || !strings.Contains(err.Error(), "is nav_msgs/msg/Odometry, want sensor_msgs/Image") {
		t.Fatalf("%v", err)
	}
}

// TestGroundTruthAtAnotherResolution: GT depth at half the image size is scored after resizing
// the prediction to it.
func TestGroundTruthAtAnotherResolution(t *testing.T) {
	path := filepath.Join(t.TempDir(), "half.mcap")
	w, err := bag.CreateMCAP(path, bag.MCAPWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		h := msgs.Header{Stamp: msgs.TimeFromNanos(int64(i+1) * 1e8), FrameID: "cam"}
		img := &msgs.Image{Header: h, Width: 32, Height: 16, Encoding: "mono8", Step: 32, Data: bytes.Repeat([]byte{100}, 512)}
		gt := &msgs.Image{Header: h, Width: 16, Height: 8, Encoding: "16UC1", Step: 32, Data: make([]byte, 256)}
		for k := 0; k < 128; k++ {
			gt.Data[2*k], gt.Data[2*k+1] = 0xd0, 0x07 // 2000 mm
		}
		w.Write("/cam/image", img, int64(i+1)*1e8)
		w.Write("/cam/depth", gt, int64(i+1)*1e8)
	}
	w.Close()
	bs, err := OpenBag(path, BagTopics{Image: "/cam/image", Depth: "/cam/depth"})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	res, err := Run(bs, tinyPipeline(t), RunConfig{Protocol: Protocol{MinDepth: 1e-3, MaxDepth: 80, Scaling: ScaleMedian}})
	if err != nil {
		t.Fatal(err)
	}
	// A constant image gives a constant prediction; median scaling makes it exact.
	if res.Scored != 3 || res.All.AbsRel > 1e-5 || res.All.Pixels != 3*128 {
		t.Fatalf("scored %d abs_rel %v pixels %d", res.Scored, res.All.AbsRel, res.All.Pixels)
	}
}
