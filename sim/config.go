package sim

import (
	"fmt"
	"math"
)

// Config describes one synthetic drive. Fields marked "(default X)" take X when left at zero, because zero is
// not a meaningful value for them; every other field means what it says at zero (no movers, no noise, ...).
type Config struct {
	Seed   int64 `yaml:"seed"`
	Frames int   `yaml:"frames"` // frames to render (default 100)

	Width  int `yaml:"width"`  // image width in pixels (default 640)
	Height int `yaml:"height"` // image height in pixels (default 192)
	// Pinhole intrinsics in pixels (defaults 0.58·W, 1.92·H, 0.5·W, 0.5·H: the normalised KITTI intrinsics
	// Monodepth2 trains with, so a model trained here needs no focal rescaling on KITTI-shaped input).
	Fx float64 `yaml:"fx"`
	Fy float64 `yaml:"fy"`
	Cx float64 `yaml:"cx"`
	Cy float64 `yaml:"cy"`

	CameraHeight float64 `yaml:"camera_height"` // metres above the road (default 1.65, KITTI's camera)
	FPS          float64 `yaml:"fps"`           // frame rate (default 10, KITTI's rate)
	MinSpeed     float64 `yaml:"min_speed"`     // camera speed range in m/s, drawn once per scene (default 5)
	MaxSpeed     float64 `yaml:"max_speed"`     // (default 15)
	// MaxCurvature bounds the road's constant curvature in 1/m, drawn per scene in ±MaxCurvature; 0 gives a
	// straight road.
	MaxCurvature float64 `yaml:"max_curvature"`
	DrawDistance float64 `yaml:"draw_distance"` // metres; farther geometry is sky (default 200)

	Vehicles    int `yaml:"vehicles"`    // moving vehicles per scene
	Pedestrians int `yaml:"pedestrians"` // walking pedestrians per scene
	// FollowFraction of the vehicles drive ahead of the camera at exactly its speed. They look static in the
	// image, so photometric self-supervision explains them with infinite depth: the failure SS-MDE targets.
	FollowFraction float64 `yaml:"follow_fraction"`

	Exposure   bool    `yaml:"exposure"`    // slow global gain drift, applied after ground truth
	NoiseSigma float64 `yaml:"noise_sigma"` // Gaussian sensor noise in 8-bit digital numbers

	StartNanos int64 `yaml:"start_nanos"` // stamp of frame 0 in ns since the epoch (default 1.6e18, not 0: ROS treats 0 as unset)
}

// DefaultStartNanos is the stamp of frame 0 when Config.StartNanos is zero.
const DefaultStartNanos int64 = 1_600_000_000_000_000_000

// DefaultConfig is a typical busy street: a gently curving road, traffic both ways, a quarter of the
// vehicles following the camera, exposure drift and mild noise.
func DefaultConfig() Config {
	c := Config{
		MaxCurvature:   1.0 / 600,
		Vehicles:       10,
		Pedestrians:    6,
		FollowFraction: 0.25,
		Exposure:       true,
		NoiseSigma:     1.5,
	}
	return c.withDefaults()
}

// withDefaults fills the fields whose zero value is meaningless.
func (c Config) withDefaults() Config {
	if c.Frames == 0 {
		c.Frames = 100
	}
	if c.Width == 0 {
		c.Width = 640
	}
	if c.Height == 0 {
		c.Height = 192
	}
	if c.Fx == 0 {
		c.Fx = 0.58 * float64(c.Width)
	}
	if c.Fy == 0 {
		c.Fy = 1.92 * float64(c.Height)
	}
	if c.Cx == 0 {
		c.Cx = 0.5 * float64(c.Width)
	}
	if c.Cy == 0 {
		c.Cy = 0.5 * float64(c.Height)
	}
	if c.CameraHeight == 0 {
		c.CameraHeight = 1.65
	}
	if c.FPS == 0 {
		c.FPS = 10
	}
	if c.MinSpeed == 0 {
		c.MinSpeed = 5
	}
	if c.MaxSpeed == 0 {
		c.MaxSpeed = 15
	}
	if c.DrawDistance == 0 {
		c.DrawDistance = 200
	}
	if c.StartNanos == 0 {
		c.StartNanos = DefaultStartNanos
	}
	return c
}

// Resolved returns the config with defaults filled in, as NewWorld uses it.
func (c Config) Resolved() Config { return c.withDefaults() }

// Validate reports the first field out of range, naming the field and its value. Defaults are applied first.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("sim: config %s = %v: %s", field, v, want)
	}
	finitePos := func(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }
	switch {
	case c.Frames < 0:
		return bad("Frames", c.Frames, "must be positive")
	case c.Width < 0 || c.Width > 1<<14:
		return bad("Width", c.Width, "must be in 1..16384")
	case c.Height < 0 || c.Height > 1<<14:
		return bad("Height", c.Height, "must be in 1..16384")
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
	case !finitePos(c.FPS) || c.FPS > 1000:
		return bad("FPS", c.FPS, "must be in (0, 1000]")
	case !finitePos(c.MinSpeed) || c.MinSpeed > 60:
		return bad("MinSpeed", c.MinSpeed, "must be in (0, 60] m/s")
	case !finitePos(c.MaxSpeed) || c.MaxSpeed > 60:
		return bad("MaxSpeed", c.MaxSpeed, "must be in (0, 60] m/s")
	case c.MaxSpeed < c.MinSpeed:
		return bad("MaxSpeed", c.MaxSpeed, fmt.Sprintf("must not be below MinSpeed %v", c.MinSpeed))
	case c.MaxCurvature < 0 || c.MaxCurvature > 0.01 || math.IsNaN(c.MaxCurvature):
		return bad("MaxCurvature", c.MaxCurvature, "must be in [0, 0.01] 1/m (radius ≥ 100 m)")
	case !finitePos(c.DrawDistance) || c.DrawDistance < 10 || c.DrawDistance > 2000:
		return bad("DrawDistance", c.DrawDistance, "must be in [10, 2000] metres")
	case c.Vehicles < 0 || c.Vehicles > 1000:
		return bad("Vehicles", c.Vehicles, "must be in 0..1000")
	case c.Pedestrians < 0 || c.Pedestrians > 1000:
		return bad("Pedestrians", c.Pedestrians, "must be in 0..1000")
	case !(c.FollowFraction >= 0 && c.FollowFraction <= 1):
		return bad("FollowFraction", c.FollowFraction, "must be in [0, 1]")
	case !(c.NoiseSigma >= 0 && c.NoiseSigma <= 64):
		return bad("NoiseSigma", c.NoiseSigma, "must be in [0, 64] digital numbers")
	case c.StartNanos < 0:
		return bad("StartNanos", c.StartNanos, "must not be negative")
	}
	return nil
}
