package models

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// trt_version asks libnvinfer for its version (major*10000 + minor*100 + patch for TensorRT 10,
// major*1000 + minor*100 + patch for 8.x); -1 when the library is not loadable.
static int trt_version(const char *lib) {
	void *h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);
	if (!h) return -1;
	int (*get)(void) = (int (*)(void))dlsym(h, "getInferLibVersion");
	int v = get ? get() : -1;
	dlclose(h);
	return v;
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

var (
	trtOnce    sync.Once
	trtVersion string
)

// TensorRTVersion returns the version of the TensorRT library the dynamic loader finds
// (what ONNX Runtime's TensorRT provider will load), or "none".
func TensorRTVersion() string {
	trtOnce.Do(func() {
		trtVersion = "none"
		for _, lib := range []string{"libnvinfer.so.10", "libnvinfer.so.8", "libnvinfer.so"} {
			name := C.CString(lib)
			v := int(C.trt_version(name))
			C.free(unsafe.Pointer(name))
			if v > 0 {
				trtVersion = formatTRTVersion(v)
				return
			}
		}
	})
	return trtVersion
}

// formatTRTVersion decodes getInferLibVersion: TensorRT 10 returns major·10000 + minor·100 +
// patch, TensorRT 8 returns major·1000 + minor·100 + patch.
func formatTRTVersion(v int) string {
	if v >= 100000 {
		return fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
	}
	return fmt.Sprintf("%d.%d.%d", v/1000, v/100%10, v%100)
}
