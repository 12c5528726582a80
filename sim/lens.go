package sim

import (
	"image"
	"image/color"
	"image/jpeg"
	"math"
)

// Lens and sensor effects act on the image only: depth, the mask and the pose are final before them.

const maxBlurTaps = 9

// blurRow writes row v of img (radiance, 3 per pixel) blurred along the image motion of a static point
// over the exposure into out: for translation t of the camera (its frame) a point at depth z moves by
// ((u−cx)·tz − fx·tx, (v−cy)·tz − fy·ty)/z pixels. Sky (no depth) moves only with rotation, left sharp.
func (sh *shader) blurRow(v int, img []float32, depth []float32, out []float32) {
	c := sh.cam
	W, H := c.w, c.h
	tx, ty, tz := sh.blurT[0], sh.blurT[1], sh.blurT[2]
	dv0 := (float64(v)-c.cy)*tz - c.fy*ty
	row := img[3*v*W : 3*(v+1)*W]
	for u := 0; u < W; u++ {
		z := float64(depth[v*W+u])
		if !(z > 0) {
			out[3*u], out[3*u+1], out[3*u+2] = row[3*u], row[3*u+1], row[3*u+2]
			continue
		}
		du := ((float64(u)-c.cx)*tz - c.fx*tx) / z
		dv := dv0 / z
		l := math.Sqrt(du*du + dv*dv)
		if l < 0.75 {
			out[3*u], out[3*u+1], out[3*u+2] = row[3*u], row[3*u+1], row[3*u+2]
			continue
		}
		n := min(int(l)+2, maxBlurTaps)
		var r, g, b float32
		for k := 0; k < n; k++ {
			f := float64(k)/float64(n-1) - 0.5
			su := min(max(int(math.Round(float64(u)+f*du)), 0), W-1)
			sv := min(max(int(math.Round(float64(v)+f*dv)), 0), H-1)
			o := 3 * (sv*W + su)
			r += img[o]
			g += img[o+1]
			b += img[o+2]
		}
		inv := 1 / float32(n)
		out[3*u], out[3*u+1], out[3*u+2] = r*inv, g*inv, b*inv
	}
}

// rainAt is the cover of rain streaks at pixel (u, v) of the current frame, in [0, 1): thin slanted
// segments in columns about 7 px apart, each drawn anew every frame.
func (sh *shader) rainAt(u, v int) float64 {
	x := float64(u) - sh.rainSlant*float64(v)
	const colW = 7.0
	col := math.Floor(x / colW)
	h := hash3(int64(col), int64(sh.frame), sh.rainSeed)
	if unit(h) > sh.rain*0.6 {
		return 0
	}
	h2 := hash32(h, 0x52)
	centre := col*colW + 1 + (colW-2)*unit(h2)
	dx := math.Abs(x - centre)
	if dx >= 0.9 {
		return 0
	}
	// Along the column the streaks repeat with a period of 60 px, each 10 to 30 px long.
	period := 60.0
	length := 10 + 20*unit(hash32(h2, 0x53))
	off := period * unit(hash32(h2, 0x54))
	p := math.Mod(float64(v)+off, period)
	if p > length {
		return 0
	}
	return (1 - dx/0.9) * (0.25 + 0.2*sh.rain) * math.Sin(math.Pi*p/length)
}

// roundTrip passes rgb through JPEG at the given quality, in place: block artefacts and chroma loss.
func (j *jpegScratch) roundTrip(rgb []byte, w, h, quality int) error {
	if j.rgba == nil || j.rgba.Rect.Dx() != w || j.rgba.Rect.Dy() != h {
		j.rgba = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	pix := j.rgba.Pix
	for p := 0; p < w*h; p++ {
		pix[4*p], pix[4*p+1], pix[4*p+2], pix[4*p+3] = rgb[3*p], rgb[3*p+1], rgb[3*p+2], 255
	}
	j.buf.Reset()
	if err := jpeg.Encode(&j.buf, j.rgba, &jpeg.Options{Quality: quality}); err != nil {
		return err
	}
	img, err := jpeg.Decode(&j.buf)
	if err != nil {
		return err
	}
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi, ci := m.YOffset(x, y), m.COffset(x, y)
				r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				o := 3 * (y*w + x)
				rgb[o], rgb[o+1], rgb[o+2] = r, g, b
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				o := 3 * (y*w + x)
				rgb[o], rgb[o+1], rgb[o+2] = byte(r>>8), byte(g>>8), byte(b>>8)
			}
		}
	}
	return nil
}
