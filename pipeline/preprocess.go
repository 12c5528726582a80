package pipeline

import (
	"fmt"
	"math"

	"gocv.io/x/gocv"

	"github.com/ssmde/ssmde/calibration"
)

// PreprocessConfig is the model's input contract (model.yaml `input:`).
type PreprocessConfig struct {
	// Color is the tensor's channel order: "rgb" or "bgr".
	Color string
	// Scale multiplies each 8-bit sample first (1/255 maps to 0..1).
	Scale float32
	// Mean and Std are per tensor channel, in the tensor's channel order (for Color "bgr",
	// Mean[0] applies to blue): value = (sample·Scale − Mean[c]) / Std[c].
	Mean, Std [3]float32
	// Pad is the letterbox padding colour as 8-bit R, G, B values (normalised like a pixel).
	Pad [3]float32
}

// Validate reports fields out of range.
func (c PreprocessConfig) Validate() error {
	if c.Color != "rgb" && c.Color != "bgr" {
		return fmt.Errorf("preprocess: color %q must be \"rgb\" or \"bgr\"", c.Color)
	}
	if c.Scale == 0 || math.IsNaN(float64(c.Scale)) || math.IsInf(float64(c.Scale), 0) {
		return fmt.Errorf("preprocess: scale %v must be finite and non-zero", c.Scale)
	}
	for i, s := range c.Std {
		if s == 0 || math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("preprocess: std[%d] %v must be finite and non-zero", i, s)
		}
		if m := c.Mean[i]; math.IsNaN(float64(m)) || math.IsInf(float64(m), 0) {
			return fmt.Errorf("preprocess: mean[%d] %v must be finite", i, m)
		}
	}
	return nil
}

// Preprocessor crops and resizes a decoded image to the model input and normalises it into a
// float32 CHW tensor. It owns one OpenCV Mat (the resized image), reused while the output size
// holds; call Close when done. Not safe for concurrent use.
//
// Resizing uses INTER_AREA when the window shrinks (or keeps its size) in both directions and
// INTER_LINEAR otherwise (enlarging in either direction), OpenCV's recommendation for each.
type Preprocessor struct {
	lut     [3][256]float32 // per tensor channel: normalised value of each 8-bit sample
	pad     [3]float32      // per tensor channel: normalised padding value
	srcChan [3]int          // tensor channel c reads RGB sample srcChan[c]
	resized gocv.Mat        // C memory, OutH×OutW CV_8UC3
	last    RGBImage        // what the tensor was made from (aliases resized or the source)
}

// NewPreprocessor validates cfg and returns a Preprocessor.
func NewPreprocessor(cfg PreprocessConfig) (*Preprocessor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &Preprocessor{resized: gocv.NewMat(), srcChan: [3]int{0, 1, 2}}
	if cfg.Color == "bgr" {
		p.srcChan = [3]int{2, 1, 0}
	}
	for c := 0; c < 3; c++ {
		for v := 0; v < 256; v++ {
			// Same expression, same float32 rounding, as a per-pixel computation would use.
			p.lut[c][v] = (float32(v)*cfg.Scale - cfg.Mean[c]) / cfg.Std[c]
		}
		p.pad[c] = (cfg.Pad[p.srcChan[c]]*cfg.Scale - cfg.Mean[c]) / cfg.Std[c]
	}
	return p, nil
}

// Close frees the OpenCV scratch memory.
func (p *Preprocessor) Close() error { return p.resized.Close() }

// Run crops rc's window out of src, resizes it to rc.OutW × rc.OutH and writes the normalised
// tensor [3, OutH, OutW] into dst, which must hold exactly 3·OutH·OutW values.
func (p *Preprocessor) Run(dst []float32, src *RGBImage, rc calibration.ResizeCrop) error {
	if err := rc.Validate(); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	if src.W != rc.SrcW || src.H != rc.SrcH {
		return fmt.Errorf("preprocess: image %dx%d but resize/crop expects %dx%d", src.W, src.H, rc.SrcW, rc.SrcH)
	}
	if len(src.Pix) < 3*src.W*src.H {
		return fmt.Errorf("preprocess: image %dx%d has %d bytes of pixels, want %d", src.W, src.H, len(src.Pix), 3*src.W*src.H)
	}
	if n := 3 * rc.OutW * rc.OutH; len(dst) != n {
		return fmt.Errorf("preprocess: tensor length %d, want 3×%d×%d = %d", len(dst), rc.OutH, rc.OutW, n)
	}
	if rc.CropX == 0 && rc.CropY == 0 && rc.CropW == rc.SrcW && rc.CropH == rc.SrcH &&
		rc.OutW == rc.SrcW && rc.OutH == rc.SrcH {
		p.last = *src // identity: normalise straight from the source
		p.normalise(dst, src.Pix[:3*src.W*src.H])
		return nil
	}
	if err := p.resize(src, rc); err != nil {
		return err
	}
	pix, err := p.resized.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	p.last = RGBImage{W: rc.OutW, H: rc.OutH, Pix: pix}
	p.normalise(dst, pix)
	return nil
}

func (p *Preprocessor) resize(src *RGBImage, rc calibration.ResizeCrop) error {
	whole, err := wrapRGB(src)
	if err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	defer whole.Close()
	window := whole.Region(rect(rc.CropX, rc.CropY, rc.CropW, rc.CropH))
	defer window.Close()
	interp := gocv.InterpolationArea
	if rc.OutW > rc.CropW || rc.OutH > rc.CropH {
		interp = gocv.InterpolationLinear
	}
	// cv::resize reuses the destination buffer when size and type already match.
	gocv.Resize(window, &p.resized, rect(0, 0, rc.OutW, rc.OutH).Size(), 0, 0, interp)
	if p.resized.Cols() != rc.OutW || p.resized.Rows() != rc.OutH || !p.resized.IsContinuous() {
		return fmt.Errorf("preprocess: resize gave %dx%d, want %dx%d", p.resized.Cols(), p.resized.Rows(), rc.OutW, rc.OutH)
	}
	return nil
}

// RunPlaced is Run for a content window smaller than the tensor (letterbox): the resized image
// (rc.OutW × rc.OutH) lands at (offX, offY) of a tensorW × tensorH tensor and the rest is the
// padding colour. dst must hold exactly 3·tensorH·tensorW values.
func (p *Preprocessor) RunPlaced(dst []float32, tensorW, tensorH, offX, offY int, src *RGBImage, rc calibration.ResizeCrop) error {
	if offX == 0 && offY == 0 && tensorW == rc.OutW && tensorH == rc.OutH {
		return p.Run(dst, src, rc)
	}
	if offX < 0 || offY < 0 || offX+rc.OutW > tensorW || offY+rc.OutH > tensorH {
		return fmt.Errorf("preprocess: content %dx%d at (%d, %d) does not fit the %dx%d tensor", rc.OutW, rc.OutH, offX, offY, tensorW, tensorH)
	}
	if n := 3 * tensorW * tensorH; len(dst) != n {
		return fmt.Errorf("preprocess: tensor length %d, want 3×%d×%d = %d", len(dst), tensorH, tensorW, n)
	}
	if err := rc.Validate(); err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	if src.W != rc.SrcW || src.H != rc.SrcH || len(src.Pix) < 3*src.W*src.H {
		return fmt.Errorf("preprocess: image %dx%d (%d bytes) but resize/crop expects %dx%d", src.W, src.H, len(src.Pix), rc.SrcW, rc.SrcH)
	}
	if err := p.resize(src, rc); err != nil {
		return err
	}
	pix, err := p.resized.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("preprocess: %w", err)
	}
	p.last = RGBImage{W: rc.OutW, H: rc.OutH, Pix: pix}
	plane := tensorW * tensorH
	for c := 0; c < 3; c++ {
		lut, pad, s := &p.lut[c], p.pad[c], p.srcChan[c]
		out := dst[c*plane : (c+1)*plane]
		for y := 0; y < tensorH; y++ {
			row := out[y*tensorW : (y+1)*tensorW]
			cy := y - offY
			if cy < 0 || cy >= rc.OutH {
				for i := range row {
					row[i] = pad
				}
				continue
			}
			for i := 0; i < offX; i++ {
				row[i] = pad
			}
			in := pix[3*cy*rc.OutW : 3*(cy+1)*rc.OutW]
			content := row[offX : offX+rc.OutW]
			for i := range content {
				content[i] = lut[in[3*i+s]]
			}
			for i := offX + rc.OutW; i < tensorW; i++ {
				row[i] = pad
			}
		}
	}
	return nil
}

// normalise writes the CHW tensor from packed RGB pixels through the per-channel tables.
func (p *Preprocessor) normalise(dst []float32, pix []byte) {
	n := len(pix) / 3
	for c := 0; c < 3; c++ {
		lut := &p.lut[c]
		out := dst[c*n : (c+1)*n]
		s := p.srcChan[c]
		for i := range out {
			out[i] = lut[pix[3*i+s]]
		}
	}
}

// Resized returns the RGB image the last tensor was made from (the model-input-sized image),
// for colouring a point cloud at model resolution. Its Pix aliases memory owned by the
// Preprocessor (or the source image when no resize was needed): valid until the next Run or
// Close; copy it to keep it.
func (p *Preprocessor) Resized() *RGBImage { return &p.last }
