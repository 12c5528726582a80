package sim

import (
	"math"
	"math/rand/v2"
	"sort"
)

// material selects the procedural texture of a face; the renderer switches on it in the pixel loop.
type material uint8

const (
	matSky material = iota
	matGround
	matBuilding
	matRoof
	matTrunk
	matCanopy
	matPole
	matKerb
	matCarBody
	matCarGlass
	matWheel
	matPedestrian
)

// box is an axis-aligned (in road coordinates) block: the only solid the scene is made of. Its bottom
// centre sits at road coordinates (s, d, up); length runs along the road, width across it.
type box struct {
	s, d, up              float64
	length, width, height float64
	mat                   material
	color, color2         [3]float32
	p1, p2                float32 // material parameters (e.g. floor height and window spacing)
	seed                  uint32
	mover                 int32 // index into scene.movers, or -1 for static geometry
}

// mover is a rigid group of boxes that slides along the road at its own constant speed:
// s(t) = s0 + speed·t, lateral offset d fixed. Its parts store offsets from (s(t), d).
type mover struct {
	s0, speed, d float64
	follower     bool // drives with the camera at its speed (appears static in the image)
	parts        []box
}

// scene is everything the seed decides.
type scene struct {
	road    road
	speed   float64 // camera speed, m/s
	static  []box   // sorted by s
	maxHalf float64 // largest half-length among static boxes, to widen range queries
	movers  []mover
}

// Colour palettes, linear-ish RGB in [0, 1].
var (
	facadeColors = [][3]float32{
		{0.72, 0.62, 0.50}, {0.60, 0.38, 0.30}, {0.78, 0.75, 0.68}, {0.55, 0.56, 0.58},
		{0.80, 0.70, 0.45}, {0.45, 0.40, 0.38}, {0.70, 0.52, 0.42}, {0.62, 0.66, 0.70},
	}
	carColors = [][3]float32{
		{0.75, 0.08, 0.07}, {0.08, 0.15, 0.55}, {0.85, 0.85, 0.85}, {0.10, 0.10, 0.11},
		{0.55, 0.57, 0.60}, {0.90, 0.70, 0.10}, {0.10, 0.40, 0.20}, {0.35, 0.20, 0.12},
		{0.92, 0.45, 0.05}, {0.30, 0.55, 0.75},
	}
	clothColors = [][3]float32{
		{0.70, 0.10, 0.10}, {0.10, 0.25, 0.60}, {0.85, 0.85, 0.80}, {0.15, 0.15, 0.15},
		{0.20, 0.50, 0.25}, {0.85, 0.60, 0.10}, {0.50, 0.30, 0.55},
	}
)

// newScene builds the street for cfg (defaults applied) deterministically from cfg.Seed.
func newScene(cfg Config) *scene {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5353_4d44_4520_7369)) // "SSMDE si"
	sc := &scene{}
	sc.speed = cfg.MinSpeed + (cfg.MaxSpeed-cfg.MinSpeed)*rng.Float64()
	kappa := 0.0
	if cfg.MaxCurvature > 0 && rng.Float64() < 0.6 {
		kappa = cfg.MaxCurvature * (2*rng.Float64() - 1)
	}
	sc.road = newRoad(kappa, cfg.CameraHeight)

	duration := float64(max(cfg.Frames-1, 0)) / cfg.FPS
	sBegin := -60.0
	sEnd := sc.speed*duration + cfg.DrawDistance + 60
	g := generator{rng: rng, sc: sc}
	for _, side := range []float64{-1, 1} {
		g.buildings(side, sBegin, sEnd)
		g.furniture(side, sBegin, sEnd)
		g.kerb(side, sBegin, sEnd)
		g.parked(side, sBegin, sEnd)
	}
	sort.SliceStable(sc.static, func(i, j int) bool { return sc.static[i].s < sc.static[j].s })
	for _, b := range sc.static {
		sc.maxHalf = max(sc.maxHalf, b.length/2)
	}
	g.traffic(cfg, duration)
	return sc
}

type generator struct {
	rng  *rand.Rand
	sc   *scene
	next uint32
}

func (g *generator) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

// jitter varies a palette colour so that no two objects look alike.
func (g *generator) jitter(c [3]float32, amount float64) [3]float32 {
	for i := range c {
		c[i] = float32(math.Min(1, math.Max(0, float64(c[i])*(1+amount*(2*g.rng.Float64()-1)))))
	}
	return c
}

func (g *generator) add(b box) {
	g.next++
	b.seed = hash32(g.next, 0x9e3779b9)
	b.mover = -1
	g.sc.static = append(g.sc.static, b)
}

// buildings lines one side with façades, leaving occasional empty lots.
func (g *generator) buildings(side, sBegin, sEnd float64) {
	for s := sBegin + g.uniform(0, 10); s < sEnd; {
		if g.rng.Float64() < 0.12 {
			s += g.uniform(8, 20) // empty lot: trees and open ground show through
			continue
		}
		length := g.uniform(8, 26)
		depth := g.uniform(8, 14)
		setback := g.uniform(14, 17)
		g.add(box{
			s: s + length/2, d: side * (setback + depth/2), length: length, width: depth,
			height: g.uniform(5, 22), mat: matBuilding,
			color:  g.jitter(facadeColors[g.rng.IntN(len(facadeColors))], 0.12),
			color2: g.jitter([3]float32{0.16, 0.20, 0.26}, 0.3),
			p1:     float32(g.uniform(2.8, 3.6)), p2: float32(g.uniform(2.2, 3.6)),
		})
		s += length + g.uniform(0, 5)
	}
}

// furniture places trees and lamp poles on the sidewalk near the kerb.
func (g *generator) furniture(side, sBegin, sEnd float64) {
	for s := sBegin + g.uniform(0, 8); s < sEnd; s += g.uniform(7, 18) {
		d := side * (furnitureD + g.uniform(-0.2, 0.4))
		if g.rng.Float64() < 0.6 {
			trunkH := g.uniform(2.2, 3.4)
			g.add(box{s: s, d: d, length: 0.3, width: 0.3, height: trunkH + 0.5, mat: matTrunk,
				color: g.jitter([3]float32{0.36, 0.25, 0.16}, 0.2)})
			green := g.jitter([3]float32{0.20, 0.42, 0.14}, 0.25)
			w := g.uniform(2.4, 4.0)
			g.add(box{s: s, d: d, up: trunkH, length: w, width: w, height: g.uniform(2, 3.5), mat: matCanopy, color: green})
			w2 := w * g.uniform(0.5, 0.75)
			g.add(box{s: s + g.uniform(-0.5, 0.5), d: d + g.uniform(-0.4, 0.4), up: trunkH + 1.5, length: w2, width: w2,
				height: g.uniform(2, 3), mat: matCanopy, color: g.jitter(green, 0.15)})
		} else {
			h := g.uniform(6, 8.5)
			grey := g.jitter([3]float32{0.50, 0.52, 0.55}, 0.15)
			g.add(box{s: s, d: d, length: 0.18, width: 0.18, height: h, mat: matPole, color: grey})
			g.add(box{s: s, d: d - side*0.8, up: h - 0.15, length: 0.25, width: 1.6, height: 0.15, mat: matPole, color: grey})
		}
	}
}

// kerb lines the asphalt with short raised segments; short so they follow a curving road.
func (g *generator) kerb(side, sBegin, sEnd float64) {
	const seg = 5.0
	for s := sBegin; s < sEnd; s += seg {
		g.add(box{s: s + seg/2, d: side * kerbD, length: seg, width: kerbWidth, height: kerbHeight, mat: matKerb,
			color: g.jitter([3]float32{0.66, 0.65, 0.62}, 0.05)})
	}
}

// parked fills some parking slots with static cars: they look exactly like the moving ones, which is why
// appearance alone cannot tell a network what moves.
func (g *generator) parked(side, sBegin, sEnd float64) {
	const slot = 6.5
	for s := sBegin; s < sEnd; s += slot {
		if g.rng.Float64() < 0.45 {
			for _, b := range g.car(side < 0) {
				b.s += s + slot/2 + g.uniform(-0.4, 0.4)
				b.d += side * parkingD
				g.add(b)
			}
		}
	}
}

// car returns the parts of a car or van relative to its bottom centre; reversed cars face −s.
func (g *generator) car(reversed bool) []box {
	col := g.jitter(carColors[g.rng.IntN(len(carColors))], 0.1)
	dir := 1.0
	if reversed {
		dir = -1
	}
	seed := uint32(g.rng.Uint64())
	if g.rng.Float64() < 0.2 { // van
		l, w := g.uniform(5, 6.5), 2.05
		return []box{
			{up: 0.3, length: l, width: w, height: g.uniform(1.9, 2.4), mat: matCarBody, color: col, seed: seed},
			{s: dir * (l/2 - 0.9), d: -(w/2 - 0.1), length: 0.7, width: 0.25, height: 0.65, mat: matWheel, seed: seed + 1},
			{s: dir * (l/2 - 0.9), d: w/2 - 0.1, length: 0.7, width: 0.25, height: 0.65, mat: matWheel, seed: seed + 2},
			{s: -dir * (l/2 - 1.0), d: -(w/2 - 0.1), length: 0.7, width: 0.25, height: 0.65, mat: matWheel, seed: seed + 3},
			{s: -dir * (l/2 - 1.0), d: w/2 - 0.1, length: 0.7, width: 0.25, height: 0.65, mat: matWheel, seed: seed + 4},
		}
	}
	l, w, cabinH := g.uniform(3.9, 4.8), g.uniform(1.7, 1.85), g.uniform(0.45, 0.55)
	return []box{
		{up: 0.28, length: l, width: w, height: 0.7, mat: matCarBody, color: col, seed: seed},
		{s: -dir * 0.1 * l, up: 0.98, length: 0.55 * l, width: w - 0.16, height: cabinH,
			mat: matCarGlass, color: col, p1: float32(cabinH), seed: seed + 5},
		{s: dir * (l/2 - 0.75), d: -(w/2 - 0.1), length: 0.62, width: 0.24, height: 0.6, mat: matWheel, seed: seed + 1},
		{s: dir * (l/2 - 0.75), d: w/2 - 0.1, length: 0.62, width: 0.24, height: 0.6, mat: matWheel, seed: seed + 2},
		{s: -dir * (l/2 - 0.8), d: -(w/2 - 0.1), length: 0.62, width: 0.24, height: 0.6, mat: matWheel, seed: seed + 3},
		{s: -dir * (l/2 - 0.8), d: w/2 - 0.1, length: 0.62, width: 0.24, height: 0.6, mat: matWheel, seed: seed + 4},
	}
}

// traffic places the movers. Each independent mover is given a moment in the sequence at which it is a
// few tens of metres ahead of the camera, so that every mover is seen at some point of the drive.
func (g *generator) traffic(cfg Config, duration float64) {
	sc := g.sc
	nFollow := int(math.Round(cfg.FollowFraction * float64(cfg.Vehicles)))
	// One speed per lane, so vehicles sharing a lane keep their gaps instead of driving through each other.
	lanes := [3]struct{ d, v float64 }{
		{outerLaneD, sc.speed * g.uniform(0.4, 0.8)}, // same direction, clearly slower or faster
		{-cameraLaneD, -g.uniform(6, 16)},            // oncoming
		{-outerLaneD, -g.uniform(6, 16)},
	}
	if g.rng.IntN(2) == 0 {
		lanes[0].v = sc.speed * g.uniform(1.25, 1.8)
	}
	taken := [3][]float64{}
	gap := 0.0
	for i := 0; i < cfg.Vehicles; i++ {
		if i < nFollow {
			// Followers share the camera's lane, one behind another, at the camera's speed.
			gap += g.uniform(10, 22)
			sc.movers = append(sc.movers, mover{s0: gap, speed: sc.speed, d: cameraLaneD, follower: true, parts: g.car(false)})
			continue
		}
		li := g.rng.IntN(3)
		lane := lanes[li]
		var s0 float64
		for try := 0; try < 20; try++ {
			meet := g.uniform(0, duration)
			s0 = sc.speed*meet + g.uniform(10, 70) - lane.v*meet
			clear := true
			for _, o := range taken[li] {
				clear = clear && math.Abs(o-s0) > 9
			}
			if clear {
				break
			}
		}
		taken[li] = append(taken[li], s0)
		sc.movers = append(sc.movers, mover{s0: s0, speed: lane.v, d: lane.d, parts: g.car(lane.v < 0)})
	}
	for i := 0; i < cfg.Pedestrians; i++ {
		side := 1.0
		if g.rng.IntN(2) == 0 {
			side = -1
		}
		v := g.uniform(0.8, 1.8)
		if g.rng.IntN(2) == 0 {
			v = -v
		}
		meet := g.uniform(0, duration)
		ahead := g.uniform(8, 50)
		h := g.uniform(1.55, 1.9)
		sc.movers = append(sc.movers, mover{
			s0: sc.speed*meet + ahead - v*meet, speed: v, d: side * g.uniform(11.1, 12.8),
			parts: []box{{length: 0.45, width: 0.38, height: h, mat: matPedestrian,
				color:  g.jitter(clothColors[g.rng.IntN(len(clothColors))], 0.15),
				color2: g.jitter(clothColors[g.rng.IntN(len(clothColors))], 0.15),
				p1:     float32(h), seed: uint32(g.rng.Uint64())}},
		})
	}
	for i := range sc.movers {
		for j := range sc.movers[i].parts {
			sc.movers[i].parts[j].mover = int32(i)
		}
	}
}

// cameraS is the camera's arc length at time t.
func (sc *scene) cameraS(t float64) float64 { return sc.speed * t }

// at is a mover's arc length at time t.
func (m *mover) at(t float64) float64 { return m.s0 + m.speed*t }
