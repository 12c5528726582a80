package pipeline

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/msgs"
)

// OutputKind is what the depth network's output means (model.yaml `output.kind`).
type OutputKind string

// Output kinds of DESIGN §4.
const (
	OutputSigmoidDisparity OutputKind = models.OutputSigmoidDisparity // d = 1/(1/max + (1/min − 1/max)·x)
	OutputInverseDepth     OutputKind = models.OutputInverseDepth     // d = 1/x
	OutputDepth            OutputKind = models.OutputDepth            // d = x
	OutputAffineDisparity  OutputKind = models.OutputAffineDisparity  // 1/d = s·x + t, s and t fitted per frame
	OutputAffineDepth      OutputKind = models.OutputAffineDepth      // d = s·x + t
)

// Affine reports whether the kind needs a fitted scale and shift.
func (k OutputKind) Affine() bool { return models.IsAffineKind(string(k)) }

// DepthConfig says how to turn network output into depth.
type DepthConfig struct {
	Kind OutputKind
	// MinDepth and MaxDepth are the model's sigmoid_disparity range (model.yaml `output`);
	// required for that kind, ignored otherwise.
	MinDepth, MaxDepth float64
	// ClampMin and ClampMax, when positive, clamp valid depths after scaling. 0 disables each.
	ClampMin, ClampMax float32
}

// Validate reports fields out of range.
func (c DepthConfig) Validate() error {
	switch c.Kind {
	case OutputSigmoidDisparity:
		if !(c.MinDepth > 0) || math.IsInf(c.MinDepth, 0) {
			return fmt.Errorf("depth: min_depth %v must be positive and finite for %s", c.MinDepth, c.Kind)
		}
		if !(c.MaxDepth > c.MinDepth) || math.IsInf(c.MaxDepth, 0) {
			return fmt.Errorf("depth: max_depth %v must be finite and greater than min_depth %v", c.MaxDepth, c.MinDepth)
		}
	case OutputInverseDepth, OutputDepth, OutputAffineDisparity, OutputAffineDepth:
	default:
		return fmt.Errorf("depth: unknown output kind %q; supported: %s, %s, %s, %s, %s",
			c.Kind, OutputSigmoidDisparity, OutputInverseDepth, OutputDepth, OutputAffineDisparity, OutputAffineDepth)
	}
	if c.ClampMin < 0 || c.ClampMax < 0 || math.IsNaN(float64(c.ClampMin)) || math.IsNaN(float64(c.ClampMax)) {
		return fmt.Errorf("depth: clamp range [%v, %v] must not be negative", c.ClampMin, c.ClampMax)
	}
	if c.ClampMin > 0 && c.ClampMax > 0 && c.ClampMax < c.ClampMin {
		return fmt.Errorf("depth: clamp max %v < clamp min %v", c.ClampMax, c.ClampMin)
	}
	return nil
}

// DepthConverter maps network output to depth in place or into a caller's buffer. It holds no
// buffers; it is a validated DepthConfig with its constants precomputed.
type DepthConverter struct {
	kind             OutputKind
	invMax, span     float32 // sigmoid: 1/max and 1/min − 1/max
	clampLo, clampHi float32
}

// NewDepthConverter validates cfg and returns a converter.
func NewDepthConverter(cfg DepthConfig) (*DepthConverter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &DepthConverter{kind: cfg.Kind, clampLo: cfg.ClampMin, clampHi: float32(math.Inf(1))}
	if cfg.ClampMax > 0 {
		c.clampHi = cfg.ClampMax
	}
	if cfg.Kind == OutputSigmoidDisparity {
		c.invMax = float32(1 / cfg.MaxDepth)
		c.span = float32(1/cfg.MinDepth - 1/cfg.MaxDepth)
	}
	return c, nil
}

var nan32 = float32(math.NaN())

// Convert writes depth·scale for each network output value of src into dst (same length; dst
// may be src). Non-finite or non-positive results are NaN; valid ones are clamped if configured.
func (c *DepthConverter) Convert(dst, src []float32, scale float32) error {
	if len(dst) != len(src) {
		return fmt.Errorf("depth: destination length %d != source length %d", len(dst), len(src))
	}
	if !(scale > 0) || math.IsInf(float64(scale), 0) {
		return fmt.Errorf("depth: scale %v must be positive and finite", scale)
	}
	if c.kind.Affine() {
		return fmt.Errorf("depth: %s output needs ConvertAffine with a fitted scale and shift", c.kind)
	}
	dst = dst[:len(src)]
	// One loop per kind: the per-value switch would cost more than the arithmetic.
	switch c.kind {
	case OutputSigmoidDisparity:
		invMax, span := c.invMax, c.span
		for i, x := range src {
			dst[i] = 1 / (invMax + span*x)
		}
	case OutputInverseDepth:
		for i, x := range src {
			dst[i] = 1 / x
		}
	default:
		copy(dst, src)
	}
	c.finish(dst, scale)
	return nil
}

// ConvertAffine writes the depth of an affine-invariant output: 1/(scale·x + shift) for
// affine_disparity, scale·x + shift for affine_depth, then validates and clamps as Convert does.
// A pixel whose fitted disparity is not positive (beyond the fit's horizon) is invalid.
func (c *DepthConverter) ConvertAffine(dst, src []float32, scale, shift float32) error {
	if len(dst) != len(src) {
		return fmt.Errorf("depth: destination length %d != source length %d", len(dst), len(src))
	}
	if !(scale > 0) || math.IsInf(float64(scale), 0) || math.IsNaN(float64(shift)) || math.IsInf(float64(shift), 0) {
		return fmt.Errorf("depth: affine scale %v must be positive and finite, shift %v finite", scale, shift)
	}
	dst = dst[:len(src)]
	switch c.kind {
	case OutputAffineDisparity:
		for i, x := range src {
			dst[i] = 1 / (scale*x + shift)
		}
	case OutputAffineDepth:
		for i, x := range src {
			dst[i] = scale*x + shift
		}
	default:
		return fmt.Errorf("depth: ConvertAffine needs an affine kind, not %s", c.kind)
	}
	c.finish(dst, 1)
	return nil
}

// finish multiplies by scale, marks non-positive and non-finite depths NaN and clamps the rest.
func (c *DepthConverter) finish(dst []float32, scale float32) {
	lo, hi := c.clampLo, c.clampHi
	for i, d := range dst {
		d *= scale
		// NaN fails every comparison; +Inf is caught by the upper test.
		// (Plain comparisons: the min/max builtins handle NaN and cost several times more.)
		switch {
		case !(d > 0) || d > math.MaxFloat32:
			d = nan32
		case d < lo:
			d = lo
		case d > hi:
			d = hi
		}
		dst[i] = d
	}
}

// EncodeDepth32FC1 fills dst as a REP 118 depth image: 32FC1, metres, little-endian float32,
// NaN for invalid. dst.Data is reused when large enough: hand dst to a publisher that copies
// (or serialises) before the next call, or keep two and alternate.
func EncodeDepth32FC1(dst *msgs.Image, header msgs.Header, depth []float32, w, h int) error {
	if err := checkDepthSize(depth, w, h); err != nil {
		return err
	}
	data := setImage(dst, header, w, h, "32FC1", 4)
	for i, d := range depth[:w*h] {
		if !(d > 0) || d > math.MaxFloat32 {
			d = nan32
		}
		binary.LittleEndian.PutUint32(data[4*i:4*i+4:4*i+4], math.Float32bits(d))
	}
	return nil
}

// EncodeDepth16UC1 fills dst as a REP 118 depth image: 16UC1, millimetres rounded to nearest,
// 0 for invalid, 65535 for depths at or beyond 65.535 m. A valid depth below 0.5 mm becomes
// 1 mm rather than 0 so that it stays valid. dst.Data is reused as for EncodeDepth32FC1.
func EncodeDepth16UC1(dst *msgs.Image, header msgs.Header, depth []float32, w, h int) error {
	if err := checkDepthSize(depth, w, h); err != nil {
		return err
	}
	data := setImage(dst, header, w, h, "16UC1", 2)
	for i, d := range depth[:w*h] {
		var mm uint16
		switch {
		case !(d > 0) || d > math.MaxFloat32:
			mm = 0
		case d >= 65.535:
			mm = 65535
		default:
			mm = uint16(max(1, math.Round(float64(d)*1000)))
		}
		binary.LittleEndian.PutUint16(data[2*i:], mm)
	}
	return nil
}

func checkDepthSize(depth []float32, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("depth image: size %dx%d must be positive", w, h)
	}
	if len(depth) < w*h {
		return fmt.Errorf("depth image: %d values < width %d × height %d", len(depth), w, h)
	}
	return nil
}

// setImage sets dst's metadata for a w×h little-endian image of bpp bytes per pixel and returns
// its data, reusing the old backing array when it is large enough.
func setImage(dst *msgs.Image, header msgs.Header, w, h int, encoding string, bpp int) []byte {
	n := w * h * bpp
	if cap(dst.Data) < n {
		dst.Data = make([]byte, n)
	}
	dst.Data = dst.Data[:n]
	dst.Header = header
	dst.Width, dst.Height = uint32(w), uint32(h)
	dst.Encoding = encoding
	dst.IsBigEndian = 0
	dst.Step = uint32(w * bpp)
	return dst.Data
}
