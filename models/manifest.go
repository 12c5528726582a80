package models

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ssmde/ssmde/internal/suggest"
)

// ManifestFile is the name of the model description inside a model folder.
const ManifestFile = "model.yaml"

// Output kinds a depth network may produce (DESIGN §4).
const (
	OutputSigmoidDisparity = "sigmoid_disparity" // Monodepth2-style students: d = 1/(1/max + (1/min − 1/max)·x)
	OutputInverseDepth     = "inverse_depth"     // d = 1/x
	OutputDepth            = "depth"             // d = x (metric networks: Metric3D, Depth Anything metric)
	// Affine-invariant outputs: the network knows the shape of the scene but neither its scale nor
	// an offset, so a scale mode must fit both per frame (camera_height, sparse_depth, fixed_affine).
	OutputAffineDisparity = "affine_disparity" // 1/d = s·x + t (MiDaS, Depth Anything relative)
	OutputAffineDepth     = "affine_depth"     // d = s·x + t (LeReS)
)

// IsAffineKind reports whether kind needs a scale AND a shift to become depth.
func IsAffineKind(kind string) bool {
	return kind == OutputAffineDisparity || kind == OutputAffineDepth
}

// Input fits: how a camera image of another aspect ratio meets the model input. The pipeline
// implements them; the manifest may name the one its network was trained with (input.fit).
const (
	FitStretch    = "stretch"     // whole image, aspect changes (intrinsics follow: fx and fy scale apart)
	FitCropCenter = "crop_center" // largest centred window of the model's aspect ratio
	FitCropBottom = "crop_bottom" // same, anchored at the bottom: keeps the road for driving cameras
	FitLetterbox  = "letterbox"   // whole image, aspect kept, padded with input.pad; the padding is not depth
	FitKeepAspect = "keep_aspect" // dynamic-size graphs: resize keeping aspect, sides a multiple of input.multiple_of
)

// Fits lists every fit, for messages.
var Fits = []string{FitStretch, FitCropCenter, FitCropBottom, FitLetterbox, FitKeepAspect}

// ValidFit reports whether fit names one of Fits.
func ValidFit(fit string) bool {
	for _, f := range Fits {
		if f == fit {
			return true
		}
	}
	return false
}

// PoseConventionPrevFromCur is the only pose convention we support: the pose net's 6 numbers
// (axis-angle then translation) map points of the current camera frame into the previous one.
const PoseConventionPrevFromCur = "T_prev_from_cur"

// NetSpec names one ONNX file, its image input and its main output. A depth net may also take
// the camera's intrinsics and give a confidence map and a sky/invalid mask (contract v2).
type NetSpec struct {
	File   string `yaml:"file"`
	Input  string `yaml:"input"`
	Output string `yaml:"output"`
	// IntrinsicsInput names a float input [1,4] (fx, fy, cx, cy) or [1,3,3] (K) in pixels of the
	// model input, for networks that take the camera.
	IntrinsicsInput string `yaml:"intrinsics_input,omitempty"`
	// ConfidenceOutput names a map of the depth output's size; pixels below
	// output.min_confidence become invalid.
	ConfidenceOutput string `yaml:"confidence_output,omitempty"`
	// MaskOutput names a sky/invalid mask of the depth output's size; pixels above
	// output.mask_threshold become invalid.
	MaskOutput string `yaml:"mask_output,omitempty"`
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
	// Fit is the fit the network expects (see Fits); empty leaves it to the user (stretch).
	Fit string `yaml:"fit,omitempty"`
	// MultipleOf rounds keep_aspect sizes (Depth Anything: 14); 0 or 1 means any size.
	MultipleOf int `yaml:"multiple_of,omitempty"`
	// Pad is the letterbox padding colour as 8-bit R, G, B values before normalisation
	// (Metric3D pads with the ImageNet mean, 123.675 116.28 103.53); empty pads with 0.
	Pad []float64 `yaml:"pad,omitempty"`
}

// OutputSpec says how to read the depth net's output as depth. For sigmoid_disparity, MinDepth
// and MaxDepth are the network's range in model units (required); for every other kind they are
// optional clamps of the metric depth (0: none).
type OutputSpec struct {
	Kind     string  `yaml:"kind"`
	MinDepth float64 `yaml:"min_depth,omitempty"`
	MaxDepth float64 `yaml:"max_depth,omitempty"`
	// MinConfidence: with depth.confidence_output, pixels whose confidence is below it are invalid.
	MinConfidence float64 `yaml:"min_confidence,omitempty"`
	// MaskThreshold: with depth.mask_output, pixels whose mask is above it are invalid (default 0.5).
	MaskThreshold float64 `yaml:"mask_threshold,omitempty"`
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
	Name   string     `yaml:"name"`
	Depth  NetSpec    `yaml:"depth"`
	Pose   *NetSpec   `yaml:"pose,omitempty"`
	Input  InputSpec  `yaml:"input"`
	Output OutputSpec `yaml:"output"`
	// TrainingIntrinsics are the intrinsics the network learned depth with (focal scale mode);
	// optional for networks trained on many cameras.
	TrainingIntrinsics NormalizedIntrinsics `yaml:"training_intrinsics,omitempty"`
	// CanonicalFocal (pixels of the model input) is the focal length a metric network's output
	// assumes (Metric3D: 1000); the focal scale mode multiplies depth by f_cam / CanonicalFocal.
	CanonicalFocal float64 `yaml:"canonical_focal,omitempty"`
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
		return nil, fmt.Errorf("model.yaml: %w%s", err, unknownFieldHints(err))
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// unknownFieldRE matches yaml.v3's KnownFields error, one line per unknown key.
var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type (?:\w+\.)*(\w+)`)

// unknownFieldHints turns yaml.v3's "field min_dept not found in type models.OutputSpec" into
// ` (min_dept: did you mean "min_depth"?)` from the yaml keys of that struct, found by walking the
// Manifest type; "" when the error has no unknown field or nothing is close.
func unknownFieldHints(err error) string {
	keys := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || keys[t.Name()] != nil {
			return
		}
		keys[t.Name()] = []string{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			keys[t.Name()] = append(keys[t.Name()], name)
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(Manifest{}))
	var hints []string
	for _, m := range unknownFieldRE.FindAllStringSubmatch(err.Error(), -1) {
		if h := suggest.DidYouMean(m[1], keys[m[2]]); h != "" {
			hints = append(hints, m[1]+":"+strings.TrimPrefix(h, ";"))
		}
	}
	if len(hints) == 0 {
		return ""
	}
	return " (" + strings.Join(hints, "; ") + ")"
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
	if in.Fit != "" && !ValidFit(in.Fit) {
		return bad("input.fit", fmt.Sprintf("%q", in.Fit), "want one of "+strings.Join(Fits, ", "))
	}
	if in.MultipleOf < 0 || in.MultipleOf > 1024 {
		return bad("input.multiple_of", in.MultipleOf, "want 0..1024 (0: any size)")
	}
	if len(in.Pad) != 0 {
		if len(in.Pad) != 3 {
			return bad("input.pad", in.Pad, "want 3 values (R G B, 0..255)")
		}
		for c, v := range in.Pad {
			if !(v >= 0 && v <= 255) {
				return bad(fmt.Sprintf("input.pad[%d]", c), v, "want 0..255")
			}
		}
	}
	out := m.Output
	switch out.Kind {
	case OutputSigmoidDisparity, OutputInverseDepth, OutputDepth, OutputAffineDisparity, OutputAffineDepth:
	default:
		return bad("output.kind", fmt.Sprintf("%q", out.Kind),
			"want sigmoid_disparity, inverse_depth, depth, affine_disparity or affine_depth")
	}
	if out.Kind == OutputSigmoidDisparity {
		if !(out.MinDepth > 0) || math.IsInf(out.MinDepth, 0) {
			return bad("output.min_depth", out.MinDepth, "want a positive number of model depth units (sigmoid_disparity maps onto [min_depth, max_depth])")
		}
		if !(out.MaxDepth > out.MinDepth) || math.IsInf(out.MaxDepth, 0) {
			return bad("output.max_depth", out.MaxDepth, fmt.Sprintf("want a finite number above min_depth %v", out.MinDepth))
		}
	} else {
		if out.MinDepth < 0 || math.IsNaN(out.MinDepth) || math.IsInf(out.MinDepth, 0) {
			return bad("output.min_depth", out.MinDepth, "want 0 (no clamp) or a positive number of metres")
		}
		if out.MaxDepth < 0 || math.IsNaN(out.MaxDepth) || math.IsInf(out.MaxDepth, 0) || (out.MaxDepth > 0 && out.MaxDepth <= out.MinDepth) {
			return bad("output.max_depth", out.MaxDepth, fmt.Sprintf("want 0 (no clamp) or a finite number above min_depth %v", out.MinDepth))
		}
	}
	if !(out.MinConfidence >= 0) || math.IsInf(out.MinConfidence, 0) {
		return bad("output.min_confidence", out.MinConfidence, "want a finite number >= 0")
	}
	if out.MinConfidence > 0 && m.Depth.ConfidenceOutput == "" {
		return bad("output.min_confidence", out.MinConfidence, "needs depth.confidence_output, the name of the confidence map")
	}
	if !(out.MaskThreshold >= 0) || math.IsInf(out.MaskThreshold, 0) {
		return bad("output.mask_threshold", out.MaskThreshold, "want a finite number >= 0 (default 0.5)")
	}
	ti := m.TrainingIntrinsics
	if ti != (NormalizedIntrinsics{}) && (!(ti.Fx > 0) || !(ti.Fy > 0) || math.IsInf(ti.Fx, 0) || math.IsInf(ti.Fy, 0)) {
		return bad("training_intrinsics", fmt.Sprintf("fx=%v fy=%v", ti.Fx, ti.Fy),
			"want positive focal lengths normalised by the input width and height (KITTI: fx 0.58, fy 1.92), or omit it")
	}
	if m.CanonicalFocal < 0 || math.IsNaN(m.CanonicalFocal) || math.IsInf(m.CanonicalFocal, 0) {
		return bad("canonical_focal", m.CanonicalFocal, "want a positive focal length in pixels (Metric3D: 1000), or omit it")
	}
	if m.CanonicalFocal > 0 && ti != (NormalizedIntrinsics{}) {
		return bad("canonical_focal", m.CanonicalFocal, "give either canonical_focal or training_intrinsics, not both")
	}
	if IsAffineKind(out.Kind) && m.MetricScale != nil {
		return bad("metric_scale", *m.MetricScale, out.Kind+" output has no fixed scale; omit metric_scale and pick a scale mode (camera_height, sparse_depth, fixed_affine)")
	}
	if m.Pose != nil && (m.Pose.IntrinsicsInput != "" || m.Pose.ConfidenceOutput != "" || m.Pose.MaskOutput != "") {
		return bad("pose", "intrinsics_input/confidence_output/mask_output", "only the depth net takes these")
	}
	if m.Pose != nil && (in.Fit == FitKeepAspect || in.Fit == FitLetterbox) {
		return bad("input.fit", in.Fit, "a model with a pose net needs a fixed-size, unpadded input (stretch, crop_center or crop_bottom)")
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
	case n.IntrinsicsInput != "" && n.IntrinsicsInput == n.Input:
		return fmt.Errorf("model.yaml: %s.intrinsics_input %q is also the image input", key, n.IntrinsicsInput)
	case n.ConfidenceOutput != "" && (n.ConfidenceOutput == n.Output || n.ConfidenceOutput == n.MaskOutput):
		return fmt.Errorf("model.yaml: %s.confidence_output %q is also another output", key, n.ConfidenceOutput)
	case n.MaskOutput != "" && n.MaskOutput == n.Output:
		return fmt.Errorf("model.yaml: %s.mask_output %q is also the depth output", key, n.MaskOutput)
	}
	return nil
}

// FocalPixels returns the training focal length in pixels of the model input (fx·width), or the
// canonical focal; zeros when the manifest has neither.
func (m *Manifest) FocalPixels() (fx, fy float64) {
	if m.CanonicalFocal > 0 {
		return m.CanonicalFocal, m.CanonicalFocal
	}
	return m.TrainingIntrinsics.Fx * float64(m.Input.Width), m.TrainingIntrinsics.Fy * float64(m.Input.Height)
}

// HasFocal reports whether the manifest says which focal length its depth assumes.
func (m *Manifest) HasFocal() bool {
	return m.CanonicalFocal > 0 || m.TrainingIntrinsics.Fx > 0
}

// DefaultFit is the fit to use when the user names none: the manifest's, else stretch.
func (m *Manifest) DefaultFit() string {
	if m.Input.Fit != "" {
		return m.Input.Fit
	}
	return FitStretch
}
