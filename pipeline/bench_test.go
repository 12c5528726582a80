package pipeline

import (
	"testing"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

// Per-frame stage costs at the sizes the node sees: a 1280×720 camera and the 640×192 model
// input of DESIGN §4. Compare numbers only within one run on one machine (DESIGN §9).

func benchImage(enc string, w, h int) *msgs.Image {
	info, _ := lookupEncoding(enc)
	step := w * info.bytesPerPixel()
	img := &msgs.Image{Width: uint32(w), Height: uint32(h), Encoding: enc, Step: uint32(step), Data: make([]byte, step*h)}
	// A smooth picture: luma ramps, chroma near neutral (what a camera sends, mostly).
	for i := range img.Data {
		img.Data[i] = byte(i/3%200 + 30)
		if info.kind == kindYUV422 && i%2 == 0 {
			img.Data[i] = byte(118 + i%20)
		}
	}
	return img
}

func benchDecode(b *testing.B, enc string) {
	d := newTestDecoder(b, DecoderConfig{})
	img := benchImage(enc, 1280, 720)
	var dst RGBImage
	b.ReportAllocs()
	b.SetBytes(int64(len(img.Data)))
	for b.Loop() {
		if err := d.Decode(&dst, img); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeRGB8_1280x720(b *testing.B)       { benchDecode(b, "rgb8") }
func BenchmarkDecodeBGR8_1280x720(b *testing.B)       { benchDecode(b, "bgr8") }
func BenchmarkDecodeYUV422_1280x720(b *testing.B)     { benchDecode(b, "yuv422") }
func BenchmarkDecodeBayerRGGB8_1280x720(b *testing.B) { benchDecode(b, "bayer_rggb8") }

func BenchmarkDecodeJPEG_1280x720(b *testing.B) {
	d := newTestDecoder(b, DecoderConfig{})
	msg := &msgs.CompressedImage{Format: "rgb8; jpeg compressed bgr8", Data: encodeBGR(b, testPattern(1280, 720), gocv.JPEGFileExt)}
	var dst RGBImage
	b.ReportAllocs()
	for b.Loop() {
		if err := d.DecodeCompressed(&dst, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPreprocess(b *testing.B, rc calibration.ResizeCrop) {
	p := newTestPreprocessor(b, PreprocessConfig{Color: "rgb", Scale: 1.0 / 255, Mean: [3]float32{0.485, 0.456, 0.406}, Std: [3]float32{0.229, 0.224, 0.225}})
	src := testPattern(rc.SrcW, rc.SrcH)
	dst := make([]float32, 3*rc.OutW*rc.OutH)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Run(dst, src, rc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPreprocess_640x192_to_640x192(b *testing.B) {
	benchPreprocess(b, fullFrame(640, 192, 640, 192))
}

// The 1280×384 band at the bottom of a 1280×720 frame, halved: the model's aspect ratio.
func BenchmarkPreprocess_1280x720_crop_to_640x192(b *testing.B) {
	benchPreprocess(b, calibration.ResizeCrop{SrcW: 1280, SrcH: 720, CropY: 336, CropW: 1280, CropH: 384, OutW: 640, OutH: 192})
}

func BenchmarkPreprocess_1280x720_squeeze_to_640x192(b *testing.B) {
	benchPreprocess(b, fullFrame(1280, 720, 640, 192))
}

func BenchmarkDepthConvertEncode32FC1_640x192(b *testing.B) {
	c, _ := NewDepthConverter(DepthConfig{Kind: OutputSigmoidDisparity, MinDepth: 0.1, MaxDepth: 100})
	disp := make([]float32, 640*192)
	for i := range disp {
		disp[i] = float32(i%1000) / 1000
	}
	depth := make([]float32, len(disp))
	var img msgs.Image
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Convert(depth, disp, 2.7)
		if err := EncodeDepth32FC1(&img, msgs.Header{}, depth, 640, 192); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCloud(b *testing.B, w, h int, cfg CloudConfig) {
	cb := newTestCloud(b, cfg)
	scene := groundScene{w: w, h: h, intr: kittiLikeIntrinsics(w, h), cameraHeight: 1.65, modelScale: 1}
	depth := scene.render()
	rgb := testPattern(w, h)
	var pc msgs.PointCloud2
	b.ReportAllocs()
	for b.Loop() {
		if err := cb.Build(&pc, msgs.Header{}, depth, w, h, scene.intr, rgb); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPointCloudXYZ_640x192(b *testing.B) {
	benchCloud(b, 640, 192, CloudConfig{MaxRange: 80})
}
func BenchmarkPointCloudXYZRGB_640x192(b *testing.B) {
	benchCloud(b, 640, 192, CloudConfig{RGB: true, MaxRange: 80})
}
func BenchmarkPointCloudXYZ_1280x720(b *testing.B) {
	benchCloud(b, 1280, 720, CloudConfig{MaxRange: 80})
}
func BenchmarkPointCloudXYZ_1280x720_decimate4(b *testing.B) {
	benchCloud(b, 1280, 720, CloudConfig{Decimation: 4, MaxRange: 80})
}

func BenchmarkColormapAutoInverse_640x192(b *testing.B) {
	c, _ := NewColorizer(ColormapConfig{Inverse: true})
	scene := groundScene{w: 640, h: 192, intr: kittiLikeIntrinsics(640, 192), cameraHeight: 1.65, modelScale: 1}
	depth := scene.render()
	var img msgs.Image
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Render(&img, msgs.Header{}, depth, 640, 192); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCameraHeightFit_640x192(b *testing.B) {
	const w, h = 640, 192
	scene := groundScene{w: w, h: h, intr: kittiLikeIntrinsics(w, h), cameraHeight: 1.65,
		outliers: 0.2, noise: 0.01, modelScale: 0.37, seed: 1}
	depth := scene.render()
	g := newTestGround(b, GroundConfig{CameraHeight: 1.65})
	b.ReportAllocs()
	for b.Loop() {
		if est := g.Update(depth, w, h, scene.intr); est.Err != nil {
			b.Fatal(est.Reason())
		}
	}
}
