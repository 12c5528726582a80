package sim

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/fileio"
	"gopkg.in/yaml.v3"
)

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func TestWriteSequence(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig()
	cfg.Frames, cfg.Width, cfg.Height, cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 4, 320, 96, 0, 0, 0, 0
	var calls, last int
	if err := WriteSequence(dir, cfg, func(done, total int) {
		calls++
		last = done
		if total != 4 {
			t.Errorf("progress total %d", total)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if calls != 4 || last != 4 {
		t.Fatalf("progress called %d times, last done %d", calls, last)
	}
	w, _ := NewWorld(cfg)
	var f Frame
	for i := 0; i < 4; i++ {
		if err := w.Render(i, &f); err != nil {
			t.Fatal(err)
		}
		rgb := decodePNG(t, filepath.Join(dir, ImageDir, FrameName(i)))
		if b := rgb.Bounds(); b.Dx() != 320 || b.Dy() != 96 {
			t.Fatalf("image %d is %v", i, b)
		}
		r, g, bl, _ := rgb.At(17, 80).RGBA()
		p := 3 * (80*320 + 17)
		if byte(r>>8) != f.RGB[p] || byte(g>>8) != f.RGB[p+1] || byte(bl>>8) != f.RGB[p+2] {
			t.Fatalf("image %d pixel differs from Render", i)
		}
		mask, ok := decodePNG(t, filepath.Join(dir, MaskDir, FrameName(i))).(*image.Gray)
		if !ok || mask.Bounds().Dx() != 320 || mask.Bounds().Dy() != 96 || string(mask.Pix) != string(f.Mask) {
			t.Fatalf("mask %d wrong", i)
		}
		depth, dw, dh, err := fileio.ReadDepthPNG(filepath.Join(dir, DepthDir, FrameName(i)), 0.001)
		if err != nil || dw != 320 || dh != 96 {
			t.Fatalf("depth %d: %v %dx%d", i, err, dw, dh)
		}
		for p, d := range depth {
			want := float64(f.Depth[p])
			if math.IsNaN(want) || want >= 65.535 {
				continue // sky (0 in the PNG) and the range 16-bit mm cannot hold
			}
			if math.Abs(float64(d)-want) > 0.0006 {
				t.Fatalf("depth %d pixel %d: %v, rendered %v", i, p, d, want)
			}
		}
	}

	poses := readLines(t, filepath.Join(dir, PosesFile))
	if len(poses) != 4 {
		t.Fatalf("%d pose lines", len(poses))
	}
	for i, line := range poses {
		fields := strings.Fields(line)
		if len(fields) != 12 {
			t.Fatalf("pose line %d has %d numbers", i, len(fields))
		}
		p := w.Pose(i)
		tz, _ := strconv.ParseFloat(fields[11], 64)
		r00, _ := strconv.ParseFloat(fields[0], 64)
		if math.Abs(tz-p.T[2]) > 1e-6 || math.Abs(r00-p.R[0]) > 1e-8 {
			t.Fatalf("pose line %d: %q", i, line)
		}
	}
	for _, name := range []string{"timestamps.txt", "image_02/timestamps.txt"} {
		ts := readLines(t, filepath.Join(dir, name))
		if len(ts) != 4 || ts[1] != "2020-09-13 12:26:40.100000000" {
			t.Fatalf("%s: %q", name, ts)
		}
	}
	calib := map[string][]float64{}
	for _, line := range readLines(t, filepath.Join(dir, CalibFile)) {
		key, rest, _ := strings.Cut(line, ":")
		for _, s := range strings.Fields(rest) {
			if v, err := strconv.ParseFloat(s, 64); err == nil {
				calib[key] = append(calib[key], v)
			}
		}
	}
	c := w.Config()
	wantK := []float64{c.Fx, 0, c.Cx, 0, c.Fy, c.Cy, 0, 0, 1}
	for i, v := range wantK {
		if len(calib["K_02"]) != 9 || math.Abs(calib["K_02"][i]-v) > 1e-4 {
			t.Fatalf("K_02 %v, want %v", calib["K_02"], wantK)
		}
	}
	if s := calib["S_rect_02"]; len(s) != 2 || s[0] != 320 || s[1] != 96 {
		t.Fatalf("S_rect_02 %v", s)
	}
	if p := calib["P_rect_02"]; len(p) != 12 || math.Abs(p[0]-c.Fx) > 1e-4 || p[10] != 1 {
		t.Fatalf("P_rect_02 %v", p)
	}
	raw, err := os.ReadFile(filepath.Join(dir, SceneFile))
	if err != nil {
		t.Fatal(err)
	}
	var info SceneInfo
	if err := yaml.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	if info.Config != c || info.CameraSpeed != w.CameraSpeed() {
		t.Fatalf("scene.yaml %+v, want %+v", info, c)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
}

func TestWriteSplit(t *testing.T) {
	root := t.TempDir()
	cfg := Config{Seed: 9, Frames: 2, Width: 160, Height: 48}
	if err := WriteSplit(root, cfg, 2, nil); err != nil {
		t.Fatal(err)
	}
	var seeds []int64
	for k := 0; k < 2; k++ {
		raw, err := os.ReadFile(filepath.Join(root, SceneDir(k), SceneFile))
		if err != nil {
			t.Fatal(err)
		}
		var info SceneInfo
		if err := yaml.Unmarshal(raw, &info); err != nil {
			t.Fatal(err)
		}
		if info.Config.Seed != SceneSeed(9, k) {
			t.Fatalf("scene %d seed %d, want %d", k, info.Config.Seed, SceneSeed(9, k))
		}
		seeds = append(seeds, info.Config.Seed)
		decodePNG(t, filepath.Join(root, SceneDir(k), ImageDir, FrameName(1)))
	}
	if seeds[0] == seeds[1] || seeds[0] < 0 {
		t.Fatalf("scene seeds %v", seeds)
	}
	if err := WriteSplit(root, cfg, 0, nil); err == nil {
		t.Fatal("a split of 0 scenes accepted")
	}
	bad := cfg
	bad.FPS = -1
	if err := WriteSequence(t.TempDir(), bad, nil); err == nil || !strings.Contains(err.Error(), "FPS") {
		t.Fatalf("bad config: %v", err)
	}
}
