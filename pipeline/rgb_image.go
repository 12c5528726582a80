package pipeline

// RGBImage is an 8-bit RGB image in Go memory, rows packed without padding: pixel (x, y) is
// Pix[3·(y·W+x) : 3·(y·W+x)+3] = R, G, B.
//
// A plain Go type rather than a gocv.Mat so that the images handed between stages need no
// Close, are visible to the race detector and the garbage collector, and can be read by pure-Go
// stages (point cloud colour, colormap, eval) without cgo. Stages that use OpenCV wrap Pix in a
// Mat header for the duration of one call.
type RGBImage struct {
	W, H int
	Pix  []byte
}

// SetSize sets the size to w×h, reusing Pix when its capacity suffices. Contents are undefined.
func (im *RGBImage) SetSize(w, h int) {
	n := 3 * w * h
	if cap(im.Pix) < n {
		im.Pix = make([]byte, n)
	}
	im.Pix = im.Pix[:n]
	im.W, im.H = w, h
}

// At returns the colour of pixel (x, y).
func (im *RGBImage) At(x, y int) (r, g, b byte) {
	i := 3 * (y*im.W + x)
	return im.Pix[i], im.Pix[i+1], im.Pix[i+2]
}
