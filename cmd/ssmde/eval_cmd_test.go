package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/bag"
	"github.com/ssmde/ssmde/internal/testmodel"
	"github.com/ssmde/ssmde/msgs"
)

// TestParseFlagsAfterArguments: flags may follow the positional arguments; after "--" all is positional.
func TestParseFlagsAfterArguments(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	quiet := fs.Bool("quiet", false, "")
	out := fs.String("out", "", "")
	if err := parseFlags(fs, []string{"a.mcap", "--quiet", "b", "--out", "x", "--", "--c", "-d"}); err != nil {
		t.Fatal(err)
	}
	if !*quiet || *out != "x" || !slices.Equal(fs.Args(), []string{"a.mcap", "b", "--c", "-d"}) {
		t.Fatalf("quiet %v out %q args %q", *quiet, *out, fs.Args())
	}
	if err := parseFlags(fs, []string{"a.mcap", "--nosuch"}); err != errUsage {
		t.Fatalf("unknown flag after an argument: %v", err)
	}
}

// TestEvalJobsWritesOdometryAndTrajectories: several recordings with --jobs 2 (run under the race
// detector by make test-race), flags after the recordings, the report of each with the odometry
// block (SE(3) and Sim(3) ATE, unscaled RPE), snake_case JSON and trajectories for evo.
func TestEvalJobsWritesOdometryAndTrajectories(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	tmp := t.TempDir()
	scenes, out := filepath.Join(tmp, "drives"), filepath.Join(tmp, "eval")
	if code, so, se := runCLI(t, "sim", "--out", scenes, "--scenes", "3", "--frames", "12", "--width", "64", "--height", "32", "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s\n%s", code, so, se)
	}
	code, so, se := runCLI(t, "eval", "--model", tiny, scenes, "--jobs", "2", "--out", out, "--quiet")
	if code != 0 {
		t.Fatalf("eval exit %d\n%s\n%s", code, so, se)
	}
	if !strings.Contains(so, "ATE SE3/Sim3") {
		t.Fatalf("merged summary without both ATEs:\n%s", so)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "scene_*"))
	if len(dirs) != 3 {
		t.Fatalf("%d report folders", len(dirs))
	}
	data, err := os.ReadFile(filepath.Join(dirs[0], "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	pose, _ := res["pose"].(map[string]any)
	latency, _ := res["latency"].(map[string]any)
	for _, k := range []string{"ate_se3_m", "ate_sim3_m", "sim3_scale", "rpe_trans_m_per_frame", "rpe_trans_m_per_s", "gt_length_m"} {
		if _, ok := pose[k]; !ok {
			t.Errorf("results.json pose has no %s: %v", k, pose)
		}
	}
	for k := range latency {
		if strings.ToLower(k) != k {
			t.Errorf("latency key %q is not snake_case", k)
		}
	}
	for _, f := range []string{"trajectory_est.tum", "trajectory_gt.tum", "trajectory_est.kitti", "trajectory_gt.kitti", "odometry_over_time.png", "trajectory.png"} {
		b, err := os.ReadFile(filepath.Join(dirs[0], f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	report, _ := os.ReadFile(filepath.Join(dirs[0], "report.md"))
	if !strings.Contains(string(report), "ATE") || !strings.Contains(string(report), "evo_ape tum") {
		t.Errorf("report.md:\n%s", report)
	}
	page, _ := os.ReadFile(filepath.Join(dirs[0], "report.html"))
	if n := strings.Count(string(page), "data:image/png;base64,"); n < 4 || !strings.Contains(string(page), "<table") && !strings.Contains(string(page), "<pre>") {
		t.Errorf("report.html embeds %d figures", n)
	}
}

// TestEvalGroundTruthFootguns: a GT frame fixed to the camera and a GT frame the recording lacks are
// errors with a non-zero exit that name the frames, not a perfect or a missing odometry score.
func TestEvalGroundTruthFootguns(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	drive := filepath.Join(t.TempDir(), "robot.mcap")
	if code, so, se := runCLI(t, "sim", "--bag", drive, "--lidar", "--frames", "4", "--width", "64", "--height", "32", "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s\n%s", code, so, se)
	}
	for _, c := range []struct {
		child string
		want  []string
	}{
		{"camera_optical", []string{"never changes", "--gt-tf-parent", "odom"}},
		{"nosuchframe", []string{"nosuchframe", "frames in the recording", "base_link"}},
	} {
		code, so, se := runCLI(t, "eval", "--model", tiny, drive, "--gt-tf-child", c.child, "--quiet")
		if code == 0 {
			t.Fatalf("--gt-tf-child %s: exit 0\n%s", c.child, so)
		}
		for _, w := range c.want {
			if !strings.Contains(se, w) {
				t.Errorf("--gt-tf-child %s: stderr lacks %q:\n%s", c.child, w, se)
			}
		}
	}
}

// TestEvalModelsSideBySide: two models over the same frames give one comparison (a table row each,
// a figure with a column per model, a self-contained HTML page); `eval compare` rebuilds it from
// the two report folders, and refuses reports of different recordings.
func TestEvalModelsSideBySide(t *testing.T) {
	root := testmodel.RepoRoot(t)
	tiny, def := filepath.Join(root, "models", "testdata", "tiny"), filepath.Join(root, "models", "default")
	tmp := t.TempDir()
	drive, other, out := filepath.Join(tmp, "drive"), filepath.Join(tmp, "other"), filepath.Join(tmp, "cmp")
	for _, d := range []string{drive, other} {
		if code, so, se := runCLI(t, "sim", "--out", d, "--frames", "8", "--width", "128", "--height", "48", "--quiet"); code != 0 {
			t.Fatalf("sim exit %d\n%s\n%s", code, so, se)
		}
	}
	code, so, se := runCLI(t, "eval", "--model", def, "--model", tiny, "--samples", "2", "--out", out, "--quiet", drive)
	if code != 0 {
		t.Fatalf("eval exit %d\n%s\n%s", code, so, se)
	}
	md, err := os.ReadFile(filepath.Join(out, "compare.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| tiny-test |", "| ssmde-", "AbsRel median", "compare.png"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("compare.md lacks %q:\n%s", want, md)
		}
	}
	page, _ := os.ReadFile(filepath.Join(out, "compare.html"))
	if !strings.Contains(string(page), "data:image/png;base64,") || strings.Contains(string(page), `src="compare.png"`) {
		t.Errorf("compare.html does not embed its figure")
	}
	fig, err := os.Stat(filepath.Join(out, "compare.png"))
	if err != nil || fig.Size() == 0 {
		t.Fatalf("compare.png: %v", err)
	}
	// From the report folders alone.
	again := filepath.Join(tmp, "again")
	reports, _ := filepath.Glob(filepath.Join(out, "*", "results.json"))
	if len(reports) != 2 {
		t.Fatalf("%d model reports", len(reports))
	}
	if code, so, se := runCLI(t, "eval", "compare", "--out", again, filepath.Dir(reports[0]), filepath.Dir(reports[1])); code != 0 || !strings.Contains(so, "| tiny-test |") {
		t.Fatalf("compare: exit %d\n%s\n%s", code, so, se)
	}
	otherReport := filepath.Join(tmp, "other-report")
	if code, so, se := runCLI(t, "eval", "--model", tiny, "--out", otherReport, "--quiet", other); code != 0 {
		t.Fatalf("eval other: exit %d\n%s\n%s", code, so, se)
	}
	if code, _, se := runCLI(t, "eval", "compare", "--out", again, filepath.Dir(reports[0]), otherReport); code == 0 || !strings.Contains(se, "same recordings") {
		t.Fatalf("reports of different recordings compared: exit %d\n%s", code, se)
	}
	if code, _, se := runCLI(t, "infer", "--model", tiny, "--model", def, "--out", again, drive); code == 0 || !strings.Contains(se, "runs one model") {
		t.Fatalf("infer with two models: exit %d\n%s", code, se)
	}
}

// TestEvalRecordsPredictions: --record writes the node's outputs for every frame, stamped like the
// input images, and the recorded odometry is the trajectory the report exports.
func TestEvalRecordsPredictions(t *testing.T) {
	tiny := filepath.Join(testmodel.RepoRoot(t), "models", "testdata", "tiny")
	tmp := t.TempDir()
	drive, pred, out := filepath.Join(tmp, "drive.mcap"), filepath.Join(tmp, "pred.mcap"), filepath.Join(tmp, "report")
	if code, so, se := runCLI(t, "sim", "--bag", drive, "--frames", "6", "--width", "64", "--height", "32", "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s\n%s", code, so, se)
	}
	code, so, se := runCLI(t, "eval", "--model", tiny, drive, "--record", pred, "--out", out, "--quiet")
	if code != 0 || !strings.Contains(so, "predictions: "+pred+" (6 frames under /ssmde)") {
		t.Fatalf("eval exit %d\n%s\n%s", code, so, se)
	}
	stamps := func(path, topic string) (out []int64, decoded []msgs.Message) {
		t.Helper()
		r, err := bag.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		it, err := r.Messages(bag.ReadOptions{Topics: []string{topic}})
		if err != nil {
			t.Fatal(err)
		}
		for {
			m, err := it.Next()
			if err != nil {
				break
			}
			d, err := m.Decode()
			if err != nil {
				t.Fatal(err)
			}
			out, decoded = append(out, m.LogTime), append(decoded, d)
		}
		return out, decoded
	}
	_, images := stamps(drive, "/camera/image_raw")
	if len(images) != 6 {
		t.Fatalf("%d input images", len(images))
	}
	for _, topic := range []string{"/ssmde/depth", "/ssmde/depth/camera_info", "/ssmde/points", "/ssmde/odom", "/tf"} {
		logs, got := stamps(pred, topic)
		if len(got) != 6 {
			t.Fatalf("%s: %d messages, want 6", topic, len(got))
		}
		for i := range logs {
			want := images[i].(*msgs.Image).Header.Stamp.Nanos()
			if logs[i] != want {
				t.Fatalf("%s message %d logged at %d, the input image is stamped %d", topic, i, logs[i], want)
			}
		}
		if topic == "/ssmde/depth" {
			d := got[5].(*msgs.Image)
			if d.Encoding != "32FC1" || d.Header.Stamp.Nanos() != logs[5] || d.Header.FrameID != images[5].(*msgs.Image).Header.FrameID {
				t.Fatalf("depth %s stamp %d frame %q", d.Encoding, d.Header.Stamp.Nanos(), d.Header.FrameID)
			}
		}
		if topic == "/ssmde/odom" {
			tum, err := os.ReadFile(filepath.Join(out, "trajectory_est.tum"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(tum)), "\n")
			last := strings.Fields(lines[len(lines)-1])
			p := got[5].(*msgs.Odometry).Pose.Pose.Position
			if want := fmt.Sprintf("%.9g", p.X); last[1] != want {
				t.Fatalf("recorded odometry x %s, the report's trajectory %s", want, last[1])
			}
		}
	}
}
