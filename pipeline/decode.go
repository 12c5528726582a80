package pipeline

import (
	"encoding/binary"
	"fmt"
	"image"
	"strings"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// DefaultMaxImageSide is the largest width or height Decoder accepts unless configured otherwise.
const DefaultMaxImageSide = 16384

// SupportedEncodings lists the sensor_msgs/Image encodings Decoder understands.
var SupportedEncodings = []string{
	"rgb8", "bgr8", "rgba8", "bgra8", "mono8",
	"rgb16", "bgr16", "rgba16", "bgra16", "mono16",
	"yuv422", "uyvy", "yuyv", "yuv422_yuy2",
	"bayer_rggb8", "bayer_bggr8", "bayer_gbrg8", "bayer_grbg8",
	"bayer_rggb16", "bayer_bggr16", "bayer_gbrg16", "bayer_grbg16",
}

// DecoderConfig configures a Decoder. The zero value is valid.
type DecoderConfig struct {
	// Bits16 is the number of significant bits in 16-bit samples (mono16, rgb16, bayer_*16);
	// samples are shifted right by Bits16−8 and saturated at 255. 0 means 16 (shift by 8);
	// a 12-bit camera that fills the low bits wants 12.
	Bits16 int
	// MaxSide bounds width and height of accepted images; 0 means DefaultMaxImageSide.
	MaxSide int
}

// Validate reports fields out of range.
func (c DecoderConfig) Validate() error {
	if c.Bits16 != 0 && (c.Bits16 < 8 || c.Bits16 > 16) {
		return fmt.Errorf("decoder: bits16 %d must be in 8..16 (0 means 16)", c.Bits16)
	}
	if c.MaxSide < 0 {
		return fmt.Errorf("decoder: max_side %d must not be negative", c.MaxSide)
	}
	return nil
}

// Decoder turns sensor_msgs/Image and sensor_msgs/CompressedImage into RGBImage.
//
// 8-bit encodings whose row step is a whole number of pixels (every camera we know) are
// converted by cv::cvtColor straight from the message bytes into dst (SIMD; Bayer by bilinear
// demosaicing); rgb8 is a copy; 16-bit encodings and odd row padding take one-pass Go loops
// that give the same bytes. Compressed images go through cv::imdecode. The Decoder owns one
// OpenCV scratch Mat (16-bit Bayer), so call Close when done. Not safe for concurrent use.
type Decoder struct {
	shift   uint
	maxSide int
	mosaic  gocv.Mat // 8-bit copy of a 16-bit Bayer mosaic, C memory, reused while the size holds
	pureGo  bool     // tests: take the Go path wherever one exists
}

// NewDecoder validates cfg and returns a Decoder.
func NewDecoder(cfg DecoderConfig) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Decoder{shift: 8, maxSide: DefaultMaxImageSide, mosaic: gocv.NewMat()}
	if cfg.Bits16 != 0 {
		d.shift = uint(cfg.Bits16 - 8)
	}
	if cfg.MaxSide != 0 {
		d.maxSide = cfg.MaxSide
	}
	return d, nil
}

// Close frees the OpenCV scratch memory.
func (d *Decoder) Close() error {
	return d.mosaic.Close()
}

type encodingKind uint8

const (
	kindColor encodingKind = iota // interleaved channels, 8 or 16 bit
	kindMono
	kindYUV422
	kindBayer
)

// encodingInfo describes one sensor_msgs/Image encoding.
type encodingInfo struct {
	kind     encodingKind
	channels int  // samples per pixel (YUV 4:2:2: 2 bytes per pixel, counted as 2 channels)
	bytes    int  // bytes per sample: 1 or 2
	bgr      bool // colour: B first; YUV: unused
	yFirst   bool // YUV: Y0 U Y1 V (YUYV) rather than U Y0 V Y1 (UYVY)
	// cv converts 8-bit data to RGB with OpenCV (SIMD, 3-4× faster than the Go loops here)
	// when cvOK; Bayer always goes through OpenCV.
	cv   gocv.ColorConversionCode
	cvOK bool
}

func (e encodingInfo) bytesPerPixel() int { return e.channels * e.bytes }

// OpenCV names a Bayer pattern by the second and third pixel of the second row (the 2×2 block
// starting at (1,1)), ROS by the first 2×2 block read row by row; so ROS rggb is OpenCV "BG".
// OpenCV's XX2RGB codes equal its YY2BGR codes with R and B swapped in the name, which is how
// gocv spells them. Verified in TestDecodeBayerRoundTrip.
const (
	cvBayerBG2RGB = gocv.ColorBayerRGToBGR // ROS rggb
	cvBayerRG2RGB = gocv.ColorBayerBGToBGR // ROS bggr
	cvBayerGR2RGB = gocv.ColorBayerGBToBGR // ROS gbrg
	cvBayerGB2RGB = gocv.ColorBayerGRToBGR // ROS grbg
)

func lookupEncoding(enc string) (encodingInfo, bool) {
	switch enc {
	case "rgb8":
		return encodingInfo{kind: kindColor, channels: 3, bytes: 1}, true
	case "bgr8":
		return encodingInfo{kind: kindColor, channels: 3, bytes: 1, bgr: true, cv: gocv.ColorBGRToRGB, cvOK: true}, true
	case "rgba8": // dropping alpha keeps the order: OpenCV's BGRA2BGR
		return encodingInfo{kind: kindColor, channels: 4, bytes: 1, cv: gocv.ColorBGRAToBGR, cvOK: true}, true
	case "bgra8": // OpenCV's RGBA2BGR is the same swap
		return encodingInfo{kind: kindColor, channels: 4, bytes: 1, bgr: true, cv: gocv.ColorRGBAToBGR, cvOK: true}, true
	case "rgb16":
		return encodingInfo{kind: kindColor, channels: 3, bytes: 2}, true
	case "bgr16":
		return encodingInfo{kind: kindColor, channels: 3, bytes: 2, bgr: true}, true
	case "rgba16":
		return encodingInfo{kind: kindColor, channels: 4, bytes: 2}, true
	case "bgra16":
		return encodingInfo{kind: kindColor, channels: 4, bytes: 2, bgr: true}, true
	case "mono8":
		return encodingInfo{kind: kindMono, channels: 1, bytes: 1, cv: gocv.ColorGrayToBGR, cvOK: true}, true
	case "mono16":
		return encodingInfo{kind: kindMono, channels: 1, bytes: 2}, true
	case "yuv422", "uyvy": // ROS "yuv422" is UYVY
		return encodingInfo{kind: kindYUV422, channels: 2, bytes: 1, cv: gocv.ColorYUVToRGBUYVY, cvOK: true}, true
	case "yuyv", "yuv422_yuy2":
		return encodingInfo{kind: kindYUV422, channels: 2, bytes: 1, yFirst: true, cv: gocv.ColorYUVToRGBYUY2, cvOK: true}, true
	case "bayer_rggb8":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 1, cv: cvBayerBG2RGB, cvOK: true}, true
	case "bayer_bggr8":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 1, cv: cvBayerRG2RGB, cvOK: true}, true
	case "bayer_gbrg8":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 1, cv: cvBayerGR2RGB, cvOK: true}, true
	case "bayer_grbg8":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 1, cv: cvBayerGB2RGB, cvOK: true}, true
	case "bayer_rggb16":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 2, cv: cvBayerBG2RGB, cvOK: true}, true
	case "bayer_bggr16":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 2, cv: cvBayerRG2RGB, cvOK: true}, true
	case "bayer_gbrg16":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 2, cv: cvBayerGR2RGB, cvOK: true}, true
	case "bayer_grbg16":
		return encodingInfo{kind: kindBayer, channels: 1, bytes: 2, cv: cvBayerGB2RGB, cvOK: true}, true
	}
	return encodingInfo{}, false
}

// validate checks the image's geometry against its encoding before any byte is read.
func (d *Decoder) validate(img *msgs.Image) (encodingInfo, error) {
	info, ok := lookupEncoding(img.Encoding)
	if !ok {
		return info, fmt.Errorf("image: unknown encoding %q; supported: %s",
			img.Encoding, strings.Join(SupportedEncodings, ", "))
	}
	w, h := int64(img.Width), int64(img.Height)
	if w <= 0 || w > int64(d.maxSide) {
		return info, fmt.Errorf("image: width %d must be in 1..%d", w, d.maxSide)
	}
	if h <= 0 || h > int64(d.maxSide) {
		return info, fmt.Errorf("image: height %d must be in 1..%d", h, d.maxSide)
	}
	if info.kind == kindYUV422 && w%2 != 0 {
		return info, fmt.Errorf("image: width %d must be even for %s", w, img.Encoding)
	}
	if info.kind == kindBayer && (w < 2 || h < 2) {
		return info, fmt.Errorf("image: size %dx%d must be at least 2x2 for %s", w, h, img.Encoding)
	}
	bpp := int64(info.bytesPerPixel())
	if step := int64(img.Step); step < w*bpp {
		return info, fmt.Errorf("image: step %d < width %d × %d bytes for %s", step, w, bpp, img.Encoding)
	}
	if need := int64(img.Step) * h; int64(len(img.Data)) < need {
		return info, fmt.Errorf("image: data length %d < step %d × height %d", len(img.Data), img.Step, h)
	}
	if img.IsBigEndian > 1 {
		return info, fmt.Errorf("image: is_bigendian %d must be 0 or 1", img.IsBigEndian)
	}
	return info, nil
}

// Decode converts img into dst (resized as needed; its Pix is reused when large enough).
// It validates the message before reading any byte and does not allocate once dst is sized.
func (d *Decoder) Decode(dst *RGBImage, img *msgs.Image) error {
	info, err := d.validate(img)
	if err != nil {
		return err
	}
	w, h, step := int(img.Width), int(img.Height), int(img.Step)
	dst.SetSize(w, h)
	if info.kind == kindBayer && info.bytes == 2 {
		return d.decodeBayer16(dst, img, info)
	}
	// OpenCV needs rows described as whole pixels: a step that is a multiple of the pixel size.
	if info.cvOK && info.bytes == 1 && step%info.bytesPerPixel() == 0 && (!d.pureGo || info.kind == kindBayer) {
		return convertCV(dst, img.Data, w, h, step, info)
	}
	switch info.kind {
	case kindColor:
		if info.bytes == 1 {
			decodeColor8(dst, img.Data, step, info)
		} else {
			decodeColor16(dst, img.Data, step, info, img.IsBigEndian == 1, d.shift)
		}
	case kindMono:
		if info.bytes == 1 {
			decodeMono8(dst, img.Data, step)
		} else {
			decodeMono16(dst, img.Data, step, img.IsBigEndian == 1, d.shift)
		}
	case kindYUV422:
		decodeYUV422(dst, img.Data, step, info.yFirst)
	}
	return nil
}

// convertCV converts 8-bit data with cv::cvtColor straight into dst.Pix, through Mat headers
// over the message data and dst that live for this call only (no copy either way).
func convertCV(dst *RGBImage, data []byte, w, h, step int, info encodingInfo) error {
	bpp := info.bytesPerPixel()
	src, err := gocv.NewMatFromBytes(h, step/bpp, gocv.MatTypeCV8UC1+gocv.MatType((bpp-1)<<3), data[:step*h])
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer src.Close()
	view := src
	if step/bpp != w {
		view = src.Region(rect(0, 0, w, h))
		defer view.Close()
	}
	return cvtColorInto(dst, view, info.cv)
}

// cvtColorInto runs cv::cvtColor from src into dst.Pix (already sized to src's size).
func cvtColorInto(dst *RGBImage, src gocv.Mat, code gocv.ColorConversionCode) error {
	out, err := wrapRGB(dst)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	defer out.Close()
	gocv.CvtColor(src, &out, code)
	// cvtColor writes in place when size and type match, which they do by construction;
	// check rather than trust, since a reallocation would silently leave dst untouched.
	if p, err := out.DataPtrUint8(); err != nil || len(p) == 0 || &p[0] != &dst.Pix[0] {
		return fmt.Errorf("image: colour conversion %d did not write in place", code)
	}
	return nil
}

func decodeColor8(dst *RGBImage, data []byte, step int, info encodingInfo) {
	w, cn := dst.W, info.channels
	for y := 0; y < dst.H; y++ {
		src := data[y*step : y*step+w*cn]
		out := dst.Pix[3*y*w : 3*(y+1)*w]
		switch {
		case cn == 3 && !info.bgr:
			copy(out, src)
		case cn == 3:
			swapRB3(out, src)
		case !info.bgr:
			for x, o := 0, 0; o < len(out); x, o = x+4, o+3 {
				s, d := src[x:x+3:x+3], out[o:o+3:o+3]
				d[0], d[1], d[2] = s[0], s[1], s[2]
			}
		default:
			for x, o := 0, 0; o < len(out); x, o = x+4, o+3 {
				s, d := src[x:x+3:x+3], out[o:o+3:o+3]
				d[0], d[1], d[2] = s[2], s[1], s[0]
			}
		}
	}
}

// swapRB3 copies 3-byte pixels from src to out (same length) swapping bytes 0 and 2, four
// pixels (12 bytes) per step so the compiler checks bounds once per step.
func swapRB3(out, src []byte) {
	i := 0
	for ; i+12 <= len(out); i += 12 {
		s, d := src[i:i+12:i+12], out[i:i+12:i+12]
		d[0], d[1], d[2] = s[2], s[1], s[0]
		d[3], d[4], d[5] = s[5], s[4], s[3]
		d[6], d[7], d[8] = s[8], s[7], s[6]
		d[9], d[10], d[11] = s[11], s[10], s[9]
	}
	for ; i+3 <= len(out); i += 3 {
		s, d := src[i:i+3:i+3], out[i:i+3:i+3]
		d[0], d[1], d[2] = s[2], s[1], s[0]
	}
}

// sample16 reads the 16-bit sample at b[0:2] and maps it to 8 bits.
func sample16(b []byte, bigEndian bool, shift uint) byte {
	var v uint16
	if bigEndian {
		v = binary.BigEndian.Uint16(b)
	} else {
		v = binary.LittleEndian.Uint16(b)
	}
	v >>= shift
	if v > 255 {
		return 255
	}
	return byte(v)
}

func decodeColor16(dst *RGBImage, data []byte, step int, info encodingInfo, bigEndian bool, shift uint) {
	w, bpp := dst.W, info.bytesPerPixel()
	r, b := 0, 4
	if info.bgr {
		r, b = 4, 0
	}
	for y := 0; y < dst.H; y++ {
		src := data[y*step : y*step+w*bpp]
		out := dst.Pix[3*y*w : 3*(y+1)*w]
		for x, o := 0, 0; o < len(out); x, o = x+bpp, o+3 {
			out[o] = sample16(src[x+r:], bigEndian, shift)
			out[o+1] = sample16(src[x+2:], bigEndian, shift)
			out[o+2] = sample16(src[x+b:], bigEndian, shift)
		}
	}
}

func decodeMono8(dst *RGBImage, data []byte, step int) {
	w := dst.W
	for y := 0; y < dst.H; y++ {
		src := data[y*step : y*step+w]
		out := dst.Pix[3*y*w : 3*(y+1)*w]
		for x, o := 0, 0; x < len(src); x, o = x+1, o+3 {
			v := src[x]
			out[o], out[o+1], out[o+2] = v, v, v
		}
	}
}

func decodeMono16(dst *RGBImage, data []byte, step int, bigEndian bool, shift uint) {
	w := dst.W
	for y := 0; y < dst.H; y++ {
		src := data[y*step : y*step+2*w]
		out := dst.Pix[3*y*w : 3*(y+1)*w]
		for x, o := 0, 0; x < len(src); x, o = x+2, o+3 {
			v := sample16(src[x:], bigEndian, shift)
			out[o], out[o+1], out[o+2] = v, v, v
		}
	}
}

// BT.601 limited-range YCbCr → RGB in 20-bit fixed point, the coefficients OpenCV uses for its
// YUV 4:2:2 conversions (so results match cv::cvtColor(COLOR_YUV2RGB_UYVY) exactly):
// R = 1.164(Y−16) + 1.596 V', G = 1.164(Y−16) − 0.813 V' − 0.391 U', B = 1.164(Y−16) + 2.018 U'.
const (
	yuvShift = 20
	yuvCY    = 1220542 // 1.164 · 2^20
	yuvCVR   = 1673527 // 1.596 · 2^20
	yuvCVG   = -852492 // −0.813 · 2^20
	yuvCUG   = -409993 // −0.391 · 2^20
	yuvCUB   = 2116026 // 2.018 · 2^20
	yuvRound = 1 << (yuvShift - 1)
)

func clampShift(v int32) byte {
	v >>= yuvShift
	if uint32(v) <= 255 { // the common case first: one predictable branch
		return byte(v)
	}
	if v < 0 {
		return 0
	}
	return 255
}

func decodeYUV422(dst *RGBImage, data []byte, step int, yFirst bool) {
	w := dst.W
	// Byte offsets of Y0, U, Y1, V within a 4-byte macropixel.
	iy0, iu, iy1, iv := 1, 0, 3, 2 // UYVY
	if yFirst {
		iy0, iu, iy1, iv = 0, 1, 2, 3 // YUYV
	}
	for y := 0; y < dst.H; y++ {
		src := data[y*step : y*step+2*w]
		out := dst.Pix[3*y*w : 3*(y+1)*w]
		for x, o := 0, 0; x+4 <= len(src); x, o = x+4, o+6 {
			s, d := src[x:x+4:x+4], out[o:o+6:o+6]
			u := int32(s[iu&3]) - 128
			v := int32(s[iv&3]) - 128
			ruv := yuvRound + yuvCVR*v
			guv := yuvRound + yuvCVG*v + yuvCUG*u
			buv := yuvRound + yuvCUB*u
			y0 := max(0, int32(s[iy0&3])-16) * yuvCY
			y1 := max(0, int32(s[iy1&3])-16) * yuvCY
			d[0], d[1], d[2] = clampShift(y0+ruv), clampShift(y0+guv), clampShift(y0+buv)
			d[3], d[4], d[5] = clampShift(y1+ruv), clampShift(y1+guv), clampShift(y1+buv)
		}
	}
}

// decodeBayer16 maps a 16-bit mosaic to 8 bits into C memory, then demosaics it like an
// 8-bit one (demosaicing 8-bit samples is cheaper and the result is 8-bit anyway).
func (d *Decoder) decodeBayer16(dst *RGBImage, img *msgs.Image, info encodingInfo) error {
	w, h, step := int(img.Width), int(img.Height), int(img.Step)
	if d.mosaic.Rows() != h || d.mosaic.Cols() != w {
		d.mosaic.Close()
		d.mosaic = gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC1)
	}
	m, err := d.mosaic.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("image: bayer scratch: %w", err)
	}
	bigEndian := img.IsBigEndian == 1
	for y := 0; y < h; y++ {
		out := m[y*w : (y+1)*w]
		src := img.Data[y*step : y*step+2*w]
		for x := range out {
			out[x] = sample16(src[2*x:], bigEndian, d.shift)
		}
	}
	return cvtColorInto(dst, d.mosaic, info.cv)
}

// compressedOrder says how the channels of a decoded compressed image are ordered.
type compressedOrder uint8

const (
	orderBGR compressedOrder = iota // the usual case: imdecode's natural order
	orderRGB                        // "<enc>; <codec> compressed rgb8": the file holds RGB in BGR's place
)

// parseCompressedFormat understands "jpeg", "png", "" (sniff) and image_transport's
// "<encoding>; <codec> compressed <bgr8|rgb8|...>".
func parseCompressedFormat(format string) (codec string, order compressedOrder, err error) {
	f := strings.ToLower(strings.TrimSpace(format))
	rest := f
	if i := strings.IndexByte(f, ';'); i >= 0 {
		rest = strings.TrimSpace(f[i+1:])
	}
	switch {
	case strings.Contains(rest, "compresseddepth"):
		return "", 0, fmt.Errorf("compressed image: format %q is a compressedDepth image, not a colour image", format)
	case strings.HasPrefix(rest, "jpeg"), strings.HasPrefix(rest, "jpg"):
		codec = "jpeg"
	case strings.HasPrefix(rest, "png"):
		codec = "png"
	case rest == "":
		codec = ""
	default:
		return "", 0, fmt.Errorf("compressed image: unsupported format %q; supported: jpeg, png, "+
			"\"<encoding>; jpeg compressed bgr8\", \"<encoding>; png compressed bgr8\"", format)
	}
	if strings.Contains(rest, "compressed rgb") {
		order = orderRGB
	}
	return codec, order, nil
}

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

// compressedSize reads the image size from a JPEG SOF or PNG IHDR header, so that oversized
// images are refused before OpenCV allocates for them and only the JPEG and PNG decoders ever
// see outside bytes.
func compressedSize(data []byte) (codec string, w, h int, err error) {
	switch {
	case len(data) >= 24 && string(data[:8]) == string(pngMagic):
		if string(data[12:16]) != "IHDR" {
			return "png", 0, 0, fmt.Errorf("compressed image: PNG without IHDR chunk")
		}
		return "png", int(binary.BigEndian.Uint32(data[16:20])), int(binary.BigEndian.Uint32(data[20:24])), nil
	case len(data) >= 3 && string(data[:3]) == string(jpegMagic):
		i := 2
		for i+4 <= len(data) {
			if data[i] != 0xFF {
				return "jpeg", 0, 0, fmt.Errorf("compressed image: JPEG marker expected at byte %d", i)
			}
			marker := data[i+1]
			if marker == 0xFF { // fill byte
				i++
				continue
			}
			if marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
				i += 2
				continue
			}
			n := int(binary.BigEndian.Uint16(data[i+2 : i+4]))
			isSOF := marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
			if isSOF {
				if i+9 > len(data) || n < 7 {
					break
				}
				return "jpeg", int(binary.BigEndian.Uint16(data[i+7 : i+9])), int(binary.BigEndian.Uint16(data[i+5 : i+7])), nil
			}
			if marker == 0xDA || marker == 0xD9 || n < 2 {
				break
			}
			i += 2 + n
		}
		return "jpeg", 0, 0, fmt.Errorf("compressed image: no JPEG frame header in %d bytes", len(data))
	}
	return "", 0, 0, fmt.Errorf("compressed image: data (%d bytes) is neither JPEG nor PNG", len(data))
}

// DecodeCompressed decodes a JPEG or PNG sensor_msgs/CompressedImage into dst.
// cv::imdecode allocates a fresh Mat per call (closed before returning): a few small Go
// allocations per frame, next to the decode itself.
func (d *Decoder) DecodeCompressed(dst *RGBImage, msg *msgs.CompressedImage) error {
	want, order, err := parseCompressedFormat(msg.Format)
	if err != nil {
		return err
	}
	codec, w, h, err := compressedSize(msg.Data)
	if err != nil {
		return err
	}
	if want != "" && codec != want {
		return fmt.Errorf("compressed image: format %q but the data is %s", msg.Format, codec)
	}
	if w <= 0 || w > d.maxSide || h <= 0 || h > d.maxSide {
		return fmt.Errorf("compressed image: %s size %dx%d must be in 1..%d on each side", codec, w, h, d.maxSide)
	}
	m, err := gocv.IMDecode(msg.Data, gocv.IMReadColor)
	if err != nil {
		return fmt.Errorf("compressed image: %w", err)
	}
	defer m.Close()
	if m.Empty() {
		return fmt.Errorf("compressed image: cannot decode %d bytes of %s", len(msg.Data), codec)
	}
	if m.Cols() != w || m.Rows() != h || m.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("compressed image: decoded %dx%d type %v, header said %dx%d",
			m.Cols(), m.Rows(), m.Type(), w, h)
	}
	src, err := m.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("compressed image: %w", err)
	}
	dst.SetSize(w, h)
	if order == orderRGB {
		copy(dst.Pix, src)
		return nil
	}
	swapRB3(dst.Pix, src[:len(dst.Pix)])
	return nil
}

// wrapRGB returns a Mat header over im.Pix (no copy). The caller must Close it before im.Pix
// can be reallocated, and keep im alive while the Mat is used.
func wrapRGB(im *RGBImage) (gocv.Mat, error) {
	if im.W <= 0 || im.H <= 0 || len(im.Pix) < 3*im.W*im.H {
		return gocv.Mat{}, fmt.Errorf("rgb image: size %dx%d with %d bytes of pixels", im.W, im.H, len(im.Pix))
	}
	return gocv.NewMatFromBytes(im.H, im.W, gocv.MatTypeCV8UC3, im.Pix[:3*im.W*im.H])
}

// RectifyInto undistorts src with rm into dst, an OpenCV Mat the caller owns and reuses, and
// returns the rectified image, which aliases dst's memory until dst's next use.
func RectifyInto(rm *calibration.RectifyMap, src *RGBImage, dst *gocv.Mat) (RGBImage, error) {
	srcMat, err := wrapRGB(src)
	if err != nil {
		return RGBImage{}, err
	}
	err = rm.Remap(srcMat, dst)
	srcMat.Close()
	if err != nil {
		return RGBImage{}, err
	}
	pix, err := dst.DataPtrUint8()
	if err != nil {
		return RGBImage{}, fmt.Errorf("rectify: %w", err)
	}
	return RGBImage{W: dst.Cols(), H: dst.Rows(), Pix: pix}, nil
}

// rect is image.Rect, kept here so callers of wrapRGB read naturally.
func rect(x, y, w, h int) image.Rectangle { return image.Rect(x, y, x+w, y+h) }
