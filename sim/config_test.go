package sim

import (
	"math"
	"strings"
	"testing"
)

func TestConfigDefaults(t *testing.T) {
	c := Config{}.Resolved()
	if c.Width != 640 || c.Height != 192 || c.Fx != 0.58*640 || c.Fy != 1.92*192 || c.Cx != 320 || c.Cy != 96 ||
		c.CameraHeight != 1.65 || c.FPS != 10 || c.MinSpeed != 5 || c.MaxSpeed != 15 || c.Frames != 100 {
		t.Fatalf("defaults %+v", c)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	// Intrinsics follow a non-default size.
	if c := (Config{Width: 1242, Height: 375}).Resolved(); math.Abs(c.Fx-720.36) > 1e-9 || c.Cy != 187.5 {
		t.Fatalf("intrinsics for 1242x375: %+v", c)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		mut   func(*Config)
		field string
		value string
	}{
		{func(c *Config) { c.Frames = -1 }, "Frames", "-1"},
		{func(c *Config) { c.Width = -640 }, "Width", "-640"},
		{func(c *Config) { c.Height = 1 << 20 }, "Height", "1048576"},
		{func(c *Config) { c.Fx = -3 }, "Fx", "-3"},
		{func(c *Config) { c.Fy = math.Inf(1) }, "Fy", "+Inf"},
		{func(c *Config) { c.Cx = math.NaN() }, "Cx", "NaN"},
		{func(c *Config) { c.CameraHeight = -1.65 }, "CameraHeight", "-1.65"},
		{func(c *Config) { c.FPS = -10 }, "FPS", "-10"},
		{func(c *Config) { c.MinSpeed = -1 }, "MinSpeed", "-1"},
		{func(c *Config) { c.MinSpeed, c.MaxSpeed = 12, 8 }, "MaxSpeed", "8"},
		{func(c *Config) { c.MaxCurvature = 0.5 }, "MaxCurvature", "0.5"},
		{func(c *Config) { c.DrawDistance = 5 }, "DrawDistance", "5"},
		{func(c *Config) { c.Vehicles = -2 }, "Vehicles", "-2"},
		{func(c *Config) { c.Pedestrians = -3 }, "Pedestrians", "-3"},
		{func(c *Config) { c.FollowFraction = 1.5 }, "FollowFraction", "1.5"},
		{func(c *Config) { c.FollowFraction = math.NaN() }, "FollowFraction", "NaN"},
		{func(c *Config) { c.NoiseSigma = -1 }, "NoiseSigma", "-1"},
		{func(c *Config) { c.StartNanos = -5 }, "StartNanos", "-5"},
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
