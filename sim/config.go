package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Worlds: Config.World.
const (
	WorldStreet = "street" // a town street seen from a car (the default)
	WorldIndoor = "indoor" // rooms and corridors seen from a hand-held camera or a small robot
)

// NYU-Depth v2's Kinect colour camera (640×480), the indoor world's default intrinsics.
const (
	nyuFx, nyuFy = 518.8579, 519.4696
	nyuCx, nyuCy = 325.5824, 253.7362
)

// Config describes one synthetic drive. Fields marked "(default X)" take X when left at zero, because zero is
// not a meaningful value for them; every other field means what it says at zero (no movers, no noise, ...).
// Defaults marked "street/indoor" depend on World.
type Config struct {
	Seed   int64 `yaml:"seed"`
	Frames int   `yaml:"frames"` // frames to render (default 100)
	// World is "street" or "indoor" (default "street").
	World string `yaml:"world"`

	Width  int `yaml:"width"`  // image width in pixels (default 640)
	Height int `yaml:"height"` // image height in pixels (default street 192, indoor 480)
	// Pinhole intrinsics in pixels. Street defaults 0.58·W, 1.92·H, 0.5·W, 0.5·H: the normalised KITTI
	// intrinsics Monodepth2 trains with, so a model trained here needs no focal rescaling on KITTI-shaped
	// input. Indoor defaults are NYU-Depth v2's Kinect (518.86, 519.47, 325.58, 253.74 at 640×480), scaled
	// with the image size.
	Fx float64 `yaml:"fx"`
	Fy float64 `yaml:"fy"`
	Cx float64 `yaml:"cx"`
	Cy float64 `yaml:"cy"`
	// RandomizeCamera draws the focal length per scene (square pixels, fx = fy = f·Width with f uniform in
	// [FocalMin, FocalMax]) and jitters the principal point by up to 2 % of the size, overriding Fx..Cy.
	RandomizeCamera bool    `yaml:"randomize_camera"`
	FocalMin        float64 `yaml:"focal_min"` // in image widths (default 0.5: 90° horizontal field of view)
	FocalMax        float64 `yaml:"focal_max"` // (default 1.1: 49°)

	CameraHeight float64 `yaml:"camera_height"` // metres above the road or floor (default street 1.65, KITTI's camera; indoor 1.4)
	// CameraPitch tilts the camera down (positive) or up, in degrees; CameraRoll turns it about its optical
	// axis, positive taking its x axis towards the ground (clockwise seen from behind). Poses stay
	// world_from_camera with the world the camera frame of frame 0, so a tilted camera's world is tilted.
	CameraPitch float64 `yaml:"camera_pitch"`
	CameraRoll  float64 `yaml:"camera_roll"`
	FPS         float64 `yaml:"fps"`       // frame rate (default 10, KITTI's rate)
	MinSpeed    float64 `yaml:"min_speed"` // camera speed range in m/s, drawn once per scene (default street 5, indoor 0.5)
	MaxSpeed    float64 `yaml:"max_speed"` // (default street 15, indoor 1.2)
	// MaxCurvature bounds the road's constant curvature in 1/m, drawn per scene in ±MaxCurvature; 0 gives a
	// straight road. Street only.
	MaxCurvature float64 `yaml:"max_curvature"`
	DrawDistance float64 `yaml:"draw_distance"` // metres; farther geometry is sky (default 200)

	// Street layout: LaneWidth in metres (default 3.5) and Lanes per direction (default 2); the camera drives
	// in the inner right-hand lane. CrossingSpacing is the mean distance in metres between side streets
	// that cross the road (0: none).
	LaneWidth       float64 `yaml:"lane_width"`
	Lanes           int     `yaml:"lanes"`
	CrossingSpacing float64 `yaml:"crossing_spacing"`

	Vehicles    int `yaml:"vehicles"`    // moving vehicles per scene (street only)
	Pedestrians int `yaml:"pedestrians"` // walking pedestrians per scene
	// FollowFraction of the vehicles drive ahead of the camera at exactly its speed. They look static in the
	// image, so photometric self-supervision explains them with infinite depth: the failure SS-MDE targets.
	FollowFraction float64 `yaml:"follow_fraction"`

	// Light and weather. TimeOfDay in hours puts the sun on a day's arc (default 14: elevation 52°, behind
	// and left of a camera heading north); Heading is the compass heading of the road at frame 0 in
	// degrees (0 north). CloudCover in [0, 1] adds clouds and softens the sun. FogDensity in 1/m blends
	// colour towards the fog colour by 1 − exp(−density·depth). Rain in [0, 1] draws streaks on the image;
	// WetRoad in [0, 1] darkens the road and makes it reflect. Rain and WetRoad are street only.
	TimeOfDay  float64 `yaml:"time_of_day"`
	Heading    float64 `yaml:"heading"`
	CloudCover float64 `yaml:"cloud_cover"`
	FogDensity float64 `yaml:"fog_density"`
	Rain       float64 `yaml:"rain"`
	WetRoad    float64 `yaml:"wet_road"`

	// Camera effects, applied to the image after ground truth, never to depth or the mask.
	Exposure   bool    `yaml:"exposure"`    // slow global gain drift
	NoiseSigma float64 `yaml:"noise_sigma"` // Gaussian sensor noise in 8-bit digital numbers
	// ExposureJitter draws a per-scene exposure offset in ±ExposureJitter EV; WhiteBalance draws per-scene
	// red and blue gains in 1 ± WhiteBalance.
	ExposureJitter float64 `yaml:"exposure_jitter"`
	WhiteBalance   float64 `yaml:"white_balance"`
	Vignetting     float64 `yaml:"vignetting"` // fraction of the brightness lost in the image corners
	// ExposureTime in seconds blurs the image along the flow of the camera's own motion (0: no blur).
	ExposureTime float64 `yaml:"exposure_time"`
	JPEGQuality  int     `yaml:"jpeg_quality"` // 1..100 passes each image through JPEG at that quality (0: none)

	// Randomize draws the light, weather, camera (height, tilt, focal length), street layout, traffic and
	// camera effects per scene from the seed, overriding those fields (ranges in the package doc; indoors it
	// clears the street-only ones). The resolved Config (scene.yaml) records what was drawn.
	Randomize bool `yaml:"randomize"`

	StartNanos int64 `yaml:"start_nanos"` // stamp of frame 0 in ns since the epoch (default 1.6e18, not 0: ROS treats 0 as unset)
}

// DefaultStartNanos is the stamp of frame 0 when Config.StartNanos is zero.
const DefaultStartNanos int64 = 1_600_000_000_000_000_000

// DefaultConfig is a typical busy street: a gently curving road with side streets, traffic both ways, a
// quarter of the vehicles following the camera, an afternoon sun with some clouds and haze, and a camera
// with exposure drift, vignetting, a little motion blur and mild noise.
func DefaultConfig() Config {
	c := Config{
		MaxCurvature:    1.0 / 600,
		CrossingSpacing: 150,
		Vehicles:        10,
		Pedestrians:     6,
		FollowFraction:  0.25,
		CloudCover:      0.35,
		FogDensity:      0.003,
		Exposure:        true,
		NoiseSigma:      1.5,
		ExposureJitter:  0.25,
		WhiteBalance:    0.04,
		Vignetting:      0.25,
		ExposureTime:    0.004,
	}
	return c.withDefaults()
}

// DefaultIndoorConfig is a walk through rooms and corridors with a hand-held camera (NYU-like intrinsics),
// a few people about, and the same camera effects as DefaultConfig.
func DefaultIndoorConfig() Config {
	c := Config{
		World:          WorldIndoor,
		Pedestrians:    4,
		Exposure:       true,
		NoiseSigma:     1.5,
		ExposureJitter: 0.25,
		WhiteBalance:   0.06,
		Vignetting:     0.25,
		ExposureTime:   0.01,
	}
	return c.withDefaults()
}

// withDefaults fills the fields whose zero value is meaningless, after the per-scene draws of Randomize.
func (c Config) withDefaults() Config {
	if c.World == "" {
		c.World = WorldStreet
	}
	indoor := c.World == WorldIndoor
	if c.Randomize {
		c = c.randomized()
	}
	if c.Frames == 0 {
		c.Frames = 100
	}
	if c.Width == 0 {
		c.Width = 640
	}
	if c.Height == 0 {
		c.Height = 192
		if indoor {
			c.Height = 480
		}
	}
	if c.FocalMin == 0 {
		c.FocalMin = 0.5
	}
	if c.FocalMax == 0 {
		c.FocalMax = 1.1
	}
	if c.RandomizeCamera {
		c = c.randomCamera()
	}
	W, H := float64(c.Width), float64(c.Height)
	if c.Fx == 0 {
		c.Fx = 0.58 * W
		if indoor {
			c.Fx = nyuFx * (W / 640)
		}
	}
	if c.Fy == 0 {
		c.Fy = 1.92 * H
		if indoor {
			c.Fy = nyuFy * (H / 480)
		}
	}
	if c.Cx == 0 {
		c.Cx = 0.5 * W
		if indoor {
			c.Cx = nyuCx * (W / 640)
		}
	}
	if c.Cy == 0 {
		c.Cy = 0.5 * H
		if indoor {
			c.Cy = nyuCy * (H / 480)
		}
	}
	if c.CameraHeight == 0 {
		c.CameraHeight = 1.65
		if indoor {
			c.CameraHeight = 1.4
		}
	}
	if c.FPS == 0 {
		c.FPS = 10
	}
	if c.MinSpeed == 0 {
		c.MinSpeed = 5
		if indoor {
			c.MinSpeed = 0.5
		}
	}
	if c.MaxSpeed == 0 {
		c.MaxSpeed = 15
		if indoor {
			c.MaxSpeed = 1.2
		}
	}
	if c.DrawDistance == 0 {
		c.DrawDistance = 200
	}
	if !indoor {
		if c.LaneWidth == 0 {
			c.LaneWidth = 3.5
		}
		if c.Lanes == 0 {
			c.Lanes = 2
		}
	}
	if c.TimeOfDay == 0 {
		c.TimeOfDay = 14
	}
	if c.StartNanos == 0 {
		c.StartNanos = DefaultStartNanos
	}
	return c
}

// Resolved returns the config with the draws of Randomize and RandomizeCamera and the defaults filled in,
// as NewWorld uses it.
func (c Config) Resolved() Config { return c.withDefaults() }

// randomRNG is the stream of the per-scene draws, apart from the scene's own so that a draw does not move
// the buildings.
func (c Config) randomRNG(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(c.Seed)^0x7261_6e64_6f6d_697a, stream)) // "randomiz"
}

// randomized draws the fields Randomize covers from the documented ranges (doc.go).
func (c Config) randomized() Config {
	rng := c.randomRNG(1)
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	chance := func(p float64) bool { return rng.Float64() < p }
	indoor := c.World == WorldIndoor
	c.RandomizeCamera = true
	c.TimeOfDay = u(6.5, 18)
	c.Heading = u(0, 360)
	c.CloudCover = u(0, 1)
	c.FogDensity = u(0, 0.006)
	if chance(0.2) {
		c.FogDensity = u(0.01, 0.05)
	}
	c.Rain, c.WetRoad = 0, 0
	if indoor {
		// The street-only fields are drawn as zero.
		c.Vehicles, c.MaxCurvature, c.LaneWidth, c.Lanes, c.CrossingSpacing = 0, 0, 0, 0, 0
		c.FogDensity = 0
		c.CameraHeight = u(1.0, 1.7) // hand-held
		if chance(0.4) {
			c.CameraHeight = u(0.3, 0.8) // a small robot
		}
		c.CameraPitch = u(-5, 20)
		c.CameraRoll = u(-5, 5)
		c.Pedestrians = rng.IntN(7)
	} else {
		if chance(0.2) {
			c.Rain = u(0.3, 1)
			c.WetRoad = u(0.6, 1)
			c.CloudCover = u(0.8, 1)
			c.FogDensity = max(c.FogDensity, u(0.005, 0.02))
		} else if chance(0.15) {
			c.WetRoad = u(0.3, 1)
		}
		c.CameraHeight = u(0.3, 2.0)
		c.CameraPitch = u(-3, 10)
		c.CameraRoll = u(-3, 3)
		c.LaneWidth = u(2.8, 4.0)
		c.Lanes = 1 + rng.IntN(3)
		c.CrossingSpacing = 0
		if chance(0.8) {
			c.CrossingSpacing = u(60, 250)
		}
		c.MaxCurvature = u(0, 1.0/200)
		c.Vehicles = rng.IntN(21)
		c.Pedestrians = rng.IntN(17)
		c.FollowFraction = u(0, 0.5)
	}
	c.NoiseSigma = u(0.5, 4)
	c.ExposureJitter = 0.5
	c.WhiteBalance = 0.1
	c.Vignetting = u(0, 0.45)
	c.ExposureTime = u(0, 0.02)
	c.JPEGQuality = 0
	if chance(0.5) {
		c.JPEGQuality = 40 + rng.IntN(56)
	}
	return c
}

// randomCamera draws the focal length and principal point (Width and Height resolved).
func (c Config) randomCamera() Config {
	rng := c.randomRNG(2)
	W, H := float64(c.Width), float64(c.Height)
	f := (c.FocalMin + (c.FocalMax-c.FocalMin)*rng.Float64()) * W
	c.Fx, c.Fy = f, f
	c.Cx = W * (0.5 + 0.02*(2*rng.Float64()-1))
	c.Cy = H * (0.5 + 0.02*(2*rng.Float64()-1))
	return c
}

// Validate reports the first field out of range, naming the field and its value. Defaults are applied first.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("sim: config %s = %v: %s", field, v, want)
	}
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi } // false for NaN
	indoor := c.World == WorldIndoor
	switch {
	case c.World != WorldStreet && c.World != WorldIndoor:
		return bad("World", fmt.Sprintf("%q", c.World), `must be "street" or "indoor"`)
	case c.Frames < 0:
		return bad("Frames", c.Frames, "must be positive")
	case c.Width < 0 || c.Width > 1<<14:
		return bad("Width", c.Width, "must be in 1..16384")
	case c.Height < 0 || c.Height > 1<<14:
		return bad("Height", c.Height, "must be in 1..16384")
	case !in(c.FocalMin, 0.1, 5):
		return bad("FocalMin", c.FocalMin, "must be in [0.1, 5] image widths")
	case !in(c.FocalMax, 0.1, 5):
		return bad("FocalMax", c.FocalMax, "must be in [0.1, 5] image widths")
	case c.FocalMax < c.FocalMin:
		return bad("FocalMax", c.FocalMax, fmt.Sprintf("must not be below FocalMin %v", c.FocalMin))
	case !finitePos(c.Fx):
		return bad("Fx", c.Fx, "must be a positive focal length in pixels")
	case !finitePos(c.Fy):
		return bad("Fy", c.Fy, "must be a positive focal length in pixels")
	case math.IsNaN(c.Cx) || math.IsInf(c.Cx, 0):
		return bad("Cx", c.Cx, "must be finite")
	case math.IsNaN(c.Cy) || math.IsInf(c.Cy, 0):
		return bad("Cy", c.Cy, "must be finite")
	case !finitePos(c.CameraHeight) || c.CameraHeight > 10:
		return bad("CameraHeight", c.CameraHeight, "must be in (0, 10] metres")
	case indoor && c.CameraHeight > 2.2:
		return bad("CameraHeight", c.CameraHeight, "must be at most 2.2 m indoors (the ceiling is 2.4 m or more)")
	case !in(c.CameraPitch, -45, 45):
		return bad("CameraPitch", c.CameraPitch, "must be in [-45, 45] degrees")
	case !in(c.CameraRoll, -30, 30):
		return bad("CameraRoll", c.CameraRoll, "must be in [-30, 30] degrees")
	case !finitePos(c.FPS) || c.FPS > 1000:
		return bad("FPS", c.FPS, "must be in (0, 1000]")
	case !finitePos(c.MinSpeed) || c.MinSpeed > 60:
		return bad("MinSpeed", c.MinSpeed, "must be in (0, 60] m/s")
	case !finitePos(c.MaxSpeed) || c.MaxSpeed > 60:
		return bad("MaxSpeed", c.MaxSpeed, "must be in (0, 60] m/s")
	case c.MaxSpeed < c.MinSpeed:
		return bad("MaxSpeed", c.MaxSpeed, fmt.Sprintf("must not be below MinSpeed %v", c.MinSpeed))
	case indoor && c.MaxSpeed > 5:
		return bad("MaxSpeed", c.MaxSpeed, "must be at most 5 m/s indoors")
	case c.MaxCurvature < 0 || c.MaxCurvature > 0.01 || math.IsNaN(c.MaxCurvature):
		return bad("MaxCurvature", c.MaxCurvature, "must be in [0, 0.01] 1/m (radius ≥ 100 m)")
	case indoor && c.MaxCurvature != 0:
		return bad("MaxCurvature", c.MaxCurvature, "must be 0 indoors (corridors are straight)")
	case !finitePos(c.DrawDistance) || c.DrawDistance < 10 || c.DrawDistance > 2000:
		return bad("DrawDistance", c.DrawDistance, "must be in [10, 2000] metres")
	case !indoor && !in(c.LaneWidth, 2.5, 5):
		return bad("LaneWidth", c.LaneWidth, "must be in [2.5, 5] metres")
	case indoor && c.LaneWidth != 0:
		return bad("LaneWidth", c.LaneWidth, "must be 0 indoors (no street)")
	case !indoor && (c.Lanes < 1 || c.Lanes > 3):
		return bad("Lanes", c.Lanes, "must be 1, 2 or 3 lanes per direction")
	case indoor && c.Lanes != 0:
		return bad("Lanes", c.Lanes, "must be 0 indoors (no street)")
	case !(c.CrossingSpacing == 0 || in(c.CrossingSpacing, 40, 10000)):
		return bad("CrossingSpacing", c.CrossingSpacing, "must be 0 (no side streets) or in [40, 10000] metres")
	case indoor && c.CrossingSpacing != 0:
		return bad("CrossingSpacing", c.CrossingSpacing, "must be 0 indoors (no street)")
	case c.Vehicles < 0 || c.Vehicles > 1000:
		return bad("Vehicles", c.Vehicles, "must be in 0..1000")
	case indoor && c.Vehicles != 0:
		return bad("Vehicles", c.Vehicles, "must be 0 indoors (people walk there, vehicles do not drive)")
	case c.Pedestrians < 0 || c.Pedestrians > 1000:
		return bad("Pedestrians", c.Pedestrians, "must be in 0..1000")
	case !in(c.FollowFraction, 0, 1):
		return bad("FollowFraction", c.FollowFraction, "must be in [0, 1]")
	case !in(c.TimeOfDay, 6, 18):
		return bad("TimeOfDay", c.TimeOfDay, "must be in [6, 18] hours (daylight)")
	case !in(c.Heading, 0, 360):
		return bad("Heading", c.Heading, "must be in [0, 360] degrees")
	case !in(c.CloudCover, 0, 1):
		return bad("CloudCover", c.CloudCover, "must be in [0, 1]")
	case !in(c.FogDensity, 0, 0.5):
		return bad("FogDensity", c.FogDensity, "must be in [0, 0.5] 1/m")
	case !in(c.Rain, 0, 1):
		return bad("Rain", c.Rain, "must be in [0, 1]")
	case indoor && c.Rain != 0:
		return bad("Rain", c.Rain, "must be 0 indoors")
	case !in(c.WetRoad, 0, 1):
		return bad("WetRoad", c.WetRoad, "must be in [0, 1]")
	case indoor && c.WetRoad != 0:
		return bad("WetRoad", c.WetRoad, "must be 0 indoors")
	case !in(c.NoiseSigma, 0, 64):
		return bad("NoiseSigma", c.NoiseSigma, "must be in [0, 64] digital numbers")
	case !in(c.ExposureJitter, 0, 2):
		return bad("ExposureJitter", c.ExposureJitter, "must be in [0, 2] EV")
	case !in(c.WhiteBalance, 0, 0.5):
		return bad("WhiteBalance", c.WhiteBalance, "must be in [0, 0.5]")
	case !in(c.Vignetting, 0, 1):
		return bad("Vignetting", c.Vignetting, "must be in [0, 1]")
	case !in(c.ExposureTime, 0, 0.1):
		return bad("ExposureTime", c.ExposureTime, "must be in [0, 0.1] seconds")
	case c.JPEGQuality < 0 || c.JPEGQuality > 100:
		return bad("JPEGQuality", c.JPEGQuality, "must be 0 (no JPEG) or in 1..100")
	case c.StartNanos < 0:
		return bad("StartNanos", c.StartNanos, "must not be negative")
	}
	return nil
}
