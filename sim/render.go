package sim

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/ssmde/ssmde/fileio"
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
	Mask          []byte    // motion mask (fileio.SeqMask*): 128 on a follower, 255 on another mover, 0 static
	Pose          Pose      // world_from_camera; the world is the camera frame of frame 0
	Stamp         msgs.Time
	CameraInfo    msgs.CameraInfo
}

type scratch struct {
	faces   []face
	shadows []shadowPoly
	rows    [][]float64 // per worker: 1/z of the row
	ids     [][]int32   // per worker: face index of the row
	sun, ao [][]float32 // per worker: shadow cover of the row
	col     [][]float32 // per worker: radiance of the row, 3 per pixel
	img     []float32   // radiance of the whole frame, when motion blur needs neighbours
	jpeg    jpegScratch
}

// NewWorld validates cfg, applies its defaults and draws (Randomize) and generates the scene from cfg.Seed.
func NewWorld(cfg Config) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &World{cfg: cfg, sc: newScene(cfg)}, nil
}

// Config returns the configuration with defaults applied and the draws of Randomize filled in.
func (w *World) Config() Config { return w.cfg }

// Frames is the number of frames in the sequence.
func (w *World) Frames() int { return w.cfg.Frames }

// CameraSpeed is the camera's speed in m/s, drawn from the seed.
func (w *World) CameraSpeed() float64 { return w.sc.speed }

// Curvature is the road's curvature in 1/m (positive turns right), drawn from the seed.
func (w *World) Curvature() float64 { return w.sc.road.kappa }

// Crossings are the arc lengths (metres from the start) of the side streets' centres.
func (w *World) Crossings() []float64 { return append([]float64(nil), w.sc.crossings...) }

// Sun is the sun's elevation and compass azimuth in degrees (outdoors; the time of day decides them).
func (w *World) Sun() (elevation, azimuth float64) {
	if w.sc.indoor {
		return 0, 0
	}
	return sunElevation(w.cfg.TimeOfDay), math.Mod(sunAzimuth(w.cfg.TimeOfDay)+360, 360)
}

// time returns the scene time of frame i in seconds.
func (w *World) time(i int) float64 { return float64(i) / w.cfg.FPS }

// Stamp is the timestamp of frame i.
func (w *World) Stamp(i int) msgs.Time {
	return msgs.TimeFromNanos(w.cfg.StartNanos + int64(math.Round(float64(i)*1e9/w.cfg.FPS)))
}

// Pose is world_from_camera at frame i.
func (w *World) Pose(i int) Pose { return w.PoseAt(w.time(i)) }

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
	t := w.time(i)
	pose := w.sc.pose(t) // the renderer's world, not rebased
	dst.Pose = w.sc.exposed(pose)
	dst.Stamp = w.Stamp(i)
	dst.CameraInfo = w.CameraInfo(dst.Stamp)

	s, _ := w.scratch.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	defer w.scratch.Put(s)

	cam := camera{
		w: c.Width, h: c.Height, fx: c.Fx, fy: c.Fy, cx: c.Cx, cy: c.Cy, far: c.DrawDistance,
		camFromWorld: pose.Inverse(), pos: pose.T, light: &w.sc.light,
	}
	s.faces, s.shadows = w.collect(&cam, t, s.faces[:0], s.shadows[:0])

	workers := min(runtime.GOMAXPROCS(0), c.Height)
	for len(s.rows) < workers {
		s.rows = append(s.rows, nil)
		s.ids = append(s.ids, nil)
		s.sun = append(s.sun, nil)
		s.ao = append(s.ao, nil)
		s.col = append(s.col, nil)
	}
	sh := w.newShader(&cam, s, pose, i, t)
	blur := sh.blurring()
	if blur {
		s.img = resize(s.img, 3*n)
	}
	// Rows are handed out in small blocks: sky rows are cheap and ground rows dear, so fixed halves
	// would leave one core idle.
	const block = 4
	pass := func(each func(k, v int)) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for k := 0; k < workers; k++ {
			wg.Add(1)
			go func(k int) {
				defer wg.Done()
				for {
					v0 := int(next.Add(block)) - block
					if v0 >= c.Height {
						return
					}
					for v := v0; v < min(v0+block, c.Height); v++ {
						each(k, v)
					}
				}
			}(k)
		}
		wg.Wait()
	}
	for k := 0; k < workers; k++ {
		s.rows[k] = resize(s.rows[k], c.Width)
		s.ids[k] = resize(s.ids[k], c.Width)
		s.sun[k] = resize(s.sun[k], c.Width)
		s.ao[k] = resize(s.ao[k], c.Width)
		s.col[k] = resize(s.col[k], 3*c.Width)
	}
	pass(func(k, v int) {
		cam.rasterRow(v, s.faces, s.rows[k], s.ids[k])
		cam.shadowRow(v, s.shadows, s.sun[k], s.ao[k])
		out := s.col[k]
		if blur {
			out = s.img[3*v*c.Width : 3*(v+1)*c.Width]
		}
		sh.shadeRow(v, s.rows[k], s.ids[k], s.sun[k], s.ao[k], out, dst)
		if !blur {
			sh.finishRow(v, out, dst)
		}
	})
	if blur {
		pass(func(k, v int) {
			sh.blurRow(v, s.img, dst.Depth, s.col[k])
			sh.finishRow(v, s.col[k], dst)
		})
	}
	if c.JPEGQuality > 0 {
		return s.jpeg.roundTrip(dst.RGB, c.Width, c.Height, c.JPEGQuality)
	}
	return nil
}

// collect gathers the faces of everything within the draw distance at time t, and the shadows they cast.
func (w *World) collect(cam *camera, t float64, faces []face, shadows []shadowPoly) ([]face, []shadowPoly) {
	sc := w.sc
	L := &sc.light
	groundY := sc.road.height
	if sc.indoor {
		faces = cam.addPlane(faces, groundY, matFloor)
		faces = cam.addPlane(faces, groundY-sc.ceiling, matCeiling)
	} else {
		faces = cam.addPlane(faces, groundY, matGround)
	}
	sCam := sc.cameraS(t)
	lo, hi := sCam-30-sc.maxHalf, sCam+cam.far+30+sc.maxHalf
	// Boxes beyond the draw distance or behind the camera still cast shadows into view.
	reach := min(sc.maxTop*math.Hypot(L.sun[0], L.sun[2])/(-L.sun[1]), 150)
	start := sort.Search(len(sc.static), func(k int) bool { return sc.static[k].s >= lo-reach })
	for k := start; k < len(sc.static) && sc.static[k].s <= hi+reach; k++ {
		b := &sc.static[k]
		p, th := sc.road.point(b.s, b.d, b.up)
		fr := uprightFrame(p, th+float64(b.yaw))
		if b.s >= lo && b.s <= hi {
			faces = cam.addBox(faces, b, &fr, fileio.SeqMaskStatic)
		}
		shadows = w.shade(cam, shadows, b, &fr)
	}
	for mi := range sc.movers {
		m := &sc.movers[mi]
		ms := m.at(t)
		if ms < sCam-40 || ms > sCam+cam.far+40 {
			continue
		}
		walked := 2 * math.Pi * math.Abs(m.speed) * t / stride
		mask := byte(fileio.SeqMaskMover)
		if m.follower {
			mask = fileio.SeqMaskFollower
		}
		for pi := range m.parts {
			b := &m.parts[pi]
			p, th := sc.road.point(b.s+ms, b.d+m.d, b.up)
			fr := uprightFrame(p, th+float64(b.yaw))
			if b.swing != 0 {
				fr = fr.swung(float64(b.swing)*math.Sin(walked+float64(b.phase)), b.height)
			}
			faces = cam.addBox(faces, b, &fr, mask)
			shadows = w.shade(cam, shadows, b, &fr)
		}
	}
	return faces, shadows
}

// shade adds the shadow box b casts on the ground and the darkening under it.
func (w *World) shade(cam *camera, shadows []shadowPoly, b *box, fr *boxFrame) []shadowPoly {
	if w.sc.noShadows {
		return shadows
	}
	info := matInfo[b.mat]
	L := &w.sc.light
	groundY := w.sc.road.height
	if info.cast && L.shadow > 0 {
		corners := fr.corners(b)
		shadows = cam.castShadow(shadows, &corners, L.sun, groundY, float32(L.shadow))
	}
	if info.ao && b.up < 1.1 {
		shadows = cam.occlusion(shadows, fr, b, 0.1, groundY, float32(L.aoK))
		shadows = cam.occlusion(shadows, fr, b, 0.45, groundY, float32(0.45*L.aoK))
	}
	return shadows
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
	light     *lighting
	ground    groundShader
	indoor    *indoorShader
	rot       Pose // world_from_camera, for sky directions
	skyFog    float64
	gain      [3]float64 // 255 · exposure · white balance per channel
	sigma     float64
	vig       float64
	vigX      float64 // 1 / the largest horizontal and vertical distance from the principal point
	vigY      float64
	rain      float64
	rainSeed  uint32
	rainSlant float64
	frame     int
	// Motion blur: the camera's motion during the exposure, in its own frame (metres).
	blurT     [3]float64
	noiseSeed uint64
}

func (w *World) newShader(cam *camera, s *scratch, pose Pose, i int, t float64) *shader {
	c := w.cfg
	sc := w.sc
	g := 255 * w.gain(i) * sc.ev
	sh := &shader{
		cam: cam, faces: s.faces, light: &sc.light, rot: pose,
		gain:  [3]float64{g * sc.wb[0], g * sc.wb[1], g * sc.wb[2]},
		sigma: c.NoiseSigma, vig: c.Vignetting, rain: c.Rain, frame: i,
		noiseSeed: uint64(c.Seed)*0x9e3779b97f4a7c15 ^ uint64(i)*0xbf58476d1ce4e5b9,
		rainSeed:  uint32(c.Seed) ^ 0x7261696e,
	}
	sh.skyFog = math.Exp(-c.FogDensity * c.DrawDistance)
	sh.vigX = 1 / max(cam.cx, float64(c.Width)-cam.cx, 1)
	sh.vigY = 1 / max(cam.cy, float64(c.Height)-cam.cy, 1)
	sh.rainSlant = 0.12 + 0.2*unit(hash32(sh.rainSeed, 3))
	if unit(hash32(sh.rainSeed, 4)) < 0.5 {
		sh.rainSlant = -sh.rainSlant
	}
	if sc.indoor {
		sh.indoor = &indoorShader{segments: sc.segments, seed: uint32(c.Seed)}
	} else {
		sh.ground = newGroundShader(sc, c, sc.cameraS(t), cam.far)
	}
	if c.ExposureTime > 0 {
		// Motion over the exposure, centred on the frame's time, in the camera frame.
		dt := c.ExposureTime
		a, b := sc.pose(t-dt/2).T, sc.pose(t+dt/2).T
		sh.blurT = pose.Inverse().rotate(sub(b, a))
	}
	return sh
}

func (sh *shader) blurring() bool { return dot(sh.blurT, sh.blurT) > 0 }

func (sh *shader) shadeRow(v int, iz []float64, id []int32, sunSh, ao []float32, out []float32, dst *Frame) {
	c := sh.cam
	L := sh.light
	fv := float64(v)
	yn := (fv - c.cy) / c.fy
	pixAngle := 2 / (c.fx + c.fy)
	base := v * c.w
	nan := float32(math.NaN())
	sunUp := -L.sun[1]
	for u := 0; u < c.w; u++ {
		fu := float64(u)
		xn := (fu - c.cx) / c.fx
		var r, g, b float64
		fi := id[u]
		if fi < 0 {
			if L.indoor {
				r, g, b = 0.05, 0.05, 0.05 // nothing there (never seen in a closed building)
			} else {
				d := sh.rot.rotate([3]float64{xn, yn, 1})
				r, g, b = L.skyColor(d[0], d[1], d[2])
			}
			if sh.skyFog < 1 {
				r, g, b = mix(L.fogCol[0], r, sh.skyFog), mix(L.fogCol[1], g, sh.skyFog), mix(L.fogCol[2], b, sh.skyFog)
			}
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
			switch f.mat {
			case matGround, matFloor:
				var spec [3]float64
				if f.mat == matGround {
					var ray [3]float64
					if sh.ground.wet > 0 {
						ray = sh.rot.rotate([3]float64{xn, yn, 1})
					}
					r, g, b, spec = sh.ground.shade(ta, tb, fp, ray, L)
				} else {
					r, g, b = sh.indoor.floor(ta, tb, fp)
				}
				amb := 1 - float64(ao[u])
				dir := sunUp * (1 - float64(sunSh[u]))
				r = r*(L.ambient[0]*amb+L.sunCol[0]*dir) + spec[0]
				g = g*(L.ambient[1]*amb+L.sunCol[1]*dir) + spec[1]
				b = b*(L.ambient[2]*amb+L.sunCol[2]*dir) + spec[2]
			case matCeiling:
				r, g, b = sh.indoor.ceiling(ta, tb, fp, L)
			default:
				r, g, b = shadeFace(f, ta, tb, fp)
				r, g, b = r*float64(f.light[0]), g*float64(f.light[1]), b*float64(f.light[2])
			}
			if L.fog > 0 {
				k := expNeg(-L.fog * z)
				r, g, b = mix(L.fogCol[0], r, k), mix(L.fogCol[1], g, k), mix(L.fogCol[2], b, k)
			}
			dst.Depth[base+u] = float32(z)
			dst.Mask[base+u] = f.mask
		}
		out[3*u], out[3*u+1], out[3*u+2] = float32(r), float32(g), float32(b)
	}
}

// finishRow is the camera: rain on the lens, vignetting, exposure and white balance, sensor noise and
// quantisation. Ground truth is final by now.
func (sh *shader) finishRow(v int, in []float32, dst *Frame) {
	c := sh.cam
	base := v * c.w
	ry := (float64(v) - c.cy) * sh.vigY
	ry2 := ry * ry
	for u := 0; u < c.w; u++ {
		r, g, b := float64(in[3*u]), float64(in[3*u+1]), float64(in[3*u+2])
		if sh.rain > 0 {
			if k := sh.rainAt(u, v); k > 0 {
				r, g, b = mix(r, 0.82, k), mix(g, 0.84, k), mix(b, 0.88, k)
			}
		}
		k := 1.0
		if sh.vig > 0 {
			rx := (float64(u) - c.cx) * sh.vigX
			q := 0.5 * (rx*rx + ry2)
			k = 1 - sh.vig*q*(0.6+0.4*q)
		}
		r, g, b = r*k*sh.gain[0], g*k*sh.gain[1], b*k*sh.gain[2]
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

// jpegScratch holds the buffers of the JPEG round trip between frames.
type jpegScratch struct {
	buf  bytes.Buffer
	rgba *image.RGBA
}
