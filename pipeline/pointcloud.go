package pipeline

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// CloudConfig configures a CloudBuilder.
type CloudConfig struct {
	// Decimation keeps every k-th pixel in x and y, starting at pixel (0, 0); 0 or 1 keeps all.
	Decimation int
	// MinRange and MaxRange bound the Euclidean distance from the camera centre, |(x, y, z)|
	// in metres (a range, as lidars and most consumers mean it, not z). 0 disables each.
	// Points outside are kept in the organised cloud as NaN.
	MinRange, MaxRange float32
	// RGB adds an "rgb" field (float32 packing of 0x00RRGGBB, as PCL and RViz expect).
	RGB bool
}

// Validate reports fields out of range.
func (c CloudConfig) Validate() error {
	if c.Decimation < 0 {
		return fmt.Errorf("points: decimation %d must not be negative", c.Decimation)
	}
	if c.MinRange < 0 || c.MaxRange < 0 || math.IsNaN(float64(c.MinRange)) || math.IsNaN(float64(c.MaxRange)) {
		return fmt.Errorf("points: range limits [%v, %v] must not be negative", c.MinRange, c.MaxRange)
	}
	if c.MaxRange > 0 && c.MaxRange < c.MinRange {
		return fmt.Errorf("points: max_range %v < min_range %v", c.MaxRange, c.MinRange)
	}
	return nil
}

// Point layouts. x y z are float32 at offsets 0, 4, 8 with no padding (point_step 12) to keep
// messages small; with colour, rgb follows at 12 (point_step 16). Consumers read PointCloud2
// by field offsets, so neither layout needs PCL's 16/32-byte padding.
var (
	fieldsXYZ = []msgs.PointField{
		{Name: "x", Offset: 0, Datatype: msgs.PointFieldFloat32, Count: 1},
		{Name: "y", Offset: 4, Datatype: msgs.PointFieldFloat32, Count: 1},
		{Name: "z", Offset: 8, Datatype: msgs.PointFieldFloat32, Count: 1},
	}
	fieldsXYZRGB = append(fieldsXYZ[:3:3], msgs.PointField{Name: "rgb", Offset: 12, Datatype: msgs.PointFieldFloat32, Count: 1})
)

// ray is the back-projection of one sampled pixel: a point at depth z is z·(x, y, 1), at
// Euclidean range z·norm.
type ray struct{ x, y, norm float32 }

// CloudBuilder back-projects depth images into organised sensor_msgs/PointCloud2 in the
// camera's optical frame (REP 103: z forward, x right, y down). The rays are computed once per
// intrinsics, image size and decimation and rebuilt only when one of those changes.
// Not safe for concurrent use.
type CloudBuilder struct {
	cfg        CloudConfig
	step       int
	rays       []ray
	intr       calibration.Intrinsics
	w, h       int
	outW, outH int
}

// NewCloudBuilder validates cfg and returns a CloudBuilder.
func NewCloudBuilder(cfg CloudConfig) (*CloudBuilder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	step := max(cfg.Decimation, 1)
	return &CloudBuilder{cfg: cfg, step: step}, nil
}

// SetDecimation changes the decimation k (≤ 1 keeps every pixel) from the next Build; the rays
// are rebuilt only when k changes.
func (b *CloudBuilder) SetDecimation(k int) {
	k = max(k, 1)
	if k != b.step {
		b.step, b.rays = k, nil
	}
}

// CloudSize is the organised cloud's width and height for a w×h depth image and decimation k:
// ceil(w/k) × ceil(h/k).
func CloudSize(w, h, decimation int) (cw, ch int) {
	k := max(decimation, 1)
	return (w + k - 1) / k, (h + k - 1) / k
}

func (b *CloudBuilder) prepare(w, h int, intr calibration.Intrinsics) error {
	if w == b.w && h == b.h && intr == b.intr && b.rays != nil {
		return nil
	}
	if !(intr.Fx > 0) || !(intr.Fy > 0) || math.IsInf(intr.Fx, 0) || math.IsInf(intr.Fy, 0) ||
		math.IsNaN(intr.Cx) || math.IsNaN(intr.Cy) || math.IsInf(intr.Cx, 0) || math.IsInf(intr.Cy, 0) {
		return fmt.Errorf("points: intrinsics fx=%v fy=%v cx=%v cy=%v must be finite with positive focal lengths",
			intr.Fx, intr.Fy, intr.Cx, intr.Cy)
	}
	cw, ch := CloudSize(w, h, b.step)
	if cap(b.rays) < cw*ch {
		b.rays = make([]ray, cw*ch)
	}
	b.rays = b.rays[:cw*ch]
	for j := 0; j < ch; j++ {
		ry := (float64(j*b.step) - intr.Cy) / intr.Fy
		for i := 0; i < cw; i++ {
			rx := (float64(i*b.step) - intr.Cx) / intr.Fx
			b.rays[j*cw+i] = ray{float32(rx), float32(ry), float32(math.Sqrt(rx*rx + ry*ry + 1))}
		}
	}
	b.w, b.h, b.intr, b.outW, b.outH = w, h, intr, cw, ch
	return nil
}

// Build fills dst with the organised cloud of the w×h depth image (metres, NaN or ≤ 0 invalid)
// seen through intr (intrinsics of the depth image itself). Invalid or range-filtered pixels
// become NaN points; is_dense is false. With CloudConfig.RGB, colour is read from rgb, which
// must be w×h too. dst.Data is reused when large enough: publish (serialise) dst before the
// next Build, or keep two and alternate.
func (b *CloudBuilder) Build(dst *msgs.PointCloud2, header msgs.Header, depth []float32, w, h int,
	intr calibration.Intrinsics, rgb *RGBImage) error {
	if err := checkDepthSize(depth, w, h); err != nil {
		return fmt.Errorf("points: %w", err)
	}
	if b.cfg.RGB {
		if rgb == nil {
			return fmt.Errorf("points: rgb is configured but no colour image was given")
		}
		if rgb.W != w || rgb.H != h || len(rgb.Pix) < 3*w*h {
			return fmt.Errorf("points: colour image %dx%d (%d bytes) does not match depth %dx%d",
				rgb.W, rgb.H, len(rgb.Pix), w, h)
		}
	}
	if err := b.prepare(w, h, intr); err != nil {
		return err
	}
	pointStep := 12
	fields := fieldsXYZ
	if b.cfg.RGB {
		pointStep, fields = 16, fieldsXYZRGB
	}
	cw, ch := b.outW, b.outH
	n := cw * ch * pointStep
	if cap(dst.Data) < n {
		dst.Data = make([]byte, n)
	}
	dst.Data = dst.Data[:n]
	dst.Header = header
	dst.Width, dst.Height = uint32(cw), uint32(ch)
	dst.Fields = fields
	dst.IsBigEndian = false
	dst.PointStep = uint32(pointStep)
	dst.RowStep = uint32(cw * pointStep)
	dst.IsDense = false

	minR := b.cfg.MinRange
	maxR := b.cfg.MaxRange
	if maxR == 0 {
		maxR = float32(math.Inf(1))
	}
	nanBits := math.Float32bits(nan32)
	data := dst.Data
	o := 0
	for j := 0; j < ch; j++ {
		v := j * b.step
		rays := b.rays[j*cw : (j+1)*cw]
		for i, r := range rays {
			u := i * b.step
			z := depth[v*w+u]
			p := data[o : o+pointStep]
			rng := z * r.norm
			if !(z > 0) || rng < minR || rng > maxR || z > math.MaxFloat32 {
				binary.LittleEndian.PutUint32(p[0:], nanBits)
				binary.LittleEndian.PutUint32(p[4:], nanBits)
				binary.LittleEndian.PutUint32(p[8:], nanBits)
			} else {
				binary.LittleEndian.PutUint32(p[0:], math.Float32bits(z*r.x))
				binary.LittleEndian.PutUint32(p[4:], math.Float32bits(z*r.y))
				binary.LittleEndian.PutUint32(p[8:], math.Float32bits(z))
			}
			if pointStep == 16 {
				// 0x00RRGGBB as a little-endian uint32: bytes B, G, R, 0.
				c := 3 * (v*w + u)
				p[12], p[13], p[14], p[15] = rgb.Pix[c+2], rgb.Pix[c+1], rgb.Pix[c], 0
			}
			o += pointStep
		}
	}
	return nil
}

// PackRGB returns the float32 whose bits are 0x00RRGGBB, the "rgb" field of PCL and RViz.
func PackRGB(r, g, b byte) float32 {
	return math.Float32frombits(uint32(r)<<16 | uint32(g)<<8 | uint32(b))
}
