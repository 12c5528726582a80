package models

import (
	"fmt"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// Execution provider names as they appear in params files.
const (
	ProviderTensorRT = "tensorrt"
	ProviderCUDA     = "cuda"
	ProviderCPU      = "cpu"
)

// ProviderConfig is one entry of the ordered execution-provider list. Fields that do not apply to
// the named provider are ignored.
type ProviderConfig struct {
	Name     string `yaml:"name"`
	DeviceID int    `yaml:"device_id"`

	// TensorRT
	FP16           bool   `yaml:"fp16"`
	INT8           bool   `yaml:"int8"`
	WorkspaceBytes int64  `yaml:"workspace_bytes"` // 0: ONNX Runtime's default
	EngineCacheDir string `yaml:"engine_cache_dir"`
	TimingCacheDir string `yaml:"timing_cache_dir"`
	DLACore        int    `yaml:"dla_core"` // -1 or 0 with DLA off; see UseDLA
	UseDLA         bool   `yaml:"use_dla"`
}

// ParseProviderList turns "tensorrt,cuda,cpu" into provider configs with defaults (TensorRT fp16 on).
func ParseProviderList(list string) ([]ProviderConfig, error) {
	var out []ProviderConfig
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		p := ProviderConfig{Name: name, FP16: name == ProviderTensorRT}
		if err := p.Validate(); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("providers %q: empty list; want e.g. tensorrt,cuda,cpu", list)
	}
	return out, nil
}

// Validate names a provider we do not know or an option out of range.
func (p ProviderConfig) Validate() error {
	switch p.Name {
	case ProviderTensorRT, ProviderCUDA, ProviderCPU:
	default:
		return fmt.Errorf("execution provider %q unknown; want tensorrt, cuda or cpu", p.Name)
	}
	if p.DeviceID < 0 {
		return fmt.Errorf("execution provider %s: device_id %d is negative", p.Name, p.DeviceID)
	}
	if p.WorkspaceBytes < 0 {
		return fmt.Errorf("execution provider %s: workspace_bytes %d is negative", p.Name, p.WorkspaceBytes)
	}
	if p.UseDLA && p.DLACore < 0 {
		return fmt.Errorf("execution provider %s: dla_core %d is negative", p.Name, p.DLACore)
	}
	return nil
}

// ORTOptions maps the config onto ONNX Runtime's provider option keys (the V2 key/value API).
func (p ProviderConfig) ORTOptions() map[string]string {
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	switch p.Name {
	case ProviderTensorRT:
		o := map[string]string{
			"device_id":               strconv.Itoa(p.DeviceID),
			"trt_fp16_enable":         b(p.FP16),
			"trt_int8_enable":         b(p.INT8),
			"trt_engine_cache_enable": b(p.EngineCacheDir != ""),
			"trt_timing_cache_enable": b(p.TimingCacheDir != ""),
			"trt_dla_enable":          b(p.UseDLA),
		}
		if p.EngineCacheDir != "" {
			o["trt_engine_cache_path"] = p.EngineCacheDir
		}
		if p.TimingCacheDir != "" {
			o["trt_timing_cache_path"] = p.TimingCacheDir
		}
		if p.WorkspaceBytes > 0 {
			o["trt_max_workspace_size"] = strconv.FormatInt(p.WorkspaceBytes, 10)
		}
		if p.UseDLA {
			o["trt_dla_core"] = strconv.Itoa(p.DLACore)
		}
		return o
	case ProviderCUDA:
		return map[string]string{"device_id": strconv.Itoa(p.DeviceID)}
	}
	return nil
}

// appendTo adds the provider to ONNX Runtime session options. CPU needs nothing: ONNX Runtime
// always runs what no other provider takes on the CPU.
func (p ProviderConfig) appendTo(opts *ort.SessionOptions) error {
	switch p.Name {
	case ProviderTensorRT:
		trt, err := ort.NewTensorRTProviderOptions()
		if err != nil {
			return err
		}
		defer trt.Destroy()
		if err := trt.Update(p.ORTOptions()); err != nil {
			return err
		}
		return opts.AppendExecutionProviderTensorRT(trt)
	case ProviderCUDA:
		cuda, err := ort.NewCUDAProviderOptions()
		if err != nil {
			return err
		}
		defer cuda.Destroy()
		if err := cuda.Update(p.ORTOptions()); err != nil {
			return err
		}
		return opts.AppendExecutionProviderCUDA(cuda)
	}
	return nil
}
