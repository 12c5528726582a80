package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// RuntimeVersion is the ONNX Runtime release `make setup` installs and the Go bindings target.
const RuntimeVersion = "1.24.1"

// RuntimeLibraryEnv overrides where the ONNX Runtime shared library is loaded from, e.g. a build
// with the TensorRT and CUDA execution providers on a Jetson.
const RuntimeLibraryEnv = "ONNXRUNTIME_LIB"

// ErrRuntimeNotFound is returned when no ONNX Runtime library can be located.
var ErrRuntimeNotFound = errors.New("ONNX Runtime library not found")

var (
	runtimeOnce sync.Once
	runtimeErr  error
	runtimePath string
)

// InitRuntime loads the ONNX Runtime library once per process. explicitPath, when not empty, wins
// over the environment and the search; later calls return the first call's result.
func InitRuntime(explicitPath string) (string, error) {
	runtimeOnce.Do(func() {
		path, err := FindRuntimeLibrary(explicitPath)
		if err != nil {
			runtimeErr = err
			return
		}
		ort.SetSharedLibraryPath(path)
		if err := ort.InitializeEnvironment(ort.WithLogLevelError()); err != nil {
			runtimeErr = fmt.Errorf("loading ONNX Runtime from %s: %w (set %s to a working libonnxruntime.so, or run `make setup`)",
				path, err, RuntimeLibraryEnv)
			return
		}
		runtimePath = path
	})
	return runtimePath, runtimeErr
}

// FindRuntimeLibrary resolves the ONNX Runtime library: explicitPath, then $ONNXRUNTIME_LIB, then
// lib/ beside or above the executable (an installed layout), then the set-up cache
// .cache/onnxruntime/<version>/<arch>/ in this directory or any parent of it or of the executable.
func FindRuntimeLibrary(explicitPath string) (string, error) {
	for _, p := range []struct{ path, from string }{{explicitPath, "the configured path"}, {os.Getenv(RuntimeLibraryEnv), "$" + RuntimeLibraryEnv}} {
		if p.path == "" {
			continue
		}
		if st, err := os.Stat(p.path); err != nil || st.IsDir() {
			return "", fmt.Errorf("%w at %s, given by %s: the file does not exist", ErrRuntimeNotFound, p.path, p.from)
		}
		return p.path, nil
	}
	var candidates []string
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[runtime.GOARCH]
	cacheRel := filepath.Join(".cache", "onnxruntime", RuntimeVersion, arch, "libonnxruntime.so.1")
	var starts []string
	if exe, err := os.Executable(); err == nil {
		exeDir := filepath.Dir(exe)
		candidates = append(candidates,
			filepath.Join(exeDir, "libonnxruntime.so.1"),
			filepath.Join(exeDir, "..", "lib", "libonnxruntime.so.1"),
			filepath.Join(exeDir, "..", "lib", "ssmde", "libonnxruntime.so.1"))
		starts = append(starts, exeDir)
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, filepath.Join(dir, cacheRel))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: run `make setup` (it fetches ONNX Runtime %s into .cache/onnxruntime), or set %s=/path/to/libonnxruntime.so",
		ErrRuntimeNotFound, RuntimeVersion, RuntimeLibraryEnv)
}
