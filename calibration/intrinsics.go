package calibration

import "fmt"

// Intrinsics are pinhole intrinsics in pixels of one particular image size.
type Intrinsics struct {
	Fx, Fy, Cx, Cy float64
}

// ResizeCrop is the pipeline's exact image geometry: take the window (CropX, CropY, CropW, CropH)
// of the source image, then resize it to OutW × OutH. Pixel centres are at integer coordinates and
// resizing maps pixel edges onto pixel edges (OpenCV's convention), so a source coordinate u maps to
// (u − CropX + 0.5)·OutW/CropW − 0.5.
type ResizeCrop struct {
	SrcW, SrcH   int
	CropX, CropY int
	CropW, CropH int
	OutW, OutH   int
}

// Validate reports a window outside the source image or an empty size.
func (rc ResizeCrop) Validate() error {
	switch {
	case rc.SrcW <= 0 || rc.SrcH <= 0:
		return fmt.Errorf("calibration: source size %dx%d must be positive", rc.SrcW, rc.SrcH)
	case rc.CropW <= 0 || rc.CropH <= 0:
		return fmt.Errorf("calibration: crop size %dx%d must be positive", rc.CropW, rc.CropH)
	case rc.OutW <= 0 || rc.OutH <= 0:
		return fmt.Errorf("calibration: output size %dx%d must be positive", rc.OutW, rc.OutH)
	case rc.CropX < 0 || rc.CropY < 0 || rc.CropX+rc.CropW > rc.SrcW || rc.CropY+rc.CropH > rc.SrcH:
		return fmt.Errorf("calibration: crop window x=%d y=%d %dx%d lies outside the %dx%d image",
			rc.CropX, rc.CropY, rc.CropW, rc.CropH, rc.SrcW, rc.SrcH)
	}
	return nil
}

// ScaleX is the horizontal resize factor (output pixels per source pixel).
func (rc ResizeCrop) ScaleX() float64 { return float64(rc.OutW) / float64(rc.CropW) }

// ScaleY is the vertical resize factor (output pixels per source pixel).
func (rc ResizeCrop) ScaleY() float64 { return float64(rc.OutH) / float64(rc.CropH) }

// Apply returns the intrinsics of the output image given those of the source image.
func (rc ResizeCrop) Apply(in Intrinsics) Intrinsics {
	sx, sy := rc.ScaleX(), rc.ScaleY()
	return Intrinsics{
		Fx: in.Fx * sx,
		Fy: in.Fy * sy,
		Cx: (in.Cx-float64(rc.CropX)+0.5)*sx - 0.5,
		Cy: (in.Cy-float64(rc.CropY)+0.5)*sy - 0.5,
	}
}

// Anchor says where CropToAspect places its window when it must drop rows or columns.
type Anchor int

const (
	// AnchorCenter drops equal parts from both sides.
	AnchorCenter Anchor = iota
	// AnchorBottom keeps the bottom rows (and centres horizontally): a driving camera's road is at the
	// bottom, the sky it can spare is at the top.
	AnchorBottom
)

func (a Anchor) String() string {
	switch a {
	case AnchorCenter:
		return "center"
	case AnchorBottom:
		return "bottom"
	}
	return fmt.Sprintf("Anchor(%d)", int(a))
}

// Stretch resizes the whole source image to the output size; the aspect ratio changes when the two
// sizes differ in shape, which ResizeCrop.Apply accounts for with separate x and y factors.
func Stretch(srcW, srcH, outW, outH int) (ResizeCrop, error) {
	rc := ResizeCrop{SrcW: srcW, SrcH: srcH, CropW: srcW, CropH: srcH, OutW: outW, OutH: outH}
	return rc, rc.Validate()
}

// CropToAspect takes the largest window of the source with the output's aspect ratio (rounded to whole
// pixels), placed by anchor, and resizes it to the output size, so objects keep their shape.
func CropToAspect(srcW, srcH, outW, outH int, anchor Anchor) (ResizeCrop, error) {
	rc := ResizeCrop{SrcW: srcW, SrcH: srcH, OutW: outW, OutH: outH}
	if err := (ResizeCrop{SrcW: srcW, SrcH: srcH, CropW: 1, CropH: 1, OutW: outW, OutH: outH}).Validate(); err != nil {
		return rc, err
	}
	if srcW*outH > srcH*outW {
		// The source is wider than the output: keep every row, drop columns.
		rc.CropH = srcH
		rc.CropW = max(1, min(srcW, roundDiv(srcH*outW, outH)))
	} else {
		rc.CropW = srcW
		rc.CropH = max(1, min(srcH, roundDiv(srcW*outH, outW)))
	}
	rc.CropX = (srcW - rc.CropW) / 2
	switch anchor {
	case AnchorCenter:
		rc.CropY = (srcH - rc.CropH) / 2
	case AnchorBottom:
		rc.CropY = srcH - rc.CropH
	default:
		return rc, fmt.Errorf("calibration: crop anchor %v unknown; want center or bottom", anchor)
	}
	return rc, rc.Validate()
}

// roundDiv is a/b rounded to the nearest integer, for positive a and b.
func roundDiv(a, b int) int { return (2*a + b) / (2 * b) }
