package main

import (
	"fmt"
	"io"

	"github.com/ssmde/ssmde/models"
)

func runModels(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "info") {
		fmt.Fprintln(stderr, "usage: ssmde models info [--providers cpu] DIR")
		return errUsage
	}
	fs := newFlagSet("models info", "[flags] DIR", stderr)
	providers := fs.String("providers", "cpu", "execution providers in order of preference (tensorrt,cuda,cpu)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	list, err := models.ParseProviderList(*providers)
	if err != nil {
		return err
	}
	m, err := models.Open(fs.Arg(0), models.SessionConfig{Providers: list})
	if err != nil {
		return err
	}
	defer m.Close()
	man := m.Manifest
	fmt.Fprintf(stdout, "model:     %s (%s)\n", man.Name, man.Dir)
	fmt.Fprintf(stdout, "input:     %dx%d %s, scale %g, mean %v, std %v\n", man.Input.Width, man.Input.Height, man.Input.Color, man.Input.Scale, man.Input.Mean, man.Input.Std)
	fmt.Fprintf(stdout, "depth:     %s %s%v -> %s%v (%s, %g..%g)\n", man.Depth.File, man.Depth.Input, m.Depth.InputShape(), man.Depth.Output, m.Depth.OutputShape(), man.Output.Kind, man.Output.MinDepth, man.Output.MaxDepth)
	if m.Pose != nil {
		fmt.Fprintf(stdout, "pose:      %s %s%v -> %s%v (%s)\n", man.Pose.File, man.Pose.Input, m.Pose.InputShape(), man.Pose.Output, m.Pose.OutputShape(), man.PoseConvention)
	} else {
		fmt.Fprintln(stdout, "pose:      none")
	}
	fx, fy := man.FocalPixels()
	fmt.Fprintf(stdout, "focal:     fx %.1f px, fy %.1f px at the model input (training intrinsics)\n", fx, fy)
	if man.MetricScale != nil {
		fmt.Fprintf(stdout, "metric:    depth × %g = metres\n", *man.MetricScale)
	} else {
		fmt.Fprintln(stdout, "metric:    unknown scale (use a scale mode: focal, camera_height, fixed)")
	}
	fmt.Fprintf(stdout, "provider:  %s\n", m.Provider())
	return nil
}
