package sim

import "math"

// The renderer draws planar convex polygons (box faces and the ground) with a pinhole camera. Instead of
// interpolating vertex attributes, every pixel intersects its own ray with the face's plane: 1/z and the
// texture coordinates divided by z are affine in pixel coordinates, so this is perspective-correct and
// the depth is exact to rounding, which the geometry tests rely on.

const (
	nearPlane  = 0.05 // metres; geometry closer than this is clipped away
	maxPolyLen = 8    // a quad clipped by two planes has at most 6 vertices
)

// sunDir points towards the sun in the world frame (y down, so negative y is up).
var sunDir = normalize([3]float64{0.45, -0.8, 0.35})

const (
	ambient = 0.55
	diffuse = 0.55
)

// face is one polygon prepared for the current frame.
type face struct {
	n      int
	px, py [maxPolyLen]float64 // screen polygon in pixels (pixel centres at integers)
	y0, y1 int                 // rows it may cover, clamped to the image
	zmin   float64

	iz0, izu, izv    float64 // 1/z = iz0 + izu·u + izv·v
	a0, au, av, aOff float64 // a = z·(a0 + au·u + av·v) − aOff
	b0, bu, bv, bOff float64
	absC             float64 // |distance of the plane from the camera|, for the footprint

	shade         float32
	mat           material
	dynamic       bool
	color, color2 [3]float32
	p1, p2        float32
	seed          uint32
}

// camera is the per-frame view.
type camera struct {
	w, h           int
	fx, fy, cx, cy float64
	far            float64
	camFromWorld   Pose
	pos            [3]float64 // camera centre in the world
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func scale(a [3]float64, k float64) [3]float64 { return [3]float64{a[0] * k, a[1] * k, a[2] * k} }

func add3(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func normalize(a [3]float64) [3]float64 { return scale(a, 1/math.Sqrt(dot(a, a))) }

// quad describes a planar rectangle in the world and how its texture is laid on it.
type quad struct {
	corners [4][3]float64 // convex, in order
	normal  [3]float64    // outward unit normal
	texO    [3]float64    // texture origin
	e1, e2  [3]float64    // unit texture axes: a = e1·(X − texO), b = e2·(X − texO)
}

// clipZ keeps the part of polygon in on the side z ≥ lim (keepAbove) or z ≤ lim, Sutherland–Hodgman.
func clipZ(in [][3]float64, out [][3]float64, lim float64, keepAbove bool) [][3]float64 {
	out = out[:0]
	inside := func(p [3]float64) bool {
		if keepAbove {
			return p[2] >= lim
		}
		return p[2] <= lim
	}
	for i := range in {
		a, b := in[i], in[(i+1)%len(in)]
		ina, inb := inside(a), inside(b)
		if ina {
			out = append(out, a)
		}
		if ina != inb {
			t := (lim - a[2]) / (b[2] - a[2])
			out = append(out, [3]float64{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1]), lim})
		}
	}
	return out
}

// addQuad culls, clips and projects q and appends the prepared face to faces. tmpl carries the material.
func (c *camera) addQuad(faces []face, q *quad, tmpl *face) []face {
	if dot(q.normal, sub(c.pos, q.corners[0])) <= 1e-9 {
		return faces // back face (or edge-on)
	}
	var bufA, bufB [maxPolyLen][3]float64
	poly := bufA[:4]
	for i, p := range q.corners {
		poly[i] = c.camFromWorld.Apply(p)
	}
	poly = clipZ(poly, bufB[:0], nearPlane, true)
	if len(poly) < 3 {
		return faces
	}
	poly = clipZ(poly, bufA[:0], c.far, false)
	if len(poly) < 3 {
		return faces
	}
	f := *tmpl
	f.n = len(poly)
	minx, maxx, miny, maxy := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	f.zmin = math.Inf(1)
	for i, p := range poly {
		u := c.fx*p[0]/p[2] + c.cx
		v := c.fy*p[1]/p[2] + c.cy
		f.px[i], f.py[i] = u, v
		minx, maxx = min(minx, u), max(maxx, u)
		miny, maxy = min(miny, v), max(maxy, v)
		f.zmin = min(f.zmin, p[2])
	}
	if maxx < 0 || minx > float64(c.w-1) || maxy < 0 || miny > float64(c.h-1) {
		return faces
	}
	f.y0 = int(math.Ceil(max(miny, 0)))
	f.y1 = int(math.Floor(min(maxy, float64(c.h-1))))
	if f.y0 > f.y1 {
		return faces
	}

	// Plane n·X = k in camera coordinates; for the ray X = z·(xn, yn, 1): 1/z = n·(xn, yn, 1)/k.
	n := c.camFromWorld.rotate(q.normal)
	k := dot(n, poly[0])
	if k > -1e-12 {
		return faces
	}
	f.absC = -k
	f.izu = n[0] / (c.fx * k)
	f.izv = n[1] / (c.fy * k)
	f.iz0 = (n[2] - n[0]*c.cx/c.fx - n[1]*c.cy/c.fy) / k
	o := c.camFromWorld.Apply(q.texO)
	e := c.camFromWorld.rotate(q.e1)
	f.au, f.av, f.a0, f.aOff = e[0]/c.fx, e[1]/c.fy, e[2]-e[0]*c.cx/c.fx-e[1]*c.cy/c.fy, dot(e, o)
	e = c.camFromWorld.rotate(q.e2)
	f.bu, f.bv, f.b0, f.bOff = e[0]/c.fx, e[1]/c.fy, e[2]-e[0]*c.cx/c.fx-e[1]*c.cy/c.fy, dot(e, o)
	f.shade = float32(ambient + diffuse*max(0, dot(q.normal, sunDir)))
	return append(faces, f)
}

// addBox appends the visible faces of box b placed with its bottom centre at world point p and the
// road heading th. The bottom face is never visible from above the ground and is skipped.
func (c *camera) addBox(faces []face, b *box, p [3]float64, th float64, dynamic bool) []face {
	sn, cs := math.Sincos(th)
	fwd := [3]float64{sn, 0, cs}
	right := [3]float64{cs, 0, -sn}
	up := [3]float64{0, -1, 0}
	hl, hw := b.length/2, b.width/2
	top := scale(up, b.height)
	tmpl := face{mat: b.mat, dynamic: dynamic, color: b.color, color2: b.color2, p1: b.p1, p2: b.p2, seed: b.seed}

	// Four sides: outward normal, half-extent along it, and half-extent of the side itself.
	sides := [4]struct {
		n      [3]float64
		ext, w float64
	}{{fwd, hl, hw}, {scale(fwd, -1), hl, hw}, {right, hw, hl}, {scale(right, -1), hw, hl}}
	var q quad
	for _, sd := range sides {
		e1 := cross(scale(sd.n, -1), up) // to the right, seen from outside
		centre := add3(p, scale(sd.n, sd.ext))
		bl := sub(centre, scale(e1, sd.w))
		br := add3(centre, scale(e1, sd.w))
		q = quad{
			corners: [4][3]float64{bl, br, add3(br, top), add3(bl, top)},
			normal:  sd.n, texO: bl, e1: e1, e2: up,
		}
		faces = c.addQuad(faces, &q, &tmpl)
	}

	// The top: roofs and car roofs get their own look.
	tt := tmpl
	switch b.mat {
	case matBuilding:
		tt.mat = matRoof
	case matCarGlass:
		tt.mat = matCarBody
	case matPedestrian:
		tt.mat, tt.color = matTrunk, [3]float32{0.18, 0.12, 0.08} // hair
	}
	o := add3(sub(sub(p, scale(right, hw)), scale(fwd, hl)), top)
	q = quad{
		corners: [4][3]float64{o, add3(o, scale(right, b.width)), add3(add3(o, scale(right, b.width)), scale(fwd, b.length)), add3(o, scale(fwd, b.length))},
		normal:  up, texO: o, e1: right, e2: fwd,
	}
	return c.addQuad(faces, &q, &tt)
}

// addGround appends the road plane as one quad centred under the camera, reaching the draw distance.
// Its texture coordinates are world x and z, which the ground shader maps to road coordinates.
func (c *camera) addGround(faces []face, groundY float64) []face {
	x, z, r := c.pos[0], c.pos[2], c.far*1.5
	q := quad{
		corners: [4][3]float64{{x - r, groundY, z - r}, {x + r, groundY, z - r}, {x + r, groundY, z + r}, {x - r, groundY, z + r}},
		normal:  [3]float64{0, -1, 0},
		e1:      [3]float64{1, 0, 0}, e2: [3]float64{0, 0, 1},
	}
	return c.addQuad(faces, &q, &face{mat: matGround})
}

// rasterRow resolves visibility for image row v: iz gets the nearest 1/z (0 where nothing is drawn) and id
// the index of the face seen there (−1 for sky).
func (c *camera) rasterRow(v int, faces []face, iz []float64, id []int32) {
	for i := range iz {
		iz[i] = 0
		id[i] = -1
	}
	fv := float64(v)
	xmax := float64(c.w - 1)
	for fi := range faces {
		f := &faces[fi]
		if v < f.y0 || v > f.y1 {
			continue
		}
		xl, xr := math.Inf(1), math.Inf(-1)
		for k := 0; k < f.n; k++ {
			j := k + 1
			if j == f.n {
				j = 0
			}
			ya, yb := f.py[k], f.py[j]
			if (ya <= fv && fv < yb) || (yb <= fv && fv < ya) {
				x := f.px[k] + (fv-ya)*(f.px[j]-f.px[k])/(yb-ya)
				xl = min(xl, x)
				xr = max(xr, x)
			}
		}
		if !(xl <= xr) || xr < 0 || xl > xmax {
			continue
		}
		u0 := int(math.Ceil(max(xl, 0)))
		u1 := int(math.Floor(min(xr, xmax)))
		row := f.iz0 + f.izv*fv
		for u := u0; u <= u1; u++ {
			z := row + f.izu*float64(u)
			if z > iz[u] {
				iz[u] = z
				id[u] = int32(fi)
			}
		}
	}
}
