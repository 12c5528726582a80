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
	matVanBody // a body with a glass band above p1 (vans, truck cabs)
	matCargo   // ribbed panels of a truck's box
	matSign    // a traffic sign plate
	matCloth   // people: clothes
	matSkin    // people: head (face, hair behind and on top)
	matHair
	// Indoor.
	matFloor
	matCeiling
	matWall
	matDoor
	matWindow // bright: daylight seen through a window, emissive
	matWood   // tables, frames
	matShelf  // shelves full of books
	matFabric // sofas
	matCardboard
	numMaterials
)

// matInfo says how a material takes part in lighting: whether its boxes cast a shadow on the ground, darken
// the ground under them (ambient occlusion), and whether it glows instead of reflecting light.
var matInfo = [numMaterials]struct{ cast, ao, emissive bool }{
	matBuilding: {cast: true}, matTrunk: {cast: true}, matCanopy: {cast: true}, matPole: {cast: true},
	matCarBody: {cast: true, ao: true}, matCarGlass: {cast: true}, matVanBody: {cast: true, ao: true},
	matCargo: {cast: true, ao: true}, matSign: {cast: true}, matCloth: {cast: true}, matSkin: {cast: true},
	matWindow: {emissive: true}, matWood: {cast: true, ao: true}, matShelf: {cast: true, ao: true},
	matFabric: {cast: true, ao: true}, matCardboard: {cast: true, ao: true},
}

// box is a block, upright and turned yaw from the road's heading: the only solid the scene is made of. Its
// bottom centre sits at road coordinates (s, d, up); length runs along its heading, width across it.
type box struct {
	s, d, up              float64
	length, width, height float64
	yaw                   float32 // radians, added to the road's heading (π: facing back along the road)
	// swing (radians) rocks a mover's part about the lateral axis through the centre of its top edge:
	// angle = swing·sin(2π·distance walked/stride + phase). Legs and arms.
	swing, phase  float32
	mat           material
	color, color2 [3]float32
	p1, p2, p3    float32 // material parameters (e.g. floor height and window spacing)
	seed          uint32
	mover         int32 // index into scene.movers, or -1 for static geometry
}

// stride is the distance of one walking cycle (two steps), metres.
const stride = 1.4

// mover is a rigid group of boxes that slides along the road at its own constant speed:
// s(t) = s0 + speed·t, lateral offset d fixed. Its parts store offsets from (s(t), d).
type mover struct {
	s0, speed, d float64
	follower     bool // drives with the camera at its speed (appears static in the image)
	parts        []box
}

// scene is everything the seed decides.
type scene struct {
	indoor    bool
	road      road
	st        street
	speed     float64 // camera speed, m/s
	static    []box   // sorted by s
	maxHalf   float64 // largest half-extent along the road among static boxes, to widen range queries
	maxTop    float64 // highest static box top, for the reach of shadows
	movers    []mover
	crossings []float64 // s of the side streets' centres, sorted
	light     lighting

	// The camera: a path in road coordinates, the tilt of the camera on its rig, and the rebasing that
	// keeps the pose of frame 0 the identity.
	weaveA, weaveK, weavePhase float64 // lateral offset weaveA·sin(weaveK·s + weavePhase), indoors
	tilt                       Pose    // rig_from_camera
	tilted                     bool
	rebase                     bool
	base                       Pose // inverse of the internal pose of frame 0

	// Indoors.
	ceiling  float64     // ceiling height above the floor
	segments []indoorSeg // rooms and corridors along s, sorted

	noShadows bool // tests: draw no cast shadows or occlusion

	ev float64    // exposure factor of the scene
	wb [3]float64 // white balance gains
}

// Colour palettes, linear-ish RGB in [0, 1].
var (
	facadeColors = [][3]float32{
		{0.72, 0.62, 0.50}, {0.60, 0.38, 0.30}, {0.78, 0.75, 0.68}, {0.55, 0.56, 0.58},
		{0.80, 0.70, 0.45}, {0.45, 0.40, 0.38}, {0.70, 0.52, 0.42}, {0.62, 0.66, 0.70},
		{0.86, 0.84, 0.78}, {0.52, 0.30, 0.24},
	}
	carColors = [][3]float32{
		{0.75, 0.08, 0.07}, {0.08, 0.15, 0.55}, {0.85, 0.85, 0.85}, {0.10, 0.10, 0.11},
		{0.55, 0.57, 0.60}, {0.90, 0.70, 0.10}, {0.10, 0.40, 0.20}, {0.35, 0.20, 0.12},
		{0.92, 0.45, 0.05}, {0.30, 0.55, 0.75}, {0.92, 0.92, 0.90}, {0.22, 0.23, 0.25},
	}
	clothColors = [][3]float32{
		{0.70, 0.10, 0.10}, {0.10, 0.25, 0.60}, {0.85, 0.85, 0.80}, {0.15, 0.15, 0.15},
		{0.20, 0.50, 0.25}, {0.85, 0.60, 0.10}, {0.50, 0.30, 0.55}, {0.25, 0.30, 0.45},
		{0.55, 0.45, 0.35},
	}
	skinColors = [][3]float32{{0.86, 0.66, 0.54}, {0.74, 0.54, 0.40}, {0.55, 0.38, 0.26}, {0.36, 0.24, 0.16}}
)

// newScene builds the world for cfg (defaults applied) deterministically from cfg.Seed.
func newScene(cfg Config) *scene {
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5353_4d44_4520_7369)) // "SSMDE si"
	sc := &scene{indoor: cfg.World == WorldIndoor}
	sc.speed = cfg.MinSpeed + (cfg.MaxSpeed-cfg.MinSpeed)*rng.Float64()
	sc.light = newLighting(cfg)
	duration := float64(max(cfg.Frames-1, 0)) / cfg.FPS
	g := generator{rng: rng, sc: sc}
	if sc.indoor {
		g.indoor(cfg, duration)
	} else {
		g.street(cfg, duration)
	}
	sort.SliceStable(sc.static, func(i, j int) bool { return sc.static[i].s < sc.static[j].s })
	for _, b := range sc.static {
		sc.maxHalf = max(sc.maxHalf, math.Hypot(b.length, b.width)/2)
		sc.maxTop = max(sc.maxTop, b.up+b.height)
	}
	for i := range sc.movers {
		for j := range sc.movers[i].parts {
			sc.movers[i].parts[j].mover = int32(i)
		}
	}

	// Per-scene exposure and white balance, from their own stream so that they move nothing else.
	er := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6578_706f_7375_7265)) // "exposure"
	sc.ev = math.Exp2(cfg.ExposureJitter * (2*er.Float64() - 1))
	sc.wb = [3]float64{1 + cfg.WhiteBalance*(2*er.Float64()-1), 1, 1 + cfg.WhiteBalance*(2*er.Float64()-1)}

	if cfg.CameraPitch != 0 || cfg.CameraRoll != 0 {
		sc.tilted = true
		sc.tilt = rotXPose(-cfg.CameraPitch * math.Pi / 180).Mul(rotZPose(cfg.CameraRoll * math.Pi / 180))
	}
	if p0 := sc.pose(0); p0 != IdentityPose() {
		sc.rebase = true
		sc.base = p0.Inverse()
	}
	return sc
}

// rig is world_from_rig (level, on the path) at arc length s.
func (sc *scene) rig(s float64) Pose {
	if sc.weaveA == 0 {
		return sc.road.cameraPose(s)
	}
	sn, cs := math.Sincos(sc.weaveK*s + sc.weavePhase)
	p, th := sc.road.point(s, sc.road.camD+sc.weaveA*sn, sc.road.height)
	return yawPose(th+math.Atan(sc.weaveA*sc.weaveK*cs), p)
}

// pose is the internal world_from_camera (the world the renderer draws) at time t.
func (sc *scene) pose(t float64) Pose {
	p := sc.rig(sc.cameraS(t))
	if sc.tilted {
		p = p.Mul(sc.tilt)
	}
	return p
}

// exposed turns an internal pose into the published one, frame 0 the identity.
func (sc *scene) exposed(p Pose) Pose {
	if sc.rebase {
		return sc.base.Mul(p)
	}
	return p
}

type generator struct {
	rng  *rand.Rand
	sc   *scene
	next uint32
}

func (g *generator) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.rng.Float64() }

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// jitter varies a palette colour so that no two objects look alike.
func (g *generator) jitter(c [3]float32, amount float64) [3]float32 {
	for i := range c {
		c[i] = float32(math.Min(1, math.Max(0, float64(c[i])*(1+amount*(2*g.rng.Float64()-1)))))
	}
	return c
}

func (g *generator) pick(p [][3]float32, amount float64) [3]float32 {
	return g.jitter(p[g.rng.IntN(len(p))], amount)
}

func (g *generator) add(b box) {
	g.next++
	b.seed = hash32(g.next, 0x9e3779b9)
	b.mover = -1
	g.sc.static = append(g.sc.static, b)
}

// street builds the town street: side streets, buildings, trees and poles, kerbs, parked cars and traffic.
func (g *generator) street(cfg Config, duration float64) {
	sc := g.sc
	sc.st = newStreet(cfg.LaneWidth, cfg.Lanes)
	kappa := 0.0
	if cfg.MaxCurvature > 0 && g.rng.Float64() < 0.6 {
		kappa = cfg.MaxCurvature * (2*g.rng.Float64() - 1)
	}
	sc.road = newRoad(kappa, cfg.CameraHeight, sc.st.camD)
	sBegin := -60.0
	sEnd := sc.speed*duration + cfg.DrawDistance + 60
	if cfg.CrossingSpacing > 0 {
		for s := sBegin + g.uniform(0.2, 1)*cfg.CrossingSpacing; s < sEnd+40; s += cfg.CrossingSpacing * g.uniform(0.6, 1.4) {
			sc.crossings = append(sc.crossings, s)
		}
	}
	for _, side := range []float64{-1, 1} {
		g.buildings(side, sBegin, sEnd)
		g.furniture(side, sBegin, sEnd)
		g.kerb(side, sBegin, sEnd)
		g.parked(side, sBegin, sEnd)
	}
	for _, c := range sc.crossings {
		g.sideStreet(c)
	}
	g.traffic(cfg, duration)
}

// crossingHalf is the half-width of a side street's asphalt (two lanes).
func (sc *scene) crossingHalf() float64 { return sc.st.lane }

// nearCrossing reports whether [s0, s1] comes within margin of a side street's asphalt, and the s just
// past that crossing's clearance.
func (sc *scene) nearCrossing(s0, s1, margin float64) (bool, float64) {
	hw := sc.crossingHalf() + margin
	for _, c := range sc.crossings {
		if s1 > c-hw && s0 < c+hw {
			return true, c + hw
		}
	}
	return false, 0
}

// sidewalkWidth of the side streets.
const sidewalkWidth = 3.9

// buildings lines one side with façades, leaving occasional empty lots and the side streets.
func (g *generator) buildings(side, sBegin, sEnd float64) {
	st := g.sc.st
	for s := sBegin + g.uniform(0, 10); s < sEnd; {
		if g.rng.Float64() < 0.12 {
			s += g.uniform(8, 20) // empty lot: trees and open ground show through
			continue
		}
		length := g.uniform(8, 26)
		if near, past := g.sc.nearCrossing(s, s+length, sidewalkWidth+0.5); near {
			s = past + g.uniform(0, 2)
			continue
		}
		depth := g.uniform(8, 14)
		setback := st.sidewalk + g.uniform(0.5, 3.5)
		g.building(s+length/2, side*(setback+depth/2), length, depth, side)
		s += length + g.uniform(0, 5)
	}
}

// building adds one block at road point (s, d), its façade styles drawn; some get a set-back top storey.
func (g *generator) building(s, d, length, depth, side float64) {
	h := g.uniform(5, 22)
	b := box{
		s: s, d: d, length: length, width: depth, height: h, mat: matBuilding,
		color:  g.pick(facadeColors, 0.12),
		color2: g.jitter([3]float32{0.16, 0.20, 0.26}, 0.3),
		p1:     float32(g.uniform(2.8, 3.6)), p2: float32(g.uniform(2.2, 3.6)), p3: float32(g.rng.IntN(3)),
	}
	g.add(b)
	if h > 9 && g.chance(0.3) {
		top := b
		inset := g.uniform(1, 2.5)
		top.up, top.height = h, g.uniform(2.8, 6)
		top.length, top.width = length-2*inset, depth-2*inset
		top.d -= side * inset * 0.5
		if top.length > 3 && top.width > 3 {
			g.add(top)
		}
	}
}

// sideStreet adds the kerbs and buildings along a side street crossing at s = c.
func (g *generator) sideStreet(c float64) {
	st := g.sc.st
	hw := g.sc.crossingHalf()
	for _, side := range []float64{-1, 1} {
		for _, dir := range []float64{-1, 1} {
			// Kerbs along the side street, from the main road's kerb outwards.
			for d := st.kerb; d < st.kerb+60; d += 5 {
				g.add(box{s: c + dir*(hw+kerbWidth/2), d: side * (d + 2.5), length: kerbWidth, width: 5, height: kerbHeight,
					mat: matKerb, color: g.jitter([3]float32{0.66, 0.65, 0.62}, 0.05)})
			}
			// Buildings beyond the main street's, along the side street.
			for d := 32 + g.uniform(0, 4); d < 95; {
				w := g.uniform(10, 20)
				depth := g.uniform(8, 14)
				g.building(c+dir*(hw+sidewalkWidth+g.uniform(0.5, 2.5)+depth/2), side*(d+w/2), depth, w, side)
				d += w + g.uniform(0, 4)
			}
		}
	}
}

// furniture places trees, lamp poles and signs on the sidewalk near the kerb, and hedges at its back.
func (g *generator) furniture(side, sBegin, sEnd float64) {
	st := g.sc.st
	for s := sBegin + g.uniform(0, 8); s < sEnd; s += g.uniform(7, 18) {
		if near, _ := g.sc.nearCrossing(s-2, s+2, sidewalkWidth); near {
			continue
		}
		d := side * (st.furniture + g.uniform(-0.2, 0.4))
		switch x := g.rng.Float64(); {
		case x < 0.45:
			g.tree(s, d)
		case x < 0.55:
			g.conifer(s, d)
		case x < 0.9:
			h := g.uniform(6, 8.5)
			grey := g.jitter([3]float32{0.50, 0.52, 0.55}, 0.15)
			g.add(box{s: s, d: d, length: 0.18, width: 0.18, height: h, mat: matPole, color: grey})
			g.add(box{s: s, d: d - side*0.8, up: h - 0.15, length: 0.25, width: 1.6, height: 0.15, mat: matPole, color: grey})
		default:
			// A sign: a post and a plate turned to the traffic; its known size is a cue to distance.
			grey := g.jitter([3]float32{0.55, 0.56, 0.58}, 0.1)
			g.add(box{s: s, d: d, length: 0.07, width: 0.07, height: 2.3, mat: matPole, color: grey})
			col := [3]float32{0.75, 0.08, 0.08}
			if g.chance(0.5) {
				col = [3]float32{0.08, 0.25, 0.65}
			}
			g.add(box{s: s - 0.04, d: d, up: 2.0, length: 0.03, width: 0.65, height: 0.65, mat: matSign, color: col,
				color2: [3]float32{0.92, 0.92, 0.92}})
		}
	}
	// Hedges along the back of the sidewalk, in front of some buildings.
	for s := sBegin + g.uniform(0, 20); s < sEnd; s += g.uniform(10, 40) {
		l := g.uniform(3, 12)
		if near, _ := g.sc.nearCrossing(s, s+l, sidewalkWidth); near || !g.chance(0.4) {
			continue
		}
		g.add(box{s: s + l/2, d: side * (st.sidewalk + 0.5), length: l, width: g.uniform(0.6, 1.2), height: g.uniform(0.6, 1.4),
			mat: matCanopy, color: g.jitter([3]float32{0.18, 0.36, 0.12}, 0.2)})
	}
}

// tree is a trunk and an irregular crown of three to five clumps turned every which way.
func (g *generator) tree(s, d float64) {
	trunkH := g.uniform(2.2, 3.4)
	tw := g.uniform(0.22, 0.38)
	g.add(box{s: s, d: d, length: tw, width: tw, height: trunkH + 0.8, mat: matTrunk, yaw: float32(g.uniform(0, 1.5)),
		color: g.jitter([3]float32{0.36, 0.25, 0.16}, 0.2)})
	green := g.jitter([3]float32{0.20, 0.42, 0.14}, 0.3)
	w := g.uniform(2.2, 4.2)
	n := 3 + g.rng.IntN(3)
	for k := 0; k < n; k++ {
		cw := w * g.uniform(0.45, 0.85)
		up := trunkH + g.uniform(-0.3, 1.8)
		off := w * 0.35
		g.add(box{s: s + g.uniform(-off, off), d: d + g.uniform(-off, off), up: up, length: cw, width: cw * g.uniform(0.7, 1.2),
			height: g.uniform(1.2, 2.6), yaw: float32(g.uniform(0, math.Pi/2)), mat: matCanopy, color: g.jitter(green, 0.12)})
	}
}

// conifer is a trunk and tiers that narrow upwards.
func (g *generator) conifer(s, d float64) {
	g.add(box{s: s, d: d, length: 0.25, width: 0.25, height: 1.5, mat: matTrunk, color: g.jitter([3]float32{0.30, 0.21, 0.14}, 0.2)})
	green := g.jitter([3]float32{0.10, 0.28, 0.12}, 0.2)
	w, up := g.uniform(2.2, 3.2), 1.2
	for k := 0; k < 4; k++ {
		h := g.uniform(1.2, 1.8)
		g.add(box{s: s, d: d, up: up, length: w, width: w, height: h, yaw: float32(k) * 0.4, mat: matCanopy, color: g.jitter(green, 0.1)})
		up += h * 0.75
		w *= 0.68
	}
}

// kerb lines the asphalt with short raised segments; short so they follow a curving road.
func (g *generator) kerb(side, sBegin, sEnd float64) {
	const seg = 5.0
	st := g.sc.st
	for s := sBegin; s < sEnd; s += seg {
		if near, _ := g.sc.nearCrossing(s, s+seg, 0); near {
			continue
		}
		g.add(box{s: s + seg/2, d: side * st.kerb, length: seg, width: kerbWidth, height: kerbHeight, mat: matKerb,
			color: g.jitter([3]float32{0.66, 0.65, 0.62}, 0.05)})
	}
}

// parked fills some parking slots with static vehicles: they look exactly like the moving ones, which is why
// appearance alone cannot tell a network what moves.
func (g *generator) parked(side, sBegin, sEnd float64) {
	st := g.sc.st
	const slot = 6.5
	for s := sBegin; s < sEnd; s += slot {
		if near, _ := g.sc.nearCrossing(s, s+slot, 6); near {
			continue
		}
		if g.rng.Float64() < 0.45 {
			parts, l := g.vehicle(side < 0, false)
			if l > slot+0.5 {
				continue
			}
			ds := s + slot/2 + g.uniform(-0.4, 0.4)
			dd := side*st.parking + g.uniform(-0.15, 0.15)
			for _, b := range parts {
				b.s += ds
				b.d += dd
				g.add(b)
			}
		}
	}
}

func wheel(s, d, r, w float64, seed uint32) box {
	return box{s: s, d: d, length: 2 * r, width: w, height: 2 * r, mat: matWheel, seed: seed}
}

// vehicle returns the parts of a car, hatchback, SUV, van or (when trucks) truck relative to its bottom
// centre, and its length; reversed vehicles face −s.
func (g *generator) vehicle(reversed, trucks bool) ([]box, float64) {
	col := g.pick(carColors, 0.1)
	dir, yaw := 1.0, float32(0)
	if reversed {
		dir, yaw = -1, math.Pi
	}
	seed := uint32(g.rng.Uint64())
	wheels := func(l, w, r, front, rear float64) []box {
		return []box{
			wheel(dir*(l/2-front), -(w/2 - 0.1), r, 0.24, seed+1), wheel(dir*(l/2-front), w/2-0.1, r, 0.24, seed+2),
			wheel(-dir*(l/2-rear), -(w/2 - 0.1), r, 0.24, seed+3), wheel(-dir*(l/2-rear), w/2-0.1, r, 0.24, seed+4),
		}
	}
	cabin := func(l, w, up, h, off, frac float64) box {
		return box{s: dir * off * l, up: up, length: frac * l, width: w, height: h, yaw: yaw,
			mat: matCarGlass, color: col, p1: float32(h), seed: seed + 5}
	}
	x := g.rng.Float64()
	if trucks && x < 0.12 {
		// Truck: cab, box and chassis, six wheels.
		cargo := g.uniform(5.5, 8.5)
		l := cargo + 2.4
		w := 2.45
		cabCol := col
		boxCol := g.pick([][3]float32{{0.92, 0.92, 0.90}, {0.80, 0.80, 0.78}, {0.70, 0.15, 0.10}, {0.15, 0.30, 0.60}}, 0.08)
		ch := g.uniform(2.5, 2.9)
		parts := []box{
			{s: dir * (l/2 - 1.15), up: 0.55, length: 2.3, width: w, height: ch, yaw: yaw, mat: matVanBody, color: cabCol,
				p1: float32(ch - 1.15), seed: seed},
			{s: -dir * (l/2 - cargo/2), up: 1.0, length: cargo, width: w + 0.05, height: g.uniform(2.6, 3.3), yaw: yaw,
				mat: matCargo, color: boxCol, seed: seed + 6},
			{up: 0.45, length: l - 0.3, width: w - 0.3, height: 0.55, yaw: yaw, mat: matWheel, seed: seed + 7},
		}
		r := 0.5
		for _, ws := range []float64{dir * (l/2 - 1.2), -dir * (l/2 - 1.5), -dir * (l/2 - 2.6)} {
			parts = append(parts, wheel(ws, -(w/2-0.15), r, 0.3, seed+8), wheel(ws, w/2-0.15, r, 0.3, seed+9))
		}
		return parts, l
	}
	switch {
	case x < 0.3: // van
		l, w := g.uniform(4.8, 6.3), 2.0
		h := g.uniform(1.9, 2.3)
		body := box{up: 0.3, length: l, width: w, height: h, yaw: yaw, mat: matVanBody, color: col, p1: float32(h - 0.85), seed: seed}
		return append([]box{body}, wheels(l, w, 0.34, 0.85, 0.95)...), l
	case x < 0.5: // SUV
		l, w := g.uniform(4.4, 5.0), g.uniform(1.85, 1.95)
		ch := g.uniform(0.55, 0.65)
		return append([]box{
			{up: 0.36, length: l, width: w, height: 0.82, yaw: yaw, mat: matCarBody, color: col, seed: seed},
			cabin(l, w-0.12, 1.18, ch, -0.08, 0.66),
		}, wheels(l, w, 0.37, 0.85, 0.9)...), l
	case x < 0.68: // hatchback
		l, w := g.uniform(3.7, 4.2), g.uniform(1.68, 1.8)
		ch := g.uniform(0.5, 0.58)
		return append([]box{
			{up: 0.28, length: l, width: w, height: 0.7, yaw: yaw, mat: matCarBody, color: col, seed: seed},
			cabin(l, w-0.14, 0.98, ch, -0.12, 0.62),
		}, wheels(l, w, 0.3, 0.7, 0.65)...), l
	default: // saloon
		l, w := g.uniform(4.3, 4.9), g.uniform(1.72, 1.86)
		ch := g.uniform(0.45, 0.55)
		return append([]box{
			{up: 0.28, length: l, width: w, height: 0.7, yaw: yaw, mat: matCarBody, color: col, seed: seed},
			cabin(l, w-0.16, 0.98, ch, -0.1, 0.55),
		}, wheels(l, w, 0.31, 0.75, 0.8)...), l
	}
}

// person returns the parts of a walker of height h facing +s (or −s when back): legs and arms that
// swing as they walk, a torso and a head.
func (g *generator) person(h float64, back bool) []box {
	dir, yaw := 1.0, float32(0)
	if back {
		dir, yaw = -1, math.Pi
	}
	shirt := g.pick(clothColors, 0.15)
	trousers := g.pick(clothColors, 0.15)
	skin := g.pick(skinColors, 0.08)
	hair := g.jitter([3]float32{0.16, 0.11, 0.07}, 0.5)
	seed := uint32(g.rng.Uint64())
	ph := float32(g.uniform(0, 2*math.Pi))
	legL, torso := 0.47*h, 0.34*h
	shoulder := legL + torso
	armL := 0.4 * h
	bw := g.uniform(0.34, 0.42) // shoulder width
	part := func(side, up, l, w, ht float64, mat material, col [3]float32, swing, phase float32) box {
		return box{d: dir * side, up: up, length: l, width: w, height: ht, yaw: yaw, mat: mat, color: col, color2: hair,
			swing: swing, phase: ph + phase, seed: seed}
	}
	return []box{
		part(-0.095, 0, 0.15, 0.14, legL, matCloth, trousers, 0.42, 0),
		part(0.095, 0, 0.15, 0.14, legL, matCloth, trousers, 0.42, math.Pi),
		part(0, legL-0.02, 0.22, bw-0.04, torso+0.02, matCloth, shirt, 0, 0),
		part(-(bw/2 + 0.045), shoulder-armL, 0.1, 0.085, armL, matCloth, shirt, 0.34, math.Pi),
		part(bw/2+0.045, shoulder-armL, 0.1, 0.085, armL, matCloth, shirt, 0.34, 0),
		part(0, shoulder+0.035*h, 0.2, 0.17, 0.13*h, matSkin, skin, 0, 0),
	}
}

// traffic places the movers. Each independent mover is given a moment in the sequence at which it is a
// few tens of metres ahead of the camera, so that every mover is seen at some point of the drive.
func (g *generator) traffic(cfg Config, duration float64) {
	sc := g.sc
	st := sc.st
	nFollow := int(math.Round(cfg.FollowFraction * float64(cfg.Vehicles)))
	// One speed per lane, so vehicles sharing a lane keep their gaps instead of driving through each other.
	// The camera's own lane is the followers'.
	type lane struct{ d, v float64 }
	var lanes []lane
	for k := 1; k < st.lanes; k++ {
		v := sc.speed * g.uniform(0.4, 0.8) // same direction, clearly slower or faster
		if g.rng.IntN(2) == 0 {
			v = sc.speed * g.uniform(1.25, 1.8)
		}
		lanes = append(lanes, lane{st.laneD(1, k), v})
	}
	for k := 0; k < st.lanes; k++ {
		lanes = append(lanes, lane{st.laneD(-1, k), -g.uniform(6, 16)}) // oncoming
	}
	type spot struct{ s, half float64 }
	taken := make([][]spot, len(lanes))
	gap := 0.0
	for i := 0; i < cfg.Vehicles; i++ {
		if i < nFollow {
			// Followers share the camera's lane, one behind another, at the camera's speed.
			parts, l := g.vehicle(false, false)
			gap += g.uniform(6, 18) + l
			sc.movers = append(sc.movers, mover{s0: gap - l/2, speed: sc.speed, d: st.camD, follower: true, parts: parts})
			continue
		}
		li := g.rng.IntN(len(lanes))
		ln := lanes[li]
		parts, l := g.vehicle(ln.v < 0, true)
		var s0 float64
		for try := 0; try < 20; try++ {
			meet := g.uniform(0, duration)
			s0 = sc.speed*meet + g.uniform(10, 70) - ln.v*meet
			clear := true
			for _, o := range taken[li] {
				clear = clear && math.Abs(o.s-s0) > o.half+l/2+3
			}
			if clear {
				break
			}
		}
		taken[li] = append(taken[li], spot{s0, l / 2})
		sc.movers = append(sc.movers, mover{s0: s0, speed: ln.v, d: ln.d, parts: parts})
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
			s0: sc.speed*meet + ahead - v*meet, speed: v, d: side * g.uniform(st.kerb+1.5, st.sidewalk-0.7),
			parts: g.person(h, v < 0),
		})
	}
}

// cameraS is the camera's arc length at time t.
func (sc *scene) cameraS(t float64) float64 { return sc.speed * t }

// at is a mover's arc length at time t.
func (m *mover) at(t float64) float64 { return m.s0 + m.speed*t }
