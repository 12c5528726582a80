package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ssmde/ssmde/eval"
	"github.com/ssmde/ssmde/fileio"
	"github.com/ssmde/ssmde/models"
	"github.com/ssmde/ssmde/pipeline"
)

// PseudoFile is the record `ssmde teacher` leaves in each scene's pseudo-depth folder; the
// recipe reads its kind to align the maps in the right space (pseudo_depth.FileSource).
const PseudoFile = "pseudo.yaml"

// pseudoRecord is pseudo.yaml.
type pseudoRecord struct {
	// Kind is what each map holds, up to the invariance the recipe must allow: affine_disparity
	// (disparity up to scale and shift: MiDaS, Depth Anything relative, and our own sigmoid
	// students), disparity (up to scale), affine_depth (LeReS), depth (metric networks).
	Kind       string  `yaml:"kind"`
	Model      string  `yaml:"model"`
	ModelFile  string  `yaml:"model_file"`
	ModelHash  string  `yaml:"model_sha256"`
	OutputKind string  `yaml:"model_output_kind"`
	Fit        string  `yaml:"fit"`
	Width      int     `yaml:"width"`
	Height     int     `yaml:"height"`
	Frames     int     `yaml:"frames"`
	Provider   string  `yaml:"provider"`
	MSPerFrame float64 `yaml:"ms_per_frame"`
	Source     string  `yaml:"source"`
}

// pseudoKind maps a model's output kind to the invariance of its raw output.
func pseudoKind(outputKind string) string {
	switch outputKind {
	case models.OutputSigmoidDisparity, models.OutputAffineDisparity:
		// A sigmoid disparity is 1/max + (1/min − 1/max)·x: affine in disparity.
		return "affine_disparity"
	case models.OutputInverseDepth:
		return "disparity"
	case models.OutputAffineDepth:
		return "affine_depth"
	}
	return "depth"
}

// findScenes lists the sequence folders at or below root, sorted.
func findScenes(root string) ([]string, error) {
	var scenes []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && eval.IsSequenceFolder(path) {
			scenes = append(scenes, path)
			return filepath.SkipDir
		}
		return nil
	})
	sort.Strings(scenes)
	return scenes, err
}

func runTeacher(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("teacher", "--model DIR [flags] DATA_ROOT", stderr)
	model := fs.String("model", "", "the teacher: any model folder the node runs (model.yaml + ONNX), e.g. one `ssmde models import` wrote")
	providers := fs.String("providers", "cpu", "execution providers in order of preference: tensorrt,cuda,cpu")
	threads := fs.Int("threads", 0, "ONNX Runtime intra-op threads (0: its default)")
	fit := fs.String("fit", "", "stretch or letterbox (the maps must cover the whole image; default: the model's fit, else stretch)")
	subdir := fs.String("out-subdir", "pseudo_depth", "the sub-folder of each scene the maps go to (the recipe's pseudo_path)")
	force := fs.Bool("force", false, "replace existing pseudo-depth folders")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" || fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	root := fs.Arg(0)
	scenes, err := findScenes(root)
	if err != nil {
		return err
	}
	if len(scenes) == 0 {
		return fmt.Errorf("%s: no scene folders (%s/) at or below it; make one with ssmde dataset or ssmde sim --out", root, fileio.SeqImageDir)
	}
	if !*force {
		for _, s := range scenes {
			if dirExists(filepath.Join(s, *subdir)) {
				return fmt.Errorf("%s exists; give --force to replace the pseudo-depth of every scene", filepath.Join(s, *subdir))
			}
		}
	}
	list, err := models.ParseProviderList(*providers)
	if err != nil {
		return err
	}
	m, err := models.Open(*model, models.SessionConfig{Providers: list, IntraOpThreads: *threads, Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err != nil {
		return err
	}
	defer m.Close()
	man := m.Manifest
	cfg := pipeline.Config{Fit: *fit, ScaleMode: pipeline.ScaleNone}
	if cfg.Fit == "" {
		cfg.Fit = man.DefaultFit()
	}
	if cfg.Fit != pipeline.FitStretch && cfg.Fit != pipeline.FitLetterbox {
		return fmt.Errorf("--fit %s: a teacher's maps must cover the whole image, so it runs with stretch or letterbox", cfg.Fit)
	}
	if models.IsAffineKind(man.Output.Kind) {
		cfg.ScaleMode, cfg.FixedScale = pipeline.ScaleFixedAffine, 1 // only Raw is used
	}
	p, err := pipeline.New(cfg, m)
	if err != nil {
		return err
	}
	defer p.Close()
	hash, err := models.FileSHA256(filepath.Join(*model, man.Depth.File))
	if err != nil {
		return err
	}
	total := 0
	for _, s := range scenes {
		entries, _ := os.ReadDir(filepath.Join(s, fileio.SeqImageDir))
		total += len(entries)
	}
	bar := newProgress(total, "teacher", stderr, *quiet)
	defer bar.Finish()
	done := 0
	start := time.Now()
	var w, h int
	for _, scene := range scenes {
		src, err := eval.OpenFolder(scene, 10)
		if err != nil {
			return err
		}
		final := filepath.Join(scene, *subdir)
		tmp := final + ".tmp"
		os.RemoveAll(tmp)
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			src.Close()
			return err
		}
		n := 0
		for {
			f, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				src.Close()
				os.RemoveAll(tmp)
				return err
			}
			var res *pipeline.Result
			if f.Image != nil {
				res, err = p.ProcessImage(f.Image, f.Camera)
			} else {
				res, err = p.ProcessCompressed(f.Compressed, f.Camera)
			}
			if err != nil {
				src.Close()
				os.RemoveAll(tmp)
				return fmt.Errorf("%s: %w", f.SourceName, err)
			}
			w, h = res.Width, res.Height
			stem := strings.TrimSuffix(filepath.Base(f.SourceName), filepath.Ext(f.SourceName))
			if err := fileio.WriteNPYFile(filepath.Join(tmp, stem+".npy"), []int{h, w}, res.Raw); err != nil {
				src.Close()
				os.RemoveAll(tmp)
				return err
			}
			n++
			done++
			bar.Set(done)
		}
		src.Close()
		rec := pseudoRecord{Kind: pseudoKind(man.Output.Kind), Model: man.Name, ModelFile: man.Depth.File, ModelHash: hash,
			OutputKind: man.Output.Kind, Fit: p.Config().Fit, Width: w, Height: h, Frames: n, Provider: m.Provider(),
			MSPerFrame: float64(time.Since(start).Milliseconds()) / float64(max(1, done)), Source: "ssmde teacher"}
		data, err := yaml.Marshal(rec)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, PseudoFile), data, 0o644); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		if err := os.RemoveAll(final); err != nil {
			return err
		}
		if err := os.Rename(tmp, final); err != nil {
			return err
		}
	}
	bar.Finish()
	el := time.Since(start)
	fmt.Fprintf(stdout, "teacher: %s (%s, %s on %s) → %d maps of %dx%d in %d scene(s) under %s/<scene>/%s, %.1f ms per frame\n",
		man.Name, man.Output.Kind, pseudoKind(man.Output.Kind), m.Provider(), done, w, h, len(scenes), root, *subdir,
		float64(el.Milliseconds())/float64(max(1, done)))
	fmt.Fprintf(stdout, "  train with: pseudo_source: files, pseudo_path: %s (the recipe reads each scene's %s)\n", *subdir, PseudoFile)
	return nil
}
