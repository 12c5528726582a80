package calibration

import (
	"errors"
	"fmt"
	"image/color"
	"sync"

	"gocv.io/x/gocv"
)

// RectifyTarget describes the rectified image a RectifyMap produces. Zero fields take ROS image_proc's
// choice: the camera's published size, and RectifiedIntrinsics (P's left 3×3, or K when P is zero).
type RectifyTarget struct {
	Width, Height int
	Intrinsics    Intrinsics
}

// RectifyTargetFor is the target that rectifies and applies rc in one remap, e.g. straight into the
// model's input size. rc's source must be the camera's published size. Remap samples bilinearly, so
// a strong downscale this way aliases where an area resize after rectification would not.
func RectifyTargetFor(cam Camera, rc ResizeCrop) RectifyTarget {
	return RectifyTarget{Width: rc.OutW, Height: rc.OutH, Intrinsics: rc.Apply(cam.RectifiedIntrinsics())}
}

// RectifyMap tells, for every pixel of the rectified image, which point of the raw image to sample.
// It is computed in Go once per calibration; Remap then applies it to each frame with OpenCV.
type RectifyMap struct {
	// Width × Height is the rectified (output) size; SrcWidth × SrcHeight the raw image it expects.
	Width, Height       int
	SrcWidth, SrcHeight int
	// Intrinsics are those of the rectified image, for everything downstream of the remap.
	Intrinsics Intrinsics
	// MapX and MapY are row-major, Width × Height: the raw pixel coordinates (pixel centres at integers)
	// to sample for each output pixel. Rays that miss the raw image point outside it. Treat them as
	// read-only: Remap copies them to OpenCV once, on its first call.
	MapX, MapY []float32

	// The OpenCV copies of the maps are made on the first Remap and freed by Close; the lock keeps
	// Close from freeing them under a Remap that is running.
	mu         sync.RWMutex
	matsOnce   sync.Once
	matX, matY gocv.Mat
	matsMade   bool
	closed     bool
}

// ErrClosed is returned by Remap on a map that was closed (for instance replaced in a RectifierCache).
var ErrClosed = errors.New("calibration: rectify map is closed")

// NewRectifyMap builds the undistortion/rectification map of cam for the target. The raw image is the
// one the camera publishes (its ROI, binned), as cv::initUndistortRectifyMap would see it.
func NewRectifyMap(cam Camera, target RectifyTarget) (*RectifyMap, error) {
	if err := cam.Validate(); err != nil {
		return nil, err
	}
	srcW, srcH := cam.PublishedSize()
	if target.Width == 0 && target.Height == 0 {
		target.Width, target.Height = srcW, srcH
	}
	if target.Intrinsics == (Intrinsics{}) {
		target.Intrinsics = cam.RectifiedIntrinsics()
	}
	out := target.Intrinsics
	if target.Width <= 0 || target.Height <= 0 {
		return nil, fmt.Errorf("calibration: rectified size %dx%d must be positive", target.Width, target.Height)
	}
	if !(out.Fx > 0 && out.Fy > 0) || !isFinite(out.Fx) || !isFinite(out.Fy) || !isFinite(out.Cx) || !isFinite(out.Cy) {
		return nil, fmt.Errorf("calibration: rectified intrinsics %+v need positive, finite focal lengths", out)
	}
	rInv, ok := invert3(cam.R)
	if !ok {
		return nil, fmt.Errorf("calibration: rectification matrix R %v is singular", cam.R)
	}
	m := &RectifyMap{
		Width: target.Width, Height: target.Height,
		SrcWidth: srcW, SrcHeight: srcH,
		Intrinsics: out,
		MapX:       make([]float32, target.Width*target.Height),
		MapY:       make([]float32, target.Width*target.Height),
	}
	raw := cam.PublishedIntrinsics()
	skew := cam.K[1] / float64(max(cam.BinningX, 1))
	for v := 0; v < m.Height; v++ {
		yr := (float64(v) - out.Cy) / out.Fy
		row := v * m.Width
		for u := 0; u < m.Width; u++ {
			xr := (float64(u) - out.Cx) / out.Fx
			// Back from the rectified frame to the camera's own: R takes camera rays to rectified ones.
			X := rInv[0]*xr + rInv[1]*yr + rInv[2]
			Y := rInv[3]*xr + rInv[4]*yr + rInv[5]
			Z := rInv[6]*xr + rInv[7]*yr + rInv[8]
			if Z <= 0 {
				// Behind the camera: -1 samples only the constant border.
				m.MapX[row+u], m.MapY[row+u] = -1, -1
				continue
			}
			xd, yd := Distort(cam.Model, cam.D, X/Z, Y/Z)
			m.MapX[row+u] = float32(raw.Fx*xd + skew*yd + raw.Cx)
			m.MapY[row+u] = float32(raw.Fy*yd + raw.Cy)
		}
	}
	return m, nil
}

// invert3 inverts a row-major 3×3 matrix by its adjugate.
func invert3(a [9]float64) ([9]float64, bool) {
	c00 := a[4]*a[8] - a[5]*a[7]
	c01 := a[5]*a[6] - a[3]*a[8]
	c02 := a[3]*a[7] - a[4]*a[6]
	det := a[0]*c00 + a[1]*c01 + a[2]*c02
	if det == 0 || !isFinite(det) {
		return [9]float64{}, false
	}
	inv := 1 / det
	return [9]float64{
		c00 * inv, (a[2]*a[7] - a[1]*a[8]) * inv, (a[1]*a[5] - a[2]*a[4]) * inv,
		c01 * inv, (a[0]*a[8] - a[2]*a[6]) * inv, (a[2]*a[3] - a[0]*a[5]) * inv,
		c02 * inv, (a[1]*a[6] - a[0]*a[7]) * inv, (a[0]*a[4] - a[1]*a[3]) * inv,
	}, true
}

// Remap writes the rectified image of src into dst (bilinear, black outside the raw image).
// src must have the published size of the camera the map was built for.
func (m *RectifyMap) Remap(src gocv.Mat, dst *gocv.Mat) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	if src.Cols() != m.SrcWidth || src.Rows() != m.SrcHeight {
		return fmt.Errorf("calibration: image is %dx%d but its camera_info says %dx%d",
			src.Cols(), src.Rows(), m.SrcWidth, m.SrcHeight)
	}
	m.matsOnce.Do(func() {
		m.matX = floatMat(m.MapX, m.Height, m.Width)
		m.matY = floatMat(m.MapY, m.Height, m.Width)
		m.matsMade = true
	})
	gocv.Remap(src, dst, &m.matX, &m.matY, gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{})
	return nil
}

// floatMat copies values into a new C-owned CV_32FC1 Mat (OpenCV may not keep Go memory).
func floatMat(values []float32, rows, cols int) gocv.Mat {
	mat := gocv.NewMatWithSize(rows, cols, gocv.MatTypeCV32F)
	data, err := mat.DataPtrFloat32()
	if err != nil {
		// A fresh continuous CV_32F Mat always has float data.
		panic(err)
	}
	copy(data, values)
	return mat
}

// Close frees the OpenCV copies of the maps; Remap fails afterwards. MapX and MapY stay readable.
func (m *RectifyMap) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if !m.matsMade {
		return nil
	}
	return errors.Join(m.matX.Close(), m.matY.Close())
}
