package sim

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/ssmde/ssmde/msgs"
)

// FrameID is the optical frame every rendered image and CameraInfo is expressed in (REP 103).
const FrameID = "camera_optical"

// World is one generated scene. Render is safe for concurrent use: the scene is read-only after
// NewWorld, and per-call scratch comes from a pool.
type World struct {
	cfg     Config
	sc      *scene
	scratch sync.Pool // *scratch
}

// Frame is one rendered frame with its ground truth. Render reuses the slices when they have the right size.
type Frame struct {
	Index         int
	Width, Height int
	RGB           []byte    // Height·Width·3, rgb8, row-major
	Depth         []float32 // z-depth along the optical axis in metres; NaN for sky
	Mask          []byte    // 255 where an object that moves in the world is visible, else 0
	Pose          Pose      // world_from_camera; the world is the camera frame of frame 0
	Stamp         msgs.Time
	CameraInfo    msgs.CameraInfo
}

type scratch struct {
	faces []face
	rows  [][]float64 // per worker: 1/z of the row
	ids   [][]int32   // per worker: face index of the row
}

// NewWorld validates cfg, applies its defaults and generates the scene from cfg.Seed.
func NewWorld(cfg Config) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &World{cfg: cfg, sc: newScene(cfg)}, nil
}

// Config returns the configuration with defaults applied.
func (w *World) Config() Config { return w.cfg }

// Frames is the number of frames in the sequence.
func (w *World) Frames() int { return w.cfg.Frames }

// CameraSpeed is the camera's speed in m/s, drawn from the seed.
func (w *World) CameraSpeed() float64 { return w.sc.speed }

// Curvature is the road's curvature in 1/m (positive turns right), drawn from the seed.
func (w *World) Curvature() float64 { return w.sc.road.kappa }

// time returns the scene time of frame i in seconds.
func (w *World) time(i int) float64 { return float64(i) / w.cfg.FPS }

// Stamp is the timestamp of frame i.
func (w *World) Stamp(i int) msgs.Time {
	return msgs.TimeFromNanos(w.cfg.StartNanos + int64(math.Round(float64(i)*1e9/w.cfg.FPS)))
}

// Pose is world_from_camera at frame i.
func (w *World) Pose(i int) Pose { return w.sc.road.cameraPose(w.sc.cameraS(w.time(i))) }

// CameraInfo describes the rectified pinhole camera (zero distortion) with the given stamp.
func (w *World) CameraInfo(stamp msgs.Time) msgs.CameraInfo {
	c := w.cfg
	return msgs.CameraInfo{
		Header:          msgs.Header{Stamp: stamp, FrameID: FrameID},
		Width:           uint32(c.Width),
		Height:          uint32(c.Height),
		DistortionModel: "plumb_bob",
		D:               []float64{0, 0, 0, 0, 0},
		K:               [9]float64{c.Fx, 0, c.Cx, 0, c.Fy, c.Cy, 0, 0, 1},
		R:               [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1},
		P:               [12]float64{c.Fx, 0, c.Cx, 0, 0, c.Fy, c.Cy, 0, 0, 0, 1, 0},
	}
}

// Render draws frame i into dst.
func (w *World) Render(i int, dst *Frame) error {
	c := w.cfg
	if i < 0 || i >= c.Frames {
		return fmt.Errorf("sim: frame %d outside 0..%d", i, c.Frames-1)
	}
	n := c.Width * c.Height
	dst.Index, dst.Width, dst.Height = i, c.Width, c.Height
	dst.RGB = resize(dst.RGB, 3*n)
	dst.Depth = resize(dst.Depth, n)
	dst.Mask = resize(dst.Mask, n)
	dst.Pose = w.Pose(i)
	dst.Stamp = w.Stamp(i)
	dst.CameraInfo = w.CameraInfo(dst.Stamp)

	s, _ := w.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	defer w.scratch.Put(s)

	t := w.time(i)
	cam := camera{
		w: c.Width, h: c.Height, fx: c.Fx, fy: c.Fy, cx: c.Cx, cy: c.Cy, far: c.DrawDistance,
		camFromWorld: dst.Pose.Inverse(), pos: dst.Pose.T,
	}
	s.faces = w.collectFaces(&cam, t, s.faces[:0])

	workers := min(runtime.GOMAXPROCS(0), c.Height)
	for len(s.rows) < workers {
		s.rows = append(s.rows, nil)
		s.ids = append(s.ids, nil)
	}
	sh := shader{
		cam: &cam, faces: s.faces, road: w.sc.road, sCam: w.sc.cameraS(t), rot: dst.Pose,
		gain: w.gain(i), sigma: c.NoiseSigma, noiseSeed: uint64(c.Seed)*0x9e3779b97f4a7c15 ^ uint64(i)*0xbf58476d1ce4e5b9,
	}
	// Rows are handed out in small blocks: sky rows are cheap and ground rows dear, so fixed halves
	// would leave one core idle.
	const block = 4
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := 0; k < workers; k++ {
		s.rows[k] = resize(s.rows[k], c.Width)
		s.ids[k] = resize(s.ids[k], c.Width)
		wg.Add(1)
		go func(iz []float64, id []int32) {
			defer wg.Done()
			for {
				v0 := int(next.Add(block)) - block
				if v0 >= c.Height {
					return
				}
				for v := v0; v < min(v0+block, c.Height); v++ {
					cam.rasterRow(v, s.faces, iz, id)
					sh.shadeRow(v, iz, id, dst)
				}
			}
		}(s.rows[k], s.ids[k])
	}
	wg.Wait()
	return nil
}

// collectFaces gathers the faces of everything within the draw distance at time t.
func (w *World) collectFaces(cam *camera, t float64, faces []face) []face {
	sc := w.sc
	faces = cam.addGround(faces, sc.road.height)
	sCam := sc.cameraS(t)
	lo, hi := sCam-30-sc.maxHalf, sCam+cam.far+30+sc.maxHalf
	start := sort.Search(len(sc.static), func(k int) bool { return sc.static[k].s >= lo })
	for k := start; k < len(sc.static) && sc.static[k].s <= hi; k++ {
		b := &sc.static[k]
		p, th := sc.road.point(b.s, b.d, b.up)
		faces = cam.addBox(faces, b, p, th, false)
	}
	for mi := range sc.movers {
		m := &sc.movers[mi]
		ms := m.at(t)
		if ms < sCam-40 || ms > sCam+cam.far+40 {
			continue
		}
		for pi := range m.parts {
			b := m.parts[pi]
			b.s += ms
			b.d += m.d
			p, th := sc.road.point(b.s, b.d, b.up)
			faces = cam.addBox(faces, &b, p, th, true)
		}
	}
	return faces
}

// gain is the global exposure factor of frame i: a smooth drift of about ±12 %, as auto-exposure does
// when the light changes; 1 when exposure change is off.
func (w *World) gain(i int) float64 {
	if !w.cfg.Exposure {
		return 1
	}
	x := float64(i) / 25
	f := math.Floor(x)
	t := x - f
	t = t * t * (3 - 2*t)
	seed := uint32(w.cfg.Seed) ^ uint32(w.cfg.Seed>>32) ^ 0x51ed270b
	a := unit(hash3(int64(f), 7, seed))
	b := unit(hash3(int64(f)+1, 7, seed))
	return 1 + 0.24*(a+(b-a)*t-0.5)
}

// shader turns resolved rows into colour, depth and mask.
type shader struct {
	cam       *camera
	faces     []face
	road      road
	sCam      float64
	rot       Pose // world_from_camera, for sky directions
	gain      float64
	sigma     float64
	noiseSeed uint64
}

func (sh *shader) shadeRow(v int, iz []float64, id []int32, dst *Frame) {
	c := sh.cam
	fv := float64(v)
	yn := (fv - c.cy) / c.fy
	pixAngle := 2 / (c.fx + c.fy)
	base := v * c.w
	nan := float32(math.NaN())
	k := 255 * sh.gain
	for u := 0; u < c.w; u++ {
		fu := float64(u)
		xn := (fu - c.cx) / c.fx
		var r, g, b float64
		fi := id[u]
		if fi < 0 {
			d := sh.rot.rotate([3]float64{xn, yn, 1})
			r, g, b = shadeSky(d[0], d[1], d[2])
			dst.Depth[base+u] = nan
			dst.Mask[base+u] = 0
		} else {
			f := &sh.faces[fi]
			z := 1 / iz[u]
			ta := z*(f.a0+f.au*fu+f.av*fv) - f.aOff
			tb := z*(f.b0+f.bu*fu+f.bv*fv) - f.bOff
			// Footprint of the pixel on the surface: z·|d|·pixAngle / cos(incidence), where
			// cos = |n·d|/|d| = iz·|k|/|d|; capped at grazing angles.
			dd := xn*xn + yn*yn + 1
			fp := min(z*z*dd*pixAngle/f.absC, 20*z*pixAngle)
			if f.mat == matGround {
				s, d := sh.road.toRoad(ta, tb, sh.sCam)
				r, g, b = shadeGround(s, d, ta, tb, fp)
			} else {
				r, g, b = shadeFace(f, ta, tb, fp)
			}
			sh := float64(f.shade)
			r, g, b = r*sh, g*sh, b*sh
			dst.Depth[base+u] = float32(z)
			if f.dynamic {
				dst.Mask[base+u] = 255
			} else {
				dst.Mask[base+u] = 0
			}
		}
		r, g, b = r*k, g*k, b*k
		if sh.sigma > 0 {
			nr, ng, nb := gaussian3(sh.noiseSeed ^ uint64(base+u)*0xd6e8feb86659fd93)
			r += sh.sigma * nr
			g += sh.sigma * ng
			b += sh.sigma * nb
		}
		o := 3 * (base + u)
		dst.RGB[o] = toByte(r)
		dst.RGB[o+1] = toByte(g)
		dst.RGB[o+2] = toByte(b)
	}
}

func toByte(x float64) byte {
	if x <= 0 {
		return 0
	}
	if x >= 255 {
		return 255
	}
	return byte(x + 0.5)
}

// gaussian3 returns three approximately standard-normal numbers from one 64-bit hash: each is a sum of
// four 5-bit uniforms (Irwin–Hall), far cheaper than Box–Muller per pixel and indistinguishable at 8 bits.
func gaussian3(h uint64) (a, b, c float64) {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	const mean, invSD = 62, 1 / 18.466185312619388 // sum of four U{0..31}: mean 62, variance 341
	one := func(x uint64) float64 {
		s := x&31 + x>>5&31 + x>>10&31 + x>>15&31
		return (float64(s) - mean) * invSD
	}
	return one(h), one(h >> 20), one(h >> 40)
}

func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}
