package calibration

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// webcamYAML is a 640×480 calibration as ROS camera_calibration writes it.
const webcamYAML = `image_width: 640
image_height: 480
camera_name: head_camera
camera_matrix:
  rows: 3
  cols: 3
  data: [458.654, 0, 317.3, 0, 457.296, 248.4, 0, 0, 1]
distortion_model: plumb_bob
distortion_coefficients:
  rows: 1
  cols: 5
  data: [-0.28340811, 0.07395907, 0.00019359, 1.76187114e-05, 0]
rectification_matrix:
  rows: 3
  cols: 3
  data: [1, 0, 0, 0, 1, 0, 0, 0, 1]
projection_matrix:
  rows: 3
  cols: 4
  data: [400.1, 0, 321.2, 0, 0, 401.7, 243.9, 0, 0, 0, 1, 0]
`

func TestParseYAMLWebcam(t *testing.T) {
	cam, err := ParseYAML([]byte(webcamYAML))
	if err != nil {
		t.Fatal(err)
	}
	want, err := FromCameraInfo(webcamInfo())
	if err != nil {
		t.Fatal(err)
	}
	want.Name = "head_camera"
	if !cam.Equal(want) {
		t.Errorf("ParseYAML =\n %+v\nwant\n %+v", cam, want)
	}
}

func TestLoadYAMLKITTILike(t *testing.T) {
	cam, err := LoadYAML(filepath.Join("testdata", "kitti_like_02.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cam.Name != "kitti_cam02" || cam.Width != 1242 || cam.Height != 375 || cam.Model != PlumbBob {
		t.Errorf("header fields: %q %dx%d %q", cam.Name, cam.Width, cam.Height, cam.Model)
	}
	if cam.D[4] != -0.06770705 || cam.R[1] != 0.01228161 || cam.P[3] != 44.85728 {
		t.Errorf("matrix data misread: D %v R %v P %v", cam.D, cam.R, cam.P)
	}
	want := Intrinsics{Fx: 721.5377, Fy: 721.5377, Cx: 609.5593, Cy: 172.854}
	if got := cam.RectifiedIntrinsics(); got != want {
		t.Errorf("RectifiedIntrinsics = %+v, want %+v", got, want)
	}
}

func TestMarshalYAMLRoundTrip(t *testing.T) {
	kitti, err := LoadYAML(filepath.Join("testdata", "kitti_like_02.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fisheye, err := ParseYAML([]byte(strings.NewReplacer(
		"plumb_bob", "equidistant",
		"cols: 5", "cols: 4",
		"[-0.28340811, 0.07395907, 0.00019359, 1.76187114e-05, 0]", "[0.0069, 0.0043, -0.0072, 0.0019]",
	).Replace(webcamYAML)))
	if err != nil {
		t.Fatal(err)
	}
	for _, cam := range []Camera{kitti, fisheye} {
		data, err := MarshalYAML(cam)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseYAML(data)
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		if !back.Equal(cam) {
			t.Errorf("round trip changed the camera:\n got %+v\nwant %+v\n%s", back, cam, data)
		}
	}
}

func TestMarshalYAMLLayout(t *testing.T) {
	cam := PinholeCamera(640, 192, Intrinsics{Fx: 371, Fy: 372, Cx: 319.5, Cy: 95.5})
	cam.Name = "depth"
	data, err := MarshalYAML(cam)
	if err != nil {
		t.Fatal(err)
	}
	want := `image_width: 640
image_height: 192
camera_name: depth
camera_matrix:
    rows: 3
    cols: 3
    data: [371, 0, 319.5, 0, 372, 95.5, 0, 0, 1]
distortion_model: plumb_bob
distortion_coefficients:
    rows: 1
    cols: 5
    data: [0, 0, 0, 0, 0]
rectification_matrix:
    rows: 3
    cols: 3
    data: [1, 0, 0, 0, 1, 0, 0, 0, 1]
projection_matrix:
    rows: 3
    cols: 4
    data: [371, 0, 319.5, 0, 0, 372, 95.5, 0, 0, 0, 1, 0]
`
	if string(data) != want {
		t.Errorf("MarshalYAML =\n%s\nwant\n%s", data, want)
	}
	if _, err := MarshalYAML(Camera{}); err == nil {
		t.Error("MarshalYAML of an invalid camera: no error")
	}
}

func TestParseYAMLDefaults(t *testing.T) {
	// An old file: no distortion_model, no rectification or projection matrix.
	old := `image_width: 640
image_height: 480
camera_name: old
camera_matrix: {rows: 3, cols: 3, data: [458.654, 0., 317.3, 0., 457.296, 248.4, 0., 0., 1.]}
distortion_coefficients: {rows: 1, cols: 8, data: [0.5, -0.02, 1e-4, -2e-4, 0.001, 0.85, 0.05, 0.003]}
`
	cam, err := ParseYAML([]byte(old))
	if err != nil {
		t.Fatal(err)
	}
	if cam.Model != RationalPolynomial {
		t.Errorf("8 coefficients without a model: %q, want rational_polynomial", cam.Model)
	}
	if cam.R != identity3 || cam.P != [12]float64{458.654, 0, 317.3, 0, 0, 457.296, 248.4, 0, 0, 0, 1, 0} {
		t.Errorf("defaults: R %v P %v", cam.R, cam.P)
	}
}

func TestParseYAMLErrors(t *testing.T) {
	tests := []struct {
		name, from, to, wantErr string
	}{
		{"camera_matrix shape", "  data: [458.654, 0, 317.3, 0, 457.296, 248.4, 0, 0, 1]", "  data: [458.654, 0, 317.3, 0, 457.296]",
			"camera_matrix has rows 3 cols 3 data of length 5; want rows 3 cols 3 and 9 values"},
		{"projection rows", "rows: 3\n  cols: 4", "rows: 2\n  cols: 4",
			"projection_matrix has rows 2 cols 4 data of length 12"},
		{"distortion length", "cols: 5", "cols: 6", "distortion_coefficients has rows 1 cols 6 data of length 5"},
		{"unknown model", "plumb_bob", "foo", `distortion_model "foo" unknown`},
		{"zero fx", "[458.654,", "[0,", "K[0] (fx) is 0"},
		{"zero width", "image_width: 640", "image_width: 0", "image size 0x480"},
		{"not a number", "317.3", "abc", "calibration: YAML:"},
		{"no camera_matrix", "camera_matrix:", "camera_matrixx:", "YAML has no camera_matrix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(webcamYAML, tt.from, tt.to, 1)
			if text == webcamYAML {
				t.Fatalf("test edit %q not found", tt.from)
			}
			_, err := ParseYAML([]byte(text))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadYAMLNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("image_width: 640\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadYAML(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v does not name %s", err, path)
	}
	if _, err := LoadYAML(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

// FuzzParseYAML: the file comes from the user; whatever it holds, ParseYAML returns an error or a
// camera that validates and survives a write/read round trip.
func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(webcamYAML))
	if data, err := os.ReadFile(filepath.Join("testdata", "kitti_like_02.yaml")); err == nil {
		f.Add(data)
	}
	f.Add([]byte("camera_matrix: {rows: 3, cols: 3, data: [1,0,0,0,1,0,0,0,1]}\nimage_width: 1\nimage_height: 1\n"))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("camera_matrix: {rows: 3, cols: 3, data: [.nan,0,0,0,1,0,0,0,1]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cam, err := ParseYAML(data)
		if err != nil {
			return
		}
		if err := cam.Validate(); err != nil {
			t.Fatalf("ParseYAML returned an invalid camera: %v", err)
		}
		out, err := MarshalYAML(cam)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseYAML(out)
		if err != nil {
			t.Fatalf("re-reading our own output: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(back.CameraInfo(), cam.CameraInfo()) {
			t.Fatalf("round trip changed the camera:\n%+v\n%+v", back, cam)
		}
	})
}
