package pipeline

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

func newTestCloud(t testing.TB, cfg CloudConfig) *CloudBuilder {
	t.Helper()
	b, err := NewCloudBuilder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cloudPoint reads point (i, j) of an organised cloud with float32 x, y, z at 0, 4, 8.
func cloudPoint(pc *msgs.PointCloud2, i, j int) (x, y, z float32) {
	o := j*int(pc.RowStep) + i*int(pc.PointStep)
	f := func(k int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(pc.Data[o+k:])) }
	return f(0), f(4), f(8)
}

func constDepth(w, h int, z float32) []float32 {
	d := make([]float32, w*h)
	for i := range d {
		d[i] = z
	}
	return d
}

var testIntr = calibration.Intrinsics{Fx: 200, Fy: 180, Cx: 15.5, Cy: 11.5}

func TestCloudFrontoParallelPlane(t *testing.T) {
	const w, h = 32, 24
	b := newTestCloud(t, CloudConfig{})
	var pc msgs.PointCloud2
	hdr := msgs.Header{FrameID: "cam_optical"}
	if err := b.Build(&pc, hdr, constDepth(w, h, 2), w, h, testIntr, nil); err != nil {
		t.Fatal(err)
	}
	if pc.Width != w || pc.Height != h || pc.PointStep != 12 || pc.RowStep != 12*w || pc.IsDense || pc.IsBigEndian ||
		len(pc.Data) != 12*w*h || len(pc.Fields) != 3 || pc.Header != hdr {
		t.Fatalf("metadata: %+v", pc)
	}
	for j := 0; j < h; j++ {
		for i := 0; i < w; i++ {
			x, y, z := cloudPoint(&pc, i, j)
			wx := float32((float64(i) - testIntr.Cx) * 2 / testIntr.Fx)
			wy := float32((float64(j) - testIntr.Cy) * 2 / testIntr.Fy)
			if z != 2 || !sameFloat(x, wx, 1e-6) || !sameFloat(y, wy, 1e-6) {
				t.Fatalf("pixel (%d,%d): (%v, %v, %v), want (%v, %v, 2)", i, j, x, y, z, wx, wy)
			}
		}
	}
}

func TestCloudDecimationAndRange(t *testing.T) {
	const w, h = 33, 24
	depth := constDepth(w, h, 2)
	depth[0] = nan32
	depth[5*w+5] = -1
	b := newTestCloud(t, CloudConfig{Decimation: 5, MinRange: 1, MaxRange: 2.01})
	var pc msgs.PointCloud2
	if err := b.Build(&pc, msgs.Header{}, depth, w, h, testIntr, nil); err != nil {
		t.Fatal(err)
	}
	if cw, ch := CloudSize(w, h, 5); pc.Width != 7 || pc.Height != 5 || cw != 7 || ch != 5 {
		t.Fatalf("cloud %dx%d (CloudSize %dx%d), want 7x5", pc.Width, pc.Height, cw, ch)
	}
	valid := 0
	for j := 0; j < 5; j++ {
		for i := 0; i < 7; i++ {
			x, y, z := cloudPoint(&pc, i, j)
			u, v := 5*i, 5*j
			rng := 2 * math.Sqrt(math.Pow((float64(u)-testIntr.Cx)/testIntr.Fx, 2)+math.Pow((float64(v)-testIntr.Cy)/testIntr.Fy, 2)+1)
			wantNaN := u == 0 && v == 0 || u == 5 && v == 5 || rng > 2.01
			if gotNaN := x != x && y != y && z != z; gotNaN != wantNaN {
				t.Errorf("pixel (%d,%d) range %.4f: point (%v,%v,%v), want NaN %v", u, v, rng, x, y, z, wantNaN)
			}
			if !wantNaN {
				valid++
				if wx := float32((float64(u) - testIntr.Cx) * 2 / testIntr.Fx); !sameFloat(x, wx, 1e-6) {
					t.Errorf("pixel (%d,%d): x %v, want %v", u, v, x, wx)
				}
			}
		}
	}
	if valid == 0 || valid == 35 {
		t.Errorf("%d valid points: the range filter should keep the centre and drop the corners", valid)
	}
}

func TestCloudRGB(t *testing.T) {
	const w, h = 4, 3
	rgb := fillRGB(w, h, func(x, y int) (byte, byte, byte) { return byte(10 * x), byte(10 * y), 0xAB })
	b := newTestCloud(t, CloudConfig{RGB: true})
	var pc msgs.PointCloud2
	if err := b.Build(&pc, msgs.Header{}, constDepth(w, h, 1), w, h, testIntr, rgb); err != nil {
		t.Fatal(err)
	}
	if pc.PointStep != 16 || len(pc.Fields) != 4 || pc.Fields[3].Name != "rgb" || pc.Fields[3].Offset != 12 ||
		pc.Fields[3].Datatype != msgs.PointFieldFloat32 {
		t.Fatalf("layout: step %d fields %+v", pc.PointStep, pc.Fields)
	}
	for j := 0; j < h; j++ {
		for i := 0; i < w; i++ {
			o := j*int(pc.RowStep) + i*16 + 12
			got := binary.LittleEndian.Uint32(pc.Data[o:])
			want := uint32(10*i)<<16 | uint32(10*j)<<8 | 0xAB
			if got != want || math.Float32bits(PackRGB(byte(10*i), byte(10*j), 0xAB)) != want {
				t.Errorf("pixel (%d,%d): rgb bits %#08x, want %#08x", i, j, got, want)
			}
		}
	}
	if err := b.Build(&pc, msgs.Header{}, constDepth(w, h, 1), w, h, testIntr, nil); err == nil ||
		!strings.Contains(err.Error(), "no colour image") {
		t.Errorf("missing colour: %v", err)
	}
}

func TestCloudRebuildsRaysOnNewIntrinsics(t *testing.T) {
	const w, h = 8, 6
	b := newTestCloud(t, CloudConfig{})
	var pc msgs.PointCloud2
	_ = b.Build(&pc, msgs.Header{}, constDepth(w, h, 1), w, h, testIntr, nil)
	other := testIntr
	other.Fx *= 2
	_ = b.Build(&pc, msgs.Header{}, constDepth(w, h, 1), w, h, other, nil)
	if x, _, _ := cloudPoint(&pc, 0, 0); !sameFloat(x, float32(-other.Cx/other.Fx), 1e-6) {
		t.Errorf("x at (0,0) = %v after an intrinsics change, want %v", x, -other.Cx/other.Fx)
	}
	bad := calibration.Intrinsics{Fx: 0, Fy: 1}
	if err := b.Build(&pc, msgs.Header{}, constDepth(w, h, 1), w, h, bad, nil); err == nil ||
		!strings.HasPrefix(err.Error(), "points: intrinsics fx=0") {
		t.Errorf("fx 0: %v", err)
	}
}

func TestCloudAllocs(t *testing.T) {
	const w, h = 64, 48
	b := newTestCloud(t, CloudConfig{RGB: true, Decimation: 2, MaxRange: 50})
	depth := constDepth(w, h, 3)
	rgb := testPattern(w, h)
	var pc msgs.PointCloud2
	allocs := testing.AllocsPerRun(10, func() {
		_ = b.Build(&pc, msgs.Header{}, depth, w, h, testIntr, rgb)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per cloud, want 0", allocs)
	}
}
