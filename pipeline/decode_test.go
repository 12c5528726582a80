package pipeline

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/msgs"
)

func newTestDecoder(t testing.TB, cfg DecoderConfig) *Decoder {
	t.Helper()
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// padRows lays out rows of packed pixel bytes with step = len(row)+pad, filling padding with 0xEE
// so that a decoder reading padding shows up.
func padRows(rows [][]byte, pad int) (data []byte, step uint32) {
	s := len(rows[0]) + pad
	for _, r := range rows {
		data = append(data, r...)
		data = append(data, bytes.Repeat([]byte{0xEE}, pad)...)
	}
	return data, uint32(s)
}

func TestDecodeKnownPixels(t *testing.T) {
	// Two pixels per row, two rows: red, green / blue, (10, 20, 30).
	want := []byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}
	be16 := func(v ...uint16) []byte {
		b := make([]byte, 2*len(v))
		for i, x := range v {
			binary.BigEndian.PutUint16(b[2*i:], x)
		}
		return b
	}
	le16 := func(v ...uint16) []byte {
		b := make([]byte, 2*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint16(b[2*i:], x)
		}
		return b
	}
	tests := []struct {
		enc       string
		bigEndian uint8
		bits16    int
		rows      [][]byte
		want      []byte
	}{
		{enc: "rgb8", rows: [][]byte{{255, 0, 0, 0, 255, 0}, {0, 0, 255, 10, 20, 30}}, want: want},
		{enc: "bgr8", rows: [][]byte{{0, 0, 255, 0, 255, 0}, {255, 0, 0, 30, 20, 10}}, want: want},
		{enc: "rgba8", rows: [][]byte{{255, 0, 0, 1, 0, 255, 0, 2}, {0, 0, 255, 3, 10, 20, 30, 4}}, want: want},
		{enc: "bgra8", rows: [][]byte{{0, 0, 255, 1, 0, 255, 0, 2}, {255, 0, 0, 3, 30, 20, 10, 4}}, want: want},
		{enc: "mono8", rows: [][]byte{{7, 200}, {0, 255}}, want: []byte{7, 7, 7, 200, 200, 200, 0, 0, 0, 255, 255, 255}},
		{enc: "mono16", rows: [][]byte{le16(0x0700, 0xC8FF), le16(0x00FF, 0xFFFF)},
			want: []byte{7, 7, 7, 200, 200, 200, 0, 0, 0, 255, 255, 255}},
		{enc: "mono16", bigEndian: 1, rows: [][]byte{be16(0x0700, 0xC8FF), be16(0x00FF, 0xFFFF)},
			want: []byte{7, 7, 7, 200, 200, 200, 0, 0, 0, 255, 255, 255}},
		// 12 significant bits: shift by 4, saturate above 0x0FFF.
		{enc: "mono16", bits16: 12, rows: [][]byte{le16(0x0070, 0x0C80), le16(0x000F, 0xF000)},
			want: []byte{7, 7, 7, 200, 200, 200, 0, 0, 0, 255, 255, 255}},
		{enc: "rgb16", rows: [][]byte{le16(0xFF00, 0, 0, 0, 0xFFFF, 0), le16(0, 0, 0xFF00, 0x0A00, 0x1400, 0x1E00)}, want: want},
		{enc: "bgra16", bigEndian: 1, rows: [][]byte{be16(0, 0, 0xFF00, 1, 0, 0xFF00, 0, 1), be16(0xFF00, 0, 0, 1, 0x1E00, 0x1400, 0x0A00, 1)}, want: want},
	}
	for _, tc := range tests {
		t.Run(tc.enc, func(t *testing.T) {
			d := newTestDecoder(t, DecoderConfig{Bits16: tc.bits16})
			// Packed rows, padding of a whole pixel or not: OpenCV, OpenCV on a region, Go.
			for _, pad := range []int{0, 3, 4, 5} {
				for _, pureGo := range []bool{false, true} {
					d.pureGo = pureGo
					data, step := padRows(tc.rows, pad)
					img := &msgs.Image{Width: 2, Height: 2, Encoding: tc.enc, IsBigEndian: tc.bigEndian, Step: step, Data: data}
					var dst RGBImage
					if err := d.Decode(&dst, img); err != nil {
						t.Fatal(err)
					}
					if dst.W != 2 || dst.H != 2 || !bytes.Equal(dst.Pix, tc.want) {
						t.Errorf("pad %d, pure Go %v: got %dx%d %v, want 2x2 %v", pad, pureGo, dst.W, dst.H, dst.Pix, tc.want)
					}
				}
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	d := newTestDecoder(t, DecoderConfig{})
	tests := []struct {
		name string
		img  msgs.Image
		want string
	}{
		{"unknown encoding", msgs.Image{Width: 1, Height: 1, Step: 3, Encoding: "xyz", Data: make([]byte, 3)},
			`image: unknown encoding "xyz"; supported: rgb8, bgr8`},
		{"short step", msgs.Image{Width: 64, Height: 2, Step: 100, Encoding: "rgb8", Data: make([]byte, 1000)},
			"image: step 100 < width 64 × 3 bytes for rgb8"},
		{"short data", msgs.Image{Width: 64, Height: 2, Step: 192, Encoding: "rgb8", Data: make([]byte, 300)},
			"image: data length 300 < step 192 × height 2"},
		{"zero width", msgs.Image{Width: 0, Height: 2, Step: 0, Encoding: "rgb8"},
			"image: width 0 must be in 1..16384"},
		{"huge height", msgs.Image{Width: 1, Height: 1 << 31, Step: 3, Encoding: "mono8"},
			"image: height 2147483648 must be in 1..16384"},
		{"odd yuv", msgs.Image{Width: 3, Height: 1, Step: 6, Encoding: "yuv422", Data: make([]byte, 6)},
			"image: width 3 must be even for yuv422"},
		{"tiny bayer", msgs.Image{Width: 1, Height: 5, Step: 1, Encoding: "bayer_rggb8", Data: make([]byte, 5)},
			"image: size 1x5 must be at least 2x2 for bayer_rggb8"},
		{"step overflow", msgs.Image{Width: 16384, Height: 16384, Step: 0xFFFFFFFF, Encoding: "rgb16", Data: make([]byte, 10)},
			"image: data length 10 < step 4294967295 × height 16384"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var dst RGBImage
			err := d.Decode(&dst, &tc.img)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("got error %v, want prefix %q", err, tc.want)
			}
		})
	}
}

// TestDecodeYUV422MatchesOpenCV checks the Go conversion (used for padded rows) against
// cv::cvtColor on random data.
func TestDecodeYUV422MatchesOpenCV(t *testing.T) {
	const w, h = 16, 4
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 2*w*h)
	for i := range data {
		data[i] = byte(r.IntN(256))
	}
	d := newTestDecoder(t, DecoderConfig{})
	d.pureGo = true
	for _, tc := range []struct {
		enc  string
		code gocv.ColorConversionCode
	}{
		{"yuv422", gocv.ColorYUVToRGBUYVY},
		{"uyvy", gocv.ColorYUVToRGBUYVY},
		{"yuyv", gocv.ColorYUVToRGBYUY2},
		{"yuv422_yuy2", gocv.ColorYUVToRGBYUY2},
	} {
		src, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC2, data)
		if err != nil {
			t.Fatal(err)
		}
		ref := gocv.NewMat()
		gocv.CvtColor(src, &ref, tc.code)
		want := ref.ToBytes()
		src.Close()
		ref.Close()

		var dst RGBImage
		if err := d.Decode(&dst, &msgs.Image{Width: w, Height: h, Step: 2 * w, Encoding: tc.enc, Data: data}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dst.Pix, want) {
			t.Errorf("%s: Go conversion differs from OpenCV:\n got %v\nwant %v", tc.enc, dst.Pix[:24], want[:24])
		}
	}
}

// mosaic samples img with the ROS Bayer pattern named by its 2×2 block, e.g. "rggb".
func mosaic(img *RGBImage, pattern string) []byte {
	ch := map[byte]int{'r': 0, 'g': 1, 'b': 2}
	out := make([]byte, img.W*img.H)
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			c := ch[pattern[2*(y%2)+x%2]]
			out[y*img.W+x] = img.Pix[3*(y*img.W+x)+c]
		}
	}
	return out
}

// TestDecodeBayerRoundTrip builds each ROS Bayer mosaic from a known RGB image and checks the
// decoder gives the image back: the channel mapping between ROS and OpenCV pattern names.
func TestDecodeBayerRoundTrip(t *testing.T) {
	const w, h = 24, 16
	var src RGBImage
	src.SetSize(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Distinct, smooth (linear) channels: bilinear demosaicing reproduces them exactly
			// away from the border.
			i := 3 * (y*w + x)
			src.Pix[i], src.Pix[i+1], src.Pix[i+2] = byte(200-3*x), byte(40+4*y), byte(20+2*x+2*y)
		}
	}
	d := newTestDecoder(t, DecoderConfig{})
	for _, pattern := range []string{"rggb", "bggr", "gbrg", "grbg"} {
		for _, depth := range []string{"8", "16"} {
			m := mosaic(&src, pattern)
			img := &msgs.Image{Width: w, Height: h, Encoding: "bayer_" + pattern + depth, Step: w, Data: m}
			if depth == "16" {
				img.Step, img.IsBigEndian = 2*w, 1
				img.Data = make([]byte, 2*w*h)
				for i, v := range m {
					binary.BigEndian.PutUint16(img.Data[2*i:], uint16(v)<<8|0x7F)
				}
			}
			var dst RGBImage
			if err := d.Decode(&dst, img); err != nil {
				t.Fatal(err)
			}
			maxErr := 0
			for y := 2; y < h-2; y++ {
				for x := 2; x < w-2; x++ {
					for c := 0; c < 3; c++ {
						i := 3*(y*w+x) + c
						maxErr = max(maxErr, absInt(int(dst.Pix[i])-int(src.Pix[i])))
					}
				}
			}
			if maxErr > 1 {
				r, g, b := dst.At(8, 8)
				sr, sg, sb := src.At(8, 8)
				t.Errorf("%s: max error %d; pixel (8,8) = %d,%d,%d, want %d,%d,%d", img.Encoding, maxErr, r, g, b, sr, sg, sb)
			}
		}
	}
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// encodeBGR compresses img (RGB) with OpenCV as image_transport would (from a BGR Mat).
func encodeBGR(t testing.TB, img *RGBImage, ext gocv.FileExt) []byte {
	t.Helper()
	rgb, err := wrapRGB(img)
	if err != nil {
		t.Fatal(err)
	}
	defer rgb.Close()
	bgr := gocv.NewMat()
	defer bgr.Close()
	gocv.CvtColor(rgb, &bgr, gocv.ColorBGRToRGB) // the same swap
	buf, err := gocv.IMEncode(ext, bgr)
	if err != nil {
		t.Fatal(err)
	}
	defer buf.Close()
	return bytes.Clone(buf.GetBytes())
}

func testPattern(w, h int) *RGBImage {
	var im RGBImage
	im.SetSize(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := 3 * (y*w + x)
			im.Pix[i], im.Pix[i+1], im.Pix[i+2] = byte(x*255/w), byte(y*255/h), 60
		}
	}
	return &im
}

func TestDecodeCompressed(t *testing.T) {
	src := testPattern(40, 30)
	png := encodeBGR(t, src, gocv.PNGFileExt)
	jpg := encodeBGR(t, src, gocv.JPEGFileExt)
	d := newTestDecoder(t, DecoderConfig{})
	for _, tc := range []struct {
		format string
		data   []byte
		tol    int
	}{
		{"png", png, 0},
		{"rgb8; png compressed bgr8", png, 0},
		{"", png, 0},
		{"jpeg", jpg, 12},
		{"bgr8; jpeg compressed bgr8", jpg, 12},
		{"rgb8; jpeg compressed bgr8", jpg, 12},
	} {
		var dst RGBImage
		if err := d.DecodeCompressed(&dst, &msgs.CompressedImage{Format: tc.format, Data: tc.data}); err != nil {
			t.Fatalf("%q: %v", tc.format, err)
		}
		if dst.W != src.W || dst.H != src.H {
			t.Fatalf("%q: size %dx%d, want %dx%d", tc.format, dst.W, dst.H, src.W, src.H)
		}
		maxErr := 0
		for i := range dst.Pix {
			maxErr = max(maxErr, absInt(int(dst.Pix[i])-int(src.Pix[i])))
		}
		if maxErr > tc.tol {
			t.Errorf("%q: max error %d > %d", tc.format, maxErr, tc.tol)
		}
	}

	// "compressed rgb8": the file holds RGB where a BGR file holds B, so no swap on decode.
	var dst RGBImage
	if err := d.DecodeCompressed(&dst, &msgs.CompressedImage{Format: "rgb8; png compressed rgb8", Data: png}); err != nil {
		t.Fatal(err)
	}
	if r, _, b := dst.At(39, 0); r != 60 || b != src.Pix[3*39] {
		t.Errorf("compressed rgb8: pixel (39,0) r=%d b=%d, want the channels swapped (60, %d)", r, b, src.Pix[3*39])
	}
}

func TestDecodeCompressedRejects(t *testing.T) {
	png := encodeBGR(t, testPattern(8, 8), gocv.PNGFileExt)
	huge := bytes.Clone(png)
	binary.BigEndian.PutUint32(huge[16:], 100000)
	d := newTestDecoder(t, DecoderConfig{})
	for _, tc := range []struct {
		format string
		data   []byte
		want   string
	}{
		{"h264", png, `compressed image: unsupported format "h264"`},
		{"16UC1; compressedDepth png", png, "compressed image: format \"16UC1; compressedDepth png\" is a compressedDepth image"},
		{"jpeg", png, `compressed image: format "jpeg" but the data is png`},
		{"png", []byte("GIF89a........................"), "compressed image: data (30 bytes) is neither JPEG nor PNG"},
		{"png", huge, "compressed image: png size 100000x8 must be in 1..16384"},
		{"png", png[:40], "compressed image: cannot decode 40 bytes of png"},
		{"jpeg", []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0}, "compressed image: no JPEG frame header"},
	} {
		var dst RGBImage
		err := d.DecodeCompressed(&dst, &msgs.CompressedImage{Format: tc.format, Data: tc.data})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got error %v, want prefix %q", tc.format, err, tc.want)
		}
	}
}

func TestDecodeAllocs(t *testing.T) {
	d := newTestDecoder(t, DecoderConfig{})
	const w, h = 64, 48
	var dst RGBImage
	for _, enc := range []string{"rgb8", "bgr8", "mono16", "yuv422", "bayer_grbg8"} {
		info, _ := lookupEncoding(enc)
		img := &msgs.Image{Width: w, Height: h, Encoding: enc, Step: uint32(w * info.bytesPerPixel())}
		img.Data = make([]byte, int(img.Step)*h)
		if err := d.Decode(&dst, img); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(20, func() { _ = d.Decode(&dst, img) })
		if allocs != 0 {
			t.Errorf("%s: %v allocations per decode, want 0", enc, allocs)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("rgb8", uint32(2), uint32(2), uint32(6), uint8(0), make([]byte, 12))
	f.Add("mono16", uint32(3), uint32(1), uint32(6), uint8(1), make([]byte, 6))
	f.Add("yuv422", uint32(2), uint32(2), uint32(4), uint8(0), make([]byte, 8))
	f.Add("bayer_rggb8", uint32(3), uint32(3), uint32(3), uint8(0), make([]byte, 9))
	f.Add("bayer_gbrg16", uint32(2), uint32(2), uint32(5), uint8(0), make([]byte, 10))
	d := newTestDecoder(f, DecoderConfig{MaxSide: 256})
	var dst RGBImage
	f.Fuzz(func(t *testing.T, enc string, w, h, step uint32, bigEndian uint8, data []byte) {
		img := &msgs.Image{Width: w, Height: h, Step: step, Encoding: enc, IsBigEndian: bigEndian, Data: data}
		if err := d.Decode(&dst, img); err == nil {
			if dst.W != int(w) || dst.H != int(h) || len(dst.Pix) != 3*int(w)*int(h) {
				t.Fatalf("decoded %dx%d with %d bytes from %dx%d", dst.W, dst.H, len(dst.Pix), w, h)
			}
		}
	})
}

func FuzzDecodeCompressed(f *testing.F) {
	f.Add("png", encodeBGR(f, testPattern(8, 8), gocv.PNGFileExt))
	f.Add("jpeg", encodeBGR(f, testPattern(8, 8), gocv.JPEGFileExt))
	f.Add("", []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0})
	d := newTestDecoder(f, DecoderConfig{MaxSide: 512})
	var dst RGBImage
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		_ = d.DecodeCompressed(&dst, &msgs.CompressedImage{Format: format, Data: data})
	})
}
