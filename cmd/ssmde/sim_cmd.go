package main

import (
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
	width := fs.Int("width", def.Width, "image width in pixels")
	height := fs.Int("height", def.Height, "image height in pixels")
	fps := fs.Float64("fps", def.FPS, "frame rate")
	vehicles := fs.Int("vehicles", def.Vehicles, "moving vehicles per scene")
	pedestrians := fs.Int("pedestrians", def.Pedestrians, "walking pedestrians per scene")
	follow := fs.Float64("follow-fraction", def.FollowFraction, "fraction of vehicles driving ahead at the camera's speed")
	noise := fs.Float64("noise", def.NoiseSigma, "sensor noise sigma in 8-bit levels")
	exposure := fs.Bool("exposure", def.Exposure, "slow exposure drift")
	lidar := fs.Bool("lidar", false, "--bag: also record a 32-ring LiDAR (/lidar/points) and the TF tree odom → base_link → {camera_optical, lidar}")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*out == "" && *bagPath == "") || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cfg := def
	cfg.Seed, cfg.Frames, cfg.Width, cfg.Height, cfg.FPS = *seed, *frames, *width, *height, *fps
	cfg.Vehicles, cfg.Pedestrians, cfg.FollowFraction = *vehicles, *pedestrians, *follow
	cfg.NoiseSigma, cfg.Exposure = *noise, *exposure
	// Intrinsics follow the resolution (normalised KITTI intrinsics) unless the defaults were for another size.
	cfg.Fx, cfg.Fy, cfg.Cx, cfg.Cy = 0, 0, 0, 0
	cfg = cfg.Resolved()
	if err := cfg.Validate(); err != nil {
		return err
	}
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
