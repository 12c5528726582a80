package calibration

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

// webcamInfo is a typical 640×480 plumb_bob calibration as a driver publishes it.
func webcamInfo() msgs.CameraInfo {
	return msgs.CameraInfo{
		Header:          msgs.Header{FrameID: "camera_optical_frame"},
		Width:           640,
		Height:          480,
		DistortionModel: "plumb_bob",
		D:               []float64{-0.28340811, 0.07395907, 0.00019359, 1.76187114e-05, 0},
		K:               [9]float64{458.654, 0, 317.3, 0, 457.296, 248.4, 0, 0, 1},
		R:               [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1},
		P:               [12]float64{400.1, 0, 321.2, 0, 0, 401.7, 243.9, 0, 0, 0, 1, 0},
	}
}

func TestFromCameraInfoDefaults(t *testing.T) {
	msg := webcamInfo()
	msg.R = [9]float64{}
	msg.P = [12]float64{}
	cam, err := FromCameraInfo(msg)
	if err != nil {
		t.Fatal(err)
	}
	if cam.BinningX != 1 || cam.BinningY != 1 {
		t.Errorf("binning 0 became %dx%d, want 1x1", cam.BinningX, cam.BinningY)
	}
	if want := (ROI{Width: 640, Height: 480}); cam.ROI != want {
		t.Errorf("zero ROI became %+v, want %+v", cam.ROI, want)
	}
	if cam.R != identity3 {
		t.Errorf("zero R became %v, want identity", cam.R)
	}
	if want := [12]float64{458.654, 0, 317.3, 0, 0, 457.296, 248.4, 0, 0, 0, 1, 0}; cam.P != want {
		t.Errorf("zero P became %v, want [K|0] %v", cam.P, want)
	}
	if w, h := cam.PublishedSize(); w != 640 || h != 480 {
		t.Errorf("PublishedSize = %dx%d, want 640x480", w, h)
	}
	want := Intrinsics{Fx: 458.654, Fy: 457.296, Cx: 317.3, Cy: 248.4}
	if got := cam.PublishedIntrinsics(); got != want {
		t.Errorf("PublishedIntrinsics = %+v, want %+v", got, want)
	}
	if got := cam.RectifiedIntrinsics(); got != want {
		t.Errorf("RectifiedIntrinsics with P = [K|0] = %+v, want %+v", got, want)
	}
}

func TestCameraInfoRoundTrip(t *testing.T) {
	infos := map[string]msgs.CameraInfo{"plumb_bob": webcamInfo()}
	binned := webcamInfo()
	binned.BinningX, binned.BinningY = 2, 2
	binned.ROI = msgs.RegionOfInterest{XOffset: 40, YOffset: 20, Width: 400, Height: 300, DoRectify: true}
	infos["binned roi"] = binned
	fisheye := webcamInfo()
	fisheye.DistortionModel = "equidistant"
	fisheye.D = []float64{0.01, -0.002, 0.0003, -0.00004}
	infos["equidistant"] = fisheye
	rational := webcamInfo()
	rational.DistortionModel = "rational_polynomial"
	rational.D = []float64{0.5, -0.02, 1e-4, -2e-4, 0.001, 0.85, 0.05, 0.003}
	infos["rational_polynomial"] = rational
	for name, msg := range infos {
		t.Run(name, func(t *testing.T) {
			cam, err := FromCameraInfo(msg)
			if err != nil {
				t.Fatal(err)
			}
			back := cam.CameraInfo()
			back.Header = msg.Header // the header belongs to the caller
			if !reflect.DeepEqual(back, msg) {
				t.Errorf("round trip changed the message:\n got %+v\nwant %+v", back, msg)
			}
		})
	}
}

func TestCameraInfoSpellsDefaultsTheROSWay(t *testing.T) {
	cam := PinholeCamera(640, 192, Intrinsics{Fx: 371, Fy: 372, Cx: 319.5, Cy: 95.5})
	if err := cam.Validate(); err != nil {
		t.Fatal(err)
	}
	msg := cam.CameraInfo()
	want := msgs.CameraInfo{
		Width: 640, Height: 192,
		DistortionModel: "plumb_bob",
		D:               []float64{0, 0, 0, 0, 0},
		K:               [9]float64{371, 0, 319.5, 0, 372, 95.5, 0, 0, 1},
		R:               identity3,
		P:               [12]float64{371, 0, 319.5, 0, 0, 372, 95.5, 0, 0, 0, 1, 0},
	}
	if !reflect.DeepEqual(msg, want) {
		t.Errorf("CameraInfo =\n %+v\nwant\n %+v", msg, want)
	}
}

func TestPublishedIntrinsicsBinningAndROI(t *testing.T) {
	msg := webcamInfo()
	msg.K = [9]float64{400, 0, 320, 0, 300, 240, 0, 0, 1}
	msg.P = [12]float64{410, 0, 330, 0, 0, 310, 250, 0, 0, 0, 1, 0}
	msg.BinningX, msg.BinningY = 2, 4
	msg.ROI = msgs.RegionOfInterest{XOffset: 100, YOffset: 40, Width: 300, Height: 400}
	cam, err := FromCameraInfo(msg)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := cam.PublishedSize(); w != 150 || h != 100 {
		t.Errorf("PublishedSize = %dx%d, want 150x100", w, h)
	}
	// cx: (320−100+0.5)/2 − 0.5 = 109.75; cy: (240−40+0.5)/4 − 0.5 = 49.625.
	want := Intrinsics{Fx: 200, Fy: 75, Cx: 109.75, Cy: 49.625}
	if got := cam.PublishedIntrinsics(); !intrinsicsNear(got, want, 1e-12) {
		t.Errorf("PublishedIntrinsics = %+v, want %+v", got, want)
	}
	wantRect := Intrinsics{Fx: 205, Fy: 77.5, Cx: 114.75, Cy: 52.125}
	if got := cam.RectifiedIntrinsics(); !intrinsicsNear(got, wantRect, 1e-12) {
		t.Errorf("RectifiedIntrinsics = %+v, want %+v", got, wantRect)
	}
	// Binning is a resize that maps pixel edges onto pixel edges: the same as ResizeCrop when the
	// ROI divides evenly.
	rc := ResizeCrop{SrcW: 640, SrcH: 480, CropX: 100, CropY: 40, CropW: 300, CropH: 400, OutW: 150, OutH: 100}
	if got, viaRC := cam.PublishedIntrinsics(), rc.Apply(Intrinsics{Fx: 400, Fy: 300, Cx: 320, Cy: 240}); !intrinsicsNear(got, viaRC, 1e-12) {
		t.Errorf("PublishedIntrinsics %+v differ from ResizeCrop.Apply %+v", got, viaRC)
	}
}

func TestFromCameraInfoErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*msgs.CameraInfo)
		wantErr string
	}{
		{"no intrinsics", func(m *msgs.CameraInfo) { m.K = [9]float64{} },
			"calibration: K[0] (fx) is 0; a camera_info without intrinsics cannot be used"},
		{"no fy", func(m *msgs.CameraInfo) { m.K[4] = 0 }, "K[4] (fy) is 0"},
		{"negative fx", func(m *msgs.CameraInfo) { m.K[0] = -400 }, "K[0] (fx) -400"},
		{"unknown model", func(m *msgs.CameraInfo) { m.DistortionModel = "foo" },
			`distortion_model "foo" unknown; want plumb_bob, rational_polynomial or equidistant`},
		{"plumb_bob with 8", func(m *msgs.CameraInfo) { m.D = make([]float64, 8) },
			`distortion_model "plumb_bob" takes 5 D coefficients, got 8`},
		{"rational with 5", func(m *msgs.CameraInfo) { m.DistortionModel = "rational_polynomial" },
			`distortion_model "rational_polynomial" takes 8 D coefficients, got 5`},
		{"equidistant with 5", func(m *msgs.CameraInfo) { m.DistortionModel = "equidistant" },
			`distortion_model "equidistant" takes 4 D coefficients, got 5`},
		{"empty model with coefficients", func(m *msgs.CameraInfo) { m.DistortionModel = "" },
			"distortion_model is empty but D has 5 non-zero coefficients"},
		{"NaN in D", func(m *msgs.CameraInfo) { m.D[2] = math.NaN() }, "D[2] (p1) is NaN"},
		{"Inf in K", func(m *msgs.CameraInfo) { m.K[2] = math.Inf(1) }, "K[2] is +Inf"},
		{"NaN in R", func(m *msgs.CameraInfo) { m.R[4] = math.NaN() }, "R[4] is NaN"},
		{"NaN in P", func(m *msgs.CameraInfo) { m.P[3] = math.NaN() }, "P[3] is NaN"},
		{"zero width", func(m *msgs.CameraInfo) { m.Width = 0 }, "image size 0x480 (width x height) must be positive"},
		{"roi outside", func(m *msgs.CameraInfo) {
			m.ROI = msgs.RegionOfInterest{XOffset: 600, Width: 100, Height: 10}
		}, "roi x_offset=600 y_offset=0 width=100 height=10 lies outside the 640x480 image"},
		{"binning larger than roi", func(m *msgs.CameraInfo) {
			m.BinningX = 8
			m.ROI = msgs.RegionOfInterest{Width: 4, Height: 4}
		}, "roi 4x4 binned by 8x1 leaves no pixels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := webcamInfo()
			tt.edit(&msg)
			_, err := FromCameraInfo(msg)
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	msg := webcamInfo()
	msg.K = [9]float64{}
	if _, err := FromCameraInfo(msg); !errors.Is(err, ErrNoIntrinsics) {
		t.Errorf("zero K: error %v is not ErrNoIntrinsics", err)
	}
}

func TestFromCameraInfoLenientSpellings(t *testing.T) {
	tests := []struct {
		name      string
		model     string
		d         []float64
		wantModel DistortionModel
	}{
		{"plumb_bob without D", "plumb_bob", nil, PlumbBob},
		{"empty model, zero D", "", []float64{0, 0, 0, 0, 0}, NoDistortion},
		{"none", "none", nil, NoDistortion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := webcamInfo()
			msg.DistortionModel, msg.D = tt.model, tt.d
			cam, err := FromCameraInfo(msg)
			if err != nil {
				t.Fatal(err)
			}
			if cam.Model != tt.wantModel {
				t.Errorf("model %q, want %q", cam.Model, tt.wantModel)
			}
		})
	}
}

func TestCameraEqual(t *testing.T) {
	a, err := FromCameraInfo(webcamInfo())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := FromCameraInfo(webcamInfo())
	if !a.Equal(b) {
		t.Error("two conversions of one message differ")
	}
	b.D[0] += 1e-9
	if a.Equal(b) {
		t.Error("a changed D coefficient still compares equal")
	}
}
