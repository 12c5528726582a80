package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ssmde/ssmde/sim"
)

func runSim(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sim", "--out DIR | --bag FILE.mcap [flags]", stderr)
	def := sim.DefaultConfig()
	out := fs.String("out", "", "output folder (KITTI-raw-like: image_02/data, proj_depth/groundtruth, motion_mask, poses.txt, calib)")
	bagPath := fs.String("bag", "", "write an MCAP bag (ROS 2) with the topics a robot would record, instead of or beside --out")
	seed := fs.Int64("seed", 0, "scene seed; the same seed gives the same bytes")
	frames := fs.Int("frames", def.Frames, "frames per scene")
	scenes := fs.Int("scenes", 1, "number of scenes; more than one writes DIR/scene_0000, DIR/scene_0001, ...")
	world := fs.String("world", sim.WorldStreet, `"street" or "indoor" (rooms and corridors; flags whose help names an indoor default take it there)`)
	randomize := fs.Bool("randomize", false, "draw light, weather, camera height/tilt/focal length, street layout, traffic and camera effects per scene from the seed (overrides those flags)")
	lidar := fs.Bool("lidar", false, "--bag: also record a 32-ring LiDAR (/lidar/points) and the TF tree odom → base_link → {camera_optical, lidar}")
	quiet := fs.Bool("quiet", false, "no progress bar")

	// Every flag below sets one sim.Config field. For --world indoor only the flags given apply, over
	// sim.DefaultIndoorConfig.
	type setting struct {
		name  string
		apply func(*sim.Config)
	}
	var settings []setting
	intFlag := func(name string, dflt int, usage string, field func(*sim.Config) *int) {
		p := fs.Int(name, dflt, usage)
		settings = append(settings, setting{name, func(c *sim.Config) { *field(c) = *p }})
	}
	floatFlag := func(name string, dflt float64, usage string, field func(*sim.Config) *float64) {
		p := fs.Float64(name, dflt, usage)
		settings = append(settings, setting{name, func(c *sim.Config) { *field(c) = *p }})
	}
	boolFlag := func(name string, dflt bool, usage string, field func(*sim.Config) *bool) {
		p := fs.Bool(name, dflt, usage)
		settings = append(settings, setting{name, func(c *sim.Config) { *field(c) = *p }})
	}
	intFlag("width", def.Width, "image width in pixels", func(c *sim.Config) *int { return &c.Width })
	intFlag("height", def.Height, "image height in pixels (indoor 480)", func(c *sim.Config) *int { return &c.Height })
	floatFlag("fx", 0, "focal length in pixels (0: 0.58·width, indoor NYU's 518.86 at 640×480, scaled)", func(c *sim.Config) *float64 { return &c.Fx })
	floatFlag("fy", 0, "focal length in pixels (0: 1.92·height, indoor NYU's 519.47 at 640×480, scaled)", func(c *sim.Config) *float64 { return &c.Fy })
	floatFlag("cx", 0, "principal point in pixels (0: width/2, indoor NYU's 325.58 at 640)", func(c *sim.Config) *float64 { return &c.Cx })
	floatFlag("cy", 0, "principal point in pixels (0: height/2, indoor NYU's 253.74 at 480)", func(c *sim.Config) *float64 { return &c.Cy })
	boolFlag("randomize-camera", false, "draw a square-pixel focal length per scene in [--focal-min, --focal-max] image widths (overrides --fx..--cy)", func(c *sim.Config) *bool { return &c.RandomizeCamera })
	floatFlag("focal-min", 0.5, "--randomize-camera: shortest focal length in image widths", func(c *sim.Config) *float64 { return &c.FocalMin })
	floatFlag("focal-max", 1.1, "--randomize-camera: longest focal length in image widths", func(c *sim.Config) *float64 { return &c.FocalMax })
	floatFlag("camera-height", def.CameraHeight, "camera height above the road or floor in metres (indoor 1.4)", func(c *sim.Config) *float64 { return &c.CameraHeight })
	floatFlag("pitch", 0, "camera pitch in degrees, positive down", func(c *sim.Config) *float64 { return &c.CameraPitch })
	floatFlag("roll", 0, "camera roll in degrees, positive clockwise seen from behind", func(c *sim.Config) *float64 { return &c.CameraRoll })
	floatFlag("fps", def.FPS, "frame rate", func(c *sim.Config) *float64 { return &c.FPS })
	floatFlag("min-speed", def.MinSpeed, "slowest camera speed in m/s, drawn per scene (indoor 0.5)", func(c *sim.Config) *float64 { return &c.MinSpeed })
	floatFlag("max-speed", def.MaxSpeed, "fastest camera speed in m/s (indoor 1.2)", func(c *sim.Config) *float64 { return &c.MaxSpeed })
	floatFlag("curvature", def.MaxCurvature, "largest road curvature in 1/m, drawn per scene (indoor 0)", func(c *sim.Config) *float64 { return &c.MaxCurvature })
	floatFlag("lane-width", def.LaneWidth, "lane width in metres (indoor 0)", func(c *sim.Config) *float64 { return &c.LaneWidth })
	intFlag("lanes", def.Lanes, "lanes per direction, 1..3 (indoor 0)", func(c *sim.Config) *int { return &c.Lanes })
	floatFlag("crossing-spacing", def.CrossingSpacing, "mean distance between side streets in metres, 0 for none (indoor 0)", func(c *sim.Config) *float64 { return &c.CrossingSpacing })
	intFlag("vehicles", def.Vehicles, "moving vehicles per scene (indoor 0)", func(c *sim.Config) *int { return &c.Vehicles })
	intFlag("pedestrians", def.Pedestrians, "walking pedestrians per scene (indoor 4)", func(c *sim.Config) *int { return &c.Pedestrians })
	floatFlag("follow-fraction", def.FollowFraction, "fraction of vehicles driving ahead at the camera's speed", func(c *sim.Config) *float64 { return &c.FollowFraction })
	floatFlag("time-of-day", def.TimeOfDay, "hour of the day, 6..18: the sun's elevation, azimuth and colour", func(c *sim.Config) *float64 { return &c.TimeOfDay })
	floatFlag("heading", def.Heading, "compass heading of the road at the start in degrees (0 north), which turns the sun", func(c *sim.Config) *float64 { return &c.Heading })
	floatFlag("clouds", def.CloudCover, "cloud cover 0..1 (indoor 0)", func(c *sim.Config) *float64 { return &c.CloudCover })
	floatFlag("fog", def.FogDensity, "fog density in 1/m: colour fades by exp(−density·depth) (indoor 0)", func(c *sim.Config) *float64 { return &c.FogDensity })
	floatFlag("rain", def.Rain, "rain streaks on the image, 0..1", func(c *sim.Config) *float64 { return &c.Rain })
	floatFlag("wet-road", def.WetRoad, "wet, darker and reflecting road, 0..1", func(c *sim.Config) *float64 { return &c.WetRoad })
	floatFlag("noise", def.NoiseSigma, "sensor noise sigma in 8-bit levels", func(c *sim.Config) *float64 { return &c.NoiseSigma })
	boolFlag("exposure", def.Exposure, "slow exposure drift", func(c *sim.Config) *bool { return &c.Exposure })
	floatFlag("exposure-jitter", def.ExposureJitter, "per-scene exposure offset drawn in ± this many EV", func(c *sim.Config) *float64 { return &c.ExposureJitter })
	floatFlag("white-balance", def.WhiteBalance, "per-scene red and blue gains drawn in 1 ± this (indoor 0.06)", func(c *sim.Config) *float64 { return &c.WhiteBalance })
	floatFlag("vignetting", def.Vignetting, "brightness lost in the image corners, 0..1", func(c *sim.Config) *float64 { return &c.Vignetting })
	floatFlag("exposure-time", def.ExposureTime, "exposure time in seconds for the motion blur of the camera's own motion, 0 for none (indoor 0.01)", func(c *sim.Config) *float64 { return &c.ExposureTime })
	intFlag("jpeg-quality", def.JPEGQuality, "pass every image through JPEG at this quality, 1..100 (0: no JPEG)", func(c *sim.Config) *int { return &c.JPEGQuality })
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*out == "" && *bagPath == "") || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	cfg := def
	indoor := *world == sim.WorldIndoor
	if indoor {
		cfg = sim.DefaultIndoorConfig()
	}
	cfg.World = *world
	for _, s := range settings {
		if !indoor || given[s.name] {
			s.apply(&cfg)
		}
	}
	cfg.Seed, cfg.Frames, cfg.Randomize = *seed, *frames, *randomize
	// Intrinsics follow the resolution (normalised KITTI or NYU intrinsics) unless given.
	for _, k := range []struct {
		name string
		p    *float64
	}{{"fx", &cfg.Fx}, {"fy", &cfg.Fy}, {"cx", &cfg.Cx}, {"cy", &cfg.Cy}} {
		if !given[k.name] {
			*k.p = 0
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.Resolved()
	start := time.Now()
	if *bagPath != "" {
		if *scenes != 1 {
			return fmt.Errorf("--bag records one scene; drop --scenes %d or write folders with --out", *scenes)
		}
		bar := newProgress(*frames, "sim bag", stderr, *quiet)
		var opts sim.BagOptions
		if *lidar {
			opts.Lidar = &sim.LidarOptions{}
		}
		err := sim.WriteBagWith(*bagPath, cfg, opts, func(done, total int) { bar.Set(done) })
		bar.Finish()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sim: wrote %d frames (%dx%d, seed %d) to %s in %.1f s\n", *frames, cfg.Width, cfg.Height, cfg.Seed, *bagPath, time.Since(start).Seconds())
		if *out == "" {
			return nil
		}
		start = time.Now()
	}
	bar := newProgress(*frames**scenes, "sim", stderr, *quiet)
	var err error
	if *scenes == 1 {
		err = sim.WriteSequence(*out, cfg, func(done, total int) { bar.Set(done) })
	} else {
		err = sim.WriteSplit(*out, cfg, *scenes, func(scene, done, total int) { bar.Set(scene**frames + done) })
	}
	bar.Finish()
	if err != nil {
		return err
	}
	n := *frames * *scenes
	el := time.Since(start)
	fmt.Fprintf(stdout, "sim: wrote %d frames (%d scene(s), %dx%d, seed %d) to %s in %.1f s (%.0f frames/s incl. PNG encoding)\n",
		n, *scenes, cfg.Width, cfg.Height, cfg.Seed, *out, el.Seconds(), float64(n)/el.Seconds())
	return nil
}
