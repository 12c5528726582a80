package msgs

import "testing"

// Benchmarks of the per-frame path beside a plain copy of as many bytes (DESIGN §9: read the
// ratios of one run). Encoding appends to a reused buffer; decoding reuses the message.

func benchImage() *Image {
	const w, h = 1280, 720
	return &Image{Header: Header{Stamp: Time{1700000000, 5}, FrameID: "camera_optical"},
		Width: w, Height: h, Encoding: "rgb8", Step: 3 * w, Data: make([]byte, 3*w*h)}
}

func benchCloud() *PointCloud2 {
	const w, h = 640, 192
	return &PointCloud2{Header: Header{Stamp: Time{1700000000, 5}, FrameID: "camera_optical"},
		Width: w, Height: h, PointStep: 12, RowStep: 12 * w, Data: make([]byte, 12*w*h),
		Fields: []PointField{{"x", 0, PointFieldFloat32, 1}, {"y", 4, PointFieldFloat32, 1}, {"z", 8, PointFieldFloat32, 1}}}
}

func benchEncode(b *testing.B, m Message, n int) {
	buf := m.MarshalCDR(nil)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		buf = m.MarshalCDR(buf[:0])
	}
}

func benchDecode(b *testing.B, m Message, n int) {
	data := m.MarshalCDR(nil)
	dst := TypeOf(m).New()
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		if err := dst.UnmarshalCDR(data); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCopy(b *testing.B, n int) {
	src, dst := make([]byte, n), make([]byte, n)
	b.SetBytes(int64(n))
	b.ResetTimer()
	for b.Loop() {
		copy(dst, src)
	}
}

func BenchmarkImage1280x720rgb8(b *testing.B) {
	img := benchImage()
	b.Run("EncodeCDR", func(b *testing.B) { benchEncode(b, img, len(img.Data)) })
	b.Run("DecodeCDR", func(b *testing.B) { benchDecode(b, img, len(img.Data)) })
	b.Run("Copy", func(b *testing.B) { benchCopy(b, len(img.Data)) })
}

func BenchmarkPointCloud2640x192xyz(b *testing.B) {
	pc := benchCloud()
	b.Run("EncodeCDR", func(b *testing.B) { benchEncode(b, pc, len(pc.Data)) })
	b.Run("DecodeCDR", func(b *testing.B) { benchDecode(b, pc, len(pc.Data)) })
	b.Run("Copy", func(b *testing.B) { benchCopy(b, len(pc.Data)) })
}
