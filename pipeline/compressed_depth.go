package pipeline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/msgs"
)

// image_transport's compressedDepth format (ros-perception/image_transport_plugins,
// compressed_depth_image_transport: include/compressed_depth_image_transport/compression_common.h
// and src/codec.cpp): a sensor_msgs/CompressedImage whose data is a 12-byte configuration header
// then a 16-bit greyscale PNG.
//
// The header is the C++ struct ConfigHeader as the host lays it out (little-endian on every ROS
// platform): the compression format, an enum (int32: INV_DEPTH = 0), at offset 0, then two
// float32 quantisation parameters A (offset 4) and B (offset 8).
//
// 16UC1 (and mono16): the PNG holds the millimetres, values above depth_max zeroed.
// 32FC1: the PNG holds quantised inverse depth q = trunc(A/d + B) for d < depth_max, else 0
// (NaN too), with A = z0·(z0+1) and B = 1 − A/depth_max for the quantisation depth z0; it
// decodes as d = A/(q − B), q = 0 as NaN. Truncation rounds q down, so a decoded depth is never
// nearer than the original and at most d²/(A − d) farther (see CompressedDepthError).
//
// The format string is "<encoding>; compressedDepth png".
const (
	CompressedDepthHeaderSize = 12
	compressedDepthInvDepth   = 0 // compressionFormat INV_DEPTH
	compressedDepthSuffix     = "; compressedDepth png"
)

// CompressedDepthConfig holds the compressedDepth publisher's parameters (the plugin's
// depth_max, depth_quantization and png_level).
type CompressedDepthConfig struct {
	DepthMax     float64 // metres; farther depth is sent as invalid (default 100)
	Quantization float64 // z0 of the quantisation, metres (default 100, the plugin's)
	PNGLevel     int     // zlib level 1..9 (0: 1, the fastest; the plugin's default is 3)
}

func (c CompressedDepthConfig) withDefaults() CompressedDepthConfig {
	if c.DepthMax == 0 {
		c.DepthMax = 100
	}
	if c.Quantization == 0 {
		c.Quantization = 100
	}
	if c.PNGLevel == 0 {
		c.PNGLevel = 1
	}
	return c
}

// Validate reports fields out of range.
func (c CompressedDepthConfig) Validate() error {
	c = c.withDefaults()
	if !(c.DepthMax > 0) || math.IsInf(c.DepthMax, 0) {
		return fmt.Errorf("compressedDepth: depth_max %v must be positive and finite", c.DepthMax)
	}
	if !(c.Quantization > 0) || math.IsInf(c.Quantization, 0) {
		return fmt.Errorf("compressedDepth: depth_quantization %v must be positive and finite", c.Quantization)
	}
	if c.PNGLevel < 1 || c.PNGLevel > 9 {
		return fmt.Errorf("compressedDepth: png_level %d must be 1..9", c.PNGLevel)
	}
	return nil
}

// Quant returns the quantisation parameters A and B (float32, as the plugin computes them).
func (c CompressedDepthConfig) Quant() (a, b float32) {
	c = c.withDefaults()
	z0, max := float32(c.Quantization), float32(c.DepthMax)
	a = z0 * (z0 + 1)
	return a, 1 - a/max
}

// CompressedDepthError is the largest amount by which a 32FC1 depth d < depth_max decodes
// farther than it was: q − B lies in (A/d − 1, A/d], so A/(q − B) − d < d²/(A − d).
func CompressedDepthError(a float32, d float64) float64 { return d * d / (float64(a) - d) }

// CompressedDepthEncoder encodes depth images as compressedDepth. It reuses its quantisation
// buffer; the PNG comes from OpenCV's encoder (as the plugin's does) and is copied into the
// message's data, reused when large enough. Not safe for concurrent use.
type CompressedDepthEncoder struct {
	cfg CompressedDepthConfig
	buf []byte // 16-bit samples, host (little-endian) order, for the PNG
	// Encodes counts the images encoded.
	Encodes uint64
}

// NewCompressedDepthEncoder validates cfg and returns an encoder.
func NewCompressedDepthEncoder(cfg CompressedDepthConfig) (*CompressedDepthEncoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &CompressedDepthEncoder{cfg: cfg.withDefaults()}, nil
}

// Encode fills dst from a 32FC1 or 16UC1 depth image (REP 118, little-endian).
func (e *CompressedDepthEncoder) Encode(dst *msgs.CompressedImage, img *msgs.Image) error {
	w, h := int(img.Width), int(img.Height)
	bpp := 0
	switch img.Encoding {
	case Encoding32FC1:
		bpp = 4
	case Encoding16UC1, "mono16":
		bpp = 2
	default:
		return fmt.Errorf("compressedDepth: encoding %q: want 32FC1 or 16UC1", img.Encoding)
	}
	if w < 1 || h < 1 || img.IsBigEndian != 0 || int(img.Step) != w*bpp || len(img.Data) < w*h*bpp {
		return fmt.Errorf("compressedDepth: %s image %dx%d step %d big-endian %d with %d bytes: want a packed little-endian image",
			img.Encoding, w, h, img.Step, img.IsBigEndian, len(img.Data))
	}
	if cap(e.buf) < 2*w*h {
		e.buf = make([]byte, 2*w*h)
	}
	q := e.buf[:2*w*h]
	var a, b float32
	if bpp == 4 {
		a, b = e.cfg.Quant()
		max := float32(e.cfg.DepthMax)
		for i := 0; i < w*h; i++ {
			d := math.Float32frombits(binary.LittleEndian.Uint32(img.Data[4*i:]))
			var v uint16
			if d > 0 && d < max { // NaN fails both
				x := a/d + b
				v = 65535
				if x < 65535 {
					v = uint16(x) // truncation, as the plugin's float → unsigned short conversion
				}
			}
			binary.LittleEndian.PutUint16(q[2*i:], v)
		}
	} else {
		maxMM := uint16(min(e.cfg.DepthMax*1000, 65535))
		for i := 0; i < w*h; i++ {
			v := binary.LittleEndian.Uint16(img.Data[2*i:])
			if v > maxMM {
				v = 0
			}
			binary.LittleEndian.PutUint16(q[2*i:], v)
		}
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV16UC1, q)
	if err != nil {
		return fmt.Errorf("compressedDepth: %w", err)
	}
	defer m.Close()
	enc, err := gocv.IMEncodeWithParams(gocv.PNGFileExt, m, []int{gocv.IMWritePngCompression, e.cfg.PNGLevel})
	if err != nil {
		return fmt.Errorf("compressedDepth: PNG: %w", err)
	}
	defer enc.Close()
	pngData := enc.GetBytes()
	n := CompressedDepthHeaderSize + len(pngData)
	if cap(dst.Data) < n {
		dst.Data = make([]byte, n, n+n/4)
	}
	dst.Data = dst.Data[:n]
	putCompressedDepthHeader(dst.Data, a, b)
	copy(dst.Data[CompressedDepthHeaderSize:], pngData)
	dst.Header = img.Header
	dst.Format = img.Encoding + compressedDepthSuffix
	e.Encodes++
	return nil
}

func putCompressedDepthHeader(b []byte, qa, qb float32) {
	binary.LittleEndian.PutUint32(b[0:], uint32(int32(compressedDepthInvDepth)))
	binary.LittleEndian.PutUint32(b[4:], math.Float32bits(qa))
	binary.LittleEndian.PutUint32(b[8:], math.Float32bits(qb))
}

// maxCompressedDepthSide bounds a decoded image's sides, checked from the PNG header before
// anything is allocated for the pixels.
const maxCompressedDepthSide = 16384

// DecodeCompressedDepth decodes a compressedDepth message (32FC1, 16UC1 or mono16, PNG; not
// RVL) into a REP 118 depth image: 32FC1 metres with NaN invalid, or the 16-bit millimetres.
// The PNG's size is read from its header and bounded (each side ≤ 16384, and no more pixels
// than zlib's 1032:1 ratio lets the data hold) before the pixels are allocated.
func DecodeCompressedDepth(dst *msgs.Image, msg *msgs.CompressedImage) error {
	encoding, rest, hasCodec := strings.Cut(msg.Format, ";")
	encoding = strings.TrimSpace(encoding)
	if hasCodec {
		rest = strings.TrimSpace(rest)
		if rest != "compressedDepth png" && rest != "compressedDepth" {
			return fmt.Errorf("compressedDepth: format %q: only \"<encoding>; compressedDepth png\" is supported", msg.Format)
		}
	}
	float := encoding == Encoding32FC1
	if !float && encoding != Encoding16UC1 && encoding != "mono16" {
		return fmt.Errorf("compressedDepth: format %q: encoding %q, want 32FC1, 16UC1 or mono16", msg.Format, encoding)
	}
	if len(msg.Data) <= CompressedDepthHeaderSize {
		return fmt.Errorf("compressedDepth: %d bytes of data, want a %d-byte header and a PNG", len(msg.Data), CompressedDepthHeaderSize)
	}
	if f := int32(binary.LittleEndian.Uint32(msg.Data)); f != compressedDepthInvDepth {
		return fmt.Errorf("compressedDepth: header format %d, want %d (INV_DEPTH)", f, compressedDepthInvDepth)
	}
	qa := math.Float32frombits(binary.LittleEndian.Uint32(msg.Data[4:]))
	qb := math.Float32frombits(binary.LittleEndian.Uint32(msg.Data[8:]))
	data := msg.Data[CompressedDepthHeaderSize:]
	codec, w, h, err := compressedSize(data)
	if err != nil || codec != "png" {
		return fmt.Errorf("compressedDepth: the data after the header is not a PNG (%v)", err)
	}
	if w < 1 || h < 1 || w > maxCompressedDepthSide || h > maxCompressedDepthSide || uint64(w)*uint64(h)*2 > 1032*uint64(len(data)) {
		return fmt.Errorf("compressedDepth: PNG size %dx%d out of range for %d bytes (sides 1..%d)", w, h, len(data), maxCompressedDepthSide)
	}
	im, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("compressedDepth: PNG: %w", err)
	}
	g, ok := im.(*image.Gray16)
	if !ok || g.Rect.Dx() != w || g.Rect.Dy() != h {
		return fmt.Errorf("compressedDepth: PNG is %T, want a %dx%d 16-bit greyscale image", im, w, h)
	}
	bpp := 2
	if float {
		bpp = 4
	}
	out := setImage(dst, msg.Header, w, h, encoding, bpp)
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+2*w]
		for x := 0; x < w; x++ {
			v := binary.BigEndian.Uint16(row[2*x:])
			i := y*w + x
			if !float {
				binary.LittleEndian.PutUint16(out[2*i:], v)
				continue
			}
			d := nan32
			if v != 0 {
				d = qa / (float32(v) - qb)
			}
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(d))
		}
	}
	return nil
}

// JPEG colormaps (depth/colormap/compressed), as compressed_image_transport sends a bgr8 image.
const colormapJPEGFormat = "bgr8; jpeg compressed bgr8"

// EncodeJPEG fills dst with the JPEG of an rgb8 image (quality 1..100), format
// "bgr8; jpeg compressed bgr8". dst.Data is reused when large enough.
func EncodeJPEG(dst *msgs.CompressedImage, img *msgs.Image, quality int) error {
	w, h := int(img.Width), int(img.Height)
	if img.Encoding != "rgb8" || w < 1 || h < 1 || int(img.Step) != 3*w || len(img.Data) < 3*w*h {
		return fmt.Errorf("jpeg: %s image %dx%d step %d with %d bytes: want packed rgb8", img.Encoding, w, h, img.Step, len(img.Data))
	}
	if quality < 1 || quality > 100 {
		return fmt.Errorf("jpeg: quality %d must be 1..100", quality)
	}
	rgb, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC3, img.Data[:3*w*h])
	if err != nil {
		return fmt.Errorf("jpeg: %w", err)
	}
	defer rgb.Close()
	bgr := gocv.NewMat()
	defer bgr.Close()
	gocv.CvtColor(rgb, &bgr, gocv.ColorBGRToRGB) // the same channel swap
	enc, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, bgr, []int{gocv.IMWriteJpegQuality, quality})
	if err != nil {
		return fmt.Errorf("jpeg: %w", err)
	}
	defer enc.Close()
	dst.Data = append(dst.Data[:0], enc.GetBytes()...)
	dst.Header = img.Header
	dst.Format = colormapJPEGFormat
	return nil
}
