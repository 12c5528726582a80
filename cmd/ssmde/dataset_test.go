package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
)

// writeImageBag records frames of the given sizes (a new texture each frame unless still) with a
// camera_info, as a camera driver would.
func writeImageBag(t *testing.T, sizes [][2]int, still, withInfo bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cam.mcap")
	w, err := bag.Create(path, bag.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, sz := range sizes {
		stamp := msgs.TimeFromNanos(1_600_000_000_000_000_000 + int64(i)*100_000_000)
		img := &msgs.Image{Header: msgs.Header{Stamp: stamp, FrameID: "cam"}, Width: uint32(sz[0]), Height: uint32(sz[1]),
			Encoding: "rgb8", Step: uint32(3 * sz[0]), Data: make([]byte, 3*sz[0]*sz[1])}
		for p := range img.Data {
			shift := i
			if still {
				shift = 0
			}
			img.Data[p] = byte((p/3+7*shift)%97*2 + p%3)
		}
		if err := w.Write("/camera/image_raw", img, stamp.Nanos()); err != nil {
			t.Fatal(err)
		}
		if withInfo {
			info := &msgs.CameraInfo{Header: img.Header, Width: img.Width, Height: img.Height, DistortionModel: "plumb_bob",
				D: []float64{0, 0, 0, 0, 0}, K: [9]float64{100, 0, float64(sz[0]) / 2, 0, 100, float64(sz[1]) / 2, 0, 0, 1},
				R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, P: [12]float64{100, 0, float64(sz[0]) / 2, 0, 0, 100, float64(sz[1]) / 2, 0, 0, 0, 1, 0}}
			if err := w.Write("/camera/camera_info", info, stamp.Nanos()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func sizes(n, w, h int) [][2]int {
	s := make([][2]int, n)
	for i := range s {
		s[i] = [2]int{w, h}
	}
	return s
}

// A sim drive becomes train/val folders the recipe reads: split by time with a gap, GT kept.
func TestDatasetFromSimBag(t *testing.T) {
	drive := filepath.Join(t.TempDir(), "drive.mcap")
	if code, so, se := runCLI(t, "sim", "--bag", drive, "--frames", "60", "--width", "128", "--height", "64", "--quiet"); code != 0 {
		t.Fatalf("sim: %d\n%s\n%s", code, so, se)
	}
	out := filepath.Join(t.TempDir(), "ds")
	code, so, se := runCLI(t, "dataset", "--out", out, "--val-fraction", "0.25", "--val-gap", "500ms", "--quiet", drive)
	if code != 0 {
		t.Fatalf("dataset: %d\n%s\n%s", code, so, se)
	}
	var sum datasetSummary
	data, err := os.ReadFile(filepath.Join(out, "dataset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	// 60 frames at 10 Hz: 45 train, then the 4 frames less than 0.5 s after the last, then 11 val.
	if sum.Frames != 60 || sum.Train != 45 || sum.SkippedGap != 4 || sum.Val != 11 || sum.WithDepth != 56 || sum.ValFrom == "" || !strings.Contains(sum.StillCriterion, "GT trajectory") {
		t.Fatalf("summary %+v", sum)
	}
	for _, f := range []string{"train/scene_0000/image_02/data/0000000044.png", "train/scene_0000/camera.yaml", "train/scene_0000/poses.txt",
		"train/scene_0000/proj_depth/groundtruth/image_02/0000000000.png", "val/scene_0000/image_02/data/0000000009.png", "val/scene_0000/calib_cam_to_cam.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// The recipe reads it: its KITTI-like scan finds the scene with 45 images and the intrinsics.
	cmd := testmodel.RecipeCommand(t, "-c", "from ssmde_recipe.datasets import scan; s = scan('"+filepath.Join(out, "train")+"', 'auto'); "+
		"print(len(s), len(s[0].images), s[0].size, round(float(s[0].K[0][0]), 3))")
	got, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(got)) != "1 45 (128, 64) 74.24" {
		t.Fatalf("recipe scan: %v %q", err, got)
	}
	// The teacher writes a map per frame with its kind, whole per scene.
	dir := testmodel.CopyDir(t, testmodel.BYO(t, "da2_relative_dynamic"))
	if code, so, se := runCLI(t, "models", "import", "--preset", "depth-anything-v2-relative", filepath.Join(dir, "da2_relative_dynamic.onnx")); code != 0 {
		t.Fatalf("import: %s %s", so, se)
	}
	code, so, se = runCLI(t, "teacher", "--model", dir, "--fit", "stretch", "--quiet", out)
	if code != 0 || !strings.Contains(so, "56 maps") {
		t.Fatalf("teacher: %d\n%s\n%s", code, so, se)
	}
	var rec pseudoRecord
	data, _ = os.ReadFile(filepath.Join(out, "val/scene_0000/pseudo_depth", PseudoFile))
	if err := yaml.Unmarshal(data, &rec); err != nil || rec.Kind != "affine_disparity" || rec.Frames != 11 || rec.Width != 518 {
		t.Fatalf("pseudo.yaml %+v %v", rec, err)
	}
	if code, _, se := runCLI(t, "teacher", "--model", dir, "--quiet", out); code == 0 || !strings.Contains(se, "--force") {
		t.Fatalf("a second teacher run replaced the maps without --force: %d %s", code, se)
	}
}

// Bad recordings get a message that says what to do, and leave no half-written folder.
func TestDatasetBadRecordings(t *testing.T) {
	for _, tc := range []struct {
		name string
		bag  string
		args []string
		want string
	}{
		{"no camera_info", writeImageBag(t, sizes(8, 64, 32), false, false), nil, "give the calibration with --camera-yaml FILE"},
		{"camera never moves", writeImageBag(t, sizes(20, 64, 32), true, true), nil, "only 1 training frame(s) after skipping 19 with the camera still"},
		{"size changes", writeImageBag(t, append(sizes(4, 64, 32), [2]int{32, 16}), false, true), nil, "frame 4 is 32x16, earlier frames 64x32"},
		{"bad fraction", writeImageBag(t, sizes(4, 64, 32), false, true), []string{"--val-fraction", "1"}, "--val-fraction 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "ds")
			code, _, se := runCLI(t, append(append([]string{"dataset", "--out", out, "--quiet"}, tc.args...), tc.bag)...)
			if code == 0 || !strings.Contains(se, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %q", code, se, tc.want)
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			if len(entries) != 0 {
				t.Fatalf("left behind: %v", entries)
			}
		})
	}
	// With the calibration given, the same recording works.
	cam := filepath.Join(t.TempDir(), "camera.yaml")
	os.WriteFile(cam, []byte("image_width: 64\nimage_height: 32\ncamera_name: cam\ncamera_matrix: {rows: 3, cols: 3, data: [100, 0, 32, 0, 100, 16, 0, 0, 1]}\n"+
		"distortion_model: plumb_bob\ndistortion_coefficients: {rows: 1, cols: 5, data: [0, 0, 0, 0, 0]}\n"), 0o644)
	out := filepath.Join(t.TempDir(), "ds")
	if code, so, se := runCLI(t, "dataset", "--out", out, "--camera-yaml", cam, "--val-fraction", "0", "--quiet", writeImageBag(t, sizes(8, 64, 32), false, false)); code != 0 || !strings.Contains(so, "8 train") {
		t.Fatalf("with --camera-yaml: %d\n%s\n%s", code, so, se)
	}
}
