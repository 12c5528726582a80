package sim

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// groundDepth is the depth at which pixel (u, v) of a camera tilted by tilt (rig_from_camera) on a level rig
// h above the ground sees the ground, and the ground point's lateral offset in the rig frame; ok is false
// above the horizon.
func groundDepth(c Config, tilt Pose, u, v int) (z, x float64, ok bool) {
	r := [3]float64{(float64(u) - c.Cx) / c.Fx, (float64(v) - c.Cy) / c.Fy, 1}
	rr := tilt.rotate(r)
	if rr[1] <= 1e-9 {
		return 0, 0, false
	}
	k := c.CameraHeight / rr[1]
	return k, k * rr[0], true // the camera-frame depth of r·k is k (r has z = 1)
}

// The road stays the plane y = h at every camera height: a level camera sees it in row v at
// z = h·fy/(v − cy), and a pitched and rolled one where its rotated rays meet the plane.
func TestGroundDepthAtHeightsAndTilts(t *testing.T) {
	for _, tc := range []struct{ h, pitch, roll float64 }{{0.3, 0, 0}, {1.0, 0, 0}, {2.0, 0, 0}, {1.2, 8, 0}, {0.6, -3, 4}} {
		cfg := quietConfig()
		cfg.CameraHeight, cfg.CameraPitch, cfg.CameraRoll = tc.h, tc.pitch, tc.roll
		w, err := NewWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := w.Config()
		tilt := IdentityPose()
		if w.sc.tilted {
			tilt = w.sc.tilt
		}
		if w.Pose(0) != IdentityPose() && !isIdentity(w.Pose(0), 1e-12) {
			t.Fatalf("%+v: pose of frame 0 %+v, want the identity", tc, w.Pose(0))
		}
		for _, i := range []int{0, 7} {
			f := render(t, w, i)
			checked := 0
			for v := 0; v < c.Height; v++ {
				for u := 0; u < c.Width; u++ {
					want, x, ok := groundDepth(c, tilt, u, v)
					if !ok || want > 150 || math.Abs(x) > 4.5 {
						continue
					}
					if tc.pitch == 0 && tc.roll == 0 {
						want = c.CameraHeight * c.Fy / (float64(v) - c.Cy)
					}
					got := float64(f.Depth[v*c.Width+u])
					if math.Abs(got-want) > 1e-3*want {
						t.Fatalf("%+v frame %d pixel (%d,%d): depth %v, ray–plane intersection %v", tc, i, u, v, got, want)
					}
					checked++
				}
			}
			if checked < 3000 {
				t.Fatalf("%+v frame %d: only %d road pixels checked", tc, i, checked)
			}
		}
	}
}

func isIdentity(p Pose, tol float64) bool {
	id := IdentityPose()
	for k := range p.R {
		if math.Abs(p.R[k]-id.R[k]) > tol {
			return false
		}
	}
	return math.Abs(p.T[0]) <= tol && math.Abs(p.T[1]) <= tol && math.Abs(p.T[2]) <= tol
}

// A tilted camera's poses are the level rig's seen from the tilted frame 0: relative motion between
// frames is the rig's, conjugated by the tilt.
func TestTiltedPosesAreRebased(t *testing.T) {
	cfg := quietConfig()
	cfg.CameraPitch, cfg.CameraRoll = 10, -5
	w, _ := NewWorld(cfg)
	tilt := w.sc.tilt
	for _, i := range []int{0, 5, 11} {
		want := tilt.Inverse().Mul(w.sc.rig(w.sc.cameraS(w.time(i)))).Mul(tilt)
		got := w.Pose(i)
		for k := 0; k < 9; k++ {
			if math.Abs(got.R[k]-want.R[k]) > 1e-12 || (k < 3 && math.Abs(got.T[k]-want.T[k]) > 1e-9) {
				t.Fatalf("frame %d: pose %+v, want %+v", i, got, want)
			}
		}
	}
	// The camera looks down, so driving forward moves it along its optical axis and up its image (−y).
	if p := w.Pose(11); p.T[2] <= 0 || p.T[1] >= 0 {
		t.Fatalf("frame 11 at %v in the pitched-down frame 0", p.T)
	}
}

// The camera and weather effects change the image and nothing else.
func TestEffectsChangeImageNotGroundTruth(t *testing.T) {
	base := Config{Seed: 21, Frames: 6, Vehicles: 6, Pedestrians: 4, FollowFraction: 0.3}
	effects := map[string]func(*Config){
		"fog":           func(c *Config) { c.FogDensity = 0.03 },
		"rain":          func(c *Config) { c.Rain = 1 },
		"wet road":      func(c *Config) { c.WetRoad = 1 },
		"vignetting":    func(c *Config) { c.Vignetting = 0.6 },
		"motion blur":   func(c *Config) { c.ExposureTime = 0.03 },
		"jpeg":          func(c *Config) { c.JPEGQuality = 30 },
		"white balance": func(c *Config) { c.WhiteBalance, c.ExposureJitter = 0.2, 1 },
		"noise":         func(c *Config) { c.NoiseSigma = 4 },
		"clouds":        func(c *Config) { c.CloudCover = 1 },
		"dusk":          func(c *Config) { c.TimeOfDay, c.Heading = 17.5, 120 },
	}
	w0, _ := NewWorld(base)
	ref := render(t, w0, 4)
	for name, mut := range effects {
		c := base
		mut(&c)
		w, err := NewWorld(c)
		if err != nil {
			t.Fatal(err)
		}
		f := render(t, w, 4)
		if bytes.Equal(f.RGB, ref.RGB) {
			t.Errorf("%s: the image did not change", name)
		}
		if !bytes.Equal(f.Mask, ref.Mask) || f.Pose != ref.Pose {
			t.Errorf("%s: the mask or pose changed", name)
		}
		for p := range f.Depth {
			if math.Float32bits(f.Depth[p]) != math.Float32bits(ref.Depth[p]) {
				t.Fatalf("%s: depth changed at pixel %d: %v, was %v", name, p, f.Depth[p], ref.Depth[p])
			}
		}
	}
}

// Fog pulls far pixels towards the fog colour more than near ones, by exp(−density·z).
func TestFogFollowsDepth(t *testing.T) {
	c := Config{Seed: 4, Frames: 1}
	w0, _ := NewWorld(c)
	c.FogDensity = 0.05
	w1, _ := NewWorld(c)
	a, b := render(t, w0, 0), render(t, w1, 0)
	fog := w1.sc.light.fogCol
	g := 255 * w1.gain(0) * w1.sc.ev
	checked := 0
	for p, z := range a.Depth {
		if math.IsNaN(float64(z)) {
			continue
		}
		k := math.Exp(-0.05 * float64(z))
		for ch := 0; ch < 3; ch++ {
			want := float64(a.RGB[3*p+ch])*k + g*w1.sc.wb[ch]*fog[ch]*(1-k)
			if a.RGB[3*p+ch] < 255 && want < 254 && math.Abs(float64(b.RGB[3*p+ch])-want) > 1.01 {
				t.Fatalf("pixel %d at %.1f m channel %d: %d, want %.1f (clear %d)", p, z, ch, b.RGB[3*p+ch], want, a.RGB[3*p+ch])
			}
		}
		checked++
	}
	if checked < len(a.Depth)/3 {
		t.Fatalf("only %d pixels with depth", checked)
	}
}

// Vignetting darkens the corners by the configured fraction and leaves the principal point alone.
func TestVignetting(t *testing.T) {
	c := Config{Seed: 4, Frames: 1}
	w0, _ := NewWorld(c)
	c.Vignetting = 0.5
	w1, _ := NewWorld(c)
	a, b := render(t, w0, 0), render(t, w1, 0)
	W := a.Width
	for _, px := range []struct {
		u, v int
		k    float64
	}{{0, 0, 0.5}, {W - 1, 0, 0.5}, {W / 2, 96, 1}} {
		p := 3 * (px.v*W + px.u)
		for ch := 0; ch < 3; ch++ {
			if want := float64(a.RGB[p+ch]) * px.k; math.Abs(float64(b.RGB[p+ch])-want) > 1.6 {
				t.Fatalf("pixel (%d,%d): %d, want %.1f", px.u, px.v, b.RGB[p+ch], want)
			}
		}
	}
}

// Motion blur smears what the camera passes and leaves the sky, which it does not pass, sharp.
func TestMotionBlurSparesTheSky(t *testing.T) {
	c := Config{Seed: 4, Frames: 3}
	w0, _ := NewWorld(c)
	c.ExposureTime = 0.05
	w1, _ := NewWorld(c)
	a, b := render(t, w0, 2), render(t, w1, 2)
	changed := 0
	for p, z := range a.Depth {
		same := a.RGB[3*p] == b.RGB[3*p] && a.RGB[3*p+1] == b.RGB[3*p+1] && a.RGB[3*p+2] == b.RGB[3*p+2]
		if math.IsNaN(float64(z)) && !same {
			t.Fatalf("sky pixel %d blurred", p)
		}
		if !same {
			changed++
		}
	}
	if changed < len(a.Depth)/10 {
		t.Fatalf("blur changed only %d pixels", changed)
	}
}

// Cast shadows darken ground pixels, and only those; a known point of a box's shadow is among them.
func TestShadowsDarkenGroundOnly(t *testing.T) {
	cfg := Config{Seed: 7, Frames: 1, Pedestrians: 5, TimeOfDay: 15, Heading: 330}
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A 6 m pillar at the road's edge, 20 m ahead; the sun (from the left) throws its shadow across the road.
	const s0, h = 20.0, 6.0
	pillar := box{s: s0, d: -w.sc.st.edge, length: 0.6, width: 0.6, height: h, mat: matPole, color: [3]float32{0.5, 0.5, 0.5}, mover: -1}
	w.sc.static = append(w.sc.static, pillar)
	sortStatic(w)
	c := w.Config()
	lit := render(t, w, 0)
	w.sc.noShadows = true
	flat := render(t, w, 0)
	w.sc.noShadows = false
	darker := 0
	for v := 0; v < c.Height; v++ {
		for u := 0; u < c.Width; u++ {
			p := v*c.Width + u
			a, b := lit.RGB[3*p:3*p+3], flat.RGB[3*p:3*p+3]
			if bytes.Equal(a, b) {
				continue
			}
			onGround := false
			if want, _, ok := groundDepth(c, IdentityPose(), u, v); ok {
				onGround = math.Abs(float64(lit.Depth[p])-want) < 1e-3*want
			}
			if !onGround {
				t.Fatalf("pixel (%d,%d) at %.2f m is not on the ground but its shadow changed", u, v, lit.Depth[p])
			}
			if int(a[0])+int(a[1])+int(a[2]) > int(b[0])+int(b[1])+int(b[2]) {
				t.Fatalf("pixel (%d,%d): shadow brightened it %v → %v", u, v, b, a)
			}
			darker++
		}
	}
	if darker < 2000 {
		t.Fatalf("only %d pixels in shadow", darker)
	}
	// The pillar's top centre, cast along the sun onto the road.
	L := &w.sc.light
	top, _ := w.sc.road.point(s0, -w.sc.st.edge, h)
	k := (w.sc.road.height - top[1]) / -L.sun[1]
	g := [3]float64{top[0] - k*L.sun[0], w.sc.road.height, top[2] - k*L.sun[2]}
	u, v := int(math.Round(c.Fx*g[0]/g[2]+c.Cx)), int(math.Round(c.Fy*g[1]/g[2]+c.Cy))
	if u < 0 || u >= c.Width || v < 0 || v >= c.Height {
		t.Fatalf("the shadow point (%d,%d) is out of the image", u, v)
	}
	p := v*c.Width + u
	if sl, sf := int(lit.RGB[3*p])+int(lit.RGB[3*p+1]), int(flat.RGB[3*p])+int(flat.RGB[3*p+1]); float64(sl) > 0.75*float64(sf) {
		t.Fatalf("shadow point (%d,%d) of the pillar: %d, unshadowed %d; want much darker", u, v, sl, sf)
	}
}

func sortStatic(w *World) {
	s := w.sc.static
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].s < s[j-1].s; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	for _, b := range s {
		w.sc.maxHalf = max(w.sc.maxHalf, math.Hypot(b.length, b.width)/2)
		w.sc.maxTop = max(w.sc.maxTop, b.up+b.height)
	}
}

// Indoors the floor is the plane h below the camera and the ceiling the plane above: a level camera sees
// both where the geometry says, and every pixel sees something (the building is closed).
func TestIndoorFloorAndCeilingDepth(t *testing.T) {
	for _, h := range []float64{0.4, 1.4} {
		cfg := DefaultIndoorConfig()
		cfg.Seed, cfg.Frames, cfg.Pedestrians, cfg.CameraHeight, cfg.Width, cfg.Height = 8, 40, 0, h, 320, 240
		cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 0, 0, 0, 0
		w, err := NewWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := w.Config()
		if math.Abs(c.Fx-nyuFx/2) > 1e-9 || math.Abs(c.Cy-nyuCy/2) > 1e-9 {
			t.Fatalf("indoor intrinsics at 320x240: %+v", c)
		}
		above := w.sc.ceiling - h
		for _, i := range []int{0, 20, 39} {
			f := render(t, w, i)
			pose := w.sc.pose(w.time(i))
			floor, ceil := 0, 0
			for v := 0; v < c.Height; v++ {
				for u := 0; u < c.Width; u++ {
					d := float64(f.Depth[v*c.Width+u])
					if !(d > 0) {
						t.Fatalf("h %v frame %d pixel (%d,%d): depth %v; indoors every pixel sees a surface", h, i, u, v, d)
					}
					dv := float64(v) - c.Cy
					var want float64
					switch {
					case dv > 0:
						want = h * c.Fy / dv
					case dv < 0:
						want = above * c.Fy / -dv
					default:
						continue
					}
					// The point seen, in the world: walls, doors and furniture stand at least 0.96 m from
					// the centreline (world x = d on the straight indoor path).
					pw := pose.Apply([3]float64{want * (float64(u) - c.Cx) / c.Fx, want * dv / c.Fy, want})
					if want > 6 || math.Abs(pw[0]) > 0.9 {
						continue
					}
					if math.Abs(d-want) > 1e-3*want {
						t.Fatalf("h %v frame %d pixel (%d,%d): depth %v, want %v (%s)", h, i, u, v, d, want, map[bool]string{true: "floor", false: "ceiling"}[dv > 0])
					}
					if dv > 0 {
						floor++
					} else {
						ceil++
					}
				}
			}
			if floor < 500 || ceil < 100 {
				t.Fatalf("h %v frame %d: %d floor and %d ceiling pixels checked", h, i, floor, ceil)
			}
		}
	}
}

// The defaults of the indoor world: NYU's Kinect at 640×480, hand-held height, walking speed.
func TestIndoorDefaults(t *testing.T) {
	c := Config{World: WorldIndoor}.Resolved()
	if c.Width != 640 || c.Height != 480 || c.Fx != nyuFx || c.Fy != nyuFy || c.Cx != nyuCx || c.Cy != nyuCy ||
		c.CameraHeight != 1.4 || c.MaxSpeed != 1.2 || c.LaneWidth != 0 || c.Lanes != 0 {
		t.Fatalf("indoor defaults %+v", c)
	}
	if err := DefaultIndoorConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	w, _ := NewWorld(Config{World: WorldIndoor, Frames: 2, Pedestrians: 3})
	if len(w.sc.movers) != 3 || w.sc.ceiling < 2.4 || len(w.sc.segments) < 2 {
		t.Fatalf("%d people, ceiling %v, %d segments", len(w.sc.movers), w.sc.ceiling, len(w.sc.segments))
	}
}

// The same seed gives the same bytes with every effect on, whatever the split of rows over workers.
func TestRandomizedRenderDeterministic(t *testing.T) {
	for _, world := range []string{WorldStreet, WorldIndoor} {
		cfg := Config{World: world, Seed: 77, Frames: 10, Randomize: true}
		w1, err := NewWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		w2, _ := NewWorld(cfg)
		a := render(t, w1, 6)
		prev := runtime.GOMAXPROCS(1)
		b := render(t, w2, 6)
		runtime.GOMAXPROCS(prev)
		if !bytes.Equal(a.RGB, b.RGB) || !bytes.Equal(a.Mask, b.Mask) || a.Pose != b.Pose {
			t.Fatalf("%s: same seed rendered differently", world)
		}
		for p := range a.Depth {
			if math.Float32bits(a.Depth[p]) != math.Float32bits(b.Depth[p]) {
				t.Fatalf("%s: depth differs at pixel %d", world, p)
			}
		}
	}
}

// Randomize draws per scene, within the documented ranges, reproducibly; scene.yaml records the draws.
func TestRandomizeDrawsAndRecords(t *testing.T) {
	cfg := Config{Seed: 3, Frames: 2, Width: 160, Height: 48, Randomize: true}
	r := cfg.Resolved()
	if r != r.Resolved() || r != cfg.Resolved() {
		t.Fatal("resolving a randomized config twice draws differently")
	}
	seen := map[float64]bool{}
	for k := 0; k < 40; k++ {
		c := Config{Seed: SceneSeed(5, k), Randomize: true, Width: 160, Height: 48}.Resolved()
		if err := c.Validate(); err != nil {
			t.Fatalf("scene %d: draw out of range: %v", k, err)
		}
		switch {
		case c.CameraHeight < 0.3 || c.CameraHeight > 2.0, c.CameraPitch < -3 || c.CameraPitch > 10,
			c.TimeOfDay < 6.5 || c.TimeOfDay > 18, c.Fx/160 < 0.5 || c.Fx/160 > 1.1, c.Fx != c.Fy,
			c.LaneWidth < 2.8 || c.LaneWidth > 4, c.Vehicles > 20, c.FollowFraction > 0.5:
			t.Fatalf("scene %d: draw outside the documented ranges: %+v", k, c)
		}
		seen[c.CameraHeight] = true
		in := Config{Seed: SceneSeed(5, k), Randomize: true, World: WorldIndoor, Vehicles: 9, Lanes: 2}.Resolved()
		if err := in.Validate(); err != nil || in.Rain != 0 || in.Vehicles != 0 || in.CameraHeight > 1.7 {
			t.Fatalf("indoor scene %d: %v %+v", k, err, in)
		}
	}
	if len(seen) < 40 {
		t.Fatalf("only %d different camera heights in 40 scenes", len(seen))
	}

	dir := t.TempDir()
	if err := WriteSequence(dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, SceneFile))
	if err != nil {
		t.Fatal(err)
	}
	var info SceneInfo
	if err := yaml.Unmarshal(raw, &info); err != nil {
		t.Fatal(err)
	}
	if info.Config != r || !info.Config.Randomize || !info.Config.RandomizeCamera {
		t.Fatalf("scene.yaml config %+v, want the draws %+v", info.Config, r)
	}
	for _, key := range []string{"randomize: true", "camera_height:", "time_of_day:", "fog_density:", "sun_elevation:"} {
		if !strings.Contains(string(raw), key) {
			t.Fatalf("scene.yaml lacks %q:\n%s", key, raw)
		}
	}
	if info.Config.CameraHeight == 1.65 || info.Config.Fx == 0.58*160 {
		t.Fatalf("scene.yaml records defaults, not draws: %+v", info.Config)
	}
}

// Swinging a leg keeps its hip fixed and moves its foot forward and up, by the leg's length.
func TestSwungFrame(t *testing.T) {
	f := uprightFrame([3]float64{1, 2, 3}, 0.3)
	const h, a = 0.8, 0.4
	g := f.swung(a, h)
	hip := add3(f.p, scale(f.up, h))
	if d := sub(add3(g.p, scale(g.up, h)), hip); math.Sqrt(dot(d, d)) > 1e-12 {
		t.Fatalf("hip moved by %v", d)
	}
	foot := sub(g.p, f.p)
	if math.Abs(dot(foot, f.fwd)-h*math.Sin(a)) > 1e-12 || math.Abs(dot(foot, f.up)-h*(1-math.Cos(a))) > 1e-12 {
		t.Fatalf("foot moved by %v", foot)
	}
	if math.Abs(dot(g.up, g.fwd)) > 1e-12 || math.Abs(dot(g.up, g.up)-1) > 1e-12 {
		t.Fatal("swung frame not orthonormal")
	}
}

func TestHull(t *testing.T) {
	pts := [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}, {0.2, 0.8}, {2, 0.5}, {1, 0}}
	var out [maxShadowLen][2]float64
	n := hull2(pts, &out)
	want := map[[2]float64]bool{{0, 0}: true, {1, 0}: true, {2, 0.5}: true, {1, 1}: true, {0, 1}: true}
	if n != len(want) {
		t.Fatalf("hull of %d points: %v", n, out[:n])
	}
	for _, p := range out[:n] {
		if !want[p] {
			t.Fatalf("hull %v has %v", out[:n], p)
		}
	}
}

// Walkers' legs swing: the same pedestrian covers different pixels from frame to frame beyond its
// translation, and vehicles come in several shapes.
func TestPeopleAndVehicles(t *testing.T) {
	w, _ := NewWorld(Config{Seed: 2, Frames: 2, Vehicles: 40, Pedestrians: 3})
	lengths := map[int]bool{}
	for _, m := range w.sc.movers {
		if len(m.parts) == 6 && m.parts[0].mat == matCloth {
			if m.parts[0].swing == 0 || m.parts[0].phase == m.parts[1].phase {
				t.Fatal("legs that do not swing in opposition")
			}
			continue
		}
		lengths[len(m.parts)] = true
	}
	if len(lengths) < 2 {
		t.Fatalf("vehicles of part counts %v: one shape only", lengths)
	}
}

func TestConfigValidateNewFields(t *testing.T) {
	for _, tc := range []struct {
		mut   func(*Config)
		field string
		value string
	}{
		{func(c *Config) { c.World = "moon" }, "World", `"moon"`},
		{func(c *Config) { c.CameraPitch = 60 }, "CameraPitch", "60"},
		{func(c *Config) { c.CameraRoll = -31 }, "CameraRoll", "-31"},
		{func(c *Config) { c.FocalMin = -1 }, "FocalMin", "-1"},
		{func(c *Config) { c.FocalMin, c.FocalMax = 0.9, 0.6 }, "FocalMax", "0.6"},
		{func(c *Config) { c.LaneWidth = 1 }, "LaneWidth", "1"},
		{func(c *Config) { c.Lanes = 4 }, "Lanes", "4"},
		{func(c *Config) { c.CrossingSpacing = 10 }, "CrossingSpacing", "10"},
		{func(c *Config) { c.TimeOfDay = 22 }, "TimeOfDay", "22"},
		{func(c *Config) { c.Heading = -10 }, "Heading", "-10"},
		{func(c *Config) { c.CloudCover = 2 }, "CloudCover", "2"},
		{func(c *Config) { c.FogDensity = math.NaN() }, "FogDensity", "NaN"},
		{func(c *Config) { c.Rain = 1.5 }, "Rain", "1.5"},
		{func(c *Config) { c.WetRoad = -0.1 }, "WetRoad", "-0.1"},
		{func(c *Config) { c.ExposureJitter = 3 }, "ExposureJitter", "3"},
		{func(c *Config) { c.WhiteBalance = 0.9 }, "WhiteBalance", "0.9"},
		{func(c *Config) { c.Vignetting = 1.2 }, "Vignetting", "1.2"},
		{func(c *Config) { c.ExposureTime = 0.5 }, "ExposureTime", "0.5"},
		{func(c *Config) { c.JPEGQuality = 101 }, "JPEGQuality", "101"},
		{func(c *Config) { *c = DefaultIndoorConfig(); c.Vehicles = 2 }, "Vehicles", "2"},
		{func(c *Config) { *c = DefaultIndoorConfig(); c.Rain = 0.5 }, "Rain", "0.5"},
		{func(c *Config) { *c = DefaultIndoorConfig(); c.CameraHeight = 2.5 }, "CameraHeight", "2.5"},
		{func(c *Config) { *c = DefaultIndoorConfig(); c.MaxCurvature = 0.001 }, "MaxCurvature", "0.001"},
		{func(c *Config) { *c = DefaultIndoorConfig(); c.CrossingSpacing = 100 }, "CrossingSpacing", "100"},
	} {
		c := DefaultConfig()
		tc.mut(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("%s = %s accepted", tc.field, tc.value)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.field+" = "+tc.value) {
			t.Errorf("error %q does not name %s = %s", msg, tc.field, tc.value)
		}
		if _, err := NewWorld(c); err == nil {
			t.Errorf("NewWorld accepted %s = %s", tc.field, tc.value)
		}
	}
}

func benchRender(b *testing.B, worlds []*World) {
	var f Frame
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := worlds[i%len(worlds)]
		if err := w.Render((i/len(worlds))%w.Frames(), &f); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func benchWorlds(b *testing.B, n int, cfg func(seed int64) Config) []*World {
	var ws []*World
	for k := 0; k < n; k++ {
		w, err := NewWorld(cfg(SceneSeed(1, k)))
		if err != nil {
			b.Fatal(err)
		}
		ws = append(ws, w)
	}
	return ws
}

// Eight randomized street scenes in turn (half of them pass through JPEG).
func BenchmarkRenderRandomize640x192(b *testing.B) {
	benchRender(b, benchWorlds(b, 8, func(seed int64) Config {
		return Config{Seed: seed, Frames: 1000, Randomize: true}
	}))
}

func BenchmarkRenderIndoor640x480(b *testing.B) {
	benchRender(b, benchWorlds(b, 1, func(seed int64) Config {
		c := DefaultIndoorConfig()
		c.Seed, c.Frames = seed, 1000
		return c
	}))
}

func BenchmarkRenderIndoor640x192(b *testing.B) {
	benchRender(b, benchWorlds(b, 1, func(seed int64) Config {
		c := DefaultIndoorConfig()
		c.Seed, c.Frames, c.Height, c.Fx, c.Fy, c.Cx, c.Cy = seed, 1000, 192, 0, 0, 0, 0
		return c
	}))
}
