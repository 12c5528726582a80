package calibration

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/ssmde/ssmde/msgs"
)

// DistortionModel names a lens distortion model as sensor_msgs/CameraInfo spells it.
type DistortionModel string

// The distortion models ROS defines (sensor_msgs/distortion_models), plus none.
const (
	// NoDistortion is an ideal pinhole camera. camera_info spells it "" or "none" with no
	// (or all-zero) coefficients.
	NoDistortion DistortionModel = ""
	// PlumbBob is OpenCV's Brown–Conrady model: D = k1 k2 p1 p2 k3.
	PlumbBob DistortionModel = "plumb_bob"
	// RationalPolynomial is OpenCV's rational model: D = k1 k2 p1 p2 k3 k4 k5 k6.
	RationalPolynomial DistortionModel = "rational_polynomial"
	// Equidistant is OpenCV's fisheye model: D = k1 k2 k3 k4.
	Equidistant DistortionModel = "equidistant"
)

// CoefficientCount is the number of D coefficients the model takes.
func (m DistortionModel) CoefficientCount() int {
	switch m {
	case PlumbBob:
		return 5
	case RationalPolynomial:
		return 8
	case Equidistant:
		return 4
	}
	return 0
}

// coefficientName names D[i] in error messages, so a user can find the number in their calibration.
func (m DistortionModel) coefficientName(i int) string {
	var names []string
	switch m {
	case PlumbBob:
		names = []string{"k1", "k2", "p1", "p2", "k3"}
	case RationalPolynomial:
		names = []string{"k1", "k2", "p1", "p2", "k3", "k4", "k5", "k6"}
	case Equidistant:
		names = []string{"k1", "k2", "k3", "k4"}
	}
	if i < len(names) {
		return names[i]
	}
	return "?"
}

// ErrNoIntrinsics marks a camera_info whose K is zero: drivers publish that when the camera was never
// calibrated. Callers test for it with errors.Is to degrade (depth without points) instead of failing.
var ErrNoIntrinsics = errors.New("a camera_info without intrinsics cannot be used")

// ROI is a window of the full-resolution image, in full-resolution pixels.
type ROI struct {
	X, Y          int
	Width, Height int
	// DoRectify is camera_info's roi.do_rectify: the driver asks consumers to rectify this window.
	DoRectify bool
}

// Camera is a calibrated camera: what sensor_msgs/CameraInfo and the camera_calibration_parsers
// YAML file say, with ROS's defaults made explicit (binning 1, ROI the full image, R identity,
// P = [K | 0] when absent). K, D, R and P refer to the full-resolution image of Width × Height;
// the image actually published is the ROI, binned (see PublishedSize).
type Camera struct {
	// Name is the YAML file's camera_name; camera_info has no such field.
	Name          string
	Width, Height int
	K             [9]float64 // row-major 3×3
	Model         DistortionModel
	D             []float64
	R             [9]float64  // row-major 3×3 rectification rotation
	P             [12]float64 // row-major 3×4 projection of the rectified image
	// BinningX and BinningY are 1 without binning (camera_info's 0 means 1).
	BinningX, BinningY int
	ROI                ROI
}

var identity3 = [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}

// PinholeCamera is an undistorted camera with the given intrinsics, e.g. the one that describes a
// depth image the pipeline publishes.
func PinholeCamera(width, height int, in Intrinsics) Camera {
	cam := Camera{
		Width: width, Height: height,
		K: [9]float64{in.Fx, 0, in.Cx, 0, in.Fy, in.Cy, 0, 0, 1},
	}
	cam.fillDefaults()
	return cam
}

// FromCameraInfo converts a camera_info message and validates it.
func FromCameraInfo(msg msgs.CameraInfo) (Camera, error) {
	cam := Camera{
		Width:    int(msg.Width),
		Height:   int(msg.Height),
		K:        msg.K,
		Model:    DistortionModel(msg.DistortionModel),
		D:        slices.Clone(msg.D),
		R:        msg.R,
		P:        msg.P,
		BinningX: int(msg.BinningX),
		BinningY: int(msg.BinningY),
		ROI: ROI{
			X: int(msg.ROI.XOffset), Y: int(msg.ROI.YOffset),
			Width: int(msg.ROI.Width), Height: int(msg.ROI.Height),
			DoRectify: msg.ROI.DoRectify,
		},
	}
	cam.fillDefaults()
	if err := cam.Validate(); err != nil {
		return Camera{}, err
	}
	return cam, nil
}

// fillDefaults turns ROS's "zero means default" fields into explicit values, so that the rest of
// the package (and Equal) never has to know two spellings of the same camera.
func (c *Camera) fillDefaults() {
	if c.Model == "none" {
		c.Model = NoDistortion
	}
	if c.Model == NoDistortion && allZero(c.D) {
		c.D = nil
	}
	if c.BinningX == 0 {
		c.BinningX = 1
	}
	if c.BinningY == 0 {
		c.BinningY = 1
	}
	if c.ROI.X == 0 && c.ROI.Y == 0 && c.ROI.Width == 0 && c.ROI.Height == 0 {
		c.ROI.Width, c.ROI.Height = c.Width, c.Height
	}
	// Monocular drivers often leave R and P zero; image_proc and RViz then need R = I and P = [K | 0].
	if c.R == [9]float64{} {
		c.R = identity3
	}
	if c.P == [12]float64{} {
		c.P = [12]float64{c.K[0], c.K[1], c.K[2], 0, c.K[3], c.K[4], c.K[5], 0, c.K[6], c.K[7], c.K[8], 0}
	}
}

func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// Validate reports the first field that makes the camera unusable, naming the field and its value.
func (c Camera) Validate() error {
	if c.Width <= 0 || c.Height <= 0 {
		return fmt.Errorf("calibration: image size %dx%d (width x height) must be positive", c.Width, c.Height)
	}
	for i, v := range c.K {
		if !isFinite(v) {
			return fmt.Errorf("calibration: K[%d] is %v; want a finite number", i, v)
		}
	}
	if c.K[0] == 0 {
		return fmt.Errorf("calibration: K[0] (fx) is 0; %w", ErrNoIntrinsics)
	}
	if c.K[4] == 0 {
		return fmt.Errorf("calibration: K[4] (fy) is 0; %w", ErrNoIntrinsics)
	}
	if c.K[0] < 0 || c.K[4] < 0 {
		return fmt.Errorf("calibration: focal lengths K[0] (fx) %v and K[4] (fy) %v must be positive", c.K[0], c.K[4])
	}
	switch c.Model {
	case NoDistortion:
		if len(c.D) != 0 {
			return fmt.Errorf("calibration: distortion_model is empty but D has %d non-zero coefficients %v; name the model",
				len(c.D), c.D)
		}
	case PlumbBob, RationalPolynomial, Equidistant:
		// Uncalibrated drivers publish a model name with an empty D; that means no distortion.
		if n := c.Model.CoefficientCount(); len(c.D) != 0 && len(c.D) != n {
			return fmt.Errorf("calibration: distortion_model %q takes %d D coefficients, got %d", c.Model, n, len(c.D))
		}
	default:
		return fmt.Errorf("calibration: distortion_model %q unknown; want %s, %s or %s",
			string(c.Model), PlumbBob, RationalPolynomial, Equidistant)
	}
	for i, v := range c.D {
		if !isFinite(v) {
			return fmt.Errorf("calibration: D[%d] (%s) is %v; want a finite number", i, c.Model.coefficientName(i), v)
		}
	}
	for i, v := range c.R {
		if !isFinite(v) {
			return fmt.Errorf("calibration: R[%d] is %v; want a finite number", i, v)
		}
	}
	for i, v := range c.P {
		if !isFinite(v) {
			return fmt.Errorf("calibration: P[%d] is %v; want a finite number", i, v)
		}
	}
	if c.P[0] <= 0 || c.P[5] <= 0 {
		return fmt.Errorf("calibration: P[0] (fx') %v and P[5] (fy') %v must be positive", c.P[0], c.P[5])
	}
	if c.BinningX <= 0 || c.BinningY <= 0 {
		return fmt.Errorf("calibration: binning %dx%d must be positive (0 in camera_info means 1)", c.BinningX, c.BinningY)
	}
	r := c.ROI
	if r.X < 0 || r.Y < 0 || r.Width <= 0 || r.Height <= 0 || r.X+r.Width > c.Width || r.Y+r.Height > c.Height {
		return fmt.Errorf("calibration: roi x_offset=%d y_offset=%d width=%d height=%d lies outside the %dx%d image",
			r.X, r.Y, r.Width, r.Height, c.Width, c.Height)
	}
	if w, h := c.PublishedSize(); w == 0 || h == 0 {
		return fmt.Errorf("calibration: roi %dx%d binned by %dx%d leaves no pixels", r.Width, r.Height, c.BinningX, c.BinningY)
	}
	return nil
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// CameraInfo converts the camera to a message (the caller sets the header). Defaults go back to
// ROS's spelling: binning 0, a zero ROI for the full image, and an undistorted camera as plumb_bob
// with five zeros, which every ROS consumer understands.
func (c Camera) CameraInfo() msgs.CameraInfo {
	msg := msgs.CameraInfo{
		Width:           uint32(c.Width),
		Height:          uint32(c.Height),
		DistortionModel: string(c.Model),
		D:               slices.Clone(c.D),
		K:               c.K,
		R:               c.R,
		P:               c.P,
	}
	if c.Model == NoDistortion {
		msg.DistortionModel = string(PlumbBob)
		msg.D = make([]float64, 5)
	} else if len(msg.D) == 0 {
		msg.D = make([]float64, c.Model.CoefficientCount())
	}
	if c.BinningX > 1 {
		msg.BinningX = uint32(c.BinningX)
	}
	if c.BinningY > 1 {
		msg.BinningY = uint32(c.BinningY)
	}
	full := c.ROI.X == 0 && c.ROI.Y == 0 && c.ROI.Width == c.Width && c.ROI.Height == c.Height
	if !full || c.ROI.DoRectify {
		msg.ROI = msgs.RegionOfInterest{
			XOffset: uint32(c.ROI.X), YOffset: uint32(c.ROI.Y),
			Width: uint32(c.ROI.Width), Height: uint32(c.ROI.Height),
			DoRectify: c.ROI.DoRectify,
		}
	}
	return msg
}

// Equal reports whether two cameras are the same calibration, field for field.
func (c Camera) Equal(o Camera) bool {
	return c.Name == o.Name && c.Width == o.Width && c.Height == o.Height && c.K == o.K &&
		c.Model == o.Model && slices.Equal(c.D, o.D) && c.R == o.R && c.P == o.P &&
		c.BinningX == o.BinningX && c.BinningY == o.BinningY && c.ROI == o.ROI
}

// PublishedSize is the size of the image the camera publishes: the ROI divided by the binning.
func (c Camera) PublishedSize() (width, height int) {
	return c.ROI.Width / max(c.BinningX, 1), c.ROI.Height / max(c.BinningY, 1)
}

// PublishedIntrinsics are K in pixels of the published (ROI, binned) raw image.
//
// Binning averages bx × by blocks whose first block starts at the ROI's corner, so a full-resolution
// coordinate u lands at (u − x_offset + 0.5)/bx − 0.5: the pixel-centre convention of ResizeCrop.
// (image_geometry uses (u − x_offset)/bx, a quarter pixel off for 2× binning.)
func (c Camera) PublishedIntrinsics() Intrinsics {
	return c.toPublished(c.K[0], c.K[4], c.K[2], c.K[5])
}

// RectifiedIntrinsics are the new camera matrix of the rectified image in published pixels: P's left
// 3×3, as ROS image_proc uses, or K when P is zero.
func (c Camera) RectifiedIntrinsics() Intrinsics {
	if c.P[0] == 0 || c.P[5] == 0 {
		return c.PublishedIntrinsics()
	}
	return c.toPublished(c.P[0], c.P[5], c.P[2], c.P[6])
}

func (c Camera) toPublished(fx, fy, cx, cy float64) Intrinsics {
	bx, by := float64(max(c.BinningX, 1)), float64(max(c.BinningY, 1))
	return Intrinsics{
		Fx: fx / bx,
		Fy: fy / by,
		Cx: (cx-float64(c.ROI.X)+0.5)/bx - 0.5,
		Cy: (cy-float64(c.ROI.Y)+0.5)/by - 0.5,
	}
}
