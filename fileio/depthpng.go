package fileio

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
)

// DepthToGray16 converts metres to a 16-bit image in millimetres (0 = invalid, saturating at
// 65.535 m), the convention of KITTI's and TUM's depth PNGs.
func DepthToGray16(depth []float32, width, height int) (*image.Gray16, error) {
	if width <= 0 || height <= 0 || len(depth) != width*height {
		return nil, fmt.Errorf("depth png: %d values for %dx%d", len(depth), width, height)
	}
	img := image.NewGray16(image.Rect(0, 0, width, height))
	for i, d := range depth {
		var mm uint16
		if d > 0 && !math.IsInf(float64(d), 0) { // NaN fails d > 0
			v := math.Round(float64(d) * 1000)
			if v > 65535 {
				v = 65535
			}
			mm = uint16(v)
		}
		img.Pix[2*i] = byte(mm >> 8) // Gray16 is big-endian
		img.Pix[2*i+1] = byte(mm)
	}
	return img, nil
}

// WriteDepthPNG writes depth in metres as a 16-bit PNG in millimetres.
func WriteDepthPNG(path string, depth []float32, width, height int) error {
	img, err := DepthToGray16(depth, width, height)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WritePNG(path, img)
}

// WritePNG encodes any image as PNG.
func WritePNG(path string, img image.Image) error {
	f, err := CreateAtomic(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Discard()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

// ReadDepthPNG reads a 16-bit depth PNG and returns metres = value·unit (unit 0.001 for mm,
// 1/5000 for TUM); 0 becomes NaN.
func ReadDepthPNG(path string, unit float64) (depth []float32, width, height int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	g, ok := img.(*image.Gray16)
	if !ok {
		return nil, 0, 0, fmt.Errorf("%s: %T is not a 16-bit grey depth image", path, img)
	}
	b := g.Bounds()
	width, height = b.Dx(), b.Dy()
	depth = make([]float32, width*height)
	for y := 0; y < height; y++ {
		for x := 0; x < width; x++ {
			v := g.Gray16At(b.Min.X+x, b.Min.Y+y).Y
			if v == 0 {
				depth[y*width+x] = float32(math.NaN())
			} else {
				depth[y*width+x] = float32(float64(v) * unit)
			}
		}
	}
	return depth, width, height, nil
}

// RGBToImage wraps packed 8-bit RGB rows (no padding) as an image for encoding.
func RGBToImage(pix []byte, width, height int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for i := 0; i < width*height && 3*i+2 < len(pix); i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = pix[3*i], pix[3*i+1], pix[3*i+2], 255
	}
	return img
}
