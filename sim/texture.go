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

func hash3(x, y int64, seed uint32) uint32 {
	return hash32(uint32(x)^seed, hash32(uint32(y), seed^0x68e31da4))
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
	return band(p, lo*P, hi*P, fp) + band(p, lo*P+P, hi*P+P, fp) + band(p, lo*P-P, hi*P-P, fp)
}

func mix(a, b, t float64) float64 { return a + (b-a)*t }

// shadeGround colours the ground plane from road coordinates (s, d) and world (x, z).
func shadeGround(s, d, x, z, fp float64) (r, g, b float64) {
	ad := math.Abs(d)
	switch {
	case ad < kerbD:
		// Asphalt: coarse stains, grain and fine aggregate.
		v := 0.30 + 0.10*(valueNoise(x*0.35, z*0.35, 11)-0.5) +
			0.10*detail(x, z, 0.3, fp, 12) + 0.14*detail(x, z, 0.07, fp, 13)
		if ad > edgeLineD+0.1 {
			v *= 0.92 // parking strip, older surface
		}
		paint := 0.0
		if ad < edgeLineD+0.2 {
			// Dashed lines at the centre and between lanes (3 m dash, 9 m period), solid edges.
			dash := periodic(s, 9, 0, 1.0/3, fp)
			paint = dash * (band(d, -0.075, 0.075, fp) + band(ad, laneWidth-0.075, laneWidth+0.075, fp))
			paint += band(ad, edgeLineD-0.075, edgeLineD+0.075, fp)
			paint *= 0.9 + 0.2*detail(x, z, 0.15, fp, 14) // worn paint
		}
		v = mix(v, 0.85, min(paint, 1))
		return v, v, v * 1.02
	case ad < sidewalkOuter:
		// Paving slabs 0.6 m, each its own tone, with dark joints.
		const slab = 0.6
		tone := unit(hash3(int64(math.Floor(s/slab)), int64(math.Floor(d/slab)), 21))
		v := 0.52 + 0.12*tone + 0.10*detail(x, z, 0.08, fp, 22)
		joint := periodic(s, slab, -0.04, 0.04, fp) + periodic(d, slab, -0.04, 0.04, fp)
		v = mix(v, 0.3, min(joint, 1))
		return v * 1.02, v, v * 0.96
	default:
		// Grass and dirt between the buildings.
		n := valueNoise(x*0.5, z*0.5, 31)
		t := 0.8*detail(x, z, 0.1, fp, 32) + 0.5*detail(x, z, 0.4, fp, 33)
		return 0.22 + 0.12*n + 0.2*t, 0.30 + 0.08*n + 0.25*t, 0.12 + 0.04*n + 0.1*t
	}
}

// shadeSky colours a view ray (world direction, not normalised): a gradient on elevation and clouds
// projected on a plane at infinity, so the sky moves only with the camera's rotation, as the real one does.
func shadeSky(dx, dy, dz float64) (r, g, b float64) {
	hor := math.Sqrt(dx*dx + dz*dz)
	e := -dy / hor // tangent of elevation
	t := min(max(e*2.5, 0), 1)
	r, g, b = mix(0.78, 0.38, t), mix(0.84, 0.56, t), mix(0.90, 0.86, t)
	if e > 0.02 {
		u, v := dx/(-dy), dz/(-dy)
		c := valueNoise(u*1.5, v*1.5, 41)*0.7 + valueNoise(u*5, v*5, 42)*0.3
		c = min(max((c-0.45)*2.5, 0), 1) * min((e-0.02)*8, 1)
		r, g, b = mix(r, 0.95, c), mix(g, 0.95, c), mix(b, 0.97, c)
	}
	return
}

// shadeFace colours a point (a, b) of a box face: a runs horizontally along the face, b upwards (on top
// faces, across and along the road).
func shadeFace(f *face, a, b, fp float64) (r, g, bl float64) {
	c := f.color
	cr, cg, cb := float64(c[0]), float64(c[1]), float64(c[2])
	seed := f.seed
	switch f.mat {
	case matBuilding:
		k := 0.9 + 0.25*(valueNoise(a*0.7, b*0.7, seed)-0.5) + 0.25*detail(a, b, 0.12, fp, seed+1) +
			0.15*detail(a, b, 0.5, fp, seed+2)
		r, g, bl = cr*k, cg*k, cb*k
		floorH, colW := float64(f.p1), float64(f.p2)
		var glass float64
		if b < floorH {
			glass = band(b, 0.4, floorH-0.6, fp) * periodic(a, 2*colW, 0.12, 0.88, fp) // shop fronts
		} else {
			glass = periodic(a, colW, 0.28, 0.72, fp) * periodic(b, floorH, 0.3, 0.78, fp)
		}
		if glass > 0 {
			cell := unit(hash3(int64(math.Floor(a/colW)), int64(math.Floor(b/floorH)), seed+3))
			gk := 0.6 + 0.8*cell + 0.4*detail(a, b, 0.25, fp, seed+4)
			gr, gg, gb := float64(f.color2[0])*gk, float64(f.color2[1])*gk, float64(f.color2[2])*gk
			r, g, bl = mix(r, gr, glass), mix(g, gg, glass), mix(bl, gb, glass)
		}
		return
	case matRoof:
		k := 0.35 + 0.15*valueNoise(a*0.5, b*0.5, seed) + 0.2*detail(a, b, 0.2, fp, seed+1)
		return k, k, k * 1.05
	case matTrunk:
		k := 0.8 + 0.4*detail(a*3, b*0.5, 0.1, fp, seed) + 0.2*detail(a, b, 0.05, fp, seed+1)
		return cr * k, cg * k, cb * k
	case matCanopy:
		k := 0.75 + 0.5*(valueNoise(a*1.2, b*1.2, seed)-0.5) + 0.7*detail(a, b, 0.12, fp, seed+1) +
			0.5*detail(a, b, 0.35, fp, seed+2)
		return cr * k, cg * k, cb * k
	case matPole, matKerb:
		k := 0.95 + 0.2*(valueNoise(a*2, b*2, seed)-0.5) + 0.2*detail(a, b, 0.05, fp, seed+1)
		return cr * k, cg * k, cb * k
	case matCarBody:
		// Paint is smooth in reality, but a textureless panel gives a photometric loss nothing to hold on
		// to; reflections and grime put gradients on it.
		k := 1 + 0.3*(valueNoise(a*1.5, b*1.5, seed)-0.5) + 0.35*detail(a, b, 0.15, fp, seed+1) +
			0.25*detail(a, b, 0.05, fp, seed+6)
		r, g, bl = cr*k+0.04, cg*k+0.04, cb*k+0.04
		// Door seams, a trim line and a dark sill give the panels edges to track.
		dark := periodic(a, 1.15, 0.47, 0.53, fp) + band(b, 0.38, 0.43, fp) + band(b, -1, 0.12, fp)
		dark = min(dark, 1)
		return mix(r, 0.08, dark), mix(g, 0.08, dark), mix(bl, 0.09, dark)
	case matCarGlass:
		k := 0.14 + 0.15*valueNoise(a*2, b*2, seed) + 0.2*detail(a, b, 0.1, fp, seed+1)
		pillar := periodic(a, 1.1, -0.07, 0.07, fp) + band(b, float64(f.p1)-0.06, 10, fp)
		pillar = min(pillar, 1)
		return mix(k, cr, pillar), mix(k*1.1, cg, pillar), mix(k*1.25, cb, pillar)
	case matWheel:
		k := 0.07 + 0.06*valueNoise(a*8, b*8, seed) + 0.15*band(b, 0.2, 0.4, fp)*band(a, 0.05, 0.2, fp)
		return k, k, k
	case matPedestrian:
		h := float64(f.p1)
		switch {
		case b < 0.47*h:
			r, g, bl = float64(f.color2[0]), float64(f.color2[1]), float64(f.color2[2])
		case b < 0.85*h:
			r, g, bl = cr, cg, cb
		default:
			r, g, bl = 0.62, 0.45, 0.35
		}
		k := 0.85 + 0.3*detail(a, b, 0.06, fp, seed)
		return r * k, g * k, bl * k
	}
	return cr, cg, cb
}
