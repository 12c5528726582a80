package models

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	ort "github.com/yalue/onnxruntime_go"
)

// SessionConfig says how to run the ONNX files of a model.
type SessionConfig struct {
	// Providers in order of preference; the CPU is always the last resort. Empty means CPU only.
	Providers []ProviderConfig
	// IntraOpThreads is the thread count inside one operator; 0 chooses: ONNX Runtime's default
	// (one per core) on the CPU, GPUThreads under TensorRT or CUDA, where the CPU only feeds the GPU.
	IntraOpThreads int
	// NoSpinning stops ONNX Runtime's worker threads from busy-waiting for the next operator after a
	// Run (session.intra_op.allow_spinning = 0). Spinning shaves a little latency off back-to-back
	// Runs but burns a core between frames; the node, fed at camera rate, turns it off.
	NoSpinning bool
	// PoseIntraOpThreads is the pose net's thread count (0: IntraOpThreads): with the pose net
	// running beside the depth net (pipeline.Config.ParallelPose) the cores are split between them.
	PoseIntraOpThreads int
	// RuntimeLibrary is the ONNX Runtime shared library; empty searches (see FindRuntimeLibrary).
	RuntimeLibrary string
	// Logger receives the one line saying which provider runs; nil uses slog.Default().
	Logger *slog.Logger
}

// Net is one ONNX graph bound to preallocated tensors: callers fill Input() in place, call Run,
// and read Output() in place, so the steady path allocates nothing. Inputs and outputs may be
// float32 or float16 (a float16 tensor is staged as float32 and converted at Run). Besides its
// image input and main output a depth net may have an intrinsics input and confidence and mask
// outputs (contract v2). A graph with dynamic input height and width can be Reshaped. A Net is
// not safe for concurrent use.
type Net struct {
	name     string
	key      string // model.yaml key: depth or pose
	path     string
	spec     NetSpec
	provider string
	chosen   ProviderConfig // the provider the session runs on, reused by Reshape
	threads  int
	noSpin   bool
	session  *ort.AdvancedSession

	graphIn, graphOut []ort.InputOutputInfo
	image             *tensorSlot
	intrinsics        *tensorSlot // nil without depth.intrinsics_input
	output            *tensorSlot
	confidence, mask  *tensorSlot // nil when absent
	dynamicHW         bool        // the image input's height and width are dynamic
	assumedOut        bool        // an output dimension was taken from the input's size
	fixedOut          []int64     // pose: the exact output shape
}

// tensorSlot is one bound tensor. For float16 the pipeline reads and writes stage (float32) and
// Run converts to and from raw, the tensor's bytes.
type tensorSlot struct {
	name  string
	shape []int64
	f32   *ort.Tensor[float32]
	f16   *ort.CustomDataTensor
	raw   []byte
	stage []float32
}

func newSlot(name string, dtype ort.TensorElementDataType, shape []int64) (*tensorSlot, error) {
	s := &tensorSlot{name: name, shape: append([]int64(nil), shape...)}
	var err error
	if dtype == ort.TensorElementDataTypeFloat16 {
		n := ort.NewShape(shape...).FlattenedSize()
		s.raw = make([]byte, 2*n)
		s.stage = make([]float32, n)
		s.f16, err = ort.NewCustomDataTensor(ort.NewShape(shape...), s.raw, ort.TensorElementDataTypeFloat16)
	} else {
		s.f32, err = ort.NewEmptyTensor[float32](ort.NewShape(shape...))
	}
	if err != nil {
		return nil, fmt.Errorf("tensor %q %v: %w", name, shape, err)
	}
	return s, nil
}

func (s *tensorSlot) data() []float32 {
	if s == nil {
		return nil
	}
	if s.f16 != nil {
		return s.stage
	}
	return s.f32.GetData()
}

func (s *tensorSlot) value() ort.Value {
	if s.f16 != nil {
		return s.f16
	}
	return s.f32
}

func (s *tensorSlot) toTensor() {
	if s != nil && s.f16 != nil {
		EncodeFloat16(s.raw, s.stage)
	}
}

func (s *tensorSlot) fromTensor() {
	if s != nil && s.f16 != nil {
		DecodeFloat16(s.stage, s.raw)
	}
}

func (s *tensorSlot) destroy() {
	if s == nil {
		return
	}
	if s.f32 != nil {
		s.f32.Destroy()
		s.f32 = nil
	}
	if s.f16 != nil {
		s.f16.Destroy()
		s.f16 = nil
	}
}

// Input is the image input's backing memory, row-major in InputShape order.
func (n *Net) Input() []float32 { return n.image.data() }

// Output is the main output's backing memory, valid after Run until the next Run.
func (n *Net) Output() []float32 { return n.output.data() }

// Confidence is the confidence map (nil without depth.confidence_output), valid after Run.
func (n *Net) Confidence() []float32 { return n.confidence.data() }

// Mask is the sky/invalid mask (nil without depth.mask_output), valid after Run.
func (n *Net) Mask() []float32 { return n.mask.data() }

// InputShape returns the image input tensor's shape.
func (n *Net) InputShape() []int64 { return n.image.shape }

// OutputShape returns the main output tensor's shape.
func (n *Net) OutputShape() []int64 { return n.output.shape }

// OutputSize is the width and height of the main output (its last two dimensions; 1 and 1 for
// the pose net's [1,6]).
func (n *Net) OutputSize() (w, h int) {
	s := n.output.shape
	if len(s) < 3 {
		if len(s) == 2 && n.fixedOut == nil {
			return int(s[1]), int(s[0])
		}
		return 1, 1
	}
	return int(s[len(s)-1]), int(s[len(s)-2])
}

// InputSize is the width and height of the image input.
func (n *Net) InputSize() (w, h int) { return int(n.image.shape[3]), int(n.image.shape[2]) }

// DynamicInput reports whether the graph accepts other input sizes (Reshape).
func (n *Net) DynamicInput() bool { return n.dynamicHW }

// InputFloat16 reports whether the graph takes a float16 image.
func (n *Net) InputFloat16() bool { return n.image.f16 != nil }

// OutputFloat16 reports whether the graph's main output is float16.
func (n *Net) OutputFloat16() bool { return n.output.f16 != nil }

// HasIntrinsicsInput reports whether the graph takes the camera's intrinsics.
func (n *Net) HasIntrinsicsInput() bool { return n.intrinsics != nil }

// SetIntrinsics writes the intrinsics input (pixels of the model input): (fx, fy, cx, cy) for a
// [1,4] input, K for [1,3,3]. No-op without an intrinsics input.
func (n *Net) SetIntrinsics(fx, fy, cx, cy float64) {
	d := n.intrinsics.data()
	switch len(d) {
	case 4:
		d[0], d[1], d[2], d[3] = float32(fx), float32(fy), float32(cx), float32(cy)
	case 9:
		copy(d, []float32{float32(fx), 0, float32(cx), 0, float32(fy), float32(cy), 0, 0, 1})
	}
}

// Provider is the execution provider the session runs on.
func (n *Net) Provider() string { return n.provider }

// Run executes the graph on the current contents of the inputs.
func (n *Net) Run() error {
	n.image.toTensor()
	n.intrinsics.toTensor()
	if err := n.session.Run(); err != nil {
		if n.assumedOut {
			return fmt.Errorf("%s: %w (model.yaml %s.output: the graph's output size is dynamic and was taken to equal the input's %v)",
				n.name, err, n.key, n.image.shape)
		}
		return fmt.Errorf("%s: %w", n.name, err)
	}
	n.output.fromTensor()
	n.confidence.fromTensor()
	n.mask.fromTensor()
	return nil
}

// Reshape gives a graph with dynamic input height and width a new input size: its tensors and
// session are made anew on the same provider (a TensorRT engine is built for the new size).
// It is for a change of camera, not for every frame.
func (n *Net) Reshape(w, h int) error {
	if cw, ch := n.InputSize(); cw == w && ch == h {
		return nil
	}
	if !n.dynamicHW {
		return fmt.Errorf("%s: input %q has a fixed size %v; it cannot take %dx%d", n.name, n.spec.Input, n.image.shape, w, h)
	}
	if w < 1 || h < 1 || w > 8192 || h > 8192 {
		return fmt.Errorf("%s: input size %dx%d out of range 1..8192", n.name, w, h)
	}
	n.destroySession()
	if err := n.bind(int64(h), int64(w)); err != nil {
		return err
	}
	session, err := newSession(n.path, n, n.chosen, n.threads, n.noSpin)
	if err != nil {
		return fmt.Errorf("%s: session for %dx%d input: %w", n.name, w, h, err)
	}
	n.session = session
	return nil
}

func (n *Net) destroySession() {
	if n.session != nil {
		n.session.Destroy()
		n.session = nil
	}
	for _, s := range []*tensorSlot{n.image, n.intrinsics, n.output, n.confidence, n.mask} {
		s.destroy()
	}
	n.image, n.intrinsics, n.output, n.confidence, n.mask = nil, nil, nil, nil, nil
}

// Close releases the session and its tensors. Safe to call twice.
func (n *Net) Close() {
	if n == nil {
		return
	}
	n.destroySession()
}

// describeIO lists a graph's inputs or outputs for error messages.
func describeIO(infos []ort.InputOutputInfo) string {
	parts := make([]string, len(infos))
	for i, info := range infos {
		parts[i] = fmt.Sprintf("%q %s %v", info.Name, info.DataType, []int64(info.Dimensions))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// findTensor finds name among infos and checks that it is a float32 or float16 tensor.
func findTensor(file, role, name, yamlKey string, infos []ort.InputOutputInfo) (ort.InputOutputInfo, error) {
	for _, info := range infos {
		if info.Name != name {
			continue
		}
		if info.DataType != ort.TensorElementDataTypeFloat && info.DataType != ort.TensorElementDataTypeFloat16 {
			return info, fmt.Errorf("%s: %s %q is %s; model.yaml's contract needs float32 or float16", file, role, name, info.DataType)
		}
		return info, nil
	}
	return ort.InputOutputInfo{}, fmt.Errorf("%s: no %s named %q (model.yaml %s); the graph's %ss are %s", file, role, name, yamlKey, role, describeIO(infos))
}

// checkShape checks got against want (a dynamic dimension, <= 0, matches anything).
func checkShape(file, role, name, yamlKey string, got, want []int64) error {
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i] <= 0 || got[i] == want[i]
	}
	if !ok {
		return fmt.Errorf("%s: %s %q has shape %v, but model.yaml (%s) implies %v", file, role, name, got, yamlKey, want)
	}
	return nil
}

// ResolveMapShape turns a graph's per-pixel output shape ([H,W], [1,H,W] or [1,1,H,W], any
// dimension possibly dynamic) into a concrete one. Leading dimensions must be 1 (or dynamic);
// a dynamic height or width is taken to equal the input's (inH, inW) — what the public exports
// with dynamic axes do — and assumed reports that, so the caller can check it by a run.
func ResolveMapShape(got []int64, inH, inW int64) (shape []int64, assumed bool, err error) {
	if len(got) < 2 || len(got) > 4 {
		return nil, false, fmt.Errorf("rank %d; want [H,W], [1,H,W] or [1,1,H,W]", len(got))
	}
	shape = make([]int64, len(got))
	for i, d := range got[:len(got)-2] {
		if d > 1 {
			return nil, false, fmt.Errorf("dimension %d is %d; want 1 (one image, one channel) in %v", i, d, got)
		}
		shape[i] = 1
	}
	for i, in := range []int64{inH, inW} {
		j := len(got) - 2 + i
		if got[j] > 0 {
			shape[j] = got[j]
		} else {
			shape[j], assumed = in, true
		}
	}
	return shape, assumed, nil
}

// openNet checks the ONNX file against the manifest, then creates a session on the first
// provider that works, logging what it fell back from. inShape and outShape are what the
// manifest implies: for the depth net outShape is nil (the output's shape is resolved from the
// graph), for the pose net both are exact.
func openNet(dir string, spec NetSpec, key string, inShape, outShape []int64, cfg SessionConfig) (*Net, error) {
	path := filepath.Join(dir, spec.File)
	inputs, outputs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("%s (model.yaml %s.file): cannot be loaded as ONNX: %w", path, key, err)
	}
	n := &Net{name: spec.File, key: key, path: path, spec: spec, graphIn: inputs, graphOut: outputs,
		threads: cfg.IntraOpThreads, noSpin: cfg.NoSpinning, fixedOut: outShape}
	info, err := findTensor(spec.File, "input", spec.Input, key+".input", inputs)
	if err != nil {
		return nil, err
	}
	if err := checkShape(spec.File, "input", spec.Input, key+".input", info.Dimensions, inShape); err != nil {
		return nil, err
	}
	n.dynamicHW = len(info.Dimensions) == 4 && (info.Dimensions[2] <= 0 || info.Dimensions[3] <= 0)
	if err := n.bind(inShape[2], inShape[3]); err != nil {
		return nil, err
	}

	providers := cfg.Providers
	if len(providers) == 0 || providers[len(providers)-1].Name != ProviderCPU {
		providers = append(append([]ProviderConfig(nil), providers...), ProviderConfig{Name: ProviderCPU})
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var fallbacks []string
	for _, p := range providers {
		var cached bool
		var engineKey EngineKey
		if p.Name == ProviderTensorRT {
			var err error
			if p, engineKey, cached, err = resolveEngineCache(p, path, key, ort.GetVersion()); err != nil {
				fallbacks = append(fallbacks, fmt.Sprintf("%s unavailable (%v)", p.Name, err))
				continue
			}
		}
		start := time.Now()
		session, err := newSession(path, n, p, cfg.IntraOpThreads, cfg.NoSpinning)
		if err != nil {
			if p.Name == ProviderCPU {
				n.Close()
				return nil, fmt.Errorf("%s: creating a CPU session: %w", spec.File, err)
			}
			fallbacks = append(fallbacks, fmt.Sprintf("%s unavailable (%s)", p.Name, shortORTError(err)))
			continue
		}
		n.session, n.provider, n.chosen = session, p.Name, p
		if p.Name == ProviderTensorRT {
			// TensorRT builds (or deserialises) its engine on the first run: do it now, say so, and
			// time it, rather than stall the first camera frame for minutes without a word.
			if p.EngineCacheDir != "" && !cached {
				logger.Warn(fmt.Sprintf("%s: building a TensorRT engine (no cached engine for %s); this can take minutes", spec.File, engineKey.Describe()),
					"cache", p.EngineCacheDir)
			} else if p.EngineCacheDir == "" {
				logger.Warn(fmt.Sprintf("%s: building a TensorRT engine without a cache (set an engine cache folder so later starts are fast)", spec.File))
			}
			if err := n.Run(); err != nil {
				n.Close()
				return nil, fmt.Errorf("%s: first TensorRT run: %w", spec.File, err)
			}
			logger.Info(fmt.Sprintf("%s: TensorRT engine ready in %.1f s", spec.File, time.Since(start).Seconds()),
				"cached", cached, "cache", p.EngineCacheDir)
		} else if n.assumedOut {
			// A dynamic output size was taken from the input's: one run proves it (ONNX Runtime
			// refuses a preallocated output of the wrong shape) before the first camera frame.
			if err := n.Run(); err != nil {
				n.Close()
				return nil, err
			}
		}
		break
	}
	if len(fallbacks) > 0 {
		logger.Warn(fmt.Sprintf("%s runs on %s: %s", spec.File, n.provider, strings.Join(fallbacks, "; ")),
			"net", key, "provider", n.provider)
	} else {
		logger.Info(fmt.Sprintf("%s runs on %s", spec.File, n.provider), "net", key, "provider", n.provider)
	}
	return n, nil
}

// bind makes the net's tensors for an image input of h×w.
func (n *Net) bind(h, w int64) error {
	spec, file := n.spec, n.spec.File
	img, _ := findTensor(file, "input", spec.Input, n.key+".input", n.graphIn)
	inShape := []int64{1, img.Dimensions[1], h, w}
	if n.fixedOut != nil {
		inShape[1] = 6
	} else {
		inShape[1] = 3
	}
	var err error
	if n.image, err = newSlot(spec.Input, img.DataType, inShape); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if spec.IntrinsicsInput != "" {
		info, err := findTensor(file, "input", spec.IntrinsicsInput, n.key+".intrinsics_input", n.graphIn)
		if err != nil {
			n.destroySession()
			return err
		}
		var shape []int64
		switch d := info.Dimensions; {
		case len(d) == 2 && d[0] <= 1 && (d[1] == 4 || d[1] <= 0):
			shape = []int64{1, 4}
		case len(d) == 3 && d[0] <= 1 && (d[1] == 3 || d[1] <= 0) && (d[2] == 3 || d[2] <= 0):
			shape = []int64{1, 3, 3}
		default:
			n.destroySession()
			return fmt.Errorf("%s: input %q (model.yaml %s.intrinsics_input) has shape %v; want [1,4] (fx, fy, cx, cy) or [1,3,3] (K)",
				file, spec.IntrinsicsInput, n.key, []int64(d))
		}
		if n.intrinsics, err = newSlot(spec.IntrinsicsInput, info.DataType, shape); err != nil {
			n.destroySession()
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	out, err := findTensor(file, "output", spec.Output, n.key+".output", n.graphOut)
	if err != nil {
		n.destroySession()
		return err
	}
	var outShape []int64
	if n.fixedOut != nil {
		if err := checkShape(file, "output", spec.Output, n.key+".output", out.Dimensions, n.fixedOut); err != nil {
			n.destroySession()
			return err
		}
		outShape = n.fixedOut
	} else {
		var assumed bool
		if outShape, assumed, err = ResolveMapShape(out.Dimensions, h, w); err != nil {
			n.destroySession()
			return fmt.Errorf("%s: output %q (model.yaml %s.output) %v: %v", file, spec.Output, n.key, []int64(out.Dimensions), err)
		}
		n.assumedOut = assumed
	}
	if n.output, err = newSlot(spec.Output, out.DataType, outShape); err != nil {
		n.destroySession()
		return fmt.Errorf("%s: %w", file, err)
	}
	mapH, mapW := outShape[len(outShape)-2], outShape[len(outShape)-1]
	for _, extra := range []struct {
		name, key string
		slot      **tensorSlot
	}{{spec.ConfidenceOutput, "confidence_output", &n.confidence}, {spec.MaskOutput, "mask_output", &n.mask}} {
		if extra.name == "" {
			continue
		}
		info, err := findTensor(file, "output", extra.name, n.key+"."+extra.key, n.graphOut)
		if err != nil {
			n.destroySession()
			return err
		}
		shape, assumed, err := ResolveMapShape(info.Dimensions, h, w)
		if err == nil && (shape[len(shape)-2] != mapH || shape[len(shape)-1] != mapW) {
			err = fmt.Errorf("size %dx%d differs from the depth output's %dx%d", shape[len(shape)-1], shape[len(shape)-2], mapW, mapH)
		}
		if err != nil {
			n.destroySession()
			return fmt.Errorf("%s: output %q (model.yaml %s.%s) %v: %v", file, extra.name, n.key, extra.key, []int64(info.Dimensions), err)
		}
		n.assumedOut = n.assumedOut || assumed
		if *extra.slot, err = newSlot(extra.name, info.DataType, shape); err != nil {
			n.destroySession()
			return fmt.Errorf("%s: %w", file, err)
		}
	}
	return nil
}

// GPUThreads is the intra-op thread count under TensorRT or CUDA when none is given: the graph runs
// on the GPU, and the CPU threads would only spin beside it, taking cores the robot's other nodes need.
const GPUThreads = 1

// IntraOpThreadsFor is the thread count a session on provider gets for the configured count
// (0: choose, see SessionConfig.IntraOpThreads); 0 means ONNX Runtime's own default.
func IntraOpThreadsFor(provider string, configured int) int {
	if configured == 0 && (provider == ProviderTensorRT || provider == ProviderCUDA) {
		return GPUThreads
	}
	return configured
}

func newSession(path string, n *Net, p ProviderConfig, threads int, noSpin bool) (*ort.AdvancedSession, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if t := IntraOpThreadsFor(p.Name, threads); t > 0 {
		if err := opts.SetIntraOpNumThreads(t); err != nil {
			return nil, err
		}
	}
	if noSpin {
		// ONNX Runtime's session options keys (onnxruntime_session_options_config_keys.h).
		for _, key := range []string{"session.intra_op.allow_spinning", "session.inter_op.allow_spinning"} {
			if err := opts.AddSessionConfigEntry(key, "0"); err != nil {
				return nil, fmt.Errorf("session option %s: %w", key, err)
			}
		}
	}
	if err := p.appendTo(opts); err != nil {
		return nil, err
	}
	inNames, inValues := []string{n.spec.Input}, []ort.Value{n.image.value()}
	if n.intrinsics != nil {
		inNames, inValues = append(inNames, n.spec.IntrinsicsInput), append(inValues, n.intrinsics.value())
	}
	outNames, outValues := []string{n.spec.Output}, []ort.Value{n.output.value()}
	for _, s := range []*tensorSlot{n.confidence, n.mask} {
		if s != nil {
			outNames, outValues = append(outNames, s.name), append(outValues, s.value())
		}
	}
	return ort.NewAdvancedSession(path, inNames, outNames, inValues, outValues, opts)
}

// shortORTError keeps the human part of an ONNX Runtime status: it drops the source location
// prefix ("/onnxruntime_src/...cc:1957 ... [ONNXRuntimeError] : 1 : FAIL : ") and the repeated
// dlerror text, so the fallback line stays one readable line.
func shortORTError(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "[ONNXRuntimeError]"); i >= 0 {
		s = s[i:]
		for n := 0; n < 3; n++ { // " : 1", " : FAIL", " : message"
			if j := strings.Index(s, " : "); j >= 0 {
				s = s[j+3:]
			}
		}
	}
	if i := strings.Index(s, " with error: "); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
