package pipeline

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/ssmde/ssmde/calibration"
	"github.com/ssmde/ssmde/msgs"
)

func cloudOf(points [][3]float32) *msgs.PointCloud2 {
	c := &msgs.PointCloud2{Height: 1, Width: uint32(len(points)), PointStep: 12, RowStep: uint32(12 * len(points)),
		Fields: []msgs.PointField{{Name: "x", Offset: 0, Datatype: msgs.PointFieldFloat32, Count: 1},
			{Name: "y", Offset: 4, Datatype: msgs.PointFieldFloat32, Count: 1}, {Name: "z", Offset: 8, Datatype: msgs.PointFieldFloat32, Count: 1}},
		Data: make([]byte, 12*len(points))}
	for i, p := range points {
		for k := 0; k < 3; k++ {
			binary.LittleEndian.PutUint32(c.Data[12*i+4*k:], math.Float32bits(p[k]))
		}
	}
	return c
}

// Samples land on the pixels the pinhole model gives, behind-camera and off-image points dropped.
func TestSparseFromCloudAndDepthImage(t *testing.T) {
	cam := calibration.PinholeCamera(64, 48, calibration.Intrinsics{Fx: 50, Fy: 50, Cx: 31.5, Cy: 23.5})
	pts, err := SparseFromCloud(nil, cloudOf([][3]float32{{0, 0, 10}, {1, 0.5, 5}, {0, 0, -3}, {100, 0, 1}}), Identity(), &cam, 64, 48)
	if err != nil {
		t.Fatal(err)
	}
	want := []SparsePoint{{U: 32, V: 24, Z: 10}, {U: 42, V: 29, Z: 5}} // 31.5+50/5·1 = 41.5 → 42 (rounded half up)
	if len(pts) != len(want) {
		t.Fatalf("points %v, want %v", pts, want)
	}
	for i := range want {
		if pts[i] != want[i] {
			t.Fatalf("point %d: %v, want %v", i, pts[i], want[i])
		}
	}
	// A cloud given in another frame moves through the extrinsic first.
	shift := Rigid{R: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, T: [3]float64{0, 0, 2}}
	if pts, _ = SparseFromCloud(pts[:0], cloudOf([][3]float32{{0, 0, 8}}), shift, &cam, 64, 48); len(pts) != 1 || pts[0].Z != 10 {
		t.Fatalf("through the extrinsic: %v", pts)
	}
	img := &msgs.Image{Width: 4, Height: 2, Encoding: "16UC1", Step: 8, Data: make([]byte, 16)}
	binary.LittleEndian.PutUint16(img.Data[2:], 1500) // x=1, y=0: 1.5 m
	binary.LittleEndian.PutUint16(img.Data[8+6:], 7)  // x=3, y=1: 7 mm
	pts, err = SparseFromDepthImage(nil, img, 8, 4, 1)
	if err != nil || len(pts) != 2 || pts[0] != (SparsePoint{U: 2.5, V: 0.5, Z: 1.5}) || pts[1].Z != 0.007 {
		t.Fatalf("depth image samples %v %v", pts, err)
	}
	if _, err := SparseFromDepthImage(nil, &msgs.Image{Width: 4, Height: 2, Encoding: "rgb8", Step: 12, Data: make([]byte, 24)}, 8, 4, 1); err == nil {
		t.Fatal("rgb8 accepted as depth")
	}
}

// Sparse-depth messages come from the network: any bytes give samples or an error, never a panic.
func FuzzSparseFromDepthImage(f *testing.F) {
	f.Add(uint32(4), uint32(2), uint32(8), "16UC1", make([]byte, 16))
	f.Add(uint32(2), uint32(2), uint32(8), "32FC1", make([]byte, 16))
	f.Add(uint32(1<<20), uint32(1<<20), uint32(1<<31), "32FC1", make([]byte, 3))
	f.Fuzz(func(t *testing.T, w, h, step uint32, enc string, data []byte) {
		img := &msgs.Image{Width: w, Height: h, Step: step, Encoding: enc, Data: data}
		_, _ = SparseFromDepthImage(nil, img, 64, 48, 3)
	})
}

func FuzzSparseFromCloud(f *testing.F) {
	c := cloudOf([][3]float32{{0, 0, 10}})
	f.Add(c.Width, c.Height, c.PointStep, c.RowStep, uint32(8), c.Data)
	f.Add(uint32(1<<30), uint32(4), uint32(16), uint32(0), uint32(1<<31), []byte{1, 2, 3})
	cam := calibration.PinholeCamera(64, 48, calibration.Intrinsics{Fx: 50, Fy: 50, Cx: 31.5, Cy: 23.5})
	f.Fuzz(func(t *testing.T, w, h, pointStep, rowStep, zOffset uint32, data []byte) {
		cl := cloudOf(nil)
		cl.Width, cl.Height, cl.PointStep, cl.RowStep, cl.Data = w, h, pointStep, rowStep, data
		cl.Fields[2].Offset = zOffset
		_, _ = SparseFromCloud(nil, cl, Identity(), &cam, 64, 48)
	})
}
