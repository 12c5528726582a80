package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// Point clouds meet the camera here: a LiDAR's returns projected into the image give eval its
// ground truth and the sparse_depth scale mode its metric samples.

// cloudXYZ is a checked view of the x, y, z fields of a sensor_msgs/PointCloud2.
type cloudXYZ struct {
	data               []byte
	width, height      int
	pointStep, rowStep int
	off                [3]int
	f64                [3]bool
}

// newCloudXYZ checks a cloud before anything reads its data: little-endian, fields x, y and z
// of type float32 (or float64) inside point_step, and width·height points of point_step bytes
// (rows row_step apart) inside data. An error names the offending field or sizes.
func newCloudXYZ(c *msgs.PointCloud2) (*cloudXYZ, error) {
	if c.IsBigEndian {
		return nil, errors.New("big-endian point clouds (is_bigendian true) are not supported")
	}
	v := &cloudXYZ{data: c.Data, width: int(c.Width), height: int(c.Height), pointStep: int(c.PointStep), rowStep: int(c.RowStep)}
	var names []string
	for _, f := range c.Fields {
		names = append(names, f.Name)
	}
	for k, name := range []string{"x", "y", "z"} {
		var f *msgs.PointField
		for i := range c.Fields {
			if c.Fields[i].Name == name {
				f = &c.Fields[i]
				break
			}
		}
		if f == nil {
			return nil, fmt.Errorf("point cloud has no field %q (its fields: %s)", name, strings.Join(names, ", "))
		}
		size := 4
		switch f.Datatype {
		case msgs.PointFieldFloat32:
		case msgs.PointFieldFloat64:
			size, v.f64[k] = 8, true
		default:
			return nil, fmt.Errorf("point cloud field %q has datatype %d, want float32 (%d) or float64 (%d)", name, f.Datatype, msgs.PointFieldFloat32, msgs.PointFieldFloat64)
		}
		if uint64(f.Offset)+uint64(size) > uint64(c.PointStep) {
			return nil, fmt.Errorf("point cloud field %q at offset %d (%d bytes) does not fit in point_step %d", name, f.Offset, size, c.PointStep)
		}
		v.off[k] = int(f.Offset)
	}
	if v.width == 0 || v.height == 0 {
		return v, nil
	}
	if v.rowStep == 0 {
		v.rowStep = v.width * v.pointStep // some drivers leave row_step unset
	}
	sizes := func() error {
		return fmt.Errorf("point cloud %dx%d with point_step %d and row_step %d needs more than its %d bytes of data",
			c.Width, c.Height, c.PointStep, c.RowStep, len(c.Data))
	}
	rowBytes := uint64(c.Width) * uint64(c.PointStep)
	if uint64(v.rowStep) < rowBytes {
		return nil, fmt.Errorf("point cloud row_step %d is less than width %d × point_step %d", c.RowStep, c.Width, c.PointStep)
	}
	if rowBytes > uint64(len(c.Data)) || uint64(v.height-1)*uint64(v.rowStep) > uint64(len(c.Data))-rowBytes {
		return nil, sizes()
	}
	return v, nil
}

// each calls fn with every point's coordinates, skipping non-finite ones.
func (v *cloudXYZ) each(fn func(p [3]float64)) {
	if v.width == 0 || v.height == 0 {
		return // an empty cloud: its sizes were not checked (nothing to read)
	}
	for r := 0; r < v.height; r++ {
		row := v.data[r*v.rowStep:]
		for c := 0; c < v.width; c++ {
			pt := row[c*v.pointStep:]
			var p [3]float64
			for k := 0; k < 3; k++ {
				if v.f64[k] {
					p[k] = math.Float64frombits(binary.LittleEndian.Uint64(pt[v.off[k]:]))
				} else {
					p[k] = float64(math.Float32frombits(binary.LittleEndian.Uint32(pt[v.off[k]:])))
				}
			}
			if s := p[0] + p[1] + p[2]; math.IsNaN(s) || math.IsInf(s, 0) {
				continue
			}
			fn(p)
		}
	}
}

// cloudProjector projects points into a camera image of a given size.
type cloudProjector struct {
	w, h           int
	fx, fy, cx, cy float64
	model          calibration.DistortionModel
	d              []float64
	maxR2          float64 // beyond this normalised radius² a point cannot be in the image
}

func newCloudProjector(cam *calibration.Camera, w, h int) *cloudProjector {
	in := cam.PublishedIntrinsics()
	p := &cloudProjector{w: w, h: h, fx: in.Fx, fy: in.Fy, cx: in.Cx, cy: in.Cy}
	if pw, ph := cam.PublishedSize(); pw > 0 && ph > 0 && (pw != w || ph != h) {
		// The image is not the size camera_info describes: scale with the pixel-centre convention.
		sx, sy := float64(w)/float64(pw), float64(h)/float64(ph)
		p.fx, p.cx = p.fx*sx, (p.cx+0.5)*sx-0.5
		p.fy, p.cy = p.fy*sy, (p.cy+0.5)*sy-0.5
	}
	distorted := false
	for _, c := range cam.D {
		distorted = distorted || c != 0
	}
	if !distorted || cam.Model == calibration.NoDistortion {
		return p
	}
	p.model, p.d = cam.Model, cam.D
	// Lens polynomials fold back far outside the field of view: accept only rays inside the
	// undistorted image border (plus a margin), found by undistorting points along it.
	for i := 0; i <= 16; i++ {
		f := float64(i) / 16
		for _, uv := range [][2]float64{{f * float64(w-1), 0}, {f * float64(w-1), float64(h - 1)}, {0, f * float64(h-1)}, {float64(w - 1), f * float64(h-1)}} {
			x, y, ok := calibration.Undistort(p.model, p.d, (uv[0]-p.cx)/p.fx, (uv[1]-p.cy)/p.fy)
			if ok {
				p.maxR2 = math.Max(p.maxR2, x*x+y*y)
			}
		}
	}
	if p.maxR2 == 0 {
		p.maxR2 = math.Inf(1)
	}
	p.maxR2 *= 1.2
	return p
}

// pixel maps a point in the camera optical frame to its pixel (centres at integers).
func (p *cloudProjector) pixel(q [3]float64) (int, int, bool) {
	if !(q[2] > 0) {
		return 0, 0, false
	}
	x, y := q[0]/q[2], q[1]/q[2]
	if p.d != nil {
		if x*x+y*y > p.maxR2 {
			return 0, 0, false
		}
		x, y = calibration.Distort(p.model, p.d, x, y)
	}
	u, v := math.Round(p.fx*x+p.cx), math.Round(p.fy*y+p.cy)
	if !(u >= 0 && v >= 0 && u < float64(p.w) && v < float64(p.h)) {
		return 0, 0, false
	}
	return int(u), int(v), true
}

// ProjectCloud renders a sparse ground-truth depth image of w×h pixels from a point cloud:
// each point is moved into the camera optical frame by cameraFromCloud (the cloud frame's pose in
// the camera frame), projected through the camera's published intrinsics and its distortion,
// and the pixel it lands on keeps the smallest z (metres along the optical axis). Pixels no point
// reaches are NaN. dst is reused when it is large enough. n is the number of pixels filled.
func ProjectCloud(dst []float32, w, h int, cloud *msgs.PointCloud2, cameraFromCloud Rigid, cam *calibration.Camera) (out []float32, n int, err error) {
	if w <= 0 || h <= 0 || w > 16384 || h > 16384 {
		return nil, 0, fmt.Errorf("camera image %dx%d cannot hold a depth image", w, h)
	}
	if cam == nil {
		return nil, 0, errors.New("projecting a point cloud needs the camera's intrinsics (camera_info)")
	}
	v, err := newCloudXYZ(cloud)
	if err != nil {
		return nil, 0, err
	}
	out = growFloats(dst, w*h)
	nan := float32(math.NaN())
	for i := range out {
		out[i] = nan
	}
	proj := newCloudProjector(cam, w, h)
	v.each(func(p [3]float64) {
		q := cameraFromCloud.Apply(p)
		u, r, ok := proj.pixel(q)
		if !ok {
			return
		}
		i := r*w + u
		z := float32(q[2])
		if old := out[i]; old != old {
			out[i] = z
			n++
		} else if z < old {
			out[i] = z
		}
	})
	return out, n, nil
}

// SparseFromDepthImage takes the valid pixels of a depth image registered to the camera image
// (32FC1 metres or 16UC1 millimetres, REP 118; any size, scaled onto the camera's w×h) as metric
// samples, every stride-th pixel in x and y, appended to dst.
func SparseFromDepthImage(dst []SparsePoint, img *msgs.Image, w, h, stride int) ([]SparsePoint, error) {
	iw, ih := int(img.Width), int(img.Height)
	bpp := 4
	switch img.Encoding {
	case "32FC1":
	case "16UC1", "mono16":
		bpp = 2
	default:
		return dst, fmt.Errorf("sparse depth image: encoding %q; want 32FC1 (m) or 16UC1 (mm)", img.Encoding)
	}
	if iw <= 0 || ih <= 0 || int(img.Step) < iw*bpp || uint64(img.Step)*uint64(ih) > uint64(len(img.Data)) {
		return dst, fmt.Errorf("sparse depth image: %dx%d step %d does not fit its %d bytes", iw, ih, img.Step, len(img.Data))
	}
	if img.IsBigEndian != 0 {
		return dst, errors.New("sparse depth image: big-endian data is not supported")
	}
	stride = max(1, stride)
	sx, sy := float32(w)/float32(iw), float32(h)/float32(ih)
	for y := 0; y < ih; y += stride {
		row := img.Data[y*int(img.Step):]
		for x := 0; x < iw; x += stride {
			var z float32
			if bpp == 4 {
				z = math.Float32frombits(binary.LittleEndian.Uint32(row[4*x:]))
			} else {
				z = float32(binary.LittleEndian.Uint16(row[2*x:])) / 1000
			}
			if z > 0 && z < math.MaxFloat32 {
				dst = append(dst, SparsePoint{U: (float32(x)+0.5)*sx - 0.5, V: (float32(y)+0.5)*sy - 0.5, Z: z})
			}
		}
	}
	return dst, nil
}

// SparseFromDepthMap takes the valid pixels (> 0, finite) of a w×h depth map in camera image
// pixels, e.g. ProjectCloud's, as metric samples appended to dst.
func SparseFromDepthMap(dst []SparsePoint, depth []float32, w, h int) []SparsePoint {
	for i, z := range depth[:w*h] {
		if z > 0 && z < math.MaxFloat32 {
			dst = append(dst, SparsePoint{U: float32(i % w), V: float32(i / w), Z: z})
		}
	}
	return dst
}

// SparseFromCloud projects a point cloud (moved into the camera optical frame by
// cameraFromCloud) into the camera's w×h image as metric samples, appended to dst.
func SparseFromCloud(dst []SparsePoint, cloud *msgs.PointCloud2, cameraFromCloud Rigid, cam *calibration.Camera, w, h int) ([]SparsePoint, error) {
	if cam == nil {
		return dst, errors.New("projecting a point cloud needs the camera's intrinsics (camera_info)")
	}
	v, err := newCloudXYZ(cloud)
	if err != nil {
		return dst, err
	}
	proj := newCloudProjector(cam, w, h)
	v.each(func(p [3]float64) {
		q := cameraFromCloud.Apply(p)
		if u, r, ok := proj.pixel(q); ok {
			dst = append(dst, SparsePoint{U: float32(u), V: float32(r), Z: float32(q[2])})
		}
	})
	return dst, nil
}
