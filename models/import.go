package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
	"gopkg.in/yaml.v3"
)

// Import reads an ONNX file's real inputs and outputs and writes the manifest that runs it
// under preset: it picks the image input (float [1,3,H,W]), an intrinsics input if the graph has
// one ([1,4] or [1,3,3]), and the depth output ([H,W], [1,H,W] or [1,1,H,W]); a graph that does
// not fit the preset gets an error naming what the graph has. The ONNX Runtime library must be
// initialised (InitRuntime). The manifest is validated but not written (see WriteManifest).
func Import(onnxPath, presetName string) (*Manifest, error) {
	p, err := LookupPreset(presetName)
	if err != nil {
		return nil, err
	}
	inputs, outputs, err := ort.GetInputOutputInfo(onnxPath)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot be loaded as ONNX: %w", onnxPath, err)
	}
	file := filepath.Base(onnxPath)
	isFloat := func(i ort.InputOutputInfo) bool {
		return i.DataType == ort.TensorElementDataTypeFloat || i.DataType == ort.TensorElementDataTypeFloat16
	}
	image, err := pick(file, "input", inputs, p.InputNames, func(i ort.InputOutputInfo) bool {
		d := i.Dimensions
		return isFloat(i) && len(d) == 4 && d[0] <= 1 && (d[1] == 3 || d[1] <= 0)
	}, "a float32/float16 image input [1,3,H,W]")
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		Name:  strings.TrimSuffix(file, filepath.Ext(file)) + " (" + p.Name + ")",
		Depth: NetSpec{File: file, Input: image.Name},
		Input: InputSpec{Color: p.Color, Scale: p.Scale, Mean: append([]float64(nil), p.Mean...), Std: append([]float64(nil), p.Std...),
			Fit: p.Fit, Pad: append([]float64(nil), p.Pad...)},
		Output:             OutputSpec{Kind: p.Kind, MinDepth: p.MinDepth, MaxDepth: p.MaxDepth},
		TrainingIntrinsics: p.TrainingIntrinsics,
		CanonicalFocal:     p.CanonicalFocal,
	}
	h, w := image.Dimensions[2], image.Dimensions[3]
	switch {
	case h > 0 && w > 0:
		m.Input.Width, m.Input.Height = int(w), int(h)
	case h <= 0 && w <= 0:
		m.Input.Width, m.Input.Height = p.Width, p.Height
		if p.DynamicFit != "" {
			m.Input.Fit = p.DynamicFit
		}
	default:
		return nil, fmt.Errorf("%s: input %q has shape %v: only one of height and width is dynamic; the contract needs both fixed or both dynamic",
			file, image.Name, []int64(image.Dimensions))
	}
	if m.Input.Fit == FitKeepAspect {
		m.Input.MultipleOf = p.MultipleOf
	}
	if p.MultipleOf > 1 && (m.Input.Width%p.MultipleOf != 0 || m.Input.Height%p.MultipleOf != 0) {
		return nil, fmt.Errorf("%s: input %q is %dx%d, but %s needs sides that are multiples of %d",
			file, image.Name, m.Input.Width, m.Input.Height, p.Name, p.MultipleOf)
	}
	for _, in := range inputs {
		if in.Name == image.Name {
			continue
		}
		d := in.Dimensions
		if isFloat(in) && ((len(d) == 2 && d[1] == 4) || (len(d) == 3 && d[1] == 3 && d[2] == 3)) {
			m.Depth.IntrinsicsInput = in.Name
			continue
		}
		return nil, fmt.Errorf("%s: input %q %s %v is neither the image nor camera intrinsics ([1,4] or [1,3,3]); the graph's inputs are %s",
			file, in.Name, in.DataType, []int64(d), describeIO(inputs))
	}
	out, err := pick(file, "output", outputs, p.OutputNames, func(i ort.InputOutputInfo) bool {
		_, _, err := ResolveMapShape(i.Dimensions, 1, 1)
		return isFloat(i) && err == nil
	}, "a float32/float16 depth output [H,W], [1,H,W] or [1,1,H,W]")
	if err != nil {
		return nil, err
	}
	m.Depth.Output = out.Name
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// pick finds the graph tensor that fits: the first preferred name that exists and fits, else the
// only tensor that fits.
func pick(file, role string, infos []ort.InputOutputInfo, preferred []string, fits func(ort.InputOutputInfo) bool, want string) (ort.InputOutputInfo, error) {
	for _, name := range preferred {
		for _, i := range infos {
			if i.Name == name && fits(i) {
				return i, nil
			}
		}
	}
	var found []ort.InputOutputInfo
	for _, i := range infos {
		if fits(i) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return ort.InputOutputInfo{}, fmt.Errorf("%s: no %s fits the preset: want %s; the graph's %ss are %s", file, role, want, role, describeIO(infos))
	}
	return ort.InputOutputInfo{}, fmt.Errorf("%s: %d %ss could be the %s (%s); the preset prefers %v: rename one or edit model.yaml by hand",
		file, len(found), role, want, describeIO(found), preferred)
}

// ErrManifestExists is returned by WriteManifest when the folder already has a model.yaml.
var ErrManifestExists = errors.New("model.yaml exists")

// WriteManifest writes m as DIR/model.yaml, whole or not at all (a temporary file renamed into
// place), refusing to replace an existing one unless force.
func WriteManifest(dir string, m *Manifest, force bool) (string, error) {
	path := filepath.Join(dir, ManifestFile)
	if _, err := os.Stat(path); err == nil && !force {
		return path, fmt.Errorf("%s: %w (give --force to replace it)", path, ErrManifestExists)
	}
	data, err := yaml.Marshal(m)
	if err != nil {
		return path, err
	}
	header := "# Written by `ssmde models import`; edit freely (DESIGN §4: the model contract).\n"
	tmp, err := os.CreateTemp(dir, ".model.yaml.*")
	if err != nil {
		return path, err
	}
	_, werr := tmp.Write(append([]byte(header), data...))
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return path, werr
	}
	return path, nil
}
