package models

import (
	"bytes"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const tinyDir = "testdata/tiny"

// requireRuntime fails (never skips) when ONNX Runtime is missing: `make setup` installs it.
func requireRuntime(t testing.TB) {
	t.Helper()
	if _, err := InitRuntime(""); err != nil {
		t.Fatalf("ONNX Runtime is required for this test: %v (run `make setup`)", err)
	}
}

// copyModel copies the tiny model into a temp dir, replacing model.yaml when yaml is not empty.
func copyModel(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"depth.onnx", "pose.onnx", "model.yaml"} {
		data, err := os.ReadFile(filepath.Join(tinyDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "model.yaml" && yaml != "" {
			data = []byte(yaml)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func tinyYAML(t *testing.T) string {
	data, err := os.ReadFile(filepath.Join(tinyDir, "model.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestOpenRunsKnownFunctions(t *testing.T) {
	requireRuntime(t)
	var logs bytes.Buffer
	m, err := Open(tinyDir, SessionConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil)), IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Provider() != ProviderCPU {
		t.Fatalf("provider = %q, want cpu", m.Provider())
	}
	if !strings.Contains(logs.String(), "depth.onnx runs on cpu") {
		t.Fatalf("no provider log line; logs:\n%s", logs.String())
	}
	// depth: sigmoid(4/3 * sum_c x_c - 2) per pixel.
	in := m.Depth.Input()
	if len(in) != 3*8*16 {
		t.Fatalf("input len %d", len(in))
	}
	for i := range in {
		in[i] = float32(i%7) / 7
	}
	if err := m.Depth.Run(); err != nil {
		t.Fatal(err)
	}
	out := m.Depth.Output()
	for p := 0; p < 8*16; p++ {
		sum := float64(in[p]) + float64(in[128+p]) + float64(in[256+p])
		want := 1 / (1 + math.Exp(-(4.0/3.0*sum - 2)))
		if math.Abs(float64(out[p])-want) > 1e-6 {
			t.Fatalf("disp[%d] = %v, want %v", p, out[p], want)
		}
	}
	// pose: 0.01 × per-channel mean.
	pin := m.Pose.Input()
	for c := 0; c < 6; c++ {
		for p := 0; p < 128; p++ {
			pin[c*128+p] = float32(c + 1)
		}
	}
	if err := m.Pose.Run(); err != nil {
		t.Fatal(err)
	}
	for c, v := range m.Pose.Output() {
		if want := 0.01 * float64(c+1); math.Abs(float64(v)-want) > 1e-7 {
			t.Fatalf("pose[%d] = %v, want %v", c, v, want)
		}
	}
}

func TestProviderFallbackToCPU(t *testing.T) {
	requireRuntime(t)
	var logs bytes.Buffer
	providers, err := ParseProviderList("tensorrt,cuda,cpu")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(tinyDir, SessionConfig{Providers: providers, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Provider() != ProviderCPU {
		t.Fatalf("provider = %q, want cpu (the CPU-only runtime has neither TensorRT nor CUDA)", m.Provider())
	}
	log := logs.String()
	t.Log(log)
	for _, want := range []string{"depth.onnx runs on cpu", "tensorrt unavailable", "cuda unavailable", "level=WARN"} {
		if !strings.Contains(log, want) {
			t.Errorf("fallback log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "depth.onnx runs on"); n != 1 {
		t.Errorf("want exactly one provider line for depth.onnx, got %d:\n%s", n, log)
	}
}

func TestManifestDisagreesWithONNX(t *testing.T) {
	requireRuntime(t)
	base := tinyYAML(t)
	cases := []struct {
		name, from, to, wantErr string
	}{
		{"wrong input name", "input: image,", "input: rgb,", `no input named "rgb"`},
		{"wrong output name", "output: disp}", "output: depth}", `no output named "depth"`},
		{"wrong size", "width: 16,", "width: 32,", `has shape [1 3 8 16], but model.yaml (depth.input) implies [1 3 8 32]`},
		{"missing file", "file: pose.onnx", "file: posenet.onnx", "posenet.onnx (model.yaml pose.file): cannot be loaded"},
		{"pose output", "output: pose}", "output: motion}", `pose.onnx: no output named "motion"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.from) {
				t.Fatalf("fixture lacks %q", c.from)
			}
			dir := copyModel(t, strings.Replace(base, c.from, c.to, 1))
			m, err := Open(dir, SessionConfig{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))})
			if err == nil {
				m.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %q lacks %q", err, c.wantErr)
			}
		})
	}
}

func TestManifestValidation(t *testing.T) {
	base := "name: x\n" +
		"depth: {file: depth.onnx, input: image, output: disp}\n" +
		"input: {width: 640, height: 192, color: rgb, scale: 0.0039, mean: [0,0,0], std: [1,1,1]}\n" +
		"output: {kind: sigmoid_disparity, min_depth: 0.1, max_depth: 100}\n" +
		"training_intrinsics: {fx: 0.58, fy: 1.92, cx: 0.5, cy: 0.5}\n"
	if _, err := ParseManifest([]byte(base)); err != nil {
		t.Fatalf("valid manifest rejected: %v", err)
	}
	cases := []struct{ from, to, wantErr string }{
		{"color: rgb", "color: yuv", `input.color is "yuv"`},
		{"kind: sigmoid_disparity", "kind: logits", `output.kind is "logits"`},
		{"max_depth: 100", "max_depth: 0.05", "output.max_depth is 0.05"},
		{"min_depth: 0.1", "min_depth: 0", "output.min_depth is 0"},
		{"std: [1,1,1]", "std: [1,0,1]", "input.std[1] is 0"},
		{"mean: [0,0,0]", "mean: [0,0]", "input.mean is [0 0]"},
		{"width: 640", "width: -3", "input.width is -3"},
		{"fx: 0.58", "fx: 0", "training_intrinsics is fx=0"},
		{"file: depth.onnx", "file: ../depth.onnx", "must be a plain path inside the model folder"},
		{"input: image", "input: ''", "depth.input is empty"},
		{"name: x", "name: x\nmin_dept: 3", "field min_dept not found"},
		{"min_depth: 0.1", "min_dept: 0.1", `min_dept: did you mean "min_depth"?`},            // a key of output
		{"width: 640", "widht: 640", `widht: did you mean "width"?`},                          // a key of input
		{"name: x", "name: x\nmetric_scael: 3", `metric_scael: did you mean "metric_scale"?`}, // top level
		{"name: x", "name: x\nmetric_scale: -1", "metric_scale is -1"},
		{"name: x", "name: x\npose: {file: p.onnx, input: frames, output: pose}", `pose_convention is ""`},
	}
	for _, c := range cases {
		_, err := ParseManifest([]byte(strings.Replace(base, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s → %s: error %v, want it to contain %q", c.from, c.to, err, c.wantErr)
		}
	}
	if _, err := ParseManifest(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty manifest: %v", err)
	}
}

func TestLoadManifestMissingFolder(t *testing.T) {
	_, err := LoadManifest(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "model.yaml") {
		t.Fatalf("error %v should name model.yaml", err)
	}
}

func TestFindRuntimeLibraryExplicitMissing(t *testing.T) {
	_, err := FindRuntimeLibrary("/nonexistent/libonnxruntime.so")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/libonnxruntime.so") {
		t.Fatalf("error %v should name the missing path", err)
	}
	t.Setenv(RuntimeLibraryEnv, "/also/missing.so")
	_, err = FindRuntimeLibrary("")
	if err == nil || !strings.Contains(err.Error(), "$ONNXRUNTIME_LIB") {
		t.Fatalf("error %v should name $ONNXRUNTIME_LIB", err)
	}
}

func TestProviderOptionMapping(t *testing.T) {
	p := ProviderConfig{Name: ProviderTensorRT, DeviceID: 1, FP16: true, WorkspaceBytes: 1 << 30,
		EngineCacheDir: "/var/cache/ssmde/trt", TimingCacheDir: "/var/cache/ssmde/timing", UseDLA: true, DLACore: 1}
	got := p.ORTOptions()
	want := map[string]string{
		"device_id": "1", "trt_fp16_enable": "1", "trt_int8_enable": "0",
		"trt_engine_cache_enable": "1", "trt_engine_cache_path": "/var/cache/ssmde/trt",
		"trt_timing_cache_enable": "1", "trt_timing_cache_path": "/var/cache/ssmde/timing",
		"trt_max_workspace_size": "1073741824", "trt_dla_enable": "1", "trt_dla_core": "1",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	plain := ProviderConfig{Name: ProviderTensorRT}.ORTOptions()
	if plain["trt_engine_cache_enable"] != "0" || plain["trt_fp16_enable"] != "0" {
		t.Errorf("defaults: %v", plain)
	}
	if _, ok := plain["trt_max_workspace_size"]; ok {
		t.Errorf("workspace set without being asked: %v", plain)
	}
	if got := (ProviderConfig{Name: ProviderCUDA, DeviceID: 2}).ORTOptions(); got["device_id"] != "2" || len(got) != 1 {
		t.Errorf("cuda options %v", got)
	}
	if _, err := ParseProviderList("tensorrt, gpu"); err == nil || !strings.Contains(err.Error(), `"gpu" unknown`) {
		t.Errorf("unknown provider: %v", err)
	}
	list, err := ParseProviderList("TensorRT,cpu")
	if err != nil || len(list) != 2 || !list[0].FP16 || list[1].Name != ProviderCPU {
		t.Errorf("ParseProviderList: %v %v", list, err)
	}
}

// TestBadRuntimeLibraryIsAnError loads a missing and a non-library ONNX Runtime in child
// processes (the runtime loads once per process): each must fail with the path in the message.
func TestBadRuntimeLibraryIsAnError(t *testing.T) {
	if os.Getenv("SSMDE_OPEN_CHILD") == "1" {
		_, err := Open(tinyDir, SessionConfig{})
		if err == nil {
			os.Stdout.WriteString("opened")
			os.Exit(0)
		}
		os.Stdout.WriteString(err.Error())
		os.Exit(3)
	}
	junk := filepath.Join(t.TempDir(), "libonnxruntime.so")
	os.WriteFile(junk, []byte("not a shared library"), 0o644)
	for _, c := range []struct{ lib, want string }{
		{"/nonexistent/libonnxruntime.so", "/nonexistent/libonnxruntime.so, given by $ONNXRUNTIME_LIB: the file does not exist"},
		{junk, "loading ONNX Runtime from " + junk},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBadRuntimeLibraryIsAnError$")
		cmd.Env = append(os.Environ(), "SSMDE_OPEN_CHILD=1", RuntimeLibraryEnv+"="+c.lib)
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("%s: child exited with %v (a panic exits 2):\n%s", c.lib, err, out)
		}
		if !strings.Contains(string(out), c.want) {
			t.Fatalf("%s: error %q lacks %q", c.lib, out, c.want)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	data, _ := os.ReadFile(filepath.Join(tinyDir, "model.yaml"))
	f.Add(data)
	f.Add([]byte("input: {width: 99999999999999999999}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			return
		}
		// Whatever parses must be what Validate accepts.
		if err := m.Validate(); err != nil {
			t.Fatalf("ParseManifest accepted a manifest Validate rejects: %v", err)
		}
	})
}

// TestSessionThreadsAndSpinning: under TensorRT/CUDA an unset thread count becomes GPUThreads, a set
// one stays; with spinning off the session still opens and runs the known function.
func TestSessionThreadsAndSpinning(t *testing.T) {
	for _, c := range []struct {
		provider    string
		configured  int
		wantThreads int
	}{{ProviderCPU, 0, 0}, {ProviderCPU, 3, 3}, {ProviderCUDA, 0, GPUThreads}, {ProviderTensorRT, 0, GPUThreads}, {ProviderTensorRT, 4, 4}} {
		if got := IntraOpThreadsFor(c.provider, c.configured); got != c.wantThreads {
			t.Errorf("IntraOpThreadsFor(%s, %d) = %d, want %d", c.provider, c.configured, got, c.wantThreads)
		}
	}
	requireRuntime(t)
	m, err := Open(tinyDir, SessionConfig{IntraOpThreads: 2, NoSpinning: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	in := m.Depth.Input()
	for i := range in {
		in[i] = 0.5
	}
	if err := m.Depth.Run(); err != nil {
		t.Fatal(err)
	}
	// sigmoid(4/3 · 3 · 0.5 − 2) = sigmoid(0) = 0.5.
	if out := m.Depth.Output(); math.Abs(float64(out[0])-0.5) > 1e-6 {
		t.Fatalf("depth output %v, want 0.5", out[0])
	}
}
