package models

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ssmde/ssmde/fileio"
)

// EngineKey is everything a TensorRT engine depends on. An engine built for one combination must
// never be loaded under another (TensorRT refuses at best, and silently misbehaves at worst), so
// each combination gets its own cache folder.
type EngineKey struct {
	ModelSHA256 string // of the ONNX file
	ORTVersion  string
	TRTVersion  string // "none" when libnvinfer cannot be found
	GPU         string // device name, "unknown" when not found
	FP16, INT8  bool
	DLACore     int // -1 without DLA
}

// Hash is a short stable digest of the key.
func (k EngineKey) Hash() string {
	h := sha256.New()
	fmt.Fprintf(h, "model=%s\nort=%s\ntrt=%s\ngpu=%s\nfp16=%t\nint8=%t\ndla=%d\n", k.ModelSHA256, k.ORTVersion, k.TRTVersion, k.GPU, k.FP16, k.INT8, k.DLACore)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Dir is the cache folder for one net under root, e.g. root/depth-3f9a0c1d2e4b5a69.
func (k EngineKey) Dir(root, net string) string { return filepath.Join(root, net+"-"+k.Hash()) }

// Describe is a one-line account for logs and for the key file written beside the engines.
func (k EngineKey) Describe() string {
	return fmt.Sprintf("model sha256 %s, ONNX Runtime %s, TensorRT %s, GPU %q, fp16 %t, int8 %t, dla %d",
		short(k.ModelSHA256), k.ORTVersion, k.TRTVersion, k.GPU, k.FP16, k.INT8, k.DLACore)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// FileSHA256 hashes a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var (
	gpuOnce sync.Once
	gpuName string
)

// GPUName reads the GPU's name: the first NVIDIA GPU of a desktop driver, or the Jetson module's
// device-tree model (Jetsons have no /proc/driver/nvidia/gpus). "unknown" when neither exists.
func GPUName() string {
	gpuOnce.Do(func() {
		gpuName = "unknown"
		infos, _ := filepath.Glob("/proc/driver/nvidia/gpus/*/information")
		for _, p := range infos {
			if name := modelLine(p); name != "" {
				gpuName = name
				return
			}
		}
		if data, err := os.ReadFile("/proc/device-tree/model"); err == nil {
			if s := strings.TrimRight(strings.TrimSpace(string(data)), "\x00"); s != "" {
				gpuName = s
			}
		}
	})
	return gpuName
}

// modelLine returns the value of the "Model:" line of an NVIDIA driver information file.
func modelLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "Model" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// resolveEngineCache points a TensorRT provider's engine cache at the folder of this model's
// exact key (and its timing cache at the folder of this TensorRT and GPU), creating them and a
// key.txt that says what the engines were built for. cached reports whether engines are there.
func resolveEngineCache(p ProviderConfig, modelPath, net, ortVersion string) (out ProviderConfig, key EngineKey, cached bool, err error) {
	out = p
	if p.EngineCacheDir == "" {
		return out, key, false, nil
	}
	sum, err := FileSHA256(modelPath)
	if err != nil {
		return out, key, false, err
	}
	key = EngineKey{ModelSHA256: sum, ORTVersion: ortVersion, TRTVersion: TensorRTVersion(), GPU: GPUName(),
		FP16: p.FP16, INT8: p.INT8, DLACore: -1}
	if p.UseDLA {
		key.DLACore = p.DLACore
	}
	out.EngineCacheDir = key.Dir(p.EngineCacheDir, net)
	if err := os.MkdirAll(out.EngineCacheDir, 0o755); err != nil {
		return out, key, false, fmt.Errorf("tensorrt engine cache: %w", err)
	}
	if err := fileio.WriteFileAtomic(filepath.Join(out.EngineCacheDir, "key.txt"), []byte(key.Describe()+"\n"), 0o644); err != nil {
		return out, key, false, fmt.Errorf("tensorrt engine cache: %w", err)
	}
	engines, _ := filepath.Glob(filepath.Join(out.EngineCacheDir, "*.engine"))
	cached = len(engines) > 0
	if p.TimingCacheDir != "" {
		tk := EngineKey{TRTVersion: key.TRTVersion, GPU: key.GPU}
		out.TimingCacheDir = tk.Dir(p.TimingCacheDir, "timing")
		if err := os.MkdirAll(out.TimingCacheDir, 0o755); err != nil {
			return out, key, cached, fmt.Errorf("tensorrt timing cache: %w", err)
		}
	}
	return out, key, cached, nil
}
