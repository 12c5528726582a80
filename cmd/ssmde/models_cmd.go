package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ssmde/ssmde/models"
)

func runModels(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "build-engine" {
		return runBuildEngine(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "import" {
		return runModelsImport(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "presets" {
		fmt.Fprint(stdout, models.PresetTable())
		return nil
	}
	if len(args) == 0 || (args[0] != "info") {
		fmt.Fprintln(stderr, "usage: ssmde models info [--providers cpu] DIR\n       ssmde models import --preset NAME [--force] FILE.onnx\n       ssmde models presets\n       ssmde models build-engine --engine-cache DIR [flags] MODEL_DIR")
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

// runModelsImport writes the model.yaml that runs a public depth network's ONNX export: the
// preset says what its output means and how its input is made, the graph says its names, types
// and shapes. The model is then opened once to prove it loads.
func runModelsImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("models import", "--preset NAME [flags] FILE.onnx", stderr)
	preset := fs.String("preset", "", "the network: "+strings.Join(models.PresetNames(), ", "))
	force := fs.Bool("force", false, "replace an existing model.yaml")
	name := fs.String("name", "", "the model's name in model.yaml (default: file name and preset)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *preset == "" {
		fs.Usage()
		fmt.Fprintln(stderr, "\npresets:")
		for _, n := range models.PresetNames() {
			fmt.Fprintf(stderr, "  %-34s %s\n", n, models.Presets[n].Description)
		}
		return errUsage
	}
	onnxPath := fs.Arg(0)
	if _, err := models.InitRuntime(""); err != nil {
		return err
	}
	m, err := models.Import(onnxPath, *preset)
	if err != nil {
		return err
	}
	if *name != "" {
		m.Name = *name
	}
	dir := filepath.Dir(onnxPath)
	path, err := models.WriteManifest(dir, m, *force)
	if err != nil {
		return err
	}
	model, err := models.Open(dir, models.SessionConfig{Providers: []models.ProviderConfig{{Name: models.ProviderCPU}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("the written model.yaml does not load (removed): %w", err)
	}
	defer model.Close()
	p := models.Presets[*preset]
	fmt.Fprintf(stdout, "wrote %s\n", path)
	fmt.Fprintf(stdout, "model:   %s\n", model)
	fmt.Fprintf(stdout, "depth:   %s %q%v -> %q%v (%s)\n", m.Depth.File, m.Depth.Input, model.Depth.InputShape(), m.Depth.Output, model.Depth.OutputShape(), m.Output.Kind)
	fmt.Fprintf(stdout, "input:   fit %s, scale %g, mean %v, std %v\n", m.Input.Fit, m.Input.Scale, m.Input.Mean, m.Input.Std)
	fmt.Fprintf(stdout, "metric:  scale modes %s\n", p.ScaleModes)
	fmt.Fprintf(stdout, "run it:  ssmde node -p model:=%s  (or ssmde eval --model %s ...)\n", dir, dir)
	return nil
}

// runBuildEngine builds the TensorRT engines of a model ahead of time (at install, as Isaac ROS
// does), so that the node's first start loads them instead of building for minutes.
func runBuildEngine(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("models build-engine", "--engine-cache DIR [flags] MODEL_DIR", stderr)
	cache := fs.String("engine-cache", "", "engine cache root (the node's tensorrt_engine_cache)")
	timing := fs.String("timing-cache", "", "timing cache root (optional)")
	fp16 := fs.Bool("fp16", true, "fp16 engines")
	int8 := fs.Bool("int8", false, "int8 engines (needs calibration data in the model; off by default)")
	workspace := fs.Int64("workspace-bytes", 0, "builder workspace (0: ONNX Runtime's default)")
	dla := fs.Int("dla-core", -1, "DLA core to build for (-1: GPU)")
	device := fs.Int("device", 0, "GPU index")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *cache == "" {
		fs.Usage()
		return errUsage
	}
	p := models.ProviderConfig{Name: models.ProviderTensorRT, DeviceID: *device, FP16: *fp16, INT8: *int8,
		EngineCacheDir: *cache, TimingCacheDir: *timing, WorkspaceBytes: *workspace, UseDLA: *dla >= 0, DLACore: max(*dla, 0)}
	start := time.Now()
	m, err := models.Open(fs.Arg(0), models.SessionConfig{Providers: []models.ProviderConfig{p}})
	if err != nil {
		return err
	}
	defer m.Close()
	if m.Provider() != models.ProviderTensorRT {
		return fmt.Errorf("TensorRT is not available to this ONNX Runtime (%s runs instead; see the log line above): build engines on the target, with an ONNX Runtime built with TensorRT (ONNXRUNTIME_LIB)", m.Provider())
	}
	fmt.Fprintf(stdout, "engines for %s built or verified in %.1f s under %s (TensorRT %s, %s)\n",
		m.Manifest.Name, time.Since(start).Seconds(), *cache, models.TensorRTVersion(), models.GPUName())
	return nil
}
