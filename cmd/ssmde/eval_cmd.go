package main

import (
	"fmt"
	"io"

	"github.com/ssmde/ssmde/eval"
	"github.com/ssmde/ssmde/pipeline"
)

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", "[flags] --out DIR SEQUENCE_FOLDER", stderr)
	var pf pipelineFlags
	pf.register(fs)
	out := fs.String("out", "", "report folder: results.json, frames.csv, figures, report.md")
	scaling := fs.String("scaling", "median", "match prediction scale to GT: median (per image), fixed, none (metric models)")
	fixedRatio := fs.Float64("ratio", 1, "the factor for --scaling fixed")
	crop := fs.String("crop", "none", "evaluation crop: none, kitti-garg, kitti-eigen, nyu")
	gtMin := fs.Float64("gt-min", 1e-3, "valid ground truth is above this (m)")
	gtMax := fs.Float64("gt-max", 80, "and below this (m); predictions are clamped to the same range")
	rate := fs.Float64("rate", 0, "replay at this multiple of real time (0: as fast as possible)")
	fps := fs.Float64("fps", 10, "frame rate of a folder without timestamps")
	samples := fs.Int("samples", 4, "frames shown in the samples figure")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	sc, err := eval.ParseScaling(*scaling)
	if err != nil {
		return err
	}
	cropWin, ok := eval.Crops[*crop]
	if !ok {
		return fmt.Errorf("--crop %q unknown; want none, kitti-garg, kitti-eigen or nyu", *crop)
	}
	src, err := eval.OpenFolder(fs.Arg(0), *fps)
	if err != nil {
		return err
	}
	defer src.Close()
	m, p, err := pf.open(pipeline.Config{})
	if err != nil {
		return err
	}
	defer m.Close()
	defer p.Close()
	bar := newProgress(src.Len(), "eval", stderr, *quiet)
	res, err := eval.Run(src, p, eval.RunConfig{
		Protocol: eval.Protocol{MinDepth: *gtMin, MaxDepth: *gtMax, Crop: cropWin, Scaling: sc, FixedScale: *fixedRatio},
		Samples:  *samples, Rate: *rate,
		Progress: func(done, total int) { bar.Set(done) },
	})
	bar.Finish()
	if err != nil {
		return err
	}
	res.Model, res.Provider = m.Manifest.Name, m.Provider()
	fmt.Fprint(stdout, res.Summary())
	if *out != "" {
		if err := eval.WriteReport(*out, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s/%s\n", *out, eval.ReportFile)
	}
	return nil
}
