package pipeline

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/msgs"
)

var (
	inf32 = float32(math.Inf(1))
	ninf  = float32(math.Inf(-1))
)

func sameFloat(a, b float32, rel float64) bool {
	if a != a || b != b {
		return a != a && b != b
	}
	return math.Abs(float64(a-b)) <= rel*math.Abs(float64(b))
}

func TestDepthConvert(t *testing.T) {
	sig := DepthConfig{Kind: OutputSigmoidDisparity, MinDepth: 0.1, MaxDepth: 100}
	clamped := DepthConfig{Kind: OutputDepth, ClampMin: 0.5, ClampMax: 10}
	tests := []struct {
		name  string
		cfg   DepthConfig
		scale float32
		in    []float32
		want  []float32
	}{
		// disp 0 → max depth, 1 → min depth; 0.5 → 1/(0.01 + 9.99·0.5).
		{"sigmoid", sig, 1, []float32{0, 1, 0.5, nan32}, []float32{100, 0.1, 1 / (0.01 + 9.99*0.5), nan32}},
		{"sigmoid scaled", sig, 2.5, []float32{0, 1}, []float32{250, 0.25}},
		// disp far below 0 makes the denominator negative: invalid.
		{"sigmoid negative", sig, 1, []float32{-1}, []float32{nan32}},
		{"inverse", DepthConfig{Kind: OutputInverseDepth}, 1, []float32{0.5, 4, 0, -2, inf32, nan32}, []float32{2, 0.25, nan32, nan32, nan32, nan32}},
		{"depth", DepthConfig{Kind: OutputDepth}, 0.37, []float32{10, 0, -1, inf32, ninf, nan32}, []float32{3.7, nan32, nan32, nan32, nan32, nan32}},
		{"clamped", clamped, 1, []float32{0.1, 5, 20, 0}, []float32{0.5, 5, 10, nan32}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewDepthConverter(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]float32, len(tc.in))
			if err := c.Convert(got, tc.in, tc.scale); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if !sameFloat(got[i], tc.want[i], 1e-6) {
					t.Errorf("x=%v: depth %v, want %v", tc.in[i], got[i], tc.want[i])
				}
			}
			// In place gives the same.
			in := append([]float32(nil), tc.in...)
			_ = c.Convert(in, in, tc.scale)
			for i := range in {
				if !sameFloat(in[i], got[i], 0) {
					t.Errorf("in place x=%v: %v, want %v", tc.in[i], in[i], got[i])
				}
			}
		})
	}
}

func TestDepthConfigRejects(t *testing.T) {
	for _, tc := range []struct {
		cfg  DepthConfig
		want string
	}{
		{DepthConfig{Kind: "disp"}, `depth: unknown output kind "disp"`},
		{DepthConfig{Kind: OutputSigmoidDisparity, MinDepth: 0, MaxDepth: 10}, "depth: min_depth 0 must be positive"},
		{DepthConfig{Kind: OutputSigmoidDisparity, MinDepth: 1, MaxDepth: 1}, "depth: max_depth 1 must be finite and greater than min_depth 1"},
		{DepthConfig{Kind: OutputDepth, ClampMin: 5, ClampMax: 2}, "depth: clamp max 2 < clamp min 5"},
	} {
		_, err := NewDepthConverter(tc.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want prefix %q", tc.cfg, err, tc.want)
		}
	}
	c, _ := NewDepthConverter(DepthConfig{Kind: OutputDepth})
	if err := c.Convert(make([]float32, 2), make([]float32, 2), 0); err == nil || !strings.Contains(err.Error(), "scale 0") {
		t.Errorf("scale 0: got %v", err)
	}
}

func TestEncodeDepth32FC1(t *testing.T) {
	depth := []float32{1.5, nan32, 0, -3, inf32, 80}
	hdr := msgs.Header{Stamp: msgs.Time{Sec: 7, Nanosec: 9}, FrameID: "cam_optical"}
	var img msgs.Image
	if err := EncodeDepth32FC1(&img, hdr, depth, 3, 2); err != nil {
		t.Fatal(err)
	}
	if img.Encoding != "32FC1" || img.Width != 3 || img.Height != 2 || img.Step != 12 || img.IsBigEndian != 0 || len(img.Data) != 24 || img.Header != hdr {
		t.Fatalf("metadata %+v", img)
	}
	want := []float32{1.5, nan32, nan32, nan32, nan32, 80}
	for i, w := range want {
		got := math.Float32frombits(binary.LittleEndian.Uint32(img.Data[4*i:]))
		if !sameFloat(got, w, 0) {
			t.Errorf("pixel %d: %v, want %v", i, got, w)
		}
	}
	data := &img.Data[0]
	if err := EncodeDepth32FC1(&img, hdr, depth, 3, 2); err != nil || &img.Data[0] != data {
		t.Errorf("second encode reallocated the buffer (err %v)", err)
	}
	if err := EncodeDepth32FC1(&img, hdr, depth, 4, 2); err == nil || err.Error() != "depth image: 6 values < width 4 × height 2" {
		t.Errorf("short depth: %v", err)
	}
}

func TestEncodeDepth16UC1(t *testing.T) {
	depth := []float32{1.5, 0.0012345, 0.0001, nan32, 0, -1, inf32, 65.534, 65.535, 1000, 2.0004, 2.0006}
	want := []uint16{1500, 1, 1, 0, 0, 0, 0, 65534, 65535, 65535, 2000, 2001}
	var img msgs.Image
	if err := EncodeDepth16UC1(&img, msgs.Header{}, depth, len(depth), 1); err != nil {
		t.Fatal(err)
	}
	if img.Encoding != "16UC1" || img.Step != uint32(2*len(depth)) || img.IsBigEndian != 0 {
		t.Fatalf("metadata %+v", img)
	}
	for i, w := range want {
		if got := binary.LittleEndian.Uint16(img.Data[2*i:]); got != w {
			t.Errorf("depth %v m: %d mm, want %d", depth[i], got, w)
		}
	}
}

func TestDepthAllocs(t *testing.T) {
	c, _ := NewDepthConverter(DepthConfig{Kind: OutputSigmoidDisparity, MinDepth: 0.1, MaxDepth: 100})
	disp := make([]float32, 64*48)
	depth := make([]float32, len(disp))
	var img msgs.Image
	allocs := testing.AllocsPerRun(10, func() {
		_ = c.Convert(depth, disp, 1)
		_ = EncodeDepth32FC1(&img, msgs.Header{}, depth, 64, 48)
		_ = EncodeDepth16UC1(&img, msgs.Header{}, depth, 64, 48)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per frame, want 0", allocs)
	}
}
