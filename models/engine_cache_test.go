package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEngineKeyChangesWithEverythingItDependsOn(t *testing.T) {
	base := EngineKey{ModelSHA256: "aa", ORTVersion: "1.24.1", TRTVersion: "10.3.0", GPU: "Orin", FP16: true, DLACore: -1}
	if base.Hash() != base.Hash() || len(base.Hash()) != 16 {
		t.Fatalf("hash %q not stable", base.Hash())
	}
	variants := []EngineKey{base, base, base, base, base, base, base}
	variants[0].ModelSHA256 = "ab"
	variants[1].ORTVersion = "1.24.2"
	variants[2].TRTVersion = "10.3.1"
	variants[3].GPU = "RTX 4090"
	variants[4].FP16 = false
	variants[5].INT8 = true
	variants[6].DLACore = 0
	seen := map[string]bool{base.Hash(): true}
	for i, v := range variants {
		if seen[v.Hash()] {
			t.Errorf("variant %d (%s) shares a cache with another key", i, v.Describe())
		}
		seen[v.Hash()] = true
	}
}

func TestResolveEngineCache(t *testing.T) {
	root := t.TempDir()
	model := filepath.Join(tinyDir, "depth.onnx")
	p := ProviderConfig{Name: ProviderTensorRT, FP16: true, EngineCacheDir: root, TimingCacheDir: filepath.Join(root, "timing")}
	out, key, cached, err := resolveEngineCache(p, model, "depth", "1.24.1")
	if err != nil {
		t.Fatal(err)
	}
	if cached || !strings.HasPrefix(out.EngineCacheDir, filepath.Join(root, "depth-")) || key.ORTVersion != "1.24.1" || len(key.ModelSHA256) != 64 {
		t.Fatalf("%+v %+v cached=%v", out, key, cached)
	}
	desc, err := os.ReadFile(filepath.Join(out.EngineCacheDir, "key.txt"))
	if err != nil || !strings.Contains(string(desc), "ONNX Runtime 1.24.1") {
		t.Fatalf("key.txt: %v %q", err, desc)
	}
	os.WriteFile(filepath.Join(out.EngineCacheDir, "TensorrtExecutionProvider_x.engine"), []byte("engine"), 0o644)
	if _, _, cached, _ := resolveEngineCache(p, model, "depth", "1.24.1"); !cached {
		t.Fatal("engine in the key's folder not seen as cached")
	}
	// Another ONNX Runtime version must not see that engine.
	other, _, cached, _ := resolveEngineCache(p, model, "depth", "1.25.0")
	if cached || other.EngineCacheDir == out.EngineCacheDir {
		t.Fatal("an engine cache is shared across ONNX Runtime versions")
	}
	if other.TimingCacheDir != out.TimingCacheDir {
		t.Fatal("the timing cache depends only on TensorRT and the GPU")
	}
	if _, _, _, err := resolveEngineCache(p, filepath.Join(root, "missing.onnx"), "depth", "1"); err == nil {
		t.Fatal("missing model hashed")
	}
	plain, _, _, err := resolveEngineCache(ProviderConfig{Name: ProviderTensorRT}, model, "depth", "1")
	if err != nil || plain.EngineCacheDir != "" {
		t.Fatal("no cache configured, yet one was made")
	}
}

func TestFormatTRTVersion(t *testing.T) {
	for v, want := range map[int]string{100300: "10.3.0", 8602: "8.6.2", 8503: "8.5.3", 101100: "10.11.0"} {
		if got := formatTRTVersion(v); got != want {
			t.Errorf("%d → %s, want %s", v, got, want)
		}
	}
	if TensorRTVersion() == "" || GPUName() == "" {
		t.Fatal("detection must always answer (none/unknown without a GPU)")
	}
}
