package models

import (
	"fmt"
	"sort"
	"strings"
)

// Preset describes a public depth network's ONNX export: what its output means and how its
// input is made. ssmde models import combines it with the graph's own names and shapes.
type Preset struct {
	Name        string
	Description string
	// Source says where the public ONNX export comes from (the export script of the network's
	// own repository); the README's preset table is made from these.
	Source string

	Kind                    string
	Color                   string
	Scale                   float64
	Mean, Std               []float64
	Width, Height           int // the input size when the graph's is dynamic
	Fit                     string
	DynamicFit              string // the fit for a graph with dynamic height and width (empty: Fit)
	MultipleOf              int
	Pad                     []float64
	MinDepth, MaxDepth      float64
	CanonicalFocal          float64
	TrainingIntrinsics      NormalizedIntrinsics
	OutputNames, InputNames []string // preferred names, when a graph has several candidates
	ScaleModes              string   // the scale modes that make its output metric, for messages
}

var imageNetMean, imageNetStd = []float64{0.485, 0.456, 0.406}, []float64{0.229, 0.224, 0.225}

const daSource = "Depth-Anything-V2 checkpoints exported by fabio-sim/Depth-Anything-ONNX (`dynamo.py export`), " +
	"or onnx-community/depth-anything-v2-* (transformers.js exports)"

// Presets are the networks ssmde models import knows, by name.
var Presets = map[string]Preset{
	"depth-anything-v2-relative": {
		Description: "Depth Anything V2 (relative): disparity up to scale and shift",
		Source:      daSource + "; input 518×518 (sides multiples of 14), RGB/255, ImageNet mean/std",
		Kind:        OutputAffineDisparity, Color: "rgb", Scale: 1.0 / 255, Mean: imageNetMean, Std: imageNetStd,
		Width: 518, Height: 518, Fit: FitStretch, DynamicFit: FitKeepAspect, MultipleOf: 14,
		OutputNames: []string{"depth", "predicted_depth"}, InputNames: []string{"image", "pixel_values"},
		ScaleModes: "camera_height, sparse_depth or fixed_affine",
	},
	"depth-anything-v2-metric-indoor": {
		Description: "Depth Anything V2 metric, indoor (Hypersim): metres up to 20 m",
		Source:      daSource + " with `--metric indoor`; input 518×518, RGB/255, ImageNet mean/std",
		Kind:        OutputDepth, Color: "rgb", Scale: 1.0 / 255, Mean: imageNetMean, Std: imageNetStd,
		Width: 518, Height: 518, Fit: FitStretch, DynamicFit: FitKeepAspect, MultipleOf: 14, MaxDepth: 20,
		OutputNames: []string{"depth", "predicted_depth"}, InputNames: []string{"image", "pixel_values"},
		ScaleModes: "none (metric), or sparse_depth/fixed to correct it",
	},
	"depth-anything-v2-metric-outdoor": {
		Description: "Depth Anything V2 metric, outdoor (Virtual KITTI): metres up to 80 m",
		Source:      daSource + " with `--metric outdoor`; input 518×518, RGB/255, ImageNet mean/std",
		Kind:        OutputDepth, Color: "rgb", Scale: 1.0 / 255, Mean: imageNetMean, Std: imageNetStd,
		Width: 518, Height: 518, Fit: FitStretch, DynamicFit: FitKeepAspect, MultipleOf: 14, MaxDepth: 80,
		OutputNames: []string{"depth", "predicted_depth"}, InputNames: []string{"image", "pixel_values"},
		ScaleModes: "none (metric), or sparse_depth/fixed to correct it",
	},
	"midas-v21-small": {
		Description: "MiDaS v2.1 small: disparity up to scale and shift",
		Source:      "isl-org/MiDaS release v2_1 (`midas_v21_small_256.onnx`, made by the repository's ONNX export); input 256×256, RGB/255, ImageNet mean/std",
		Kind:        OutputAffineDisparity, Color: "rgb", Scale: 1.0 / 255, Mean: imageNetMean, Std: imageNetStd,
		Width: 256, Height: 256, Fit: FitStretch, MultipleOf: 32,
		ScaleModes: "camera_height, sparse_depth or fixed_affine",
	},
	"metric3d-v2": {
		Description: "Metric3D v2 (ViT): metric depth of a canonical camera with a 1000 px focal length",
		Source: "YvanYin/Metric3D `onnx/metric3d_onnx_export.py` (input \"image\" 616×1064 for ViT models, 544×1216 for ConvNeXt, " +
			"raw 0..255 RGB normalised inside the graph, letterboxed with the ImageNet mean colour; output \"pred_depth\")",
		Kind: OutputDepth, Color: "rgb", Scale: 1, Mean: []float64{0, 0, 0}, Std: []float64{1, 1, 1},
		Width: 1064, Height: 616, Fit: FitLetterbox, Pad: []float64{123.675, 116.28, 103.53}, MaxDepth: 150, CanonicalFocal: 1000,
		OutputNames: []string{"pred_depth", "depth"}, InputNames: []string{"image"},
		ScaleModes: "focal (the default: f_cam/1000)",
	},
	"ssmde": {
		Description: "an SS-MDE student exported by the recipe (models/recipe export): sigmoid disparity",
		Source:      "`python3 -m ssmde_recipe export` (models/recipe); input RGB/255, no mean/std",
		Kind:        OutputSigmoidDisparity, Color: "rgb", Scale: 1.0 / 255, Mean: []float64{0, 0, 0}, Std: []float64{1, 1, 1},
		Width: 640, Height: 192, Fit: FitStretch, MinDepth: 0.1, MaxDepth: 100,
		TrainingIntrinsics: NormalizedIntrinsics{Fx: 0.58, Fy: 1.92, Cx: 0.5, Cy: 0.5},
		OutputNames:        []string{"disp"}, InputNames: []string{"image"},
		ScaleModes: "focal, camera_height or sparse_depth",
	},
}

// PresetNames lists the presets in name order.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupPreset returns the named preset or an error that lists them all.
func LookupPreset(name string) (Preset, error) {
	p, ok := Presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("preset %q unknown; the presets are: %s", name, strings.Join(PresetNames(), ", "))
	}
	p.Name = name
	return p, nil
}

// PresetTable renders the README's preset table.
func PresetTable() string {
	var b strings.Builder
	b.WriteString("| preset | output | input | scale modes | where the ONNX export comes from |\n|---|---|---|---|---|\n")
	for _, n := range PresetNames() {
		p := Presets[n]
		fit := p.Fit
		if p.DynamicFit != "" {
			fit += " (dynamic graphs: " + p.DynamicFit + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s (`%s`) | %d×%d, %s | %s | %s |\n", n, p.Description, p.Kind, p.Width, p.Height, fit, p.ScaleModes, p.Source)
	}
	return b.String()
}
