package sim

import (
	"fmt"
	"github.com/ssmde/ssmde/calibration"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/ssmde/ssmde/fileio"
	"gopkg.in/yaml.v3"
)

// The KITTI-raw-like layout of one scene folder is fileio's (fileio/sequence.go: the one home of
// the layout, shared with ssmde dataset and the readers); sim adds scene.yaml, the config and what
// the seed drew.
const (
	ImageDir  = fileio.SeqImageDir
	DepthDir  = fileio.SeqDepthDir
	MaskDir   = fileio.SeqMaskDir
	PosesFile = fileio.SeqPosesFile
	CalibFile = fileio.SeqCalibFile
	SceneFile = "scene.yaml"
	// CameraFile is the camera in ROS camera_calibration_parsers YAML, what `ssmde infer --calib` and
	// the node's camera_info_file read.
	CameraFile = fileio.SeqCameraFile
)

// FrameName is the file name of frame i in every per-frame folder.
func FrameName(i int) string { return fileio.SeqFrameName(i) }

// SceneInfo is what scene.yaml holds: the resolved config and the quantities the seed drew.
// With Config.Randomize the config holds what was drawn for this scene.
type SceneInfo struct {
	Config      Config  `yaml:"config"`
	CameraSpeed float64 `yaml:"camera_speed"` // m/s
	Curvature   float64 `yaml:"curvature"`    // 1/m, positive turns right
	// The sun's elevation and compass azimuth in degrees, from the time of day (street only).
	SunElevation float64 `yaml:"sun_elevation,omitempty"`
	SunAzimuth   float64 `yaml:"sun_azimuth,omitempty"`
	// Crossings are the side streets' distances along the road from the start, metres.
	Crossings []float64 `yaml:"crossings,omitempty,flow"`
}

// WriteSequence renders cfg into dir (created if missing) in the KITTI-raw-like layout. progress, if not
// nil, is called after each frame with the number written so far (from several goroutines, in order
// of completion, never concurrently).
func WriteSequence(dir string, cfg Config, progress func(done, total int)) error {
	w, err := NewWorld(cfg)
	if err != nil {
		return err
	}
	if err := fileio.PrepareSequence(dir, true, true); err != nil {
		return err
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
	return fileio.WriteSequenceFrame(dir, i, f.RGB, f.Width, f.Height, f.Depth, f.Mask)
}

// writeSceneFiles writes the per-scene text files: poses, timestamps, calibration and scene.yaml.
func writeSceneFiles(dir string, w *World) error {
	meta := fileio.SequenceMeta{}
	for i := 0; i < w.Frames(); i++ {
		p := w.Pose(i)
		meta.Poses = append(meta.Poses, [12]float64{p.R[0], p.R[1], p.R[2], p.T[0], p.R[3], p.R[4], p.R[5], p.T[1], p.R[6], p.R[7], p.R[8], p.T[2]})
		meta.Stamps = append(meta.Stamps, w.Stamp(i))
	}
	c := w.Config()
	meta.Camera = calibration.PinholeCamera(c.Width, c.Height, calibration.Intrinsics{Fx: c.Fx, Fy: c.Fy, Cx: c.Cx, Cy: c.Cy})
	el, az := w.Sun()
	info, err := yaml.Marshal(SceneInfo{Config: c, CameraSpeed: w.CameraSpeed(), Curvature: w.Curvature(),
		SunElevation: el, SunAzimuth: az, Crossings: w.Crossings()})
	if err != nil {
		return err
	}
	meta.Extra = map[string]string{SceneFile: string(info)}
	return fileio.WriteSequenceMeta(dir, meta)
}
