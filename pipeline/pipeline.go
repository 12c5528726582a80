package pipeline

import (
	"errors"
	"fmt"
	"time"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
)

// Fit modes: how a camera image of another aspect ratio meets the model input.
const (
	FitStretch    = "stretch"     // whole image, aspect changes (intrinsics follow: fx and fy scale apart)
	FitCropCenter = "crop_center" // largest centred window of the model's aspect ratio
	FitCropBottom = "crop_bottom" // same, anchored at the bottom: keeps the road for driving cameras
)

// Depth image encodings (REP 118).
const (
	Encoding32FC1 = "32FC1" // metres, NaN invalid
	Encoding16UC1 = "16UC1" // millimetres, 0 invalid
)

// Config is everything the per-frame pipeline can be told; the node maps its parameters here.
// The zero value of each field means the default in its comment.
type Config struct {
	Fit     string // stretch (default), crop_center or crop_bottom
	Rectify bool   // undistort/rectify with the camera's calibration before resizing

	// ScaleMode turns model depth into metres (default focal). The manifest's metric_scale (1
	// when absent) always applies, times: none → 1, fixed → FixedScale, focal → f_cam/f_train.
	// camera_height measures the whole factor from the ground plane and so replaces both.
	ScaleMode  ScaleMode
	FixedScale float64
	Ground     GroundConfig // camera_height mode; Ground.CameraHeight is required there

	DepthEncoding string  // 32FC1 (default) or 16UC1
	MinDepth      float32 // clamp valid metric depth below (0: off)
	MaxDepth      float32 // and above (0: off)

	Points   bool        // build the point cloud (needs intrinsics)
	Cloud    CloudConfig // decimation, range limits, colour
	Colormap bool        // render depth/colormap
	Colors   ColormapConfig

	Pose         bool // run the pose net between consecutive frames (when the model has one)
	ParallelPose bool // run depth and pose nets at the same time (helps on GPUs; oversubscribes small CPUs)

	Decoder DecoderConfig
}

func (c Config) withDefaults() Config {
	if c.Fit == "" {
		c.Fit = FitStretch
	}
	if c.ScaleMode == "" {
		c.ScaleMode = ScaleFocal
	}
	if c.DepthEncoding == "" {
		c.DepthEncoding = Encoding32FC1
	}
	return c
}

// Validate names the first bad field.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Fit {
	case FitStretch, FitCropCenter, FitCropBottom:
	default:
		return fmt.Errorf("pipeline: fit %q unknown; want %s, %s or %s", c.Fit, FitStretch, FitCropCenter, FitCropBottom)
	}
	if _, err := ParseScaleMode(string(c.ScaleMode)); err != nil {
		return err
	}
	if c.ScaleMode == ScaleFixed {
		if _, err := FixedScale(c.FixedScale); err != nil {
			return err
		}
	}
	if c.ScaleMode == ScaleCameraHeight {
		if err := c.Ground.Validate(); err != nil {
			return err
		}
	}
	if c.DepthEncoding != Encoding32FC1 && c.DepthEncoding != Encoding16UC1 {
		return fmt.Errorf("pipeline: depth_encoding %q unknown; want 32FC1 or 16UC1", c.DepthEncoding)
	}
	if c.MinDepth < 0 || c.MaxDepth < 0 || (c.MaxDepth > 0 && c.MaxDepth <= c.MinDepth) {
		return fmt.Errorf("pipeline: depth clamp [%v, %v] m is not a range", c.MinDepth, c.MaxDepth)
	}
	if err := c.Cloud.Validate(); err != nil {
		return err
	}
	if err := c.Colors.Validate(); err != nil {
		return err
	}
	return c.Decoder.Validate()
}

// Timings are one frame's stage durations.
type Timings struct {
	Decode, Preprocess, Inference, Postprocess, Total time.Duration
}

// Result is one frame's output. Its messages and slices belong to the Pipeline and stay valid
// until the next Process call: publish or copy them before that.
type Result struct {
	Header msgs.Header

	// Depth is metric depth (metres, NaN invalid), Width×Height at the model input size.
	Depth         []float32
	Width, Height int
	// Intrinsics of Depth; meaningful only when HasIntrinsics.
	Intrinsics    calibration.Intrinsics
	HasIntrinsics bool

	DepthImage msgs.Image      // 32FC1 or 16UC1 (REP 118)
	DepthInfo  msgs.CameraInfo // intrinsics of DepthImage (zero K without intrinsics)
	Points     *msgs.PointCloud2
	Colormap   *msgs.Image
	// Color is the model-input-sized RGB image the depth belongs to (colours the cloud).
	Color *RGBImage
	// Window is the crop of the (rectified) camera image the depth covers, and its resize.
	Window calibration.ResizeCrop

	// Scale is the factor applied to model depth to get metres, and ScaleValid whether the
	// configured mode could produce it this frame (else ScaleNote says why and a fallback is used).
	Scale      float64
	ScaleValid bool
	ScaleNote  string
	Ground     GroundEstimate // camera_height mode only

	// Motion is T_prev_from_cur in metres; World is world_from_camera (world = first camera).
	Motion, World Rigid
	HasMotion     bool

	Timings Timings
}

// Pipeline runs a camera image through the student: decode → (rectify) → resize/crop → normalise
// → depth (and pose) nets → metric depth → depth image, point cloud, colormap, odometry. It owns
// every buffer it needs and reuses them frame to frame. Not safe for concurrent use; one Pipeline
// per camera.
type Pipeline struct {
	cfg   Config
	model *models.Model
	man   *models.Manifest

	decoder    *Decoder
	pre        *Preprocessor
	depthConv  *DepthConverter // network output → depth, no clamp
	rescale    *DepthConverter // depth × factor with the configured clamp
	cloud      *CloudBuilder
	colorizer  *Colorizer
	ground     *GroundScaler
	rectifiers calibration.RectifierCache

	rgb       RGBImage // decoded camera image
	rectified gocv.Mat // rectified camera image (C memory)
	prev      []float32
	hasPrev   bool
	prevGeom  geometry
	odom      *Odometry

	poseReq  chan struct{}
	poseDone chan error

	res        Result
	cloudMsg   msgs.PointCloud2
	colormap   msgs.Image
	inW, inH   int
	tensorSize int
}

// geometry is what makes two consecutive frames comparable for the pose net.
type geometry struct {
	srcW, srcH int
	rc         calibration.ResizeCrop
	intr       calibration.Intrinsics
	hasIntr    bool
}

// New builds a pipeline around an opened model.
func New(cfg Config, model *models.Model) (*Pipeline, error) {
	if model == nil || model.Depth == nil {
		return nil, errors.New("pipeline: no model")
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	man := model.Manifest
	p := &Pipeline{cfg: cfg, model: model, man: man, rectified: gocv.NewMat(), odom: NewOdometry(),
		inW: man.Input.Width, inH: man.Input.Height}
	p.tensorSize = 3 * p.inW * p.inH
	var err error
	if p.decoder, err = NewDecoder(cfg.Decoder); err != nil {
		return nil, err
	}
	pc := PreprocessConfig{Color: man.Input.Color, Scale: float32(man.Input.Scale)}
	for c := 0; c < 3; c++ {
		pc.Mean[c], pc.Std[c] = float32(man.Input.Mean[c]), float32(man.Input.Std[c])
	}
	if p.pre, err = NewPreprocessor(pc); err != nil {
		p.Close()
		return nil, err
	}
	if p.depthConv, err = NewDepthConverter(DepthConfig{Kind: OutputKind(man.Output.Kind),
		MinDepth: man.Output.MinDepth, MaxDepth: man.Output.MaxDepth}); err != nil {
		p.Close()
		return nil, err
	}
	if p.rescale, err = NewDepthConverter(DepthConfig{Kind: OutputDepth, ClampMin: cfg.MinDepth, ClampMax: cfg.MaxDepth}); err != nil {
		p.Close()
		return nil, err
	}
	if p.cloud, err = NewCloudBuilder(cfg.Cloud); err != nil {
		p.Close()
		return nil, err
	}
	if p.colorizer, err = NewColorizer(cfg.Colors); err != nil {
		p.Close()
		return nil, err
	}
	if cfg.ScaleMode == ScaleCameraHeight {
		if p.ground, err = NewGroundScaler(cfg.Ground); err != nil {
			p.Close()
			return nil, err
		}
	}
	p.res.Depth = make([]float32, p.inW*p.inH)
	p.res.Width, p.res.Height = p.inW, p.inH
	p.prev = make([]float32, p.tensorSize)
	if cfg.Pose && cfg.ParallelPose && model.Pose != nil {
		p.poseReq, p.poseDone = make(chan struct{}), make(chan error)
		go func() {
			for range p.poseReq {
				p.poseDone <- p.model.Pose.Run()
			}
		}()
	}
	return p, nil
}

// Close releases the pipeline's OpenCV memory and stops its worker. It does not close the model.
func (p *Pipeline) Close() {
	if p.poseReq != nil {
		close(p.poseReq)
		p.poseReq = nil
	}
	if p.decoder != nil {
		p.decoder.Close()
	}
	if p.pre != nil {
		p.pre.Close()
	}
	p.rectifiers.Close()
	p.rectified.Close()
}

// Config returns the effective configuration (defaults filled in).
func (p *Pipeline) Config() Config { return p.cfg }

// SetColormap turns the colormap on or off from the next frame (a node renders it only while
// someone subscribes).
func (p *Pipeline) SetColormap(on bool) { p.cfg.Colormap = on }

// ResetOdometry restarts the trajectory at the identity and forgets the previous frame.
func (p *Pipeline) ResetOdometry() {
	p.odom = NewOdometry()
	p.hasPrev = false
	if p.ground != nil {
		p.ground.Reset()
	}
}

// ProcessImage runs one sensor_msgs/Image. cam may be nil (no intrinsics: depth without points).
func (p *Pipeline) ProcessImage(img *msgs.Image, cam *calibration.Camera) (*Result, error) {
	start := time.Now()
	if err := p.decoder.Decode(&p.rgb, img); err != nil {
		return nil, err
	}
	return p.process(img.Header, cam, start)
}

// ProcessCompressed runs one sensor_msgs/CompressedImage (JPEG or PNG).
func (p *Pipeline) ProcessCompressed(img *msgs.CompressedImage, cam *calibration.Camera) (*Result, error) {
	start := time.Now()
	if err := p.decoder.DecodeCompressed(&p.rgb, img); err != nil {
		return nil, err
	}
	return p.process(img.Header, cam, start)
}

// ProcessRGB runs an already decoded image (its pixels are read, not kept).
func (p *Pipeline) ProcessRGB(header msgs.Header, img *RGBImage, cam *calibration.Camera) (*Result, error) {
	start := time.Now()
	p.rgb.SetSize(img.W, img.H)
	copy(p.rgb.Pix, img.Pix)
	return p.process(header, cam, start)
}

// fitWindow is the crop/resize of a srcW×srcH image onto the model input.
func (p *Pipeline) fitWindow(srcW, srcH int) (calibration.ResizeCrop, error) {
	switch p.cfg.Fit {
	case FitCropCenter:
		return calibration.CropToAspect(srcW, srcH, p.inW, p.inH, calibration.AnchorCenter)
	case FitCropBottom:
		return calibration.CropToAspect(srcW, srcH, p.inW, p.inH, calibration.AnchorBottom)
	}
	return calibration.Stretch(srcW, srcH, p.inW, p.inH)
}

func (p *Pipeline) process(header msgs.Header, cam *calibration.Camera, start time.Time) (*Result, error) {
	res := &p.res
	res.Header = header
	res.Timings = Timings{Decode: time.Since(start)}
	t := time.Now()

	src := &p.rgb
	var srcIntr calibration.Intrinsics
	hasIntr := cam != nil
	if cam != nil {
		if w, h := cam.PublishedSize(); w != src.W || h != src.H {
			// A camera_info of another size cannot describe this image: scale its intrinsics
			// as the driver would have (binning/decimation), which is right for the common case
			// of a resized stream, and say so in the note.
			srcIntr = calibration.ResizeCrop{SrcW: w, SrcH: h, CropW: w, CropH: h, OutW: src.W, OutH: src.H}.Apply(cam.PublishedIntrinsics())
		} else if p.cfg.Rectify {
			rm, err := p.rectifiers.Get(*cam)
			if err != nil {
				return nil, err
			}
			srcMat, err := wrapRGB(src)
			if err != nil {
				return nil, err
			}
			err = rm.Remap(srcMat, &p.rectified)
			srcMat.Close()
			if err != nil {
				return nil, err
			}
			pix, err := p.rectified.DataPtrUint8()
			if err != nil {
				return nil, fmt.Errorf("rectify: %w", err)
			}
			src = &RGBImage{W: p.rectified.Cols(), H: p.rectified.Rows(), Pix: pix}
			srcIntr = rm.Intrinsics
		} else {
			srcIntr = cam.PublishedIntrinsics()
		}
	}
	rc, err := p.fitWindow(src.W, src.H)
	if err != nil {
		return nil, err
	}
	geom := geometry{srcW: src.W, srcH: src.H, rc: rc, hasIntr: hasIntr}
	if hasIntr {
		geom.intr = rc.Apply(srcIntr)
	}
	depthIn := p.model.Depth.Input()
	if err := p.pre.Run(depthIn, src, rc); err != nil {
		return nil, err
	}
	res.Color = p.pre.Resized()
	res.Window = rc
	res.Timings.Preprocess = time.Since(t)
	t = time.Now()

	// Depth and pose nets. The pose net sees [previous, current], each normalised like the depth input.
	runPose := p.cfg.Pose && p.model.Pose != nil && p.hasPrev && p.prevGeom == geom
	if runPose {
		in := p.model.Pose.Input()
		copy(in[:p.tensorSize], p.prev)
		copy(in[p.tensorSize:], depthIn)
	}
	copy(p.prev, depthIn)
	p.hasPrev, p.prevGeom = p.cfg.Pose && p.model.Pose != nil, geom
	var poseErr error
	if runPose && p.poseReq != nil {
		p.poseReq <- struct{}{}
	}
	depthErr := p.model.Depth.Run()
	if runPose {
		if p.poseReq != nil {
			poseErr = <-p.poseDone
		} else if depthErr == nil {
			poseErr = p.model.Pose.Run()
		}
	}
	if depthErr != nil {
		return nil, depthErr
	}
	if poseErr != nil {
		return nil, poseErr
	}
	res.Timings.Inference = time.Since(t)
	t = time.Now()

	// Metric depth.
	if err := p.depthConv.Convert(res.Depth, p.model.Depth.Output(), 1); err != nil {
		return nil, err
	}
	res.Intrinsics, res.HasIntrinsics = geom.intr, geom.hasIntr
	scale, note := p.metricScale(res)
	res.Scale, res.ScaleValid, res.ScaleNote = scale, note == "", note
	if err := p.rescale.Convert(res.Depth, res.Depth, float32(scale)); err != nil {
		return nil, err
	}

	// Ego-motion: the pose net's translation is in model depth units, like depth itself.
	res.HasMotion = runPose
	if runPose {
		o := p.model.Pose.Output()
		motion := RigidFromAxisAngle(float64(o[0]), float64(o[1]), float64(o[2]), float64(o[3]), float64(o[4]), float64(o[5]))
		res.World = p.odom.Step(motion, scale)
		motion.T = [3]float64{motion.T[0] * scale, motion.T[1] * scale, motion.T[2] * scale}
		res.Motion = motion
	} else {
		res.Motion, res.World = Identity(), p.odom.WorldFromCamera
	}

	// Messages.
	if p.cfg.DepthEncoding == Encoding16UC1 {
		err = EncodeDepth16UC1(&res.DepthImage, header, res.Depth, p.inW, p.inH)
	} else {
		err = EncodeDepth32FC1(&res.DepthImage, header, res.Depth, p.inW, p.inH)
	}
	if err != nil {
		return nil, err
	}
	p.fillDepthInfo(&res.DepthInfo, header, geom)
	res.Points = nil
	if p.cfg.Points && geom.hasIntr {
		if err := p.cloud.Build(&p.cloudMsg, header, res.Depth, p.inW, p.inH, geom.intr, res.Color); err != nil {
			return nil, err
		}
		res.Points = &p.cloudMsg
	}
	res.Colormap = nil
	if p.cfg.Colormap {
		if err := p.colorizer.Render(&p.colormap, header, res.Depth, p.inW, p.inH); err != nil {
			return nil, err
		}
		res.Colormap = &p.colormap
	}
	res.Timings.Postprocess = time.Since(t)
	res.Timings.Total = time.Since(start)
	return res, nil
}

// metricScale returns the factor from model depth (res.Depth, unscaled) to metres, and a note
// when the configured mode could not be applied this frame.
func (p *Pipeline) metricScale(res *Result) (float64, string) {
	base := 1.0
	if p.man.MetricScale != nil {
		base = *p.man.MetricScale
	}
	switch p.cfg.ScaleMode {
	case ScaleFixed:
		return base * p.cfg.FixedScale, ""
	case ScaleFocal:
		if !res.HasIntrinsics {
			return base, "focal scale needs camera intrinsics; using the model's own scale"
		}
		s, err := FocalScale(res.Intrinsics.Fx, p.man.TrainingIntrinsics.Fx, p.inW)
		if err != nil {
			return base, err.Error()
		}
		return base * s, ""
	case ScaleCameraHeight:
		if !res.HasIntrinsics {
			return base, "camera_height scale needs camera intrinsics; using the model's own scale"
		}
		est := p.ground.Update(res.Depth, p.inW, p.inH, res.Intrinsics)
		res.Ground = est
		if !est.Valid {
			return base, est.Reason()
		}
		if est.Err != nil {
			// Held scale from earlier frames: usable, but say why this frame did not fit.
			return est.Scale, ""
		}
		return est.Scale, ""
	}
	return base, ""
}

// fillDepthInfo writes the camera_info of the depth image as published: model-input size,
// pinhole K and P with the adjusted intrinsics, no distortion (the depth is of the rectified or
// already undistorted image, or the distortion is ignored as the user chose).
func (p *Pipeline) fillDepthInfo(info *msgs.CameraInfo, header msgs.Header, g geometry) {
	*info = msgs.CameraInfo{Header: header, Width: uint32(p.inW), Height: uint32(p.inH), DistortionModel: "plumb_bob",
		D: info.D[:0]}
	info.D = append(info.D, 0, 0, 0, 0, 0)
	info.R = [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	if g.hasIntr {
		k := g.intr
		info.K = [9]float64{k.Fx, 0, k.Cx, 0, k.Fy, k.Cy, 0, 0, 1}
		info.P = [12]float64{k.Fx, 0, k.Cx, 0, 0, k.Fy, k.Cy, 0, 0, 0, 1, 0}
	}
}
