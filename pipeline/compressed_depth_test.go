package pipeline

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

func newTestCDEncoder(t testing.TB, cfg CompressedDepthConfig) *CompressedDepthEncoder {
	t.Helper()
	e, err := NewCompressedDepthEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// testDepths is w×h depths spread log-uniformly over [lo, hi] m, with some NaN and some at or
// beyond 100 m (sent as invalid).
func testDepths(w, h int, lo, hi float64) []float32 {
	r := rand.New(rand.NewPCG(3, 4))
	d := make([]float32, w*h)
	for i := range d {
		d[i] = float32(lo * math.Pow(hi/lo, r.Float64()))
		switch i % 97 {
		case 5:
			d[i] = nan32
		case 6:
			d[i] = 100
		case 7:
			d[i] = 250
		}
	}
	return d
}

// TestCompressedDepthRoundTrip: 16UC1 comes back exact (millimetres above depth_max zeroed, as
// the plugin does); 32FC1 comes back never nearer and less than d²/(A − d) farther than sent
// (A = z0·(z0 + 1) = 10100 for the default z0 = 100 m: 1 cm at 10 m, 0.64 m at 80 m), NaN and
// depths ≥ depth_max as NaN.
func TestCompressedDepthRoundTrip(t *testing.T) {
	const w, h = 97, 61
	depth := testDepths(w, h, 0.2, 99)
	hdr := msgs.Header{Stamp: msgs.TimeFromNanos(42), FrameID: "cam"}
	e := newTestCDEncoder(t, CompressedDepthConfig{})

	var img16, back msgs.Image
	if err := EncodeDepth16UC1(&img16, hdr, depth, w, h); err != nil {
		t.Fatal(err)
	}
	var msg msgs.CompressedImage
	if err := e.Encode(&msg, &img16); err != nil {
		t.Fatal(err)
	}
	if msg.Format != "16UC1; compressedDepth png" || msg.Header != hdr || e.Encodes != 1 {
		t.Fatalf("format %q header %+v encodes %d", msg.Format, msg.Header, e.Encodes)
	}
	if err := DecodeCompressedDepth(&back, &msg); err != nil {
		t.Fatal(err)
	}
	if back.Encoding != "16UC1" || back.Width != w || back.Height != h || back.Step != 2*w || back.Header != hdr {
		t.Fatalf("16UC1 back as %s %dx%d step %d", back.Encoding, back.Width, back.Height, back.Step)
	}
	for i := 0; i < w*h; i++ {
		sent, got := binary.LittleEndian.Uint16(img16.Data[2*i:]), binary.LittleEndian.Uint16(back.Data[2*i:])
		if got != sent { // depth_max 100 m = 100000 mm is beyond 16 bits: nothing zeroed
			t.Fatalf("16UC1 pixel %d: sent %d, got %d", i, sent, got)
		}
	}
	e10 := newTestCDEncoder(t, CompressedDepthConfig{DepthMax: 10})
	if err := e10.Encode(&msg, &img16); err != nil {
		t.Fatal(err)
	}
	if err := DecodeCompressedDepth(&back, &msg); err != nil {
		t.Fatal(err)
	}
	zeroed := 0
	for i := 0; i < w*h; i++ {
		sent, got := binary.LittleEndian.Uint16(img16.Data[2*i:]), binary.LittleEndian.Uint16(back.Data[2*i:])
		want := sent
		if sent > 10000 {
			want, zeroed = 0, zeroed+1
		}
		if got != want {
			t.Fatalf("16UC1 depth_max 10: pixel %d sent %d, got %d", i, sent, got)
		}
	}
	if zeroed < w*h/4 {
		t.Fatalf("only %d pixels beyond 10 m", zeroed)
	}

	var img32 msgs.Image
	if err := EncodeDepth32FC1(&img32, hdr, depth, w, h); err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(&msg, &img32); err != nil {
		t.Fatal(err)
	}
	if msg.Format != "32FC1; compressedDepth png" {
		t.Fatalf("format %q", msg.Format)
	}
	if err := DecodeCompressedDepth(&back, &msg); err != nil {
		t.Fatal(err)
	}
	if back.Encoding != "32FC1" || back.Width != w || back.Height != h || back.Step != 4*w {
		t.Fatalf("32FC1 back as %s %dx%d step %d", back.Encoding, back.Width, back.Height, back.Step)
	}
	a, b := CompressedDepthConfig{}.Quant()
	if a != 10100 || b != 1-101 {
		t.Fatalf("quantisation A %v B %v, want 10100 and −100", a, b)
	}
	worstRel := 0.0
	for i, d := range depth {
		got := float64(math.Float32frombits(binary.LittleEndian.Uint32(back.Data[4*i:])))
		if !(d < 100) {
			if !math.IsNaN(got) {
				t.Fatalf("pixel %d: %v m (≥ depth_max or NaN) came back as %v", i, d, got)
			}
			continue
		}
		bound := CompressedDepthError(a, float64(d))
		if err := got - float64(d); err < -1e-5*float64(d) || err > bound+1e-5*float64(d) {
			t.Fatalf("pixel %d: %v m came back as %v m: error %.4g outside [0, %.4g)", i, d, got, err, bound)
		}
		worstRel = max(worstRel, (got-float64(d))/CompressedDepthError(a, float64(d)))
	}
	t.Logf("32FC1: %d bytes for %d pixels; worst error %.3f of the bound d²/(A−d)", len(msg.Data), w*h, worstRel)
	if worstRel < 0.5 {
		t.Fatalf("worst error only %.3f of the bound: the bound is not the quantisation's", worstRel)
	}
}

// cdHeaderProgram declares ConfigHeader as compression_common.h does (an enum whose first value
// is −1, then the float pair) and prints its size, field offsets and the bytes of
// {INV_DEPTH, 10100, −100}.
const cdHeaderProgram = `#include <cstddef>
#include <cstdio>
#include <cstring>
enum compressionFormat { UNDEFINED = -1, INV_DEPTH };
struct ConfigHeader { compressionFormat format; float depthParam[2]; };
int main() {
  ConfigHeader h; h.format = INV_DEPTH; h.depthParam[0] = 10100.0f; h.depthParam[1] = -100.0f;
  unsigned char b[sizeof h]; std::memcpy(b, &h, sizeof h);
  std::printf("%zu %zu %zu %zu ", sizeof h, sizeof(compressionFormat), offsetof(ConfigHeader, format), offsetof(ConfigHeader, depthParam));
  for (std::size_t i = 0; i < sizeof h; i++) std::printf("%02x", b[i]);
  std::printf("\n");
}
`

// TestCompressedDepthHeaderMatchesCpp compiles the struct with the host's C++ compiler and
// compares its layout and bytes with ours.
func TestCompressedDepthHeaderMatchesCpp(t *testing.T) {
	cxx, err := exec.LookPath("g++")
	if err != nil {
		t.Fatal("g++ not found: run `make setup` (it installs g++)")
	}
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "h.cpp"), filepath.Join(dir, "h")
	if err := os.WriteFile(src, []byte(cdHeaderProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cxx, "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("g++: %v\n%s", err, out)
	}
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	ours := make([]byte, CompressedDepthHeaderSize)
	putCompressedDepthHeader(ours, 10100, -100)
	want := "12 4 0 4 " + hex.EncodeToString(ours)
	if got := strings.TrimSpace(string(out)); got != want {
		t.Fatalf("C++ ConfigHeader: %q, ours %q (size, enum size, offsets, bytes)", got, want)
	}
	// The encoder writes exactly this header for the default quantisation.
	var img msgs.Image
	if err := EncodeDepth32FC1(&img, msgs.Header{}, []float32{1, 2, 3, 4}, 2, 2); err != nil {
		t.Fatal(err)
	}
	var msg msgs.CompressedImage
	if err := newTestCDEncoder(t, CompressedDepthConfig{}).Encode(&msg, &img); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(msg.Data[:CompressedDepthHeaderSize], ours) || !bytes.HasPrefix(msg.Data[CompressedDepthHeaderSize:], pngMagic) {
		t.Fatalf("encoded header % x, want % x then a PNG", msg.Data[:16], ours)
	}
}

func TestCompressedDepthErrors(t *testing.T) {
	e := newTestCDEncoder(t, CompressedDepthConfig{})
	var msg msgs.CompressedImage
	rgb := greyImage(4, 2, 9, 1)
	if err := e.Encode(&msg, rgb); err == nil || !strings.Contains(err.Error(), `encoding "rgb8"`) {
		t.Fatalf("rgb8: %v", err)
	}
	for _, c := range []struct {
		cfg  CompressedDepthConfig
		want string
	}{{CompressedDepthConfig{DepthMax: -1}, "depth_max -1"}, {CompressedDepthConfig{PNGLevel: 12}, "png_level 12"},
		{CompressedDepthConfig{Quantization: math.Inf(1)}, "depth_quantization +Inf"}} {
		if _, err := NewCompressedDepthEncoder(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	var img msgs.Image
	if err := EncodeDepth32FC1(&img, msgs.Header{}, []float32{1, 2}, 2, 1); err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(&msg, &img); err != nil {
		t.Fatal(err)
	}
	good := msg
	var back msgs.Image
	for _, c := range []struct {
		mutate func(m *msgs.CompressedImage)
		want   string
	}{
		{func(m *msgs.CompressedImage) { m.Format = "32FC1; compressedDepth rvl" }, `"32FC1; compressedDepth rvl"`},
		{func(m *msgs.CompressedImage) { m.Format = "rgb8; compressedDepth png" }, `encoding "rgb8"`},
		{func(m *msgs.CompressedImage) { m.Data = m.Data[:12] }, "12 bytes of data"},
		{func(m *msgs.CompressedImage) { m.Data = append([]byte{1, 0, 0, 0}, m.Data[4:]...) }, "header format 1"},
		{func(m *msgs.CompressedImage) { m.Data = append(append([]byte{}, m.Data[:12]...), 0xFF, 0xD8, 0xFF, 0) }, "not a PNG"},
		{func(m *msgs.CompressedImage) {
			m.Data = append([]byte{}, m.Data...)
			binary.BigEndian.PutUint32(m.Data[12+16:], 60000) // IHDR width
		}, "PNG size 60000x1 out of range"},
	} {
		m := good
		c.mutate(&m)
		if err := DecodeCompressedDepth(&back, &m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", m.Format, err, c.want)
		}
	}
}

// TestColormapJPEG: the colormap's JPEG decodes (through the node's own compressed-image
// decoder) to the colours sent, within JPEG's error on a smooth picture.
func TestColormapJPEG(t *testing.T) {
	const w, h = 64, 32
	img := &msgs.Image{Header: msgs.Header{FrameID: "cam"}, Width: w, Height: h, Encoding: "rgb8", Step: 3 * w, Data: make([]byte, 3*w*h)}
	for i := 0; i < w*h; i++ {
		x, y := i%w, i/w
		img.Data[3*i], img.Data[3*i+1], img.Data[3*i+2] = byte(4*x), byte(8*y), byte(255-4*x)
	}
	var msg msgs.CompressedImage
	if err := EncodeJPEG(&msg, img, 90); err != nil {
		t.Fatal(err)
	}
	if msg.Format != "bgr8; jpeg compressed bgr8" || msg.Header.FrameID != "cam" {
		t.Fatalf("format %q header %+v", msg.Format, msg.Header)
	}
	d := newTestDecoder(t, DecoderConfig{})
	var back RGBImage
	if err := d.DecodeCompressed(&back, &msg); err != nil {
		t.Fatal(err)
	}
	worst := 0
	for i := range img.Data {
		worst = max(worst, int(math.Abs(float64(img.Data[i])-float64(back.Pix[i]))))
	}
	if back.W != w || back.H != h || worst > 12 {
		t.Fatalf("decoded %dx%d, worst channel error %d (want ≤ 12)", back.W, back.H, worst)
	}
	if err := EncodeJPEG(&msg, img, 0); err == nil || !strings.Contains(err.Error(), "quality 0") {
		t.Fatalf("quality 0: %v", err)
	}
}

// FuzzDecodeCompressedDepth: any bytes and format either decode to an image whose size matches
// its data or give an error; nothing panics or allocates for a size the data cannot hold.
func FuzzDecodeCompressedDepth(f *testing.F) {
	e := newTestCDEncoder(f, CompressedDepthConfig{})
	for _, enc := range []string{Encoding32FC1, Encoding16UC1} {
		var img msgs.Image
		depth := testDepths(7, 5, 0.3, 50)
		if enc == Encoding32FC1 {
			EncodeDepth32FC1(&img, msgs.Header{}, depth, 7, 5)
		} else {
			EncodeDepth16UC1(&img, msgs.Header{}, depth, 7, 5)
		}
		var msg msgs.CompressedImage
		if err := e.Encode(&msg, &img); err != nil {
			f.Fatal(err)
		}
		f.Add(msg.Format, msg.Data)
	}
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		var img msgs.Image
		err := DecodeCompressedDepth(&img, &msgs.CompressedImage{Format: format, Data: data})
		if err != nil {
			return
		}
		bpp := 2
		if img.Encoding == Encoding32FC1 {
			bpp = 4
		}
		if img.Width < 1 || img.Height < 1 || len(img.Data) != int(img.Width*img.Height)*bpp || int(img.Step) != int(img.Width)*bpp {
			t.Fatalf("decoded %s %dx%d step %d with %d bytes", img.Encoding, img.Width, img.Height, img.Step, len(img.Data))
		}
	})
}
