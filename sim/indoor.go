package sim

import (
	"math"
	"sort"
)

// The indoor world is a building walked through along a straight path: rooms and corridors in a row, each
// with its own width, floor and furniture, under a flat ceiling. It uses the street's road coordinates with a
// straight centreline (s forward, d to the right); the floor is the ground plane and the ceiling a second
// plane above it, so floor and ceiling depth are exact ray–plane intersections. Walls are slabs whose inner
// faces face the path; doors, bright windows and open doorways into dim rooms break them up.

// indoorSeg is one room or corridor, s0 ≤ s < s1, walls at ±hw.
type indoorSeg struct {
	s0, s1 float64
	hw     float64
	room   bool
	floor  uint8 // 0 wooden planks, 1 tiles, 2 carpet, 3 linoleum
	plank  float64
	tone   [3]float64
}

// Clearances: the camera weaves within ±weaveMax of the centreline, people walk at 0.5–0.7 m from it, and
// furniture keeps at least furnitureClear from it in rooms.
const (
	weaveMax       = 0.2
	corridorHalf   = 1.0 // narrowest corridor half-width
	furnitureClear = 1.25
)

var (
	wallColors = [][3]float32{
		{0.88, 0.86, 0.80}, {0.82, 0.84, 0.86}, {0.86, 0.80, 0.70}, {0.70, 0.76, 0.72},
		{0.92, 0.92, 0.90}, {0.76, 0.70, 0.66}, {0.66, 0.72, 0.80},
	}
	woodColors = [][3]float32{{0.55, 0.38, 0.22}, {0.70, 0.52, 0.34}, {0.38, 0.26, 0.16}, {0.80, 0.70, 0.55}}
	floorTones = [][3]float64{{0.56, 0.40, 0.25}, {0.72, 0.58, 0.40}, {0.40, 0.30, 0.22}, {0.70, 0.70, 0.68},
		{0.55, 0.57, 0.60}, {0.45, 0.35, 0.32}, {0.30, 0.34, 0.42}, {0.62, 0.60, 0.52}}
	fabricColors = [][3]float32{{0.35, 0.38, 0.45}, {0.55, 0.20, 0.18}, {0.30, 0.42, 0.30}, {0.62, 0.58, 0.50}, {0.22, 0.22, 0.24}}
)

func (g *generator) indoor(cfg Config, duration float64) {
	sc := g.sc
	sc.road = newRoad(0, cfg.CameraHeight, 0)
	sc.ceiling = max(g.uniform(2.4, 3.1), cfg.CameraHeight+0.3)
	sc.weaveA = weaveMax * g.uniform(0.4, 1)
	sc.weaveK = 2 * math.Pi / g.uniform(8, 14)
	sc.weavePhase = g.uniform(0, 2*math.Pi)

	sBegin := -3.0
	sEnd := sc.speed*duration + 12
	room := g.chance(0.5)
	for s := sBegin; s < sEnd; room = !room {
		seg := indoorSeg{s0: s, room: room, floor: uint8(g.rng.IntN(4)), plank: g.uniform(0.14, 0.22)}
		if room {
			seg.s1 = s + g.uniform(5, 10)
			seg.hw = g.uniform(2.0, 4.0)
		} else {
			seg.s1 = s + g.uniform(5, 16)
			seg.hw = g.uniform(corridorHalf, 1.4)
			if seg.floor == 2 {
				seg.floor = 3 // corridors are not carpeted
			}
		}
		seg.tone = floorTones[g.rng.IntN(len(floorTones))]
		sc.segments = append(sc.segments, seg)
		s = seg.s1
	}
	wallH := sc.ceiling
	for i, seg := range sc.segments {
		col := g.pick(wallColors, 0.05)
		for _, side := range []float64{-1, 1} {
			g.wall(seg, side, wallH, col)
			if seg.room {
				g.furnish(seg, side)
			} else {
				g.corridorClutter(seg, side)
			}
		}
		// Steps between segments of different width; end walls.
		if i > 0 {
			prev := sc.segments[i-1]
			narrow, wide := min(prev.hw, seg.hw), max(prev.hw, seg.hw)
			at := seg.s0 + 0.1
			if prev.hw > seg.hw {
				at = seg.s0 - 0.1
			}
			for _, side := range []float64{-1, 1} {
				g.add(box{s: at, d: side * (narrow + wide + 0.2) / 2, length: 0.2, width: wide - narrow + 0.2, height: wallH,
					mat: matWall, color: col, p1: float32(wallH)})
			}
		}
	}
	first, last := sc.segments[0], sc.segments[len(sc.segments)-1]
	g.add(box{s: first.s0 - 0.1, length: 0.2, width: 2*first.hw + 0.4, height: wallH, mat: matWall, color: g.pick(wallColors, 0.05), p1: float32(wallH)})
	g.add(box{s: last.s1 + 0.1, length: 0.2, width: 2*last.hw + 0.4, height: wallH, mat: matWall, color: g.pick(wallColors, 0.05), p1: float32(wallH)})
	g.add(box{s: last.s1 - 0.02, d: g.uniform(-0.3, 0.3) * last.hw, length: 0.04, width: 0.95, height: 2.05, mat: matDoor,
		color: g.pick(woodColors, 0.1)})

	// People walking up and down, clear of the camera's path, the furniture and the walls.
	for i := 0; i < cfg.Pedestrians; i++ {
		side := 1.0
		if g.rng.IntN(2) == 0 {
			side = -1
		}
		v := g.uniform(0.6, 1.4)
		if g.rng.IntN(2) == 0 {
			v = -v
		}
		meet := g.uniform(0, duration)
		ahead := g.uniform(3, 12)
		h := g.uniform(1.55, 1.9)
		sc.movers = append(sc.movers, mover{
			s0: sc.speed*meet + ahead - v*meet, speed: v, d: side * g.uniform(0.5, 0.7), parts: g.person(h, v < 0),
		})
	}
}

// wall lines one side of a segment with a slab from floor to ceiling, leaving gaps for open doorways (a dim
// room beyond), with doors and, in rooms, windows on it.
func (g *generator) wall(seg indoorSeg, side, h float64, col [3]float32) {
	slab := func(s0, s1, up, ht float64) {
		if s1-s0 > 0.01 {
			g.add(box{s: (s0 + s1) / 2, d: side * (seg.hw + 0.1), up: up, length: s1 - s0, width: 0.2, height: ht,
				mat: matWall, color: col, p1: float32(h)})
		}
	}
	s := seg.s0
	for {
		next := s + g.uniform(1.5, 5)
		if next+1.3 > seg.s1 {
			break
		}
		switch x := g.rng.Float64(); {
		case x < 0.22: // open doorway and a room beyond
			w := g.uniform(0.9, 1.3)
			depth := g.uniform(1.5, 3.5)
			slab(s, next, 0, h)
			slab(next, next+w, 2.1, h-2.1)
			back := g.pick(wallColors, 0.1)
			back = [3]float32{back[0] * 0.8, back[1] * 0.8, back[2] * 0.8}
			g.add(box{s: next + w/2, d: side * (seg.hw + depth + 0.1), length: w + 0.4, width: 0.2, height: h, mat: matWall, color: back, p1: float32(h)})
			for _, e := range []float64{next - 0.1, next + w + 0.1} {
				g.add(box{s: e, d: side * (seg.hw + depth/2 + 0.1), length: 0.2, width: depth + 0.2, height: h, mat: matWall, color: back, p1: float32(h)})
			}
			s = next + w
		case x < 0.5: // a door
			w := g.uniform(0.85, 1.0)
			g.add(box{s: next + w/2, d: side * (seg.hw - 0.02), length: w, width: 0.04, height: 2.05, mat: matDoor,
				color: g.pick(woodColors, 0.15)})
			slab(s, next+w, 0, h)
			s = next + w
		case x < 0.8 && seg.room: // a window
			w := g.uniform(0.9, 2.0)
			sill := g.uniform(0.8, 1.0)
			g.add(box{s: next + w/2, d: side * (seg.hw - 0.01), up: sill, length: w, width: 0.02, height: min(g.uniform(1.1, 1.5), h-sill-0.25),
				mat: matWindow, color: [3]float32{1, 1, 1}, seed: uint32(g.rng.Uint64())})
			slab(s, next+w, 0, h)
			s = next + w
		default:
			slab(s, next, 0, h)
			s = next
		}
	}
	slab(s, seg.s1, 0, h)
}

// furnish places furniture along one wall of a room, clear of the path, and sometimes a table with chairs.
func (g *generator) furnish(seg indoorSeg, side float64) {
	room := seg.hw - furnitureClear - 0.03 // depth available along the wall
	// A table with chairs on its path side, in wide rooms; the wall keeps what is left.
	if seg.hw >= 3 && g.chance(0.7) && seg.s1-seg.s0 > 3.5 {
		tl, tw := g.uniform(1.2, 1.8), g.uniform(0.7, 0.9)
		ts := seg.s0 + g.uniform(1.6, seg.s1-seg.s0-1.6)
		inner := furnitureClear + 0.55
		g.table(ts, side*(inner+tw/2), tl, tw)
		for _, off := range []float64{-tl / 4, tl / 4} {
			g.chair(ts+off, side*(furnitureClear+0.25), -side)
		}
		room = seg.hw - (inner + tw) - 0.15
	}
	for s := seg.s0 + g.uniform(0.3, 1.2); s < seg.s1-0.6; {
		var l float64
		switch x := g.rng.Float64(); {
		case x < 0.28 && room >= 0.3: // shelves
			l = g.uniform(0.8, 2.0)
			depth := min(g.uniform(0.3, 0.45), room)
			g.add(box{s: s + l/2, d: side * (seg.hw - depth/2 - 0.02), length: l, width: depth, height: g.uniform(1.4, 2.2),
				mat: matShelf, color: g.pick(woodColors, 0.1), p1: float32(g.uniform(0.3, 0.42))})
		case x < 0.5 && room >= 0.8: // sofa
			l = g.uniform(1.5, 2.4)
			depth := min(g.uniform(0.8, 0.95), room)
			col := g.pick(fabricColors, 0.1)
			dc := side * (seg.hw - depth/2 - 0.02)
			g.add(box{s: s + l/2, d: dc, up: 0.1, length: l, width: depth, height: 0.35, mat: matFabric, color: col})
			g.add(box{s: s + l/2, d: dc + side*(depth/2-0.1), up: 0.45, length: l, width: 0.2, height: 0.45, mat: matFabric, color: col})
			for _, e := range []float64{s + 0.1, s + l - 0.1} {
				g.add(box{s: e, d: dc, up: 0.1, length: 0.2, width: depth, height: 0.55, mat: matFabric, color: col})
			}
			for _, e := range []float64{s + 0.1, s + l - 0.1} {
				g.add(box{s: e, d: dc, length: 0.06, width: depth - 0.1, height: 0.1, mat: matWood, color: [3]float32{0.15, 0.12, 0.1}})
			}
		case x < 0.68 && room >= 0.4: // cabinet or desk
			l = g.uniform(0.6, 1.6)
			depth := min(g.uniform(0.4, 0.7), room)
			g.add(box{s: s + l/2, d: side * (seg.hw - depth/2 - 0.02), length: l, width: depth, height: g.uniform(0.7, 1.0),
				mat: matWood, color: g.pick(woodColors, 0.1)})
		case x < 0.85 && room >= 0.3: // cardboard boxes, stacked
			l = g.uniform(0.35, 0.7)
			up := 0.0
			for k := 0; k < 1+g.rng.IntN(3); k++ {
				bs := min(l*g.uniform(0.7, 1), room)
				ht := g.uniform(0.25, 0.5)
				g.add(box{s: s + l/2 + g.uniform(-0.05, 0.05), d: side * (seg.hw - bs/2 - 0.05), up: up, length: bs, width: bs, height: ht,
					yaw: float32(g.uniform(-0.15, 0.15)), mat: matCardboard, color: g.jitter([3]float32{0.62, 0.46, 0.30}, 0.1)})
				up += ht
			}
		default:
			l = g.uniform(0.5, 1.5) // bare wall
		}
		s += l + g.uniform(0.1, 0.8)
	}
}

func (g *generator) table(s, d, l, w float64) {
	col := g.pick(woodColors, 0.1)
	g.add(box{s: s, d: d, up: 0.72, length: l, width: w, height: 0.04, mat: matWood, color: col})
	for _, a := range []float64{-1, 1} {
		for _, b := range []float64{-1, 1} {
			g.add(box{s: s + a*(l/2-0.06), d: d + b*(w/2-0.06), length: 0.05, width: 0.05, height: 0.72, mat: matWood, color: col})
		}
	}
}

// chair stands at (s, d) with its back towards lateral direction back (±1).
func (g *generator) chair(s, d, back float64) {
	col := g.pick(woodColors, 0.15)
	g.add(box{s: s, d: d, up: 0.43, length: 0.44, width: 0.42, height: 0.04, mat: matWood, color: col})
	g.add(box{s: s, d: d + back*0.19, up: 0.47, length: 0.44, width: 0.04, height: 0.45, mat: matWood, color: col})
	for _, a := range []float64{-1, 1} {
		for _, b := range []float64{-1, 1} {
			g.add(box{s: s + a*0.19, d: d + b*0.18, length: 0.035, width: 0.035, height: 0.43, mat: matWood, color: col})
		}
	}
}

// corridorClutter is the odd box or bin against a corridor wall, where there is room.
func (g *generator) corridorClutter(seg indoorSeg, side float64) {
	room := seg.hw - corridorHalf
	if room < 0.2 {
		return
	}
	for s := seg.s0 + g.uniform(1, 4); s < seg.s1-0.5; s += g.uniform(2, 6) {
		if !g.chance(0.5) {
			continue
		}
		bs := min(g.uniform(0.25, 0.5), room)
		g.add(box{s: s, d: side * (seg.hw - bs/2 - 0.02), length: bs, width: bs, height: g.uniform(0.3, 0.8),
			mat: matCardboard, color: g.jitter([3]float32{0.62, 0.46, 0.30}, 0.15)})
	}
}

// indoorShader colours the floor and ceiling planes.
type indoorShader struct {
	segments []indoorSeg
	seed     uint32
}

func (is *indoorShader) segment(s float64) *indoorSeg {
	k := sort.Search(len(is.segments), func(i int) bool { return is.segments[i].s1 > s })
	return &is.segments[min(k, len(is.segments)-1)]
}

// floor is the albedo of the floor at world (x, z), that is road (d, s) on the straight indoor path.
func (is *indoorShader) floor(x, z, fp float64) (r, g, b float64) {
	seg := is.segment(z)
	s, d := z, x
	t := seg.tone
	k := 1.0
	switch seg.floor {
	case 0: // planks along the path, staggered, each its own tone, with grain
		row := math.Floor(d / seg.plank)
		off := 0.37 * row
		pl := math.Floor((s + off) / 1.2)
		h := hash3(int64(row), int64(pl), 51)
		k = 0.85 + 0.3*unit(h) + 0.25*detail(s*0.3, d*6, 0.1, fp, 52)
		joint := periodic(d, seg.plank, -0.004, 0.004, fp) + periodic(s+off, 1.2, -0.004, 0.004, fp)
		k *= 1 - 0.45*min(joint, 1)
	case 1: // tiles with grout
		const tile = 0.5
		h := hash3(int64(math.Floor(s/tile)), int64(math.Floor(d/tile)), 53)
		k = 0.95 + 0.1*unit(h) + 0.1*detail(s, d, 0.05, fp, 54)
		grout := periodic(s, tile, -0.006, 0.006, fp) + periodic(d, tile, -0.006, 0.006, fp)
		k = mix(k, 0.55, min(grout, 1))
	case 2: // carpet
		k = 0.9 + 0.25*detail(s, d, 0.02, fp, 55) + 0.15*(valueNoise(s*0.8, d*0.8, 56)-0.5)
	default: // linoleum with scuffs
		k = 0.95 + 0.12*(valueNoise(s*0.5, d*0.5, 57)-0.5) + 0.1*detail(s, d, 0.1, fp, 58)
		k *= 1 - 0.15*smoothstep(0.65, 0.8, valueNoise(s*2, d*2, 59))
	}
	return t[0] * k, t[1] * k, t[2] * k
}

// ceiling is the light leaving the ceiling at world (x, z): painted plaster or tiles, with light panels
// along the middle.
func (is *indoorShader) ceiling(x, z, fp float64, L *lighting) (r, g, b float64) {
	seg := is.segment(z)
	s, d := z, x
	k := 0.86 + 0.06*(valueNoise(s*0.7, d*0.7, 61)-0.5) + 0.05*detail(s, d, 0.1, fp, 62)
	if !seg.room {
		k = mix(k, 0.6, min(periodic(s, 0.6, -0.005, 0.005, fp)+periodic(d, 0.6, -0.005, 0.005, fp), 1))
	}
	lit := 0.8
	r, g, b = k*L.ambient[0]*lit, k*L.ambient[1]*lit, k*L.ambient[2]*lit
	// Light panels: 1.2 × 0.3 m every 2.4 m along the centre.
	panel := band(math.Mod(s+1000*2.4, 2.4), 0.6, 1.8, fp) * band(d, -0.15, 0.15, fp)
	if seg.room {
		panel = band(math.Mod(s+1000*2.4, 2.4), 0.9, 1.5, fp) * (band(d, -0.3, 0.3, fp) + band(math.Abs(d), seg.hw*0.6-0.3, seg.hw*0.6+0.3, fp))
	}
	if panel > 0 {
		r, g, b = mix(r, 1.6, panel), mix(g, 1.58, panel), mix(b, 1.5, panel)
	}
	return
}

// shadeIndoorFace colours the indoor materials of box faces.
func shadeIndoorFace(f *face, a, b, fp float64) (r, g, bl float64) {
	c := f.color
	cr, cg, cb := float64(c[0]), float64(c[1]), float64(c[2])
	seed := f.seed
	fw, fh := float64(f.fw), float64(f.fh)
	switch f.mat {
	case matWall:
		k := 0.95 + 0.08*(valueNoise(a*0.8, b*0.8, seed)-0.5) + 0.06*detail(a, b, 0.05, fp, seed+1)
		k *= 0.88 + 0.12*smoothstep(0, 0.5, b) // darker near the floor
		r, g, bl = cr*k, cg*k, cb*k
		base := band(b, -1, 0.09, fp) // skirting board
		return mix(r, 0.9, base), mix(g, 0.9, base), mix(bl, 0.88, base)
	case matDoor:
		k := 0.9 + 0.15*detail(a*0.3, b*3, 0.05, fp, seed) + 0.1*(valueNoise(a*2, b*0.5, seed+1)-0.5)
		r, g, bl = cr*k, cg*k, cb*k
		frame := 1 - band(a, 0.07, fw-0.07, fp)*band(b, -1, fh-0.07, fp)
		panels := band(a, 0.18, fw-0.18, fp) * (band(b, 0.25, 0.95, fp) + band(b, 1.15, fh-0.2, fp))
		panels -= band(a, 0.22, fw-0.22, fp) * (band(b, 0.29, 0.91, fp) + band(b, 1.19, fh-0.24, fp))
		handle := (band(a, 0.06, 0.16, fp) + band(a, fw-0.16, fw-0.06, fp)) * band(b, 0.98, 1.04, fp)
		r, g, bl = mix(r, 0.88, frame), mix(g, 0.86, frame), mix(bl, 0.82, frame)
		r, g, bl = r*(1-0.3*panels), g*(1-0.3*panels), bl*(1-0.3*panels)
		return mix(r, 0.75, handle), mix(g, 0.74, handle), mix(bl, 0.7, handle)
	case matWindow:
		// Daylight outside (overexposed), darker below the horizon; frame and mullions.
		sky := [3]float64{1.35, 1.38, 1.45}
		out := [3]float64{0.75, 0.85, 0.7}
		t := smoothstep(0.3*fh, 0.5*fh, b+0.2*(valueNoise(a*1.5, 0, seed)-0.5))
		r, g, bl = mix(out[0], sky[0], t), mix(out[1], sky[1], t), mix(out[2], sky[2], t)
		frame := 1 - band(a, 0.05, fw-0.05, fp)*band(b, 0.05, fh-0.05, fp)
		frame += band(a, fw/2-0.025, fw/2+0.025, fp) + band(b, 0.6*fh-0.02, 0.6*fh+0.02, fp)
		frame = min(frame, 1)
		return mix(r, 0.55, frame), mix(g, 0.55, frame), mix(bl, 0.56, frame)
	case matWood:
		k := 0.9 + 0.2*detail(a*0.25, b*4, 0.05, fp, seed) + 0.1*(valueNoise(a, b, seed+1)-0.5)
		return cr * k, cg * k, cb * k
	case matShelf:
		if f.side == sideTop || f.side == sideBottom {
			return cr, cg, cb
		}
		pitch := float64(f.p1)
		frame := 1 - band(a, 0.03, fw-0.03, fp)*band(b, 0.08, fh-0.03, fp)
		board := periodic(b, pitch, -0.012, 0.012, fp)
		wood := min(frame+board, 1)
		// Books: columns 2.5–5 cm wide, each its colour and height.
		shelf := math.Floor(b / pitch)
		w := 0.025 + 0.025*unit(hash3(int64(shelf), 0, seed))
		col := math.Floor(a / w)
		h := hash3(int64(col), int64(shelf), seed+1)
		bh := pitch * (0.55 + 0.4*unit(h))
		in := band(b-shelf*pitch, 0.012, bh, fp)
		if unit(hash32(h, 9)) < 0.12 {
			in = 0 // a gap
		}
		br, bg, bb := 0.15+0.7*unit(hash32(h, 1)), 0.12+0.5*unit(hash32(h, 2)), 0.1+0.5*unit(hash32(h, 3))
		if fp > w {
			br, bg, bb = 0.45, 0.32, 0.3
		}
		back := 0.25
		r, g, bl = mix(back*cr, br, in), mix(back*cg, bg, in), mix(back*cb, bb, in)
		return mix(r, cr, wood), mix(g, cg, wood), mix(bl, cb, wood)
	case matFabric:
		k := 0.85 + 0.25*detail(a, b, 0.02, fp, seed) + 0.15*(valueNoise(a*3, b*3, seed+1)-0.5)
		return cr * k, cg * k, cb * k
	case matCardboard:
		k := 0.92 + 0.15*detail(a, b, 0.05, fp, seed) + 0.1*(valueNoise(a*4, b*4, seed+1)-0.5)
		tape := band(a, fw/2-0.025, fw/2+0.025, fp)
		if f.side == sideTop {
			tape = band(a, fw/2-0.025, fw/2+0.025, fp)
		}
		r, g, bl = cr*k, cg*k, cb*k
		return mix(r, 0.8, tape), mix(g, 0.72, tape), mix(bl, 0.55, tape)
	}
	return cr, cg, cb
}
