package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// pipelineFlags are the flags every command that runs the pipeline shares (infer, later eval and bench).
type pipelineFlags struct {
	// model is the model folder; models lists every --model given (ssmde eval compares several;
	// the other commands take one).
	model                    string
	models                   modelList
	providers, runtimeLib    string
	threads                  int
	fit, scaleMode           string
	fixedScale, cameraHeight float64
	fixedShift, pitch, roll  float64
	rectify, pose, spinWait  bool
	parallelPose             bool
	poseThreads              int
	minDepth, maxDepth       float64
}

func (f *pipelineFlags) register(fs *flag.FlagSet) {
	f.models = modelList{dirs: &f.model}
	f.model = defaultModelDir()
	fs.Var(&f.models, "model", "model folder (model.yaml + ONNX files)")
	fs.StringVar(&f.providers, "providers", "cpu", "execution providers in order of preference: tensorrt,cuda,cpu")
	fs.StringVar(&f.runtimeLib, "onnxruntime", "", "ONNX Runtime shared library (default: $ONNXRUNTIME_LIB or the one `make setup` fetched)")
	fs.IntVar(&f.threads, "threads", 0, "ONNX Runtime intra-op threads (0: one per core on the CPU, 1 under TensorRT/CUDA)")
	fs.BoolVar(&f.parallelPose, "parallel-pose", false, "run the pose net beside the depth net (give each its cores with --threads and --pose-threads)")
	fs.IntVar(&f.poseThreads, "pose-threads", 0, "the pose net's intra-op threads (0: as --threads)")
	fs.BoolVar(&f.spinWait, "spin-wait", false, "let ONNX Runtime's threads busy-wait between operators and frames (a little lower latency, a core burnt between frames)")
	fs.StringVar(&f.fit, "fit", "", "how images meet the model input: stretch, crop_center, crop_bottom, letterbox, keep_aspect (default: the model's input.fit, else stretch)")
	fs.StringVar(&f.scaleMode, "scale-mode", string(pipeline.ScaleFocal), "metric scale: none, fixed, focal, camera_height, sparse_depth, fixed_affine (affine models: camera_height, sparse_depth, fixed_affine)")
	fs.Float64Var(&f.fixedScale, "fixed-scale", 1, "depth factor for --scale-mode fixed; the scale for fixed_affine")
	fs.Float64Var(&f.fixedShift, "fixed-shift", 0, "the shift for --scale-mode fixed_affine")
	fs.Float64Var(&f.cameraHeight, "camera-height", 1.65, "camera height above the ground in metres, for --scale-mode camera_height")
	fs.Float64Var(&f.pitch, "camera-pitch", 0, "camera pitch below the horizon in degrees, for camera_height with an affine model")
	fs.Float64Var(&f.roll, "camera-roll", 0, "camera roll in degrees, for camera_height with an affine model")
	fs.BoolVar(&f.rectify, "rectify", false, "undistort with the calibration before inference")
	fs.BoolVar(&f.pose, "pose", true, "run the pose net between consecutive images")
	fs.Float64Var(&f.minDepth, "min-depth", 0, "clamp metric depth below this (0: off)")
	fs.Float64Var(&f.maxDepth, "max-depth", 0, "clamp metric depth above this (0: off)")
}

// defaultModelDir is models/default when run from the repository, else empty.
func defaultModelDir() string {
	for _, dir := range []string{filepath.Join("models", "default")} {
		if _, err := os.Stat(filepath.Join(dir, models.ManifestFile)); err == nil {
			return dir
		}
	}
	return ""
}

// open loads the model and builds a pipeline with the flags' settings.
// modelList is the --model flag: the first use replaces the default, later uses add models.
type modelList struct {
	dirs *string // the first (or the default)
	more []string
	set  bool
}

func (m *modelList) String() string {
	if m == nil || m.dirs == nil {
		return ""
	}
	return strings.Join(m.all(), ",")
}

func (m *modelList) Set(v string) error {
	if !m.set {
		*m.dirs, m.set = v, true
		return nil
	}
	m.more = append(m.more, v)
	return nil
}

func (m *modelList) all() []string { return append([]string{*m.dirs}, m.more...) }

// single says "one model" to a command that runs one, when several --model were given.
func (f *pipelineFlags) single(cmd string) error {
	if len(f.models.more) > 0 {
		return fmt.Errorf("ssmde %s runs one model; --model was given %d times (ssmde eval compares several)", cmd, 1+len(f.models.more))
	}
	return nil
}

func (f *pipelineFlags) open(cfg pipeline.Config) (*models.Model, *pipeline.Pipeline, error) {
	if f.model == "" {
		return nil, nil, errors.New("no model: give --model DIR (a folder with model.yaml; models/default when run from the repository)")
	}
	providers, err := models.ParseProviderList(f.providers)
	if err != nil {
		return nil, nil, err
	}
	m, err := models.Open(f.model, models.SessionConfig{Providers: providers, IntraOpThreads: f.threads, PoseIntraOpThreads: f.poseThreads,
		NoSpinning: !f.spinWait, RuntimeLibrary: f.runtimeLib})
	if err != nil {
		return nil, nil, err
	}
	mode, err := pipeline.ParseScaleMode(f.scaleMode)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	cfg.Fit, cfg.ScaleMode, cfg.FixedScale, cfg.Rectify, cfg.Pose = f.fit, mode, f.fixedScale, f.rectify, f.pose
	cfg.ParallelPose = f.parallelPose
	cfg.FixedShift = f.fixedShift
	cfg.Ground.CameraHeight, cfg.Ground.PitchDeg, cfg.Ground.RollDeg = f.cameraHeight, f.pitch, f.roll
	cfg.MinDepth, cfg.MaxDepth = float32(f.minDepth), float32(f.maxDepth)
	p, err := pipeline.New(cfg, m)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, p, nil
}

var imageExtensions = map[string]string{".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}

// collectImages expands folders (sorted by name: a sequence) and keeps files as given. A KITTI-like
// folder written by `ssmde sim` is recognised by its image_02/data subfolder.
func collectImages(args []string) (files []string, calibGuess string, err error) {
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, "", err
		}
		if !st.IsDir() {
			if _, ok := imageExtensions[strings.ToLower(filepath.Ext(arg))]; !ok {
				return nil, "", fmt.Errorf("%s: not a PNG or JPEG file", arg)
			}
			files = append(files, arg)
			continue
		}
		dir := arg
		if _, err := os.Stat(filepath.Join(arg, "image_02", "data")); err == nil {
			dir = filepath.Join(arg, "image_02", "data")
		}
		if calibGuess == "" {
			if _, err := os.Stat(filepath.Join(arg, "camera.yaml")); err == nil {
				calibGuess = filepath.Join(arg, "camera.yaml")
			}
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, "", err
		}
		var names []string
		for _, e := range entries {
			if _, ok := imageExtensions[strings.ToLower(filepath.Ext(e.Name()))]; ok && !e.IsDir() {
				names = append(names, filepath.Join(dir, e.Name()))
			}
		}
		if len(names) == 0 {
			return nil, "", fmt.Errorf("%s: no PNG or JPEG images", dir)
		}
		sort.Strings(names)
		files = append(files, names...)
	}
	return files, calibGuess, nil
}

func runInfer(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("infer", "--out DIR [flags] IMAGE...|FOLDER", stderr)
	var pf pipelineFlags
	pf.register(fs)
	out := fs.String("out", "", "output folder")
	calibPath := fs.String("calib", "", "camera calibration YAML (ROS camera_calibration_parsers format); default FOLDER/camera.yaml when present")
	noPLY := fs.Bool("no-ply", false, "do not write point clouds")
	decimation := fs.Int("decimation", 1, "point cloud: keep every k-th pixel in x and y")
	maxRange := fs.Float64("max-range", 0, "point cloud: drop points farther than this in metres (0: off)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := pf.single("infer"); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if pf.scaleMode == string(pipeline.ScaleSparseDepth) {
		return errors.New("--scale-mode sparse_depth needs a range sensor, which image files do not have: use it in the node (sparse_depth_topic) or in ssmde eval (--lidar-topic … --lidar-as-sparse)")
	}
	files, calibGuess, err := collectImages(fs.Args())
	if err != nil {
		return err
	}
	if *calibPath == "" && calibGuess != "" {
		*calibPath = calibGuess
		slog.Info("using the calibration found beside the images", "calib", calibGuess)
	}
	var cam *calibration.Camera
	if *calibPath != "" {
		c, err := calibration.LoadYAML(*calibPath)
		if err != nil {
			return err
		}
		cam = &c
	} else {
		slog.Warn("no calibration (--calib): depth only, no point clouds, and focal scaling falls back to the model's scale")
	}
	m, p, err := pf.open(pipeline.Config{Points: !*noPLY, Colormap: true,
		Cloud:  pipeline.CloudConfig{Decimation: *decimation, MaxRange: float32(*maxRange), RGB: true},
		Colors: pipeline.ColormapConfig{Inverse: true}})
	if err != nil {
		return err
	}
	defer m.Close()
	defer p.Close()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}

	var poses, motions strings.Builder
	motions.WriteString("frame,file,tx,ty,tz,qx,qy,qz,qw,scale\n")
	var total time.Duration
	var scaleNotes int
	var lastInfo msgs.CameraInfo
	bar := newProgress(len(files), "infer", stderr, *quiet)
	for i, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		msg := &msgs.CompressedImage{Header: msgs.Header{Stamp: msgs.TimeFromNanos(int64(i) * 1e8), FrameID: "camera_optical"},
			Format: imageExtensions[strings.ToLower(filepath.Ext(path))], Data: data}
		res, err := p.ProcessCompressed(msg, cam)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		total += res.Timings.Total
		lastInfo = res.DepthInfo
		if !res.ScaleValid {
			scaleNotes++
			if scaleNotes == 1 {
				slog.Warn("metric scale: " + res.ScaleNote)
			}
		}
		if err := writeInferOutputs(*out, path, res); err != nil {
			return err
		}
		w := res.World
		fmt.Fprintf(&poses, "%.9e %.9e %.9e %.9e %.9e %.9e %.9e %.9e %.9e %.9e %.9e %.9e\n",
			w.R[0], w.R[1], w.R[2], w.T[0], w.R[3], w.R[4], w.R[5], w.T[1], w.R[6], w.R[7], w.R[8], w.T[2])
		if res.HasMotion {
			qx, qy, qz, qw := res.Motion.Quaternion()
			fmt.Fprintf(&motions, "%d,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", i, filepath.Base(path),
				res.Motion.T[0], res.Motion.T[1], res.Motion.T[2], qx, qy, qz, qw, res.Scale)
		}
		bar.Add(1)
	}
	bar.Finish()
	if pf.pose && m.Pose != nil && len(files) > 1 {
		if err := fileio.WriteFileAtomic(filepath.Join(*out, "poses.txt"), []byte(poses.String()), 0o644); err != nil {
			return err
		}
		if err := fileio.WriteFileAtomic(filepath.Join(*out, "motion.csv"), []byte(motions.String()), 0o644); err != nil {
			return err
		}
	}
	if cam != nil {
		if err := writeDepthCamera(*out, lastInfo, m); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "infer: %d image(s) through %s → %s; mean %.1f ms per image (decode to outputs, %s)\n",
		len(files), m.Manifest.Name, *out, float64(total.Microseconds())/1000/float64(len(files)), m.Provider())
	return nil
}

// writeInferOutputs writes one image's depth (16-bit PNG in mm and float32 .npy in m), colormap and cloud.
func writeInferOutputs(out, path string, res *pipeline.Result) error {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	prefix := filepath.Join(out, base)
	if err := fileio.WriteDepthPNG(prefix+"_depth.png", res.Depth, res.Width, res.Height); err != nil {
		return err
	}
	if err := fileio.WriteNPYFile(prefix+"_depth.npy", []int{res.Height, res.Width}, res.Depth); err != nil {
		return err
	}
	if res.Colormap != nil {
		if err := fileio.WritePNG(prefix+"_colormap.png", fileio.RGBToImage(res.Colormap.Data, int(res.Colormap.Width), int(res.Colormap.Height))); err != nil {
			return err
		}
	}
	if res.Points != nil {
		if err := fileio.WritePLYFromCloud(prefix+".ply", res.Points); err != nil {
			return err
		}
	}
	return nil
}

// writeDepthCamera records the intrinsics of the depth images (model input size) beside them.
func writeDepthCamera(out string, info msgs.CameraInfo, m *models.Model) error {
	c, err := calibration.FromCameraInfo(info)
	if err != nil {
		return err
	}
	c.Name = m.Manifest.Name + "_depth"
	data, err := calibration.MarshalYAML(c)
	if err != nil {
		return err
	}
	return fileio.WriteFileAtomic(filepath.Join(out, "depth_camera.yaml"), data, 0o644)
}
