package calibration

import (
	"image"
	"math"
	"testing"

	"gocv.io/x/gocv"
)

func TestResizeCropApply(t *testing.T) {
	in := Intrinsics{Fx: 500, Fy: 400, Cx: 319.5, Cy: 239.5}
	tests := []struct {
		name string
		rc   ResizeCrop
		want Intrinsics
	}{
		{"identity", ResizeCrop{SrcW: 640, SrcH: 480, CropW: 640, CropH: 480, OutW: 640, OutH: 480}, in},
		// Scaling by 2 maps the centre of pixel u to 2u+0.5: the centre of the image stays the centre.
		{"pure scale 2x", ResizeCrop{SrcW: 640, SrcH: 480, CropW: 640, CropH: 480, OutW: 1280, OutH: 960},
			Intrinsics{Fx: 1000, Fy: 800, Cx: 639.5, Cy: 479.5}},
		{"pure scale 1/2", ResizeCrop{SrcW: 640, SrcH: 480, CropW: 640, CropH: 480, OutW: 320, OutH: 240},
			Intrinsics{Fx: 250, Fy: 200, Cx: 159.5, Cy: 119.5}},
		{"crop only", ResizeCrop{SrcW: 640, SrcH: 480, CropX: 100, CropY: 40, CropW: 400, CropH: 300, OutW: 400, OutH: 300},
			Intrinsics{Fx: 500, Fy: 400, Cx: 219.5, Cy: 199.5}},
		// (319.5−64+0.5)·(640/512) − 0.5 = 319.5; (239.5−96+0.5)·(192/384) − 0.5 = 71.5.
		{"crop and resize", ResizeCrop{SrcW: 640, SrcH: 480, CropX: 64, CropY: 96, CropW: 512, CropH: 384, OutW: 640, OutH: 192},
			Intrinsics{Fx: 625, Fy: 200, Cx: 319.5, Cy: 71.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.rc.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.rc.Apply(in); !intrinsicsNear(got, tt.want, 1e-12) {
				t.Errorf("Apply = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func intrinsicsNear(a, b Intrinsics, tol float64) bool {
	return math.Abs(a.Fx-b.Fx) <= tol && math.Abs(a.Fy-b.Fy) <= tol &&
		math.Abs(a.Cx-b.Cx) <= tol && math.Abs(a.Cy-b.Cy) <= tol
}

// A 3D point must land on the same output pixel whether we project it with the source intrinsics and
// then move the pixel through the resize formula, or project it with the output intrinsics directly.
func TestResizeCropApplyMapsPoints(t *testing.T) {
	in := Intrinsics{Fx: 721.5377, Fy: 721.5377, Cx: 609.5593, Cy: 172.854}
	fits := []ResizeCrop{
		mustRC(Stretch(1242, 375, 640, 192)),
		mustRC(CropToAspect(1242, 375, 640, 192, AnchorCenter)),
		mustRC(CropToAspect(1242, 375, 640, 192, AnchorBottom)),
		mustRC(CropToAspect(1920, 1080, 640, 480, AnchorBottom)),
		{SrcW: 1242, SrcH: 375, CropX: 13, CropY: 7, CropW: 1001, CropH: 301, OutW: 333, OutH: 777},
	}
	points := [][3]float64{{0, 0, 1}, {-3.2, 1.1, 7.5}, {12, -2, 40}, {0.3, 0.9, 2.2}}
	for _, rc := range fits {
		out := rc.Apply(in)
		for _, p := range points {
			u, v := in.Fx*p[0]/p[2]+in.Cx, in.Fy*p[1]/p[2]+in.Cy
			mu := (u-float64(rc.CropX)+0.5)*float64(rc.OutW)/float64(rc.CropW) - 0.5
			mv := (v-float64(rc.CropY)+0.5)*float64(rc.OutH)/float64(rc.CropH) - 0.5
			ou, ov := out.Fx*p[0]/p[2]+out.Cx, out.Fy*p[1]/p[2]+out.Cy
			if math.Abs(mu-ou) > 1e-9 || math.Abs(mv-ov) > 1e-9 {
				t.Errorf("%+v point %v: resized pixel (%.12f, %.12f), output intrinsics give (%.12f, %.12f)", rc, p, mu, mv, ou, ov)
			}
		}
	}
}

func mustRC(rc ResizeCrop, err error) ResizeCrop {
	if err != nil {
		panic(err)
	}
	return rc
}

// The resize formula must be OpenCV's: resize a horizontal ramp whose value is the source x coordinate
// and read back, at each output pixel, the source coordinate the formula predicts.
func TestResizeCropMatchesOpenCVResize(t *testing.T) {
	const srcW, srcH, outW, outH = 64, 8, 160, 8
	src := gocv.NewMatWithSize(srcH, srcW, gocv.MatTypeCV32F)
	defer src.Close()
	for y := 0; y < srcH; y++ {
		for x := 0; x < srcW; x++ {
			src.SetFloatAt(y, x, float32(x))
		}
	}
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.Resize(src, &dst, image.Pt(outW, outH), 0, 0, gocv.InterpolationLinear)
	rc := ResizeCrop{SrcW: srcW, SrcH: srcH, CropW: srcW, CropH: srcH, OutW: outW, OutH: outH}
	for x := 0; x < outW; x++ {
		want := (float64(x)+0.5)/rc.ScaleX() - 0.5 // the inverse of Apply's mapping
		if want < 0 || want > srcW-1 {
			continue // OpenCV clamps at the border
		}
		if got := float64(dst.GetFloatAt(3, x)); math.Abs(got-want) > 1e-3 {
			t.Errorf("output x=%d samples source %.4f, want %.4f", x, got, want)
		}
	}
}

func TestStretch(t *testing.T) {
	rc, err := Stretch(1242, 375, 640, 192)
	if err != nil {
		t.Fatal(err)
	}
	want := ResizeCrop{SrcW: 1242, SrcH: 375, CropW: 1242, CropH: 375, OutW: 640, OutH: 192}
	if rc != want {
		t.Errorf("Stretch = %+v, want %+v", rc, want)
	}
	if _, err := Stretch(0, 375, 640, 192); err == nil {
		t.Error("Stretch of a 0-wide image: no error")
	}
}

func TestCropToAspect(t *testing.T) {
	tests := []struct {
		name                   string
		srcW, srcH, outW, outH int
		anchor                 Anchor
		want                   ResizeCrop
	}{
		{"same aspect", 1280, 720, 640, 360, AnchorCenter,
			ResizeCrop{SrcW: 1280, SrcH: 720, CropW: 1280, CropH: 720, OutW: 640, OutH: 360}},
		{"wider source, center", 1920, 1080, 640, 480, AnchorCenter,
			ResizeCrop{SrcW: 1920, SrcH: 1080, CropX: 240, CropW: 1440, CropH: 1080, OutW: 640, OutH: 480}},
		{"wider source, bottom", 1920, 1080, 640, 480, AnchorBottom,
			ResizeCrop{SrcW: 1920, SrcH: 1080, CropX: 240, CropW: 1440, CropH: 1080, OutW: 640, OutH: 480}},
		{"taller source, center", 640, 480, 640, 192, AnchorCenter,
			ResizeCrop{SrcW: 640, SrcH: 480, CropY: 144, CropW: 640, CropH: 192, OutW: 640, OutH: 192}},
		{"taller source, bottom", 640, 480, 640, 192, AnchorBottom,
			ResizeCrop{SrcW: 640, SrcH: 480, CropY: 288, CropW: 640, CropH: 192, OutW: 640, OutH: 192}},
		// KITTI 1242×375 into 640×192: 1242·192/640 = 372.6 rows, rounded to 373.
		{"KITTI, bottom", 1242, 375, 640, 192, AnchorBottom,
			ResizeCrop{SrcW: 1242, SrcH: 375, CropY: 2, CropW: 1242, CropH: 373, OutW: 640, OutH: 192}},
		{"KITTI, center", 1242, 375, 640, 192, AnchorCenter,
			ResizeCrop{SrcW: 1242, SrcH: 375, CropY: 1, CropW: 1242, CropH: 373, OutW: 640, OutH: 192}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := CropToAspect(tt.srcW, tt.srcH, tt.outW, tt.outH, tt.anchor)
			if err != nil {
				t.Fatal(err)
			}
			if rc != tt.want {
				t.Errorf("CropToAspect = %+v, want %+v", rc, tt.want)
			}
		})
	}
	for _, bad := range [][4]int{{0, 480, 640, 192}, {640, 480, 0, 192}, {640, -1, 640, 192}} {
		if _, err := CropToAspect(bad[0], bad[1], bad[2], bad[3], AnchorCenter); err == nil {
			t.Errorf("CropToAspect%v: no error", bad)
		}
	}
	if _, err := CropToAspect(640, 480, 640, 192, Anchor(7)); err == nil {
		t.Error("unknown anchor: no error")
	}
}
