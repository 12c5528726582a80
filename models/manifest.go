package models

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// ManifestFile is the name of the model description inside a model folder.
const ManifestFile = "model.yaml"

// Output kinds a depth network may produce (DESIGN §4).
const (
	OutputSigmoidDisparity = "sigmoid_disparity"
	OutputInverseDepth     = "inverse_depth"
	OutputDepth            = "depth"
)

// PoseConventionPrevFromCur is the only pose convention we support: the pose net's 6 numbers
// (axis-angle then translation) map points of the current camera frame into the previous one.
const PoseConventionPrevFromCur = "T_prev_from_cur"

// NetSpec names one ONNX file and its single input and output.
type NetSpec struct {
	File   string `yaml:"file"`
	Input  string `yaml:"input"`
	Output string `yaml:"output"`
}

// InputSpec describes the tensor the depth net expects: size, channel order and normalisation
// value = (pixel·Scale − Mean[c]) / Std[c].
type InputSpec struct {
	Width  int       `yaml:"width"`
	Height int       `yaml:"height"`
	Color  string    `yaml:"color"` // rgb or bgr
	Scale  float64   `yaml:"scale"`
	Mean   []float64 `yaml:"mean"`
	Std    []float64 `yaml:"std"`
}

// OutputSpec says how to read the depth net's output as depth.
type OutputSpec struct {
	Kind     string  `yaml:"kind"`
	MinDepth float64 `yaml:"min_depth"`
	MaxDepth float64 `yaml:"max_depth"`
}

// NormalizedIntrinsics are intrinsics divided by image width (fx, cx) and height (fy, cy).
type NormalizedIntrinsics struct {
	Fx float64 `yaml:"fx"`
	Fy float64 `yaml:"fy"`
	Cx float64 `yaml:"cx"`
	Cy float64 `yaml:"cy"`
}

// Manifest is the parsed model.yaml of DESIGN §4.
type Manifest struct {
	Name               string               `yaml:"name"`
	Depth              NetSpec              `yaml:"depth"`
	Pose               *NetSpec             `yaml:"pose,omitempty"`
	Input              InputSpec            `yaml:"input"`
	Output             OutputSpec           `yaml:"output"`
	TrainingIntrinsics NormalizedIntrinsics `yaml:"training_intrinsics"`
	// MetricScale multiplies depth to give metres; nil when the model's scale is unknown.
	MetricScale    *float64 `yaml:"metric_scale,omitempty"`
	PoseConvention string   `yaml:"pose_convention,omitempty"`
	// Recipe is the training recipe's own record (architecture, checkpoint, seed); Go ignores it.
	Recipe map[string]any `yaml:"recipe,omitempty"`
	// Training holds free-form notes on how the model was trained (data, command, metrics).
	Training map[string]any `yaml:"training,omitempty"`

	// Dir is the folder the manifest was read from; ONNX paths are relative to it.
	Dir string `yaml:"-"`
}

// ParseManifest decodes model.yaml bytes and validates them. Unknown keys are an error so that a
// typo (say `min_dept`) does not silently fall back to a default.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("model.yaml: empty file")
		}
		return nil, fmt.Errorf("model.yaml: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// LoadManifest reads and validates DIR/model.yaml.
func LoadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model folder %s: %w (a model folder holds model.yaml and its ONNX files)", dir, err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Dir = dir
	return m, nil
}

// Validate checks every field a pipeline relies on and names the first bad one.
func (m *Manifest) Validate() error {
	bad := func(field string, value any, want string) error {
		return fmt.Errorf("model.yaml: %s is %v; %s", field, value, want)
	}
	if err := m.Depth.validate("depth"); err != nil {
		return err
	}
	if m.Pose != nil {
		if err := m.Pose.validate("pose"); err != nil {
			return err
		}
	}
	in := m.Input
	switch {
	case in.Width <= 0 || in.Width > 8192:
		return bad("input.width", in.Width, "want 1..8192")
	case in.Height <= 0 || in.Height > 8192:
		return bad("input.height", in.Height, "want 1..8192")
	case in.Color != "rgb" && in.Color != "bgr":
		return bad("input.color", fmt.Sprintf("%q", in.Color), `want "rgb" or "bgr"`)
	case !(in.Scale > 0) || math.IsInf(in.Scale, 0):
		return bad("input.scale", in.Scale, "want a positive number such as 0.00392156862 (1/255)")
	case len(in.Mean) != 3:
		return bad("input.mean", in.Mean, "want 3 values")
	case len(in.Std) != 3:
		return bad("input.std", in.Std, "want 3 values")
	}
	for c := 0; c < 3; c++ {
		if !(in.Std[c] > 0) || math.IsInf(in.Std[c], 0) {
			return bad(fmt.Sprintf("input.std[%d]", c), in.Std[c], "want a positive number")
		}
		if math.IsNaN(in.Mean[c]) || math.IsInf(in.Mean[c], 0) {
			return bad(fmt.Sprintf("input.mean[%d]", c), in.Mean[c], "want a finite number")
		}
	}
	out := m.Output
	switch out.Kind {
	case OutputSigmoidDisparity, OutputInverseDepth, OutputDepth:
	default:
		return bad("output.kind", fmt.Sprintf("%q", out.Kind), "want sigmoid_disparity, inverse_depth or depth")
	}
	if !(out.MinDepth > 0) || math.IsInf(out.MinDepth, 0) {
		return bad("output.min_depth", out.MinDepth, "want a positive number of model depth units")
	}
	if !(out.MaxDepth > out.MinDepth) || math.IsInf(out.MaxDepth, 0) {
		return bad("output.max_depth", out.MaxDepth, fmt.Sprintf("want a finite number above min_depth %v", out.MinDepth))
	}
	ti := m.TrainingIntrinsics
	if !(ti.Fx > 0) || !(ti.Fy > 0) || math.IsInf(ti.Fx, 0) || math.IsInf(ti.Fy, 0) {
		return bad("training_intrinsics", fmt.Sprintf("fx=%v fy=%v", ti.Fx, ti.Fy),
			"want positive focal lengths normalised by the input width and height (KITTI: fx 0.58, fy 1.92)")
	}
	if m.MetricScale != nil && (!(*m.MetricScale > 0) || math.IsInf(*m.MetricScale, 0)) {
		return bad("metric_scale", *m.MetricScale, "want a positive number, or omit it when the scale is unknown")
	}
	if m.Pose != nil && m.PoseConvention != PoseConventionPrevFromCur {
		return bad("pose_convention", fmt.Sprintf("%q", m.PoseConvention), `want "`+PoseConventionPrevFromCur+`"`)
	}
	return nil
}

func (n NetSpec) validate(key string) error {
	switch {
	case n.File == "":
		return fmt.Errorf("model.yaml: %s.file is empty; name the ONNX file, e.g. %s.onnx", key, key)
	case filepath.IsAbs(n.File) || filepath.Clean(n.File) != n.File || n.File == ".." || len(n.File) > 2 && n.File[:3] == "../":
		return fmt.Errorf("model.yaml: %s.file %q must be a plain path inside the model folder", key, n.File)
	case n.Input == "":
		return fmt.Errorf("model.yaml: %s.input is empty; name the ONNX graph input", key)
	case n.Output == "":
		return fmt.Errorf("model.yaml: %s.output is empty; name the ONNX graph output", key)
	}
	return nil
}

// FocalPixels returns the training focal length in pixels of the model input (fx·width).
func (m *Manifest) FocalPixels() (fx, fy float64) {
	return m.TrainingIntrinsics.Fx * float64(m.Input.Width), m.TrainingIntrinsics.Fy * float64(m.Input.Height)
}
