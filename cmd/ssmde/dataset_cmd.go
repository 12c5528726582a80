package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gocv.io/x/gocv"
	"gopkg.in/yaml.v3"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/eval"
	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/msgs"
	"github.com/ssmde/ssmde/pipeline"
)

// datasetOptions are what `ssmde dataset` can be told beyond the recording's topics.
type datasetOptions struct {
	out, cameraYAML          string
	rectify, force, quiet    bool
	minImageChange           float64 // mean absolute 8-bit difference of thumbnails
	minTranslation, minTurn  float64 // metres, degrees (with a GT trajectory)
	valFraction              float64
	gap, maxGap              time.Duration
	every                    int
	useDepth, useOdomForMove bool
}

// datasetSummary is what dataset.yaml records and the command prints: what was kept and why the
// rest was not.
type datasetSummary struct {
	Source         string   `yaml:"source"`
	ImageTopic     string   `yaml:"image_topic"`
	Size           string   `yaml:"image_size"`
	Rectified      bool     `yaml:"rectified"`
	Frames         int      `yaml:"frames_read"`
	Train          int      `yaml:"train_frames"`
	Val            int      `yaml:"val_frames"`
	TrainScenes    int      `yaml:"train_scenes"`
	ValScenes      int      `yaml:"val_scenes"`
	WithDepth      int      `yaml:"frames_with_ground_truth_depth"`
	SkippedStill   int      `yaml:"skipped_camera_still"`
	SkippedGap     int      `yaml:"skipped_train_val_gap"`
	SkippedEvery   int      `yaml:"skipped_every"`
	ValFrom        string   `yaml:"val_from_stamp"`
	StillCriterion string   `yaml:"still_criterion"`
	SceneBreaks    int      `yaml:"scene_breaks"`
	Notes          []string `yaml:"notes,omitempty"`
	Command        string   `yaml:"command"`
}

// sceneWriter fills one split (train or val) with scene folders; a scene ends at a gap in time.
type sceneWriter struct {
	root       string
	scene      int // folder index; -1 before the first
	frame      int
	meta       fileio.SequenceMeta
	lastStamp  msgs.Time
	withDepth  bool
	maxGap     time.Duration
	scenes     int
	breaks     *int
	cam        calibration.Camera
	gtPoses    bool
	framesSeen int
}

func (s *sceneWriter) dir() string { return filepath.Join(s.root, fmt.Sprintf("scene_%04d", s.scene)) }

func (s *sceneWriter) add(rgb []byte, w, h int, depth []float32, stamp msgs.Time, pose *eval.Pose) error {
	if s.scene < 0 || (s.framesSeen > 0 && time.Duration(stamp.Nanos()-s.lastStamp.Nanos()) > s.maxGap) {
		if s.scene >= 0 {
			if err := s.finish(); err != nil {
				return err
			}
			*s.breaks++
		}
		s.scene++
		s.scenes++
		s.frame = 0
		s.meta = fileio.SequenceMeta{Camera: s.cam}
		s.gtPoses = pose != nil
		if err := fileio.PrepareSequence(s.dir(), s.withDepth, false); err != nil {
			return err
		}
	}
	if err := fileio.WriteSequenceFrame(s.dir(), s.frame, rgb, w, h, depth, nil); err != nil {
		return err
	}
	s.meta.Stamps = append(s.meta.Stamps, stamp)
	if s.gtPoses && pose != nil {
		r, t := pose.R, pose.T
		s.meta.Poses = append(s.meta.Poses, [12]float64{r[0], r[1], r[2], t[0], r[3], r[4], r[5], t[1], r[6], r[7], r[8], t[2]})
	} else {
		s.gtPoses, s.meta.Poses = false, nil // a pose per frame or none
	}
	s.frame++
	s.framesSeen++
	s.lastStamp = stamp
	return nil
}

func (s *sceneWriter) finish() error {
	if s.scene < 0 || s.frame == 0 {
		return nil
	}
	if !s.gtPoses {
		s.meta.Poses = nil
	}
	return fileio.WriteSequenceMeta(s.dir(), s.meta)
}

// thumbnail is a small grey version of an image, for telling a standing camera from a moving one.
type thumbnail struct {
	w, h int
	pix  []float32
}

func makeThumbnail(dst *thumbnail, rgb []byte, w, h int) {
	tw := 64
	th := max(1, tw*h/w)
	dst.w, dst.h = tw, th
	if cap(dst.pix) < tw*th {
		dst.pix = make([]float32, tw*th)
	}
	dst.pix = dst.pix[:tw*th]
	for ty := 0; ty < th; ty++ {
		y0, y1 := ty*h/th, max(ty*h/th+1, (ty+1)*h/th)
		for tx := 0; tx < tw; tx++ {
			x0, x1 := tx*w/tw, max(tx*w/tw+1, (tx+1)*w/tw)
			sum, n := 0, 0
			for y := y0; y < y1; y++ {
				row := rgb[3*(y*w+x0) : 3*(y*w+x1)]
				for i := 0; i < len(row); i += 3 {
					sum += 299*int(row[i]) + 587*int(row[i+1]) + 114*int(row[i+2])
					n++
				}
			}
			dst.pix[ty*tw+tx] = float32(sum) / float32(1000*n)
		}
	}
}

func thumbnailChange(a, b *thumbnail) float64 {
	if a.w != b.w || a.h != b.h {
		return math.Inf(1)
	}
	sum := 0.0
	for i, v := range a.pix {
		sum += math.Abs(float64(v - b.pix[i]))
	}
	return sum / float64(len(a.pix))
}

func runDataset(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dataset", "--out DIR [flags] RECORDING", stderr)
	topics, bagOpts := registerBagFlags(fs)
	var o datasetOptions
	fs.StringVar(&o.out, "out", "", "training folder to write: OUT/train/scene_NNNN and OUT/val/scene_NNNN (KITTI-raw-like), OUT/dataset.yaml")
	fs.StringVar(&o.cameraYAML, "camera-yaml", "", "camera calibration YAML (camera_calibration_parsers format) when the recording has no camera_info")
	fs.BoolVar(&o.rectify, "rectify", false, "undistort the images with the calibration (the folders then hold the rectified pinhole camera)")
	fs.Float64Var(&o.minImageChange, "min-image-change", 1.0, "skip a frame whose small grey thumbnail differs from the last kept frame's by less than this mean 8-bit level (a standing camera)")
	fs.Float64Var(&o.minTranslation, "min-translation", 0.05, "with a GT trajectory (--odom-topic/--gt-tf-child): skip a frame that moved less than this many metres ...")
	fs.Float64Var(&o.minTurn, "min-rotation", 1.0, "... and turned less than this many degrees since the last kept frame")
	fs.Float64Var(&o.valFraction, "val-fraction", 0.1, "the last part of the recording (by time) held out for validation")
	fs.DurationVar(&o.gap, "val-gap", 2*time.Second, "frames this close after the last training frame are dropped, so validation does not see training views")
	fs.DurationVar(&o.maxGap, "max-gap", time.Second, "kept frames further apart than this start a new scene (a stop, a gap in the recording)")
	fs.IntVar(&o.every, "every", 1, "keep at most every N-th frame (a fast camera: fewer, more distinct frames)")
	fs.BoolVar(&o.force, "force", false, "replace an existing OUT")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.out == "" || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	switch {
	case !(o.valFraction >= 0 && o.valFraction < 1):
		return fmt.Errorf("--val-fraction %v: want 0 (no validation) up to below 1", o.valFraction)
	case o.every < 1:
		return fmt.Errorf("--every %d: want at least 1", o.every)
	case o.minImageChange < 0 || o.minTranslation < 0 || o.minTurn < 0:
		return errors.New("--min-image-change, --min-translation and --min-rotation must not be negative")
	}
	if _, err := os.Stat(o.out); err == nil && !o.force {
		return fmt.Errorf("%s exists; give --force to replace it", o.out)
	}
	path := fs.Arg(0)
	var fixedCam *calibration.Camera
	if o.cameraYAML != "" {
		c, err := calibration.LoadYAML(o.cameraYAML)
		if err != nil {
			return fmt.Errorf("--camera-yaml: %w", err)
		}
		fixedCam = &c
	}
	open := func() (*eval.BagSource, error) {
		bo := *bagOpts
		bo.BagTopics = *topics
		return eval.OpenBagWith(path, bo)
	}
	src, err := open()
	if err != nil {
		return err
	}
	total := src.Len()
	if total <= 0 {
		// No summary (a damaged or unindexed recording): count the frames first, the split needs it.
		total = 0
		for {
			if _, err := src.Next(); err != nil {
				break
			}
			total++
		}
		src.Close()
		if src, err = open(); err != nil {
			return err
		}
	}
	defer src.Close()
	if total == 0 {
		return fmt.Errorf("%s: no images on the image topic", path)
	}

	parent := filepath.Dir(filepath.Clean(o.out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(o.out)+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // removed unless renamed into place
	sum, err := buildDataset(src, total, path, tmp, fixedCam, o, stderr)
	if err != nil {
		return err
	}
	sum.Command = "ssmde dataset " + strings.Join(args, " ")
	data, err := yaml.Marshal(sum)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, "dataset.yaml"), data, 0o644); err != nil {
		return err
	}
	if o.force {
		if err := os.RemoveAll(o.out); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, o.out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "dataset: %s → %s\n", path, o.out)
	fmt.Fprintf(stdout, "  %d frames read (%s, %s%s): %d train in %d scene(s), %d val in %d scene(s)\n", sum.Frames, sum.ImageTopic, sum.Size,
		map[bool]string{true: ", rectified", false: ""}[sum.Rectified], sum.Train, sum.TrainScenes, sum.Val, sum.ValScenes)
	fmt.Fprintf(stdout, "  skipped: %d with the camera still (%s), %d in the train/val gap, %d by --every; %d scene break(s) at gaps over %s\n",
		sum.SkippedStill, sum.StillCriterion, sum.SkippedGap, sum.SkippedEvery, sum.SceneBreaks, o.maxGap)
	if sum.WithDepth > 0 {
		fmt.Fprintf(stdout, "  ground-truth depth for %d frames (validation and ssmde eval)\n", sum.WithDepth)
	}
	for _, n := range sum.Notes {
		fmt.Fprintf(stdout, "  note: %s\n", n)
	}
	fmt.Fprintf(stdout, "  train with: data: %s, val_data: %s (models/recipe), or scripts/train_from_bag.sh\n",
		filepath.Join(o.out, "train"), filepath.Join(o.out, "val"))
	return nil
}

// buildDataset streams the recording into dir/train and dir/val.
func buildDataset(src *eval.BagSource, total int, path, dir string, fixedCam *calibration.Camera, o datasetOptions, stderr io.Writer) (*datasetSummary, error) {
	dec, err := pipeline.NewDecoder(pipeline.DecoderConfig{})
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	var rectifiers calibration.RectifierCache
	defer rectifiers.Close()
	rectified := gocv.NewMat()
	defer rectified.Close()
	sum := &datasetSummary{Source: path, Rectified: o.rectify}
	trainEnd := int(math.Round((1 - o.valFraction) * float64(total)))
	train := &sceneWriter{root: filepath.Join(dir, "train"), scene: -1, maxGap: o.maxGap, breaks: &sum.SceneBreaks}
	val := &sceneWriter{root: filepath.Join(dir, "val"), scene: -1, maxGap: o.maxGap, breaks: &sum.SceneBreaks}
	var rgb pipeline.RGBImage
	var last, cur thumbnail
	var lastPose *eval.Pose
	var lastTrainStamp msgs.Time
	haveKept, havePoses := false, false
	width, height := 0, 0
	bar := newProgress(total, "dataset", stderr, o.quiet)
	defer bar.Finish()
	for i := 0; ; i++ {
		f, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		bar.Set(i + 1)
		sum.Frames++
		if f.Image != nil {
			err = dec.Decode(&rgb, f.Image)
		} else {
			err = dec.DecodeCompressed(&rgb, f.Compressed)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: frame %d (%s): %w", path, f.Index, f.SourceMessage, err)
		}
		cam := f.Camera
		if fixedCam != nil {
			cam = fixedCam
		}
		if cam == nil {
			return nil, fmt.Errorf("%s: no camera_info for frame %d (topic %q): give the calibration with --camera-yaml FILE", path, f.Index, src.Topics().CameraInfo)
		}
		if width == 0 {
			width, height = rgb.W, rgb.H
			sum.ImageTopic, sum.Size = src.Topics().Image, fmt.Sprintf("%dx%d", width, height)
			if o.rectify && f.GTDepth != nil {
				return nil, errors.New("--rectify with ground-truth depth is not supported yet (the depth would need the same warp): drop --rectify, or --depth-topic \"\" --lidar-topic \"\"")
			}
		} else if rgb.W != width || rgb.H != height {
			return nil, fmt.Errorf("%s: frame %d is %dx%d, earlier frames %dx%d: a training folder holds one image size (split the recording, or resize it)",
				path, f.Index, rgb.W, rgb.H, width, height)
		}
		outCam := *cam
		img := rgb
		if o.rectify {
			rm, err := rectifiers.Get(*cam)
			if err != nil {
				return nil, err
			}
			if img, err = pipeline.RectifyInto(rm, &rgb, &rectified); err != nil {
				return nil, err
			}
			outCam = calibration.PinholeCamera(img.W, img.H, rm.Intrinsics)
		} else if w, h := cam.PublishedSize(); w != img.W || h != img.H {
			in := calibration.ResizeCrop{SrcW: w, SrcH: h, CropW: w, CropH: h, OutW: img.W, OutH: img.H}.Apply(cam.PublishedIntrinsics())
			outCam = calibration.PinholeCamera(img.W, img.H, in)
		}
		train.cam, val.cam = outCam, outCam

		// A standing camera teaches nothing (the photometric loss is trivially met): keep a frame
		// only when it moved, by the GT trajectory when there is one, else by the image.
		makeThumbnail(&cur, img.Pix, img.W, img.H)
		moved := !haveKept
		if haveKept {
			if f.GTPose != nil && lastPose != nil {
				havePoses = true
				dt, dr := poseDelta(*lastPose, *f.GTPose)
				moved = dt >= o.minTranslation || dr >= o.minTurn
			} else {
				moved = thumbnailChange(&cur, &last) >= o.minImageChange
			}
		}
		if !moved {
			sum.SkippedStill++
			continue
		}
		isVal := i >= trainEnd && o.valFraction > 0
		if isVal && time.Duration(f.Stamp.Nanos()-lastTrainStamp.Nanos()) < o.gap && train.framesSeen > 0 {
			sum.SkippedGap++
			continue
		}
		if (i % o.every) != 0 {
			sum.SkippedEvery++
			continue
		}
		var depth []float32
		if f.GTDepth != nil {
			if f.GTW != img.W || f.GTH != img.H {
				depth = nearestResize(f.GTDepth, f.GTW, f.GTH, img.W, img.H)
			} else {
				depth = f.GTDepth
			}
			sum.WithDepth++
		}
		w := train
		if isVal {
			w = val
		}
		w.withDepth = w.withDepth || depth != nil
		if depth != nil && w.frame > 0 && !dirExists(filepath.Join(w.dir(), fileio.SeqDepthDir)) {
			if err := fileio.PrepareSequence(w.dir(), true, false); err != nil {
				return nil, err
			}
		}
		if err := w.add(img.Pix, img.W, img.H, depth, f.Stamp, f.GTPose); err != nil {
			return nil, err
		}
		if !isVal {
			sum.Train++
			lastTrainStamp = f.Stamp
		} else {
			if sum.Val == 0 {
				sum.ValFrom = f.Stamp.GoTime().Format(time.RFC3339Nano)
			}
			sum.Val++
		}
		last, cur = cur, last
		haveKept = true
		if f.GTPose != nil {
			p := *f.GTPose
			lastPose = &p
		}
	}
	if err := train.finish(); err != nil {
		return nil, err
	}
	if err := val.finish(); err != nil {
		return nil, err
	}
	sum.TrainScenes, sum.ValScenes = train.scenes, val.scenes
	sum.StillCriterion = fmt.Sprintf("image change < %g levels", o.minImageChange)
	if havePoses {
		sum.StillCriterion = fmt.Sprintf("GT trajectory: moved < %g m and turned < %g°", o.minTranslation, o.minTurn)
	}
	if sum.Train < 3 {
		return nil, fmt.Errorf("%s: only %d training frame(s) after skipping %d with the camera still (%s): nothing to learn motion from; lower --min-image-change / --min-translation, or record the robot moving",
			path, sum.Train, sum.SkippedStill, sum.StillCriterion)
	}
	if o.valFraction > 0 && sum.Val == 0 {
		sum.Notes = append(sum.Notes, "no validation frames: the recording's end was all skipped (still camera or the gap); use --val-fraction 0 or a longer recording")
	}
	return sum, nil
}

// poseDelta is the translation (m) and rotation (degrees) between two world_from_camera poses.
func poseDelta(a, b eval.Pose) (float64, float64) {
	dx, dy, dz := b.T[0]-a.T[0], b.T[1]-a.T[1], b.T[2]-a.T[2]
	// trace(Aᵀ B) = 1 + 2 cos θ
	tr := 0.0
	for r := 0; r < 3; r++ {
		for c := 0; c < 3; c++ {
			tr += a.R[3*r+c] * b.R[3*r+c]
		}
	}
	cos := math.Max(-1, math.Min(1, (tr-1)/2))
	return math.Sqrt(dx*dx + dy*dy + dz*dz), math.Acos(cos) * 180 / math.Pi
}

// nearestResize resamples sparse or dense depth without mixing values (a LiDAR pixel stays one).
func nearestResize(src []float32, sw, sh, dw, dh int) []float32 {
	out := make([]float32, dw*dh)
	for y := 0; y < dh; y++ {
		sy := min(sh-1, y*sh/dh)
		for x := 0; x < dw; x++ {
			out[y*dw+x] = src[sy*sw+min(sw-1, x*sw/dw)]
		}
	}
	return out
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
