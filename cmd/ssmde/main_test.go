package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/internal/testmodel"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestSimThenInfer is the README's path: render a short drive, then infer on its folder.
func TestSimThenInfer(t *testing.T) {
	model := testmodel.Ensure(t, testmodel.Lite)
	tmp := t.TempDir()
	drive, out := filepath.Join(tmp, "drive"), filepath.Join(tmp, "out")
	if code, so, se := runCLI(t, "sim", "--out", drive, "--frames", "4", "--seed", "5", "--width", "256", "--height", "96"); code != 0 {
		t.Fatalf("sim exit %d\n%s\n%s", code, so, se)
	}
	code, so, se := runCLI(t, "infer", "--model", model, "--out", out, "--threads", "1", drive)
	if code != 0 {
		t.Fatalf("infer exit %d\n%s\n%s", code, so, se)
	}
	if !strings.Contains(so, "infer: 4 image(s)") || !strings.Contains(se, "camera.yaml") {
		t.Fatalf("stdout %q stderr %q", so, se)
	}
	for _, f := range []string{"0000000003_depth.png", "0000000003_colormap.png", "0000000003.ply", "poses.txt", "motion.csv", "depth_camera.yaml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output %s", f)
		}
	}
	shape, depth, err := fileio.ReadNPYFile(filepath.Join(out, "0000000003_depth.npy"))
	if err != nil || len(shape) != 2 || shape[0] != 64 || shape[1] != 128 {
		t.Fatalf("depth npy %v %v", shape, err)
	}
	for i, d := range depth {
		if !(d >= 0.1 && d <= 100) {
			t.Fatalf("depth[%d] = %v outside the model's range", i, d)
		}
	}
	// The depth camera: the sim's 256×96 camera (fx 0.58·256) stretched onto 128×64.
	cam, err := calibration.LoadYAML(filepath.Join(out, "depth_camera.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cam.Width != 128 || cam.Height != 64 || cam.K[0] < 74.2 || cam.K[0] > 74.3 {
		t.Fatalf("depth camera %dx%d K %v", cam.Width, cam.Height, cam.K)
	}
	poses, _ := os.ReadFile(filepath.Join(out, "poses.txt"))
	if n := strings.Count(string(poses), "\n"); n != 4 {
		t.Fatalf("poses.txt has %d lines, want 4", n)
	}
}

func TestCLIErrors(t *testing.T) {
	tmp := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"infer", "--model", filepath.Join(tmp, "nope"), "--out", tmp, tmp}, 1, "no PNG or JPEG images"},
		{[]string{"infer", "--model", filepath.Join(tmp, "nope"), "--out", tmp, filepath.Join(tmp, "README.md")}, 1, "not a PNG or JPEG"},
		{[]string{"infer", "--out", tmp}, 2, "usage: ssmde infer"},
		{[]string{"sim", "--out", tmp, "--width", "-4"}, 1, "Width"},
		{[]string{"models", "info", filepath.Join(tmp, "nope")}, 1, "model.yaml"},
	}
	os.WriteFile(filepath.Join(tmp, "README.md"), []byte("x"), 0o644)
	for _, c := range cases {
		code, so, se := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(so+se, c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d and %q", c.args, code, so+se, c.code, c.want)
		}
	}
}

func TestBenchPrintsRatios(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	code, so, se := runCLI(t, "bench", "--model", tiny, "--frames", "3", "--width", "64", "--height", "32", "--threads", "1")
	if code != 0 || !strings.Contains(so, "bare depth Run") || !strings.Contains(so, "whole frame, all outputs") || !strings.Contains(so, "ratio") ||
		!strings.Contains(so, "ms of CPU per frame back to back") {
		t.Fatalf("exit %d\n%s\n%s", code, so, se)
	}
	// At a camera rate: both spinning variants, side by side (numbers, not timings, are asserted).
	code, so, se = runCLI(t, "bench", "--model", tiny, "--frames", "10", "--width", "64", "--height", "32", "--threads", "1", "--rate", "50")
	if code != 0 || !strings.Contains(so, "at 50.0 Hz") || !strings.Contains(so, "spin_wait false  latency") || !strings.Contains(so, "spin_wait true   latency") {
		t.Fatalf("exit %d\n%s\n%s", code, so, se)
	}
}

func TestBuildEngineWithoutTensorRTSaysWhy(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	code, so, se := runCLI(t, "models", "build-engine", "--engine-cache", t.TempDir(), tiny)
	if code != 1 || !strings.Contains(se, "TensorRT is not available") || !strings.Contains(se, "ONNXRUNTIME_LIB") {
		t.Fatalf("exit %d\n%s\n%s", code, so, se)
	}
}

func TestROS1ArgumentsStartTheROS1Node(t *testing.T) {
	code, so, se := runCLI(t, "__name:=x", "--help-params")
	if code != 0 || !strings.Contains(so, "| `camera_info_policy` |") {
		t.Fatalf("exit %d\n%s\n%s", code, so, se)
	}
}

// TestEvalWithLidarGroundTruth: a simulated drive with a LiDAR, scored against the projected
// LiDAR points instead of a depth image.
func TestEvalWithLidarGroundTruth(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	drive := filepath.Join(t.TempDir(), "lidar.mcap")
	if code, so, se := runCLI(t, "sim", "--bag", drive, "--lidar", "--frames", "4", "--width", "128", "--height", "48", "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s\n%s", code, so, se)
	}
	code, so, se := runCLI(t, "eval", "--model", tiny, "--bag", drive, "--lidar-topic", "/lidar/points", "--depth-topic", "", "--quiet")
	if code != 0 || !strings.Contains(so, "4 frames, 4 scored") {
		t.Fatalf("exit %d\n%s\n%s", code, so, se)
	}
}
