package sim

import "math"

// lighting is the scene's light, fixed in the world for the whole sequence: a directional sun (indoors a
// key light from the ceiling), a sky (hemisphere) ambient, and the sky and fog colours.
type lighting struct {
	sun     [3]float64 // unit vector towards the sun, world frame (y down)
	sunCol  [3]float64 // direct light on a face turned to the sun
	ambient [3]float64 // sky light on an upward face; vertical faces get 0.775 of it, downward 0.55
	shadow  float64    // fraction of the direct light a cast shadow removes
	aoK     float64    // fraction of the ambient light removed under a vehicle or piece of furniture

	zenith, horizon [3]float64 // sky gradient
	glow            [3]float64 // colour of the sky round the sun
	cloud           float64    // cloud cover
	cloudCol        [3]float64
	fog             float64 // density, 1/m
	fogCol          [3]float64
	indoor          bool
}

// sunElevation is the sun's elevation in degrees at hour t: 60° at noon, on the horizon at 6 and 18 h
// (an equinox at mid latitude), kept 4° above it so that shadows stay finite.
func sunElevation(t float64) float64 { return max(4, 60*math.Sin(math.Pi*(t-6)/12)) }

// sunAzimuth is the sun's compass azimuth in degrees at hour t: east at 6 h, south at noon, west at 18 h.
func sunAzimuth(t float64) float64 { return 180 + 15*(t-12) }

func lerp3(a, b [3]float64, t float64) [3]float64 {
	return [3]float64{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

func smoothstep(lo, hi, x float64) float64 {
	t := min(max((x-lo)/(hi-lo), 0), 1)
	return t * t * (3 - 2*t)
}

func newLighting(c Config) lighting {
	var L lighting
	L.fog = c.FogDensity
	L.cloud = c.CloudCover
	if c.World == WorldIndoor {
		L.indoor = true
		L.sun = normalize([3]float64{0.3, -1, 0.25})
		L.sunCol = [3]float64{0.42, 0.40, 0.36}
		L.ambient = [3]float64{0.62, 0.60, 0.56}
		L.shadow, L.aoK = 0.55, 0.5
		L.fogCol = [3]float64{0.7, 0.7, 0.7}
		L.horizon = [3]float64{1.3, 1.32, 1.38} // what windows show: overexposed daylight
		L.zenith = L.horizon
		return L
	}
	el := sunElevation(c.TimeOfDay) * math.Pi / 180
	az := (sunAzimuth(c.TimeOfDay) - c.Heading) * math.Pi / 180
	se, ce := math.Sincos(el)
	sa, ca := math.Sincos(az)
	// The road heads along +z at frame 0 with +x to its right: compass east of the heading is +x.
	L.sun = [3]float64{ce * sa, -se, ce * ca}

	low := smoothstep(25, 3, el*180/math.Pi) // 1 at sunrise and sunset, 0 from 25° up
	cl := L.cloud
	sunI := 0.9 * (1 - 0.8*cl*cl) * (1 - 0.35*low)
	L.sunCol = scale(lerp3([3]float64{1.0, 0.96, 0.88}, [3]float64{1.0, 0.62, 0.36}, low), sunI)
	L.ambient = scale(lerp3([3]float64{0.30, 0.34, 0.43}, [3]float64{0.55, 0.56, 0.59}, cl), 1+0.3*cl)
	// Auto-exposure: the sunlit road comes out about as bright at dusk as at noon.
	k := 0.98 / (dot(L.ambient, [3]float64{0.3, 0.59, 0.11}) + dot(L.sunCol, [3]float64{0.3, 0.59, 0.11})*se)
	L.sunCol, L.ambient = scale(L.sunCol, k), scale(L.ambient, k)
	L.shadow, L.aoK = 1, 0.55

	L.zenith = lerp3([3]float64{0.30, 0.50, 0.86}, [3]float64{0.32, 0.40, 0.66}, low)
	L.horizon = lerp3([3]float64{0.78, 0.84, 0.92}, [3]float64{0.92, 0.74, 0.58}, low)
	L.glow = lerp3([3]float64{1.0, 0.98, 0.92}, [3]float64{1.0, 0.66, 0.34}, low)
	overcast := [3]float64{0.70, 0.72, 0.75}
	L.zenith = lerp3(L.zenith, overcast, cl*cl)
	L.horizon = lerp3(L.horizon, [3]float64{0.80, 0.81, 0.83}, cl*cl)
	L.cloudCol = lerp3([3]float64{0.97, 0.97, 0.98}, [3]float64{1.0, 0.78, 0.62}, low)
	L.fogCol = lerp3(L.horizon, [3]float64{0.76, 0.77, 0.79}, 0.5)
	return L
}

// faceLight is the light a face with outward normal n receives, without cast shadows.
func (L *lighting) faceLight(n [3]float64) [3]float32 {
	hemi := 0.775 - 0.225*n[1] // n[1] = −1 faces up
	d := max(0, dot(n, L.sun))
	return [3]float32{
		float32(L.ambient[0]*hemi + L.sunCol[0]*d),
		float32(L.ambient[1]*hemi + L.sunCol[1]*d),
		float32(L.ambient[2]*hemi + L.sunCol[2]*d),
	}
}

// skyColor colours a view ray (world direction, not normalised): a gradient on elevation, the sun and its
// glow, and clouds projected on a plane at infinity, so the sky moves only with the camera's rotation, as the
// real one does.
func (L *lighting) skyColor(dx, dy, dz float64) (r, g, b float64) {
	hor := math.Sqrt(dx*dx + dz*dz)
	e := -dy / hor // tangent of elevation
	t := min(max(e*2.2, 0), 1)
	t = math.Sqrt(t)
	r, g, b = mix(L.horizon[0], L.zenith[0], t), mix(L.horizon[1], L.zenith[1], t), mix(L.horizon[2], L.zenith[2], t)
	if e < 0 {
		return // below the horizon (seen past the draw distance): haze
	}
	inv := 1 / math.Sqrt(dx*dx+dy*dy+dz*dz)
	cs := (dx*L.sun[0] + dy*L.sun[1] + dz*L.sun[2]) * inv
	clear := 1 - L.cloud
	if cs > 0 {
		c2 := cs * cs
		c8 := c2 * c2
		c8 *= c8
		gl := (0.35*c8 + 0.12*c2) * (0.3 + 0.7*clear)
		if cs > 0.99985 {
			gl += 3 * clear // the disc, saturated
		}
		r, g, b = r+gl*L.glow[0], g+gl*L.glow[1], b+gl*L.glow[2]
	}
	if e > 0.015 {
		u, v := dx/(-dy), dz/(-dy)
		n := valueNoise(u*1.3, v*1.3, 41)*0.55 + valueNoise(u*3.7, v*3.7, 42)*0.3 + valueNoise(u*11, v*11, 43)*0.15
		th := 0.78 - 0.5*L.cloud
		c := smoothstep(th-0.05, th+0.18, n) * min((e-0.015)*10, 1)
		if c > 0 {
			// Thick clouds are grey underneath.
			k := 1 - 0.45*smoothstep(th, th+0.35, n)*(0.4+0.6*L.cloud)
			r, g, b = mix(r, L.cloudCol[0]*k, c), mix(g, L.cloudCol[1]*k, c), mix(b, L.cloudCol[2]*k, c)
		}
	}
	return
}
