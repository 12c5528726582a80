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
	// IntraOpThreads is the thread count inside one operator; 0 lets ONNX Runtime choose.
	IntraOpThreads int
	// RuntimeLibrary is the ONNX Runtime shared library; empty searches (see FindRuntimeLibrary).
	RuntimeLibrary string
	// Logger receives the one line saying which provider runs; nil uses slog.Default().
	Logger *slog.Logger
}

// Net is one ONNX graph with one float32 input and one float32 output of fixed shapes, bound to
// preallocated tensors: callers fill Input() in place, call Run, and read Output() in place, so the
// steady path allocates nothing. A Net is not safe for concurrent use.
type Net struct {
	name        string
	provider    string
	session     *ort.AdvancedSession
	input       *ort.Tensor[float32]
	output      *ort.Tensor[float32]
	inputShape  []int64
	outputShape []int64
}

// Input is the input tensor's backing memory, row-major in InputShape order.
func (n *Net) Input() []float32 { return n.input.GetData() }

// Output is the output tensor's backing memory, valid after Run until the next Run.
func (n *Net) Output() []float32 { return n.output.GetData() }

// InputShape returns the input tensor's shape.
func (n *Net) InputShape() []int64 { return n.inputShape }

// OutputShape returns the output tensor's shape.
func (n *Net) OutputShape() []int64 { return n.outputShape }

// Provider is the execution provider the session runs on.
func (n *Net) Provider() string { return n.provider }

// Run executes the graph on the current contents of Input.
func (n *Net) Run() error {
	if err := n.session.Run(); err != nil {
		return fmt.Errorf("%s: %w", n.name, err)
	}
	return nil
}

// Close releases the session and its tensors. Safe to call twice.
func (n *Net) Close() {
	if n == nil {
		return
	}
	if n.session != nil {
		n.session.Destroy()
		n.session = nil
	}
	if n.input != nil {
		n.input.Destroy()
		n.input = nil
	}
	if n.output != nil {
		n.output.Destroy()
		n.output = nil
	}
}

// describeIO lists a graph's inputs or outputs for error messages.
func describeIO(infos []ort.InputOutputInfo) string {
	parts := make([]string, len(infos))
	for i, info := range infos {
		parts[i] = fmt.Sprintf("%q %s %v", info.Name, info.DataType, []int64(info.Dimensions))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// checkTensor finds name among infos and checks it is float32 with a shape compatible with want
// (a dynamic dimension, <= 0, matches anything). role is "input" or "output" for messages.
func checkTensor(file, role, name, yamlKey string, infos []ort.InputOutputInfo, want []int64) error {
	for _, info := range infos {
		if info.Name != name {
			continue
		}
		if info.DataType != ort.TensorElementDataTypeFloat {
			return fmt.Errorf("%s: %s %q is %s; model.yaml's contract needs float32", file, role, name, info.DataType)
		}
		got := []int64(info.Dimensions)
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i] <= 0 || got[i] == want[i]
		}
		if !ok {
			return fmt.Errorf("%s: %s %q has shape %v, but model.yaml (%s) implies %v", file, role, name, got, yamlKey, want)
		}
		return nil
	}
	return fmt.Errorf("%s: no %s named %q (model.yaml %s); the graph's %ss are %s", file, role, name, yamlKey, role, describeIO(infos))
}

// openNet checks the ONNX file against the expected names and shapes, then creates a session on
// the first provider that works, logging what it fell back from.
func openNet(dir string, spec NetSpec, key string, inShape, outShape []int64, cfg SessionConfig) (*Net, error) {
	path := filepath.Join(dir, spec.File)
	inputs, outputs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, fmt.Errorf("%s (model.yaml %s.file): cannot be loaded as ONNX: %w", path, key, err)
	}
	if err := checkTensor(spec.File, "input", spec.Input, key+".input", inputs, inShape); err != nil {
		return nil, err
	}
	if err := checkTensor(spec.File, "output", spec.Output, key+".output", outputs, outShape); err != nil {
		return nil, err
	}

	n := &Net{name: spec.File, inputShape: inShape, outputShape: outShape}
	if n.input, err = ort.NewEmptyTensor[float32](ort.NewShape(inShape...)); err != nil {
		return nil, fmt.Errorf("%s: input tensor: %w", spec.File, err)
	}
	if n.output, err = ort.NewEmptyTensor[float32](ort.NewShape(outShape...)); err != nil {
		n.Close()
		return nil, fmt.Errorf("%s: output tensor: %w", spec.File, err)
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
		session, err := newSession(path, spec, n.input, n.output, p, cfg.IntraOpThreads)
		if err != nil {
			if p.Name == ProviderCPU {
				n.Close()
				return nil, fmt.Errorf("%s: creating a CPU session: %w", spec.File, err)
			}
			fallbacks = append(fallbacks, fmt.Sprintf("%s unavailable (%s)", p.Name, shortORTError(err)))
			continue
		}
		n.session, n.provider = session, p.Name
		if p.Name == ProviderTensorRT {
			// TensorRT builds (or deserialises) its engine on the first run: do it now, say so, and
			// time it, rather than stall the first camera frame for minutes without a word.
			if p.EngineCacheDir != "" && !cached {
				logger.Warn(fmt.Sprintf("%s: building a TensorRT engine (no cached engine for %s); this can take minutes", spec.File, engineKey.Describe()),
					"cache", p.EngineCacheDir)
			} else if p.EngineCacheDir == "" {
				logger.Warn(fmt.Sprintf("%s: building a TensorRT engine without a cache (set an engine cache folder so later starts are fast)", spec.File))
			}
			if err := n.session.Run(); err != nil {
				n.Close()
				return nil, fmt.Errorf("%s: first TensorRT run: %w", spec.File, err)
			}
			logger.Info(fmt.Sprintf("%s: TensorRT engine ready in %.1f s", spec.File, time.Since(start).Seconds()),
				"cached", cached, "cache", p.EngineCacheDir)
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

func newSession(path string, spec NetSpec, in, out *ort.Tensor[float32], p ProviderConfig, threads int) (*ort.AdvancedSession, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if threads > 0 {
		if err := opts.SetIntraOpNumThreads(threads); err != nil {
			return nil, err
		}
	}
	if err := p.appendTo(opts); err != nil {
		return nil, err
	}
	s, err := ort.NewAdvancedSession(path, []string{spec.Input}, []string{spec.Output},
		[]ort.Value{in}, []ort.Value{out}, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
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
