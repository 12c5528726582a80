package fileio

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
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
	f, err := os.Create(path)
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
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func finite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }
