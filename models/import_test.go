package models

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ssmde/ssmde/internal/testmodel"
)

func byoFile(t *testing.T, name string) string {
	t.Helper()
	requireRuntime(t)
	return filepath.Join(testmodel.CopyDir(t, testmodel.BYO(t, name)), name+".onnx")
}

// Import reads each public export's real signature and writes what runs it.
func TestImportPresets(t *testing.T) {
	for _, tc := range []struct {
		graph, preset string
		check         func(m *Manifest) string
	}{
		{"da2_relative", "depth-anything-v2-relative", func(m *Manifest) string {
			if m.Depth.Input != "image" || m.Depth.Output != "depth" || m.Output.Kind != OutputAffineDisparity ||
				m.Input.Fit != FitStretch || m.Input.Width != 518 || m.Input.Height != 518 || m.MetricScale != nil {
				return "static DA-v2 export"
			}
			return ""
		}},
		{"da2_relative_dynamic", "depth-anything-v2-relative", func(m *Manifest) string {
			if m.Input.Fit != FitKeepAspect || m.Input.MultipleOf != 14 || m.Input.Width != 518 {
				return "dynamic DA-v2 export: keep_aspect, multiple of 14, nominal 518"
			}
			return ""
		}},
		{"da2_metric_outdoor", "depth-anything-v2-metric-outdoor", func(m *Manifest) string {
			if m.Output.Kind != OutputDepth || m.Output.MaxDepth != 80 || m.HasFocal() {
				return "metric DA-v2: depth clamped at 80 m, no focal"
			}
			return ""
		}},
		{"midas_v21_small", "midas-v21-small", func(m *Manifest) string {
			if m.Depth.Input != "input" || m.Depth.Output != "output" || m.Input.Width != 256 || !reflect.DeepEqual(m.Input.Std, imageNetStd) {
				return "MiDaS: the only input and output, 256², ImageNet std"
			}
			return ""
		}},
		{"metric3d_vit_small", "metric3d-v2", func(m *Manifest) string {
			if m.Depth.Output != "pred_depth" || m.Input.Fit != FitLetterbox || m.CanonicalFocal != 1000 || len(m.Input.Pad) != 3 ||
				m.Input.Width != 1064 || m.Input.Height != 616 || m.Input.Scale != 1 {
				return "Metric3D: letterbox with the mean colour, canonical focal 1000, raw 0..255"
			}
			return ""
		}},
		{"intrinsics_k", "ssmde", func(m *Manifest) string {
			if m.Depth.IntrinsicsInput != "cam_K" {
				return "the [1,3,3] input is the intrinsics"
			}
			return ""
		}},
	} {
		t.Run(tc.graph, func(t *testing.T) {
			path := byoFile(t, tc.graph)
			m, err := Import(path, tc.preset)
			if err != nil {
				t.Fatal(err)
			}
			if what := tc.check(m); what != "" {
				t.Fatalf("%s: got %+v", what, m)
			}
			dir := filepath.Dir(path)
			if _, err := WriteManifest(dir, m, false); err != nil {
				t.Fatal(err)
			}
			model, err := Open(dir, SessionConfig{})
			if err != nil {
				t.Fatalf("the imported manifest does not open: %v", err)
			}
			model.Close()
			if _, err := WriteManifest(dir, m, false); err == nil || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("second write: %v, want a refusal naming --force", err)
			}
		})
	}
}

// A graph that does not fit the preset gets an error naming what the graph has.
func TestImportMismatches(t *testing.T) {
	for _, tc := range []struct{ path, preset, want string }{
		{filepath.Join(tinyDir, "pose.onnx"), "depth-anything-v2-relative", `no input fits the preset: want a float32/float16 image input [1,3,H,W]; the graph's inputs are ["frames"`},
		{"metric3d_vit_small", "midas-v21-small", "is 1064x616, but midas-v21-small needs sides that are multiples of 32"},
		{"midas_v21_small", "no-such-net", "the presets are: depth-anything-v2-metric-indoor"},
		{"confidence_mask", "depth-anything-v2-relative", "multiples of 14"},
	} {
		path := tc.path
		if !strings.HasSuffix(path, ".onnx") {
			path = byoFile(t, path)
		} else {
			requireRuntime(t)
		}
		if _, err := Import(path, tc.preset); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s as %s: %v, want %q", filepath.Base(path), tc.preset, err, tc.want)
		}
	}
}

func TestResolveMapShape(t *testing.T) {
	for _, tc := range []struct {
		got     []int64
		want    []int64
		assumed bool
		err     string
	}{
		{[]int64{1, 1, 96, 320}, []int64{1, 1, 96, 320}, false, ""},
		{[]int64{1, 518, 518}, []int64{1, 518, 518}, false, ""},
		{[]int64{-1, -1, -1}, []int64{1, 70, 90}, true, ""},
		{[]int64{48, 160}, []int64{48, 160}, false, ""},
		{[]int64{1, 2, 96, 320}, nil, false, "dimension 1 is 2"},
		{[]int64{1, 1, 1, 96, 320}, nil, false, "rank 5"},
	} {
		got, assumed, err := ResolveMapShape(tc.got, 70, 90)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: %v, want %q", tc.got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) || assumed != tc.assumed {
			t.Errorf("%v: %v %v %v, want %v %v", tc.got, got, assumed, err, tc.want, tc.assumed)
		}
	}
}

// Contract v2 fields are validated with the field's name; v1 manifests still load.
func TestManifestV2Validation(t *testing.T) {
	base := "name: x\n" +
		"depth: {file: d.onnx, input: image, output: depth}\n" +
		"input: {width: 518, height: 518, color: rgb, scale: 0.0039, mean: [0,0,0], std: [1,1,1]}\n" +
		"output: {kind: affine_disparity}\n"
	if _, err := ParseManifest([]byte(base)); err != nil {
		t.Fatalf("minimal affine manifest rejected: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"std: [1,1,1]}", "std: [1,1,1], fit: squash}", `input.fit is "squash"`},
		{"std: [1,1,1]}", "std: [1,1,1], pad: [1, 2]}", "input.pad is [1 2]"},
		{"std: [1,1,1]}", "std: [1,1,1], pad: [1, 2, 300]}", "input.pad[2] is 300"},
		{"{kind: affine_disparity}", "{kind: affine_disparity, min_confidence: 0.5}", "needs depth.confidence_output"},
		{"{kind: affine_disparity}", "{kind: depth, max_depth: -3}", "output.max_depth is -3"},
		{"name: x", "name: x\nmetric_scale: 2", "affine_disparity output has no fixed scale"},
		{"name: x", "name: x\ncanonical_focal: -5", "canonical_focal is -5"},
		{"name: x", "name: x\ncanonical_focal: 1000\ntraining_intrinsics: {fx: 0.5, fy: 1, cx: 0.5, cy: 0.5}", "not both"},
		{"output: depth}", "output: depth, mask_output: depth}", `mask_output "depth" is also the depth output`},
		{"name: x", "name: x\npose: {file: p.onnx, input: frames, output: pose}\npose_convention: T_prev_from_cur\n", ""},
		{"std: [1,1,1]}", "std: [1,1,1], fit: letterbox}\npose: {file: p.onnx, input: frames, output: pose}\npose_convention: T_prev_from_cur", "a model with a pose net needs a fixed-size, unpadded input"},
	} {
		_, err := ParseManifest([]byte(strings.Replace(base, tc.from, tc.to, 1)))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.to, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.to, err, tc.want)
		}
	}
}

// A fixed-size graph cannot be reshaped; keep_aspect on one is refused at Open.
func TestReshapeNeedsDynamicGraph(t *testing.T) {
	path := byoFile(t, "da2_relative")
	m, err := Import(path, "depth-anything-v2-relative")
	if err != nil {
		t.Fatal(err)
	}
	m.Input.Fit, m.Input.MultipleOf = FitKeepAspect, 14
	if _, err := WriteManifest(filepath.Dir(path), m, false); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Dir(path), SessionConfig{}); err == nil || !strings.Contains(err.Error(), "keep_aspect, but input \"image\" has a fixed size") {
		t.Fatalf("keep_aspect on a static graph: %v", err)
	}
	m.Input.Fit = FitStretch
	if _, err := WriteManifest(filepath.Dir(path), m, true); err != nil {
		t.Fatal(err)
	}
	model, err := Open(filepath.Dir(path), SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer model.Close()
	if err := model.Depth.Reshape(700, 518); err == nil || !strings.Contains(err.Error(), "fixed size") {
		t.Fatalf("Reshape of a static graph: %v", err)
	}
}
