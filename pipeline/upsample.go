package pipeline

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ssmde/ssmde/calibration"
)

// Resolution is the size of the published depth image: the model's depth grid (the content
// window of the model input, today's default for the pipeline), the camera image's own size, or
// a given size. At the camera's size (or W×H), published pixel (u, v) is camera pixel (u, v) (or
// its W×H-resized counterpart), so depth is registered to the camera image.
type Resolution struct {
	Mode ResolutionMode
	W, H int // ResolutionSize only
}

// ResolutionMode says which grid the depth is published on.
type ResolutionMode string

// Resolution modes (the node's depth_resolution parameter: camera, model or WxH).
const (
	ResolutionModel  ResolutionMode = ""       // the model's depth grid (the zero value)
	ResolutionCamera ResolutionMode = "camera" // the (rectified) camera image's size
	ResolutionSize   ResolutionMode = "size"   // W×H, the whole camera image resized
)

// ParseResolution reads "camera", "model" or "WxH" (e.g. "640x480").
func ParseResolution(s string) (Resolution, error) {
	switch s {
	case "camera":
		return Resolution{Mode: ResolutionCamera}, nil
	case "model":
		return Resolution{Mode: ResolutionModel}, nil
	}
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil {
		return Resolution{}, fmt.Errorf("depth resolution %q: want camera, model or WIDTHxHEIGHT (e.g. 640x480)", s)
	}
	r := Resolution{Mode: ResolutionSize, W: w, H: h}
	return r, r.Validate()
}

// String is the parameter's spelling.
func (r Resolution) String() string {
	switch r.Mode {
	case ResolutionModel:
		return "model"
	case ResolutionCamera:
		return "camera"
	}
	return fmt.Sprintf("%dx%d", r.W, r.H)
}

// maxPublishedSide bounds a W×H resolution (16384 is beyond every camera ROS drivers publish).
const maxPublishedSide = 16384

// Validate reports a mode or size out of range.
func (r Resolution) Validate() error {
	switch r.Mode {
	case ResolutionModel, ResolutionCamera:
		return nil
	case ResolutionSize:
		if r.W < 1 || r.H < 1 || r.W > maxPublishedSide || r.H > maxPublishedSide {
			return fmt.Errorf("depth resolution %dx%d: each side must be 1 to %d pixels", r.W, r.H, maxPublishedSide)
		}
		return nil
	}
	return fmt.Errorf("depth resolution mode %q unknown; want camera, model or a size", r.Mode)
}

// Upsampling methods from the model's depth grid to the published one.
const (
	UpsampleJointBilateral = "joint_bilateral" // edge-aware, guided by the camera image (the default)
	UpsampleBilinear       = "bilinear"
)

// UpsampleConfig configures an Upsampler.
type UpsampleConfig struct {
	Method string // joint_bilateral (default) or bilinear
	// SigmaColor is the range kernel's width: the mean absolute difference of the 8-bit R, G, B
	// samples at which a depth sample's weight falls to e^-½ (default 6).
	SigmaColor float64
}

func (c UpsampleConfig) withDefaults() UpsampleConfig {
	if c.Method == "" {
		c.Method = UpsampleJointBilateral
	}
	if c.SigmaColor == 0 {
		c.SigmaColor = 6
	}
	return c
}

// Validate reports fields out of range.
func (c UpsampleConfig) Validate() error {
	c = c.withDefaults()
	if c.Method != UpsampleJointBilateral && c.Method != UpsampleBilinear {
		return fmt.Errorf("depth upsampling %q unknown; want %s or %s", c.Method, UpsampleJointBilateral, UpsampleBilinear)
	}
	if !(c.SigmaColor > 0) || math.IsInf(c.SigmaColor, 0) {
		return fmt.Errorf("depth upsampling sigma_color %v must be positive and finite", c.SigmaColor)
	}
	return nil
}

// minRangeWeight keeps a sample whose colour matches nothing still counted a little, so a pixel
// unlike all its neighbours falls back to the spatial weights instead of to no value.
const minRangeWeight = 1e-3

// Upsampler registers the model's depth grid to the camera: it maps depth on the content grid
// (the source window of ResizeCrop low, at low.OutW × low.OutH) onto an outW × outH grid over the
// whole source image, where output pixel u sits at source coordinate (u+0.5)·SrcW/outW − 0.5 and
// so at grid coordinate (x − CropX + 0.5)·OutW/CropW − 0.5 (ResizeCrop's pixel-centre convention).
//
// Output pixels outside the window the model saw (a crop's cut-off sides) are NaN, and so is
// every pixel whose nearest grid sample is NaN; other pixels average only valid samples, so NaN
// neither spreads nor is invented. Bilinear weighs the 2×2 nearest samples; joint bilateral
// (Kopf et al., "Joint bilateral upsampling", SIGGRAPH 2007) weighs a 4×4 neighbourhood with a
// tent of radius 2 grid pixels (which reproduces a linear ramp exactly) times a Gaussian of the
// colour difference between the camera pixel and the grid sample's colour, so depth edges follow
// image edges. Tables are built once per geometry; Run allocates nothing. Not safe for
// concurrent use.
type Upsampler struct {
	cfg      UpsampleConfig
	key      upsampleKey
	xs, ys   []upsampleTaps
	rangeLUT [3*255 + 1]float32 // weight by the L1 distance of two RGB colours
	// smooth[(cy+1)·(gw+1) + cx+1] says the 4×4 neighbourhood of grid cell (cx, cy) (the taps
	// of an output pixel with floor(s) = cx, cy) is all valid and has no second difference above
	// smoothTolerance of its nearest depth along either axis: no edge to align (a plane, a ramp),
	// so bilinear, which reproduces those, stands in for the bilateral sum there.
	smooth    []bool
	hmin, hd2 []float32 // per grid row and cell column: 4-tap minimum (NaN: a tap invalid), largest |second difference|
	vd2       []float32 // per cell row and grid column: the largest vertical |second difference|
}

// smoothTolerance is the relative second difference below which a neighbourhood counts as
// smooth: 1 % of depth per grid pixel², far below a depth edge, above a ground plane's curvature
// more than a few grid rows below the horizon.
const smoothTolerance = 0.01

type upsampleKey struct {
	low        calibration.ResizeCrop
	outW, outH int
}

// upsampleTaps is one output column's (or row's) sampling of the grid.
type upsampleTaps struct {
	valid  bool
	near   int32      // nearest grid index
	first  int32      // first of the 4 bilateral taps
	w      [4]float32 // tent weights of first..first+3 (0 outside the grid)
	b0, b1 int32      // bilinear taps (clamped, as OpenCV's INTER_LINEAR)
	bw     float32    // weight of b1
}

// NewUpsampler validates cfg and returns an Upsampler.
func NewUpsampler(cfg UpsampleConfig) (*Upsampler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	u := &Upsampler{cfg: cfg}
	for d := range u.rangeLUT {
		m := float64(d) / 3 / cfg.SigmaColor
		u.rangeLUT[d] = float32(math.Exp(-0.5*m*m) + minRangeWeight)
	}
	return u, nil
}

// Prepare sets the geometry: the grid is low's output, the destination outW × outH.
func (u *Upsampler) Prepare(low calibration.ResizeCrop, outW, outH int) error {
	k := upsampleKey{low, outW, outH}
	if k == u.key && u.xs != nil {
		return nil
	}
	if err := low.Validate(); err != nil {
		return fmt.Errorf("upsample: %w", err)
	}
	if outW < 1 || outH < 1 {
		return fmt.Errorf("upsample: output size %dx%d must be positive", outW, outH)
	}
	u.xs = upsampleAxis(u.xs, low.SrcW, low.CropX, low.CropW, low.OutW, outW)
	u.ys = upsampleAxis(u.ys, low.SrcH, low.CropY, low.CropH, low.OutH, outH)
	u.key = k
	return nil
}

// upsampleAxis builds one axis's taps: output i → source x → grid coordinate s.
func upsampleAxis(t []upsampleTaps, src, crop0, cropN, grid, out int) []upsampleTaps {
	if cap(t) < out {
		t = make([]upsampleTaps, out)
	}
	t = t[:out]
	for i := range t {
		x := (float64(i)+0.5)*float64(src)/float64(out) - 0.5
		s := (x-float64(crop0)+0.5)*float64(grid)/float64(cropN) - 0.5
		tp := upsampleTaps{valid: s >= -0.5 && s < float64(grid)-0.5}
		tp.near = int32(min(max(int(math.Floor(s+0.5)), 0), grid-1))
		f := int(math.Floor(s))
		tp.first = int32(f - 1)
		for k := 0; k < 4; k++ {
			q := f - 1 + k
			if q < 0 || q >= grid {
				continue
			}
			tp.w[k] = float32(max(0, 1-math.Abs(float64(q)-s)/2))
		}
		c := min(max(s, 0), float64(grid-1))
		b0 := int(c)
		tp.b0, tp.b1, tp.bw = int32(b0), int32(min(b0+1, grid-1)), float32(c-float64(b0))
		t[i] = tp
	}
	return t
}

// Size is the prepared output size.
func (u *Upsampler) Size() (w, h int) { return u.key.outW, u.key.outH }

// Run fills dst (outW·outH values) from depth on the grid (low.OutW·low.OutH values, NaN
// invalid). guide is the camera image at the output size and guideLow the same image on the
// grid (the model input's content, Preprocessor.Resized); the bilinear method reads neither and
// takes nil.
func (u *Upsampler) Run(dst, depth []float32, guide, guideLow *RGBImage) error {
	k := u.key
	gw, gh := k.low.OutW, k.low.OutH
	if u.xs == nil {
		return fmt.Errorf("upsample: Prepare was not called")
	}
	if len(dst) < k.outW*k.outH || len(depth) < gw*gh {
		return fmt.Errorf("upsample: buffers of %d and %d values, want %d and %d", len(dst), len(depth), k.outW*k.outH, gw*gh)
	}
	if u.cfg.Method == UpsampleBilinear {
		u.bilinear(dst, depth)
		return nil
	}
	if guide == nil || guideLow == nil || guide.W != k.outW || guide.H != k.outH || len(guide.Pix) < 3*k.outW*k.outH ||
		guideLow.W != gw || guideLow.H != gh || len(guideLow.Pix) < 3*gw*gh {
		return fmt.Errorf("upsample: guide images must be %dx%d and %dx%d rgb", k.outW, k.outH, gw, gh)
	}
	u.markSmooth(depth)
	u.bilateral(dst, depth, guide.Pix, guideLow.Pix)
	return nil
}

// markSmooth fills u.smooth for this frame's depth with separable passes over the grid (taps
// outside the grid are left out, as their weight is 0).
func (u *Upsampler) markSmooth(depth []float32) {
	gw, gh := u.key.low.OutW, u.key.low.OutH
	cw, ch := gw+1, gh+1
	u.hmin, u.hd2, u.vd2 = growFloats(u.hmin, cw*gh), growFloats(u.hd2, cw*gh), growFloats(u.vd2, ch*gw)
	for y := 0; y < gh; y++ {
		row := depth[y*gw : (y+1)*gw]
		for c := 0; c < cw; c++ { // cell column c−1: taps c−2 .. c+1
			lo, d2 := window4(row, 1, c-2, gw)
			u.hmin[y*cw+c], u.hd2[y*cw+c] = lo, d2
		}
	}
	for x := 0; x < gw; x++ {
		col := depth[x:]
		for r := 0; r < ch; r++ {
			_, d2 := window4(col, gw, r-2, gh)
			u.vd2[r*gw+x] = d2
		}
	}
	if cap(u.smooth) < cw*ch {
		u.smooth = make([]bool, cw*ch)
	}
	u.smooth = u.smooth[:cw*ch]
	for r := 0; r < ch; r++ {
		for c := 0; c < cw; c++ {
			lo, d2 := float32(math.Inf(1)), float32(0)
			for q := max(r-2, 0); q <= min(r+1, gh-1); q++ {
				lo, d2 = min(lo, u.hmin[q*cw+c]), max(d2, u.hd2[q*cw+c])
			}
			for q := max(c-2, 0); q <= min(c+1, gw-1); q++ {
				d2 = max(d2, u.vd2[r*gw+q])
			}
			u.smooth[r*cw+c] = lo == lo && d2 <= smoothTolerance*lo
		}
	}
}

// window4 returns the minimum (NaN when any is NaN) and the largest absolute second difference
// of the in-range samples v[stride·q] for q = first .. first+3 of n.
func window4(v []float32, stride, first, n int) (lo, d2 float32) {
	lo = float32(math.Inf(1))
	var prev2, prev1 float32
	k := 0
	for q := max(first, 0); q <= min(first+3, n-1); q++ {
		d := v[q*stride]
		if d != d {
			return nan32, 0
		}
		lo = min(lo, d)
		if k >= 2 {
			d2 = max(d2, abs(d-2*prev1+prev2))
		}
		prev2, prev1 = prev1, d
		k++
	}
	return lo, d2
}

func abs(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

func (u *Upsampler) bilinear(dst, depth []float32) {
	k := u.key
	gw := k.low.OutW
	for y, ty := range u.ys {
		out := dst[y*k.outW : (y+1)*k.outW]
		if !ty.valid {
			fillNaN(out)
			continue
		}
		r0 := depth[int(ty.b0)*gw : (int(ty.b0)+1)*gw]
		r1 := depth[int(ty.b1)*gw : (int(ty.b1)+1)*gw]
		rn := depth[int(ty.near)*gw : (int(ty.near)+1)*gw]
		wy := ty.bw
		for x := range out {
			tx := &u.xs[x]
			if !tx.valid || rn[tx.near] != rn[tx.near] {
				out[x] = nan32
				continue
			}
			a, b, wx := tx.b0, tx.b1, tx.bw
			v00, v01, v10, v11 := r0[a], r0[b], r1[a], r1[b]
			if v00 == v00 && v01 == v01 && v10 == v10 && v11 == v11 {
				top := v00 + (v01-v00)*wx
				bot := v10 + (v11-v10)*wx
				out[x] = top + (bot-top)*wy
				continue
			}
			// Some neighbour is invalid: average the valid ones with their bilinear weights.
			var sum, ws float32
			for _, s := range [4]struct{ v, w float32 }{{v00, (1 - wx) * (1 - wy)}, {v01, wx * (1 - wy)}, {v10, (1 - wx) * wy}, {v11, wx * wy}} {
				if s.v == s.v && s.w > 0 {
					sum += s.v * s.w
					ws += s.w
				}
			}
			out[x] = nan32
			if ws > 0 {
				out[x] = sum / ws
			}
		}
	}
}

func (u *Upsampler) bilateral(dst, depth []float32, guide, low []byte) {
	k := u.key
	gw, gh := k.low.OutW, k.low.OutH
	lut := &u.rangeLUT
	for y := range u.ys {
		ty := &u.ys[y]
		out := dst[y*k.outW : (y+1)*k.outW]
		if !ty.valid {
			fillNaN(out)
			continue
		}
		nearRow := int(ty.near) * gw
		grow := guide[3*y*k.outW : 3*(y+1)*k.outW]
		smooth := u.smooth[(int(ty.first)+2)*(gw+1) : (int(ty.first)+3)*(gw+1)]
		r0 := depth[int(ty.b0)*gw : (int(ty.b0)+1)*gw]
		r1 := depth[int(ty.b1)*gw : (int(ty.b1)+1)*gw]
		for x := range out {
			tx := &u.xs[x]
			if !tx.valid || depth[nearRow+int(tx.near)] != depth[nearRow+int(tx.near)] {
				out[x] = nan32
				continue
			}
			if smooth[tx.first+2] {
				a, b, wx := tx.b0, tx.b1, tx.bw
				top := r0[a] + (r0[b]-r0[a])*wx
				bot := r1[a] + (r1[b]-r1[a])*wx
				out[x] = top + (bot-top)*ty.bw
				continue
			}
			r, g, b := int32(grow[3*x]), int32(grow[3*x+1]), int32(grow[3*x+2])
			var sum, ws float32
			for j := 0; j < 4; j++ {
				wy := ty.w[j]
				if wy == 0 {
					continue
				}
				row := (int(ty.first) + j) * gw
				if row < 0 || row >= gw*gh {
					continue
				}
				for i := 0; i < 4; i++ {
					wx := tx.w[i]
					if wx == 0 {
						continue
					}
					q := row + int(tx.first) + i
					d := depth[q]
					if d != d {
						continue
					}
					c := low[3*q : 3*q+3 : 3*q+3]
					dist := abs32(r-int32(c[0])) + abs32(g-int32(c[1])) + abs32(b-int32(c[2]))
					w := wy * wx * lut[dist]
					sum += d * w
					ws += w
				}
			}
			out[x] = sum / ws // ws > 0: the nearest sample is valid and has a positive tent weight
		}
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func fillNaN(v []float32) {
	for i := range v {
		v[i] = nan32
	}
}

// AutoDecimation is the point cloud's decimation that keeps it no larger than the model's depth
// grid (gridW × gridH) when built from a pubW × pubH published depth image: the smallest k with
// ceil(pubW/k)·ceil(pubH/k) ≤ gridW·gridH (1 when the published grid is the model's).
func AutoDecimation(pubW, pubH, gridW, gridH int) int {
	limit := max(gridW*gridH, 1)
	for k := 1; ; k++ {
		if cw, ch := CloudSize(pubW, pubH, k); cw*ch <= limit {
			return k
		}
	}
}
