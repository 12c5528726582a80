package sim

import (
	"bufio"
	"fmt"
	"github.com/ssmde/ssmde/calibration"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ssmde/ssmde/fileio"
	"gopkg.in/yaml.v3"
)

// KITTI-raw-like layout of one scene folder, so loaders written for KITTI (Monodepth2's among them) need
// only a path change:
//
//	image_02/data/%010d.png                 rgb8
//	image_02/timestamps.txt, timestamps.txt KITTI's "2006-01-02 15:04:05.000000000" per frame
//	proj_depth/groundtruth/image_02/%010d.png  16-bit depth in mm, 0 = invalid (sky)
//	motion_mask/%010d.png                   mono8, 255 = moving object
//	poses.txt                               world_from_camera, 3×4 row-major per line (KITTI odometry)
//	calib_cam_to_cam.txt                    K_02, S_rect_02, P_rect_02, ...
//	scene.yaml                              the config and what the seed drew
const (
	ImageDir  = "image_02/data"
	DepthDir  = "proj_depth/groundtruth/image_02"
	MaskDir   = "motion_mask"
	PosesFile = "poses.txt"
	CalibFile = "calib_cam_to_cam.txt"
	SceneFile = "scene.yaml"
	// CameraFile is the camera in ROS camera_calibration_parsers YAML, what `ssmde infer --calib` and
	// the node's camera_info_file read.
	CameraFile = "camera.yaml"
)

// FrameName is the file name of frame i in every per-frame folder.
func FrameName(i int) string { return fmt.Sprintf("%010d.png", i) }

// SceneInfo is what scene.yaml holds: the resolved config and the quantities the seed drew.
type SceneInfo struct {
	Config      Config  `yaml:"config"`
	CameraSpeed float64 `yaml:"camera_speed"` // m/s
	Curvature   float64 `yaml:"curvature"`    // 1/m, positive turns right
}

// WriteSequence renders cfg into dir (created if missing) in the KITTI-raw-like layout. progress, if not
// nil, is called after each frame with the number written so far (from several goroutines, in order
// of completion, never concurrently).
func WriteSequence(dir string, cfg Config, progress func(done, total int)) error {
	w, err := NewWorld(cfg)
	if err != nil {
		return err
	}
	for _, sub := range []string{ImageDir, DepthDir, MaskDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := writeSceneFiles(dir, w); err != nil {
		return err
	}

	// Rendering is parallel inside a frame, but PNG encoding is not: a few frames in flight keep the cores busy.
	total := w.Frames()
	jobs := make(chan int)
	errs := make(chan error, 1)
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for k := 0; k < max(1, min(runtime.GOMAXPROCS(0), total)); k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f Frame
			for i := range jobs {
				if err := writeFrame(dir, w, i, &f); err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				mu.Lock()
				done++
				if progress != nil {
					progress(done, total)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < total; i++ {
		select {
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return err
		case jobs <- i:
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// SceneSeed is the seed of scene k of a split whose base seed is base; scenes of one split differ but are
// reproducible one by one.
func SceneSeed(base int64, k int) int64 {
	h := uint64(base) + uint64(k+1)*0x9e3779b97f4a7c15
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	return int64((h ^ h>>31) >> 1)
}

// SceneDir is the folder name of scene k in a split.
func SceneDir(k int) string { return fmt.Sprintf("scene_%04d", k) }

// WriteSplit writes scenes scenes into root/scene_0000, ... each with seed SceneSeed(cfg.Seed, k) and
// otherwise cfg. progress, if not nil, is called with the scene index and that scene's frame progress.
func WriteSplit(root string, cfg Config, scenes int, progress func(scene, done, total int)) error {
	if scenes <= 0 {
		return fmt.Errorf("sim: split of %d scenes: want at least one", scenes)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	for k := 0; k < scenes; k++ {
		c := cfg
		c.Seed = SceneSeed(cfg.Seed, k)
		var p func(done, total int)
		if progress != nil {
			p = func(done, total int) { progress(k, done, total) }
		}
		if err := WriteSequence(filepath.Join(root, SceneDir(k)), c, p); err != nil {
			return fmt.Errorf("sim: scene %d: %w", k, err)
		}
	}
	return nil
}

func writeFrame(dir string, w *World, i int, f *Frame) error {
	if err := w.Render(i, f); err != nil {
		return err
	}
	name := FrameName(i)
	rgb := &image.NRGBA{Pix: make([]byte, 4*f.Width*f.Height), Stride: 4 * f.Width, Rect: image.Rect(0, 0, f.Width, f.Height)}
	for p := 0; p < f.Width*f.Height; p++ {
		copy(rgb.Pix[4*p:4*p+3], f.RGB[3*p:3*p+3])
		rgb.Pix[4*p+3] = 255
	}
	if err := writePNGFast(filepath.Join(dir, ImageDir, name), rgb); err != nil {
		return err
	}
	mask := &image.Gray{Pix: f.Mask, Stride: f.Width, Rect: image.Rect(0, 0, f.Width, f.Height)}
	if err := writePNGFast(filepath.Join(dir, MaskDir, name), mask); err != nil {
		return err
	}
	return fileio.WriteDepthPNG(filepath.Join(dir, DepthDir, name), f.Depth, f.Width, f.Height)
}

// writePNGFast trades a little file size for encoding speed, which dominates writing a sequence.
func writePNGFast(path string, img image.Image) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(fh, img); err != nil {
		fh.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return fh.Close()
}

// writeSceneFiles writes the per-scene text files: poses, timestamps, calibration and scene.yaml.
func writeSceneFiles(dir string, w *World) error {
	var poses, stamps strings.Builder
	for i := 0; i < w.Frames(); i++ {
		p := w.Pose(i)
		for k, v := range [12]float64{p.R[0], p.R[1], p.R[2], p.T[0], p.R[3], p.R[4], p.R[5], p.T[1], p.R[6], p.R[7], p.R[8], p.T[2]} {
			if k > 0 {
				poses.WriteByte(' ')
			}
			fmt.Fprintf(&poses, "%.9e", v+0) // +0 turns −0 into 0
		}
		poses.WriteByte('\n')
		stamps.WriteString(w.Stamp(i).GoTime().Format("2006-01-02 15:04:05.000000000"))
		stamps.WriteByte('\n')
	}
	c := w.Config()
	var calib strings.Builder
	fmt.Fprintf(&calib, "calib_time: %s\n", time.Unix(0, c.StartNanos).UTC().Format("02-Jan-2006 15:04:05"))
	fmt.Fprintf(&calib, "S_02: %e %e\n", float64(c.Width), float64(c.Height))
	fmt.Fprintf(&calib, "K_02: %e %e %e %e %e %e %e %e %e\n", c.Fx, 0.0, c.Cx, 0.0, c.Fy, c.Cy, 0.0, 0.0, 1.0)
	fmt.Fprintf(&calib, "D_02: %e %e %e %e %e\n", 0.0, 0.0, 0.0, 0.0, 0.0)
	fmt.Fprintf(&calib, "R_02: %e %e %e %e %e %e %e %e %e\n", 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
	fmt.Fprintf(&calib, "T_02: %e %e %e\n", 0.0, 0.0, 0.0)
	fmt.Fprintf(&calib, "S_rect_02: %e %e\n", float64(c.Width), float64(c.Height))
	fmt.Fprintf(&calib, "R_rect_02: %e %e %e %e %e %e %e %e %e\n", 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
	fmt.Fprintf(&calib, "P_rect_02: %e %e %e %e %e %e %e %e %e %e %e %e\n",
		c.Fx, 0.0, c.Cx, 0.0, 0.0, c.Fy, c.Cy, 0.0, 0.0, 0.0, 1.0, 0.0)
	info, err := yaml.Marshal(SceneInfo{Config: c, CameraSpeed: w.CameraSpeed(), Curvature: w.Curvature()})
	if err != nil {
		return err
	}
	camYAML, err := calibration.MarshalYAML(calibration.PinholeCamera(c.Width, c.Height,
		calibration.Intrinsics{Fx: c.Fx, Fy: c.Fy, Cx: c.Cx, Cy: c.Cy}))
	if err != nil {
		return err
	}
	files := []struct {
		name, body string
	}{
		{PosesFile, poses.String()},
		{"timestamps.txt", stamps.String()},
		{"image_02/timestamps.txt", stamps.String()},
		{CalibFile, calib.String()},
		{SceneFile, string(info)},
		{CameraFile, string(camYAML)},
	}
	for _, f := range files {
		if err := writeText(filepath.Join(dir, f.name), f.body); err != nil {
			return err
		}
	}
	return nil
}

func writeText(path, body string) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(fh)
	bw.WriteString(body)
	if err := bw.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
