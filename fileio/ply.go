package fileio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/ssmde/ssmde/msgs"
)

// Point is one coloured point of a .ply cloud.
type Point struct {
	X, Y, Z float32
	R, G, B uint8
}

// WritePLY writes a binary little-endian PLY with float x y z and, when withColor, uchar
// red green blue: what MeshLab, CloudCompare and Open3D read. Non-finite points are skipped.
func WritePLY(path string, points []Point, withColor bool) error {
	n := 0
	for _, p := range points {
		if finite(p.X) && finite(p.Y) && finite(p.Z) {
			n++
		}
	}
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "ply\nformat binary_little_endian 1.0\ncomment written by ssmde\nelement vertex %d\n", n)
	fmt.Fprint(w, "property float x\nproperty float y\nproperty float z\n")
	if withColor {
		fmt.Fprint(w, "property uchar red\nproperty uchar green\nproperty uchar blue\n")
	}
	fmt.Fprint(w, "end_header\n")
	var b [15]byte
	for _, p := range points {
		if !(finite(p.X) && finite(p.Y) && finite(p.Z)) {
			continue
		}
		binary.LittleEndian.PutUint32(b[0:], math.Float32bits(p.X))
		binary.LittleEndian.PutUint32(b[4:], math.Float32bits(p.Y))
		binary.LittleEndian.PutUint32(b[8:], math.Float32bits(p.Z))
		if withColor {
			b[12], b[13], b[14] = p.R, p.G, p.B
			w.Write(b[:15])
		} else {
			w.Write(b[:12])
		}
	}
	if err := w.Flush(); err != nil {
		f.Discard()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// WritePLYFromCloud writes the finite points of a sensor_msgs/PointCloud2 with float32 x, y, z
// and optionally a PCL-packed float32 rgb field (0x00RRGGBB), little-endian.
func WritePLYFromCloud(path string, cloud *msgs.PointCloud2) error {
	offsets := map[string]int{}
	for _, f := range cloud.Fields {
		if f.Datatype == msgs.PointFieldFloat32 && f.Count == 1 {
			offsets[f.Name] = int(f.Offset)
		}
	}
	for _, name := range []string{"x", "y", "z"} {
		if _, ok := offsets[name]; !ok {
			return fmt.Errorf("%s: point cloud has no float32 field %q", path, name)
		}
	}
	if cloud.IsBigEndian {
		return fmt.Errorf("%s: big-endian point clouds are not supported", path)
	}
	step := int(cloud.PointStep)
	n := int(cloud.Width) * int(cloud.Height)
	if step < 12 || int64(n)*int64(step) > int64(len(cloud.Data)) {
		return fmt.Errorf("%s: point cloud %dx%d with point_step %d needs more than its %d bytes", path, cloud.Width, cloud.Height, step, len(cloud.Data))
	}
	rgbOff, withColor := offsets["rgb"]
	f32 := func(i, off int) float32 {
		return math.Float32frombits(binary.LittleEndian.Uint32(cloud.Data[i*step+off:]))
	}
	pts := make([]Point, n)
	for i := range pts {
		p := Point{X: f32(i, offsets["x"]), Y: f32(i, offsets["y"]), Z: f32(i, offsets["z"])}
		if withColor {
			c := math.Float32bits(f32(i, rgbOff))
			p.R, p.G, p.B = uint8(c>>16), uint8(c>>8), uint8(c)
		}
		pts[i] = p
	}
	return WritePLY(path, pts, withColor)
}
