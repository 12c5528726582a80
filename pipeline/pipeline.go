package pipeline

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
)

// Fit modes: how a camera image of another aspect ratio meets the model input (one home:
// package models, which validates a manifest's input.fit).
const (
	FitStretch    = models.FitStretch    // whole image, aspect changes (intrinsics follow: fx and fy scale apart)
	FitCropCenter = models.FitCropCenter // largest centred window of the model's aspect ratio
	FitCropBottom = models.FitCropBottom // same, anchored at the bottom: keeps the road for driving cameras
	FitLetterbox  = models.FitLetterbox  // whole image, aspect kept, padded; the padding is not published
	FitKeepAspect = models.FitKeepAspect // dynamic graphs: aspect kept, sides a multiple of input.multiple_of
)

// Depth image encodings (REP 118).
const (
	Encoding32FC1 = "32FC1" // metres, NaN invalid
	Encoding16UC1 = "16UC1" // millimetres, 0 invalid
)

// Config is everything the per-frame pipeline can be told; the node maps its parameters here.
// The zero value of each field means the default in its comment.
type Config struct {
	Fit     string // one of models.Fits; empty: the model's input.fit, else stretch
	Rectify bool   // undistort/rectify with the camera's calibration before resizing

	// ScaleMode turns model depth into metres (default focal). The manifest's metric_scale (1
	// when absent) always applies, times: none → 1, fixed → FixedScale, focal → f_cam/f_train.
	// camera_height measures the whole factor from the ground plane and so replaces both.
	//
	// Affine-invariant models (affine_disparity, affine_depth) need a scale AND a shift per frame:
	// camera_height fits them to the ground's known disparity (Ground: height, pitch, roll),
	// sparse_depth to the samples given by SetSparseDepth, fixed_affine uses FixedScale and
	// FixedShift. sparse_depth also works for the other kinds (a scale only).
	ScaleMode  ScaleMode
	FixedScale float64
	FixedShift float64      // fixed_affine only
	Ground     GroundConfig // camera_height mode; Ground.CameraHeight is required there
	Affine     AffineFitConfig

	DepthEncoding string  // 32FC1 (default) or 16UC1
	MinDepth      float32 // clamp valid metric depth below (0: off)
	MaxDepth      float32 // and above (0: off)

	// Resolution is the published depth's grid: the model's (zero value), the camera image's, or
	// W×H. Off the model's grid, Upsample says how depth gets there.
	Resolution Resolution
	Upsample   UpsampleConfig

	Points bool // build the point cloud (needs intrinsics)
	// Cloud: decimation (of the published grid; 0: AutoDecimation, no more points than the
	// model's grid has), range limits, colour.
	Cloud    CloudConfig
	Colormap bool // render depth/colormap
	Colors   ColormapConfig

	Pose         bool // run the pose net between consecutive frames (when the model has one)
	ParallelPose bool // run depth and pose nets at the same time (helps on GPUs; oversubscribes small CPUs)

	Decoder DecoderConfig
}

func (c Config) withDefaults() Config {
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
	if c.Fit != "" && !models.ValidFit(c.Fit) {
		return fmt.Errorf("pipeline: fit %q unknown; want %s", c.Fit, strings.Join(models.Fits, ", "))
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
	if c.ScaleMode == ScaleFixedAffine {
		if _, err := FixedScale(c.FixedScale); err != nil {
			return err
		}
		if math.IsNaN(c.FixedShift) || math.IsInf(c.FixedShift, 0) {
			return fmt.Errorf("scale: fixed_affine shift %v must be finite", c.FixedShift)
		}
	}
	if c.ScaleMode == ScaleSparseDepth || c.ScaleMode == ScaleCameraHeight {
		if err := c.Affine.Validate(); err != nil {
			return err
		}
	}
	if c.DepthEncoding != Encoding32FC1 && c.DepthEncoding != Encoding16UC1 {
		return fmt.Errorf("pipeline: depth_encoding %q unknown; want 32FC1 or 16UC1", c.DepthEncoding)
	}
	if c.MinDepth < 0 || c.MaxDepth < 0 || (c.MaxDepth > 0 && c.MaxDepth <= c.MinDepth) {
		return fmt.Errorf("pipeline: depth clamp [%v, %v] m is not a range", c.MinDepth, c.MaxDepth)
	}
	if err := c.Resolution.Validate(); err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	if err := c.Upsample.Validate(); err != nil {
		return fmt.Errorf("pipeline: %w", err)
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

	// Depth is metric depth (metres, NaN invalid), Width×Height: the model input's content window
	// (the model input size, less any letterbox padding), the grid the scale fits work on.
	Depth         []float32
	Width, Height int
	// Intrinsics of Depth; meaningful only when HasIntrinsics.
	Intrinsics    calibration.Intrinsics
	HasIntrinsics bool

	// Published is the depth as published (DepthImage, Points, Colormap): Depth itself at
	// Config.Resolution model, else registered to the camera at PublishedWidth×PublishedHeight
	// (pixel (u, v) is the camera image's pixel (u, v), or its resized counterpart), NaN where
	// the model saw nothing. PublishedIntrinsics are its intrinsics (when HasIntrinsics), and
	// PublishedColor the camera image on the same grid (it may alias the decoded image).
	Published                       []float32
	PublishedWidth, PublishedHeight int
	PublishedIntrinsics             calibration.Intrinsics
	PublishedColor                  *RGBImage

	// Raw is the network's own output on the same grid as Depth, before any conversion or scale
	// (what `ssmde teacher` records as pseudo-depth).
	Raw []float32

	DepthImage msgs.Image      // 32FC1 or 16UC1 (REP 118)
	DepthInfo  msgs.CameraInfo // intrinsics of DepthImage (zero K without intrinsics)
	Points     *msgs.PointCloud2
	Colormap   *msgs.Image
	// Color is the model-input-sized RGB image the depth belongs to (colours the cloud).
	Color *RGBImage
	// Window is the crop of the (rectified) camera image the depth covers, and its resize.
	Window calibration.ResizeCrop
	// IntrinsicsNote says how the intrinsics were adapted when the camera_info does not describe
	// the image as it came ("" when it does).
	IntrinsicsNote string

	// Scale is the factor applied to model depth to get metres, and ScaleValid whether the
	// configured mode could produce it this frame (else ScaleNote says why and a fallback is used).
	Scale      float64
	ScaleValid bool
	ScaleNote  string
	Ground     GroundEstimate // camera_height mode of scale-only models
	// Shift is the fitted offset of an affine model (disparity for affine_disparity, metres for
	// affine_depth), and Affine the fit behind Scale and Shift (camera_height, sparse_depth).
	Shift  float64
	Affine AffineEstimate

	// Motion is T_prev_from_cur in metres; World is world_from_camera (world = first camera).
	Motion, World Rigid
	HasMotion     bool

	Timings Timings
}

// Pipeline runs a camera image through the student: decode → (rectify) → resize/crop/letterbox
// → normalise → depth (and pose) nets → resample to the depth grid → metric depth → depth image,
// point cloud, colormap, odometry. It owns every buffer it needs and reuses them frame to frame.
// Not safe for concurrent use; one Pipeline per camera.
type Pipeline struct {
	cfg   Config
	base  Config // cfg as New made it, never changed: what Check compares against from any goroutine
	model *models.Model
	man   *models.Manifest
	kind  OutputKind

	decoder    *Decoder
	pre        *Preprocessor
	depthConv  *DepthConverter // network output → depth (affine kinds: with the metric clamp)
	rescale    *DepthConverter // depth × factor with the configured clamp
	cloud      *CloudBuilder
	colorizer  *Colorizer
	ground     *GroundScaler
	affine     *AffineScaler // camera_height and sparse_depth fits of affine kinds, sparse_depth of the others
	resampler  Resampler
	upsampler  *Upsampler
	rectifiers calibration.RectifierCache

	published []float32 // depth on the published grid (Resolution camera or W×H)
	guide     gocv.Mat  // the camera image resized to W×H (C memory)
	guideRGB  RGBImage  // the camera image on the published grid (aliases the source or guide)

	rgb       RGBImage // decoded camera image
	rectified gocv.Mat // rectified camera image (C memory)
	prev      []float32
	hasPrev   bool
	prevGeom  geometry
	odom      *Odometry

	raw, conf, mask []float32 // network outputs on the depth grid

	sparse      []SparsePoint // SetSparseDepth's samples, camera image pixels
	sparseGrid  []SparsePoint // the same on the depth grid
	sparseFresh bool

	poseReq  chan struct{}
	poseDone chan error

	res        Result
	cloudMsg   msgs.PointCloud2
	colormap   msgs.Image
	inW, inH   int // the manifest's input size (the tensor's, except for keep_aspect)
	tensorSize int
}

// geometry is what makes two consecutive frames comparable for the pose net, and the
// placement of the camera image in the model input.
type geometry struct {
	srcW, srcH int
	rc         calibration.ResizeCrop // source window → content (rc.OutW × rc.OutH)
	tensorW    int                    // model input size
	tensorH    int
	offX, offY int // content position in the tensor (letterbox)
	intr       calibration.Intrinsics
	hasIntr    bool
}

// ErrScaleUnavailable means an affine-invariant model has no fit yet (no ground seen, no sparse
// depth received): the pipeline does not invent a scale, so the frame has no metric depth.
var ErrScaleUnavailable = errors.New("no metric scale yet")

// New builds a pipeline around an opened model.
func New(cfg Config, model *models.Model) (*Pipeline, error) {
	if model == nil || model.Depth == nil {
		return nil, errors.New("pipeline: no model")
	}
	cfg = cfg.withDefaults()
	man := model.Manifest
	if cfg.Fit == "" {
		cfg.Fit = man.DefaultFit()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kind := OutputKind(man.Output.Kind)
	if err := checkScaleMode(cfg.ScaleMode, kind, man); err != nil {
		return nil, err
	}
	if cfg.Fit == FitKeepAspect && !model.Depth.DynamicInput() {
		return nil, fmt.Errorf("pipeline: fit keep_aspect needs a graph with dynamic input height and width; %s takes %v: use letterbox or stretch",
			man.Depth.File, model.Depth.InputShape())
	}
	if cfg.Pose && model.Pose != nil && (cfg.Fit == FitLetterbox || cfg.Fit == FitKeepAspect) {
		return nil, fmt.Errorf("pipeline: fit %s cannot feed the pose net (it needs the whole %dx%d input); use stretch or a crop, or turn the pose net off",
			cfg.Fit, man.Input.Width, man.Input.Height)
	}
	p := &Pipeline{cfg: cfg, base: cfg, model: model, man: man, kind: kind, rectified: gocv.NewMat(), guide: gocv.NewMat(),
		odom: NewOdometry(), inW: man.Input.Width, inH: man.Input.Height}
	p.tensorSize = 3 * p.inW * p.inH
	var err error
	if p.decoder, err = NewDecoder(cfg.Decoder); err != nil {
		p.Close() // the Mats above are C memory
		return nil, err
	}
	pc := PreprocessConfig{Color: man.Input.Color, Scale: float32(man.Input.Scale)}
	for c := 0; c < 3; c++ {
		pc.Mean[c], pc.Std[c] = float32(man.Input.Mean[c]), float32(man.Input.Std[c])
		if len(man.Input.Pad) == 3 {
			pc.Pad[c] = float32(man.Input.Pad[c])
		}
	}
	if p.pre, err = NewPreprocessor(pc); err != nil {
		p.Close()
		return nil, err
	}
	lo, hi := metricClamp(cfg, man)
	dc := DepthConfig{Kind: kind, MinDepth: man.Output.MinDepth, MaxDepth: man.Output.MaxDepth}
	if kind.Affine() {
		dc.ClampMin, dc.ClampMax = lo, hi
	}
	if p.depthConv, err = NewDepthConverter(dc); err != nil {
		p.Close()
		return nil, err
	}
	if p.rescale, err = NewDepthConverter(DepthConfig{Kind: OutputDepth, ClampMin: lo, ClampMax: hi}); err != nil {
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
	if p.upsampler, err = NewUpsampler(cfg.Upsample); err != nil {
		p.Close()
		return nil, err
	}
	switch {
	case cfg.ScaleMode == ScaleCameraHeight && !kind.Affine():
		if p.ground, err = NewGroundScaler(cfg.Ground); err != nil {
			p.Close()
			return nil, err
		}
	case cfg.ScaleMode == ScaleCameraHeight, cfg.ScaleMode == ScaleSparseDepth:
		if p.affine, err = NewAffineScaler(cfg, kind); err != nil {
			p.Close()
			return nil, err
		}
	}
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

// checkScaleMode refuses a scale mode that cannot make this model's output metric.
func checkScaleMode(mode ScaleMode, kind OutputKind, man *models.Manifest) error {
	if kind.Affine() {
		switch mode {
		case ScaleCameraHeight, ScaleSparseDepth, ScaleFixedAffine:
			return nil
		}
		return fmt.Errorf("pipeline: model %q outputs %s (scale and shift unknown), which scale_mode %s cannot make metric; use camera_height (with the camera's height), sparse_depth (a range sensor) or fixed_affine",
			man.Name, kind, mode)
	}
	if mode == ScaleFixedAffine {
		return fmt.Errorf("pipeline: scale_mode fixed_affine is for affine_disparity/affine_depth models; %q outputs %s: use fixed", man.Name, kind)
	}
	return nil
}

// metricClamp is the range valid metric depth is clamped to: the configuration's, narrowed by
// the manifest's min_depth/max_depth for kinds where those are metres (all but sigmoid_disparity).
func metricClamp(cfg Config, man *models.Manifest) (lo, hi float32) {
	lo, hi = cfg.MinDepth, cfg.MaxDepth
	if man.Output.Kind == models.OutputSigmoidDisparity {
		return lo, hi
	}
	if m := float32(man.Output.MinDepth); m > lo {
		lo = m
	}
	if m := float32(man.Output.MaxDepth); m > 0 && (hi == 0 || m < hi) {
		hi = m
	}
	return lo, hi
}

// SparsePoint is one metric depth sample (a LiDAR return, a ToF pixel) at pixel (U, V).
type SparsePoint struct {
	U, V float32 // pixel of the camera image given to Process (after rectification, if on)
	Z    float32 // depth along the optical axis, metres
}

// SetSparseDepth gives the next Process call metric samples for scale_mode sparse_depth (the
// slice is copied). Without new samples a frame keeps the last fit and says so.
// ValidateImage checks img's geometry against its encoding and the decoder's size limit, as
// Process does before reading a byte, without decoding it. Safe to call from another goroutine
// while the pipeline runs (the decoder's settings cannot change while running).
func (p *Pipeline) ValidateImage(img *msgs.Image) error {
	_, err := p.decoder.validate(img)
	return err
}

func (p *Pipeline) SetSparseDepth(points []SparsePoint) {
	p.sparse = append(p.sparse[:0], points...)
	p.sparseFresh = true
}

// LastSourceSize is the size of the last decoded camera image (0, 0 before the first).
func (p *Pipeline) LastSourceSize() (w, h int) { return p.rgb.W, p.rgb.H }

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
	p.guide.Close()
}

// Check validates cfg as a configuration Reconfigure would take and returns it with defaults
// filled in. What shapes the buffers or the decoding cannot change while running: Fit, Rectify,
// DepthEncoding, Resolution, Upsample, ParallelPose, Decoder and Colors must stay as New got them. Check reads nothing
// Reconfigure changes, so it may run on any goroutine.
func (p *Pipeline) Check(cfg Config) (Config, error) {
	cfg = cfg.withDefaults()
	if cfg.Fit == "" {
		cfg.Fit = p.man.DefaultFit()
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	if err := checkScaleMode(cfg.ScaleMode, p.kind, p.man); err != nil {
		return cfg, err
	}
	b := p.base
	switch {
	case cfg.Fit != b.Fit:
		return cfg, fmt.Errorf("pipeline: fit cannot change while running (%s)", b.Fit)
	case cfg.Rectify != b.Rectify:
		return cfg, fmt.Errorf("pipeline: rectify cannot change while running")
	case cfg.DepthEncoding != b.DepthEncoding:
		return cfg, fmt.Errorf("pipeline: depth_encoding cannot change while running (%s)", b.DepthEncoding)
	case cfg.Resolution != b.Resolution:
		return cfg, fmt.Errorf("pipeline: depth_resolution cannot change while running (%s)", b.Resolution)
	case cfg.Upsample.withDefaults() != b.Upsample.withDefaults():
		return cfg, fmt.Errorf("pipeline: depth_upsampling cannot change while running (%s)", b.Upsample.withDefaults().Method)
	case cfg.ParallelPose != b.ParallelPose || cfg.Decoder != b.Decoder || cfg.Colors != b.Colors:
		return cfg, fmt.Errorf("pipeline: the decoder, colormap colours and parallel pose cannot change while running")
	}
	return cfg, nil
}

// Reconfigure applies cfg from the next frame (Check says what may change), keeping the model,
// the buffers and the trajectory. Scale fits restart when their mode or settings change.
func (p *Pipeline) Reconfigure(cfg Config) error {
	cfg, err := p.Check(cfg)
	if err != nil {
		return err
	}
	lo, hi := metricClamp(cfg, p.man)
	dc := DepthConfig{Kind: p.kind, MinDepth: p.man.Output.MinDepth, MaxDepth: p.man.Output.MaxDepth}
	if p.kind.Affine() {
		dc.ClampMin, dc.ClampMax = lo, hi
	}
	depthConv, err := NewDepthConverter(dc)
	if err != nil {
		return err
	}
	rescale, err := NewDepthConverter(DepthConfig{Kind: OutputDepth, ClampMin: lo, ClampMax: hi})
	if err != nil {
		return err
	}
	cloud, err := NewCloudBuilder(cfg.Cloud)
	if err != nil {
		return err
	}
	ground, affine := p.ground, p.affine
	if cfg.ScaleMode != p.cfg.ScaleMode || cfg.Ground != p.cfg.Ground || cfg.Affine != p.cfg.Affine {
		ground, affine = nil, nil
		switch {
		case cfg.ScaleMode == ScaleCameraHeight && !p.kind.Affine():
			if ground, err = NewGroundScaler(cfg.Ground); err != nil {
				return err
			}
		case cfg.ScaleMode == ScaleCameraHeight, cfg.ScaleMode == ScaleSparseDepth:
			if affine, err = NewAffineScaler(cfg, p.kind); err != nil {
				return err
			}
		}
	}
	if cfg.Pose && p.model.Pose != nil && (cfg.Fit == FitLetterbox || cfg.Fit == FitKeepAspect) {
		return fmt.Errorf("pipeline: fit %s cannot feed the pose net; keep the pose net off", cfg.Fit)
	}
	if cfg.Pose && cfg.ParallelPose && p.model.Pose != nil && p.poseReq == nil {
		p.poseReq, p.poseDone = make(chan struct{}), make(chan error)
		go func() {
			for range p.poseReq {
				p.poseDone <- p.model.Pose.Run()
			}
		}()
	}
	if !cfg.Pose {
		p.hasPrev = false // a pose net turned on later starts from its next frame
	}
	p.depthConv, p.rescale, p.cloud, p.ground, p.affine, p.cfg = depthConv, rescale, cloud, ground, affine, cfg
	return nil
}

// Config returns the effective configuration (defaults filled in).
func (p *Pipeline) Config() Config { return p.cfg }

// Odometry reports whether the pipeline estimates ego-motion (a pose net, and pose on): without it
// Result.World stays the identity.
func (p *Pipeline) Odometry() bool { return p.cfg.Pose && p.model.Pose != nil }

// MetricClaim says whether the depth the pipeline publishes claims to be in metres, and why: a
// scale mode that recovers the scale (camera_height, sparse_depth, fixed_affine, or a configured
// fixed factor), or a network whose own scale is metric (metric_scale in model.yaml, or output kind
// depth) under the focal or none modes. Evaluation scores a metric claim without rescaling.
func (p *Pipeline) MetricClaim() (metric bool, why string) {
	switch p.cfg.ScaleMode {
	case ScaleCameraHeight, ScaleSparseDepth, ScaleFixedAffine, ScaleFixed:
		return true, "scale mode " + string(p.cfg.ScaleMode)
	}
	if p.man.MetricScale != nil {
		return true, fmt.Sprintf("model.yaml metric_scale %g, scale mode %s", *p.man.MetricScale, p.cfg.ScaleMode)
	}
	if p.man.Output.Kind == models.OutputDepth {
		return true, "output kind depth (a metric network), scale mode " + string(p.cfg.ScaleMode)
	}
	return false, fmt.Sprintf("no metric scale: output kind %s without metric_scale, scale mode %s", p.man.Output.Kind, p.cfg.ScaleMode)
}

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
	if p.affine != nil {
		p.affine.Reset()
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

// place computes how a srcW×srcH image meets the model input: the source window, the content
// size and its position in the tensor (letterbox), and for keep_aspect the tensor size.
func (p *Pipeline) place(srcW, srcH int) (geometry, error) {
	g := geometry{srcW: srcW, srcH: srcH, tensorW: p.inW, tensorH: p.inH}
	var err error
	switch p.cfg.Fit {
	case FitCropCenter:
		g.rc, err = calibration.CropToAspect(srcW, srcH, p.inW, p.inH, calibration.AnchorCenter)
	case FitCropBottom:
		g.rc, err = calibration.CropToAspect(srcW, srcH, p.inW, p.inH, calibration.AnchorBottom)
	case FitLetterbox:
		cw, ch, offX, offY := LetterboxSize(srcW, srcH, p.inW, p.inH)
		g.offX, g.offY = offX, offY
		g.rc, err = calibration.Stretch(srcW, srcH, cw, ch)
	case FitKeepAspect:
		g.tensorW, g.tensorH = KeepAspectSize(srcW, srcH, p.inW, p.inH, p.man.Input.MultipleOf)
		g.rc, err = calibration.Stretch(srcW, srcH, g.tensorW, g.tensorH)
	default:
		g.rc, err = calibration.Stretch(srcW, srcH, p.inW, p.inH)
	}
	return g, err
}

// LetterboxSize fits a srcW×srcH image inside inW×inH keeping its aspect: the content size and
// its offset, the padding split evenly (the odd pixel at the bottom/right, as Metric3D pads).
func LetterboxSize(srcW, srcH, inW, inH int) (cw, ch, offX, offY int) {
	scale := math.Min(float64(inW)/float64(srcW), float64(inH)/float64(srcH))
	cw = min(inW, max(1, int(math.Round(float64(srcW)*scale))))
	ch = min(inH, max(1, int(math.Round(float64(srcH)*scale))))
	return cw, ch, (inW - cw) / 2, (inH - ch) / 2
}

// KeepAspectSize is Depth Anything's "lower bound" resize: scale the image so that neither side
// is below the model's (inW, inH), then round each side to a multiple of multipleOf (rounding
// up where rounding to nearest would go below the bound). multipleOf ≤ 1 means any size.
func KeepAspectSize(srcW, srcH, inW, inH, multipleOf int) (w, h int) {
	scale := math.Max(float64(inW)/float64(srcW), float64(inH)/float64(srcH))
	m := max(1, multipleOf)
	round := func(x float64, lower int) int {
		y := int(math.Round(x/float64(m))) * m
		if y < lower {
			y = int(math.Ceil(x/float64(m))) * m
		}
		return max(m, y)
	}
	return round(float64(srcW)*scale, inW), round(float64(srcH)*scale, inH)
}

func (p *Pipeline) process(header msgs.Header, cam *calibration.Camera, start time.Time) (*Result, error) {
	res := &p.res
	res.Header = header
	res.Timings = Timings{Decode: time.Since(start)}
	t := time.Now()

	src := &p.rgb
	var srcIntr calibration.Intrinsics
	hasIntr := cam != nil
	rectified := false
	res.IntrinsicsNote = ""
	if cam != nil {
		if w, h := cam.PublishedSize(); w != src.W || h != src.H {
			res.IntrinsicsNote = fmt.Sprintf("camera_info describes a %dx%d image, the image is %dx%d: its intrinsics are scaled to it (no rectification)", w, h, src.W, src.H)
			// A camera_info of another size cannot describe this image: scale its intrinsics
			// as the driver would have (binning/decimation), which is right for the common case
			// of a resized stream, and say so in the note.
			srcIntr = calibration.ResizeCrop{SrcW: w, SrcH: h, CropW: w, CropH: h, OutW: src.W, OutH: src.H}.Apply(cam.PublishedIntrinsics())
		} else if p.cfg.Rectify {
			rm, err := p.rectifiers.Get(*cam)
			if err != nil {
				return nil, err
			}
			rect, err := RectifyInto(rm, src, &p.rectified)
			if err != nil {
				return nil, err
			}
			src = &rect
			srcIntr = rm.Intrinsics
			rectified = true
		} else {
			srcIntr = cam.PublishedIntrinsics()
		}
	}
	geom, err := p.place(src.W, src.H)
	if err != nil {
		return nil, err
	}
	geom.hasIntr = hasIntr
	if hasIntr {
		geom.intr = geom.rc.Apply(srcIntr)
	}
	if err := p.model.Depth.Reshape(geom.tensorW, geom.tensorH); err != nil {
		return nil, err
	}
	depthIn := p.model.Depth.Input()
	if err := p.pre.RunPlaced(depthIn, geom.tensorW, geom.tensorH, geom.offX, geom.offY, src, geom.rc); err != nil {
		return nil, err
	}
	if p.model.Depth.HasIntrinsicsInput() {
		if !hasIntr {
			return nil, fmt.Errorf("model %q takes the camera intrinsics (model.yaml depth.intrinsics_input) and this frame has no camera_info", p.man.Name)
		}
		k := geom.intr
		p.model.Depth.SetIntrinsics(k.Fx, k.Fy, k.Cx+float64(geom.offX), k.Cy+float64(geom.offY))
	}
	res.Color = p.pre.Resized()
	res.Window = geom.rc
	res.Timings.Preprocess = time.Since(t)
	t = time.Now()

	// Depth and pose nets. The pose net sees [previous, current], each normalised like the depth input.
	runPose := p.cfg.Pose && p.model.Pose != nil && p.hasPrev && p.prevGeom == geom
	if runPose {
		in := p.model.Pose.Input()
		copy(in[:p.tensorSize], p.prev)
		copy(in[p.tensorSize:], depthIn)
	}
	if p.model.Pose != nil && p.cfg.Pose {
		copy(p.prev, depthIn)
	}
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

	// The network's output on the depth grid: the content window at the content's size.
	gw, gh := geom.rc.OutW, geom.rc.OutH
	n := gw * gh
	if cap(res.Depth) < n {
		res.Depth = make([]float32, n)
		p.raw = make([]float32, n)
	}
	res.Depth, p.raw = res.Depth[:n], p.raw[:n]
	res.Width, res.Height = gw, gh
	res.Raw = p.raw
	ow, oh := p.model.Depth.OutputSize()
	if err := p.resampler.Prepare(ow, oh, geom.tensorW, geom.tensorH, geom.offX, geom.offY, gw, gh); err != nil {
		return nil, err
	}
	if err := p.resampler.Map(p.raw, p.model.Depth.Output()); err != nil {
		return nil, err
	}
	if c := p.model.Depth.Confidence(); c != nil {
		p.conf = growFloats(p.conf, n)
		if err := p.resampler.Map(p.conf, c); err != nil {
			return nil, err
		}
	}
	if m := p.model.Depth.Mask(); m != nil {
		p.mask = growFloats(p.mask, n)
		if err := p.resampler.Map(p.mask, m); err != nil {
			return nil, err
		}
	}

	// Metric depth.
	res.Intrinsics, res.HasIntrinsics = geom.intr, geom.hasIntr
	res.Shift, res.Affine = 0, AffineEstimate{}
	p.mapSparse(geom)
	if p.kind.Affine() {
		scale, shift, note, err := p.affineFit(res)
		if err != nil {
			return nil, err
		}
		res.Scale, res.Shift, res.ScaleValid, res.ScaleNote = scale, shift, note == "", note
		if err := p.depthConv.ConvertAffine(res.Depth, p.raw, float32(scale), float32(shift)); err != nil {
			return nil, err
		}
	} else {
		if err := p.depthConv.Convert(res.Depth, p.raw, 1); err != nil {
			return nil, err
		}
		scale, note := p.metricScale(res)
		res.Scale, res.ScaleValid, res.ScaleNote = scale, note == "", note
		if err := p.rescale.Convert(res.Depth, res.Depth, float32(scale)); err != nil {
			return nil, err
		}
	}
	p.invalidate(res.Depth)

	// Ego-motion: the pose net's translation is in model depth units, like depth itself.
	scale := res.Scale
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

	// The published grid.
	if err := p.register(res, src, srcIntr, geom); err != nil {
		return nil, err
	}
	pub, pw, ph := res.Published, res.PublishedWidth, res.PublishedHeight

	// Messages.
	if p.cfg.DepthEncoding == Encoding16UC1 {
		err = EncodeDepth16UC1(&res.DepthImage, header, pub, pw, ph)
	} else {
		err = EncodeDepth32FC1(&res.DepthImage, header, pub, pw, ph)
	}
	if err != nil {
		return nil, err
	}
	fillDepthInfo(&res.DepthInfo, header, pw, ph, res.PublishedIntrinsics, geom.hasIntr, cam, rectified)
	res.Points = nil
	if p.cfg.Points && geom.hasIntr {
		k := p.cfg.Cloud.Decimation
		if k == 0 {
			k = AutoDecimation(pw, ph, gw, gh)
		}
		p.cloud.SetDecimation(k)
		if err := p.cloud.Build(&p.cloudMsg, header, pub, pw, ph, res.PublishedIntrinsics, res.PublishedColor); err != nil {
			return nil, err
		}
		res.Points = &p.cloudMsg
	}
	res.Colormap = nil
	if p.cfg.Colormap {
		if err := p.colorizer.Render(&p.colormap, header, pub, pw, ph); err != nil {
			return nil, err
		}
		res.Colormap = &p.colormap
	}
	res.Timings.Postprocess = time.Since(t)
	res.Timings.Total = time.Since(start)
	return res, nil
}

func growFloats(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

// invalidate marks NaN the pixels the model's confidence or mask outputs reject.
func (p *Pipeline) invalidate(depth []float32) {
	if p.model.Depth.Confidence() != nil && p.man.Output.MinConfidence > 0 {
		lo := float32(p.man.Output.MinConfidence)
		for i, c := range p.conf[:len(depth)] {
			if !(c >= lo) {
				depth[i] = nan32
			}
		}
	}
	if p.model.Depth.Mask() != nil {
		th := float32(p.man.Output.MaskThreshold)
		if th == 0 {
			th = 0.5
		}
		for i, m := range p.mask[:len(depth)] {
			if m > th {
				depth[i] = nan32
			}
		}
	}
}

// mapSparse moves fresh sparse samples from camera pixels onto the depth grid.
func (p *Pipeline) mapSparse(g geometry) {
	p.sparseGrid = p.sparseGrid[:0]
	if !p.sparseFresh {
		return
	}
	rc := g.rc
	sx, sy := float32(rc.ScaleX()), float32(rc.ScaleY())
	for _, s := range p.sparse {
		u := (s.U-float32(rc.CropX)+0.5)*sx - 0.5
		v := (s.V-float32(rc.CropY)+0.5)*sy - 0.5
		if u > -0.5 && v > -0.5 && u < float32(rc.OutW)-0.5 && v < float32(rc.OutH)-0.5 && s.Z > 0 {
			p.sparseGrid = append(p.sparseGrid, SparsePoint{U: u, V: v, Z: s.Z})
		}
	}
}

// affineFit returns this frame's scale and shift for an affine-invariant model, with a note when
// they are held from earlier frames, or ErrScaleUnavailable when there is no fit at all.
func (p *Pipeline) affineFit(res *Result) (scale, shift float64, note string, err error) {
	if p.cfg.ScaleMode == ScaleFixedAffine {
		return p.cfg.FixedScale, p.cfg.FixedShift, "", nil
	}
	if p.cfg.ScaleMode == ScaleCameraHeight && !res.HasIntrinsics {
		if s, t, ok := p.affine.Current(); ok {
			return s, t, "camera_height needs camera intrinsics; holding the last fit", nil
		}
		return 0, 0, "", fmt.Errorf("%w: camera_height needs camera intrinsics (camera_info)", ErrScaleUnavailable)
	}
	var sparse []SparsePoint
	if p.cfg.ScaleMode == ScaleSparseDepth {
		sparse = p.sparseGrid
		if !p.sparseFresh {
			sparse = nil
		}
		p.sparseFresh = false
	}
	est := p.affine.Update(p.raw, res.Width, res.Height, res.Intrinsics, sparse, p.cfg.ScaleMode == ScaleSparseDepth)
	res.Affine = est
	if !est.Valid {
		return 0, 0, "", fmt.Errorf("%w: %s", ErrScaleUnavailable, est.Note)
	}
	return est.Scale, est.Shift, est.Note, nil
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
		if !p.man.HasFocal() {
			return base, "" // a metric network trained on many cameras: its own scale
		}
		if !res.HasIntrinsics {
			return base, "focal scale needs camera intrinsics; using the model's own scale"
		}
		if p.man.CanonicalFocal > 0 {
			return base * res.Intrinsics.Fx / p.man.CanonicalFocal, ""
		}
		s, err := FocalScale(res.Intrinsics.Fx, p.man.TrainingIntrinsics.Fx, p.inW)
		if err != nil {
			return base, err.Error()
		}
		return base * s, ""
	case ScaleSparseDepth:
		sparse := p.sparseGrid
		if !p.sparseFresh {
			sparse = nil
		}
		p.sparseFresh = false
		est := p.affine.Update(res.Depth, res.Width, res.Height, res.Intrinsics, sparse, true)
		res.Affine = est
		if !est.Valid {
			return base, est.Note
		}
		return est.Scale, est.Note
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

// register fills res.Published* from res.Depth: the depth grid itself at Resolution model,
// else the depth upsampled onto the camera's grid (camera: src's size; W×H: src resized), with
// src (resized alike) as the guide and the model input's content image as the guide on the grid.
func (p *Pipeline) register(res *Result, src *RGBImage, srcIntr calibration.Intrinsics, g geometry) error {
	r := p.cfg.Resolution
	if r.Mode == ResolutionModel {
		res.Published, res.PublishedWidth, res.PublishedHeight = res.Depth, res.Width, res.Height
		res.PublishedIntrinsics, res.PublishedColor = res.Intrinsics, res.Color
		return nil
	}
	w, h := src.W, src.H
	p.guideRGB = *src
	if r.Mode == ResolutionSize && (r.W != w || r.H != h) {
		w, h = r.W, r.H
		m, err := wrapRGB(src)
		if err != nil {
			return fmt.Errorf("depth resolution: %w", err)
		}
		interp := gocv.InterpolationArea
		if w > src.W || h > src.H {
			interp = gocv.InterpolationLinear
		}
		gocv.Resize(m, &p.guide, rect(0, 0, w, h).Size(), 0, 0, interp)
		m.Close()
		pix, err := p.guide.DataPtrUint8()
		if err != nil || p.guide.Cols() != w || p.guide.Rows() != h {
			return fmt.Errorf("depth resolution: resizing the camera image to %dx%d failed (%v)", w, h, err)
		}
		p.guideRGB = RGBImage{W: w, H: h, Pix: pix}
	}
	p.published = growFloats(p.published, w*h)
	if rc := g.rc; rc.CropW == w && rc.CropH == h && rc.OutW == w && rc.OutH == h {
		copy(p.published, res.Depth) // the camera is the model's grid: nothing to resample
	} else {
		if err := p.upsampler.Prepare(g.rc, w, h); err != nil {
			return err
		}
		if err := p.upsampler.Run(p.published, res.Depth, &p.guideRGB, res.Color); err != nil {
			return err
		}
	}
	res.Published, res.PublishedWidth, res.PublishedHeight = p.published, w, h
	res.PublishedColor = &p.guideRGB
	res.PublishedIntrinsics = calibration.ResizeCrop{SrcW: src.W, SrcH: src.H, CropW: src.W, CropH: src.H, OutW: w, OutH: h}.Apply(srcIntr)
	return nil
}

// fillDepthInfo writes the camera_info of the depth image as published: its size, pinhole K
// and P with its intrinsics (P = K: the cloud and depth_image_proc back-project with the same
// matrix), R the identity. The distortion is the camera's when the image was not rectified (a
// resize or crop keeps the coefficients, which are in normalised coordinates), none otherwise.
func fillDepthInfo(info *msgs.CameraInfo, header msgs.Header, w, h int, k calibration.Intrinsics, hasIntr bool,
	cam *calibration.Camera, rectified bool) {
	*info = msgs.CameraInfo{Header: header, Width: uint32(w), Height: uint32(h), DistortionModel: "plumb_bob",
		D: info.D[:0]}
	if cam != nil && !rectified && cam.Model != calibration.NoDistortion {
		ci := cam.CameraInfo()
		info.DistortionModel = ci.DistortionModel
		info.D = append(info.D, ci.D...)
	} else {
		info.D = append(info.D, 0, 0, 0, 0, 0)
	}
	info.R = [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	if hasIntr {
		info.K = [9]float64{k.Fx, 0, k.Cx, 0, k.Fy, k.Cy, 0, 0, 1}
		info.P = [12]float64{k.Fx, 0, k.Cx, 0, 0, k.Fy, k.Cy, 0, 0, 0, 1, 0}
	}
}
