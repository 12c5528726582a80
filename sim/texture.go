package sim

import "math"

// Textures are functions of surface coordinates in metres (fixed to the object), never of pixels, so that a
// point keeps its colour from frame to frame: the photometric consistency self-supervision relies on.
// Each pattern is box-filtered over the pixel's footprint on the surface (fp, metres) so distant surfaces
// fade to their mean instead of aliasing, which would look like motion to a warping loss.

func hash32(x, y uint32) uint32 {
	h := x*0x9e3779b1 ^ y*0x85ebca77
	h ^= h >> 15
	h *= 0x2c1b3c6d
	h ^= h >> 12
	h *= 0x297a2d39
	h ^= h >> 15
	return h
}

// hash3 hashes a lattice point with a seed in one mixing round (valueNoise calls it four times a sample).
func hash3(x, y int64, seed uint32) uint32 {
	h := uint32(x)*0x9e3779b1 + uint32(y)*0x85ebca77 + (seed^0x68e31da4)*0xc2b2ae3d
	h ^= h >> 15
	h *= 0x2c1b3c6d
	h ^= h >> 12
	h *= 0x297a2d39
	h ^= h >> 15
	return h
}

// unit maps a hash to [0, 1).
func unit(h uint32) float64 { return float64(h>>8) * (1.0 / (1 << 24)) }

// valueNoise is smooth noise in [0, 1) with features about one unit apart.
func valueNoise(x, y float64, seed uint32) float64 {
	fx, fy := math.Floor(x), math.Floor(y)
	ix, iy := int64(fx), int64(fy)
	tx, ty := x-fx, y-fy
	tx = tx * tx * (3 - 2*tx)
	ty = ty * ty * (3 - 2*ty)
	v00 := unit(hash3(ix, iy, seed))
	v10 := unit(hash3(ix+1, iy, seed))
	v01 := unit(hash3(ix, iy+1, seed))
	v11 := unit(hash3(ix+1, iy+1, seed))
	a := v00 + (v10-v00)*tx
	b := v01 + (v11-v01)*tx
	return a + (b-a)*ty
}

// detail is zero-mean noise of feature size `size` metres, faded out as the footprint approaches it.
func detail(x, y, size, fp float64, seed uint32) float64 {
	w := 2 - 4*fp/size
	if w <= 0 {
		return 0
	}
	if w > 1 {
		w = 1
	}
	return w * (valueNoise(x/size, y/size, seed) - 0.5)
}

// band is the fraction of the footprint [x−fp/2, x+fp/2] inside [lo, hi]: an anti-aliased stripe.
func band(x, lo, hi, fp float64) float64 {
	a := max(x-fp/2, lo)
	b := min(x+fp/2, hi)
	if b <= a {
		return 0
	}
	return (b - a) / fp
}

// periodic is band repeated with the given period, lo and hi being fractions of it.
func periodic(x, period, lo, hi, fp float64) float64 {
	if fp > 0.5*period {
		return hi - lo // the pattern is finer than a pixel: its average
	}
	p := x - period*math.Floor(x/period)
	P := period
	v := band(p, lo*P, hi*P, fp)
	// The neighbouring periods' stripes reach the footprint only near the ends of this one.
	if p+fp/2 > lo*P+P {
		v += band(p, lo*P+P, hi*P+P, fp)
	}
	if p-fp/2 < hi*P-P {
		v += band(p, lo*P-P, hi*P-P, fp)
	}
	return v
}

// expNeg is exp(x) for x ≤ 0 to about 2e-7 relative, a fraction of math.Exp's cost: fog needs one per pixel.
func expNeg(x float64) float64 {
	if x < -700 {
		return 0
	}
	y := x * math.Log2E
	n := math.Floor(y)
	f := (y - n) * math.Ln2 // in [0, ln 2)
	// e^f by its Taylor series to f⁷/7!.
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040)))))))
	return p * math.Float64frombits(uint64(int64(n)+1023)<<52)
}

func mix(a, b, t float64) float64 { return a + (b-a)*t }

func clamp01(x float64) float64 { return min(max(x, 0), 1) }

// groundShader colours the street's ground plane from road coordinates: asphalt with wear, markings, side
// streets with their crosswalks, paving and grass; a wet road darkens and reflects the sky.
type groundShader struct {
	road   road
	st     street
	sCam   float64
	cross  [8]float64 // side streets in view
	nCross int
	hw     float64 // half-width of a side street's asphalt
	wet    float64
}

func newGroundShader(sc *scene, c Config, sCam, far float64) groundShader {
	gs := groundShader{road: sc.road, st: sc.st, sCam: sCam, hw: sc.crossingHalf(), wet: c.WetRoad}
	for _, x := range sc.crossings {
		if x > sCam-60 && x < sCam+far+60 && gs.nCross < len(gs.cross) {
			gs.cross[gs.nCross] = x
			gs.nCross++
		}
	}
	return gs
}

// asphalt is the road surface's tone at road point (s, d), world (x, z): stains, grain, aggregate,
// resurfaced patches, cracks and tyre polish.
func (gs *groundShader) asphalt(s, d, x, z, fp float64) float64 {
	v := 0.30 + 0.10*(valueNoise(x*0.35, z*0.35, 11)-0.5) +
		0.10*detail(x, z, 0.3, fp, 12) + 0.14*detail(x, z, 0.07, fp, 13)
	// Patches: some cells of 4.3 × 3.1 m were resurfaced, darker or lighter, with sharp edges.
	cs, cd := math.Floor(s/4.3), math.Floor(d/3.1)
	if h := hash3(int64(cs), int64(cd), 15); unit(h) < 0.1 {
		s0, d0 := cs*4.3, cd*3.1
		a, b := 0.2+1.5*unit(hash32(h, 1)), 2.6+1.5*unit(hash32(h, 2))
		c, e := 0.2+1.0*unit(hash32(h, 3)), 1.8+1.1*unit(hash32(h, 4))
		in := band(s, s0+a, s0+b, fp) * band(d, d0+c, d0+e, fp)
		tone := 0.78
		if unit(hash32(h, 5)) < 0.4 {
			tone = 1.1
		}
		v = mix(v, v*tone, in)
	}
	// Cracks: thin dark lines along the zero set of smooth noise, where the surface is old.
	if fp < 0.06 {
		if old := valueNoise(x*0.08, z*0.08, 18); old > 0.5 {
			m := math.Abs(valueNoise(x*0.6+3.7, z*0.6, 16)-0.5) / 0.012
			if m < 1 {
				v *= 1 - 0.55*(1-m)*(1-fp/0.06)*min((old-0.5)*6, 1)
			}
		}
	}
	// Tyres polish two bands in each lane.
	if ad := math.Abs(d); ad < gs.st.edge {
		l := ad - gs.st.lane*math.Floor(ad/gs.st.lane) - gs.st.lane/2
		v *= 1 - 0.07*band(math.Abs(l), 0.5, 1.1, fp)
	}
	return v
}

// paint is the fraction of road markings at (s, d): dashed lane lines and solid edges, interrupted at side
// streets, which have crosswalks and stop lines.
func (gs *groundShader) paint(s, d, x, z, fp float64, ds float64, crossing bool) float64 {
	st := gs.st
	ad := math.Abs(d)
	const lw = 0.075 // half-width of a line
	p := 0.0
	if crossing && math.Abs(ds) < gs.hw+3.8 {
		if a := math.Abs(ds); a > gs.hw+0.8 && ad < st.edge {
			p = periodic(d+0.25, 1.0, 0, 0.5, fp) * band(a, gs.hw+0.8, gs.hw+3.6, fp) // zebra
		}
	} else {
		if ad < st.edge+0.2 {
			dash := periodic(s, 9, 0, 1.0/3, fp)
			m := math.Round(ad/st.lane) * st.lane
			if m < st.edge-0.1 {
				p = dash * band(ad-m, -lw, lw, fp)
			}
			p += band(ad, st.edge-lw, st.edge+lw, fp)
		}
		if crossing {
			// Stop line before the crossing, across the lanes that approach it.
			a := math.Abs(ds)
			if (ds < 0 && d > 0 && d < st.edge) || (ds > 0 && d < 0 && d > -st.edge) {
				p += band(a, gs.hw+4.0, gs.hw+4.4, fp)
			}
		}
	}
	if p <= 0 {
		return 0
	}
	// Worn paint, with bits missing.
	p *= (0.9 + 0.2*detail(x, z, 0.15, fp, 14)) * (1 - 0.7*smoothstep(0.62, 0.72, valueNoise(s*0.6, d*2.5, 17)))
	return min(p, 1)
}

// shade returns the albedo at ground point (x, z) and, for a wet road seen along ray, the reflected light.
func (gs *groundShader) shade(x, z, fp float64, ray [3]float64, L *lighting) (r, g, b float64, spec [3]float64) {
	st := gs.st
	s, d := gs.road.toRoad(x, z, gs.sCam)
	ad := math.Abs(d)
	crossing, ds := false, 0.0
	for k := 0; k < gs.nCross; k++ {
		if dd := s - gs.cross[k]; math.Abs(dd) < gs.hw+sidewalkWidth+5 {
			crossing, ds = true, dd
			break
		}
	}
	asphaltHere := ad < st.kerb || (crossing && math.Abs(ds) < gs.hw)
	wetK := 0.0
	switch {
	case asphaltHere:
		v := gs.asphalt(s, d, x, z, fp)
		if ad > st.edge+0.1 && ad < st.kerb {
			v *= 0.92 // parking strip, older surface
		}
		var p float64
		if ad < st.kerb {
			p = gs.paint(s, d, x, z, fp, ds, crossing)
		} else {
			// The side street's own centre line.
			p = periodic(ad, 9, 0, 1.0/3, fp) * band(ds, -0.075, 0.075, fp)
		}
		v = mix(v, 0.85, p)
		r, g, b = v, v, v*1.02
		wetK = gs.wet
	case ad < st.sidewalk || crossing && math.Abs(ds) < gs.hw+sidewalkWidth:
		// Paving slabs 0.6 m, each its own tone, with dark joints.
		const slab = 0.6
		tone := unit(hash3(int64(math.Floor(s/slab)), int64(math.Floor(d/slab)), 21))
		v := 0.52 + 0.12*tone + 0.10*detail(x, z, 0.08, fp, 22) - 0.08*smoothstep(0.6, 0.8, valueNoise(x*0.4, z*0.4, 23))
		joint := periodic(s, slab, -0.04, 0.04, fp) + periodic(d, slab, -0.04, 0.04, fp)
		v = mix(v, 0.3, min(joint, 1))
		r, g, b = v*1.02, v, v*0.96
		wetK = 0.6 * gs.wet
	default:
		// Grass and dirt between the buildings.
		n := valueNoise(x*0.5, z*0.5, 31)
		t := 0.8*detail(x, z, 0.1, fp, 32) + 0.5*detail(x, z, 0.4, fp, 33)
		return 0.22 + 0.12*n + 0.2*t, 0.30 + 0.08*n + 0.25*t, 0.12 + 0.04*n + 0.1*t, spec
	}
	if wetK > 0 {
		k := 1 - 0.45*wetK
		r, g, b = r*k, g*k, b*k
		// Fresnel-like reflection of the sky, stronger at grazing angles and in puddles, and the sun's glint.
		inv := 1 / math.Sqrt(dot(ray, ray))
		cosT := math.Abs(ray[1]) * inv
		m := 1 - cosT
		m2 := m * m
		puddle := smoothstep(0.6, 0.68, valueNoise(x*0.3, z*0.3, 19))
		R := wetK * (0.03 + 0.45*m2*m2*m) * (1 + puddle)
		el := min(cosT*2.2, 1)
		for ch := 0; ch < 3; ch++ {
			spec[ch] = R * mix(L.horizon[ch], L.zenith[ch], math.Sqrt(el))
		}
		c := (ray[0]*L.sun[0] - ray[1]*L.sun[1] + ray[2]*L.sun[2]) * inv // reflected ray · sun
		if c > 0.9 {
			for i := 0; i < 7; i++ {
				c *= c
			}
			gl := 2.5 * wetK * (0.3 + 0.7*puddle) * c
			spec[0] += gl * L.sunCol[0]
			spec[1] += gl * L.sunCol[1]
			spec[2] += gl * L.sunCol[2]
		}
	}
	return
}

// shadeFace colours a point (a, b) of a box face: a runs horizontally along the face, b upwards (on top
// faces, across and along the box), both from the face's corner, in metres.
func shadeFace(f *face, a, b, fp float64) (r, g, bl float64) {
	c := f.color
	cr, cg, cb := float64(c[0]), float64(c[1]), float64(c[2])
	seed := f.seed
	fw, fh := float64(f.fw), float64(f.fh)
	switch f.mat {
	case matBuilding:
		return shadeFacade(f, a, b, fp)
	case matRoof:
		k := 0.35 + 0.15*valueNoise(a*0.5, b*0.5, seed) + 0.2*detail(a, b, 0.2, fp, seed+1)
		return k, k, k * 1.05
	case matTrunk:
		k := 0.8 + 0.4*detail(a*3, b*0.5, 0.1, fp, seed) + 0.2*detail(a, b, 0.05, fp, seed+1)
		return cr * k, cg * k, cb * k
	case matCanopy:
		// Leaf clumps with dark gaps and lighter tips.
		n := valueNoise(a*1.6, b*1.6, seed)
		k := 0.72 + 0.6*(n-0.5) + 0.7*detail(a, b, 0.12, fp, seed+1) + 0.5*detail(a, b, 0.35, fp, seed+2)
		k *= 1 - 0.45*smoothstep(0.62, 0.8, valueNoise(a*0.9+7, b*0.9, seed+3))
		return cr * k, cg * k * (1 + 0.1*(n-0.5)), cb * k
	case matPole, matKerb:
		k := 0.95 + 0.2*(valueNoise(a*2, b*2, seed)-0.5) + 0.2*detail(a, b, 0.05, fp, seed+1)
		return cr * k, cg * k, cb * k
	case matSign:
		if f.side != sideFront && f.side != sideBack {
			return 0.5, 0.5, 0.52
		}
		border := 1 - band(a, 0.06, fw-0.06, fp)*band(b, 0.06, fh-0.06, fp)
		sym := band(a, 0.2, fw-0.2, fp) * band(b, fh/2-0.06, fh/2+0.06, fp)
		w := min(border+sym, 1)
		return mix(cr, 0.92, w), mix(cg, 0.92, w), mix(cb, 0.92, w)
	case matCarBody, matVanBody:
		return shadeBody(f, a, b, fp)
	case matCarGlass:
		k := 0.14 + 0.15*valueNoise(a*2, b*2, seed) + 0.2*detail(a, b, 0.1, fp, seed+1) + 0.12*b/max(fh, 0.1)
		pillar := periodic(a, 1.1, -0.07, 0.07, fp) + band(b, float64(f.p1)-0.06, 10, fp)
		if f.side == sideFront || f.side == sideBack {
			pillar = band(a, -1, 0.08, fp) + band(a, fw-0.08, fw+1, fp) + band(b, float64(f.p1)-0.06, 10, fp)
		}
		pillar = min(pillar, 1)
		return mix(k, cr, pillar), mix(k*1.1, cg, pillar), mix(k*1.25, cb, pillar)
	case matCargo:
		k := 0.92 + 0.12*(valueNoise(a*0.8, b*0.8, seed)-0.5) + 0.1*detail(a, b, 0.1, fp, seed+1)
		rib := periodic(a, 0.45, -0.03, 0.03, fp)*0.25 + band(b, -1, 0.12, fp)*0.5 + band(b, fh-0.1, fh+1, fp)*0.3
		k *= 1 - min(rib, 0.6)
		return cr * k, cg * k, cb * k
	case matWheel:
		if f.side == sideRight || f.side == sideLeft {
			// A tyre with a rim, in a square face: the corners outside the tyre are the wheel arch's shadow.
			rad := fh / 2
			dist := math.Hypot(a-fw/2, b-fh/2)
			switch {
			case dist > rad:
				return 0.04, 0.04, 0.04
			case dist < 0.58*rad:
				spoke := periodic(math.Atan2(b-fh/2, a-fw/2)*rad, 0.9*rad, 0, 0.3, fp)
				k := 0.5 - 0.25*spoke - 0.3*band(dist, 0, 0.12*rad, fp)
				return k, k, k * 1.03
			}
		}
		k := 0.07 + 0.06*valueNoise(a*8, b*8, seed)
		return k, k, k
	case matCloth:
		k := 0.85 + 0.25*detail(a, b, 0.06, fp, seed) + 0.15*(valueNoise(a*6, b*3, seed+1)-0.5)
		return cr * k, cg * k, cb * k
	case matSkin:
		hr, hg, hb := float64(f.color2[0]), float64(f.color2[1]), float64(f.color2[2])
		hair := 0.0
		switch f.side {
		case sideBack:
			hair = band(b, 0.25*fh, 2*fh, fp)
		case sideRight, sideLeft:
			hair = band(b, 0.6*fh, 2*fh, fp)
		default:
			hair = band(b, 0.85*fh, 2*fh, fp)
		}
		k := 0.9 + 0.15*detail(a, b, 0.04, fp, seed)
		return mix(cr, hr, hair) * k, mix(cg, hg, hair) * k, mix(cb, hb, hair) * k
	case matHair:
		k := 0.8 + 0.4*detail(a, b, 0.03, fp, seed)
		return cr * k, cg * k, cb * k
	}
	return shadeIndoorFace(f, a, b, fp)
}

// shadeFacade is a building's face: plaster, brick or panels (p3), storeys of p1 metres with windows every
// p2 metres (frames, sills, reflections), shop fronts and a door at street level, a cornice at the top.
func shadeFacade(f *face, a, b, fp float64) (r, g, bl float64) {
	c := f.color
	cr, cg, cb := float64(c[0]), float64(c[1]), float64(c[2])
	seed := f.seed
	fh := float64(f.fh)
	k := 0.9 + 0.3*(valueNoise(a*0.7, b*0.7, seed)-0.5) + 0.25*detail(a, b, 0.12, fp, seed+1)
	switch f.p3 {
	case 1: // brick: courses of 7.5 cm, joints staggered
		course := math.Floor(b / 0.075)
		joint := periodic(b, 0.075, -0.008, 0.008, fp) + periodic(a+0.11*math.Mod(course, 2), 0.22, -0.008, 0.008, fp)
		k *= 1 - 0.3*min(joint, 1)
		k *= 1 + 0.12*(unit(hash3(int64(math.Floor(a/0.22)), int64(course), seed+5))-0.5)*max(0, 1-fp/0.1)
	case 2: // cladding panels
		k *= 1 - 0.25*min(periodic(a, 1.5, -0.01, 0.01, fp)+periodic(b, 1.2, -0.01, 0.01, fp), 1)
	}
	r, g, bl = cr*k, cg*k, cb*k
	floorH, colW := float64(f.p1), float64(f.p2)
	// Cornice and storey bands.
	if b > fh-0.6 {
		t := band(b, fh-0.45, fh-0.2, fp)
		r, g, bl = mix(r, 0.78, t), mix(g, 0.76, t), mix(bl, 0.72, t)
		return
	}
	var glass, frame float64
	if b < floorH {
		shop := band(b, 0.4, floorH-0.6, fp) * periodic(a, 2*colW, 0.12, 0.88, fp)
		door := band(b, 0, 2.2, fp) * periodic(a+colW, 4*colW, 0.42, 0.58, fp)
		glass = max(shop, door)
		frame = band(b, floorH-0.6, floorH-0.35, fp) // fascia above the shops
	} else {
		if fp > 0.25*colW {
			glass, frame = 0.4*0.48, 0.2 // finer than a pixel: the averages
		} else {
			// Position in the window cell; the stripes of a cell lie inside it, so no wrap-around.
			pa := a - colW*math.Floor(a/colW)
			pb := b - floorH*math.Floor(b/floorH)
			ga, gb := band(pa, 0.3*colW, 0.7*colW, fp), band(pb, 0.3*floorH, 0.78*floorH, fp)
			glass = ga * gb
			if pa+fp/2 > 0.25*colW && pa-fp/2 < 0.75*colW {
				frame = band(pa, 0.27*colW, 0.73*colW, fp)*band(pb, 0.27*floorH, 0.81*floorH, fp) - glass
				frame += band(pa, 0.25*colW, 0.75*colW, fp) * band(pb, 0.24*floorH, 0.29*floorH, fp) // sill
			}
			frame += 0.5 * periodic(b, floorH, -0.02, 0.02, fp) // storey band
		}
	}
	if frame > 0 {
		frame = min(frame, 1)
		r, g, bl = mix(r, 0.82, frame), mix(g, 0.80, frame), mix(bl, 0.76, frame)
	}
	if glass > 0 {
		cell := unit(hash3(int64(math.Floor(a/colW)), int64(math.Floor(b/floorH)), seed+3))
		gk := 0.6 + 0.8*cell + 0.4*detail(a, b, 0.25, fp, seed+4)
		gr, gg, gb := float64(f.color2[0])*gk, float64(f.color2[1])*gk, float64(f.color2[2])*gk
		// Some panes reflect the sky, some show curtains.
		if cell > 0.7 {
			t := (cell - 0.7) * 2
			gr, gg, gb = mix(gr, 0.62, t), mix(gg, 0.70, t), mix(gb, 0.80, t)
		} else if cell < 0.15 {
			gr, gg, gb = 0.55*cr+0.1, 0.5*cg+0.1, 0.45*cb+0.1
		}
		r, g, bl = mix(r, gr, glass), mix(g, gg, glass), mix(bl, gb, glass)
	}
	return
}

// shadeBody is a vehicle's paint: reflections and grime, door seams, a dark sill; lights, grille and number
// plate on the front and back; a glass band above p1 on vans and truck cabs.
func shadeBody(f *face, a, b, fp float64) (r, g, bl float64) {
	c := f.color
	cr, cg, cb := float64(c[0]), float64(c[1]), float64(c[2])
	seed := f.seed
	fw, fh := float64(f.fw), float64(f.fh)
	// Paint is smooth in reality, but a textureless panel gives a photometric loss nothing to hold on
	// to; reflections and grime put gradients on it.
	k := 1 + 0.3*(valueNoise(a*1.5, b*1.5, seed)-0.5) + 0.35*detail(a, b, 0.15, fp, seed+1) +
		0.25*detail(a, b, 0.05, fp, seed+6)
	r, g, bl = cr*k+0.04, cg*k+0.04, cb*k+0.04
	if f.side == sideTop || f.side == sideBottom {
		return
	}
	van := f.mat == matVanBody
	lights := 0.45
	if van {
		lights = 0.5
	}
	dark := band(b, -1, 0.12, fp) // sill / bumper
	switch f.side {
	case sideFront:
		lamp := (band(a, 0.08, 0.38, fp) + band(a, fw-0.38, fw-0.08, fp)) * band(b, lights, lights+0.14, fp)
		grille := band(a, fw/2-0.35, fw/2+0.35, fp) * band(b, 0.25, lights+0.1, fp)
		plate := band(a, fw/2-0.26, fw/2+0.26, fp) * band(b, 0.12, 0.23, fp)
		r, g, bl = mix(r, 0.1, grille), mix(g, 0.1, grille), mix(bl, 0.11, grille)
		r, g, bl = mix(r, 0.92, lamp+plate), mix(g, 0.92, lamp+plate), mix(bl, 0.88, lamp+plate)
	case sideBack:
		lamp := (band(a, 0.05, 0.3, fp) + band(a, fw-0.3, fw-0.05, fp)) * band(b, lights+0.05, lights+0.25, fp)
		plate := band(a, fw/2-0.26, fw/2+0.26, fp) * band(b, 0.22, 0.33, fp)
		r, g, bl = mix(r, 0.72, lamp), mix(g, 0.06, lamp), mix(bl, 0.05, lamp)
		r, g, bl = mix(r, 0.92, plate), mix(g, 0.92, plate), mix(bl, 0.86, plate)
	default:
		dark += periodic(a, 1.15, 0.47, 0.53, fp) + band(b, 0.38, 0.43, fp)
	}
	if van {
		p1 := float64(f.p1)
		glass := band(b, p1, fh-0.12, fp)
		if f.side == sideRight || f.side == sideLeft {
			glass *= 1 - periodic(a, 1.3, -0.06, 0.06, fp)
		} else {
			glass *= band(a, 0.1, fw-0.1, fp)
		}
		if glass > 0 {
			gk := 0.16 + 0.15*valueNoise(a*2, b*2, seed+7) + 0.15*(b-p1)
			r, g, bl = mix(r, gk, glass), mix(g, gk*1.1, glass), mix(bl, gk*1.25, glass)
		}
	}
	dark = min(dark, 1)
	return mix(r, 0.08, dark), mix(g, 0.08, dark), mix(bl, 0.09, dark)
}
