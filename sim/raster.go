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

	light         [3]float32 // ambient + direct light on the face (emissive: its gain)
	mat           material
	side          uint8   // which face of its box: sideFront, sideBack, sideRight, sideLeft, sideTop, sideBottom
	mask          byte    // the motion-mask value of its pixels (fileio.SeqMask*)
	fw, fh        float32 // the face's extent along a and b, metres
	color, color2 [3]float32
	p1, p2, p3    float32
	seed          uint32
}

// Faces of a box, in its own frame.
const (
	sideFront uint8 = iota // along its heading
	sideBack
	sideRight
	sideLeft
	sideTop
	sideBottom
)

// camera is the per-frame view.
type camera struct {
	w, h           int
	fx, fy, cx, cy float64
	far            float64
	camFromWorld   Pose
	pos            [3]float64 // camera centre in the world
	light          *lighting
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
	if matInfo[f.mat].emissive {
		f.light = [3]float32{1, 1, 1}
	} else {
		f.light = c.light.faceLight(q.normal)
	}
	return append(faces, f)
}

// boxFrame is where a box stands in the world: its bottom centre and its own axes.
type boxFrame struct {
	p, fwd, right, up [3]float64
}

// uprightFrame stands a box at p turned th about the vertical.
func uprightFrame(p [3]float64, th float64) boxFrame {
	sn, cs := math.Sincos(th)
	return boxFrame{p: p, fwd: [3]float64{sn, 0, cs}, right: [3]float64{cs, 0, -sn}, up: [3]float64{0, -1, 0}}
}

// swung rocks an upright frame by angle a about its right axis through the centre of its top, h above p:
// positive swings the bottom forward.
func (f boxFrame) swung(a, h float64) boxFrame {
	sn, cs := math.Sincos(a)
	pivot := add3(f.p, scale(f.up, h))
	up := sub(scale(f.up, cs), scale(f.fwd, sn))
	fwd := add3(scale(f.fwd, cs), scale(f.up, sn))
	return boxFrame{p: sub(pivot, scale(up, h)), fwd: fwd, right: f.right, up: up}
}

// corners returns the eight corners of box b in frame f, bottom four first.
func (f *boxFrame) corners(b *box) [8][3]float64 {
	hl, hw := b.length/2, b.width/2
	var out [8][3]float64
	k := 0
	for _, h := range []float64{0, b.height} {
		for _, c := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
			out[k] = add3(add3(f.p, scale(f.fwd, c[0]*hl)), add3(scale(f.right, c[1]*hw), scale(f.up, h)))
			k++
		}
	}
	return out
}

// addBox appends the visible faces of box b standing in frame fr, whose pixels get motion-mask value mask.
// Back faces (the bottom seen from above, among them) are culled in addQuad.
func (c *camera) addBox(faces []face, b *box, fr *boxFrame, mask byte) []face {
	fwd, right, up, p := fr.fwd, fr.right, fr.up, fr.p
	hl, hw := b.length/2, b.width/2
	top := scale(up, b.height)
	tmpl := face{mat: b.mat, mask: mask, color: b.color, color2: b.color2, p1: b.p1, p2: b.p2, p3: b.p3, seed: b.seed}

	// Four sides: outward normal, half-extent along it, and half-extent of the side itself.
	sides := [4]struct {
		n      [3]float64
		ext, w float64
	}{{fwd, hl, hw}, {scale(fwd, -1), hl, hw}, {right, hw, hl}, {scale(right, -1), hw, hl}}
	var q quad
	for k, sd := range sides {
		if dot(sd.n, sub(c.pos, p)) <= sd.ext {
			continue // back face: quicker here than in addQuad
		}
		e1 := cross(scale(sd.n, -1), up) // to the right, seen from outside
		centre := add3(p, scale(sd.n, sd.ext))
		bl := sub(centre, scale(e1, sd.w))
		br := add3(centre, scale(e1, sd.w))
		q = quad{
			corners: [4][3]float64{bl, br, add3(br, top), add3(bl, top)},
			normal:  sd.n, texO: bl, e1: e1, e2: up,
		}
		tmpl.side, tmpl.fw, tmpl.fh = uint8(k), float32(2*sd.w), float32(b.height)
		faces = c.addQuad(faces, &q, &tmpl)
	}

	// The top and bottom: roofs, car roofs and hair get their own look.
	tt := tmpl
	switch b.mat {
	case matBuilding:
		tt.mat = matRoof
	case matCarGlass, matVanBody:
		tt.mat = matCarBody
	case matSkin:
		tt.mat, tt.color = matHair, b.color2
	}
	tt.fw, tt.fh = float32(b.width), float32(b.length)
	rel := dot(up, sub(c.pos, p))
	if rel > b.height {
		o := add3(sub(sub(p, scale(right, hw)), scale(fwd, hl)), top)
		q = quad{
			corners: [4][3]float64{o, add3(o, scale(right, b.width)), add3(add3(o, scale(right, b.width)), scale(fwd, b.length)), add3(o, scale(fwd, b.length))},
			normal:  up, texO: o, e1: right, e2: fwd,
		}
		tt.side = sideTop
		faces = c.addQuad(faces, &q, &tt)
	} else if rel < 0 && b.up > 0 {
		o := sub(sub(p, scale(right, hw)), scale(fwd, hl))
		q = quad{
			corners: [4][3]float64{o, add3(o, scale(right, b.width)), add3(add3(o, scale(right, b.width)), scale(fwd, b.length)), add3(o, scale(fwd, b.length))},
			normal:  scale(up, -1), texO: o, e1: right, e2: fwd,
		}
		tt.side = sideBottom
		if b.mat == matBuilding {
			tt.mat = matBuilding
		}
		faces = c.addQuad(faces, &q, &tt)
	}
	return faces
}

// addPlane appends the horizontal plane y = planeY as one quad centred under (or over) the camera,
// reaching the draw distance, facing the camera. Its texture coordinates are world x and z, which the
// shader maps to road coordinates.
func (c *camera) addPlane(faces []face, planeY float64, mat material) []face {
	x, z, r := c.pos[0], c.pos[2], c.far*1.5
	n := [3]float64{0, -1, 0}
	if c.pos[1] > planeY {
		n[1] = 1
	}
	q := quad{
		corners: [4][3]float64{{x - r, planeY, z - r}, {x + r, planeY, z - r}, {x + r, planeY, z + r}, {x - r, planeY, z + r}},
		normal:  n,
		e1:      [3]float64{1, 0, 0}, e2: [3]float64{0, 0, 1},
	}
	return c.addQuad(faces, &q, &face{mat: mat})
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

// Shadows are drawn on the ground only: a box's shadow is the convex hull of its corners projected along the
// light onto the ground plane, a polygon on the plane that is projected into the image like a face. Under
// vehicles and furniture a second, vertical projection of the footprint darkens the ambient light (ambient
// occlusion at the ground contact). Both are static on the ground for static casters, as real shadows are.

const maxShadowLen = 12

// shadowPoly is a shadow prepared for the current frame, in pixels.
type shadowPoly struct {
	n      int
	px, py [maxShadowLen]float64
	y0, y1 int
	k      float32 // strength: the fraction of the direct (sun) or ambient (ao) light removed
	ao     bool
}

// hull2 returns the convex hull (counter-clockwise, in x and z) of pts, Andrew's monotone chain, in place.
func hull2(pts [][2]float64, out *[maxShadowLen][2]float64) int {
	// Insertion sort: at most eight points.
	for i := 1; i < len(pts); i++ {
		for j := i; j > 0 && (pts[j][0] < pts[j-1][0] || (pts[j][0] == pts[j-1][0] && pts[j][1] < pts[j-1][1])); j-- {
			pts[j], pts[j-1] = pts[j-1], pts[j]
		}
	}
	crossZ := func(o, a, b [2]float64) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	k := 0
	for _, p := range pts {
		for k >= 2 && crossZ(out[k-2], out[k-1], p) <= 0 {
			k--
		}
		out[k] = p
		k++
	}
	lo := k + 1
	for i := len(pts) - 2; i >= 0; i-- {
		p := pts[i]
		for k >= lo && crossZ(out[k-2], out[k-1], p) <= 0 {
			k--
		}
		out[k] = p
		k++
	}
	return k - 1
}

// addShadow projects the ground polygon poly (world x, z on the plane y = groundY) into the image.
func (c *camera) addShadow(shadows []shadowPoly, poly [][2]float64, groundY float64, k float32, ao bool) []shadowPoly {
	var bufA, bufB [maxShadowLen][3]float64
	p := bufA[:len(poly)]
	for i, q := range poly {
		p[i] = c.camFromWorld.Apply([3]float64{q[0], groundY, q[1]})
	}
	p = clipZ(p, bufB[:0], nearPlane, true)
	if len(p) < 3 {
		return shadows
	}
	p = clipZ(p, bufA[:0], c.far, false)
	if len(p) < 3 {
		return shadows
	}
	sp := shadowPoly{n: len(p), k: k, ao: ao}
	minx, maxx, miny, maxy := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i, q := range p {
		u := c.fx*q[0]/q[2] + c.cx
		v := c.fy*q[1]/q[2] + c.cy
		sp.px[i], sp.py[i] = u, v
		minx, maxx = min(minx, u), max(maxx, u)
		miny, maxy = min(miny, v), max(maxy, v)
	}
	if maxx < 0 || minx > float64(c.w-1) || maxy < 0 || miny > float64(c.h-1) {
		return shadows
	}
	sp.y0 = int(math.Ceil(max(miny, 0)))
	sp.y1 = int(math.Floor(min(maxy, float64(c.h-1))))
	if sp.y0 > sp.y1 {
		return shadows
	}
	return append(shadows, sp)
}

// castShadow adds the shadow of a box (its corners) cast by light from direction sun onto y = groundY.
func (c *camera) castShadow(shadows []shadowPoly, corners *[8][3]float64, sun [3]float64, groundY float64, k float32) []shadowPoly {
	var pts [8][2]float64
	for i, p := range corners {
		t := max(0, (groundY-p[1])/(-sun[1]))
		pts[i] = [2]float64{p[0] - t*sun[0], p[2] - t*sun[2]}
	}
	var hull [maxShadowLen][2]float64
	n := hull2(pts[:], &hull)
	if n < 3 {
		return shadows
	}
	return c.addShadow(shadows, hull[:n], groundY, k, false)
}

// occlusion adds the darkened ground under a box standing on or just above it: its footprint grown by grow.
func (c *camera) occlusion(shadows []shadowPoly, fr *boxFrame, b *box, grow float64, groundY float64, k float32) []shadowPoly {
	hl, hw := b.length/2+grow, b.width/2+grow
	var poly [4][2]float64
	for i, s := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
		p := add3(fr.p, add3(scale(fr.fwd, s[0]*hl), scale(fr.right, s[1]*hw)))
		poly[i] = [2]float64{p[0], p[2]}
	}
	return c.addShadow(shadows, poly[:], groundY, k, true)
}

// shadowRow fills sun[u] and ao[u] with the strongest shadow over each pixel of row v, anti-aliased along
// the row.
func (c *camera) shadowRow(v int, shadows []shadowPoly, sun, ao []float32) {
	for i := range sun {
		sun[i] = 0
		ao[i] = 0
	}
	fv := float64(v)
	xmax := float64(c.w - 1)
	for si := range shadows {
		sp := &shadows[si]
		if v < sp.y0 || v > sp.y1 {
			continue
		}
		xl, xr := math.Inf(1), math.Inf(-1)
		for k := 0; k < sp.n; k++ {
			j := k + 1
			if j == sp.n {
				j = 0
			}
			ya, yb := sp.py[k], sp.py[j]
			if (ya <= fv && fv < yb) || (yb <= fv && fv < ya) {
				x := sp.px[k] + (fv-ya)*(sp.px[j]-sp.px[k])/(yb-ya)
				xl = min(xl, x)
				xr = max(xr, x)
			}
		}
		if !(xl <= xr) || xr < -0.5 || xl > xmax+0.5 {
			continue
		}
		dst := sun
		if sp.ao {
			dst = ao
		}
		u0 := int(math.Floor(max(xl+0.5, 0)))
		u1 := int(math.Ceil(min(xr-0.5, xmax)))
		for u := u0; u <= u1; u++ {
			fu := float64(u)
			cov := min(fu-xl+0.5, xr-fu+0.5, 1)
			if cov <= 0 {
				continue
			}
			if s := float32(cov) * sp.k; s > dst[u] {
				dst[u] = s
			}
		}
	}
}
